/*
 * events.c - the policy's events as JSON lines (a file or stdout) and as
 * syslog messages at matching levels.
 *
 * Only events are written, never samples: a state change, a reload, an
 * acknowledgement, a maintenance window, a new device, a route change.
 * State changes (what the LEDs show) and what a person did (reload,
 * acknowledgement, maintenance) are always written: fail_after,
 * recover_after and the check's interval bound them.  What the network
 * reports besides, new devices and route changes, goes through a token
 * bucket of rate_limit a minute (burst rate_limit), which bounds what a
 * scan or a flapping route can write to an SD card.  What is not written
 * - held back by the bucket, new devices the policy only counted (more
 * than STATUS_DEVICES_PER_S a second), events that fell out of the
 * policy's ring unread - is summarised in one "suppressed" line, at most
 * one a minute.  Under any flood that is rate_limit + 1 lines a minute
 * (2 * rate_limit + 1 in the first) besides the state changes.  The file
 * itself is evfile.c's: it follows log rotation and holds what cannot be
 * written yet; what it had to drop is counted as lost here.
 *
 * An event line:
 *
 *   {"time":"2026-11-22T01:23:45.123Z","epoch":1795310625.123,"seq":7,
 *    "kind":"state","check":"router/ping","old_state":"OK",
 *    "new_state":"CRITICAL","metric":"rtt","value":512.3,
 *    "threshold":500,"reason":"rtt 512 ms loss 0%","detail":null}
 *
 * every one with the same keys, null where one does not apply; value and
 * threshold are in the unit of the metric (config.h); detail is longer
 * context (a route's old and new path, a new device's MAC and IP).  A
 * summary line:
 *
 *   {"time":...,"epoch":...,"kind":"suppressed","count":19950,
 *    "new_devices":19950,"lost":0,"reason":"19950 events not written
 *    (rate limit 30 a minute; over 16 new devices a second)",
 *    "detail":"19950 new devices, latest 02:00:00:01:02:03 10.9.8.7"}
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "clock.h"
#include "exports_int.h"
#include "json.h"
#include "log.h"

#define EVENT_LINE_MAX EVFILE_LINE_MAX
#define NS_PER_MIN     (60 * NS_PER_S)

/* What was not written since the last summary line. */
struct held {
	uint64_t limited;   /* held back by the rate limit */
	uint64_t unlisted;  /* new devices the policy only counted */
	uint64_t lost;	    /* fell out of the policy's ring unread */
	uint64_t unwritten; /* dropped by the file's full queue */
	uint64_t devices;   /* new devices among limited and unlisted */
	char device[64];    /* the newest of them, "MAC IP" */
	int64_t device_ns;
};

struct events {
	struct events_cfg cfg;
	struct evfile *file; /* NULL: no file */
	events_syslog_fn syslog;
	double tokens;
	int64_t refill_ns;	/* 0: not started */
	struct held held;	/* since the last summary */
	int64_t summary_due_ns; /* no summary before (monotonic) */
	struct events_counts n;
};

static const char *const kind_names[EVENT_KIND_COUNT] = {
	[EVENT_STATE] = "state",
	[EVENT_RELOAD] = "reload",
	[EVENT_ACK] = "ack",
	[EVENT_MAINTENANCE] = "maintenance",
	[EVENT_NEW_DEVICE] = "new_device",
	[EVENT_ROUTE] = "route",
	[EVENT_ACTION] = "action",
	[EVENT_MUTE] = "mute",
	[EVENT_MAINTENANCE_END] = "maintenance_end",
};

/* ---- formatting ------------------------------------------------------- */

static const char *state_or_null(const struct pl_event *e, bool old)
{
	if (e->kind == EVENT_STATE)
		return state_name(old ? e->old_state : e->new_state);
	if (e->kind == EVENT_ACK && !old)
		return state_name(e->new_state);
	return NULL;
}

size_t events_format(char *buf, size_t len, const struct pl_event *e)
{
	struct json_line l = { buf, len, 0 };
	bool has_metric = e->metric >= 0 && e->metric < METRIC_COUNT;

	json_line_head(&l, e->wall_ns);
	json_line_printf(&l, ",\"seq\":%" PRIu64, e->seq);
	json_line_string(&l, "kind",
			 e->kind < EVENT_KIND_COUNT ? kind_names[e->kind]
						    : "?");
	json_line_string(&l, "check", e->check[0] ? e->check : NULL);
	json_line_string(&l, "old_state", state_or_null(e, true));
	json_line_string(&l, "new_state", state_or_null(e, false));
	json_line_string(&l, "metric",
			 has_metric ? metric_name(e->metric) : NULL);
	json_line_number(&l, "value", has_metric ? e->value : NAN);
	json_line_number(&l, "threshold", has_metric ? e->threshold : NAN);
	json_line_string(&l, "reason", e->reason);
	json_line_string(&l, "detail", e->detail[0] ? e->detail : NULL);
	json_line_printf(&l, "}");
	return l.used;
}

