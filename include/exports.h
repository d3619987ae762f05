/*
 * exports.h - what leaves the Pi besides the panel: Prometheus metrics
 * and a status page over HTTP, JSON event lines and syslog, and alert
 * webhooks.
 *
 * Lifecycle: exports_open() before privileges are dropped (it binds the
 * metrics socket) → exports_start() after (it opens the events file as
 * the user that will reopen it after a rotation) → exports_notify() after
 * every policy update → exports_reload() with each new config →
 * exports_close().  Everything runs from the loop: libmicrohttpd and
 * libcurl are driven by it, nothing blocks.
 */
#ifndef PL_EXPORTS_H
#define PL_EXPORTS_H

#include "config.h"
#include "control.h"
#include "status.h"

struct loop;
struct panel;
struct traffic;

/* Where the exports read what they do not get in exports_notify().  Every
 * member may be NULL; pointers must stay valid until exports_close() (or
 * are replaced with exports_set_sources()). */
struct exports_sources {
	const struct panel *panel;     /* the status page's LEDs and LCD */
	const struct traffic *traffic; /* capture and interface counters */
	/* Hardware error counters for /metrics, read at scrape time. */
	unsigned long (*lcd_errors)(void *arg);
	unsigned long (*gpio_errors)(void *arg);
	void *hw_arg;
	/* The control actions for /api/v1/ (control.http); NULL: none. */
	control_fn control;
	void *control_arg;
};

struct exports;

/* Returns NULL after logging one line naming what failed, e.g.
 * "metrics: cannot listen on 127.0.0.1:9775: Address already in use".
 * src is copied (NULL: none). */
struct exports *exports_open(struct loop *l, const struct pl_config *cfg,
			     const struct exports_sources *src);

/* Open the events file and the measurement stream's file (stdout, for
 * "-", is taken in exports_open()).  -1 after logging "events: cannot
 * open FILE: why" or "measurements: cannot open FILE: why". */
int exports_start(struct exports *e);

/* Switch to cfg (the old config may be freed after this returns).
 * Rebinds when metrics.listen changed, opens a new events file (the same
 * one is let go of if it was rotated: SIGHUP after log rotation), keeps
 * the webhook queues.
 * Returns 0, or -1/errno after logging why: the old setup stays. */
int exports_reload(struct exports *e, const struct pl_config *cfg);

/* Replace the sources (a module opened after the exports). */
void exports_set_sources(struct exports *e, const struct exports_sources *src);

/* The policy's status changed: write and send its new events.  st must
 * stay valid until the next call (policy_status() does). */
void exports_notify(struct exports *e, const struct status *st);

struct probe_result;

/* One result of check c of host h, whose own state is state: a line of
 * the measurement stream when one is configured (README "Measurement
 * stream").  Never blocks. */
void exports_measurement(struct exports *e, const struct host_cfg *h,
			 const struct check_cfg *c,
			 const struct probe_result *r, enum pl_state state);

/* Accepts NULL. */
void exports_close(struct exports *e);

#endif
