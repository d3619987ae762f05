/*
 * webhook.c - alert webhooks delivered with libcurl's multi interface
 * from the loop (a CURLM of its own, through curl_loop.h), so a slow or
 * dead receiver never blocks anything else.
 *
 * Each configured webhook keeps its queue (webhook_queue.c decides what
 * and when), the request in flight (its body must outlive the transfer)
 * and the set of checks it announced a problem for, so that a recovery
 * is sent only for what the receiver heard of, and a reminder, with the
 * last event told, every remind_ms while the problem lasts.  Webhooks are allocated
 * one by one: a reload keeps those whose name and url stay, with their
 * queue and transfer, and frees the others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "curl_dl.h"
#include "curl_loop.h"
#include "exports_int.h"
#include "log.h"
#include "loop.h"

#define WEBHOOK_TIMEOUT_MS 10000
#define WEBHOOK_CONNECT_MS 5000

struct webhook {
	struct webhooks *wh;
	struct webhook_cfg cfg;
	struct webhook_queue q;
	struct curl_loop_xfer x; /* x.easy NULL when idle */
	struct curl_slist *headers, *rcpt;
	struct webhook_request req;
	struct told *announced; /* problems told, no recovery yet */
	int n_announced, cap_announced;
	bool failing; /* logged; log the recovery */
};

/* A problem told: the last event about it, and when to remind. */
struct told {
	struct pl_event ev;
	char host[CFG_NAME_MAX];
	int64_t remind_ns; /* monotonic; INT64_MAX never */
};

struct webhooks {
	struct loop *l;
	const struct pl_config *cfg; /* the one of the last (re)load */
	struct curl_loop *cl;
	struct webhook *v[CFG_MAX_WEBHOOKS];
	int n;
	int64_t timer, timer_due_ns;
};

static void webhooks_kick(struct webhooks *wh);

/* ---- the announced set ------------------------------------------------ */

static int announced_find(const struct webhook *w, const char *check)
{
	for (int i = 0; i < w->n_announced; i++)
		if (strcmp(w->announced[i].ev.check, check) == 0)
			return i;
	return -1;
}

static void announced_set(struct webhook *w, const struct pl_event *e,
			  const char *host, bool on, int64_t now_ns)
{
	int i = announced_find(w, e->check);

	if (on && i < 0 && w->n_announced < w->cap_announced)
		i = w->n_announced++;
	if (on && i >= 0) {
		w->announced[i] = (struct told){
			.ev = *e,
			.remind_ns =
				w->cfg.remind_ms > 0
					? now_ns + w->cfg.remind_ms * NS_PER_MS
					: INT64_MAX,
		};
		snprintf(w->announced[i].host, CFG_NAME_MAX, "%s", host);
	} else if (!on && i >= 0)
		w->announced[i] = w->announced[--w->n_announced];
}

/* Queue a reminder for each problem whose time has come; returns when
 * the next one is due (INT64_MAX: none). */
static int64_t remind(struct webhook *w, int64_t now_ns)
{
	int64_t next = INT64_MAX;

	for (int i = 0; i < w->n_announced; i++) {
		struct told *t = &w->announced[i];

		if (t->remind_ns <= now_ns) {
			t->ev.mono_ns = now_ns;
			t->ev.wall_ns = clock_wall_ns();
			webhook_queue_push(&w->q, &t->ev, t->host,
					   WEBHOOK_REMINDER, now_ns);
			t->remind_ns = now_ns + w->cfg.remind_ms * NS_PER_MS;
		}
		if (t->remind_ns < next)
			next = t->remind_ns;
	}
	return next;
}

/* Size the set for cfg's checks, keeping what still exists. */
static int announced_resize(struct webhook *w, const struct pl_config *cfg)
{
	int n = 1, k = 0, i;
	struct told *v;

	for (int h = 0; h < cfg->n_hosts; h++)
		n += cfg->hosts[h].n_checks;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return -1;
	for (int h = 0; h < cfg->n_hosts; h++)
		for (int c = 0; c < cfg->hosts[h].n_checks; c++)
			if ((i = announced_find(
				     w, cfg->hosts[h].checks[c].name)) >= 0)
				v[k++] = w->announced[i];
	free(w->announced);
	w->announced = v;
	w->n_announced = k;
	w->cap_announced = n;
	return 0;
}

/* ---- one delivery ----------------------------------------------------- */

static size_t discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

static void transfer_end(struct webhook *w)
{
	sym_curl_easy_cleanup(w->x.easy);
	w->x.easy = NULL;
	sym_curl_slist_free_all(w->headers);
	w->headers = NULL;
	sym_curl_slist_free_all(w->rcpt);
	w->rcpt = NULL;
}

static void log_outcome(struct webhook *w, CURLcode code, long status,
			enum webhook_outcome o)
{
	const struct webhook_item *it = &w->q.items[w->q.head];

