/*
 * actions.c - carries out the actions of config 'actions' (actions.h).
 *
 * One slot per configured action holds its rule (action_rule.h: when),
 * its running command or its pulse timer.  actions_update() weighs every
 * slot against the policy's status and arms one loop timer for the
 * earliest delay a rule asked for ('after' elapsing, a rate window
 * sliding), so an action is due even when no result arrives.  Nothing
 * here blocks: a command is an exec probe in the loop, a pulse ends on a
 * timer.  A stop (SIGTERM) kills commands and releases relays before the
 * panel closes the GPIO lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action_rule.h"
#include "actions.h"
#include "clock.h"
#include "exec_probe.h"
#include "log.h"
#include "loop.h"
#include "panel.h"
#include "policy.h"

#define ACTION_ENV_MAX 128 /* the daemon's variables passed on, at most */

struct action_slot {
	struct actions *owner;
	const struct action_cfg *c;
	int idx; /* into cfg->actions */
	struct action_rule rule;
	struct exec_probe *run; /* a command running */
	int64_t pulse_timer;	/* > 0: the relay is energised */
	char detail[STATUS_REASON_MAX + CFG_NAME_MAX * 2 + 32];
};

struct actions {
	struct loop *l;
	struct reaper *reaper;
	struct policy *pol;
	struct panel *panel;
	const struct pl_config *cfg;
	actions_notify_fn notify;
	void *arg;
	int64_t timer; /* > 0: armed for timer_ns */
	int64_t timer_ns;
	struct action_slot slots[CFG_MAX_ACTIONS];
};

/* The target's state now, its "host:NAME"/"group:NAME", and why it is so
 * (the reason of a check at that state: of the host, or of the group's
 * first host in it). */
static enum pl_state action_target(const struct actions *a,
				   const struct action_cfg *c, char *who,
				   size_t who_len, char *why, size_t why_len)
{
	const struct status *st = policy_status(a->pol);
	const struct pl_config *cfg = a->cfg;
	const struct group_cfg *g = c->on_group ? &cfg->groups[c->target] : 0;
	enum pl_state s =
		g ? st->groups[c->target] : st->hosts[c->target].state;
	int n = g ? g->n_hosts : 1;

	snprintf(who, who_len, "%s:%s", g ? "group" : "host",
		 g ? g->name : cfg->hosts[c->target].name);
	snprintf(why, why_len, "%s", state_name(s));
	for (int i = 0; i < n; i++) {
		int h = g ? g->hosts[i] : c->target;
		int idx = status_check_index(cfg, h, 0);

		for (int k = 0; k < cfg->hosts[h].n_checks; k++) {
			const struct check_status *cs = &st->checks[idx + k];

			if (cs->state != st->hosts[h].state ||
			    state_rank(cs->state) < state_rank(c->state))
				continue;
			snprintf(why, why_len, "%s: %s",
				 cfg->hosts[h].checks[k].name, cs->reason);
			return s;
		}
	}
	return s;
}

