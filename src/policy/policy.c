/*
 * policy.c - owns struct status: the one place where results become
 * states and alarms.  Everything else only reads policy_status().
 *
 * Every change becomes an event in the ring; the exports module turns
 * events into log lines, the events file and webhooks.
 *
 * Roll-up rules (README "States"):
 *  - a check's state comes from its verdict (verdict.h: thresholds,
 *    fail_after/recover_after, flapping);
 *  - a host is the worst of its checks; while any ancestor host (parent,
 *    its parent, ...) is CRITICAL the host is shown UNKNOWN "unreachable"
 *    and raises nothing of its own;
 *  - the site is the worst of its hosts; a group is the worst of its
 *    hosts, or with min_failed = M CRITICAL when at least M hosts are bad
 *    and WARNING when some but fewer are;
 *  - an alarm sounds for a site state of WARNING or worse once start-up
 *    grace is over, and not during maintenance (the button's, or a
 *    scheduled window's: window.c, which may silence only some hosts); an acknowledgement holds
 *    until a new problem appears (a check turns worse, or the alarm level
 *    rises), across a restart too (memory.c);
 *  - start-up grace ends when every check has decided a state or when
 *    cfg->grace_ms has passed since start, whichever is first, and never
 *    comes back: a check added by a reload, or one that starts over after
 *    an outage of its parent, is UNKNOWN (raising nothing) until it
 *    decides, while the rest of the site goes on sounding.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "ping.h"
#include "policy.h"
#include "policy_int.h"
#include "verdict.h"

int status_check_index(const struct pl_config *cfg, int host, int check)
{
	int idx = 0;

	for (int h = 0; h < host; h++)
		idx += cfg->hosts[h].n_checks;
	return idx + check;
}

const struct pl_event *status_event(const struct status *st, uint64_t seq)
{
	if (seq == 0 || seq > st->n_events ||
	    st->n_events - seq >= STATUS_EVENTS)
		return NULL;
	return &st->events[seq % STATUS_EVENTS];
}

struct pl_event *policy_push_event(struct policy *p, enum event_kind kind,
				   int64_t now_ns)
{
	struct status *st = &p->st;
	struct pl_event *e;

	st->n_events++;
	e = &st->events[st->n_events % STATUS_EVENTS];
	*e = (struct pl_event){
		.seq = st->n_events,
		.mono_ns = now_ns,
		.wall_ns = clock_wall_ns(),
		.kind = kind,
		.metric = METRIC_COUNT,
		.value = NAN,
		.threshold = NAN,
	};
	return e;
}

/* ---- allocation ------------------------------------------------------ */

struct tables {
	struct check_status *checks;
	struct host_status *hosts;
	struct verdict *verdicts;
	const struct check_cfg **check_cfgs;
	int *check_host;
	int n_checks;
};

static void tables_free(struct tables *t)
{
	free(t->checks);
	free(t->hosts);
	free(t->verdicts);
	free(t->check_cfgs);
	free(t->check_host);
}

static int tables_alloc(struct tables *t, const struct pl_config *cfg)
{
	int n = 0, idx = 0;
	size_t nh = cfg->n_hosts ? (size_t)cfg->n_hosts : 1;

	for (int h = 0; h < cfg->n_hosts; h++)
		n += cfg->hosts[h].n_checks;
	*t = (struct tables){ .n_checks = n };
	if (n == 0)
		n = 1;
	t->checks = calloc((size_t)n, sizeof(*t->checks));
	t->hosts = calloc(nh, sizeof(*t->hosts));
	t->verdicts = calloc((size_t)n, sizeof(*t->verdicts));
	t->check_cfgs = calloc((size_t)n, sizeof(*t->check_cfgs));
	t->check_host = calloc((size_t)n, sizeof(*t->check_host));
	if (!t->checks || !t->hosts || !t->verdicts || !t->check_cfgs ||
	    !t->check_host) {
		tables_free(t);
		errno = ENOMEM;
		return -1;
	}
	for (int h = 0; h < cfg->n_hosts; h++) {
		for (int c = 0; c < cfg->hosts[h].n_checks; c++, idx++) {
			t->check_cfgs[idx] = &cfg->hosts[h].checks[c];
			t->check_host[idx] = h;
			verdict_init(&t->verdicts[idx]);
		}
	}
	return 0;
}

