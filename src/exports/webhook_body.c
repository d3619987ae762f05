/*
 * webhook_body.c - one alert as the bytes of a request, per receiver
 * format, each format a row of builders[]:
 *
 *   generic  the event's JSON line (events.c), application/json
 *   ntfy     the message as text/plain, Title/Priority/Tags headers
 *   gotify   {"title","message","priority"}, X-Gotify-Key: token
 *   slack    {"text": "..."} (Slack, Mattermost, Rocket.Chat, ...)
 *   telegram, pushover, discord, matrix, teams   notify_body.c
 *   email    notify_mail.c
 *
 * The words come from webhook_text(): the channel's template or the
 * built-in sentence.  For the first four formats a token, when set, goes
 * in X-Gotify-Key for gotify and as a bearer Authorization header
 * otherwise.  Header values are built from check names and state names
 * only (validated by the config), plus the token (no line breaks allowed
 * there), so nothing can inject a header.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exports_int.h"
#include "json.h"
#include "template.h"

typedef void build_fn(const struct webhook_cfg *w, const struct pl_event *e,
		      const struct webhook_text *t, enum webhook_kind kind,
		      struct webhook_request *req);

/* Units of enum metric values, for people. */
static const char *const metric_units[METRIC_COUNT] = {
	[METRIC_RTT] = " ms",	      [METRIC_LOSS] = "%",
	[METRIC_JITTER] = " ms",      [METRIC_RESPONSE_TIME] = " ms",
	[METRIC_CERT_DAYS] = " days",
};

static const char *const field_names[] = {
#define NAME(f) #f,
	NOTIFY_FIELDS(NAME)
#undef NAME
};

static const char *const kind_names[] = { "problem", "recovery", "reminder" };

void webhook_add_header(struct webhook_request *req, const char *name,
			const char *value)
{
	if (req->n_headers >= WEBHOOK_HEADERS_MAX)
		return;
	snprintf(req->headers[req->n_headers++], WEBHOOK_HEADER_LEN, "%s: %s",
		 name, value);
}

void webhook_put(struct webhook_request *req, const char *s)
{
	size_t room = sizeof(req->body) - req->body_len;
	size_t n = strlen(s);

	if (room <= 1)
		return;
	n = n < room - 1 ? n : room - 1;
	memcpy(req->body + req->body_len, s, n);
	req->body_len += n;
	req->body[req->body_len] = '\0';
}

void webhook_put_json(struct webhook_request *req, const char *s)
{
	size_t room = sizeof(req->body) - req->body_len;
	size_t n;

	if (room <= 1)
		return;
	n = json_escape(req->body + req->body_len, room, s);
	req->body_len += n < room ? n : room - 1;
}

size_t webhook_percent(char *buf, size_t len, const char *s, bool form)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s;
	     *p && n + 4 <= len; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			buf[n++] = (char)*p;
		} else if (*p == ' ' && form) {
			buf[n++] = '+';
		} else {
			buf[n++] = '%';
			buf[n++] = hex[*p >> 4];
			buf[n++] = hex[*p & 15];
		}
	}
	if (len)
		buf[n] = '\0';
	return n;
}

void webhook_put_form(struct webhook_request *req, const char *key,
		      const char *value)
{
	char enc[3 * WEBHOOK_BODY_MAX / 4 + 1];

	if (req->body_len)
		webhook_put(req, "&");
	webhook_put(req, key);
	webhook_put(req, "=");
	webhook_percent(enc, sizeof(enc), value, true);
	webhook_put(req, enc);
}

static bool has_figures(const struct pl_event *e)
{
	return e->metric >= 0 && e->metric < METRIC_COUNT &&
	       isfinite(e->value) && isfinite(e->threshold);
}

/* "router/ping is CRITICAL (was OK): no reply; rtt 512 ms beyond 500 ms",
 * "router/ping recovered: OK (was CRITICAL): rtt 0.31 ms loss 0%" or
 * "router/ping is still CRITICAL: ..." for a reminder. */
static void sentence(char *buf, size_t len, const struct pl_event *e,
		     enum webhook_kind kind)
{
	char beyond[96] = "", was[32] = "";

	if (has_figures(e))
		snprintf(beyond, sizeof(beyond), "; %s %.6g%s beyond %.6g%s",
			 metric_name(e->metric), e->value,
			 metric_units[e->metric], e->threshold,
			 metric_units[e->metric]);
	if (kind != WEBHOOK_REMINDER)
		snprintf(was, sizeof(was), " (was %s)",
			 state_name(e->old_state));
	snprintf(buf, len, "%s %s %s%s: %s%s", e->check,
		 kind == WEBHOOK_RECOVERY   ? "recovered:"
		 : kind == WEBHOOK_REMINDER ? "is still"
					    : "is",
		 state_name(e->new_state), was, e->reason, beyond);
}

static void number(char *buf, size_t len, const struct pl_event *e, double v)
{
	if (e->metric >= 0 && e->metric < METRIC_COUNT && isfinite(v))
		snprintf(buf, len, "%.6g%s", v, metric_units[e->metric]);
	else
		snprintf(buf, len, "-");
}

/* {check} is the name without a leading "HOST/" (the default names). */
static void rendered(char *buf, size_t len, const char *tmpl,
		     const struct pl_event *e, const char *host,
		     enum webhook_kind kind)
{
	char value[48], threshold[48];
	size_t hl = strlen(host);
	const char *values[sizeof(field_names) / sizeof(field_names[0])];
	int i = 0;