	if (o == WEBHOOK_OK) {
		if (w->failing)
			log_notice("webhook %s: delivering again", w->cfg.name);
		w->failing = false;
		return;
	}
	if (w->failing && o == WEBHOOK_RETRY)
		return;
	w->failing = true;
	if (code != CURLE_OK)
		log_warn("webhook %s: %s (attempt %d)", w->cfg.name,
			 sym_curl_easy_strerror(code), it->attempts + 1);
	else
		log_warn("webhook %s: HTTP %ld (attempt %d)%s", w->cfg.name,
			 status, it->attempts + 1,
			 o == WEBHOOK_REJECTED ? ", not retried" : "");
}

static void on_done(struct curl_loop_xfer *x, CURLcode code)
{
	struct webhook *w = x->arg;
	long status = 0;
	enum webhook_outcome o;

	/* SMTP: CURLE_OK means the server took the message. */
	if (code == CURLE_OK && w->cfg.format != WEBHOOK_EMAIL)
		sym_curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	o = code != CURLE_OK		     ? WEBHOOK_RETRY
	    : w->cfg.format == WEBHOOK_EMAIL ? WEBHOOK_OK
					     : webhook_outcome_of(status);
	log_outcome(w, code, status, o);
	transfer_end(w);
	webhook_queue_done(&w->q, &w->cfg, o, clock_now_ns());
	webhooks_kick(w->wh);
}

static int set_http(struct webhook *w)
{
	CURL *h = w->x.easy;
	int bad = 0;

	for (int i = 0; i < w->req.n_headers; i++) {
		struct curl_slist *l =
			sym_curl_slist_append(w->headers, w->req.headers[i]);

		if (!l)
			return -1;
		w->headers = l;
	}
	bad |= sym_curl_easy_setopt(h, CURLOPT_POST, 1L);
	if (strcmp(w->req.method, "POST") != 0)
		bad |= sym_curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST,
					    w->req.method);
	bad |= sym_curl_easy_setopt(h, CURLOPT_POSTFIELDS, w->req.body);
	bad |= sym_curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
				    (long)w->req.body_len);
	bad |= sym_curl_easy_setopt(h, CURLOPT_HTTPHEADER, w->headers);
	bad |= sym_curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	bad |= sym_curl_easy_setopt(h, CURLOPT_USERAGENT,
				    "pilotlight/" PL_VERSION);
	return bad ? -1 : 0;
}

static int set_options(struct webhook *w)
{
	CURL *h = w->x.easy;
	int bad = 0;

	bad |= w->cfg.format == WEBHOOK_EMAIL
		       ? notify_mail_options(h, &w->cfg, &w->req, &w->rcpt)
		       : set_http(w);
	bad |= sym_curl_easy_setopt(h, CURLOPT_URL, w->req.url);
	if (w->cfg.ca_file[0])
		bad |= sym_curl_easy_setopt(h, CURLOPT_CAINFO, w->cfg.ca_file);
	bad |= sym_curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	bad |= sym_curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
				    (long)WEBHOOK_TIMEOUT_MS);
	bad |= sym_curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
				    (long)WEBHOOK_CONNECT_MS);
	bad |= sym_curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	return bad ? -1 : 0;
}

static void start(struct webhook *w, struct webhook_item *it)
{
	webhook_build(&w->cfg, &it->ev, it->host, it->kind, &w->req);
	w->x = (struct curl_loop_xfer){ .done = on_done, .arg = w };
	w->x.easy = sym_curl_easy_init();
	w->q.busy = true;
	if (!w->x.easy || set_options(w) < 0 ||
	    curl_loop_add(w->wh->cl, &w->x) < 0) {
		log_warn("webhook %s: cannot start a transfer", w->cfg.name);
		if (w->x.easy)
			transfer_end(w);
		webhook_queue_done(&w->q, &w->cfg, WEBHOOK_RETRY,
				   clock_now_ns());
	}
}

/* ---- scheduling ------------------------------------------------------- */

static int64_t on_timer(struct loop *l, void *arg)
{
	struct webhooks *wh = arg;

	(void)l;
	wh->timer = 0;
	webhooks_kick(wh);
	return LOOP_TIMER_DONE;
}

/* Start what is due; arm the timer for the earliest retry. */
static void webhooks_kick(struct webhooks *wh)
{
	int64_t now = clock_now_ns(), next = INT64_MAX, due;

	for (int i = 0; i < wh->n; i++) {
		struct webhook_item *it;

		due = remind(wh->v[i], now);
		if (due < next)
			next = due;
		it = webhook_queue_due(&wh->v[i]->q, now, &due);
		if (it)
			start(wh->v[i], it);
		else if (due < next)
			next = due;
	}
	if (next == INT64_MAX || (wh->timer > 0 && wh->timer_due_ns <= next))
		return;
	if (wh->timer > 0)
		loop_del_timer(wh->l, wh->timer);
	wh->timer = loop_add_timer(wh->l, next > now ? next - now : 0, on_timer,
				   wh);
	wh->timer_due_ns = next;
	if (wh->timer < 0) {
		wh->timer = 0;
		log_err("webhook: cannot add a timer: %m");
	}
}

