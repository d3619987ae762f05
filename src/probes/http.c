/*
 * http.c - the HTTP(S) check on libcurl's multi interface: libcurl names
 * the sockets to watch and its next timeout, the loop calls
 * curl_multi_socket_action() back, and finished transfers are collected
 * with curl_multi_info_read() and delivered from the loop, never from
 * inside http_probe_start().  No name is looked up on the loop: a pinned
 * address goes in with CURLOPT_CONNECT_TO, anything else to libcurl's
 * threaded resolver.  Each probe opens a fresh connection, so every round
 * measures connect + TLS and sees the certificate served now; what the
 * answer means is http_result.c's business.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "http_probe.h"
#include "http_result.h"
#include "log.h"
#include "loop.h"
#include "probe_util.h"

#define HTTP_PHRASE_MAX 32

struct http_engine {
	struct loop *l;
	CURLM *multi;
	int64_t timer;		     /* loop timer for curl's timeout; 0 none */
	struct http_probe *running;  /* added to the multi */
	struct http_probe *finished; /* removed from it, result ready */
	int *fds;		     /* sockets registered with the loop */
	size_t n_fds, cap_fds;
};

struct http_probe {
	struct http_engine *e;
	const struct check_cfg *c;
	probe_done_fn done;
	void *arg;
	CURL *easy;
	struct curl_slist *connect_to;
	struct http_probe *next, **pprev; /* running or finished */
	bool in_multi;
	CURLcode code;
	regex_t re;
	bool have_re;
	size_t body_cap; /* HTTP_PROBE_BODY_MAX, or 0: body not checked */
	size_t n_body;	 /* bytes kept, <= body_cap */
	uint64_t n_seen; /* body bytes received, kept or not */
	char phrase[HTTP_PHRASE_MAX]; /* of the last status line */
	char errbuf[CURL_ERROR_SIZE];
	struct probe_result r;
	char body[]; /* body_cap + 1 */
};

static void http_list_push(struct http_probe **head, struct http_probe *p)
{
	p->next = *head;
	if (*head)
		(*head)->pprev = &p->next;
	*head = p;
	p->pprev = head;
}

static void http_list_unlink(struct http_probe *p)
{
	if (!p->pprev)
		return;
	*p->pprev = p->next;
	if (p->next)
		p->next->pprev = p->pprev;
	p->next = NULL;
	p->pprev = NULL;
}

/* ---- the multi handle on the loop ------------------------------------ */

static int http_fd_track(struct http_engine *e, int fd)
{
	if (e->n_fds == e->cap_fds) {
		size_t cap = e->cap_fds ? e->cap_fds * 2 : 8;
		int *v = realloc(e->fds, cap * sizeof(*v));

		if (!v)
			return -1;
		e->fds = v;
		e->cap_fds = cap;
	}
	e->fds[e->n_fds++] = fd;
	return 0;
}

static void http_fd_untrack(struct http_engine *e, int fd)
{
	for (size_t i = 0; i < e->n_fds; i++) {
		if (e->fds[i] == fd) {
			e->fds[i] = e->fds[--e->n_fds];
			return;
		}
	}
}

static void http_deliver(struct http_probe *p);
static void http_result(struct http_probe *p);

/* Move every finished transfer off the multi, then hand the results over.
 * Delivering last means a done callback may start or cancel probes freely;
 * a probe it cancels is simply no longer on the finished list. */
static void http_collect(struct http_engine *e)
{
	struct http_probe *p;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(e->multi, &left))) {
		char *priv = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		p = (struct http_probe *)priv;
		p->code = m->data.result;
		http_result(p);
		curl_multi_remove_handle(e->multi, p->easy);
		p->in_multi = false;
		http_list_unlink(p);
		http_list_push(&e->finished, p);
	}
	while ((p = e->finished)) {
		http_list_unlink(p);
		http_deliver(p);
	}
}

static void http_on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct http_engine *e = arg;
	int mask = 0, running;

	(void)l;
	/* A hang-up is read as such: curl finds EOF or the error itself. */
	if (events & (EPOLLIN | EPOLLHUP))
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (events & EPOLLERR)
		mask |= CURL_CSELECT_ERR;
	curl_multi_socket_action(e->multi, fd, mask, &running);
	http_collect(e);
}

/* CURLMOPT_SOCKETFUNCTION.  socketp is non-NULL once the socket is on the
 * loop.  Failing here would abort every transfer of the multi, so a socket
 * the loop cannot watch is logged and left to its probe's timeout. */
