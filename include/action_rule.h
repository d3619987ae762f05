/*
 * action_rule.h - when an action runs: the guards of README "Actions" as
 * a pure function of the target's state and monotonic time, so tests
 * drive it with a fake clock.
 *
 * Lifecycle: action_rule_init() → action_rule_step() whenever the status
 * changes or the delay it asked for has passed → action_rule_done() when
 * a run it allowed has ended.
 *
 * An action is due once its target has been at cfg->state or worse
 * (state_rank) without a break for cfg->after_ms.  A due action runs,
 * unless one of its runs is still going, a maintenance window is open, or
 * cfg->max runs started within the last cfg->per_ms (a sliding window);
 * such a hold is reported once, and the action runs when the hold lifts
 * if the target is still bad.  After a run the target must stay bad for
 * after_ms again, counted from the run's end, before the next one; a
 * recovery starts the count over.  Run times are kept in memory only.
 */
#ifndef PL_ACTION_RULE_H
#define PL_ACTION_RULE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

enum action_step {
	ACTION_WAIT,		 /* nothing to do now */
	ACTION_RUN,		 /* start a run now */
	ACTION_HELD_MAINTENANCE, /* due, held by maintenance (said once) */
	ACTION_HELD_RATE,	 /* due, held by max per 'per' (said once) */
};

struct action_rule {
	int64_t bad_since_ns; /* -1: the target is not bad */
	bool running;
	enum action_step held; /* the hold reported, WAIT when none */
	int n_runs;	       /* starts within the window, oldest first */
	int64_t runs_ns[CFG_ACTION_MAX_RUNS];
};

void action_rule_init(struct action_rule *r);

/* The target is in state s (maintenance: a window is open) at now_ns:
 * what to do.  *next_ns gets when to ask again without a change of state
 * (INT64_MAX: not needed).  ACTION_RUN counts the run as started. */
enum action_step action_rule_step(struct action_rule *r,
				  const struct action_cfg *c, enum pl_state s,
				  bool maintenance, int64_t now_ns,
				  int64_t *next_ns);

/* The run has ended at now_ns. */
void action_rule_done(struct action_rule *r, int64_t now_ns);

#endif
