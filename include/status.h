/*
 * status.h - the site's state as the policy module decided it.
 *
 * Data flows one way: probes and traffic → measurements → policy → this
 * snapshot → indicators and exports.  Only src/policy/ writes a struct
 * status; the panel, the LCD pages and the exports only read it.
 *
 * Arrays are sized from the config at policy_new() and stay put until the
 * next reload, so readers may keep indices (not pointers) across updates.
 */
#ifndef PL_STATUS_H
#define PL_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "state.h"

#define STATUS_REASON_MAX 64

struct check_status {
	enum pl_state state; /* as shown (after hysteresis) */
	int64_t since_ns;    /* monotonic time of the last change */
	bool have_result;    /* false until the first result */
	bool unreachable;    /* its host's parent is down */
	bool flapping;
	double value; /* the value that decided, NAN if none */
	char reason[STATUS_REASON_MAX];
	/* The newest result's measurements in the units of enum metric,
	 * NAN when not measured (for the exports); a ping's fastest and
	 * slowest reply in ms. */
	double values[METRIC_COUNT];
	double rtt_min_ms, rtt_max_ms;
};

/* Something that happened, for the LCD's alarms page, the log and the
 * exports.  Kept in a ring of STATUS_EVENTS; seq numbers them from 1. */
#define STATUS_EVENTS 64

/* New devices take at most this many ring slots a second; the rest are
 * only counted (struct status, devices_unlisted).  The exports read the
 * ring at least once a second (the traffic tick) and right after every
 * other event, so a flood of new devices fills at most half the ring
 * between two reads and never pushes a state change out of it. */
#define STATUS_DEVICES_PER_S (STATUS_EVENTS / 4)

enum event_kind {
	EVENT_STATE,	       /* a check changed state */
	EVENT_RELOAD,	       /* config reloaded, or a reload failed */
	EVENT_ACK,	       /* alarm acknowledged */
	EVENT_MAINTENANCE,     /* maintenance started (the button), or a
				 * scheduled window started or ended */
	EVENT_NEW_DEVICE,      /* traffic from an address not seen before:
				 * reason names it, check is "" */
	EVENT_ROUTE,	       /* a trace check's path changed: detail has
				 * "OLD -> NEW" */
	EVENT_ACTION,	       /* an action ran, ended or was held: check
				 * names the action, reason says what,
				 * detail the target, its state and why */
	EVENT_MUTE,	       /* buzzer muted for a while (pilotlight ctl) */
	EVENT_MAINTENANCE_END, /* maintenance ended early (pilotlight ctl) */
	EVENT_KIND_COUNT,
};

struct pl_event {
	uint64_t seq;
	int64_t mono_ns;
	int64_t wall_ns;
	enum event_kind kind;
	char check[CFG_NAME_MAX]; /* "" when not about a check */
	enum pl_state old_state, new_state;
	enum metric metric;	 /* METRIC_COUNT: none decided */
	double value, threshold; /* NAN when none */
	char reason[STATUS_REASON_MAX];
	char detail[192]; /* longer context (paths), "" if none */
};

struct host_status {
	enum pl_state state; /* worst of its checks */
	int64_t since_ns;
	bool unreachable;
};

struct status {
	const struct pl_config *cfg;
	struct check_status *checks; /* flat: host 0's checks, host 1's... */
	int n_checks;
	struct host_status *hosts; /* cfg->n_hosts */
	enum pl_state groups[CFG_MAX_GROUPS];
	enum pl_state overall; /* worst of everything */
	int n_ok;	       /* hosts in OK */
	int n_bad;	       /* hosts WARNING or CRITICAL */

	bool alarm;		      /* a problem the buzzer should sound */
	enum pl_state alarm_state;    /* its level */
	bool acknowledged;	      /* the alarm was acknowledged */
	int64_t maintenance_until_ns; /* 0: none */
	/* Scheduled maintenance windows on now (bit i: cfg->windows[i]);
	 * window_site when one of them silences the whole site; window is
	 * the one the LCD names (NULL: none; in cfg), ending at
	 * window_until_ns (monotonic, as the wall clock stood at the last
	 * check). */
	uint32_t windows;
	bool window_site;
	const struct window_cfg *window;
	int64_t window_until_ns;
	int64_t mute_until_ns; /* buzzer silent before; 0: none */
	/* Start-up grace: no alarm until every check has decided or this
	 * time has come, whichever is first; 0 once it is over. */
	int64_t grace_until_ns;

	struct pl_event events[STATUS_EVENTS];
	uint64_t n_events; /* seq of the newest event */
	/* New devices beyond STATUS_DEVICES_PER_S a second: how many since
	 * start, and the newest of them ("MAC IP", monotonic time). */
	uint64_t devices_unlisted;
	char device_unlisted[64];
	int64_t device_unlisted_ns;

	uint64_t activity;	/* frames seen on the capture port */
	int64_t started_ns;	/* daemon start (monotonic) */
	char config_error[240]; /* last failed reload, "" if none */
};

/* The event with sequence number seq, or NULL if it is no longer (or not
 * yet) in the ring. */
const struct pl_event *status_event(const struct status *st, uint64_t seq);

/* Flat index of host h's check c. */
int status_check_index(const struct pl_config *cfg, int host, int check);

#endif
