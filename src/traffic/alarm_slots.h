/*
 * alarm_slots.h - the capture alarms as the traffic module holds them:
 * each one's window (rate_alarm.h), its check and what feeds it.  Shared
 * by traffic.c only.
 *
 * Lifecycle: alarm_slots_build() at open and reload (windows that fit are
 * carried over) → alarm_slots_find_checks() → per frame
 * alarm_slots_count_frame(), per tick alarm_slots_count_interfaces() and
 * alarm_slots_eval() → rate_alarm_free() of each at close.
 */
#ifndef PL_ALARM_SLOTS_H
#define PL_ALARM_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "decode.h"
#include "netdev.h"
#include "probe.h"
#include "rate_alarm.h"

struct alarm_slot {
	struct rate_alarm ra;
	int check;	/* flat check index, -1 */
	uint64_t prev;	/* interface alarms: the counter at the last tick */
	bool have_prev; /* prev holds a reading */
	bool missing;	/* the interface was not there at the last tick */
};

/* What went up since *prev (then set to now); a counter that went down
 * (the interface was re-created, a handle reopened) restarts from its
 * new value. */
uint64_t alarm_slots_delta(uint64_t *prev, uint64_t now);

/* Count a captured frame in the capture alarms it matches. */
void alarm_slots_count_frame(struct alarm_slot *s, int n,
			     const struct frame_info *fi, int64_t now);

/* Interface alarms count their interface's kernel counters: one netlink
 * dump into t, only while such an alarm is configured. */
void alarm_slots_count_interfaces(struct alarm_slot *s, int n,
				  struct netdev_table *t, int64_t now);

/* Judge slot s at now into r (probe_result_init() first): UNKNOWN while
 * its interface is missing. */
void alarm_slots_eval(struct alarm_slot *s, int64_t now,
		      struct probe_result *r);

/* Flat indices of the capture host's checks into *link and slots. */
void alarm_slots_find_checks(const struct pl_config *cfg, int *link,
			     struct alarm_slot *slots, int n);

/* New windows for cap's alarms in next[], reusing old ones that fit (they
 * are moved out of old[]).  Returns 0 or -1/ENOMEM (next[] freed). */
int alarm_slots_build(struct alarm_slot *old, int n_old,
		      const struct capture_cfg *cap, struct alarm_slot *next,
		      int64_t now);
/* Undo alarm_slots_build() for next[0..n): moved windows go back. */
void alarm_slots_unbuild(struct alarm_slot *old, int n_old,
			 struct alarm_slot *next, int n);

#endif
