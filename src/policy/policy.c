/*
 * policy.c - owns struct status: check states, their roll-up into hosts,
 * groups and the site, the alarm and what the operator did about it.
 *
 * Roll-up rules (README "States"): a host is the worst of its checks; the
 * site is the worst of its hosts; a group is the worst of its hosts, or
 * with min_failed = M: CRITICAL when at least M hosts are bad, WARNING when
 * some but fewer are.  An alarm is raised for a site state of WARNING or
 * worse once every check has reported (start-up grace), and not during
 * maintenance.  An acknowledgement holds until a new problem appears (a
 * check turns bad, or the alarm level rises).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

struct policy {
	const struct pl_config *cfg;
	struct status st;
	uint64_t problems;	/* bumped when a new problem appears */
	uint64_t acked;		/* value of problems when acknowledged */
};

int status_check_index(const struct pl_config *cfg, int host, int check)
{
	int idx = 0;

	for (int h = 0; h < host; h++)
		idx += cfg->hosts[h].n_checks;
	return idx + check;
}

static int count_checks(const struct pl_config *cfg)
{
	int n = 0;

	for (int h = 0; h < cfg->n_hosts; h++)
		n += cfg->hosts[h].n_checks;
	return n;
}

static void check_init(struct check_status *cs, int64_t now_ns)
{
	*cs = (struct check_status){
		.state = STATE_UNKNOWN,
		.since_ns = now_ns,
		.value = NAN,
	};
	strcpy(cs->reason, "waiting for first result");
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

static void roll_up_hosts(struct policy *p, int64_t now_ns, bool *all_known)
{
	const struct pl_config *cfg = p->cfg;
	int c = 0;

	*all_known = true;
	p->st.n_ok = p->st.n_bad = 0;
	p->st.overall = STATE_OK;
	for (int h = 0; h < cfg->n_hosts; h++) {
		struct host_status *hs = &p->st.hosts[h];
		enum pl_state s = STATE_OK;

		for (int i = 0; i < cfg->hosts[h].n_checks; i++, c++) {
			s = state_worst(s, p->st.checks[c].state);
			if (!p->st.checks[c].have_result)
				*all_known = false;
		}
		if (cfg->hosts[h].n_checks == 0)
			s = STATE_UNKNOWN;
		if (s != hs->state)
			hs->since_ns = now_ns;
		hs->state = s;
		if (s == STATE_OK)
			p->st.n_ok++;
		else if (s != STATE_UNKNOWN)
			p->st.n_bad++;
		p->st.overall = state_worst(p->st.overall, s);
	}
}

/* Recompute everything derived from the check states. */
static void recompute(struct policy *p, int64_t now_ns)
{
	struct status *st = &p->st;
	bool all_known;
	enum pl_state level, prev;

	roll_up_hosts(p, now_ns, &all_known);
	for (int g = 0; g < p->cfg->n_groups; g++)
		st->groups[g] = group_state(p, &p->cfg->groups[g]);
	prev = st->alarm_state;
	level = st->overall;
	st->alarm = all_known && state_rank(level) >= state_rank(STATE_WARNING)
		    && st->maintenance_until_ns <= now_ns;
	st->alarm_state = st->alarm ? level : STATE_OK;
	if (st->alarm && state_rank(st->alarm_state) > state_rank(prev))
		p->problems++;
	st->acknowledged = st->alarm && p->acked == p->problems;
}

static int status_alloc(struct status *st, const struct pl_config *cfg)
{
	int n = count_checks(cfg);

	st->checks = calloc(n ? n : 1, sizeof(*st->checks));
	st->hosts = calloc(cfg->n_hosts ? cfg->n_hosts : 1,
			   sizeof(*st->hosts));
	if (!st->checks || !st->hosts) {
		free(st->checks);
		free(st->hosts);
		errno = ENOMEM;
		return -1;
	}
	st->n_checks = n;
	st->cfg = cfg;
	return 0;
}

struct policy *policy_new(const struct pl_config *cfg, int64_t now_ns)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (status_alloc(&p->st, cfg) < 0) {
		free(p);
		return NULL;
	}
	p->cfg = cfg;
	p->st.started_ns = now_ns;
	for (int i = 0; i < p->st.n_checks; i++)
		check_init(&p->st.checks[i], now_ns);
	for (int h = 0; h < cfg->n_hosts; h++)
		p->st.hosts[h] = (struct host_status){ STATE_UNKNOWN, now_ns,
						       false };
	p->acked = (uint64_t)-1;
	recompute(p, now_ns);
	return p;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->st.checks);
	free(p->st.hosts);
	free(p);
}

/* Flat index of the check called name in cfg, or -1. */
static int find_check(const struct pl_config *cfg, const char *name)
{
	int idx = 0;

	for (int h = 0; h < cfg->n_hosts; h++)
		for (int c = 0; c < cfg->hosts[h].n_checks; c++, idx++)
			if (strcmp(cfg->hosts[h].checks[c].name, name) == 0)
				return idx;
	return -1;
}

int policy_reload(struct policy *p, const struct pl_config *cfg,
		  int64_t now_ns)
{
	struct status st = p->st;
	int idx = 0;

	if (status_alloc(&st, cfg) < 0)
		return -1;
	for (int h = 0; h < cfg->n_hosts; h++) {
		st.hosts[h] = (struct host_status){ STATE_UNKNOWN, now_ns,
						    false };
		for (int c = 0; c < cfg->hosts[h].n_checks; c++, idx++) {
			int old = find_check(p->cfg,
					     cfg->hosts[h].checks[c].name);

			if (old >= 0)
				st.checks[idx] = p->st.checks[old];
			else
				check_init(&st.checks[idx], now_ns);
		}
	}
	free(p->st.checks);
	free(p->st.hosts);
	p->st = st;
	p->cfg = cfg;
	recompute(p, now_ns);
	return 0;
}

void policy_set_config_error(struct policy *p, const char *msg)
{
	snprintf(p->st.config_error, sizeof(p->st.config_error), "%s",
		 msg ? msg : "");
}

bool policy_acknowledge(struct policy *p, int64_t now_ns)
{
	recompute(p, now_ns);
	if (!p->st.alarm || p->st.acknowledged)
		return false;
	p->acked = p->problems;
	p->st.acknowledged = true;
	return true;
}

void policy_maintenance(struct policy *p, int64_t now_ns,
			int64_t duration_ns)
{
	p->st.maintenance_until_ns = now_ns + duration_ns;
	recompute(p, now_ns);
}

void policy_add_activity(struct policy *p, uint64_t frames)
{
	p->st.activity += frames;
}

const struct status *policy_status(const struct policy *p)
{
	return &p->st;
}
