/*
 * policy.h - the one place where results become states and alarms.
 *
 * Lifecycle: policy_new() with a config → results and operator actions in
 * (acknowledge, maintenance) → policy_status() read by the panel and the
 * exports → policy_reload() on SIGHUP → policy_free().
 *
 * Nothing else decides a state.  Until a check has its first result it is
 * UNKNOWN with the reason "waiting for first result".  No alarm sounds
 * during start-up grace: until every check has decided a state, or
 * cfg->grace_ms after policy_new(), whichever comes first.
 */
#ifndef PL_POLICY_H
#define PL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "probe.h"
#include "status.h"

struct policy;

/* Returns NULL/errno.  cfg must outlive the policy (until reload). */
struct policy *policy_new(const struct pl_config *cfg, int64_t now_ns);

/* Accepts NULL. */
void policy_free(struct policy *p);

/* Adopt a new config: checks keep their state when a check of the same
 * name exists in both; new ones start UNKNOWN.  Start-up grace is not
 * restarted: if it is still running, it ends at the new grace counted
 * from policy_new(); if over, it stays over.  Returns 0 or -1/errno (the
 * old config stays in force). */
int policy_reload(struct policy *p, const struct pl_config *cfg,
		  int64_t now_ns);

/* One probe result for check idx (flat index, status.h). */
void policy_report(struct policy *p, int idx, const struct probe_result *r,
		   int64_t now_ns);

/* A trace check's route changed from old_path to new_path (formatted
 * hop lists): an event and a log line, not a state. */
void policy_route_changed(struct policy *p, int idx, const char *old_path,
			  const char *new_path, int64_t now_ns);

/* A MAC/IP pair never seen before appeared on the capture port: an
 * event, not a state.  mac, ip and name (names.h; NULL or "" when none is
 * known) are text: reason "new device NAME", detail "MAC IP NAME".  Past
 * STATUS_DEVICES_PER_S in a second they are only counted (status.h,
 * devices_unlisted). */
void policy_new_device(struct policy *p, const char *mac, const char *ip,
		       const char *name, int64_t now_ns);

/* Action name (config 'actions') started, ended or was held: an event
 * with reason (what happened) and detail (the target and its state). */
void policy_action_event(struct policy *p, const char *name, const char *reason,
			 const char *detail, int64_t now_ns);

/* Record (or, with NULL, clear) the error of a failed reload. */
void policy_set_config_error(struct policy *p, const char *msg);

/* Acknowledge the current alarm; false if there was none to acknowledge. */
bool policy_acknowledge(struct policy *p, int64_t now_ns);

/* Silence alarms until now + duration (the button's long press). */
void policy_maintenance(struct policy *p, int64_t now_ns, int64_t duration_ns);

/* The same from afar (operator.c): who ("root (uid 0)") goes into the
 * event's detail as "by WHO". */
bool policy_operator_ack(struct policy *p, int64_t now_ns, const char *who);
void policy_operator_maintenance(struct policy *p, int64_t now_ns,
				 int64_t duration_ns, const char *who);

/* End the maintenance window now; false if none was running. */
bool policy_end_maintenance(struct policy *p, int64_t now_ns, const char *who);

/* Keep the buzzer silent until now + duration, even for new problems
 * (status.h, mute_until_ns); the LEDs and the LCD still show them. */
void policy_mute(struct policy *p, int64_t now_ns, int64_t duration_ns,
		 const char *who);

/* When the host last sent traffic on the capture port (monotonic ns), or
 * -1 if never or unknown. */
typedef int64_t (*policy_last_seen_fn)(void *arg, int host);

/* Tell the policy how to ask (traffic capture): a host whose pings fail
 * while it is seen sending is "ICMP blocked", a WARNING, not down. */
void policy_set_last_seen(struct policy *p, policy_last_seen_fn fn, void *arg);

/* Every result as it arrives, with the state it alone says (a ping
 * burst without reply is CRITICAL even before fail_after makes the check
 * so): for the measurement stream, which the policy does not write. */
typedef void (*policy_result_fn)(void *arg, const struct host_cfg *h,
				 const struct check_cfg *c,
				 const struct probe_result *r,
				 enum pl_state state);
void policy_set_result_hook(struct policy *p, policy_result_fn fn, void *arg);

/*
 * What daemon.state_dir keeps across a restart (alarmfile.h reads and
 * writes it): the acknowledged alarm and the end of a maintenance window.
 * An acknowledgement is identified by what was bad when it was given: the
 * alarm level and each check at WARNING or worse with its state.  After a
 * restart a check's first change to a state no worse than remembered is
 * the same problem (no new alarm), and so is the alarm's first rise to a
 * level no higher; anything else is new and sounds.  The window's end is
 * wall-clock time, since the monotonic clock starts over at a reboot.
 */
struct policy_acked {
	char check[CFG_NAME_MAX];
	enum pl_state state; /* WARNING or CRITICAL */
};

struct policy_memory {
	int64_t maintenance_end_s;  /* wall clock, epoch seconds; 0: none */
	enum pl_state acked_level;  /* OK: nothing acknowledged */
	struct policy_acked *acked; /* n_acked, owned by its holder */
	size_t n_acked;
	uint64_t gen; /* changes whenever the rest does (policy_memory()) */
};

/* The policy's memory now; valid until the next policy call. */
const struct policy_memory *policy_memory(const struct policy *p);

/*
 * Adopt memory from before a restart (wall_s: the wall clock now).  A
 * window whose end has passed is over; one ending more than
 * CFG_MAINTENANCE_MAX_MS ahead (a clock set back, a damaged file) is
 * ignored.  Logs what it restores and what it drops.  Returns 1 when all
 * was taken as it was, 0 when something was dropped, -1/ENOMEM.
 */
int policy_restore(struct policy *p, const struct policy_memory *m,
		   int64_t now_ns, int64_t wall_s);

/* Is a time-dependent rule due at now_ns (a maintenance window or the
 * start-up grace has ended)?  Then call policy_tick(). */
bool policy_due(const struct policy *p, int64_t now_ns);

/* Re-evaluate time-dependent rules (the end of a maintenance window, of
 * the start-up grace). */
void policy_tick(struct policy *p, int64_t now_ns);

/* Scheduled maintenance windows (config 'maintenance', window.h): take
 * the ones on at wall-clock second wall_s, with an event for each that
 * started or ended.  Call once a wall-clock minute, on the minute, and
 * after a reload.  Returns true when the set of windows on changed. */
bool policy_windows(struct policy *p, int64_t now_ns, int64_t wall_s);

/* Is host (index into cfg->hosts; -1: the site as a whole) in
 * maintenance at now_ns: the button's, a site-wide window, or a window
 * whose scope names it?  For whatever must hold still then (actions). */
bool policy_in_maintenance(const struct policy *p, int host, int64_t now_ns);

/* Frames seen on the capture port (drives the activity LED). */
void policy_add_activity(struct policy *p, uint64_t frames);

/* The current snapshot; valid until the next policy call. */
const struct status *policy_status(const struct policy *p);

#endif