static void tables_install(struct policy *p, struct tables *t,
			   const struct pl_config *cfg)
{
	p->cfg = cfg;
	p->st.cfg = cfg;
	p->st.checks = t->checks;
	p->st.hosts = t->hosts;
	p->st.n_checks = t->n_checks;
	p->verdicts = t->verdicts;
	p->check_cfgs = t->check_cfgs;
	p->check_host = t->check_host;
}

static void tables_of(const struct policy *p, struct tables *t)
{
	*t = (struct tables){ p->st.checks,  p->st.hosts,   p->verdicts,
			      p->check_cfgs, p->check_host, p->st.n_checks };
}

/* ---- roll-up --------------------------------------------------------- */

/* Did the newest result of any of host h's checks fail? */
static bool host_failing_now(const struct policy *p, int h)
{
	int idx = status_check_index(p->cfg, h, 0);

	for (int c = 0; c < p->cfg->hosts[h].n_checks; c++)
		if (verdict_last_raw(&p->verdicts[idx + c]) == STATE_CRITICAL)
			return true;
	return false;
}

/* Is host h cut off by an ancestor?  An ancestor that is CRITICAL cuts
 * it off; so does one whose latest result failed while h itself is bad,
 * so that children that notice first do not alarm before their parent
 * has.  Sets *who to the ancestor. */
static bool parent_down(const struct policy *p, const enum pl_state *own, int h,
			int *who)
{
	bool bad = own[h] == STATE_CRITICAL || own[h] == STATE_WARNING;
	int depth = 0;

	for (int a = p->cfg->hosts[h].parent; a >= 0 && depth < p->cfg->n_hosts;
	     a = p->cfg->hosts[a].parent, depth++) {
		if (own[a] == STATE_CRITICAL ||
		    (bad && host_failing_now(p, a))) {
			*who = a;
			return true;
		}
	}
	return false;
}

static void show_check(struct policy *p, int idx, bool unreachable,
		       const char *parent)
{
	struct check_status *cs = &p->st.checks[idx];
	const struct verdict *v = &p->verdicts[idx];

	cs->have_result = v->have_result;
	cs->flapping = v->flapping;
	cs->value = v->value;
	cs->unreachable = unreachable;
	cs->state = unreachable ? STATE_UNKNOWN : v->shown;
	if (unreachable)
		snprintf(cs->reason, sizeof(cs->reason),
			 "unreachable: %s is down", parent);
	else if (v->have_result || v->n > 0)
		snprintf(cs->reason, sizeof(cs->reason), "%s", v->reason);
	else
		snprintf(cs->reason, sizeof(cs->reason),
			 "waiting for first result");
}

static enum pl_state host_own_state(const struct policy *p, int h, int *idx)
{
	enum pl_state s = STATE_OK;
	int n = p->cfg->hosts[h].n_checks;

	for (int c = 0; c < n; c++)
		s = state_worst(s, p->verdicts[*idx + c].shown);
	*idx += n;
	return n ? s : STATE_UNKNOWN;
}

/* Host h is reachable again: what its checks saw while cut off says
 * nothing about it now.  Start their histories over (keeping what was
 * announced), so it shows UNKNOWN until its next results and never
 * flashes a stale CRITICAL. */
static enum pl_state forget_outage(struct policy *p, int h)
{
	int idx = status_check_index(p->cfg, h, 0);

	for (int c = 0; c < p->cfg->hosts[h].n_checks; c++) {
		struct verdict *v = &p->verdicts[idx + c];
		enum pl_state announced = v->announced;

		verdict_init(v);
		v->announced = announced;
	}
	return STATE_UNKNOWN;
}

static void roll_up_hosts(struct policy *p, int64_t now_ns)
{
	const struct pl_config *cfg = p->cfg;
	enum pl_state own[CFG_MAX_HOSTS];
	int idx = 0, who;

	for (int h = 0; h < cfg->n_hosts; h++)
		own[h] = host_own_state(p, h, &idx);
	for (int h = 0; h < cfg->n_hosts; h++)
		if (p->st.hosts[h].unreachable && !parent_down(p, own, h, &who))
			own[h] = forget_outage(p, h);
	p->st.n_ok = p->st.n_bad = 0;
	p->st.overall = STATE_OK;
	idx = 0;
	for (int h = 0; h < cfg->n_hosts; h++) {
		struct host_status *hs = &p->st.hosts[h];
		bool down;

		who = -1;
		down = parent_down(p, own, h, &who);
		enum pl_state s = down ? STATE_UNKNOWN : own[h];

		for (int c = 0; c < cfg->hosts[h].n_checks; c++, idx++)
			show_check(p, idx, down,
				   down ? cfg->hosts[who].name : "");
		if (s != hs->state || down != hs->unreachable)
			hs->since_ns = now_ns;
		hs->state = s;
		hs->unreachable = down;
		if (cfg->hosts[h].implicit)
			; /* counted in the site's state, not as a host */
		else if (s == STATE_OK)
			p->st.n_ok++;
		else if (s != STATE_UNKNOWN)
			p->st.n_bad++;
		p->st.overall = state_worst(p->st.overall, s);
	}
}

