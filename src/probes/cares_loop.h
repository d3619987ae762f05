/*
 * cares_loop.h - one c-ares channel driven by the event loop (private to
 * src/probes/, shared by the resolver and the dns check).
 *
 * Lifecycle: cares_loop_open() → queue queries on cl->ch and call
 * cares_loop_kick() → the loop runs ares_process_fd() for the channel's
 * sockets (registered through ARES_OPT_SOCK_STATE_CB) and for its
 * retransmit deadline (one loop timer following ares_timeout()), then calls
 * settle → cares_loop_close().
 *
 * c-ares callbacks run inside ares_process_fd(), so they must only record
 * results; settle runs after it returned and is where owners hand results
 * to their callers.  settle may close the channel and free its owner.
 */
#ifndef PL_CARES_LOOP_H
#define PL_CARES_LOOP_H

#include <ares.h>
#include <stdint.h>

struct loop;

struct cares_loop {
	struct loop *l;
	ares_channel ch; /* NULL when closed */
	int64_t timer;	 /* retransmit timer id, 0 when none */
	void (*settle)(void *arg);
	void *arg;
};

/* Create the channel with o/optmask (the socket callback is added here)
 * and, if servers is not NULL, talk only to those ("ADDR", "ADDR:PORT",
 * "[V6]:PORT", comma separated).  settle may be NULL.  Returns 0, or -1
 * with errno (EINVAL for a bad server list, ENOMEM, EIO). */
int cares_loop_open(struct cares_loop *cl, struct loop *l,
		    struct ares_options *o, int optmask, const char *servers,
		    void (*settle)(void *arg), void *arg);

/* Re-arm the retransmit timer; call after queuing a query. */
void cares_loop_kick(struct cares_loop *cl);

/* Destroy the channel (pending queries see ARES_EDESTRUCTION) and leave the
 * loop.  Never from inside a c-ares callback.  Accepts a closed cl. */
void cares_loop_close(struct cares_loop *cl);

#endif
