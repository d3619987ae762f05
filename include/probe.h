/*
 * probe.h - what every probe hands back: one result per round.
 *
 * A probe measures; it never decides a state.  The policy turns values
 * into states with the check's thresholds and hysteresis.  The one
 * exception is an exec check, whose plugin states its own verdict.
 */
#ifndef PL_PROBE_H
#define PL_PROBE_H

#include <stdbool.h>

#include "config.h"
#include "state.h"
#include "status.h"

#define PROBE_OUTPUT_MAX 256

struct probe_result {
	/* false: the probe failed outright (no reply, refused, timeout,
	 * unreachable, unexpected answer): a bad result whatever the
	 * values say. */
	bool ok;
	/* exec only: the plugin's verdict (exit 0..3). */
	bool has_state;
	/* exec only: the exit status; -1 if it did not exit (signal,
	 * timeout, could not run). */
	int exit_code;
	enum pl_state state;
	/* Measured values in the units of enum metric, NAN if not measured. */
	double value[METRIC_COUNT];
	/* ping only: the fastest and slowest reply (ms), NAN without. */
	double rtt_min_ms, rtt_max_ms;
	/* Why, in a few words a person reads on the LCD and in the log:
	 * "rtt 0.31 ms loss 0%", "connection refused", "timeout". */
	char reason[STATUS_REASON_MAX];
	/* exec: first output line and perfdata; trace: the path. */
	char output[PROBE_OUTPUT_MAX];
};

/* Called once per round when the probe is done (never synchronously from
 * the start call).  r is only valid during the call. */
typedef void (*probe_done_fn)(void *arg, const struct probe_result *r);

/* Fill r with "nothing measured yet". */
void probe_result_init(struct probe_result *r);

#endif