static enum pl_state group_state(const struct policy *p,
				 const struct group_cfg *g)
{
	enum pl_state worst = STATE_OK;
	int bad = 0;

	for (int i = 0; i < g->n_hosts; i++) {
		enum pl_state s = p->st.hosts[g->hosts[i]].state;

		worst = state_worst(worst, s);
		if (s == STATE_WARNING || s == STATE_CRITICAL)
			bad++;
	}
	if (g->min_failed == 0)
		return worst;
	if (bad >= g->min_failed)
		return STATE_CRITICAL;
	if (bad > 0)
		return STATE_WARNING;
	return worst;
}

static bool all_decided(const struct policy *p)
{
	for (int i = 0; i < p->st.n_checks; i++)
		if (!p->verdicts[i].have_result)
			return false;
	return true;
}

/* Is start-up grace over?  Once it is, it stays over. */
static bool grace_over(struct policy *p, int64_t now_ns)
{
	struct status *st = &p->st;

	if (st->grace_until_ns &&
	    (now_ns >= st->grace_until_ns || all_decided(p)))
		st->grace_until_ns = 0;
	return st->grace_until_ns == 0;
}

/* Recompute everything derived from the verdicts. */
void policy_recompute(struct policy *p, int64_t now_ns)
{
	struct status *st = &p->st;
	enum pl_state prev = st->alarm_state, level;
	bool settled;

	roll_up_hosts(p, now_ns);
	for (int g = 0; g < p->cfg->n_groups; g++)
		st->groups[g] = group_state(p, &p->cfg->groups[g]);
	settled = grace_over(p, now_ns);
	level = window_alarm_level(p);
	st->alarm = settled && state_rank(level) >= state_rank(STATE_WARNING) &&
		    st->maintenance_until_ns <= now_ns;
	st->alarm_state = st->alarm ? level : STATE_OK;
	if (st->alarm && state_rank(st->alarm_state) > state_rank(prev) &&
	    !memory_covers_level(p, st->alarm_state))
		p->problems++;
	st->acknowledged = st->alarm && p->acked == p->problems;
	memory_settle(p, settled);
}

/* ---- API ------------------------------------------------------------- */

struct policy *policy_new(const struct pl_config *cfg, int64_t now_ns)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct tables t;

	if (!p)
		return NULL;
	if (tables_alloc(&t, cfg) < 0) {
		free(p);
		return NULL;
	}
	tables_install(p, &t, cfg);
	p->st.started_ns = now_ns;
	p->st.grace_until_ns = now_ns + cfg->grace_ms * NS_PER_MS;
	for (int h = 0; h < cfg->n_hosts; h++)
		p->st.hosts[h] =
			(struct host_status){ STATE_UNKNOWN, now_ns, false };
	for (int i = 0; i < p->st.n_checks; i++)
		p->st.checks[i].since_ns = now_ns;
	p->acked = (uint64_t)-1;
	policy_recompute(p, now_ns);
	return p;
}

void policy_free(struct policy *p)
{
	struct tables t;

	if (!p)
		return;
	tables_of(p, &t);
	tables_free(&t);
	memory_free(p);
	free(p);
}

/* Flat index of the check called name in the current tables, or -1. */
static int find_check(const struct policy *p, const char *name)
{
	for (int i = 0; i < p->st.n_checks; i++)
		if (strcmp(p->check_cfgs[i]->name, name) == 0)
			return i;
	return -1;
}

