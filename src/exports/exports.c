/*
 * exports.c - ties the exports to the loop and to the policy's status:
 * the HTTP server renders on demand from the last status it was given,
 * and each exports_notify() reads the events the policy added since the
 * previous call (by sequence number) and hands them to the events writer
 * and the webhooks, with the count of new devices the policy did not put
 * in its ring.  A reload prepares a new events file and socket
 * first and swaps only when everything is ready.  The events file is
 * opened only once privileges are dropped (exports_start()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exports.h"
#include "exports_int.h"
#include "log.h"
#include "loop.h"
#include "netdev.h"
#include "panel.h"
#include "procself.h"

struct exports {
	struct loop *l;
	const struct pl_config *cfg;
	struct exports_sources src;
	const struct status *st;	       /* last notified; NULL before */
	struct httpd *httpd;		       /* NULL: metrics disabled */
	struct metrics_cfg served;	       /* what httpd was opened with */
	uint64_t http_drops[HTTPD_DROP_COUNT]; /* of servers closed */
	struct events *events;
	struct measurements *meas;
	struct webhooks *webhooks;
	uint64_t last_seq; /* newest event handed on */
	uint64_t unlisted; /* st->devices_unlisted handed on */
	int64_t start_wall_ns, reload_ok_wall_ns;
	int64_t flush_timer;
	int64_t flush_ns;	 /* when flush_timer fires (monotonic) */
	struct netdev_table ifs; /* read per scrape */
	bool ifs_failed;	 /* the last read failed (logged) */
};

/* ---- rendering -------------------------------------------------------- */

static void gather_self(struct exports *e, struct metrics_self *s,
			struct metrics_webhook *wh)
{
	struct events_counts n;

	events_counts(e->events, &n);
	*s = (struct metrics_self){
		.now_ns = clock_now_ns(),
		.wall_ns = clock_wall_ns(),
		.start_wall_ns = e->start_wall_ns,
		.reload_ok_wall_ns = e->reload_ok_wall_ns,
		.loop_lag_s = (double)loop_take_lag_ns(e->l) / NS_PER_S,
		.log_dropped = log_dropped(),
		.events_written = n.written,
		.events_suppressed = n.suppressed,
		.events_lost = n.lost,
		.webhooks = wh,
		.n_webhooks = webhooks_stats(e->webhooks, wh, CFG_MAX_WEBHOOKS),
		.have_http = e->httpd != NULL,
	};
	memcpy(s->http_drops, e->http_drops, sizeof(s->http_drops));
	httpd_add_drops(e->httpd, s->http_drops);
	if (e->src.lcd_errors) {
		s->have_lcd_errors = true;
		s->lcd_errors = e->src.lcd_errors(e->src.hw_arg);
	}
	if (e->src.gpio_errors) {
		s->have_gpio_errors = true;
		s->gpio_errors = e->src.gpio_errors(e->src.hw_arg);
	}
}

/* Interfaces and the process are read when a scrape asks, not on a
 * timer; a failed read leaves their families out (and is logged once). */
static void render_system(struct exports *e, struct xbuf *out)
{
	struct procself proc;
	bool have_ifs = netdev_read(&e->ifs, &e->cfg->interfaces, NULL) == 0;
	bool have_proc = procself_read(&proc, NULL) == 0;

	if (!have_ifs && !e->ifs_failed)
		log_msg(LOG_WARNING, "metrics: cannot read interfaces: %s",
			strerror(errno));
	e->ifs_failed = !have_ifs;
	metrics_render_system(out, have_ifs ? &e->ifs : NULL,
			      have_proc ? &proc : NULL, e->cfg);
}

static const char *render(void *arg, enum httpd_page page, struct xbuf *out)
{
	struct exports *e = arg;
	struct metrics_webhook wh[CFG_MAX_WEBHOOKS];
	struct metrics_self self;
	struct measurements_counts mc;

	switch (page) {
	case HTTPD_METRICS:
		gather_self(e, &self, wh);
		metrics_render(out, e->st, &self);
		render_system(e, out);
		measurements_counts(e->meas, &mc);
		measurements_render(out, &mc);
		metrics_render_traffic(out, e->src.traffic, e->cfg);
		return METRICS_CONTENT_TYPE;
	case HTTPD_STATUS:
		status_page_render(out, e->st,
				   e->src.panel ? panel_view(e->src.panel)
						: NULL,
				   clock_now_ns(), clock_wall_ns());
		return "text/html; charset=utf-8";
	default:
		xbuf_puts(out, "ok\n");
		return "text/plain; charset=utf-8";
	}
}

/* ---- events ----------------------------------------------------------- */

static int64_t on_flush(struct loop *l, void *arg)
{
	struct exports *e = arg;
	int64_t now = clock_now_ns();
	int64_t next = events_flush(e->events, now);

	(void)l;
	if (next < 0)
		e->flush_timer = 0;
	else
		e->flush_ns = now + next;
	return next < 0 ? LOOP_TIMER_DONE : next;
}

