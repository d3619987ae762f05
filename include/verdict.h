/*
 * verdict.h - one check's result → its state: thresholds, hysteresis and
 * flap detection.  Pure functions of the results fed in, so the policy's
 * rules can be tested without probes or clocks.
 *
 * Rules (README "How a state is decided"):
 *  - a failed probe is CRITICAL; an exec plugin's own state counts as is;
 *    otherwise each measured value is compared with its thresholds and the
 *    worst level wins (for cert_days lower is worse);
 *  - the shown state rises to level L only after fail_after consecutive
 *    results at L or worse, and falls to L only after recover_after
 *    consecutive results at L or better; a first good result ends the
 *    initial UNKNOWN at once;
 *  - a check whose shown state changed VERDICT_FLAP_CHANGES times within
 *    its last VERDICT_FLAP_WINDOW results is flapping, until a full window
 *    passes with fewer than half as many changes.
 */
#ifndef PL_VERDICT_H
#define PL_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "probe.h"
#include "state.h"

#define VERDICT_FLAP_WINDOW  20
#define VERDICT_FLAP_CHANGES 6

struct verdict {
	enum pl_state shown;
	bool have_result;
	bool flapping;
	/* The raw state of the newest result. */
	enum pl_state last;
	/* Streaks ending with the newest result, by state s: how many
	 * results in a row ranked at s or worse (worse[s]), at s or better
	 * (better[s]).  Counters, not a history, so any fail_after or
	 * recover_after works; they saturate at INT_MAX. */
	int worse[STATE_COUNT], better[STATE_COUNT];
	uint32_t changed; /* bit i: result i ago changed shown */
	int n;		  /* results fed, saturating */
	/* The state last announced as an event (the policy's). */
	enum pl_state announced;
	/* What decided the last raw state. */
	enum metric metric; /* METRIC_COUNT: failure or plugin */
	double value, threshold;
	char reason[STATUS_REASON_MAX];
};

/* Raw state of one result under c's thresholds; fills the deciding
 * metric, value and threshold (threshold NAN when none decided). */
enum pl_state verdict_raw(const struct check_cfg *c,
			  const struct probe_result *r, enum metric *metric,
			  double *value, double *threshold);

/* Start over: UNKNOWN, no history. */
void verdict_init(struct verdict *v);

/* Feed one result; returns true when the shown state changed. */
bool verdict_feed(struct verdict *v, const struct check_cfg *c,
		  const struct probe_result *r);

/* The raw state of the newest result (UNKNOWN before any). */
enum pl_state verdict_last_raw(const struct verdict *v);

#endif
