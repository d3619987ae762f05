/*
 * policy_int.h - what the files of src/policy/ share; nothing else
 * includes it.  policy.c decides states and alarms; memory.c keeps what
 * of them survives a restart (the acknowledged problem, the maintenance
 * window) and decides whether a problem seen after a restart is the one
 * acknowledged before it.
 */
#ifndef PL_POLICY_INT_H
#define PL_POLICY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "verdict.h"

struct policy {
	const struct pl_config *cfg;
	struct status st;
	struct verdict *verdicts; /* parallel to st.checks */
	const struct check_cfg **check_cfgs;
	int *check_host;   /* host index of each check */
	uint64_t problems; /* bumped when a new problem appears */
	uint64_t acked;	   /* value of problems when acknowledged */
	policy_last_seen_fn last_seen;
	void *last_seen_arg;
	policy_result_fn on_result; /* every result, see policy.h */
	void *on_result_arg;
	int64_t devices_since_ns; /* this second of new devices began */
	int devices_listed;	  /* ring slots they took in it */
	struct policy_memory mem;
	/* Restored at start, not yet met again: per entry of mem.acked, and
	 * the level (memory.c). */
	bool *acked_pending;
	bool level_pending;
};

/* policy.c: a new event in the ring, stamped now; the caller fills in
 * what happened. */
struct pl_event *policy_push_event(struct policy *p, enum event_kind kind,
				   int64_t now_ns);

/* policy.c: recompute everything derived from the verdicts. */
void policy_recompute(struct policy *p, int64_t now_ns);

/* window.c: the level the alarm sounds at, leaving out the hosts that
 * maintenance windows on now silence (OK when one silences the site). */
enum pl_state window_alarm_level(const struct policy *p);

/* window.c: after a reload put the windows that are on under their
 * indices in the new config (p->cfg); one gone from it ends, with an
 * event.  old is the config before. */
void window_reload(struct policy *p, const struct pl_config *old,
		   int64_t now_ns);

/* The alarm was acknowledged: remember the checks that are bad now. */
void memory_take_ack(struct policy *p);

/* Is the check turning to state the problem acknowledged before a
 * restart?  Only its first change after the restart can be; asking uses
 * that up. */
bool memory_covers(struct policy *p, const char *check, enum pl_state s);

/* Is the alarm rising to level the one acknowledged before a restart?
 * Only its first rise after the restart can be. */
bool memory_covers_level(struct policy *p, enum pl_state level);

/* After a recompute: once start-up grace is over (every check has decided,
 * or grace ran out), an alarm no longer acknowledged (a new problem, or none
 * left) forgets the acknowledgement. */
void memory_settle(struct policy *p, bool settled);

/* A maintenance window ending at wall-clock second end_s (0: none). */
void memory_set_maintenance(struct policy *p, int64_t end_s);

void memory_free(struct policy *p);

#endif
