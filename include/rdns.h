/*
 * rdns.h - reverse DNS for the hosts on the mirror: rate-limited, cached,
 * never blocking (capture.reverse_dns).
 *
 * Lifecycle: rdns_open() → rdns_want() for an address worth a name →
 * rdns_tick() once a second starts at most per_s lookups and hands the
 * answers to done → rdns_close().
 *
 * One c-ares channel of its own (the system's resolvers, or the one
 * server capture.reverse_dns_server names) driven by the loop through
 * cares_loop.  It remembers RDNS_MAX addresses: the name or the failure
 * is kept RDNS_POSITIVE_TTL_S or RDNS_NEGATIVE_TTL_S seconds, and an
 * address is not asked again before then.  When the table is full the
 * remembered answer that expires first makes room; a want that finds
 * only queued or pending lookups is dropped (counted).  What to ask is
 * the caller's rule (traffic.c: new devices, which come only from the
 * local networks).
 */
#ifndef PL_RDNS_H
#define PL_RDNS_H

#include <stdint.h>

#define RDNS_MAX	    256
#define RDNS_POSITIVE_TTL_S 3600
#define RDNS_NEGATIVE_TTL_S 600
#define RDNS_TIMEOUT_MS	    2000 /* per try; 2 tries per server */
#define RDNS_TRIES	    2

struct loop;
struct rdns;

/* name is the PTR name as the server gave it (not yet sanitized); called
 * only from rdns_tick(), for answers with a name. */
typedef void (*rdns_done_fn)(void *arg, int family, const uint8_t *ip,
			     const char *name);

struct rdns_counts {
	uint64_t lookups;  /* started */
	uint64_t answered; /* with a name */
	uint64_t failed;   /* no name: NXDOMAIN, timeout, refused */
	uint64_t dropped;  /* wants that found the table full of pending */
};

/* server: one IPv4/IPv6 address (port 53), NULL for the system's
 * resolvers; per_s >= 1.  Returns NULL with errno (EINVAL, ENOMEM, EIO). */
struct rdns *rdns_open(struct loop *l, const char *server, int per_s,
		       rdns_done_fn done, void *arg);

/* Queue family/ip (AF_INET, AF_INET6) unless it is pending or its answer
 * is still remembered.  Returns 0, or -1/ENOSPC when dropped. */
int rdns_want(struct rdns *r, int family, const uint8_t *ip, int64_t now_ns);

/* Hand over the answers that arrived, then start up to per_s lookups,
 * oldest want first. */
void rdns_tick(struct rdns *r, int64_t now_ns);

void rdns_counts(const struct rdns *r, struct rdns_counts *out);

/* Accepts NULL.  Pending lookups are abandoned, done is not called. */
void rdns_close(struct rdns *r);

#endif
