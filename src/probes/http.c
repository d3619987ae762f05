/*
 * http.c - the HTTP(S) check on libcurl's multi interface, driven from
 * the loop by curl_loop.h: finished transfers are delivered from the
 * loop, never from inside http_probe_start().  No name is looked up on
 * the loop: a pinned address goes in with CURLOPT_CONNECT_TO, anything
 * else to libcurl's threaded resolver.  Each probe opens a fresh connection, so every round
 * measures connect + TLS and sees the certificate served now; what the
 * answer means is http_result.c's business.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl_dl.h"
#include "curl_loop.h"
#include "http_probe.h"
#include "http_result.h"
#include "log.h"
#include "match.h"
#include "probe_util.h"

#define HTTP_PHRASE_MAX 32

struct http_engine {
	struct curl_loop *cl;
};

struct http_probe {
	struct http_engine *e;
	const struct check_cfg *c;
	probe_done_fn done;
	void *arg;
	struct curl_loop_xfer x; /* x.easy: the transfer; x.arg: this probe */
	struct curl_slist *connect_to;
	struct match *re; /* body_regex, NULL: substring or no body */
	size_t body_cap;  /* HTTP_PROBE_BODY_MAX, or 0: body not checked */
	size_t n_body;	  /* bytes kept, <= body_cap */
	uint64_t n_seen;  /* body bytes received, kept or not */
	char phrase[HTTP_PHRASE_MAX]; /* of the last status line */
	char errbuf[CURL_ERROR_SIZE];
	struct probe_result r;
	char body[]; /* body_cap + 1 */
};

/* Fill p->r while the easy handle still holds the transfer's details. */
static void http_result(struct http_probe *p, CURLcode code)
{
	struct http_transfer t = {
		.easy = p->x.easy,
		.code = code,
		.errbuf = p->errbuf,
		.phrase = p->phrase,
		.body = p->body,
		.n_body = p->n_body,
		.n_seen = p->n_seen,
		.re = p->re,
	};

	http_result_fill(&p->r, p->c, &t);
}

/* ---- one probe ------------------------------------------------------- */

static void http_free(struct http_probe *p)
{
	curl_loop_remove(p->e->cl, &p->x);
	if (p->x.easy)
		sym_curl_easy_cleanup(p->x.easy);
	sym_curl_slist_free_all(p->connect_to);
	match_free(p->re);
	free(p);
}

/* The transfer is off the multi.  Free first, then call: done may start
 * a probe for the same check. */
static void http_on_done(struct curl_loop_xfer *x, CURLcode code)
{
	struct http_probe *p = x->arg;
	struct probe_result r;
	probe_done_fn done = p->done;
	void *arg = p->arg;

	http_result(p, code);
	r = p->r;
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
	CURL *h = p->x.easy;
	bool verify = c->u.http.verify_tls;
	int bad = 0;

	bad |= sym_curl_easy_setopt(h, CURLOPT_URL, c->u.http.url);
	bad |= sym_curl_easy_setopt(h, CURLOPT_ERRORBUFFER, p->errbuf);
	bad |= sym_curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	bad |= sym_curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	bad |= sym_curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	bad |= sym_curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR,
				    "http,https");
	bad |= sym_curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION,
				    c->u.http.follow_redirects ? 1L : 0L);
	bad |= sym_curl_easy_setopt(h, CURLOPT_MAXREDIRS,
				    (long)HTTP_PROBE_MAX_REDIRS);
	bad |= sym_curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER,
				    verify ? 1L : 0L);
	bad |= sym_curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST,
				    verify ? 2L : 0L);
	/* Harmless without TLS, and covers a redirect to https. */
	bad |= sym_curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
	bad |= sym_curl_easy_setopt(h, CURLOPT_USERAGENT,
				    "pilotlight/" PL_VERSION);
	/* Measure the service, never a proxy from the environment. */
	bad |= sym_curl_easy_setopt(h, CURLOPT_PROXY, "");
	bad |= sym_curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	bad |= sym_curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	bad |= sym_curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_on_body);
	bad |= sym_curl_easy_setopt(h, CURLOPT_WRITEDATA, p);
	bad |= sym_curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_on_header);
	bad |= sym_curl_easy_setopt(h, CURLOPT_HEADERDATA, p);
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
	u = sym_curl_url();
	if (!u) {
		errno = ENOMEM;
		return -1;
	}
	if (sym_curl_url_set(u, CURLUPART_URL, p->c->u.http.url, 0) ||
	    sym_curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    sym_curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
	    host[0] == '[' || inet_pton(AF_INET, host, bin) == 1) {
		rc = 0; /* unparsable, or already a literal */
		goto out;
	}
	snprintf(entry, sizeof(entry), "%.255s:%s:%s%s%s:", host, port,
		 v6 ? "[" : "", ip, v6 ? "]" : "");
	p->connect_to = sym_curl_slist_append(NULL, entry);
	if (!p->connect_to ||
	    sym_curl_easy_setopt(p->x.easy, CURLOPT_CONNECT_TO,
				 p->connect_to)) {
		errno = ENOMEM;
		goto out;
	}
	rc = 0;
out:
	sym_curl_free(host);
	sym_curl_free(port);
	sym_curl_url_cleanup(u);
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
	p->x.done = http_on_done;
	p->x.arg = p;
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
	/* MATCH_TEXT: ^ and $ match at the body's line breaks. */
	if (c->u.http.body && c->u.http.body_regex) {
		p->re = match_new(c->u.http.body, MATCH_TEXT, NULL, 0);
		if (!p->re)
			goto err_free;
	}
	p->x.easy = sym_curl_easy_init();
	if (!p->x.easy) {
		errno = ENOMEM;
		goto err_free;
	}
	if (http_set_options(p) < 0 ||
	    (resolved_ip && http_pin(p, resolved_ip) < 0))
		goto err_free;
	if (curl_loop_add(e->cl, &p->x) < 0) {
		errno = ENOMEM;
		goto err_free;
	}
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

/* What this libcurl cannot do is said once per process. */
static void http_check_features(void)
{
	static bool done;
	const curl_version_info_data *v;

	if (done)
		return;
	done = true;
	v = sym_curl_version_info(CURLVERSION_NOW);
	if (!(v->features & CURL_VERSION_ASYNCHDNS))
		log_warn("http: libcurl %s resolves names synchronously; "
			 "unpinned http checks may stall the loop",
			 v->version);
	if (!(v->features & CURL_VERSION_SSL))
		log_warn("http: libcurl %s has no TLS; https checks fail",
			 v->version);
}

struct http_engine *http_engine_open(struct loop *l)
{
	struct http_engine *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return NULL;
	e->cl = curl_loop_new(l, "http");
	if (!e->cl) {
		err = errno;
		free(e);
		errno = err;
		return NULL;
	}
	http_check_features();
	return e;
}

void http_engine_close(struct http_engine *e)
{
	struct curl_loop_xfer *x;

	if (!e)
		return;
	while ((x = curl_loop_first(e->cl)))
		http_probe_cancel(x->arg);
	curl_loop_free(e->cl);
	free(e);
}