/* A summary or a retry of held lines is due: make sure the timer fires
 * no later than that. */
static void schedule_flush(struct exports *e, int64_t now_ns)
{
	int64_t next = events_flush(e->events, now_ns);

	if (next < 0 || (e->flush_timer > 0 && e->flush_ns <= now_ns + next))
		return;
	if (e->flush_timer > 0)
		loop_del_timer(e->l, e->flush_timer);
	e->flush_timer = loop_add_timer(e->l, next, on_flush, e);
	if (e->flush_timer < 0)
		e->flush_timer = 0;
	e->flush_ns = now_ns + next;
}

void exports_notify(struct exports *e, const struct status *st)
{
	int64_t now = clock_now_ns();
	uint64_t seq, oldest;

	if (!e || !st)
		return;
	e->st = st;
	if (st->n_events < e->last_seq) { /* a new policy: nothing to say */
		e->last_seq = st->n_events;
		e->unlisted = st->devices_unlisted;
	}
	oldest = st->n_events >= STATUS_EVENTS
			 ? st->n_events - STATUS_EVENTS + 1
			 : 1;
	if (e->last_seq + 1 < oldest) {
		events_lost(e->events, oldest - e->last_seq - 1);
		e->last_seq = oldest - 1;
	}
	for (seq = e->last_seq + 1; seq <= st->n_events; seq++) {
		const struct pl_event *ev = status_event(st, seq);

		if (!ev)
			continue;
		events_emit(e->events, ev, now);
		webhooks_event(e->webhooks, ev);
	}
	e->last_seq = st->n_events;
	if (st->devices_unlisted > e->unlisted)
		events_unlisted(e->events, st->devices_unlisted - e->unlisted,
				st->device_unlisted, st->device_unlisted_ns);
	e->unlisted = st->devices_unlisted;
	schedule_flush(e, now);
}

void exports_measurement(struct exports *e, const struct host_cfg *h,
			 const struct check_cfg *c,
			 const struct probe_result *r, enum pl_state state)
{
	struct measurement m = {
		.wall_ns = clock_wall_ns(),
		.host = h->name,
		.check = c->name,
		.type = check_type_name(c->type),
		.state = state,
		.r = r,
	};

	if (e)
		measurements_write(e->meas, &m);
}

/* ---- opening and reloading ------------------------------------------- */

/* The stream for a reload: the same file lets go of a rotated one at
 * once (SIGHUP after log rotation); another one is opened in *out for the
 * swap. */
static int reload_measurements(struct exports *e, const struct pl_config *cfg,
			       struct measurements **out)
{
	char err[CFG_PATH_MAX + 64];

	*out = NULL;
	if (measurements_same(e->meas, cfg->measurements.file)) {
		/* a path that cannot be created again is logged there, and
		 * its lines dropped until it can be */
		measurements_reopen(e->meas);
		return 0;
	}
	*out = measurements_open(e->l, cfg->measurements.file, err,
				 sizeof(err));
	if (!*out)
		log_always(LOG_ERR, "%s", err);
	return *out ? 0 : -1;
}

static int open_measurements(struct exports *e, const struct pl_config *cfg)
{
	char err[CFG_PATH_MAX + 64];

	e->meas = measurements_open(e->l, cfg->measurements.file, err,
				    sizeof(err));
	if (!e->meas)
		log_always(LOG_ERR, "%s", err);
	return e->meas ? 0 : -1;
}

static struct events *open_events(const struct pl_config *cfg)
{
	struct events_params p = { .cfg = &cfg->events };
	struct events *ev;
	char err[CFG_PATH_MAX + 64];

	ev = events_open(&p, err, sizeof(err));
	if (!ev)
		log_always(LOG_ERR, "%s", err);
	return ev;
}

/* The events writer for a reload: a new one for another file; for the
 * same file *out is NULL and the open one is kept (it follows a rotation
 * by itself, and what it holds stays queued). */
static int reload_events(struct exports *e, const struct pl_config *cfg,
			 struct events **out)
{
	*out = NULL;
	if (strcmp(cfg->events.file, e->cfg->events.file) == 0)
		return 0;
	*out = open_events(cfg);
	return *out ? 0 : -1;
}

/* Close the server, keeping its counts. */
static void close_httpd(struct exports *e)
{
	httpd_add_drops(e->httpd, e->http_drops);
	httpd_close(e->httpd);
	e->httpd = NULL;
}

/* /api/: the control actions, with the config in force now (its token). */
static int answer_api(void *arg, struct MHD_Connection *c, const char *method,
		      const char *url)
{
	struct exports *e = arg;

	return control_api_answer(&e->cfg->control, e->src.control,
				  e->src.control_arg, c, method, url);
}

/* A server for m; NULL after logging why.  A port the old server holds
 * under another address ("127.0.0.1:9775" → "0.0.0.0:9775") or with
 * other limits is released first and taken back if the new one fails. */
static struct httpd *open_httpd(struct exports *e, const struct metrics_cfg *m)
{
	char err[128];
	struct httpd *h;
	int fd = httpd_listen(m->listen, err, sizeof(err));

