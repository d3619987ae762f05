/*
 * rdns.c - PTR lookups with ares_gethostbyaddr() on a channel of their
 * own, paced by the caller's tick.
 *
 * Every address lives in one of RDNS_MAX slots allocated at open: queued,
 * asking (c-ares has it), answered (parked until the next tick) or
 * remembered (until its TTL runs out).  The c-ares callback only parks
 * the answer - it runs inside ares_process_fd(), or inside
 * ares_gethostbyaddr() for a hosts-file answer - and rdns_tick() hands it
 * over, so the caller's code never runs inside c-ares.  Linear scans: 256
 * slots, once a second or per new device.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cares_loop.h"
#include "clock.h"
#include "rdns.h"

#define RDNS_NAME_MAX 256

enum slot_state {
	SLOT_FREE,
	SLOT_QUEUED,
	SLOT_ASKING,
	SLOT_ANSWERED,
	SLOT_REMEMBERED,
};

struct slot {
	struct rdns *r;
	enum slot_state state;
	int family;
	uint8_t ip[16];
	int64_t since_ns; /* queued: when wanted; remembered: expiry */
	bool found;
	char name[RDNS_NAME_MAX];
};

struct rdns {
	struct cares_loop cl;
	int per_s;
	bool closing;
	rdns_done_fn done;
	void *arg;
	struct rdns_counts counts;
	struct slot v[RDNS_MAX];
};

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* From inside c-ares: park the answer (or nothing, when closing). */
static void on_host(void *arg, int status, int timeouts, struct hostent *h)
{
	struct slot *s = arg;

	(void)timeouts;
	if (s->r->closing || s->state != SLOT_ASKING)
		return;
	s->found = status == ARES_SUCCESS && h && h->h_name &&
		   strlen(h->h_name) < sizeof(s->name);
	if (s->found)
		strcpy(s->name, h->h_name);
	s->state = SLOT_ANSWERED;
}

struct rdns *rdns_open(struct loop *l, const char *server, int per_s,
		       rdns_done_fn done, void *arg)
{
	struct ares_options o = { .timeout = RDNS_TIMEOUT_MS,
				  .tries = RDNS_TRIES };
	int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
	struct rdns *r;

	if (!l || per_s < 1 || !done) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (server)
		mask |= ARES_OPT_DOMAINS; /* none: o.ndomains is 0 */
	if (cares_loop_open(&r->cl, l, &o, mask, server, NULL, NULL) < 0) {
		int err = errno;

		free(r);
		errno = err;
		return NULL;
	}
	for (int i = 0; i < RDNS_MAX; i++)
		r->v[i].r = r;
	r->per_s = per_s;
	r->done = done;
	r->arg = arg;
	return r;
}

static struct slot *find(struct rdns *r, int family, const uint8_t *ip)
{
	for (int i = 0; i < RDNS_MAX; i++)
		if (r->v[i].state != SLOT_FREE && r->v[i].family == family &&
		    memcmp(r->v[i].ip, ip, addr_len(family)) == 0)
			return &r->v[i];
	return NULL;
}

/* A free slot, else the remembered answer that expires first. */
static struct slot *room(struct rdns *r)
{
	struct slot *best = NULL;

	for (int i = 0; i < RDNS_MAX; i++) {
		struct slot *s = &r->v[i];

		if (s->state == SLOT_FREE)
			return s;
		if (s->state == SLOT_REMEMBERED &&
		    (!best || s->since_ns < best->since_ns))
			best = s;
	}
	return best;
}

int rdns_want(struct rdns *r, int family, const uint8_t *ip, int64_t now_ns)
{
	struct slot *s;

	if (!r || !ip || (family != AF_INET && family != AF_INET6)) {
		errno = EINVAL;
		return -1;
	}
	s = find(r, family, ip);
	if (s && (s->state != SLOT_REMEMBERED || s->since_ns > now_ns))
		return 0;
	if (!s)
		s = room(r);
	if (!s) {
		r->counts.dropped++;
		errno = ENOSPC;
		return -1;
	}
	s->state = SLOT_QUEUED;
	s->family = family;
	memset(s->ip, 0, sizeof(s->ip));
	memcpy(s->ip, ip, addr_len(family));
	s->since_ns = now_ns;
	return 0;
}

static void hand_over(struct rdns *r, int64_t now_ns)
{
	for (int i = 0; i < RDNS_MAX; i++) {
		struct slot *s = &r->v[i];

		if (s->state != SLOT_ANSWERED)
			continue;
		s->state = SLOT_REMEMBERED;
		s->since_ns = now_ns + (s->found ? RDNS_POSITIVE_TTL_S
						 : RDNS_NEGATIVE_TTL_S) *
					       NS_PER_S;
		if (!s->found) {
			r->counts.failed++;
			continue;
		}
		r->counts.answered++;
		r->done(r->arg, s->family, s->ip, s->name);
	}
}

static struct slot *oldest_queued(struct rdns *r)
{
	struct slot *best = NULL;

	for (int i = 0; i < RDNS_MAX; i++)
		if (r->v[i].state == SLOT_QUEUED &&
		    (!best || r->v[i].since_ns < best->since_ns))
			best = &r->v[i];
	return best;
}

void rdns_tick(struct rdns *r, int64_t now_ns)
{
	struct slot *s;

	if (!r)
		return;
	hand_over(r, now_ns);
	for (int n = 0; n < r->per_s && (s = oldest_queued(r)); n++) {
		s->state = SLOT_ASKING;
		r->counts.lookups++;
		ares_gethostbyaddr(r->cl.ch, s->ip, (int)addr_len(s->family),
				   s->family, on_host, s);
	}
	cares_loop_kick(&r->cl);
}

void rdns_counts(const struct rdns *r, struct rdns_counts *out)
{
	if (!r) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = r->counts;
}

void rdns_close(struct rdns *r)
{
	if (!r)
		return;
	r->closing = true;
	cares_loop_close(&r->cl); /* on_host sees closing */
	free(r);
}