static int http_on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
			  void *socketp)
{
	struct http_engine *e = userp;
	uint32_t ev = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (socketp) {
			loop_del_fd(e->l, s);
			http_fd_untrack(e, s);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (socketp) {
		if (loop_mod_fd(e->l, s, ev) < 0)
			log_warn("http: cannot watch socket %d: %m", s);
		return 0;
	}
	if (http_fd_track(e, s) < 0) {
		log_warn("http: cannot watch socket %d: %m", s);
		return 0;
	}
	/* EEXIST: an fd number curl reused before we saw its REMOVE. */
	if (loop_add_fd(e->l, s, ev, http_on_fd, e) < 0 &&
	    (errno != EEXIST || loop_mod_fd(e->l, s, ev) < 0)) {
		log_warn("http: cannot watch socket %d: %m", s);
		http_fd_untrack(e, s);
		return 0;
	}
	curl_multi_assign(e->multi, s, e);
	return 0;
}

static int64_t http_on_timer(struct loop *l, void *arg)
{
	struct http_engine *e = arg;
	int running;

	(void)l;
	/* curl may ask for a new timeout while we are in here. */
	e->timer = 0;
	curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_collect(e);
	return LOOP_TIMER_DONE;
}

/* CURLMOPT_TIMERFUNCTION: -1 deletes the timer, 0 means "as soon as the
 * loop can", which must not call back into curl from here. */
static int http_on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_engine *e = userp;

	(void)multi;
	if (e->timer > 0) {
		loop_del_timer(e->l, e->timer);
		e->timer = 0;
	}
	if (timeout_ms < 0)
		return 0;
	e->timer = loop_add_timer(e->l, (int64_t)timeout_ms * NS_PER_MS,
				  http_on_timer, e);
	if (e->timer < 0) {
		e->timer = 0;
		log_err("http: cannot add a timer: %m");
		return -1;
	}
	return 0;
}

/* Fill p->r while the easy handle still holds the transfer's details. */
static void http_result(struct http_probe *p)
{
	struct http_transfer t = {
		.easy = p->easy,
		.code = p->code,
		.errbuf = p->errbuf,
		.phrase = p->phrase,
		.body = p->body,
		.n_body = p->n_body,
		.n_seen = p->n_seen,
		.re = p->have_re ? &p->re : NULL,
	};

	http_result_fill(&p->r, p->c, &t);
}

/* ---- one probe ------------------------------------------------------- */

static void http_free(struct http_probe *p)
{
	http_list_unlink(p);
	if (p->in_multi)
		curl_multi_remove_handle(p->e->multi, p->easy);
	if (p->easy)
		curl_easy_cleanup(p->easy);
	curl_slist_free_all(p->connect_to);
	if (p->have_re)
		regfree(&p->re);
	free(p);
}

/* Free first, then call: done may start a probe for the same check. */
static void http_deliver(struct http_probe *p)
{
	struct probe_result r = p->r;
	probe_done_fn done = p->done;
	void *arg = p->arg;

	http_free(p);
	done(arg, &r);
}

/* CURLOPT_WRITEFUNCTION: keep what fits, count the rest. */
static size_t http_on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_probe *p = arg;
	size_t len = size * n;
	size_t room = p->body_cap - p->n_body;
	size_t take = len < room ? len : room;

	memcpy(p->body + p->n_body, data, take);
	p->n_body += take;
	p->n_seen += len;
	return len;
}

/* CURLOPT_HEADERFUNCTION: remember the phrase of "HTTP/1.1 200 OK". */
static size_t http_on_header(char *data, size_t size, size_t n, void *arg)
{
	struct http_probe *p = arg;
	size_t len = size * n;
	const char *sp;

	if (len < 5 || memcmp(data, "HTTP/", 5) != 0)
		return len;
	p->phrase[0] = '\0';
	sp = memchr(data, ' ', len);
	/* "HTTP/x SSS phrase": the phrase starts 5 past the first space. */
	if (sp && (size_t)(sp - data) + 5 < len && sp[4] == ' ')
		probe_copy_line(p->phrase, sizeof(p->phrase), sp + 5,
				len - (size_t)(sp - data) - 5);
	return len;
}

static int http_set_options(struct http_probe *p)
{
	const struct check_cfg *c = p->c;
	CURL *h = p->easy;
	bool verify = c->u.http.verify_tls;
	int bad = 0;

	bad |= curl_easy_setopt(h, CURLOPT_URL, c->u.http.url);
	bad |= curl_easy_setopt(h, CURLOPT_PRIVATE, (char *)p);
	bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, p->errbuf);
	bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	bad |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION,
				c->u.http.follow_redirects ? 1L : 0L);
	bad |= curl_easy_setopt(h, CURLOPT_MAXREDIRS,
				(long)HTTP_PROBE_MAX_REDIRS);
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	/* Harmless without TLS, and covers a redirect to https. */
	bad |= curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
	bad |= curl_easy_setopt(h, CURLOPT_USERAGENT, "pilotlight/" PL_VERSION);
	/* Measure the service, never a proxy from the environment. */
	bad |= curl_easy_setopt(h, CURLOPT_PROXY, "");
	bad |= curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	bad |= curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_on_body);
	bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, p);
	bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_on_header);
	bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, p);
	if (bad) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Connect the URL's host:port to ip instead of resolving the name.  A URL
 * curl cannot parse is left for the transfer to report through done. */
