/*
 * pi_check.h - the checks of the implicit host "pi": the board the daemon
 * runs on watching itself (firmware throttling flags, SoC temperature,
 * free disk, available memory, storage error counters).
 *
 * Lifecycle: pi_check_new() per CHECK_SYSTEM check at (re)load →
 * pi_check_run() once per interval from the scheduler's timer →
 * pi_check_free().  A run reads a few small sysfs/procfs files or calls
 * statvfs(): microseconds, so it runs synchronously on the loop.
 *
 * Like an exec plugin, these checks state their own verdict (the limits
 * are part of the check, see config.h), because their rules are flags and
 * "free at or below", not the probe metrics of enum metric.  A reading
 * that fails is UNKNOWN with the reason.
 */
#ifndef PL_PI_CHECK_H
#define PL_PI_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "probe.h"
#include "state.h"

/* The firmware's get_throttled bits (Raspberry Pi documentation,
 * "vcgencmd get_throttled"). */
#define PI_UNDERVOLTAGE_NOW   0x1u
#define PI_FREQ_CAPPED_NOW    0x2u
#define PI_THROTTLED_NOW      0x4u
#define PI_SOFT_TEMP_NOW      0x8u
#define PI_UNDERVOLTAGE_SINCE 0x10000u
#define PI_FREQ_CAPPED_SINCE  0x20000u
#define PI_THROTTLED_SINCE    0x40000u
#define PI_SOFT_TEMP_SINCE    0x80000u

struct pi_check;

/* c must outlive the handle.  Returns NULL/errno on ENOMEM. */
struct pi_check *pi_check_new(const struct check_cfg *c);

/* Read once and fill r (has_state set, reason in words). */
void pi_check_run(struct pi_check *pc, struct probe_result *r);

/* Accepts NULL. */
void pi_check_free(struct pi_check *pc);

/* ---- pure parts, for the unit tests ----------------------------------- */

/* "50005\n" or "0x50005" (hex) → flags; 0 or -1 on bad text. */
int pi_parse_throttled(const char *text, unsigned long *flags);
/* CRITICAL on undervoltage now; WARNING on throttling or capping now, or
 * on anything that has happened since boot; reason names the worst. */
enum pl_state pi_throttled_state(unsigned long flags, char *reason, size_t len);
/* thermal_zone "temp": millidegrees → degrees; 0 or -1. */
int pi_parse_millidegrees(const char *text, double *celsius);
/* /proc/meminfo → MemAvailable as a percentage of MemTotal; 0 or -1. */
int pi_parse_meminfo(const char *text, double *avail_pct);
/* Free space of a file system as an unprivileged user sees it, percent
 * of its size: f_bavail / f_blocks; -1 for a size of 0. */
double pi_free_pct(uint64_t blocks, uint64_t bavail);
/* The level of v against warning/critical: at or above (higher is worse)
 * or, with lower_worse, at or below. */
enum pl_state pi_level(double v, double warning, double critical,
		       bool lower_worse);

#endif
