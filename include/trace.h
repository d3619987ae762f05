/*
 * trace.h - the route to a host, hop by hop, on top of the ping engine.
 *
 * Lifecycle: trace_new() once per trace check (on the daemon's ping
 * engine) → trace_start() each round → the path through the callback →
 * trace_free().
 *
 * A round probes every TTL from 1 to max_hops at once, TRACE_PROBES_PER_HOP
 * echo requests each: hop h is the router that answers TTL h with "TTL
 * exceeded", and the path ends at the first hop where the target itself
 * answers (reached) or a router reports it unreachable.  Compare a round's
 * path with the last one's to notice that the route changed.
 */
#ifndef PL_TRACE_H
#define PL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TRACE_MAX_HOPS	     64
#define TRACE_PROBES_PER_HOP 2
#define TRACE_ADDR_MAX	     46 /* INET6_ADDRSTRLEN */

struct ping;
struct trace;

struct trace_path {
	int n_hops;
	/* The target answered at hop n_hops.  When it did not, a last ""
	 * hop follows the last router that answered: silence from there. */
	bool reached;
	/* Numeric address of each hop, "" where nothing answered. */
	char hop[TRACE_MAX_HOPS][TRACE_ADDR_MAX];
	/* Why the path stopped short ("host unreachable"), else "". */
	char error[48];
};

typedef void (*trace_done_fn)(void *arg, const struct trace_path *path);

/* Returns NULL/errno.  Free with trace_free(); p must outlive it. */
struct trace *trace_new(struct ping *p);

/* Start a round to addr: max_hops 1..TRACE_MAX_HOPS, timeout_ns per
 * probe.  Returns 0 or -1/errno (EBUSY: a round is running; EINVAL; or the
 * engine's error).  done is called once, from the loop, unless cancelled;
 * path is only valid during the call. */
int trace_start(struct trace *t, const struct sockaddr *addr, socklen_t len,
		int max_hops, int64_t timeout_ns, trace_done_fn done,
		void *arg);

/* Stop the running round, if any; done will not be called. */
void trace_cancel(struct trace *t);

/* Cancels a running round.  Accepts NULL. */
void trace_free(struct trace *t);

/* Same route: same length, same end, and the same address at every hop
 * where both rounds got an answer (a silent hop matches any). */
bool trace_path_equal(const struct trace_path *a, const struct trace_path *b);

/* "10.0.0.1 10.0.1.1 * 10.0.2.5" into buf (always terminated, "*" for a
 * path with no hop).  Returns the length the whole text needs, like
 * snprintf(). */
int trace_path_format(const struct trace_path *path, char *buf, size_t len);

#endif
