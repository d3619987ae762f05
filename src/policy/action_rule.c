/*
 * action_rule.c - the guards of an action (action_rule.h): how long the
 * target has been bad, one run at a time, maintenance, and the sliding
 * rate window.  No clock, no I/O: the caller passes the time.
 */
#include <string.h>

#include "action_rule.h"
#include "clock.h"

void action_rule_init(struct action_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->bad_since_ns = -1;
}

/* Forget run starts that left the window (now - per, now]. */
static void rule_expire(struct action_rule *r, const struct action_cfg *c,
			int64_t now_ns)
{
	int old = 0;

	while (old < r->n_runs &&
	       r->runs_ns[old] <= now_ns - c->per_ms * NS_PER_MS)
		old++;
	if (old == 0)
		return;
	r->n_runs -= old;
	memmove(r->runs_ns, r->runs_ns + old,
		(size_t)r->n_runs * sizeof(r->runs_ns[0]));
}

/* Report hold h once per stretch of it. */
static enum action_step rule_hold(struct action_rule *r, enum action_step h)
{
	if (r->held == h)
		return ACTION_WAIT;
	r->held = h;
	return h;
}

enum action_step action_rule_step(struct action_rule *r,
				  const struct action_cfg *c, enum pl_state s,
				  bool maintenance, int64_t now_ns,
				  int64_t *next_ns)
{
	int64_t due;

	*next_ns = INT64_MAX;
	rule_expire(r, c, now_ns);
	if (state_rank(s) < state_rank(c->state)) {
		r->bad_since_ns = -1;
		r->held = ACTION_WAIT;
		return ACTION_WAIT;
	}
	if (r->bad_since_ns < 0)
		r->bad_since_ns = now_ns;
	if (r->running)
		return ACTION_WAIT;
	due = r->bad_since_ns + c->after_ms * NS_PER_MS;
	if (now_ns < due) {
		*next_ns = due;
		return ACTION_WAIT;
	}
	if (maintenance)
		return rule_hold(r, ACTION_HELD_MAINTENANCE);
	if (r->n_runs >= c->max) {
		*next_ns = r->runs_ns[0] + c->per_ms * NS_PER_MS;
		return rule_hold(r, ACTION_HELD_RATE);
	}
	if (r->n_runs == CFG_ACTION_MAX_RUNS) /* max is at most this */
		return ACTION_WAIT;
	r->runs_ns[r->n_runs++] = now_ns;
	r->running = true;
	r->held = ACTION_WAIT;
	return ACTION_RUN;
}

void action_rule_done(struct action_rule *r, int64_t now_ns)
{
	r->running = false;
	if (r->bad_since_ns >= 0)
		r->bad_since_ns = now_ns;
}
