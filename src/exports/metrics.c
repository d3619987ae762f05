/*
 * metrics.c - the policy's status and the daemon's own health in the
 * Prometheus text exposition format (version 0.0.4).
 *
 * Conventions (STYLE.md): every name starts with pilotlight_, values are
 * in base units (seconds, ratios 0..1, bytes), counters end in _total.
 * States are the monitoring-plugins numbers of state.h (OK 0, WARNING 1,
 * CRITICAL 2, UNKNOWN 3).  A value that was not measured is left out
 * rather than written as NaN, so a dashboard shows a gap, not a zero.
 * Per-check families are table driven: one row per family, one sample
 * per check that has a value for it.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "exports_int.h"

#define SECONDS_PER_DAY 86400.0

void prom_family(struct xbuf *b, const char *name, const char *type,
		 const char *help)
{
	xbuf_puts(b, "# HELP ");
	xbuf_puts(b, name);
	xbuf_put(b, " ", 1);
	xbuf_puts(b, help);
	xbuf_puts(b, "\n# TYPE ");
	xbuf_puts(b, name);
	xbuf_put(b, " ", 1);
	xbuf_puts(b, type);
	xbuf_put(b, "\n", 1);
}

void prom_label_value(struct xbuf *b, const char *v)
{
	const char *run = v;

	xbuf_put(b, "\"", 1);
	for (; *v; v++) {
		const char *esc;

		if (*v == '\\')
			esc = "\\\\";
		else if (*v == '"')
			esc = "\\\"";
		else if (*v == '\n')
			esc = "\\n";
		else
			continue;
		xbuf_put(b, run, (size_t)(v - run));
		xbuf_puts(b, esc);
		run = v + 1;
	}
	xbuf_put(b, run, (size_t)(v - run));
	xbuf_put(b, "\"", 1);
}

void prom_value(struct xbuf *b, double v)
{
	xbuf_put(b, " ", 1);
	if (isnan(v)) {
		xbuf_puts(b, "NaN");
	} else if (isinf(v)) {
		xbuf_puts(b, v > 0 ? "+Inf" : "-Inf");
	} else if (v >= 0 && v < 1e15 && v == (double)(uint64_t)v) {
		xbuf_u64(b, (uint64_t)v); /* states, flags, counts: fast */
	} else {
		xbuf_printf(b, "%.15g", v);
	}
	xbuf_put(b, "\n", 1);
}

void prom_sample1(struct xbuf *b, const char *name, const char *k,
		  const char *v, double value)
{
	xbuf_puts(b, name);
	if (k) {
		xbuf_put(b, "{", 1);
		xbuf_puts(b, k);
		xbuf_put(b, "=", 1);
		prom_label_value(b, v);
		xbuf_put(b, "}", 1);
	}
	prom_value(b, value);
}

static void gauge(struct xbuf *b, const char *name, const char *help, double v)
{
	prom_family(b, name, "gauge", help);
	prom_sample1(b, name, NULL, NULL, v);
}

static void counter(struct xbuf *b, const char *name, const char *help,
		    uint64_t v)
{
	prom_family(b, name, "counter", help);
	xbuf_puts(b, name);
	xbuf_put(b, " ", 1);
	xbuf_u64(b, v);
	xbuf_put(b, "\n", 1);
}

/* ---- per check -------------------------------------------------------- */

struct check_row {
	const struct check_status *cs;
	const struct check_cfg *cc;
	const struct metrics_self *self;
};

typedef double (*check_get_fn)(const struct check_row *r);

struct check_family {
	const char *name, *type, *help;
	bool with_type;	  /* add the type="..." label */
	check_get_fn get; /* NAN: no sample for this check */
};

static double measured(const struct check_row *r, enum metric m)
{
	return r->cs->have_result ? r->cs->values[m] : NAN;
}

static double ping_only(const struct check_row *r, double v)
{
	return r->cc->type == CHECK_PING ? v : NAN;
}

static double get_state(const struct check_row *r)
{
	return r->cs->state;
}

static double get_up(const struct check_row *r)
{
	return r->cs->state == STATE_OK;
}

static double get_flapping(const struct check_row *r)
{
	return r->cs->flapping;
}

static double get_unreachable(const struct check_row *r)
{
	return r->cs->unreachable;
}

static double get_since(const struct check_row *r)
{
	int64_t wall = r->self->wall_ns - (r->self->now_ns - r->cs->since_ns);

	return (double)(wall / NS_PER_MS) / 1000.0;
}

static double get_rtt_avg(const struct check_row *r)
{
	return ping_only(r, measured(r, METRIC_RTT) / 1000.0);
}

/* min and max only with an average: a ping that got no reply has none. */
static double get_rtt_min(const struct check_row *r)
{
	return isnan(get_rtt_avg(r)) ? NAN : r->cs->rtt_min_ms / 1000.0;
}

static double get_rtt_max(const struct check_row *r)
{
	return isnan(get_rtt_avg(r)) ? NAN : r->cs->rtt_max_ms / 1000.0;
}

