/*
 * alarmfile.h - STATE_DIR/alarm-state: the policy's memory (policy.h,
 * struct policy_memory) across a restart or a reboot.
 *
 * Lifecycle: alarmfile_open() → alarmfile_load() once, handed to
 * policy_restore() → alarmfile_sync() after every change the policy may
 * have made (saves when the memory changed, and after a failure again
 * with backoff) → alarmfile_close() saves what is still unsaved.
 *
 * The file is text, one fact a line, fields separated by tabs:
 *
 *	maintenance_end	EPOCH_SECONDS
 *	acknowledged	LEVEL			(warning | critical)
 *	acked	CHECK	STATE			(one per check bad when acked)
 *
 * "#" starts a comment.  It is written whole and atomically (statefile.h)
 * and read without trusting it: a missing file is nothing remembered; a
 * directory, FIFO, a file over ALARMFILE_MAX_BYTES or unreadable is
 * logged and ignored; a bad line (unknown key, bad number or state, too
 * long, cut off) is logged as FILE:LINE and skipped.  A failed save is
 * logged once and retried (ALARMFILE_RETRY_MIN_S doubling to a minute);
 * one failing at close is always logged.
 */
#ifndef PL_ALARMFILE_H
#define PL_ALARMFILE_H

#include <stdint.h>

#include "policy.h"

#define ALARMFILE_NAME	      "alarm-state"
#define ALARMFILE_MAX_BYTES   (1u << 20)
#define ALARMFILE_LINE_MAX    127
#define ALARMFILE_RETRY_MIN_S 1

struct alarmfile;

/* The file in state_dir.  Returns NULL/ENOMEM. */
struct alarmfile *alarmfile_open(const char *state_dir);

/* Read the file into *m (its acked array the caller frees with
 * alarmfile_memory_free()).  Returns 1 when the file was clean or
 * missing, 0 when something in it was skipped (it is rewritten at the
 * next sync), -1/ENOMEM. */
int alarmfile_load(struct alarmfile *af, struct policy_memory *m);

/* Free what alarmfile_load() allocated; accepts an empty memory. */
void alarmfile_memory_free(struct policy_memory *m);

/* The file holds memory generation gen (after a clean load and restore). */
void alarmfile_saved(struct alarmfile *af, uint64_t gen);

/* Save m if its generation is not the one on disk and no retry is
 * pending before now_ns (monotonic). */
void alarmfile_sync(struct alarmfile *af, const struct policy_memory *m,
		    int64_t now_ns);

/* Save m if unsaved (failure logged: what is lost), then free.  Accepts
 * NULL af; m may be NULL (nothing to save). */
void alarmfile_close(struct alarmfile *af, const struct policy_memory *m);

#endif