/* The host of check name, "-" if the config no longer has it. */
static const char *host_of(const struct pl_config *cfg, const char *name)
{
	for (int h = 0; cfg && h < cfg->n_hosts; h++)
		for (int c = 0; c < cfg->hosts[h].n_checks; c++)
			if (!strcmp(cfg->hosts[h].checks[c].name, name))
				return cfg->hosts[h].name;
	return "-";
}

void webhooks_event(struct webhooks *wh, const struct pl_event *e)
{
	int64_t now = clock_now_ns();
	const char *host;
	bool recovery;

	if (!wh || e->kind != EVENT_STATE)
		return;
	host = host_of(wh->cfg, e->check);
	for (int i = 0; i < wh->n; i++) {
		struct webhook *w = wh->v[i];
		int told = announced_find(w, e->check);

		if (!webhook_wants(&w->cfg, e, told >= 0, &recovery)) {
			/* A problem told of, now below min_state: reminders
			 * say what it is now, on their schedule. */
			if (told >= 0)
				w->announced[told].ev = *e;
			continue;
		}
		if (!recovery || w->cfg.recovery)
			webhook_queue_push(&w->q, e, host,
					   recovery ? WEBHOOK_RECOVERY
						    : WEBHOOK_PROBLEM,
					   now);
		announced_set(w, e, host, !recovery, now);
	}
	webhooks_kick(wh);
}

/* ---- lifecycle -------------------------------------------------------- */

static void webhook_free(struct webhooks *wh, struct webhook *w)
{
	if (!w)
		return;
	if (w->x.easy) {
		curl_loop_remove(wh->cl, &w->x);
		transfer_end(w);
	}
	free(w->announced);
	free(w);
}

static struct webhook *webhook_keep(struct webhooks *wh,
				    const struct webhook_cfg *c)
{
	for (int i = 0; i < wh->n; i++) {
		struct webhook *w = wh->v[i];

		if (w && strcmp(w->cfg.name, c->name) == 0 &&
		    strcmp(w->cfg.url, c->url) == 0) {
			wh->v[i] = NULL;
			return w;
		}
	}
	return NULL;
}

int webhooks_reload(struct webhooks *wh, const struct pl_config *cfg)
{
	struct webhook *next[CFG_MAX_WEBHOOKS] = { 0 };
	int n = cfg->n_webhooks;

	/* libcurl is loaded only for a config with webhooks: the multi
	 * handle comes with the first one and stays. */
	if (n > 0 && !wh->cl) {
		wh->cl = curl_loop_new(wh->l, "webhook");
		if (!wh->cl)
			return -1;
	}
	for (int i = 0; i < n; i++) {
		next[i] = calloc(1, sizeof(*next[i]));
		if (!next[i] || announced_resize(next[i], cfg) < 0)
			goto fail;
	}
	/* Nothing can fail from here on. */
	for (int i = 0; i < n; i++) {
		struct webhook *old = webhook_keep(wh, &cfg->webhooks[i]);

		if (old) {
			free(next[i]->announced);
			free(next[i]);
			next[i] = old;
			announced_resize(old, cfg); /* ENOMEM: keeps its set */
		}
		next[i]->wh = wh;
		next[i]->cfg = cfg->webhooks[i];
	}
	for (int i = 0; i < wh->n; i++)
		webhook_free(wh, wh->v[i]);
	memcpy(wh->v, next, sizeof(next));
	wh->n = n;
	wh->cfg = cfg;
	webhooks_kick(wh);
	return 0;
fail:
	for (int i = 0; i < n; i++)
		if (next[i])
			webhook_free(wh, next[i]);
	errno = ENOMEM;
	return -1;
}

struct webhooks *webhooks_open(struct loop *l, const struct pl_config *cfg)
{
	struct webhooks *wh = calloc(1, sizeof(*wh));

	if (!wh)
		return NULL;
	wh->l = l;
	if (webhooks_reload(wh, cfg) < 0) {
		webhooks_close(wh);
		return NULL;
	}
	return wh;
}

int webhooks_stats(const struct webhooks *wh, struct metrics_webhook *out,
		   int max)
{
	int n = 0;

	for (int i = 0; wh && i < wh->n && n < max; i++, n++)
		out[n] = (struct metrics_webhook){
			.name = wh->v[i]->cfg.name,
			.sent = wh->v[i]->q.sent,
			.failed = wh->v[i]->q.failed,
			.dropped = wh->v[i]->q.dropped,
			.queued = wh->v[i]->q.n,
		};
	return n;
}

void webhooks_close(struct webhooks *wh)
{
	if (!wh)
		return;
	for (int i = 0; i < wh->n; i++)
		webhook_free(wh, wh->v[i]);
	if (wh->timer > 0)
		loop_del_timer(wh->l, wh->timer);
	curl_loop_free(wh->cl);
	free(wh);
}