static double get_jitter(const struct check_row *r)
{
	return ping_only(r, measured(r, METRIC_JITTER) / 1000.0);
}

static double get_loss(const struct check_row *r)
{
	return ping_only(r, measured(r, METRIC_LOSS) / 100.0);
}

static double get_response(const struct check_row *r)
{
	return measured(r, METRIC_RESPONSE_TIME) / 1000.0;
}

static double get_cert(const struct check_row *r)
{
	return measured(r, METRIC_CERT_DAYS) * SECONDS_PER_DAY;
}

/* clang-format off */
static const struct check_family check_families[] = {
	{ "pilotlight_check_state", "gauge",
	  "State of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
	  true, get_state },
	{ "pilotlight_check_up", "gauge",
	  "1 if the check is OK, else 0.", true, get_up },
	{ "pilotlight_check_flapping", "gauge",
	  "1 while the check changes state often (6 changes in 20 results).", true,
	  get_flapping },
	{ "pilotlight_check_unreachable", "gauge",
	  "1 while a parent host of the check's host is down.", true,
	  get_unreachable },
	{ "pilotlight_check_last_change_timestamp_seconds", "gauge",
	  "When the check entered its current state (Unix time).", true,
	  get_since },
	{ "pilotlight_ping_rtt_min_seconds", "gauge",
	  "Fastest echo reply of the last ping round.", false, get_rtt_min },
	{ "pilotlight_ping_rtt_avg_seconds", "gauge",
	  "Mean echo round-trip time of the last ping round.", false,
	  get_rtt_avg },
	{ "pilotlight_ping_rtt_max_seconds", "gauge",
	  "Slowest echo reply of the last ping round.", false, get_rtt_max },
	{ "pilotlight_ping_jitter_seconds", "gauge",
	  "Mean difference between consecutive round trips of the last "
	  "ping round.", false, get_jitter },
	{ "pilotlight_ping_loss_ratio", "gauge",
	  "Share of echo requests of the last ping round without a reply "
	  "(0..1).", false, get_loss },
	{ "pilotlight_response_time_seconds", "gauge",
	  "Time to the answer of the last tcp, http or dns probe.", true,
	  get_response },
	{ "pilotlight_cert_expiry_seconds", "gauge",
	  "Time left until the served TLS certificate expires.", false,
	  get_cert },
};
/* clang-format on */

#define N_CHECK_FAMILIES (sizeof(check_families) / sizeof(check_families[0]))

static void check_labels(struct xbuf *b, const struct check_cfg *cc,
			 const struct host_cfg *hc, bool with_type)
{
	xbuf_puts(b, "{check=");
	prom_label_value(b, cc->name);
	xbuf_puts(b, ",host=");
	prom_label_value(b, hc->name);
	if (with_type) {
		xbuf_puts(b, ",type=");
		prom_label_value(b, check_type_name(cc->type));
	}
	xbuf_put(b, "}", 1);
}

/* One family over every check; the HELP/TYPE only when a sample
 * follows. */
static void render_check_family(struct xbuf *b, const struct status *st,
				const struct metrics_self *self,
				const struct check_family *f)
{
	const struct pl_config *cfg = st->cfg;
	bool head = false;
	int idx = 0;

	for (int h = 0; h < cfg->n_hosts; h++) {
		const struct host_cfg *hc = &cfg->hosts[h];

		for (int c = 0; c < hc->n_checks && idx < st->n_checks;
		     c++, idx++) {
			struct check_row r = { &st->checks[idx], &hc->checks[c],
					       self };
			double v = f->get(&r);

			if (isnan(v))
				continue;
			if (!head)
				prom_family(b, f->name, f->type, f->help);
			head = true;
			xbuf_puts(b, f->name);
			check_labels(b, r.cc, hc, f->with_type);
			prom_value(b, v);
		}
	}
}

/* ---- hosts, groups, site, alarm --------------------------------------- */

static void render_rollup(struct xbuf *b, const struct status *st,
			  const struct metrics_self *self)
{
	const struct pl_config *cfg = st->cfg;

	if (cfg->n_hosts > 0)
		prom_family(b, "pilotlight_host_state", "gauge",
			    "Worst state of the host's checks (UNKNOWN while "
			    "a parent is down).");
	for (int h = 0; h < cfg->n_hosts; h++)
		prom_sample1(b, "pilotlight_host_state", "host",
			     cfg->hosts[h].name, st->hosts[h].state);
	if (cfg->n_groups > 0)
		prom_family(b, "pilotlight_group_state", "gauge",
			    "State of the group by its rule.");
	for (int g = 0; g < cfg->n_groups; g++)
		prom_sample1(b, "pilotlight_group_state", "group",
			     cfg->groups[g].name, st->groups[g]);
	gauge(b, "pilotlight_site_state",
	      "Worst state of every host, as the status LED shows it.",
	      st->overall);
	gauge(b, "pilotlight_alarm_active",
	      "1 while an alarm sounds or would sound.", st->alarm);
	gauge(b, "pilotlight_alarm_state",
	      "Level of the alarm (a state), 0 without one.", st->alarm_state);
	gauge(b, "pilotlight_alarm_acknowledged",
	      "1 if the current alarm was acknowledged.", st->acknowledged);
	gauge(b, "pilotlight_maintenance_active",
	      "1 during a maintenance window (alarms silenced).",
	      st->maintenance_until_ns > self->now_ns || st->window_site);
	counter(b, "pilotlight_events_total",
		"Events the policy raised (state changes, reloads, "
		"acknowledgements, maintenance, new devices).",
		st->n_events);
}

