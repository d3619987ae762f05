/*
 * control.h - operator actions from afar: `pilotlight ctl` over a Unix
 * socket, and the requests the HTTP control API shares with it.
 *
 * Lifecycle: control_open() before privileges are dropped (binds the
 * socket, owned by the service user and control.group, mode 0660) →
 * the loop accepts clients and calls the handler once per request →
 * control_close() removes the socket.
 *
 * The protocol is one request line ("mute 10m\n", at most
 * CONTROL_REQUEST_MAX bytes) and one reply: "ok: TEXT\n" or
 * "error: TEXT\n", then for status more lines, then the daemon closes.
 * A client that sends nothing for CONTROL_CLIENT_TIMEOUT_MS is dropped;
 * past CONTROL_CLIENTS_MAX at once, the one that has waited longest
 * without a request is dropped to make room (told "busy" only when every
 * one is being answered).
 */
#ifndef PL_CONTROL_H
#define PL_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "status.h"

#define CONTROL_REQUEST_MAX	  256
#define CONTROL_CLIENTS_MAX	  8
#define CONTROL_CLIENT_TIMEOUT_MS 5000
#define CONTROL_WHO_MAX		  96

enum control_cmd {
	CTL_STATUS,
	CTL_ACK,
	CTL_MUTE,	 /* duration */
	CTL_MAINTENANCE, /* duration, target ("" site-wide) */
	CTL_END_MAINTENANCE,
	CTL_RELOAD,
	CTL_CMD_COUNT,
};

struct control_request {
	enum control_cmd cmd;
	int64_t duration_ms; /* 1 ms .. CFG_MAINTENANCE_MAX_MS */
	char target[CFG_NAME_MAX];
	/* The caller must not be re-entered (the HTTP server, which a
	 * reload may replace): reload is scheduled, not done, before the
	 * reply. */
	bool deferred;
};

/* The command's name as typed: "end-maintenance". */
const char *control_cmd_name(enum control_cmd cmd);

/* Parse "CMD [ARGS]" (words split by single spaces; no NUL, no control
 * characters).  Returns 0, or -1 with why ("unknown command 'x'"). */
int control_parse(const char *line, struct control_request *rq, char *why,
		  size_t why_len);

/* Is given (given_len bytes, not NUL-terminated) the token?  Compares the
 * whole token however early they differ, and a given of another length
 * still walks the token, so the time taken does not tell how much of a
 * guess was right. */
bool control_token_equal(const char *given, size_t given_len,
			 const char *token);

/* Carry out rq for who ("root (uid 0)", "http 192.0.2.7").  Returns the
 * reply ("ok: ...\n" or "error: ...\n" and for status the body), which
 * the caller frees; NULL/ENOMEM. */
typedef char *(*control_fn)(void *arg, const struct control_request *rq,
			    const char *who);

/* The reply to status (control_reply.c): "ok: site STATE\n" then the
 * alarm, maintenance, mute, and each host and check a line.  The caller
 * frees it; NULL/ENOMEM. */
char *control_status_text(const struct status *st, int64_t now_ns);

struct control;

/* Bind cfg->socket ("" : returns NULL, errno 0) for the service user
 * (uid; -1 keeps the current one).  A socket file another daemon answers
 * on is left alone (EADDRINUSE); a stale one is replaced.  Returns NULL
 * after logging why. */
struct control *control_open(struct loop *l, const struct control_cfg *cfg,
			     int uid, control_fn fn, void *arg);

/* Drops the clients, unlinks the socket.  Accepts NULL. */
void control_close(struct control *c);

#endif
