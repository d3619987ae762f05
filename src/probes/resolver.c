/*
 * resolver.c - host-name lookups on one c-ares channel for all probes.
 *
 * Lookups live in a table of RESOLVER_MAX_PENDING slots allocated at open.
 * A slot stays taken until c-ares is done with it, even after
 * resolver_cancel(): c-ares cannot withdraw a single query, so a cancelled
 * slot only forgets its caller.  Every result - from c-ares, or from
 * inet_pton for a literal - is parked in its slot and handed over from a
 * 0 ns loop timer, so no caller code ever runs inside c-ares or inside
 * resolver_lookup().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cares_loop.h"
#include "log.h"
#include "loop.h"
#include "resolver.h"

#define RES_NAME_SHOWN 64 /* bytes of the name kept for messages */

enum res_state {
	RES_FREE,
	RES_ASKING,    /* c-ares has it */
	RES_CANCELLED, /* c-ares has it; nobody wants the answer */
	RES_DONE,      /* answer parked until the flush timer */
};

struct res_slot {
	struct resolver *r;
	int id;
	enum res_state state;
	int family; /* what the caller asked for */
	resolver_done_fn done;
	void *arg;
	int status;		  /* ARES_SUCCESS or ARES_E* */
	struct ares_addrinfo *ai; /* c-ares' answer, NULL for literals */
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} lit;
	socklen_t lit_len; /* 0: not a literal */
	char name[RES_NAME_SHOWN];
};

struct resolver {
	struct cares_loop cl;
	int64_t flush_timer; /* 0 when not armed */
	bool flushing;	     /* inside res_flush(): close leaves the free */
	bool closing;
	int next_id;
	int n_free;
	int free_idx[RESOLVER_MAX_PENDING];
	struct res_slot slots[RESOLVER_MAX_PENDING];
};

static struct res_slot *res_get(struct resolver *r)
{
	struct res_slot *s;

	if (r->n_free == 0)
		return NULL;
	s = &r->slots[r->free_idx[--r->n_free]];
	memset(&s->lit, 0, sizeof(s->lit));
	s->lit_len = 0;
	s->ai = NULL;
	s->status = ARES_SUCCESS;
	s->id = r->next_id;
	r->next_id = r->next_id == INT_MAX ? 1 : r->next_id + 1;
	return s;
}

static void res_put(struct resolver *r, struct res_slot *s)
{
	if (s->ai)
		ares_freeaddrinfo(s->ai);
	s->ai = NULL;
	s->state = RES_FREE;
	r->free_idx[r->n_free++] = (int)(s - r->slots);
}

/* Add one address, cleaned of port and flow label, unless already there. */
static void res_add(struct resolver_answer *a, const struct sockaddr *sa)
{
	struct sockaddr_storage ss = { .ss_family = sa->sa_family };
	socklen_t len;

	if (a->n_addrs == RESOLVER_MAX_ADDRS)
		return;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		memcpy(&in->sin_addr,
		       &((const struct sockaddr_in *)sa)->sin_addr,
		       sizeof(in->sin_addr));
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		const struct sockaddr_in6 *from =
			(const struct sockaddr_in6 *)sa;

		in6->sin6_addr = from->sin6_addr;
		in6->sin6_scope_id = from->sin6_scope_id;
		len = sizeof(*in6);
	}
	for (int i = 0; i < a->n_addrs; i++)
		if (a->lens[i] == len && memcmp(&a->addrs[i], &ss, len) == 0)
			return;
	a->addrs[a->n_addrs] = ss;
	a->lens[a->n_addrs++] = len;
}

static const char *res_family_words(int family, bool not_an)
{
	if (family == AF_INET)
		return not_an ? "not an IPv4 address" : "no IPv4 address";
	if (family == AF_INET6)
		return not_an ? "not an IPv6 address" : "no IPv6 address";
	return "no address";
}

static void res_fail(const struct res_slot *s, int status,
		     struct resolver_answer *a)
{
	const char *what = ares_strerror(status);