/* ---- the daemon itself ------------------------------------------------ */

static void render_webhooks(struct xbuf *b, const struct metrics_self *s)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "pilotlight_webhook_sent_total", "counter",
		  "Alerts the webhook receiver accepted." },
		{ "pilotlight_webhook_failed_total", "counter",
		  "Alerts given up after max_retries or a refusal." },
		{ "pilotlight_webhook_dropped_total", "counter",
		  "Alerts dropped unsent because the queue was full." },
		{ "pilotlight_webhook_queue_length", "gauge",
		  "Alerts waiting to be delivered." },
	};

	if (s->n_webhooks == 0)
		return;
	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		prom_family(b, fam[f].name, fam[f].type, fam[f].help);
		for (int i = 0; i < s->n_webhooks; i++) {
			const struct metrics_webhook *w = &s->webhooks[i];
			double v = f == 0   ? (double)w->sent
				   : f == 1 ? (double)w->failed
				   : f == 2 ? (double)w->dropped
					    : (double)w->queued;

			prom_sample1(b, fam[f].name, "webhook", w->name, v);
		}
	}
}

static void render_http(struct xbuf *b, const struct metrics_self *s)
{
	static const char *const why[HTTPD_DROP_COUNT] = {
		[HTTPD_DROP_NOT_ALLOWED] = "not_allowed",
		[HTTPD_DROP_SHED] = "shed",
		[HTTPD_DROP_TIMEOUT] = "timeout",
	};
	static const char name[] = "pilotlight_http_connections_dropped_total";

	if (!s->have_http)
		return;
	prom_family(b, name, "counter",
		    "Connections to this endpoint closed unanswered: not in "
		    "metrics.allow, shed at max_connections, or past "
		    "request_timeout.");
	for (int i = 0; i < HTTPD_DROP_COUNT; i++)
		prom_sample1(b, name, "reason", why[i],
			     (double)s->http_drops[i]);
}

static double wall_s(int64_t ns)
{
	return (double)(ns / NS_PER_MS) / 1000.0;
}

static void render_self(struct xbuf *b, const struct status *st,
			const struct metrics_self *s)
{
	prom_family(b, "pilotlight_build_info", "gauge",
		    "Version of the running daemon (always 1).");
	prom_sample1(b, "pilotlight_build_info", "version", PL_VERSION, 1);
	gauge(b, "pilotlight_start_time_seconds",
	      "When the daemon started (Unix time).", wall_s(s->start_wall_ns));
	gauge(b, "pilotlight_config_last_reload_successful",
	      "1 if the last configuration (re)load succeeded.",
	      !st || st->config_error[0] == '\0');
	gauge(b, "pilotlight_config_last_reload_success_timestamp_seconds",
	      "When a configuration was last loaded successfully (Unix "
	      "time).",
	      wall_s(s->reload_ok_wall_ns));
	gauge(b, "pilotlight_loop_lag_seconds",
	      "Worst lateness of a timer in the event loop since the "
	      "previous scrape.",
	      s->loop_lag_s);
	counter(b, "pilotlight_log_messages_dropped_total",
		"Log messages dropped by the log rate limit.", s->log_dropped);
	if (s->have_lcd_errors)
		counter(b, "pilotlight_lcd_errors_total",
			"I2C errors talking to the LCD.", s->lcd_errors);
	if (s->have_gpio_errors)
		counter(b, "pilotlight_gpio_errors_total",
			"Errors setting or reading GPIO lines.",
			s->gpio_errors);
	counter(b, "pilotlight_events_written_total",
		"Events written to the events file or syslog.",
		s->events_written);
	counter(b, "pilotlight_events_suppressed_total",
		"Events not written because of a rate limit.",
		s->events_suppressed);
	counter(b, "pilotlight_events_lost_total",
		"Events lost: out of the policy's ring unread, or dropped "
		"while the events file could not be written.",
		s->events_lost);
	render_webhooks(b, s);
	render_http(b, s);
}

void metrics_render(struct xbuf *b, const struct status *st,
		    const struct metrics_self *self)
{
	render_self(b, st, self);
	if (!st || !st->cfg)
		return;
	for (size_t f = 0; f < N_CHECK_FAMILIES; f++)
		render_check_family(b, st, self, &check_families[f]);
	render_rollup(b, st, self);
}
