/*
 * webhook_body.c - one alert as the bytes of a POST, per receiver format:
 *
 *   generic  the event's JSON line (events.c), application/json
 *   ntfy     the message as text/plain, Title/Priority/Tags headers
 *   gotify   {"title","message","priority"}, X-Gotify-Key: token
 *   slack    {"text": "..."} (Slack, Mattermost, Rocket.Chat, ...)
 *
 * A token, when set, goes in X-Gotify-Key for gotify and as a bearer
 * Authorization header otherwise.  Header values are built from check
 * names and state names only (validated by the config), plus the token
 * (no line breaks allowed there), so nothing can inject a header.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exports_int.h"
#include "json.h"

/* Units of enum metric values, for people. */
static const char *const metric_units[METRIC_COUNT] = {
	[METRIC_RTT] = " ms",	      [METRIC_LOSS] = "%",
	[METRIC_JITTER] = " ms",      [METRIC_RESPONSE_TIME] = " ms",
	[METRIC_CERT_DAYS] = " days",
};

static void add_header(struct webhook_request *req, const char *name,
		       const char *value)
{
	if (req->n_headers >= WEBHOOK_HEADERS_MAX)
		return;
	snprintf(req->headers[req->n_headers++], WEBHOOK_HEADER_LEN, "%s: %s",
		 name, value);
}

static void title_of(char *buf, size_t len, const struct pl_event *e)
{
	snprintf(buf, len, "pilotlight: %s %s", e->check,
		 state_name(e->new_state));
}

/* "router/ping is CRITICAL (was OK): no reply; rtt 512 ms beyond 500 ms"
 * or "router/ping recovered: OK (was CRITICAL): rtt 0.31 ms loss 0%". */
static void message_of(char *buf, size_t len, const struct pl_event *e,
		       bool recovery)
{
	char beyond[96] = "";

	if (e->metric >= 0 && e->metric < METRIC_COUNT && isfinite(e->value) &&
	    isfinite(e->threshold))
		snprintf(beyond, sizeof(beyond), "; %s %.6g%s beyond %.6g%s",
			 metric_name(e->metric), e->value,
			 metric_units[e->metric], e->threshold,
			 metric_units[e->metric]);
	snprintf(buf, len, "%s %s %s (was %s): %s%s", e->check,
		 recovery ? "recovered:" : "is", state_name(e->new_state),
		 state_name(e->old_state), e->reason, beyond);
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

static void body_json(struct webhook_request *req, const char *fmt_head,
		      const char *a, const char *b, int prio)
{
	size_t n = 0, room = sizeof(req->body);

	n += (size_t)snprintf(req->body, room, "%s", fmt_head);
	if (n < room)
		n += json_escape(req->body + n, room - n, a);
	if (b) {
		if (n < room)
			n += (size_t)snprintf(req->body + n, room - n,
					      ",\"message\":");
		if (n < room)
			n += json_escape(req->body + n, room - n, b);
		if (n < room)
			n += (size_t)snprintf(req->body + n, room - n,
					      ",\"priority\":%d", prio);
	}
	if (n < room)
		n += (size_t)snprintf(req->body + n, room - n, "}");
	req->body_len = n < room ? n : room - 1;
}

void webhook_build(const struct webhook_cfg *w, const struct pl_event *e,
		   bool recovery, struct webhook_request *req)
{
	char title[96], msg[WEBHOOK_BODY_MAX / 2], auth[CFG_TOKEN_MAX + 8];
	struct prio p = prio_of(e);
	size_t n;

	memset(req, 0, sizeof(*req));
	title_of(title, sizeof(title), e);
	message_of(msg, sizeof(msg), e, recovery);
	switch (w->format) {
	case WEBHOOK_NTFY:
		add_header(req, "Content-Type", "text/plain; charset=utf-8");
		add_header(req, "Title", title);
		add_header(req, "Priority", p.ntfy);
		add_header(req, "Tags", p.tags);
		n = (size_t)snprintf(req->body, sizeof(req->body), "%s", msg);
		req->body_len =
			n < sizeof(req->body) ? n : sizeof(req->body) - 1;
		break;
	case WEBHOOK_GOTIFY:
		add_header(req, "Content-Type", "application/json");
		body_json(req, "{\"title\":", title, msg, p.gotify);
		break;
	case WEBHOOK_SLACK:
		add_header(req, "Content-Type", "application/json");
		body_json(req, "{\"text\":", msg, NULL, 0);
		break;
	default:
		add_header(req, "Content-Type", "application/json");
		n = events_format(req->body, sizeof(req->body), e);
		req->body_len =
			n < sizeof(req->body) ? n : sizeof(req->body) - 1;
		break;
	}
	if (!w->token[0])
		return;
	if (w->format == WEBHOOK_GOTIFY) {
		add_header(req, "X-Gotify-Key", w->token);
	} else {
		snprintf(auth, sizeof(auth), "Bearer %s", w->token);
		add_header(req, "Authorization", auth);
	}
}
