/*
 * account_read.c - reading what account.c counted: totals, stats with
 * rates, last-seen times, walks over hosts and services, the top talkers,
 * and the hosts the policy watches (never evicted).  Nothing here runs
 * per frame.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "account.h"
#include "account_int.h"
#include "toptable.h"

static void stats_of(const struct rate *r, struct account_stats *out)
{
	*out = (struct account_stats){
		.packets = r->c_packets + r->p_packets,
		.bytes = r->c_bytes + r->p_bytes,
		.bps = r->bps,
		.pps = r->pps,
		.bps_smooth = r->bps_smooth,
		.pps_smooth = r->pps_smooth,
	};
}

const struct account_totals *account_totals(const struct account *a)
{
	return &a->t;
}

int account_iface_stats(const struct account *a, int iface,
			enum account_dir dir, struct account_stats *out)
{
	if (iface < 0 || iface >= a->n_ifaces || dir < 0 ||
	    dir > ACCOUNT_DIR_ALL) {
		errno = EINVAL;
		return -1;
	}
	stats_of(&a->iface[iface][dir], out);
	return 0;
}

int account_proto_stats(const struct account *a, enum account_proto proto,
			struct account_stats *out)
{
	if (proto < 0 || proto >= ACCOUNT_PROTO_COUNT) {
		errno = EINVAL;
		return -1;
	}
	stats_of(&a->proto[proto], out);
	return 0;
}

int64_t account_last_seen(const struct account *a, int family,
			  const uint8_t *addr)
{
	struct toptable_key k;
	const struct toptable_entry *e;

	if ((family != AF_INET && family != AF_INET6) || !addr ||
	    !host_key_of(&k, family, addr))
		return -1;
	e = toptable_find(a->hosts, &k);
	return e ? e->last_seen_ns : -1;
}

static void host_of(const struct toptable_entry *e, struct account_host *h)
{
	*h = (struct account_host){
		.family = (int)(e->key.w[0] & 0xff),
		.packets = e->packets,
		.bytes = e->bytes,
		.last_seen_ns = e->last_seen_ns,
	};
	memcpy(h->addr, &e->key.w[1], sizeof(h->addr));
}

struct host_walk {
	void (*fn)(const struct account_host *h, void *ctx);
	void *ctx;
};

static void host_visit(const struct toptable_entry *e, void *ctx)
{
	struct host_walk *w = ctx;
	struct account_host h;

	if (e->packets == 0) /* watched, not seen yet */
		return;
	host_of(e, &h);
	w->fn(&h, w->ctx);
}

void account_foreach_host(const struct account *a,
			  void (*fn)(const struct account_host *h, void *ctx),
			  void *ctx)
{
	struct host_walk w = { fn, ctx };

	toptable_foreach(a->hosts, host_visit, &w);
}

struct service_walk {
	void (*fn)(const struct account_service *s, void *ctx);
	void *ctx;
};

static void service_visit(const struct toptable_entry *e, void *ctx)
{
	struct service_walk *w = ctx;
	struct account_service s = {
		.proto = (uint8_t)(e->key.w[0] >> 8),
		.port = (uint16_t)(e->key.w[0] >> 16),
		.name = e->name,
		.packets = e->packets,
		.bytes = e->bytes,
	};

	w->fn(&s, w->ctx);
}

void account_foreach_service(const struct account *a,
			     void (*fn)(const struct account_service *s,
					void *ctx),
			     void *ctx)
{
	struct service_walk w = { fn, ctx };

	toptable_foreach(a->svcs, service_visit, &w);
}

struct top_walk {
	struct account_host *out;
	size_t n, have;
};

/* Insertion into out[0..have), kept sorted by bytes, most first. */
static void top_visit(const struct toptable_entry *e, void *ctx)
{
	struct top_walk *w = ctx;
	size_t i;

	if (w->n == 0 || e->packets == 0 ||
	    (w->have == w->n && e->bytes <= w->out[w->n - 1].bytes))
		return;
	i = w->have < w->n ? w->have++ : w->n - 1;
	while (i > 0 && w->out[i - 1].bytes < e->bytes) {
		w->out[i] = w->out[i - 1];
		i--;
	}
	host_of(e, &w->out[i]);
}

size_t account_top_hosts(const struct account *a, struct account_host *out,
			 size_t n)
{
	struct top_walk w = { out, n, 0 };

	toptable_foreach(a->hosts, top_visit, &w);
	return w.have;
}

int account_watch_host(struct account *a, int family, const uint8_t *addr)
{
	struct toptable_key k;
	struct toptable_entry *e;
	bool inserted;

	if ((family != AF_INET && family != AF_INET6) || !addr ||
	    !host_key_of(&k, family, addr)) {
		errno = EINVAL;
		return -1;
	}
	e = toptable_get(a->hosts, &k, &inserted);
	a->conv.valid = false;
	if (!e) {
		errno = ENOSPC;
		return -1;
	}
	if (inserted)
		e->tag = account_key_is_local(a, &k);
	e->pinned = 1;
	return 0;
}

void account_unwatch_all(struct account *a)
{
	toptable_unpin_all(a->hosts);
}

const char *account_dir_name(enum account_dir dir)
{
	static const char *const names[] = {
		[ACCOUNT_DIR_IN] = "inbound",
		[ACCOUNT_DIR_OUT] = "outbound",
		[ACCOUNT_DIR_INTERNAL] = "internal",
		[ACCOUNT_DIR_EXTERNAL] = "external",
		[ACCOUNT_DIR_ALL] = "all",
	};

	return dir >= 0 && dir <= ACCOUNT_DIR_ALL ? names[dir] : "?";
}

const char *account_proto_name(enum account_proto proto)
{
	static const char *const names[] = {
		[ACCOUNT_PROTO_TCP] = "tcp",
		[ACCOUNT_PROTO_UDP] = "udp",
		[ACCOUNT_PROTO_ICMP] = "icmp",
		[ACCOUNT_PROTO_OTHER] = "other",
	};

	return proto >= 0 && proto < ACCOUNT_PROTO_COUNT ? names[proto] : "?";
}