static int http_pin(struct http_probe *p, const char *ip)
{
	unsigned char bin[sizeof(struct in6_addr)];
	bool v6 = inet_pton(AF_INET6, ip, bin) == 1;
	char *host = NULL, *port = NULL, entry[320];
	CURLU *u;
	int rc = -1;

	if (!v6 && inet_pton(AF_INET, ip, bin) != 1) {
		errno = EINVAL;
		return -1;
	}
	u = curl_url();
	if (!u) {
		errno = ENOMEM;
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, p->c->u.http.url, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
	    host[0] == '[' || inet_pton(AF_INET, host, bin) == 1) {
		rc = 0; /* unparsable, or already a literal */
		goto out;
	}
	snprintf(entry, sizeof(entry), "%.255s:%s:%s%s%s:", host, port,
		 v6 ? "[" : "", ip, v6 ? "]" : "");
	p->connect_to = curl_slist_append(NULL, entry);
	if (!p->connect_to ||
	    curl_easy_setopt(p->easy, CURLOPT_CONNECT_TO, p->connect_to)) {
		errno = ENOMEM;
		goto out;
	}
	rc = 0;
out:
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

static struct http_probe *http_alloc(struct http_engine *e,
				     const struct check_cfg *c,
				     probe_done_fn done, void *arg)
{
	size_t cap = c->u.http.body ? HTTP_PROBE_BODY_MAX : 0;
	struct http_probe *p = calloc(1, sizeof(*p) + cap + 1);

	if (!p)
		return NULL;
	p->e = e;
	p->c = c;
	p->done = done;
	p->arg = arg;
	p->body_cap = cap;
	probe_result_init(&p->r);
	return p;
}

struct http_probe *http_probe_start(struct http_engine *e,
				    const struct check_cfg *c,
				    const char *resolved_ip, probe_done_fn done,
				    void *arg)
{
	struct http_probe *p;
	int err;

	if (!e || !c || !done || !c->u.http.url || c->timeout_ms <= 0) {
		errno = EINVAL;
		return NULL;
	}
	p = http_alloc(e, c, done, arg);
	if (!p)
		return NULL;
	/* REG_NEWLINE: ^ and $ match at the body's line breaks. */
	if (c->u.http.body && c->u.http.body_regex) {
		if (regcomp(&p->re, c->u.http.body,
			    REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0) {
			errno = EINVAL;
			goto err_free;
		}
		p->have_re = true;
	}
	p->easy = curl_easy_init();
	if (!p->easy) {
		errno = ENOMEM;
		goto err_free;
	}
	if (http_set_options(p) < 0 ||
	    (resolved_ip && http_pin(p, resolved_ip) < 0))
		goto err_free;
	if (curl_multi_add_handle(e->multi, p->easy) != CURLM_OK) {
		errno = ENOMEM;
		goto err_free;
	}
	p->in_multi = true;
	http_list_push(&e->running, p);
	return p;

err_free:
	err = errno;
	http_free(p);
	errno = err;
	return NULL;
}

void http_probe_cancel(struct http_probe *p)
{
	if (p)
		http_free(p);
}

/* ---- the engine ------------------------------------------------------ */

/* libcurl's global state is set up once and kept for the process's life:
 * it is not safe to tear down and build again with every TLS backend. */
static int http_global_init(void)
{
	static bool done;
	const curl_version_info_data *v;

	if (done)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		errno = ENOMEM;
		return -1;
	}
	done = true;
	v = curl_version_info(CURLVERSION_NOW);
	if (!(v->features & CURL_VERSION_ASYNCHDNS))
		log_warn("http: libcurl %s resolves names synchronously; "
			 "unpinned http checks may stall the loop",
			 v->version);
	if (!(v->features & CURL_VERSION_SSL))
		log_warn("http: libcurl %s has no TLS; https checks fail",
			 v->version);
	return 0;
}

struct http_engine *http_engine_open(struct loop *l)
{
	struct http_engine *e;
	int bad = 0;

	if (!l) {
		errno = EINVAL;
		return NULL;
	}
	if (http_global_init() < 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->l = l;
	e->multi = curl_multi_init();
	if (!e->multi) {
		errno = ENOMEM;
		goto err_free;
	}
	bad |= curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION,
				 http_on_socket);
	bad |= curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
	bad |= curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION,
				 http_on_curl_timer);
	bad |= curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
	if (bad) {
		errno = EINVAL;
		goto err_multi;
	}
	return e;

err_multi:
	curl_multi_cleanup(e->multi);
err_free:
	free(e);
	return NULL;
}

void http_engine_close(struct http_engine *e)
{
	if (!e)
		return;
	while (e->running)
		http_probe_cancel(e->running);
	while (e->finished)
		http_probe_cancel(e->finished);
	/* Cleanup may still call back about sockets and the timer. */
	curl_multi_cleanup(e->multi);
	if (e->timer > 0)
		loop_del_timer(e->l, e->timer);
	for (size_t i = 0; i < e->n_fds; i++)
		loop_del_fd(e->l, e->fds[i]);
	free(e->fds);
	free(e);
}
