/*
 * exports_int.h - what the files of src/exports/ share, and the tests and
 * the bench reach; nothing else includes it.
 *
 * exports.c glues the pieces to the loop: httpd.c serves what metrics.c,
 * metrics_traffic.c and status_page.c render into an xbuf; events.c
 * makes the event lines and measurements.c the result lines, and evfile.c
 * writes both through log rotation and outages; webhook_queue.c decides
 * what to send and when, webhook_body.c what the bytes are (notify_body.c
 * for the chat services, notify_mail.c for email), webhook.c moves them
 * with libcurl.
 */
#ifndef PL_EXPORTS_INT_H
#define PL_EXPORTS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "clock.h"
#include "config.h"
#include "control.h"
#include "panel.h"
#include "status.h"

struct loop;
struct traffic;
struct curl_slist;

/* ---- xbuf.c: a growable output buffer, kept between renders ---------- */

struct xbuf {
	char *p; /* NUL-terminated when len > 0 */
	size_t len, cap;
	bool oom; /* an append failed: the content is cut */
};

void xbuf_reset(struct xbuf *b);
void xbuf_free(struct xbuf *b);
void xbuf_put(struct xbuf *b, const char *s, size_t n);
void xbuf_puts(struct xbuf *b, const char *s);
void xbuf_printf(struct xbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void xbuf_u64(struct xbuf *b, uint64_t v);
/* s with & < > " ' as entities: safe in HTML text and attributes. */
void xbuf_html(struct xbuf *b, const char *s);

/* ---- metrics.c: the Prometheus text exposition format (0.0.4) -------- */

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help\n# TYPE name type\n". */
void prom_family(struct xbuf *b, const char *name, const char *type,
		 const char *help);
/* A label value, escaped (\\, \", \n), quotes included. */
void prom_label_value(struct xbuf *b, const char *v);
/* " v\n": NaN/+Inf/-Inf as Prometheus spells them, else %.15g. */
void prom_value(struct xbuf *b, double v);
/* name{k="v"} v, with one or no label (k NULL). */
void prom_sample1(struct xbuf *b, const char *name, const char *k,
		  const char *v, double value);

/* What the daemon knows about itself, gathered by exports.c. */
struct metrics_webhook {
	const char *name;
	uint64_t sent, failed, dropped;
	int queued;
};

/* Why the HTTP server closed a connection without answering it. */
enum httpd_drop {
	HTTPD_DROP_NOT_ALLOWED, /* not in metrics.allow, at accept */
	HTTPD_DROP_SHED,	/* for a newer one, at max_connections */
	HTTPD_DROP_TIMEOUT,	/* request_timeout passed */
	HTTPD_DROP_COUNT,
};

struct metrics_self {
	int64_t now_ns, wall_ns; /* monotonic and wall clock, now */
	int64_t start_wall_ns;
	int64_t reload_ok_wall_ns; /* last successful (re)load */
	double loop_lag_s;	   /* worst since the last scrape */
	bool have_lcd_errors, have_gpio_errors;
	unsigned long lcd_errors, gpio_errors;
	unsigned long log_dropped;
	uint64_t events_written, events_suppressed, events_lost;
	const struct metrics_webhook *webhooks;
	int n_webhooks;
	bool have_http; /* the HTTP server's own counters */
	uint64_t http_drops[HTTPD_DROP_COUNT];
};

/* Render the status (NULL: self metrics only) and self into b. */
void metrics_render(struct xbuf *b, const struct status *st,
		    const struct metrics_self *self);

/* ---- metrics_traffic.c ----------------------------------------------- */

/* The traffic module's counters: capture state and drops, new devices, and traffic by interface and direction, protocol,
 * service and the top_hosts busiest hosts.  Nothing when t is NULL or no
 * capture is configured.  Interface names come from cfg. */
void metrics_render_traffic(struct xbuf *b, const struct traffic *t,
			    const struct pl_config *cfg);

/* ---- metrics_system.c ------------------------------------------------ */

struct netdev_table;
struct procself;

/* Every interface in ifs (NULL: none read) with pilotlight_interface_up 0
 * for cfg's capture interfaces it lacks, and the process_* families of
 * proc (NULL: not read). */
void metrics_render_system(struct xbuf *b, const struct netdev_table *ifs,
			   const struct procself *proc,
			   const struct pl_config *cfg);

/* ---- metrics_names.c ------------------------------------------------- */

/* The names learned from the mirror: pilotlight_host_name_info and the
 * names table's counters.  Nothing when t is NULL. */
void metrics_render_names(struct xbuf *b, const struct traffic *t);

/* ---- status_page.c --------------------------------------------------- */

/* The human-readable page at "/": LEDs, LCD rows, hosts and checks.
 * st and v may be NULL (not known yet). */
void status_page_render(struct xbuf *b, const struct status *st,
			const struct panel_view *v, int64_t now_ns,
			int64_t wall_ns);

/* ---- httpd.c: libmicrohttpd on the loop ------------------------------ */

enum httpd_page {
	HTTPD_METRICS,
	HTTPD_HEALTHZ,
	HTTPD_STATUS,
	HTTPD_NOT_FOUND,
	HTTPD_BAD_METHOD,
};

/* A request under /api/ (control_api.c answers it), or 0 to answer it
 * as not found.  Returns an enum MHD_Result. */
struct MHD_Connection;
typedef int (*httpd_api_fn)(void *arg, struct MHD_Connection *c,
			    const char *method, const char *url);

/* Which page a request asks for; the query string is ignored. */
enum httpd_page httpd_route(const char *method, const char *url);

/* Render page into out (reset first); returns the Content-Type. */
typedef const char *(*httpd_render_fn)(void *arg, enum httpd_page page,
				       struct xbuf *out);

struct httpd;

/* A listening TCP socket for "ADDR:PORT" / "[V6]:PORT": non-blocking,
 * close-on-exec.  Returns the fd, or -1 with errno and
 * "cannot listen on ADDR: why" in err. */
int httpd_listen(const char *addr, char *err, size_t errlen);

/* Serve on listen_fd (taken over; -1: none, connections only come from
 * httpd_add_connection()) with m's allow list and limits (copied).  With
 * a loop the daemon is driven from it; without one the caller calls
 * httpd_poll().  NULL/errno on failure (ELIBACC: libmicrohttpd not
 * loaded, see mhd_dl.h). */
struct httpd *httpd_open(struct loop *l, int listen_fd,
			 const struct metrics_cfg *m, httpd_render_fn fn,
			 void *arg);
/* May a client at sa connect?  Yes for every address when n is 0; an
 * IPv4-mapped IPv6 address also matches the IPv4 networks. */
bool httpd_allowed(const struct cidr *allow, int n, const struct sockaddr *sa,
		   socklen_t len);
/* Add h's counts of connections dropped, by enum httpd_drop, to sum;
 * accepts NULL. */
void httpd_add_drops(const struct httpd *h, uint64_t sum[HTTPD_DROP_COUNT]);
/* Send /api/ requests to fn (with the arg given to httpd_open()). */
void httpd_set_api(struct httpd *h, httpd_api_fn fn);
/* Queue a reply (body copied) with the headers every page has; for
 * 405, Allow: allow.  Returns an enum MHD_Result. */
int httpd_reply(struct MHD_Connection *c, unsigned code, const char *type,
		const char *body, size_t len, const char *allow);

/* ---- control_api.c: POST /api/v1/ACTION, GET /api/v1/status ---------- */

/* Answer c: 404 unless cc->http, 401 without "Authorization: Bearer
 * TOKEN" matching cc->token, 405 for a GET on an action or a POST on
 * status, else the handler's reply (200 "ok: ...", 409 "error: ...").
 * Returns an enum MHD_Result. */
int control_api_answer(const struct control_cfg *cc, control_fn fn, void *arg,
		       struct MHD_Connection *c, const char *method,
		       const char *url);

/* Hand a connected socket to the server (tests, fuzzing). */
int httpd_add_connection(struct httpd *h, int fd);
/* Do whatever is ready now (without a loop). */
void httpd_poll(struct httpd *h);
/* Closes the listening socket and every connection; accepts NULL. */
void httpd_close(struct httpd *h);

/* ---- evfile.c: a file of lines through rotation and outages ---------- */

/* A holding writer keeps up to EVFILE_QUEUE_MAX lines of EVFILE_LINE_MAX
 * (allocated at open) while its file cannot be written, and retries from
 * EVFILE_RETRY_MIN_NS doubling to EVFILE_RETRY_MAX_NS; a dropping one
 * keeps EVFILE_PENDING_MAX bytes for a pipe that is not read fast enough. */
#define EVFILE_QUEUE_MAX    128
#define EVFILE_LINE_MAX	    1024
#define EVFILE_RETRY_MIN_NS (1 * NS_PER_S)
#define EVFILE_RETRY_MAX_NS (60 * NS_PER_S)
#define EVFILE_PENDING_MAX  65536

/* What becomes of a line the file cannot take now. */
enum evfile_policy {
	/* held and retried, the oldest dropped when full: few lines that
	 * each matter (events) */
	EVFILE_HOLD,
	/* dropped at once: a high-volume stream (measurements) */
	EVFILE_DROP,
};

/* evfile_params.fd: a non-blocking descriptor of stdout's own. */
#define EVFILE_STDOUT (-2)

struct evfile_params {
	/* starts each log message ("events"); not copied */
	const char *label;
	enum evfile_policy policy;
	/* opened now (append, create) and again whenever it no longer
	 * names the open file */
	const char *path;
	/* path NULL: written as it is and never closed (standard output,
	 * tests), or EVFILE_STDOUT */
	int fd;
	/* of a file created at path, less the umask */
	mode_t mode;
	/* EVFILE_STDOUT: sends what a full pipe left once it has room;
	 * NULL: with the next line */
	struct loop *loop;
};

/* Lines since open, each counted once. */
struct evfile_counts {
	uint64_t written; /* taken whole by the kernel */
	uint64_t dropped; /* by the policy, or left at close */
};

struct evfile;

/* Lifecycle: evfile_open_with() → evfile_write() for each line,
 * evfile_retry() when it says → evfile_reopen() on SIGHUP →
 * evfile_close().  NULL with errno (EINVAL: not a regular file). */
struct evfile *evfile_open_with(const struct evfile_params *p);
/* The events file's writer: EVFILE_HOLD, "events", mode 0640. */
struct evfile *evfile_open(const char *path, int fd);
/* Append line (len bytes; cut at EVFILE_LINE_MAX, a newline in it made a
 * space) after the waiting ones; never blocks. */
void evfile_write(struct evfile *f, const char *line, size_t len,
		  int64_t now_ns);
/* Let go of a renamed or deleted file now, and try the waiting lines.
 * 0, or -1 with errno when the path cannot be opened (logged). */
int evfile_reopen(struct evfile *f, int64_t now_ns);
/* EVFILE_HOLD: try the held lines again if it is time.  Returns ns until
 * the next try, or -1 when nothing is held. */
int64_t evfile_retry(struct evfile *f, int64_t now_ns);
size_t evfile_held(const struct evfile *f);
/* Lines dropped since the last call. */
uint64_t evfile_take_dropped(struct evfile *f);
/* Zeros for NULL. */
void evfile_counts(const struct evfile *f, struct evfile_counts *c);
/* Writes what it can of the waiting lines, logs how many were not;
 * accepts NULL. */
void evfile_close(struct evfile *f);

/* ---- events.c: JSON lines and syslog --------------------------------- */

/* One event as a JSON object, without a newline.  Returns the length it
 * needs, as snprintf() does. */
size_t events_format(char *buf, size_t len, const struct pl_event *e);
/* syslog priority for an event: CRITICAL→LOG_CRIT, WARNING→LOG_WARNING,
 * OK→LOG_NOTICE, else LOG_INFO. */
int events_priority(const struct pl_event *e);

typedef void (*events_syslog_fn)(int prio, const char *msg);

struct events_params {
	const struct events_cfg *cfg;
	FILE *out; /* its descriptor instead of cfg->file (tests); not closed */
	events_syslog_fn syslog; /* NULL: syslog(3) */
};

struct events;

/* Opens the file (append, evfile.c) when configured, as the user the
 * daemon runs as: a rotation reopens it with the same rights.  NULL with
 * "events: cannot open FILE: why" in err. */
struct events *events_open(const struct events_params *p, char *err,
			   size_t errlen);
void events_close(struct events *ev);

/* Write e at now_ns (monotonic): at once, or for a new device or a route
 * change only if the rate limit allows, else it is summarised. */
void events_emit(struct events *ev, const struct pl_event *e, int64_t now_ns);
/* n new devices the policy counted instead of listing (status.h); latest
 * is the newest ("MAC IP"), seen at latest_ns (monotonic). */
void events_unlisted(struct events *ev, uint64_t n, const char *latest,
		     int64_t latest_ns);
/* n events fell out of the policy's ring before they were read. */
void events_lost(struct events *ev, uint64_t n);
/* Write the "suppressed" summary of what was not written, if any and if
 * a minute has passed since the last one, and retry the lines the file
 * could not take when it is time.  Returns ns until it should be called
 * again, or -1 when nothing is waiting. */
int64_t events_flush(struct events *ev, int64_t now_ns);
/* Take syslog and rate_limit from cfg, keeping the file open. */
void events_configure(struct events *ev, const struct events_cfg *cfg);
/* SIGHUP: let go of a rotated file now (evfile_reopen()). */
void events_reopen(struct events *ev, int64_t now_ns);
/* Counters carried over a reopen by exports.c. */
struct events_counts {
	uint64_t written, suppressed, lost;
};
void events_counts(const struct events *ev, struct events_counts *c);
void events_set_counts(struct events *ev, const struct events_counts *c);

/* ---- measurements.c: every result as a JSON line -------------------- */

struct probe_result;

/* One result of one check, at wall_ns (CLOCK_REALTIME); state is what
 * this result alone says (verdict.h's raw state). */
struct measurement {
	int64_t wall_ns;
	const char *host, *check, *type;
	enum pl_state state;
	const struct probe_result *r;
};

/* The JSON object for m as line seq, without a newline.  Returns the
 * length it needs, as snprintf() does. */
size_t measurements_format(char *buf, size_t len, uint64_t seq,
			   const struct measurement *m);

struct measurements_counts {
	uint64_t lines;	  /* results offered: the last line's seq */
	uint64_t written; /* lines the kernel took whole */
	uint64_t dropped; /* lines lost: no room, a write error */
};

struct measurements;

/* file: "" none (writes nothing), "-" stdout (through a non-blocking
 * descriptor of its own, watched by l when l is not NULL), else a path
 * opened for appending (evfile.c, EVFILE_DROP).  NULL with
 * "measurements: cannot open FILE: why" in err. */
struct measurements *measurements_open(struct loop *l, const char *file,
				       char *err, size_t errlen);
/* Accepts NULL.  Lines still waiting are tried once more, then dropped. */
void measurements_close(struct measurements *m);
/* Write (or queue, or drop and count) one line; never blocks. */
void measurements_write(struct measurements *m, const struct measurement *ms);
/* SIGHUP: let go of a rotated file now; 0, or -1/errno when the path
 * cannot be created (logged; lines are dropped until it can). */
int measurements_reopen(struct measurements *m);
/* Does m write to file (a config value) already? */
bool measurements_same(const struct measurements *m, const char *file);
void measurements_counts(const struct measurements *m,
			 struct measurements_counts *c);
void measurements_set_counts(struct measurements *m,
			     const struct measurements_counts *c);
/* pilotlight_measurements_{written,dropped}_total. */
void measurements_render(struct xbuf *b, const struct measurements_counts *c);

/* ---- webhook_queue.c: what to send, in order, with backoff ----------- */

#define WEBHOOK_QUEUE_MAX      64
#define WEBHOOK_BACKOFF_MAX_MS (15 * 60 * 1000)

/* Delay before retry number attempt (1 = the first retry): retry_ms
 * doubled each time, at most WEBHOOK_BACKOFF_MAX_MS (or retry_ms if that
 * is larger). */
int64_t webhook_backoff_ms(int64_t retry_ms, int attempt);

/* What a message says about its check. */
enum webhook_kind {
	WEBHOOK_PROBLEM,  /* a change to a problem state */
	WEBHOOK_RECOVERY, /* back to OK after a problem it was told */
	WEBHOOK_REMINDER, /* the problem told of still lasts */
};

/* Should w hear of e?  announced: w was told of a problem of e's check
 * and no recovery since.  *recovery is set for a return to OK. */
bool webhook_wants(const struct webhook_cfg *w, const struct pl_event *e,
		   bool announced, bool *recovery);

struct webhook_item {
	struct pl_event ev;
	char host[CFG_NAME_MAX]; /* the check's host, "-" if unknown */
	enum webhook_kind kind;
	int attempts;	/* deliveries tried so far */
	int64_t due_ns; /* monotonic; not before */
};

enum webhook_outcome {
	WEBHOOK_OK,	  /* 2xx */
	WEBHOOK_RETRY,	  /* network error, 5xx, 408, 429 */
	WEBHOOK_REJECTED, /* any other answer: retrying will not help */
};

struct webhook_queue {
	struct webhook_item items[WEBHOOK_QUEUE_MAX]; /* ring */
	int head, n;
	bool busy; /* the head is being delivered */
	uint64_t sent, failed, dropped;
};

/* Append; when full, drop the oldest item not being delivered. */
void webhook_queue_push(struct webhook_queue *q, const struct pl_event *e,
			const char *host, enum webhook_kind kind,
			int64_t now_ns);
/* The head if it is due at now_ns and nothing is in flight, else NULL;
 * *next_ns gets the head's due time (INT64_MAX when empty or busy). */
struct webhook_item *webhook_queue_due(struct webhook_queue *q, int64_t now_ns,
				       int64_t *next_ns);
/* The head's delivery ended: pop it, or schedule its retry. */
void webhook_queue_done(struct webhook_queue *q, const struct webhook_cfg *w,
			enum webhook_outcome o, int64_t now_ns);
/* Outcome of an HTTP status (0: no answer at all). */
enum webhook_outcome webhook_outcome_of(long http_status);

/* ---- webhook_body.c: the request for each format --------------------- */

#define WEBHOOK_BODY_MAX    4096
#define WEBHOOK_HEADERS_MAX 5
#define WEBHOOK_HEADER_LEN  (CFG_TOKEN_MAX + 64)
#define WEBHOOK_URL_MAX	    (CFG_URL_MAX + CFG_TOKEN_MAX + 256)

struct webhook_request {
	char url[WEBHOOK_URL_MAX]; /* may hold a token: never logged */
	const char *method;	   /* "POST", "PUT"; NULL for email */
	char body[WEBHOOK_BODY_MAX];
	size_t body_len;
	size_t read_pos; /* email: bytes handed to libcurl so far */
	char headers[WEBHOOK_HEADERS_MAX][WEBHOOK_HEADER_LEN];
	int n_headers; /* "Name: value", Content-Type first */
};

/* Build the request for e (about a check of host) in w's format: one
 * row per format of the table in webhook_body.c. */
void webhook_build(const struct webhook_cfg *w, const struct pl_event *e,
		   const char *host, enum webhook_kind kind,
		   struct webhook_request *req);

/* The words of a message, before each format escapes them: the title
 * ("pilotlight: router/ping CRITICAL"), and the text, w's template
 * rendered or the built-in sentence.  A probe's reason may hold any
 * byte: each format escapes for its output. */
struct webhook_text {
	char title[CFG_NAME_MAX + 48];
	char msg[WEBHOOK_BODY_MAX / 4];
};
void webhook_text(const struct webhook_cfg *w, const struct pl_event *e,
		  const char *host, enum webhook_kind kind,
		  struct webhook_text *t);

/* Appending to req's body, cut at its size (body_len stays within). */
void webhook_put(struct webhook_request *req, const char *s);
/* s as a JSON string literal, quotes included. */
void webhook_put_json(struct webhook_request *req, const char *s);
/* s percent-encoded into buf (NUL-terminated; cut at a whole byte's
 * code), all but A-Z a-z 0-9 - . _ ~; form: a blank as "+".  Returns the
 * length written. */
size_t webhook_percent(char *buf, size_t len, const char *s, bool form);
/* "&key=value" (no "&" first), application/x-www-form-urlencoded. */
void webhook_put_form(struct webhook_request *req, const char *key,
		      const char *value);
void webhook_add_header(struct webhook_request *req, const char *name,
			const char *value);

/* ---- notify_body.c: the chat services' documented requests ----------- */

void notify_telegram(const struct webhook_cfg *w, const struct pl_event *e,
		     const struct webhook_text *t, enum webhook_kind kind,
		     struct webhook_request *req);
void notify_pushover(const struct webhook_cfg *w, const struct pl_event *e,
		     const struct webhook_text *t, enum webhook_kind kind,
		     struct webhook_request *req);
void notify_discord(const struct webhook_cfg *w, const struct pl_event *e,
		    const struct webhook_text *t, enum webhook_kind kind,
		    struct webhook_request *req);
void notify_matrix(const struct webhook_cfg *w, const struct pl_event *e,
		   const struct webhook_text *t, enum webhook_kind kind,
		   struct webhook_request *req);
void notify_teams(const struct webhook_cfg *w, const struct pl_event *e,
		  const struct webhook_text *t, enum webhook_kind kind,
		  struct webhook_request *req);

/* ---- notify_mail.c: email through libcurl's SMTP --------------------- */

/* An RFC 5322 message (CRLF line ends; Date from e->wall_ns; Subject
 * the title and text, From, To, Message-ID) into req->body. */
void notify_mail(const struct webhook_cfg *w, const struct pl_event *e,
		 const struct webhook_text *t, enum webhook_kind kind,
		 struct webhook_request *req);
/* The SMTP options of easy handle h for w and req; *rcpt gets the
 * recipient list to free with the transfer.  -1 when one failed. */
int notify_mail_options(void *h, const struct webhook_cfg *w,
			struct webhook_request *req, struct curl_slist **rcpt);

/* ---- webhook.c: delivery with libcurl from the loop ------------------ */

struct webhooks;

/* libcurl's multi handle is made with the first config that has
 * webhooks (config_load() loaded libcurl for it). */
struct webhooks *webhooks_open(struct loop *l, const struct pl_config *cfg);
/* Keeps the queues of webhooks whose name and url stay. */
int webhooks_reload(struct webhooks *wh, const struct pl_config *cfg);
/* Consider one event from the policy's ring. */
void webhooks_event(struct webhooks *wh, const struct pl_event *e);
/* Counters for /metrics: fills up to max entries, returns how many. */
int webhooks_stats(const struct webhooks *wh, struct metrics_webhook *out,
		   int max);
void webhooks_close(struct webhooks *wh);

#endif