	number(value, sizeof(value), e, e->value);
	number(threshold, sizeof(threshold), e, e->threshold);
	/* In the order of NOTIFY_FIELDS. */
	values[i++] = state_name(e->new_state);
	values[i++] = state_name(e->old_state);
	values[i++] = host;
	values[i++] = !strncmp(e->check, host, hl) && e->check[hl] == '/'
			      ? e->check + hl + 1
			      : e->check;
	values[i++] = has_figures(e) ? metric_name(e->metric) : "-";
	values[i++] = value;
	values[i++] = threshold;
	values[i++] = e->reason;
	values[i++] = kind_names[kind];
	template_render(buf, len, tmpl, field_names, values, i);
}

void webhook_text(const struct webhook_cfg *w, const struct pl_event *e,
		  const char *host, enum webhook_kind kind,
		  struct webhook_text *t)
{
	snprintf(t->title, sizeof(t->title), "pilotlight: %s %s%s", e->check,
		 state_name(e->new_state),
		 kind == WEBHOOK_REMINDER ? " (reminder)" : "");
	if (w->tmpl[0])
		rendered(t->msg, sizeof(t->msg), w->tmpl, e, host, kind);
	else
		sentence(t->msg, sizeof(t->msg), e, kind);
}

struct prio {
	const char *ntfy, *tags;
	int gotify;
};

static struct prio prio_of(const struct pl_event *e)
{
	switch (e->new_state) {
	case STATE_CRITICAL:
		return (struct prio){ "5", "rotating_light", 8 };
	case STATE_WARNING:
		return (struct prio){ "4", "warning", 5 };
	case STATE_OK:
		return (struct prio){ "3", "white_check_mark", 2 };
	default:
		return (struct prio){ "3", "question", 4 };
	}
}

static void bearer(const struct webhook_cfg *w, struct webhook_request *req)
{
	char auth[CFG_TOKEN_MAX + 8];

	if (!w->token[0])
		return;
	snprintf(auth, sizeof(auth), "Bearer %s", w->token);
	webhook_add_header(req, "Authorization", auth);
}

static void build_generic(const struct webhook_cfg *w, const struct pl_event *e,
			  const struct webhook_text *t, enum webhook_kind kind,
			  struct webhook_request *req)
{
	size_t n = events_format(req->body, sizeof(req->body), e);

	(void)t;
	(void)kind;
	webhook_add_header(req, "Content-Type", "application/json");
	req->body_len = n < sizeof(req->body) ? n : sizeof(req->body) - 1;
	bearer(w, req);
}

static void build_ntfy(const struct webhook_cfg *w, const struct pl_event *e,
		       const struct webhook_text *t, enum webhook_kind kind,
		       struct webhook_request *req)
{
	struct prio p = prio_of(e);

	(void)kind;
	webhook_add_header(req, "Content-Type", "text/plain; charset=utf-8");
	webhook_add_header(req, "Title", t->title);
	webhook_add_header(req, "Priority", p.ntfy);
	webhook_add_header(req, "Tags", p.tags);
	webhook_put(req, t->msg);
	bearer(w, req);
}

static void build_gotify(const struct webhook_cfg *w, const struct pl_event *e,
			 const struct webhook_text *t, enum webhook_kind kind,
			 struct webhook_request *req)
{
	char prio[32];

	(void)kind;
	webhook_add_header(req, "Content-Type", "application/json");
	webhook_put(req, "{\"title\":");
	webhook_put_json(req, t->title);
	webhook_put(req, ",\"message\":");
	webhook_put_json(req, t->msg);
	snprintf(prio, sizeof(prio), ",\"priority\":%d}", prio_of(e).gotify);
	webhook_put(req, prio);
	if (w->token[0])
		webhook_add_header(req, "X-Gotify-Key", w->token);
}

static void build_slack(const struct webhook_cfg *w, const struct pl_event *e,
			const struct webhook_text *t, enum webhook_kind kind,
			struct webhook_request *req)
{
	(void)e;
	(void)kind;
	webhook_add_header(req, "Content-Type", "application/json");
	webhook_put(req, "{\"text\":");
	webhook_put_json(req, t->msg);
	webhook_put(req, "}");
	bearer(w, req);
}

static build_fn *const builders[WEBHOOK_FORMAT_COUNT] = {
	[WEBHOOK_GENERIC] = build_generic,
	[WEBHOOK_NTFY] = build_ntfy,
	[WEBHOOK_GOTIFY] = build_gotify,
	[WEBHOOK_SLACK] = build_slack,
	[WEBHOOK_TELEGRAM] = notify_telegram,
	[WEBHOOK_PUSHOVER] = notify_pushover,
	[WEBHOOK_DISCORD] = notify_discord,
	[WEBHOOK_MATRIX] = notify_matrix,
	[WEBHOOK_TEAMS] = notify_teams,
	[WEBHOOK_EMAIL] = notify_mail,
};

void webhook_build(const struct webhook_cfg *w, const struct pl_event *e,
		   const char *host, enum webhook_kind kind,
		   struct webhook_request *req)
{
	struct webhook_text t;
	build_fn *fn = (int)w->format >= 0 && w->format < WEBHOOK_FORMAT_COUNT
			       ? builders[w->format]
			       : build_generic;

	memset(req, 0, sizeof(*req));
	snprintf(req->url, sizeof(req->url), "%s", w->url);
	req->method = "POST";
	webhook_text(w, e, host, kind, &t);
	fn(w, e, &t, kind, req);
}
