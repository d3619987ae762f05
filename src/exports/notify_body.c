/*
 * notify_body.c - the requests of the chat services, each as its
 * documentation shows it (README "Notifications" names the pages):
 *
 *   telegram  POST {url}/bot{token}/sendMessage  {"chat_id","text"}
 *   pushover  POST {url}  form: token, user, title, message, priority
 *   discord   POST {webhook url}  {"content"}
 *   matrix    PUT  {homeserver}/_matrix/client/v3/rooms/{room}/send/
 *                  m.room.message/{txn}  Bearer token, {"msgtype","body"}
 *   teams     POST {webhook url}  a message with one Adaptive Card
 *
 * The Matrix transaction id is the same for every retry of one message
 * (the server then stores it once) and differs between messages: the
 * event's wall time, sequence number and kind.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "exports_int.h"

/* url without its trailing slashes, then path. */
static void join_url(struct webhook_request *req, const char *base,
		     const char *path)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	snprintf(req->url, sizeof(req->url), "%.*s%s", (int)n, base, path);
}

void notify_telegram(const struct webhook_cfg *w, const struct pl_event *e,
		     const struct webhook_text *t, enum webhook_kind kind,
		     struct webhook_request *req)
{
	char path[CFG_TOKEN_MAX + 32];

	(void)e;
	(void)kind;
	snprintf(path, sizeof(path), "/bot%s/sendMessage", w->token);
	join_url(req, w->url, path);
	webhook_add_header(req, "Content-Type", "application/json");
	webhook_put(req, "{\"chat_id\":");
	webhook_put_json(req, w->chat_id);
	webhook_put(req, ",\"text\":");
	webhook_put_json(req, t->msg);
	webhook_put(req, "}");
}

void notify_pushover(const struct webhook_cfg *w, const struct pl_event *e,
		     const struct webhook_text *t, enum webhook_kind kind,
		     struct webhook_request *req)
{
	(void)kind;
	webhook_add_header(req, "Content-Type",
			   "application/x-www-form-urlencoded");
	webhook_put_form(req, "token", w->token);
	webhook_put_form(req, "user", w->user);
	webhook_put_form(req, "title", t->title);
	webhook_put_form(req, "message", t->msg);
	/* 1 "high": bypasses quiet hours; 0 normal. */
	webhook_put_form(req, "priority",
			 e->new_state == STATE_CRITICAL ? "1" : "0");
}

void notify_discord(const struct webhook_cfg *w, const struct pl_event *e,
		    const struct webhook_text *t, enum webhook_kind kind,
		    struct webhook_request *req)
{
	(void)w;
	(void)e;
	(void)kind;
	webhook_add_header(req, "Content-Type", "application/json");
	webhook_put(req, "{\"content\":");
	webhook_put_json(req, t->msg);
	webhook_put(req, "}");
}

void notify_matrix(const struct webhook_cfg *w, const struct pl_event *e,
		   const struct webhook_text *t, enum webhook_kind kind,
		   struct webhook_request *req)
{
	char room[3 * sizeof(w->room) + 1], path[sizeof(room) + 128];
	char auth[CFG_TOKEN_MAX + 8];

	webhook_percent(room, sizeof(room), w->room, false);
	snprintf(path, sizeof(path),
		 "/_matrix/client/v3/rooms/%s/send/m.room.message/"
		 "pl%" PRId64 ".%" PRIu64 ".%d",
		 room, e->wall_ns, e->seq, (int)kind);
	join_url(req, w->url, path);
	req->method = "PUT";
	webhook_add_header(req, "Content-Type", "application/json");
	snprintf(auth, sizeof(auth), "Bearer %s", w->token);
	webhook_add_header(req, "Authorization", auth);
	webhook_put(req, "{\"msgtype\":\"m.text\",\"body\":");
	webhook_put_json(req, t->msg);
	webhook_put(req, "}");
}

void notify_teams(const struct webhook_cfg *w, const struct pl_event *e,
		  const struct webhook_text *t, enum webhook_kind kind,
		  struct webhook_request *req)
{
	(void)w;
	(void)kind;
	webhook_add_header(req, "Content-Type", "application/json");
	webhook_put(req,
		    "{\"type\":\"message\",\"attachments\":[{\"contentType\":"
		    "\"application/vnd.microsoft.card.adaptive\","
		    "\"contentUrl\":null,\"content\":{\"$schema\":"
		    "\"http://adaptivecards.io/schemas/adaptive-card.json\","
		    "\"type\":\"AdaptiveCard\",\"version\":\"1.2\",\"body\":["
		    "{\"type\":\"TextBlock\",\"size\":\"Medium\","
		    "\"weight\":\"Bolder\",\"wrap\":true,\"color\":");
	webhook_put(req, e->new_state == STATE_OK	  ? "\"Good\""
			 : e->new_state == STATE_CRITICAL ? "\"Attention\""
							  : "\"Warning\"");
	webhook_put(req, ",\"text\":");
	webhook_put_json(req, t->title);
	webhook_put(req, "},{\"type\":\"TextBlock\",\"wrap\":true,\"text\":");
	webhook_put_json(req, t->msg);
	webhook_put(req, "}]}}]}");
}
