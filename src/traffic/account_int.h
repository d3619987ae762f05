/*
 * account_int.h - what account.c (counting) and account_read.c (reading
 * the counts) share; private to src/traffic.
 */
#ifndef PL_ACCOUNT_INT_H
#define PL_ACCOUNT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "account.h"
#include "services.h"
#include "toptable.h"

/* Counts of the open period plus what earlier periods closed: the hot
 * path adds to two words. */
struct rate {
	uint64_t p_packets, p_bytes; /* this period */
	uint64_t c_packets, c_bytes; /* closed periods */
	double bps, pps, bps_smooth, pps_smooth;
	bool primed; /* the EWMA has a first value */
};

struct net4 {
	uint32_t net, mask; /* host order */
};

struct net6 {
	uint64_t net[2], mask[2]; /* big-endian halves, host order */
};

/* The last IP frame's conversation and where it counted: frames of one
 * conversation come in bursts, both ways (a TCP sender's segments and the
 * ACKs back), and the next frame like it, or like it turned round, needs
 * no lookup.  valid is cleared by anything that may move, replace or
 * retag entries: an insert into either table, a watch, new local
 * networks. */
#define CONV_KEY_WORDS 5
struct conv {
	uint64_t key[CONV_KEY_WORDS]; /* family, proto, ports; src; dst */
	struct toptable_entry *src, *dst, *svc; /* the sink: not counted */
	struct rate *proto;
	enum account_dir dir;
	bool turns; /* src is not dst: a frame back has entries to add to */
	bool valid;
};

struct account {
	struct account_totals t;
	int n_ifaces;
	struct rate iface[ACCOUNT_MAX_IFACES][ACCOUNT_DIR_COUNT + 1];
	struct rate no_iface[ACCOUNT_DIR_COUNT + 1]; /* an index out of
						      * range: never read */
	struct rate proto[ACCOUNT_PROTO_COUNT];
	struct net4 v4[CFG_MAX_NETS];
	int n4;
	struct net6 v6[CFG_MAX_NETS];
	int n6;
	struct toptable *hosts;
	struct toptable *svcs;
	struct services *names;
	double smooth_s;
	int64_t period_start_ns;
	bool started;
	struct conv conv;
	struct toptable_entry sink; /* what is not counted adds here */
};

/* Whether a host key's address is local (configured, or link-only). */
bool account_key_is_local(const struct account *a,
			  const struct toptable_key *k);

/* The key of an address (IPv4 zero-padded to 16 bytes by the decoder);
 * false for an unspecified address, which is no host. */
static inline bool host_key(struct toptable_key *k, int family,
			    const uint8_t *addr)
{
	k->w[0] = (uint64_t)family;
	memcpy(&k->w[1], addr, 16);
	return (k->w[1] | k->w[2]) != 0;
}

/* The same from a caller's address of 4 or 16 bytes. */
static inline bool host_key_of(struct toptable_key *k, int family,
			       const uint8_t *addr)
{
	uint8_t a16[16] = { 0 };

	memcpy(a16, addr, family == AF_INET ? 4 : 16);
	return host_key(k, family, a16);
}

#endif
