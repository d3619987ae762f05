/*
 * curl_loop.c - a libcurl multi handle on the event loop (curl_loop.h).
 *
 * CURLMOPT_SOCKETFUNCTION adds, changes and removes the sockets curl
 * names; CURLMOPT_TIMERFUNCTION arms one loop timer.  Finished transfers
 * are first all moved off the multi onto a list, then delivered one by
 * one, so a done callback may start or abort transfers freely: one it
 * aborts is simply no longer on the list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "curl_dl.h"
#include "curl_loop.h"
#include "log.h"
#include "loop.h"

struct curl_loop {
	struct loop *l;
	CURLM *multi;
	const char *name;
	int64_t timer; /* 0: none */
	struct curl_loop_xfer *running, *finished;
	int *fds; /* sockets on the loop */
	size_t n_fds, cap_fds;
};

static void xfer_push(struct curl_loop_xfer **head, struct curl_loop_xfer *x)
{
	x->next = *head;
	if (*head)
		(*head)->pprev = &x->next;
	*head = x;
	x->pprev = head;
}

static void xfer_unlink(struct curl_loop_xfer *x)
{
	if (!x->pprev)
		return;
	*x->pprev = x->next;
	if (x->next)
		x->next->pprev = x->pprev;
	x->next = NULL;
	x->pprev = NULL;
}

static int fd_track(struct curl_loop *cl, int fd)
{
	if (cl->n_fds == cl->cap_fds) {
		size_t cap = cl->cap_fds ? cl->cap_fds * 2 : 8;
		int *v = realloc(cl->fds, cap * sizeof(*v));

		if (!v)
			return -1;
		cl->fds = v;
		cl->cap_fds = cap;
	}
	cl->fds[cl->n_fds++] = fd;
	return 0;
}

static void fd_untrack(struct curl_loop *cl, int fd)
{
	for (size_t i = 0; i < cl->n_fds; i++) {
		if (cl->fds[i] == fd) {
			cl->fds[i] = cl->fds[--cl->n_fds];
			return;
		}
	}
}

static void collect(struct curl_loop *cl)
{
	struct curl_loop_xfer *x;
	CURLMsg *m;
	int left;

	while ((m = sym_curl_multi_info_read(cl->multi, &left))) {
		char *priv = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		sym_curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		x = (struct curl_loop_xfer *)priv;
		x->code = m->data.result; /* m dies with the removal */
		sym_curl_multi_remove_handle(cl->multi, x->easy);
		x->in_multi = false;
		xfer_unlink(x);
		xfer_push(&cl->finished, x);
	}
	while ((x = cl->finished)) {
		xfer_unlink(x);
		x->done(x, x->code);
	}
}

static void on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct curl_loop *cl = arg;
	int mask = 0, running;

	(void)l;
	if (events & (EPOLLIN | EPOLLHUP))
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (events & EPOLLERR)
		mask |= CURL_CSELECT_ERR;
	sym_curl_multi_socket_action(cl->multi, fd, mask, &running);
	collect(cl);
}

/* CURLMOPT_SOCKETFUNCTION.  socketp is non-NULL once the socket is on the
 * loop.  A socket the loop cannot watch is logged and left to the
 * transfer's timeout: failing here would abort every transfer. */
static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
		     void *socketp)
{
	struct curl_loop *cl = userp;
	uint32_t ev = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (socketp) {
			loop_del_fd(cl->l, s);
			fd_untrack(cl, s);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (socketp) {
		if (loop_mod_fd(cl->l, s, ev) < 0)
			log_warn("%s: cannot watch socket %d: %m", cl->name, s);
		return 0;
	}
	if (fd_track(cl, s) < 0) {
		log_warn("%s: cannot watch socket %d: %m", cl->name, s);
		return 0;
	}
	/* EEXIST: an fd number curl reused before we saw its REMOVE. */
	if (loop_add_fd(cl->l, s, ev, on_fd, cl) < 0 &&
	    (errno != EEXIST || loop_mod_fd(cl->l, s, ev) < 0)) {
		log_warn("%s: cannot watch socket %d: %m", cl->name, s);
		fd_untrack(cl, s);
		return 0;
	}
	sym_curl_multi_assign(cl->multi, s, cl);
	return 0;
}

static int64_t on_timer(struct loop *l, void *arg)
{
	struct curl_loop *cl = arg;
	int running;

	(void)l;
	cl->timer = 0; /* curl may ask for a new one from in here */
	sym_curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0,
				     &running);
	collect(cl);
	return LOOP_TIMER_DONE;
}

/* CURLMOPT_TIMERFUNCTION: -1 deletes the timer; 0 means "as soon as the
 * loop can", which must not call back into curl from here. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_loop *cl = userp;

	(void)multi;
	if (cl->timer > 0) {
		loop_del_timer(cl->l, cl->timer);
		cl->timer = 0;
	}
	if (timeout_ms < 0)
		return 0;
	cl->timer = loop_add_timer(cl->l, (int64_t)timeout_ms * NS_PER_MS,
				   on_timer, cl);
	if (cl->timer < 0) {
		cl->timer = 0;
		log_err("%s: cannot add a timer: %m", cl->name);
		return -1;
	}
	return 0;
}

struct curl_loop *curl_loop_new(struct loop *l, const char *name)
{
	struct curl_loop *cl;
	int bad = 0;

	if (!l) {
		errno = EINVAL;
		return NULL;
	}
	/* The config that needs HTTP loaded libcurl (curl_dl.h). */
	if (!curl_dl_loaded()) {
		errno = ELIBACC;
		return NULL;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return NULL;
	cl->l = l;
	cl->name = name;
	cl->multi = sym_curl_multi_init();
	if (!cl->multi) {
		errno = ENOMEM;
		goto err_free;
	}
	bad |= sym_curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION,
				     on_socket);
	bad |= sym_curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	bad |= sym_curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION,
				     on_curl_timer);
	bad |= sym_curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	if (bad) {
		errno = EINVAL;
		goto err_multi;
	}
	return cl;

err_multi:
	sym_curl_multi_cleanup(cl->multi);
err_free:
	free(cl);
	return NULL;
}

int curl_loop_add(struct curl_loop *cl, struct curl_loop_xfer *x)
{
	/* CURLE_OK and CURLM_OK are 0. */
	if (sym_curl_easy_setopt(x->easy, CURLOPT_PRIVATE, (char *)x) ||
	    sym_curl_multi_add_handle(cl->multi, x->easy)) {
		errno = EINVAL;
		return -1;
	}
	x->in_multi = true;
	xfer_push(&cl->running, x);
	return 0;
}

void curl_loop_remove(struct curl_loop *cl, struct curl_loop_xfer *x)
{
	xfer_unlink(x);
	if (x->in_multi)
		sym_curl_multi_remove_handle(cl->multi, x->easy);
	x->in_multi = false;
}

struct curl_loop_xfer *curl_loop_first(const struct curl_loop *cl)
{
	return cl->running ? cl->running : cl->finished;
}

void curl_loop_free(struct curl_loop *cl)
{
	if (!cl)
		return;
	while (cl->running)
		curl_loop_remove(cl, cl->running);
	while (cl->finished)
		curl_loop_remove(cl, cl->finished);
	/* Cleanup may still call back about sockets and the timer. */
	sym_curl_multi_cleanup(cl->multi);
	if (cl->timer > 0)
		loop_del_timer(cl->l, cl->timer);
	for (size_t i = 0; i < cl->n_fds; i++)
		loop_del_fd(cl->l, cl->fds[i]);
	free(cl->fds);
	free(cl);
}