	if (fd < 0 && errno == EADDRINUSE && e->httpd) {
		close_httpd(e);
		fd = httpd_listen(m->listen, err, sizeof(err));
		if (fd < 0)
			e->httpd = open_httpd(e, &e->served);
	}
	if (fd < 0) {
		log_always(LOG_ERR, "metrics: %s", err);
		return NULL;
	}
	h = httpd_open(e->l, fd, m, render, e);
	if (h)
		httpd_set_api(h, answer_api);
	if (!h)
		log_always(LOG_ERR, "metrics: cannot serve on %s: %s",
			   m->listen, strerror(errno));
	return h;
}

/* Would a server for a serve exactly as one for b does? */
static bool same_server(const struct metrics_cfg *a,
			const struct metrics_cfg *b)
{
	return strcmp(a->listen, b->listen) == 0 &&
	       a->max_connections == b->max_connections &&
	       a->per_address_limit == b->per_address_limit &&
	       a->request_timeout_ms == b->request_timeout_ms &&
	       a->n_allow == b->n_allow &&
	       memcmp(a->allow, b->allow,
		      (size_t)a->n_allow * sizeof(a->allow[0])) == 0;
}

/* Serve cfg's metrics setting; on failure the old server stays. */
static int switch_httpd(struct exports *e, const struct pl_config *cfg)
{
	const struct metrics_cfg *m = &cfg->metrics;
	struct httpd *h = NULL;

	if (m->enabled == (e->httpd != NULL) &&
	    (!m->enabled || same_server(m, &e->served)))
		return 0;
	if (m->enabled) {
		h = open_httpd(e, m);
		if (!h)
			return -1;
	}
	close_httpd(e);
	e->httpd = h;
	e->served = *m;
	return 0;
}

int exports_reload(struct exports *e, const struct pl_config *cfg)
{
	struct events *ev;
	struct events_counts n;
	struct measurements *meas;
	struct measurements_counts mc;

	if (reload_events(e, cfg, &ev) < 0)
		goto fail;
	if (reload_measurements(e, cfg, &meas) < 0)
		goto fail_ev;
	if (switch_httpd(e, cfg) < 0)
		goto fail_meas;
	if (webhooks_reload(e->webhooks, cfg) < 0) {
		log_always(LOG_ERR, "webhooks: %s", strerror(errno));
		goto fail_meas; /* the new listener stays: harmless */
	}
	if (meas) {
		measurements_counts(e->meas, &mc);
		measurements_set_counts(meas, &mc);
		measurements_close(e->meas);
		e->meas = meas;
	}
	if (ev) {
		events_counts(e->events, &n);
		events_set_counts(ev, &n);
		events_close(e->events);
		e->events = ev;
	} else {
		events_configure(e->events, &cfg->events);
		events_reopen(e->events, clock_now_ns());
	}
	e->cfg = cfg;
	e->reload_ok_wall_ns = clock_wall_ns();
	schedule_flush(e, clock_now_ns());
	return 0;

fail_meas:
	measurements_close(meas);
fail_ev:
	events_close(ev);
fail:
	errno = EINVAL;
	return -1;
}

void exports_set_sources(struct exports *e, const struct exports_sources *src)
{
	if (e)
		e->src = src ? *src : (struct exports_sources){ 0 };
}

struct exports *exports_open(struct loop *l, const struct pl_config *cfg,
			     const struct exports_sources *src)
{
	struct exports *e = calloc(1, sizeof(*e));

	if (!e) {
		log_always(LOG_ERR, "exports: %s", strerror(errno));
		return NULL;
	}
	e->l = l;
	e->cfg = cfg;
	exports_set_sources(e, src);
	e->start_wall_ns = e->reload_ok_wall_ns = clock_wall_ns();
	/* stdout now: /proc/self/fd is root's once privileges are dropped */
	if (strcmp(cfg->measurements.file, "-") == 0 &&
	    open_measurements(e, cfg) < 0)
		goto fail;
	if (switch_httpd(e, cfg) < 0)
		goto fail_meas;
	e->webhooks = webhooks_open(l, cfg);
	if (!e->webhooks) {
		log_always(LOG_ERR, "webhooks: %s", strerror(errno));
		goto fail_httpd;
	}
	return e;

fail_httpd:
	httpd_close(e->httpd);
fail_meas:
	measurements_close(e->meas);
fail:
	free(e);
	return NULL;
}

int exports_start(struct exports *e)
{
	if (e && !e->meas && open_measurements(e, e->cfg) < 0)
		return -1;
	if (!e || e->events)
		return 0;
	e->events = open_events(e->cfg);
	return e->events ? 0 : -1;
}

void exports_close(struct exports *e)
{
	if (!e)
		return;
	httpd_close(e->httpd);
	webhooks_close(e->webhooks);
	events_close(e->events);
	measurements_close(e->meas);
	if (e->flush_timer > 0)
		loop_del_timer(e->l, e->flush_timer);
	free(e);
}
