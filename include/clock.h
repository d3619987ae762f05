/*
 * clock.h - the daemon's one time source.
 *
 * Every timer, deadline and pattern phase is CLOCK_MONOTONIC nanoseconds,
 * so wall-clock jumps (NTP, a Pi without RTC booting in 1970) never move a
 * deadline.  Wall time is only for timestamps people read.  Tests replace
 * this object at link time with a fake clock (tests/fakes/).
 */
#ifndef PL_CLOCK_H
#define PL_CLOCK_H

#include <stdint.h>

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S  INT64_C(1000000000)

/* Monotonic time in nanoseconds. */
int64_t clock_now_ns(void);

/* Wall-clock time in nanoseconds since the epoch (for display only). */
int64_t clock_wall_ns(void);

#endif