int events_priority(const struct pl_event *e)
{
	if (e->kind == EVENT_ACTION)
		return LOG_NOTICE;
	if (e->kind != EVENT_STATE)
		return LOG_INFO;
	switch (e->new_state) {
	case STATE_CRITICAL:
		return LOG_CRIT;
	case STATE_WARNING:
		return LOG_WARNING;
	case STATE_OK:
		return LOG_NOTICE;
	default:
		return LOG_INFO;
	}
}

/* The syslog text: what a person reads in journalctl. */
static void syslog_text(char *buf, size_t len, const struct pl_event *e)
{
	switch (e->kind) {
	case EVENT_STATE:
		if (e->metric != METRIC_COUNT && !isnan(e->threshold))
			snprintf(
				buf, len,
				"event: %s: %s -> %s (%s; %s %.6g beyond %.6g)",
				e->check, state_name(e->old_state),
				state_name(e->new_state), e->reason,
				metric_name(e->metric), e->value, e->threshold);
		else
			snprintf(buf, len, "event: %s: %s -> %s (%s)", e->check,
				 state_name(e->old_state),
				 state_name(e->new_state), e->reason);
		break;
	case EVENT_ACK:
		snprintf(buf, len, "event: alarm acknowledged (%s)%s%s",
			 state_name(e->new_state), e->detail[0] ? ": " : "",
			 e->detail);
		break;
	default:
		snprintf(buf, len, "event: %s: %s%s%s%s%s",
			 e->kind < EVENT_KIND_COUNT ? kind_names[e->kind] : "?",
			 e->check, e->check[0] ? ": " : "", e->reason,
			 e->detail[0] ? ": " : "", e->detail);
		break;
	}
}

/* ---- output ----------------------------------------------------------- */

/* Through the log module: syslog as a service, stderr in the foreground,
 * under its rate limit.  This is the one place state changes are logged. */
static void default_syslog(int prio, const char *msg)
{
	log_msg(prio, "%s", msg);
}

static void put_line(struct events *ev, const char *json, int prio,
		     const char *text, int64_t now_ns)
{
	if (ev->file) {
		uint64_t dropped;

		evfile_write(ev->file, json, strlen(json), now_ns);
		dropped = evfile_take_dropped(ev->file);
		ev->held.unwritten += dropped;
		ev->n.lost += dropped;
	}
	if (ev->cfg.syslog)
		ev->syslog(prio, text);
	ev->n.written++;
}

/* Events the rate limit applies to: what the network reports besides
 * states.  A state change is what the LEDs show, and a reload, an
 * acknowledgement or a maintenance window is what a person did: those
 * are never held back. */
static bool budgeted(const struct pl_event *e)
{
	return e->kind == EVENT_NEW_DEVICE || e->kind == EVENT_ROUTE;
}

/* Refill the bucket; true (and a token spent) if an event may be
 * written now. */
static bool take_token(struct events *ev, int64_t now_ns)
{
	double cap = ev->cfg.rate_limit;

	if (ev->cfg.rate_limit == 0)
		return true;
	if (ev->refill_ns == 0) {
		ev->refill_ns = now_ns;
		ev->tokens = cap;
	}
	ev->tokens += (double)(now_ns - ev->refill_ns) * cap / NS_PER_MIN;
	ev->refill_ns = now_ns;
	if (ev->tokens > cap)
		ev->tokens = cap;
	if (ev->tokens < 1.0)
		return false;
	ev->tokens -= 1.0;
	return true;
}

static void hold_devices(struct held *h, uint64_t n, const char *mac_ip,
			 int64_t mono_ns)
{
	h->devices += n;
	if (mono_ns >= h->device_ns || !h->device[0]) {
		snprintf(h->device, sizeof(h->device), "%.*s",
			 (int)sizeof(h->device) - 1, mac_ip);
		h->device_ns = mono_ns;
	}
}

static bool held_any(const struct held *h)
{
	return h->limited || h->unlisted || h->lost || h->unwritten;
}

/* "N events not written (why; why)" and the new devices among them. */
static void summary_text(const struct events *ev, char *reason, size_t rlen,
			 char *detail, size_t dlen)
{
	const struct held *h = &ev->held;
	struct json_line r = { reason, rlen, 0 }, d = { detail, dlen, 0 };
	const char *sep = " (";

	json_line_printf(&r, "%" PRIu64 " events not written",
			 h->limited + h->unlisted + h->lost + h->unwritten);
	if (h->limited) {
		json_line_printf(&r, "%srate limit %d a minute", sep,
				 ev->cfg.rate_limit);
		sep = "; ";
	}
	if (h->unlisted) {
		json_line_printf(&r, "%sover %d new devices a second", sep,
				 STATUS_DEVICES_PER_S);
		sep = "; ";
	}
	if (h->lost)
		json_line_printf(
			&r, "%s%" PRIu64 " lost: the event ring overflowed",
			sep, h->lost);
	if (h->lost && h->unwritten)
		sep = "; ";
	if (h->unwritten)
		json_line_printf(
			&r, "%s%" PRIu64 " lost: the file was not writable",
			sep, h->unwritten);
	json_line_printf(&r, ")");
	detail[0] = '\0';
	if (h->devices)
		json_line_printf(&d, "%" PRIu64 " new device%s, latest %s",
				 h->devices, h->devices == 1 ? "" : "s",
				 h->device);
}