	a->status = RESOLVER_ERROR;
	switch (status) {
	case ARES_ENOTFOUND: /* "Domain name not found" */
		a->status = RESOLVER_NOT_FOUND;
		break;
	case ARES_ENODATA:
		a->status = RESOLVER_NOT_FOUND;
		what = res_family_words(s->family, false);
		break;
	case ARES_EBADFAMILY: /* a literal of the other family */
		a->status = RESOLVER_NOT_FOUND;
		what = res_family_words(s->family, true);
		break;
	case ARES_ETIMEOUT:
		a->status = RESOLVER_TIMEOUT;
		what = "timeout";
		break;
	case ARES_ECONNREFUSED:
		what = "connection refused";
		break;
	}
	snprintf(a->error, sizeof(a->error), "%s: %s", s->name, what);
}

/* IPv4 first, then IPv6, each only if the caller's family allows it. */
static void res_answer(const struct res_slot *s, struct resolver_answer *a)
{
	static const int order[] = { AF_INET, AF_INET6 };

	memset(a, 0, sizeof(*a));
	if (s->status == ARES_SUCCESS && s->lit_len) {
		res_add(a, &s->lit.sa);
		return;
	}
	for (int i = 0; i < 2 && s->status == ARES_SUCCESS && s->ai; i++) {
		if (s->family != AF_UNSPEC && s->family != order[i])
			continue;
		for (struct ares_addrinfo_node *n = s->ai->nodes; n;
		     n = n->ai_next)
			if (n->ai_family == order[i] && n->ai_addr)
				res_add(a, n->ai_addr);
	}
	if (s->status != ARES_SUCCESS)
		res_fail(s, s->status, a);
	else if (a->n_addrs == 0)
		res_fail(s, ARES_ENODATA, a);
}

static void res_flush(struct resolver *r)
{
	struct resolver_answer a;

	r->flushing = true;
	for (int i = 0; i < RESOLVER_MAX_PENDING && !r->closing; i++) {
		struct res_slot *s = &r->slots[i];
		resolver_done_fn done = s->done;
		void *arg = s->arg;

		if (s->state != RES_DONE)
			continue;
		res_answer(s, &a);
		res_put(r, s);
		done(arg, &a); /* may look up, cancel or close */
	}
	r->flushing = false;
	if (r->closing)
		free(r);
}

static int64_t res_on_flush(struct loop *l, void *arg)
{
	struct resolver *r = arg;

	(void)l;
	r->flush_timer = 0;
	res_flush(r); /* last: may free r */
	return LOOP_TIMER_DONE;
}

static int res_arm_flush(struct resolver *r)
{
	int64_t id;

	if (r->flush_timer > 0)
		return 0;
	id = loop_add_timer(r->cl.l, 0, res_on_flush, r);
	if (id < 0)
		return -1;
	r->flush_timer = id;
	return 0;
}

/* From inside c-ares (ares_process_fd, ares_getaddrinfo, ares_destroy):
 * only park the answer. */
static void res_on_addrinfo(void *arg, int status, int timeouts,
			    struct ares_addrinfo *ai)
{
	struct res_slot *s = arg;
	struct resolver *r = s->r;

	(void)timeouts;
	if (r->closing || s->state == RES_CANCELLED) {
		if (ai)
			ares_freeaddrinfo(ai);
		if (!r->closing)
			res_put(r, s);
		return;
	}
	s->status = status;
	s->ai = ai;
	s->state = RES_DONE;
	if (res_arm_flush(r) < 0)
		log_err("resolver: cannot schedule the answer for %s: %s",
			s->name, strerror(errno));
}

/* "fe80::1%eth0": an interface name or number.  0 if unknown. */
static unsigned int res_scope(const char *s)
{
	unsigned int idx = if_nametoindex(s);
	unsigned long n;
	char *end;

	if (idx || *s < '0' || *s > '9')
		return idx;
	errno = 0;
	n = strtoul(s, &end, 10);
	return errno || *end || n > UINT_MAX ? 0 : (unsigned int)n;
}

