/*
 * trace.c - route trace: one ping burst per TTL, all at once.
 *
 * Probing every TTL in parallel costs one timeout per round instead of
 * one per silent hop, and each router still sees only
 * TRACE_PROBES_PER_HOP probes, well inside the ICMP rate limits routers
 * apply.  A round ends as soon as every hop up to the first that
 * ends the path has answered or timed out; bursts further out are
 * cancelled.  The trace is allocated once per check, so a round allocates
 * nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ping.h"
#include "trace.h"

#define TRACE_PAYLOAD	 32
#define TRACE_SPACING_NS (20 * NS_PER_MS)

struct trace_hop {
	struct trace *t; /* the burst callback's way back */
	int id;		 /* ping burst, 0 when finished */
	bool done;
	bool reached; /* the target answered this TTL */
	bool stop;    /* an error other than TTL exceeded */
	char addr[TRACE_ADDR_MAX];
	char error[48];
};

struct trace {
	struct ping *ping;
	bool running;
	int max_hops;
	char target[TRACE_ADDR_MAX];
	trace_done_fn done;
	void *arg;
	struct trace_hop hop[TRACE_MAX_HOPS];
	struct trace_path path;
};

struct trace *trace_new(struct ping *p)
{
	struct trace *t;

	if (!p) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ping = p;
	for (int h = 0; h < TRACE_MAX_HOPS; h++)
		t->hop[h].t = t;
	return t;
}

void trace_cancel(struct trace *t)
{
	if (!t || !t->running)
		return;
	for (int h = 0; h < t->max_hops; h++) {
		if (t->hop[h].id > 0)
			ping_cancel(t->ping, t->hop[h].id);
		t->hop[h].id = 0;
	}
	t->running = false;
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	trace_cancel(t);
	free(t);
}

/* Hops up to the end: the target, an unreachable, or the last router
 * that answered followed by one silent hop. */
static void build_path(struct trace *t, int end)
{
	struct trace_path *path = &t->path;
	int last = -1;

	memset(path, 0, sizeof(*path));
	if (end >= 0) {
		path->n_hops = end + 1;
		path->reached = t->hop[end].reached;
		snprintf(path->error, sizeof(path->error), "%s",
			 t->hop[end].error);
	} else {
		for (int h = 0; h < t->max_hops; h++)
			if (t->hop[h].addr[0])
				last = h;
		path->n_hops = last + 2 < t->max_hops ? last + 2 : t->max_hops;
	}
	for (int h = 0; h < path->n_hops; h++)
		memcpy(path->hop[h], t->hop[h].addr, TRACE_ADDR_MAX);
}

/* Finished when every hop before the first one that ends the path is
 * done; then the rest are not needed. */
static void check_finished(struct trace *t)
{
	int end = -1;
	trace_done_fn done = t->done;

	for (int h = 0; h < t->max_hops; h++) {
		if (!t->hop[h].done)
			return;
		if (t->hop[h].reached || t->hop[h].stop) {
			end = h;
			break;
		}
	}
	trace_cancel(t);
	build_path(t, end);
	done(t->arg, &t->path);
}

static void on_hop(void *arg, const struct ping_stats *st)
{
	struct trace_hop *hop = arg;
	struct trace *t = hop->t;

	hop->id = 0;
	hop->done = true;
	if (st->received > 0) {
		hop->reached = true;
		snprintf(hop->addr, sizeof(hop->addr), "%s", t->target);
	} else if (st->errors > 0) {
		snprintf(hop->addr, sizeof(hop->addr), "%s", st->error_from);
		/* Anything but TTL exceeded (or a local error, which has
		 * no sender) ends the path here. */
		if (strcmp(st->error, "TTL exceeded") || !st->error_from[0]) {
			hop->stop = true;
			snprintf(hop->error, sizeof(hop->error), "%s",
				 st->error);
		}
	}
	check_finished(t);
}

static int target_text(struct trace *t, const struct sockaddr *addr,
		       socklen_t len)
{
	const void *src;

	if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		src = &((const struct sockaddr_in *)(const void *)addr)
			       ->sin_addr;
	else if (addr->sa_family == AF_INET6 &&
		 len >= sizeof(struct sockaddr_in6))
		src = &((const struct sockaddr_in6 *)(const void *)addr)
			       ->sin6_addr;
	else
		return -1;
	return inet_ntop(addr->sa_family, src, t->target, sizeof(t->target))
		       ? 0
		       : -1;
}

int trace_start(struct trace *t, const struct sockaddr *addr, socklen_t len,
		int max_hops, int64_t timeout_ns, trace_done_fn done, void *arg)
{
	struct ping_params pp = {
		.count = TRACE_PROBES_PER_HOP,
		.payload = TRACE_PAYLOAD,
		.spacing_ns = TRACE_SPACING_NS,
		.timeout_ns = timeout_ns,
	};

	if (!t || !addr || !done || max_hops < 1 || max_hops > TRACE_MAX_HOPS ||
	    timeout_ns <= 0 || target_text(t, addr, len) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (t->running) {
		errno = EBUSY;
		return -1;
	}
	t->running = true;
	t->max_hops = max_hops;
	t->done = done;
	t->arg = arg;
	for (int h = 0; h < max_hops; h++) {
		struct trace_hop *hop = &t->hop[h];

		memset(hop, 0, sizeof(*hop));
		hop->t = t;
		pp.ttl = h + 1;
		hop->id = ping_start(t->ping, addr, len, &pp, on_hop, hop);
		if (hop->id < 0) {
			int err = errno;

			hop->id = 0;
			trace_cancel(t);
			errno = err;
			return -1;
		}
	}
	return 0;
}

bool trace_path_equal(const struct trace_path *a, const struct trace_path *b)
{
	if (a->n_hops != b->n_hops || a->reached != b->reached)
		return false;
	for (int h = 0; h < a->n_hops; h++) {
		if (a->hop[h][0] && b->hop[h][0] &&
		    strcmp(a->hop[h], b->hop[h]))
			return false;
	}
	return true;
}

int trace_path_format(const struct trace_path *path, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	if (path->n_hops == 0)
		return snprintf(buf, len, "*");
	for (int h = 0; h < path->n_hops; h++) {
		const char *a = path->hop[h][0] ? path->hop[h] : "*";
		int n = snprintf(buf + (used < len ? used : len),
				 used < len ? len - used : 0, "%s%s",
				 h ? " " : "", a);

		if (n < 0)
			return -1;
		used += (size_t)n;
	}
	return (int)used;
}
