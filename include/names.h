/*
 * names.h - names for the hosts on the mirror, learned from what they
 * send anyway: the DHCP hostname (option 12) and mDNS announcements, and,
 * when capture.reverse_dns allows it, reverse DNS (rdns.h).
 *
 * Lifecycle: names_new() → names_frame() for every decoded frame (only
 * UDP 67/68 and 5353 are read), names_rdns_open() for the reverse DNS
 * source, names_learn() for any other → names_find() / names_get() for
 * the LCD, the events and /metrics → names_free() (after rdns_close()).
 *
 * The table holds at most NAMES_MAX entries, allocated at names_new().
 * An entry is an address (IPv4 or IPv6; a DHCP client's entry may have
 * only its MAC until the server's ACK binds an address to it) with one
 * name and where it came from.  Precedence: dhcp > mdns > rdns; a fact
 * from a source at least as strong replaces the name, a weaker one is
 * ignored.  When the table is full the entry learned or confirmed
 * longest ago makes room.
 *
 * Names come off the wire and go to the LCD, JSON, Prometheus labels and
 * logs, so names_sanitize() keeps only [A-Za-z0-9._-] (other bytes become
 * '_'), at most NAMES_LEN characters, and drops a name without a letter or
 * digit.
 */
#ifndef PL_NAMES_H
#define PL_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode.h"

#define NAMES_MAX 256 /* entries in the table */
#define NAMES_LEN 63  /* characters of a name kept */
/* Address records read from one mDNS response, at most. */
#define NAMES_MDNS_RR_MAX 16

enum names_source {
	NAMES_NONE,
	NAMES_RDNS, /* weakest */
	NAMES_MDNS,
	NAMES_DHCP, /* strongest */
};

/* One thing a packet said: mac and/or an address, and maybe a name. */
struct names_fact {
	enum names_source source;
	bool have_mac;
	uint8_t mac[6];
	int family;		  /* AF_INET, AF_INET6; 0: no address */
	uint8_t ip[16];		  /* IPv4 in the first 4 bytes */
	char name[NAMES_LEN + 1]; /* sanitized; "" when none */
};

struct names_entry {
	enum names_source source;
	bool have_mac;
	uint8_t mac[6];
	int family; /* 0: a DHCP client without an address yet */
	uint8_t ip[16];
	char name[NAMES_LEN + 1];
	int64_t learned_ns; /* monotonic: learned or last confirmed */
};

struct names_counts {
	size_t entries;	    /* in the table now */
	uint64_t learned;   /* facts that set or changed a name */
	uint64_t evicted;   /* entries dropped to make room */
	uint64_t bad;	    /* DHCP or mDNS messages that did not parse */
	uint64_t truncated; /* ... because capture.snaplen cut them */
};

struct names;

/* NULL/ENOMEM.  Free with names_free() (accepts NULL). */
struct names *names_new(void);
void names_free(struct names *n);

/* Read the names a decoded frame (caplen bytes captured) carries: a DHCP
 * message (UDP between ports 67 and 68) or an mDNS response (UDP from
 * port 5353).  Returns the number of facts learned (0 for every other
 * frame).  A DHCP message needs about 350 to 600 bytes of the frame: with
 * the default capture.snaplen of 128 only mDNS names that fit are read,
 * and the cut messages are counted (truncated) and logged once. */
int names_frame(struct names *n, const uint8_t *frame, uint32_t caplen,
		const struct frame_info *fi, int64_t now_ns);

/* Apply one fact by the precedence rule.  Returns 1 when a name was set
 * or changed, else 0. */
int names_learn(struct names *n, const struct names_fact *f, int64_t now_ns);

/* The name of addr (family AF_INET/AF_INET6), or NULL.  The pointer is
 * valid until the next call that learns. */
const char *names_find(const struct names *n, int family, const uint8_t *addr);

/* The same, or failing that the name a DHCP client with mac gave without
 * an address yet. */
const char *names_find_device(const struct names *n, const uint8_t mac[6],
			      int family, const uint8_t *addr);

/* Entry i (0 <= i < NAMES_MAX) into out; false when slot i is empty. */
bool names_get(const struct names *n, size_t i, struct names_entry *out);

void names_counts(const struct names *n, struct names_counts *out);

/* "dhcp", "mdns", "rdns", "none". */
const char *names_source_name(enum names_source s);

/* Copy len bytes of raw into out (NAMES_LEN + 1 bytes) by the rule above;
 * a trailing '.' is dropped.  Returns the length kept, 0 when nothing
 * usable is left (out is ""). */
size_t names_sanitize(const uint8_t *raw, size_t len, char *out);

/* ---- reverse DNS into the table (names_rdns.c) ------------------------ */

struct loop;
struct rdns;

/* *out: the reverse DNS channel cap asks for (rdns.h), its answers going
 * into n; NULL when capture.reverse_dns is off or nothing is captured.
 * Returns 0, or -1 (logged) when the channel cannot be set up. */
int names_rdns_open(struct names *n, struct loop *l,
		    const struct capture_cfg *cap, struct rdns **out);

/* Would a and b set up the same channel? */
bool names_rdns_same(const struct capture_cfg *a, const struct capture_cfg *b);

/* ---- the parsers (names_wire.c): pure, for tests and the fuzzer ------- */

typedef void (*names_fact_fn)(void *ctx, const struct names_fact *f);

/* A DHCP/BOOTP message (the UDP data).  A client's DISCOVER, REQUEST or
 * INFORM with option 12 gives MAC → name (and ciaddr when it has one); a
 * server's ACK gives MAC → yiaddr (or ciaddr), with the name when the
 * server echoes option 12.  Returns the facts given to fn, or -1 when the
 * message is malformed. */
int names_parse_dhcp(const uint8_t *p, size_t len, names_fact_fn fn, void *ctx);

/* An mDNS response (the UDP data): every A/AAAA answer or additional
 * record "NAME.local" of class IN (cache-flush bit or not) with a TTL
 * over 0 (at most NAMES_MDNS_RR_MAX) gives address → NAME.  Queries give
 * nothing.  Returns the facts given to fn, or -1 when the message is
 * malformed before the first fact (the records before a bad one count). */
int names_parse_mdns(const uint8_t *p, size_t len, names_fact_fn fn, void *ctx);

#endif