/* Fill s from a literal address; false if name is not one. */
static bool res_literal(struct res_slot *s, const char *name)
{
	const char *pct = strchr(name, '%');
	size_t n = pct ? (size_t)(pct - name) : strlen(name);
	char host[INET6_ADDRSTRLEN];

	if (n >= sizeof(host))
		return false;
	memcpy(host, name, n);
	host[n] = '\0';
	if (!pct && inet_pton(AF_INET, host, &s->lit.v4.sin_addr) == 1) {
		s->lit.v4.sin_family = AF_INET;
		s->lit_len = sizeof(s->lit.v4);
	} else if (inet_pton(AF_INET6, host, &s->lit.v6.sin6_addr) == 1) {
		s->lit.v6.sin6_family = AF_INET6;
		s->lit_len = sizeof(s->lit.v6);
		if (pct) {
			s->lit.v6.sin6_scope_id = res_scope(pct + 1);
			if (s->lit.v6.sin6_scope_id == 0)
				s->status = ARES_EBADNAME;
		}
	} else {
		return false;
	}
	if (s->status == ARES_SUCCESS && s->family != AF_UNSPEC &&
	    s->family != s->lit.sa.sa_family)
		s->status = ARES_EBADFAMILY;
	return true;
}

int resolver_lookup(struct resolver *r, const char *name, int family,
		    resolver_done_fn done, void *arg)
{
	struct ares_addrinfo_hints h = { .ai_flags = ARES_AI_NOSORT,
					 .ai_family = family };
	struct res_slot *s;

	if (!r || r->closing || !name || !*name || !done ||
	    (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)) {
		errno = EINVAL;
		return -1;
	}
	s = res_get(r);
	if (!s) {
		errno = EAGAIN;
		return -1;
	}
	s->family = family;
	s->done = done;
	s->arg = arg;
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (res_literal(s, name)) {
		s->state = RES_DONE;
		if (res_arm_flush(r) < 0) {
			res_put(r, s);
			return -1;
		}
		return s->id;
	}
	s->state = RES_ASKING;
	/* May answer at once (hosts file, bad name): res_on_addrinfo parks
	 * it and the flush timer delivers it. */
	ares_getaddrinfo(r->cl.ch, name, NULL, &h, res_on_addrinfo, s);
	cares_loop_kick(&r->cl);
	return s->id;
}

void resolver_cancel(struct resolver *r, int id)
{
	if (!r || id <= 0)
		return;
	for (int i = 0; i < RESOLVER_MAX_PENDING; i++) {
		struct res_slot *s = &r->slots[i];

		if (s->id != id || s->state == RES_FREE)
			continue;
		if (s->state == RES_ASKING)
			s->state = RES_CANCELLED;
		else if (s->state == RES_DONE)
			res_put(r, s);
		return;
	}
}

static struct resolver *res_open(struct loop *l, const char *servers)
{
	struct ares_options o = { .timeout = RESOLVER_TIMEOUT_MS,
				  .tries = RESOLVER_TRIES };
	int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
	struct resolver *r;

	if (!l) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (servers)
		mask |= ARES_OPT_DOMAINS; /* none: o.ndomains is 0 */
	if (cares_loop_open(&r->cl, l, &o, mask, servers, NULL, NULL) < 0) {
		int err = errno;

		free(r);
		errno = err;
		return NULL;
	}
	for (int i = 0; i < RESOLVER_MAX_PENDING; i++) {
		r->slots[i].r = r;
		r->free_idx[i] = RESOLVER_MAX_PENDING - 1 - i;
	}
	r->n_free = RESOLVER_MAX_PENDING;
	r->next_id = 1;
	return r;
}

struct resolver *resolver_open(struct loop *l)
{
	return res_open(l, NULL);
}

struct resolver *resolver_open_with_servers(struct loop *l, const char *servers)
{
	if (!servers) {
		errno = EINVAL;
		return NULL;
	}
	return res_open(l, servers);
}

void resolver_close(struct resolver *r)
{
	if (!r || r->closing)
		return;
	r->closing = true;
	if (r->flush_timer > 0)
		loop_del_timer(r->cl.l, r->flush_timer);
	r->flush_timer = 0;
	for (int i = 0; i < RESOLVER_MAX_PENDING; i++)
		if (r->slots[i].state == RES_DONE)
			res_put(r, &r->slots[i]);
	/* Pending queries end with ARES_EDESTRUCTION in res_on_addrinfo,
	 * which sees closing and drops them. */
	cares_loop_close(&r->cl);
	if (!r->flushing)
		free(r); /* else res_flush frees it on the way out */
}