static void action_event(struct action_slot *sl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void action_event(struct action_slot *sl, const char *fmt, ...)
{
	char reason[STATUS_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	policy_action_event(sl->owner->pol, sl->c->name, reason, sl->detail,
			    clock_now_ns());
}

static void action_ended(struct action_slot *sl)
{
	struct actions *a = sl->owner;
	int64_t now = clock_now_ns();

	action_rule_done(&sl->rule, now);
	actions_update(a, now);
	if (a->notify)
		a->notify(a->arg);
}

static void action_cmd_done(void *arg, const struct probe_result *r)
{
	struct action_slot *sl = arg;

	sl->run = NULL;
	if (r->exit_code >= 0)
		action_event(sl, "command ended: exit status %d", r->exit_code);
	else
		action_event(sl, "command ended: %s", r->reason);
	action_ended(sl);
}

static int64_t action_pulse_end(struct loop *l, void *arg)
{
	struct action_slot *sl = arg;

	(void)l;
	sl->pulse_timer = 0;
	panel_set_relay(sl->owner->panel, sl->idx, false, clock_now_ns());
	action_event(sl, "pulse done: line %d released", sl->c->pin);
	action_ended(sl);
	return LOOP_TIMER_DONE;
}

/* environ with PL_* replaced by the action's four; NULL/errno.  The
 * strings are in vars (4 of them) and environ; free the array. */
static char **action_env(char vars[4][STATUS_REASON_MAX * 2])
{
	char **env = calloc(ACTION_ENV_MAX + 5, sizeof(*env));
	int n = 0;

	if (!env)
		return NULL;
	for (int i = 0; i < 4; i++)
		env[n++] = vars[i];
	for (char **e = environ; *e && n < ACTION_ENV_MAX + 4; e++)
		if (strncmp(*e, "PL_", 3) != 0)
			env[n++] = *e;
	return env;
}

static void action_start_cmd(struct action_slot *sl, const char *who,
			     enum pl_state s, const char *why)
{
	struct actions *a = sl->owner;
	char vars[4][STATUS_REASON_MAX * 2];
	char **env;

	snprintf(vars[0], sizeof(vars[0]), "PL_ACTION=%s", sl->c->name);
	snprintf(vars[1], sizeof(vars[1]), "PL_TARGET=%s", who);
	snprintf(vars[2], sizeof(vars[2]), "PL_STATE=%s", state_name(s));
	snprintf(vars[3], sizeof(vars[3]), "PL_REASON=%s", why);
	env = action_env(vars);
	sl->run = env ? exec_probe_start_env(a->l, a->reaper, &sl->c->cmd, env,
					     action_cmd_done, sl)
		      : NULL;
	free(env);
	if (!sl->run) {
		action_event(sl, "command not started: %s", strerror(errno));
		action_rule_done(&sl->rule, clock_now_ns());
		return;
	}
	action_event(sl, "command started: %s", sl->c->cmd.u.exec.argv[0]);
}

static void action_start_pulse(struct action_slot *sl, int64_t now_ns)
{
	struct actions *a = sl->owner;

	sl->pulse_timer = loop_add_timer(a->l, sl->c->duration_ms * NS_PER_MS,
					 action_pulse_end, sl);
	if (sl->pulse_timer < 0) {
		sl->pulse_timer = 0;
		action_event(sl, "pulse not started: %s", strerror(errno));
		action_rule_done(&sl->rule, now_ns);
		return;
	}
	panel_set_relay(a->panel, sl->idx, true, now_ns);
	action_event(sl, "pulse started: line %d active for %lld ms",
		     sl->c->pin, (long long)sl->c->duration_ms);
}

/* Weigh one slot; returns when to weigh it again. */
static int64_t action_weigh(struct action_slot *sl, bool maintenance,
			    int64_t now_ns)
{
	char who[CFG_NAME_MAX + 8], why[STATUS_REASON_MAX + CFG_NAME_MAX + 2];
	enum pl_state s = action_target(sl->owner, sl->c, who, sizeof(who), why,
					sizeof(why));
	int64_t next;

	switch (action_rule_step(&sl->rule, sl->c, s, maintenance, now_ns,
				 &next)) {
	case ACTION_RUN:
		snprintf(sl->detail, sizeof(sl->detail), "%s %s: %s", who,
			 state_name(s), why);
		if (sl->c->pin != PIN_NONE)
			action_start_pulse(sl, now_ns);
		else
			action_start_cmd(sl, who, s, why);
		break;
	case ACTION_HELD_MAINTENANCE:
		snprintf(sl->detail, sizeof(sl->detail), "%s %s", who,
			 state_name(s));
		action_event(sl, "held: maintenance window");
		break;
	case ACTION_HELD_RATE:
		snprintf(sl->detail, sizeof(sl->detail), "%s %s", who,
			 state_name(s));
		action_event(sl, "held: %d runs within %lld s", sl->c->max,
			     (long long)(sl->c->per_ms / 1000));
		break;
	case ACTION_WAIT:
		break;
	}
	return next;
}

static int64_t actions_on_timer(struct loop *l, void *arg)
{
	struct actions *a = arg;

	(void)l;
	a->timer = 0;
	actions_update(a, clock_now_ns());
	if (a->notify)
		a->notify(a->arg);
	return LOOP_TIMER_DONE;
}

/* One timer for the earliest delay asked for. */
static void actions_arm(struct actions *a, int64_t due_ns, int64_t now_ns)
{
	if (a->timer > 0 && a->timer_ns == due_ns)
		return;
	if (a->timer > 0)
		loop_del_timer(a->l, a->timer);
	a->timer = 0;
	if (due_ns == INT64_MAX)
		return;
	a->timer = loop_add_timer(a->l, due_ns > now_ns ? due_ns - now_ns : 0,
				  actions_on_timer, a);
	if (a->timer < 0) {
		log_warn("actions: timer: %s", strerror(errno));
		a->timer = 0;
	}
	a->timer_ns = due_ns;
}

/* The button's maintenance, a site-wide scheduled window, or one whose
 * scope covers the target; for a group, any of its hosts (its trouble
 * may be the work being done). */
static bool action_in_maintenance(const struct actions *a,
				  const struct action_cfg *c, int64_t now_ns)
{
	const struct group_cfg *g;

	if (!c->on_group)
		return policy_in_maintenance(a->pol, c->target, now_ns);
	if (policy_in_maintenance(a->pol, -1, now_ns))
		return true;
	g = &a->cfg->groups[c->target];
	for (int k = 0; k < g->n_hosts; k++)
		if (policy_in_maintenance(a->pol, g->hosts[k], now_ns))
			return true;
	return false;
}

void actions_update(struct actions *a, int64_t now_ns)
{
	int64_t due = INT64_MAX;

	if (!a)
		return;
	for (int i = 0; i < a->cfg->n_actions; i++) {
		struct action_slot *sl = &a->slots[i];
		int64_t next = action_weigh(
			sl, action_in_maintenance(a, sl->c, now_ns), now_ns);

		if (next < due)
			due = next;
	}
	actions_arm(a, due, now_ns);
}

static void actions_install(struct actions *a, const struct pl_config *cfg,
			    const struct action_rule *rules)
{
	a->cfg = cfg;
	for (int i = 0; i < cfg->n_actions; i++) {
		struct action_slot *sl = &a->slots[i];

		*sl = (struct action_slot){ .owner = a,
					    .c = &cfg->actions[i],
					    .idx = i };
		if (rules)
			sl->rule = rules[i];
		else
			action_rule_init(&sl->rule);
	}
}

struct actions *actions_open(struct loop *l, struct reaper *reaper,
			     struct policy *pol, struct panel *panel,
			     const struct pl_config *cfg,
			     actions_notify_fn notify, void *arg)
{
	struct actions *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	*a = (struct actions){ .l = l,
			       .reaper = reaper,
			       .pol = pol,
			       .panel = panel,
			       .notify = notify,
			       .arg = arg };
	actions_install(a, cfg, NULL);
	return a;
}

/* End what runs: a command is killed, a relay released; why for the
 * event (NULL: only logged, at a stop). */
static void actions_stop_all(struct actions *a, const char *why)
{
	for (int i = 0; i < a->cfg->n_actions; i++) {
		struct action_slot *sl = &a->slots[i];
		bool was = sl->run || sl->pulse_timer > 0;

		if (sl->run)
			exec_probe_cancel(sl->run);
		sl->run = NULL;
		if (sl->pulse_timer > 0) {
			loop_del_timer(a->l, sl->pulse_timer);
			panel_set_relay(a->panel, i, false, clock_now_ns());
		}
		sl->pulse_timer = 0;
		if (was && why)
			action_event(sl, "cut short: %s", why);
		else if (was)
			log_always(LOG_NOTICE, "action %s: cut short by stop",
				   sl->c->name);
		sl->rule.running = false;
	}
}

void actions_reload(struct actions *a, const struct pl_config *cfg,
		    int64_t now_ns)
{
	struct action_rule rules[CFG_MAX_ACTIONS];

	if (!a)
		return;
	actions_stop_all(a, "configuration reloaded");
	for (int i = 0; i < cfg->n_actions; i++) {
		action_rule_init(&rules[i]);
		for (int j = 0; j < a->cfg->n_actions; j++)
			if (strcmp(a->cfg->actions[j].name,
				   cfg->actions[i].name) == 0)
				rules[i] = a->slots[j].rule;
	}
	actions_install(a, cfg, rules);
	actions_update(a, now_ns);
}

void actions_close(struct actions *a, int64_t now_ns)
{
	(void)now_ns;
	if (!a)
		return;
	actions_stop_all(a, NULL);
	if (a->timer > 0)
		loop_del_timer(a->l, a->timer);
	free(a);
}
