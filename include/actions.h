/*
 * actions.h - act on a failure: run a command or pulse a relay when a
 * host or group stays bad (config 'actions', README "Actions").
 *
 * Lifecycle: actions_open() → actions_update() after every status change
 * (it also keeps a timer of its own for delays that pass without one) →
 * actions_reload() once a new config is in force → actions_close().
 *
 * When to run is action_rule.h's; this module carries runs out.  A
 * command is an exec probe (exec_probe.h: its own process group, the
 * timeout, the reaper) with PL_ACTION, PL_TARGET, PL_STATE and PL_REASON
 * added to the environment; a pulse energises the relay through the panel
 * (panel_set_relay()) and releases it after the duration from a loop
 * timer.  Every start, end and hold is an event (policy_action_event()).
 */
#ifndef PL_ACTIONS_H
#define PL_ACTIONS_H

#include <stdint.h>

#include "config.h"

struct actions;
struct loop;
struct panel;
struct policy;
struct reaper;

/* Called after the actions added events outside actions_update() (a run
 * ended, a delay passed): show the status. */
typedef void (*actions_notify_fn)(void *arg);

/* Returns NULL/errno.  cfg must stay valid until the next reload. */
struct actions *actions_open(struct loop *l, struct reaper *reaper,
			     struct policy *pol, struct panel *panel,
			     const struct pl_config *cfg,
			     actions_notify_fn notify, void *arg);

/* Weigh every action against the policy's status now. */
void actions_update(struct actions *a, int64_t now_ns);

/* A new config is in force: running commands are killed and pulses end
 * (each an event); run times are kept for actions of the same name. */
void actions_reload(struct actions *a, const struct pl_config *cfg,
		    int64_t now_ns);

/* Kill running commands, release energised relays; accepts NULL. */
void actions_close(struct actions *a, int64_t now_ns);

#endif
