/*
 * operator.c - what a person asks of the policy from afar (pilotlight
 * ctl, the HTTP control API): acknowledge, mute, start or end
 * maintenance, each an event naming who asked.
 *
 * The button's short and long press (policy_acknowledge(),
 * policy_maintenance()) are the same decisions; these add the "who" to
 * the event and the two actions the button has no gesture for.  A mute
 * silences only the buzzer (status.h, mute_until_ns) and ends by itself;
 * it is not kept across a restart.
 */
#include <stdio.h>

#include "clock.h"
#include "policy.h"
#include "policy_int.h"

/* The newest event, if it is of kind and was just pushed. */
static void note_who(struct policy *p, uint64_t seq_before,
		     enum event_kind kind, const char *who)
{
	struct pl_event *e;

	if (p->st.n_events == seq_before)
		return;
	e = &p->st.events[p->st.n_events % STATUS_EVENTS];
	if (e->kind == kind)
		snprintf(e->detail, sizeof(e->detail), "by %s", who);
}

bool policy_operator_ack(struct policy *p, int64_t now_ns, const char *who)
{
	uint64_t seq = p->st.n_events;

	if (!policy_acknowledge(p, now_ns))
		return false;
	note_who(p, seq, EVENT_ACK, who);
	return true;
}

void policy_operator_maintenance(struct policy *p, int64_t now_ns,
				 int64_t duration_ns, const char *who)
{
	uint64_t seq = p->st.n_events;

	policy_maintenance(p, now_ns, duration_ns);
	note_who(p, seq, EVENT_MAINTENANCE, who);
}

bool policy_end_maintenance(struct policy *p, int64_t now_ns, const char *who)
{
	struct pl_event *e;

	if (p->st.maintenance_until_ns <= now_ns)
		return false;
	p->st.maintenance_until_ns = now_ns;
	policy_tick(p, now_ns); /* ends it, forgets it on disk, recomputes */
	e = policy_push_event(p, EVENT_MAINTENANCE_END, now_ns);
	snprintf(e->reason, sizeof(e->reason), "maintenance ended");
	snprintf(e->detail, sizeof(e->detail), "by %s", who);
	return true;
}

void policy_mute(struct policy *p, int64_t now_ns, int64_t duration_ns,
		 const char *who)
{
	struct pl_event *e;
	long long s = (long long)((duration_ns + NS_PER_S - 1) / NS_PER_S);

	p->st.mute_until_ns = now_ns + duration_ns;
	e = policy_push_event(p, EVENT_MUTE, now_ns);
	snprintf(e->reason, sizeof(e->reason), "buzzer muted for %llds", s);
	snprintf(e->detail, sizeof(e->detail), "by %s", who);
}
