/*
 * verdict.c - the rules that turn one check's results into its state:
 * thresholds, fail_after/recover_after hysteresis and flap detection (see
 * verdict.h for the rules themselves).  Keeps per check the length of the
 * current streak at each level, so a streak of any length counts; no
 * allocation, no clock.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "verdict.h"

static enum pl_state level_of(const struct threshold *t, enum metric m,
			      double v)
{
	bool lower_worse = m == METRIC_CERT_DAYS;

	if (!t->set || isnan(v))
		return STATE_OK;
	if (lower_worse ? v <= t->critical : v >= t->critical)
		return STATE_CRITICAL;
	if (lower_worse ? v <= t->warning : v >= t->warning)
		return STATE_WARNING;
	return STATE_OK;
}

enum pl_state verdict_raw(const struct check_cfg *c,
			  const struct probe_result *r, enum metric *metric,
			  double *value, double *threshold)
{
	enum pl_state worst = STATE_OK;

	*metric = METRIC_COUNT;
	*value = NAN;
	*threshold = NAN;
	if (r->has_state)
		return r->state;
	if (!r->ok)
		return STATE_CRITICAL;
	/* Report the first measured value, or the one that decided. */
	for (int m = 0; m < METRIC_COUNT; m++) {
		enum pl_state s;

		if (isnan(r->value[m]))
			continue;
		s = level_of(&c->thr[m], m, r->value[m]);
		if (*metric != METRIC_COUNT &&
		    state_rank(s) <= state_rank(worst))
			continue;
		*metric = m;
		*value = r->value[m];
		if (state_rank(s) > state_rank(worst)) {
			worst = s;
			*threshold = s == STATE_CRITICAL ? c->thr[m].critical
							 : c->thr[m].warning;
		}
	}
	return worst;
}

void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->shown = STATE_UNKNOWN;
	v->announced = STATE_UNKNOWN;
	v->metric = METRIC_COUNT;
	v->value = NAN;
	v->threshold = NAN;
}

static int saturating_inc(int n)
{
	return n < INT_MAX ? n + 1 : n;
}

/* Extend or break every streak with the raw state of a new result. */
static void streaks_feed(struct verdict *v, enum pl_state raw)
{
	int r = state_rank(raw);

	for (int s = 0; s < STATE_COUNT; s++) {
		int rs = state_rank((enum pl_state)s);

		v->worse[s] = r >= rs ? saturating_inc(v->worse[s]) : 0;
		v->better[s] = r <= rs ? saturating_inc(v->better[s]) : 0;
	}
	v->last = raw;
	v->n = saturating_inc(v->n);
}

/* The worst level every one of the last n results reached (floor), or
 * the best level none of them exceeded (ceiling).  Both exist once n
 * results are in: every result is at the best rank or worse and at the
 * worst or better. */
static enum pl_state floor_of(const struct verdict *v, int n)
{
	enum pl_state f = STATE_OK;

	for (int s = 0; s < STATE_COUNT; s++)
		if (v->worse[s] >= n &&
		    state_rank((enum pl_state)s) > state_rank(f))
			f = (enum pl_state)s;
	return f;
}

static enum pl_state ceiling_of(const struct verdict *v, int n)
{
	enum pl_state c = STATE_CRITICAL;

	for (int s = 0; s < STATE_COUNT; s++)
		if (v->better[s] >= n &&
		    state_rank((enum pl_state)s) < state_rank(c))
			c = (enum pl_state)s;
	return c;
}

enum pl_state verdict_last_raw(const struct verdict *v)
{
	return v->n ? v->last : STATE_UNKNOWN;
}

static enum pl_state next_shown(const struct verdict *v,
				const struct check_cfg *c)
{
	if (!v->have_result && v->last == STATE_OK)
		return STATE_OK;
	if (v->n >= c->fail_after) {
		enum pl_state floor = floor_of(v, c->fail_after);

		if (state_rank(floor) > state_rank(v->shown) ||
		    (!v->have_result && floor != STATE_OK))
			return floor;
	}
	if (v->have_result && v->n >= c->recover_after) {
		enum pl_state ceil = ceiling_of(v, c->recover_after);

		if (state_rank(ceil) < state_rank(v->shown))
			return ceil;
	}
	return v->shown;
}

static void update_flapping(struct verdict *v, bool changed)
{
	int changes;

	v->changed = (v->changed << 1) | (changed ? 1u : 0u);
	v->changed &= (1u << VERDICT_FLAP_WINDOW) - 1;
	changes = __builtin_popcount(v->changed);
	if (changes >= VERDICT_FLAP_CHANGES)
		v->flapping = true;
	else if (changes < VERDICT_FLAP_CHANGES / 2)
		v->flapping = false;
}

/* The reason a person reads: the probe's own words, and when a threshold
 * decided, which one: "rtt 512.30 ms loss 0% (rtt >= 500 ms)",
 * "200 OK in 5.9 ms (cert_days <= 7)". */
static void threshold_reason(struct verdict *v, const struct probe_result *r)
{
	const char *unit = " ms", *op = ">=";

	if (isnan(v->threshold)) {
		snprintf(v->reason, sizeof(v->reason), "%s", r->reason);
		return;
	}
	if (v->metric == METRIC_LOSS)
		unit = "%";
	if (v->metric == METRIC_CERT_DAYS) {
		unit = "";
		op = "<=";
	}
	snprintf(v->reason, sizeof(v->reason), "%.40s (%s %s %g%s)", r->reason,
		 metric_name(v->metric), op, v->threshold, unit);
}

bool verdict_feed(struct verdict *v, const struct check_cfg *c,
		  const struct probe_result *r)
{
	enum pl_state raw, shown;
	bool changed;

	raw = verdict_raw(c, r, &v->metric, &v->value, &v->threshold);
	streaks_feed(v, raw);
	threshold_reason(v, r);
	shown = next_shown(v, c);
	changed = shown != v->shown;
	/* Leaving the initial UNKNOWN is not a flap. */
	update_flapping(v, changed && v->have_result);
	if (shown != STATE_UNKNOWN || v->n >= c->fail_after)
		v->have_result = true;
	v->shown = shown;
	return changed;
}