int policy_reload(struct policy *p, const struct pl_config *cfg, int64_t now_ns)
{
	const struct pl_config *old_cfg = p->cfg;
	struct tables t, old;

	if (tables_alloc(&t, cfg) < 0)
		return -1;
	for (int h = 0; h < cfg->n_hosts; h++)
		t.hosts[h] =
			(struct host_status){ STATE_UNKNOWN, now_ns, false };
	for (int i = 0; i < t.n_checks; i++) {
		int o = find_check(p, t.check_cfgs[i]->name);

		t.checks[i].since_ns = now_ns;
		if (o < 0)
			continue;
		t.checks[i] = p->st.checks[o];
		t.verdicts[i] = p->verdicts[o];
	}
	tables_of(p, &old);
	tables_install(p, &t, cfg);
	tables_free(&old);
	window_reload(p, old_cfg, now_ns);
	/* Still in grace: the new length, counted from the start. */
	if (p->st.grace_until_ns)
		p->st.grace_until_ns =
			p->st.started_ns + cfg->grace_ms * NS_PER_MS;
	policy_recompute(p, now_ns);
	return 0;
}

static void announce(struct policy *p, int idx, int64_t now_ns)
{
	struct verdict *v = &p->verdicts[idx];
	struct pl_event *e = policy_push_event(p, EVENT_STATE, now_ns);

	snprintf(e->check, sizeof(e->check), "%s", p->check_cfgs[idx]->name);
	e->old_state = v->announced;
	e->new_state = v->shown;
	e->metric = v->metric;
	e->value = v->value;
	e->threshold = v->threshold;
	snprintf(e->reason, sizeof(e->reason), "%s", v->reason);
	if (state_rank(v->shown) > state_rank(v->announced) &&
	    state_rank(v->shown) >= state_rank(STATE_WARNING) &&
	    !memory_covers(p, e->check, v->shown))
		p->problems++;
	v->announced = v->shown;
}

void policy_set_last_seen(struct policy *p, policy_last_seen_fn fn, void *arg)
{
	p->last_seen = fn;
	p->last_seen_arg = arg;
}

void policy_set_result_hook(struct policy *p, policy_result_fn fn, void *arg)
{
	p->on_result = fn;
	p->on_result_arg = arg;
}

/* A ping burst that got no reply from a host the capture port saw
 * sending while the burst ran is degraded, not down: its ICMP is
 * filtered.  Only traffic during the burst counts - the host's replies to
 * the previous burst say nothing about now. */
static bool icmp_blocked(const struct policy *p, int idx,
			 const struct probe_result *r, int64_t now_ns)
{
	const struct check_cfg *c = p->check_cfgs[idx];
	int64_t seen, burst_ns;

	if (c->type != CHECK_PING || r->ok || !p->last_seen)
		return false;
	burst_ns = (c->u.ping.count - 1) * c->u.ping.spacing_ms + c->timeout_ms;
	burst_ns *= NS_PER_MS;
	seen = p->last_seen(p->last_seen_arg, p->check_host[idx]);
	return seen >= 0 && now_ns - seen <= burst_ns;
}

void policy_report(struct policy *p, int idx, const struct probe_result *res,
		   int64_t now_ns)
{
	struct probe_result blocked;
	const struct probe_result *r = res;
	struct verdict *v;

	if (idx < 0 || idx >= p->st.n_checks)
		return;
	if (icmp_blocked(p, idx, res, now_ns)) {
		blocked = *res;
		blocked.has_state = true;
		blocked.state = STATE_WARNING;
		snprintf(blocked.reason, sizeof(blocked.reason),
			 "ICMP blocked: no reply, but sending");
		r = &blocked;
	}
	v = &p->verdicts[idx];
	if (verdict_feed(v, p->check_cfgs[idx], r))
		p->st.checks[idx].since_ns = now_ns;
	if (p->on_result)
		p->on_result(p->on_result_arg,
			     &p->cfg->hosts[p->check_host[idx]],
			     p->check_cfgs[idx], r, verdict_last_raw(v));
	memcpy(p->st.checks[idx].values, r->value, sizeof(r->value));
	p->st.checks[idx].rtt_min_ms = r->rtt_min_ms;
	p->st.checks[idx].rtt_max_ms = r->rtt_max_ms;
	policy_recompute(p, now_ns);
	/* A host cut off by its parent raises nothing of its own; what it
	 * was never announced is not announced as over either. */
	if (v->shown != v->announced &&
	    !p->st.hosts[p->check_host[idx]].unreachable) {
		announce(p, idx, now_ns);
		policy_recompute(p, now_ns);
	}
}

