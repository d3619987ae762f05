/*
 * curl_loop.h - a libcurl multi handle driven from the event loop.
 *
 * Lifecycle: curl_loop_new() → curl_loop_add() easy handles (each with a
 * struct curl_loop_xfer the caller embeds) → the done callback runs from
 * the loop, never from inside curl_loop_add() → curl_loop_free().
 *
 * libcurl names the sockets to watch and its next timeout; the loop calls
 * curl_multi_socket_action() back.  Same pattern as the http probe
 * (src/probes/http.c), in a form any module that talks HTTP can share.
 * curl_loop_add() sets CURLOPT_PRIVATE: callers keep their own state in
 * the xfer's arg instead.
 */
#ifndef PL_CURL_LOOP_H
#define PL_CURL_LOOP_H

#include <curl/curl.h>
#include <stdbool.h>

struct loop;
struct curl_loop;
struct curl_loop_xfer;

/* The transfer ended with code; the easy handle is off the multi and
 * the callback may free it, add it again, or add or remove others. */
typedef void (*curl_loop_done_fn)(struct curl_loop_xfer *x, CURLcode code);

struct curl_loop_xfer {
	CURL *easy;
	curl_loop_done_fn done;
	void *arg;
	/* private */
	struct curl_loop_xfer *next, **pprev;
	bool in_multi;
	CURLcode code;
};

/* name prefixes log messages ("webhook").  NULL/errno on failure:
 * ELIBACC while libcurl is not loaded (curl_dl.h). */
struct curl_loop *curl_loop_new(struct loop *l, const char *name);

/* Start x->easy.  Returns 0 or -1/errno. */
int curl_loop_add(struct curl_loop *cl, struct curl_loop_xfer *x);

/* Abort x if it is running or finished but not yet delivered: its done
 * is not called.  The easy handle stays the caller's. */
void curl_loop_remove(struct curl_loop *cl, struct curl_loop_xfer *x);

/* A transfer added and not yet delivered (running, or finished and about
 * to be), or NULL: lets the owner free its transfers before closing. */
struct curl_loop_xfer *curl_loop_first(const struct curl_loop *cl);

/* Aborts whatever is running (no callbacks); accepts NULL. */
void curl_loop_free(struct curl_loop *cl);

#endif
