/*
 * scheduler.h - runs every configured check on its interval and hands the
 * results to the policy.
 *
 * Lifecycle: scheduler_open() (opens the ICMP sockets and the resolver:
 * call before dropping privileges) → checks run from the loop →
 * scheduler_reload() on a new config → scheduler_close().
 *
 * Checks start spread over their interval so that a thousand hosts do not
 * all fire in the same millisecond; each runs independently, so a slow
 * target never delays another.  Host names are resolved at start and
 * reload, and again after a failed probe, without stalling the loop.
 */
#ifndef PL_SCHEDULER_H
#define PL_SCHEDULER_H

#include <stdint.h>

#include "config.h"

struct loop;
struct policy;
struct reaper;
struct scheduler;

/* Called after each result has reached the policy. */
typedef void (*scheduler_result_fn)(void *arg);

struct scheduler *scheduler_open(struct loop *l, struct policy *pol,
				 const struct pl_config *cfg,
				 scheduler_result_fn fn, void *arg);

/* Cancel what runs, adopt cfg, start over.  Returns 0 or -1/errno. */
int scheduler_reload(struct scheduler *s, const struct pl_config *cfg);

/* The address host h is probed at: family and 4 or 16 bytes.  Returns 0,
 * or -1 while it is not known (not resolved yet). */
int scheduler_host_addr(const struct scheduler *s, int h, int *family,
			uint8_t addr[16]);

/* Accepts NULL. */
void scheduler_close(struct scheduler *s);

/* The reaper of the processes exec checks start, for other commands the
 * daemon runs (actions): there is one per process. */
struct reaper *scheduler_reaper(struct scheduler *s);

#endif
