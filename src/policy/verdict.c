/*
 * verdict.c - the rules that turn one check's results into its state:
 * thresholds, fail_after/recover_after hysteresis and flap detection (see
 * verdict.h for the rules themselves).  Keeps a small ring of raw states
 * per check; no allocation, no clock.
 */
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
			*threshold = s == STATE_CRITICAL ? c->thr[m].critical :
							   c->thr[m].warning;
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

static enum pl_state raw_ago(const struct verdict *v, int i)
{
	return v->raw[(v->head - i + VERDICT_HISTORY) % VERDICT_HISTORY];
}

/* The level every one of the last n results reached (their best), or the
 * level none exceeded (their worst), as asked. */
static enum pl_state window(const struct verdict *v, int n, bool best)
{
	enum pl_state s = raw_ago(v, 0);

	for (int i = 1; i < n; i++) {
		enum pl_state r = raw_ago(v, i);

		if (best ? state_rank(r) < state_rank(s) :
			   state_rank(r) > state_rank(s))
			s = r;
	}
	return s;
}

enum pl_state verdict_last_raw(const struct verdict *v)
{
	return v->n ? raw_ago(v, 0) : STATE_UNKNOWN;
}

static enum pl_state next_shown(const struct verdict *v,
				const struct check_cfg *c)
{
	enum pl_state now = raw_ago(v, 0);

	if (!v->have_result && now == STATE_OK)
		return STATE_OK;
	if (v->n >= c->fail_after) {
		enum pl_state floor = window(v, c->fail_after, true);

		if (state_rank(floor) > state_rank(v->shown) ||
		    (!v->have_result && floor != STATE_OK))
			return floor;
	}
	if (v->have_result && v->n >= c->recover_after) {
		enum pl_state ceil = window(v, c->recover_after, false);

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
	v->head = (v->head + 1) % VERDICT_HISTORY;
	v->raw[v->head] = (uint8_t)raw;
	if (v->n < VERDICT_HISTORY)
		v->n++;
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
