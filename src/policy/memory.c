/*
 * memory.c - what the policy keeps across a restart: the acknowledged
 * alarm and the maintenance window (policy.h, struct policy_memory).
 *
 * While the daemon runs, an acknowledgement holds as policy.c counts it
 * (problems == acked); the snapshot taken here only says, for the file,
 * which problem that was.  After a restart every check starts UNKNOWN and
 * its first result would count as a new problem; the restored snapshot
 * marks each remembered check, and the level, as pending, and their first
 * change after the restart is matched against it once (memory_covers()).
 * The snapshot is forgotten as soon as, every check decided, the alarm is
 * not acknowledged: a new problem sounds, or nothing is wrong any more.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "policy_int.h"

static void forget_ack(struct policy *p)
{
	free(p->mem.acked);
	free(p->acked_pending);
	p->mem.acked = NULL;
	p->acked_pending = NULL;
	p->mem.n_acked = 0;
	p->mem.acked_level = STATE_OK;
	p->level_pending = false;
}

/* Room for n entries, none pending; -1/ENOMEM (the old ones kept). */
static int alloc_ack(struct policy *p, size_t n)
{
	struct policy_acked *a = calloc(n ? n : 1, sizeof(*a));
	bool *pending = calloc(n ? n : 1, sizeof(*pending));

	if (!a || !pending) {
		free(a);
		free(pending);
		errno = ENOMEM;
		return -1;
	}
	forget_ack(p);
	p->mem.acked = a;
	p->acked_pending = pending;
	return 0;
}

static bool is_problem(enum pl_state s)
{
	return state_rank(s) >= state_rank(STATE_WARNING);
}

void memory_take_ack(struct policy *p)
{
	size_t n = 0;

	for (int i = 0; i < p->st.n_checks; i++)
		n += is_problem(p->verdicts[i].announced);
	/* Out of memory the acknowledgement still holds while running; it
	 * is only not remembered across a restart. */
	if (alloc_ack(p, n) < 0)
		return;
	for (int i = 0; i < p->st.n_checks; i++) {
		struct policy_acked *a = &p->mem.acked[p->mem.n_acked];

		if (!is_problem(p->verdicts[i].announced))
			continue;
		snprintf(a->check, sizeof(a->check), "%s",
			 p->check_cfgs[i]->name);
		a->state = p->verdicts[i].announced;
		p->mem.n_acked++;
	}
	p->mem.acked_level = p->st.alarm_state;
	p->mem.gen++;
}

bool memory_covers(struct policy *p, const char *check, enum pl_state s)
{
	for (size_t i = 0; i < p->mem.n_acked; i++) {
		if (!p->acked_pending[i] ||
		    strcmp(p->mem.acked[i].check, check) != 0)
			continue;
		p->acked_pending[i] = false;
		return state_rank(s) <= state_rank(p->mem.acked[i].state);
	}
	return false;
}

bool memory_covers_level(struct policy *p, enum pl_state level)
{
	if (!p->level_pending)
		return false;
	p->level_pending = false;
	return state_rank(level) <= state_rank(p->mem.acked_level);
}

void memory_settle(struct policy *p, bool settled)
{
	if (!settled || p->st.acknowledged || p->mem.acked_level == STATE_OK)
		return;
	forget_ack(p);
	p->mem.gen++;
}

void memory_set_maintenance(struct policy *p, int64_t end_s)
{
	if (p->mem.maintenance_end_s == end_s)
		return;
	p->mem.maintenance_end_s = end_s;
	p->mem.gen++;
}

void memory_free(struct policy *p)
{
	forget_ack(p);
}

const struct policy_memory *policy_memory(const struct policy *p)
{
	return &p->mem;
}

/* The window, if it is still on: 1 taken, 0 dropped (logged). */
static int restore_maintenance(struct policy *p, int64_t end_s, int64_t now_ns,
			       int64_t wall_s)
{
	int64_t left_s = end_s - wall_s;

	if (!end_s)
		return 1;
	if (left_s <= 0) {
		log_notice("maintenance window: ended %lld s ago, while "
			   "stopped",
			   (long long)-left_s);
		return 0;
	}
	if (left_s > CFG_MAINTENANCE_MAX_MS / 1000 + 60) {
		log_warn("maintenance window: would end in %lld s, more than "
			 "the longest window; ignored",
			 (long long)left_s);
		return 0;
	}
	p->st.maintenance_until_ns = now_ns + left_s * NS_PER_S;
	p->mem.maintenance_end_s = end_s;
	log_notice("maintenance window: still on after the restart, "
		   "%lld minute%s left",
		   (long long)((left_s + 59) / 60), left_s <= 60 ? "" : "s");
	return 1;
}

/* The acknowledged problem, pending until each part is met again. */
static int restore_ack(struct policy *p, const struct policy_memory *m)
{
	if (!is_problem(m->acked_level))
		return 1;
	if (alloc_ack(p, m->n_acked) < 0)
		return -1;
	for (size_t i = 0; i < m->n_acked; i++) {
		p->mem.acked[i] = m->acked[i];
		p->acked_pending[i] = true;
	}
	p->mem.n_acked = m->n_acked;
	p->mem.acked_level = m->acked_level;
	p->level_pending = true;
	p->acked = p->problems;
	log_notice("alarm acknowledgement restored: %s, %zu check%s",
		   state_name(m->acked_level), m->n_acked,
		   m->n_acked == 1 ? "" : "s");
	return 1;
}

int policy_restore(struct policy *p, const struct policy_memory *m,
		   int64_t now_ns, int64_t wall_s)
{
	int kept = restore_maintenance(p, m->maintenance_end_s, now_ns, wall_s);
	int acked = restore_ack(p, m);

	if (acked < 0)
		return -1;
	p->mem.gen++;
	policy_tick(p, now_ns);
	return kept && acked;
}