static void write_summary(struct events *ev, int64_t now_ns)
{
	const struct held *h = &ev->held;
	char json[EVENT_LINE_MAX], text[384], reason[192], detail[128];
	struct json_line l = { json, sizeof(json), 0 };

	summary_text(ev, reason, sizeof(reason), detail, sizeof(detail));
	json_line_head(&l, clock_wall_ns());
	json_line_string(&l, "kind", "suppressed");
	json_line_printf(&l,
			 ",\"count\":%" PRIu64 ",\"new_devices\":%" PRIu64
			 ",\"lost\":%" PRIu64,
			 h->limited + h->unlisted + h->lost + h->unwritten,
			 h->devices, h->lost + h->unwritten);
	json_line_string(&l, "reason", reason);
	json_line_string(&l, "detail", detail[0] ? detail : NULL);
	json_line_printf(&l, "}");
	snprintf(text, sizeof(text), "event: %s%s%s", reason,
		 detail[0] ? ": " : "", detail);
	ev->held = (struct held){ 0 };
	put_line(ev, json, LOG_WARNING, text, now_ns);
}

static bool has_output(const struct events *ev)
{
	return ev && (ev->file || ev->cfg.syslog);
}

void events_emit(struct events *ev, const struct pl_event *e, int64_t now_ns)
{
	char json[EVENT_LINE_MAX], text[384];

	if (!has_output(ev))
		return;
	/* A check's first OK after start or reload is routine, not news. */
	if (e->kind == EVENT_STATE && e->old_state == STATE_UNKNOWN &&
	    e->new_state == STATE_OK)
		return;
	if (budgeted(e) && !take_token(ev, now_ns)) {
		ev->held.limited++;
		ev->n.suppressed++;
		if (e->kind == EVENT_NEW_DEVICE)
			hold_devices(&ev->held, 1, e->detail, e->mono_ns);
		return;
	}
	events_format(json, sizeof(json), e);
	syslog_text(text, sizeof(text), e);
	put_line(ev, json, events_priority(e), text, now_ns);
}

void events_unlisted(struct events *ev, uint64_t n, const char *latest,
		     int64_t latest_ns)
{
	if (!has_output(ev) || n == 0)
		return;
	ev->held.unlisted += n;
	ev->n.suppressed += n;
	hold_devices(&ev->held, n, latest, latest_ns);
}

void events_lost(struct events *ev, uint64_t n)
{
	if (!ev || n == 0)
		return;
	ev->n.lost += n;
	if (has_output(ev))
		ev->held.lost += n;
}

int64_t events_flush(struct events *ev, int64_t now_ns)
{
	int64_t next;

	if (!ev)
		return -1;
	if (held_any(&ev->held) && now_ns >= ev->summary_due_ns) {
		write_summary(ev, now_ns);
		ev->summary_due_ns = now_ns + NS_PER_MIN;
	}
	next = evfile_retry(ev->file, now_ns);
	if (held_any(&ev->held) &&
	    (next < 0 || ev->summary_due_ns - now_ns < next))
		next = ev->summary_due_ns - now_ns;
	return next;
}

void events_reopen(struct events *ev, int64_t now_ns)
{
	if (ev)
		evfile_reopen(ev->file, now_ns);
}

void events_configure(struct events *ev, const struct events_cfg *cfg)
{
	if (!ev)
		return;
	ev->cfg.syslog = cfg->syslog;
	ev->cfg.rate_limit = cfg->rate_limit;
}

void events_counts(const struct events *ev, struct events_counts *c)
{
	*c = ev ? ev->n : (struct events_counts){ 0 };
}

void events_set_counts(struct events *ev, const struct events_counts *c)
{
	if (ev)
		ev->n = *c;
}

/* ---- lifecycle -------------------------------------------------------- */

struct events *events_open(const struct events_params *p, char *err,
			   size_t errlen)
{
	struct events *ev = calloc(1, sizeof(*ev));

	if (!ev) {
		snprintf(err, errlen, "events: %s", strerror(errno));
		return NULL;
	}
	ev->cfg = *p->cfg;
	ev->syslog = p->syslog ? p->syslog : default_syslog;
	if (p->out)
		ev->file = evfile_open(NULL, fileno(p->out));
	else if (strcmp(ev->cfg.file, "-") == 0)
		ev->file = evfile_open(NULL, STDOUT_FILENO);
	else if (ev->cfg.file[0])
		ev->file = evfile_open(ev->cfg.file, -1);
	if (!ev->file && (p->out || ev->cfg.file[0])) {
		snprintf(err, errlen, "events: cannot open %s: %s",
			 p->out ? "the output" : ev->cfg.file, strerror(errno));
		free(ev);
		return NULL;
	}
	return ev;
}

void events_close(struct events *ev)
{
	if (!ev)
		return;
	if (held_any(&ev->held))
		write_summary(ev, clock_now_ns());
	evfile_close(ev->file);
	free(ev);
}