void policy_route_changed(struct policy *p, int idx, const char *old_path,
			  const char *new_path, int64_t now_ns)
{
	struct pl_event *e;

	if (idx < 0 || idx >= p->st.n_checks)
		return;
	e = policy_push_event(p, EVENT_ROUTE, now_ns);
	snprintf(e->check, sizeof(e->check), "%s", p->check_cfgs[idx]->name);
	e->old_state = e->new_state = p->st.checks[idx].state;
	snprintf(e->reason, sizeof(e->reason), "route changed");
	snprintf(e->detail, sizeof(e->detail), "%s -> %s", old_path, new_path);
}

/* A flood of new devices (a scan, a spoofing tool) must not push state
 * changes out of the ring: past STATUS_DEVICES_PER_S in a second they are
 * counted, and the exports summarise them. */
void policy_new_device(struct policy *p, const char *mac, const char *ip,
		       const char *name, int64_t now_ns)
{
	const char *sep = name && name[0] ? " " : "";
	struct status *st = &p->st;
	struct pl_event *e;

	if (p->devices_listed == 0 ||
	    now_ns - p->devices_since_ns >= NS_PER_S) {
		p->devices_since_ns = now_ns;
		p->devices_listed = 0;
	}
	if (p->devices_listed >= STATUS_DEVICES_PER_S) {
		st->devices_unlisted++;
		snprintf(st->device_unlisted, sizeof(st->device_unlisted),
			 "%s %s%s%.20s", mac, ip, sep, sep[0] ? name : "");
		st->device_unlisted_ns = now_ns;
		return;
	}
	p->devices_listed++;
	e = policy_push_event(p, EVENT_NEW_DEVICE, now_ns);
	snprintf(e->reason, sizeof(e->reason), "new device%s%s", sep,
		 sep[0] ? name : "");
	snprintf(e->detail, sizeof(e->detail), "%s %s%s%s", mac, ip, sep,
		 sep[0] ? name : "");
}

void policy_action_event(struct policy *p, const char *name, const char *reason,
			 const char *detail, int64_t now_ns)
{
	struct pl_event *e = policy_push_event(p, EVENT_ACTION, now_ns);

	snprintf(e->check, sizeof(e->check), "%s", name);
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	snprintf(e->detail, sizeof(e->detail), "%s", detail);
}

void policy_set_config_error(struct policy *p, const char *msg)
{
	struct pl_event *e;

	snprintf(p->st.config_error, sizeof(p->st.config_error), "%s",
		 msg ? msg : "");
	e = policy_push_event(p, EVENT_RELOAD, clock_now_ns());
	snprintf(e->reason, sizeof(e->reason), "%s",
		 msg ? msg : "configuration reloaded");
}

bool policy_acknowledge(struct policy *p, int64_t now_ns)
{
	policy_recompute(p, now_ns);
	if (!p->st.alarm || p->st.acknowledged)
		return false;
	p->acked = p->problems;
	p->st.acknowledged = true;
	memory_take_ack(p);
	policy_push_event(p, EVENT_ACK, now_ns)->new_state = p->st.alarm_state;
	return true;
}

void policy_maintenance(struct policy *p, int64_t now_ns, int64_t duration_ns)
{
	struct pl_event *e;

	p->st.maintenance_until_ns = now_ns + duration_ns;
	/* the end as wall-clock time, for after a reboot; rounded up */
	memory_set_maintenance(p,
			       clock_wall_ns() / NS_PER_S +
				       (duration_ns + NS_PER_S - 1) / NS_PER_S);
	e = policy_push_event(p, EVENT_MAINTENANCE, now_ns);
	snprintf(e->reason, sizeof(e->reason), "for %lld minute%s",
		 (long long)(duration_ns / (60 * NS_PER_S)),
		 duration_ns / (60 * NS_PER_S) == 1 ? "" : "s");
	policy_recompute(p, now_ns);
}

bool policy_due(const struct policy *p, int64_t now_ns)
{
	const struct status *st = &p->st;

	return (st->maintenance_until_ns &&
		now_ns >= st->maintenance_until_ns) ||
	       (st->grace_until_ns && now_ns >= st->grace_until_ns);
}

void policy_tick(struct policy *p, int64_t now_ns)
{
	if (p->st.maintenance_until_ns &&
	    now_ns >= p->st.maintenance_until_ns) {
		p->st.maintenance_until_ns = 0;
		memory_set_maintenance(p, 0);
	}
	policy_recompute(p, now_ns);
}

void policy_add_activity(struct policy *p, uint64_t frames)
{
	p->st.activity += frames;
}

const struct status *policy_status(const struct policy *p)
{
	return &p->st;
}
