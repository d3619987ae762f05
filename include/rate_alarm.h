/*
 * rate_alarm.h - one capture alarm's sliding window and its verdict.
 *
 * Lifecycle: rate_alarm_init() (allocates the window) → rate_alarm_add()
 * as events are counted → rate_alarm_eval() once a second →
 * rate_alarm_free().  Time is the caller's monotonic clock in ns, so the
 * tests drive it with a fake one.
 *
 * The window is a ring of one-second buckets; only complete seconds are
 * judged, so a second still being counted never makes a rate look low.
 * With W the window in seconds and S the events of the last W complete
 * seconds:
 *   above   S / W > limit
 *   below   S / W < limit, once W complete seconds have been watched
 *           (until then the result is OK, "filling")
 *   count   S > limit
 * The alarm holds while the condition does: ok=false for a critical
 * alarm, state WARNING for a warning one; the reason carries the rate.
 */
#ifndef PL_RATE_ALARM_H
#define PL_RATE_ALARM_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "probe.h"

struct rate_alarm {
	struct traffic_alarm_cfg cfg; /* a copy */
	uint64_t *bucket;	      /* W + 1 seconds, the newest partial */
	int w;			      /* window, whole seconds */
	int64_t cur_s;		      /* the second bucket[cur_s % (W+1)] */
	int64_t start_s;	      /* the second watching began */
	double value;		      /* last judged: rate, or S for count */
	bool active;		      /* the condition held at the last eval */
};

/* Returns 0, or -1/ENOMEM.  Free with rate_alarm_free(). */
int rate_alarm_init(struct rate_alarm *a, const struct traffic_alarm_cfg *c,
		    int64_t now_ns);
/* Accepts a zeroed or freed alarm. */
void rate_alarm_free(struct rate_alarm *a);

/* Can an alarm configured as a keep its window under b (a reload)? */
bool rate_alarm_same_window(const struct traffic_alarm_cfg *a,
			    const struct traffic_alarm_cfg *b);
/* Adopt b's limit, condition and level, keeping the window. */
void rate_alarm_retune(struct rate_alarm *a, const struct traffic_alarm_cfg *b);

/* n events (bits for bps) counted at now_ns. */
void rate_alarm_add(struct rate_alarm *a, int64_t now_ns, uint64_t n);

/* Judge the window at now_ns into r (probe_result_init() first).  Returns
 * true while the alarm condition holds. */
bool rate_alarm_eval(struct rate_alarm *a, int64_t now_ns,
		     struct probe_result *r);

#endif
