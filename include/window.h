/*
 * window.h - when the config's scheduled maintenance windows are on.
 *
 * Pure functions of a config and a wall-clock instant, in the local time
 * zone (TZ, else /etc/localtime): nothing here keeps state.  The policy
 * asks window_mask() once a wall-clock minute (policy_windows()).
 *
 * A window is on at an instant when the local wall clock then reads a
 * time inside it, on a weekday it is set for (a window past midnight
 * belongs to the day it starts).  So across DST: a start in the hour
 * skipped in spring takes effect at the first minute that exists after
 * it (03:00), and a window wholly inside that hour does not happen that
 * day; in the hour repeated in autumn it is on during both passes of
 * the wall clock through it: in Berlin 02:00-02:30 happens twice, and
 * 01:00-02:30 ends at the first 02:30 and is on again from the second
 * 02:00 to the second 02:30 (each pass with its events).  In New York,
 * where 01:00-02:00 repeats, 01:00-02:30 simply lasts 3.5 hours.
 */
#ifndef PL_WINDOW_H
#define PL_WINDOW_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

/* Is w on at local weekday wday (0 Sunday) and minute of the day min? */
bool window_covers(const struct window_cfg *w, int wday, int min);

/* The windows of cfg on at wall-clock second t: bit i for windows[i]. */
uint32_t window_mask(const struct pl_config *cfg, time_t t);

/* The first wall-clock second after t at which the windows in mask are
 * all off (their end as it stands at t), at most WINDOW_LOOKAHEAD_S
 * ahead: windows that keep running into each other past that are
 * reported ending then. */
#define WINDOW_LOOKAHEAD_S (8 * 24 * 3600)
time_t window_end(const struct pl_config *cfg, uint32_t mask, time_t t);

#endif
