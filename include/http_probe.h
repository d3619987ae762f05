/*
 * http_probe.h - the HTTP(S) check: one GET per round, the status and
 * optionally the body matched, the response time and the days left on the
 * server's certificate measured.  Built on libcurl's multi interface, whose
 * sockets and timeouts the loop drives, so no probe ever blocks it.
 *
 * Lifecycle: http_engine_open() once → http_probe_start() per round → the
 * loop drives it → done is called once, after which the probe frees itself;
 * or http_probe_cancel() before that, and done is never called →
 * http_engine_close() at exit.
 *
 * At most HTTP_PROBE_BODY_MAX bytes of a body are kept for matching; the
 * rest is read and thrown away, so a huge answer costs time, not memory.
 */
#ifndef PL_HTTP_PROBE_H
#define PL_HTTP_PROBE_H

#include "config.h"
#include "probe.h"

#define HTTP_PROBE_BODY_MAX   (64 * 1024)
#define HTTP_PROBE_MAX_REDIRS 5

struct loop;
struct http_engine;
struct http_probe;

/* One engine serves every HTTP check of the daemon.  Returns NULL with
 * errno on failure (ELIBACC: libcurl not loaded, see curl_dl.h).  Free
 * with http_engine_close(). */
struct http_engine *http_engine_open(struct loop *l);

/* Cancels the probes still running (their done is not called) and frees
 * the engine.  Accepts NULL.  Not from inside a done callback. */
void http_engine_close(struct http_engine *e);

/* Fetch c->u.http.url within c->timeout_ms.  resolved_ip, when not NULL,
 * is a literal IPv4/IPv6 address the URL's host is connected to instead of
 * being looked up (the Host header, SNI and certificate check still use the
 * name); without it, and for redirects to other hosts, libcurl's threaded
 * resolver looks the name up off the loop.  c must stay valid until done
 * runs or the probe is cancelled; resolved_ip is copied.
 *
 * Returns NULL with errno only if the probe cannot even start (no memory,
 * bad arguments, a body regex that does not compile); every network
 * outcome is reported through done, from the loop, never from inside this
 * call. */
struct http_probe *http_probe_start(struct http_engine *e,
				    const struct check_cfg *c,
				    const char *resolved_ip, probe_done_fn done,
				    void *arg);

/* Stop a running probe and free it; done will not be called.  Accepts
 * NULL.  Not for a probe whose done has already run (it is gone). */
void http_probe_cancel(struct http_probe *p);

#endif
