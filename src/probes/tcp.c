/*
 * tcp.c - the TCP service check: a non-blocking connect, an optional
 * request written in full, an optional reply read into a bounded buffer
 * and matched as a substring or a regex (match.h).  The reply is matched
 * again as each piece arrives; all of those matches spend from one
 * budget, so a reply trickled in byte by byte costs no more than one.
 *
 * One deadline timer covers the whole exchange.  The same timer, re-armed
 * at 0 ns, delivers results known before the loop ever ran (an immediate
 * refusal), so done is never called from inside tcp_probe_start().
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "probe_util.h"
#include "loop.h"
#include "match.h"
#include "tcp_probe.h"

struct tcp_probe {
	struct loop *l;
	const struct check_cfg *c;
	probe_done_fn done;
	void *arg;
	int fd;		  /* -1 once closed */
	int64_t timer;	  /* 0 when none */
	int64_t start_ns; /* connect() called */
	int64_t mark_ns;  /* connected (no expect) or matched */
	bool connected;
	bool finished; /* r holds the result; deliver it */
	size_t send_len, sent;
	struct match *re;  /* expect_regex, NULL: substring */
	int64_t budget_ns; /* left for matching this reply */
	size_t n_rx;
	char rx[TCP_PROBE_RX_MAX];
	struct probe_result r;
};

static void tcp_release(struct tcp_probe *p)
{
	if (p->fd >= 0) {
		loop_del_fd(p->l, p->fd);
		close(p->fd);
		p->fd = -1;
	}
	if (p->timer > 0) {
		loop_del_timer(p->l, p->timer);
		p->timer = 0;
	}
	match_free(p->re);
	p->re = NULL;
}

/* Hand the result over and free the probe; only ever from the loop. */
static void tcp_deliver(struct tcp_probe *p)
{
	tcp_release(p);
	p->done(p->arg, &p->r);
	free(p);
}

static void tcp_fail(struct tcp_probe *p, int err)
{
	p->r.ok = false;
	snprintf(p->r.reason, sizeof(p->r.reason), "%s",
		 probe_errno_reason(err));
	tcp_deliver(p);
}

static void tcp_succeed(struct tcp_probe *p, const char *what)
{
	double ms = probe_elapsed_ms(p->start_ns, p->mark_ns);
	char t[32];

	probe_fmt_ms(t, sizeof(t), ms);
	p->r.ok = true;
	p->r.value[METRIC_RESPONSE_TIME] = ms;
	snprintf(p->r.reason, sizeof(p->r.reason), "%s in %s ms", what, t);
	tcp_deliver(p);
}

/* The reply so far is all there will be and did not match. */
static void tcp_mismatch(struct tcp_probe *p)
{
	/* "reply did not match '" + "'" + NUL take 23 of the reason. */
	char quoted[STATUS_REASON_MAX - 23];
	char line[STATUS_REASON_MAX];

	p->r.ok = false;
	if (p->n_rx == 0) {
		snprintf(p->r.reason, sizeof(p->r.reason),
			 "connection closed without reply");
		tcp_deliver(p);
		return;
	}
	/* The reason is short (LCD); the output has room for the expect. */
	probe_copy_line(quoted, sizeof(quoted), p->rx, p->n_rx);
	snprintf(p->r.reason, sizeof(p->r.reason), "reply did not match '%s'",
		 quoted);
	probe_copy_line(line, sizeof(line), p->rx, p->n_rx);
	snprintf(p->r.output, sizeof(p->r.output),
		 "expected %s'%.80s', got '%s'",
		 p->c->u.tcp.expect_regex ? "regex " : "", p->c->u.tcp.expect,
		 line);
	tcp_deliver(p);
}

static enum match_outcome tcp_matches(struct tcp_probe *p)
{
	const char *want = p->c->u.tcp.expect;

	if (p->re)
		return match_run(p->re, p->rx, p->n_rx, &p->budget_ns);
	return memmem(p->rx, p->n_rx, want, strlen(want)) ? MATCH_FOUND
							  : MATCH_NONE;
}

/* The regex ran out of budget on this reply: a bad result (CRITICAL once
 * fail_after rounds agree) rather than a loop held. */
static void tcp_undecided(struct tcp_probe *p, enum match_outcome o)
{
	char line[STATUS_REASON_MAX];

	p->r.ok = false;
	snprintf(p->r.reason, sizeof(p->r.reason), "expect_regex: %s",
		 match_outcome_name(o));
	probe_copy_line(line, sizeof(line), p->rx, p->n_rx);
	snprintf(p->r.output, sizeof(p->r.output),
		 "expect_regex: %s on %zu reply bytes (budget %lld ms): '%s'",
		 match_outcome_name(o), p->n_rx,
		 (long long)(MATCH_BUDGET_NS / NS_PER_MS), line);
	tcp_deliver(p);
}

static int64_t tcp_on_timer(struct loop *l, void *arg)
{
	struct tcp_probe *p = arg;

	(void)l;
	p->timer = 0;
	if (p->finished) {
		tcp_deliver(p);
		return LOOP_TIMER_DONE;
	}
	if (p->connected && p->c->u.tcp.expect && p->n_rx > 0) {
		tcp_mismatch(p);
		return LOOP_TIMER_DONE;
	}
	p->r.ok = false;
	snprintf(p->r.reason, sizeof(p->r.reason), "timeout after %lld ms",
		 (long long)p->c->timeout_ms);
	tcp_deliver(p);
	return LOOP_TIMER_DONE;
}

/* What the socket should wake us for, or 0 when the exchange is over. */
static uint32_t tcp_interest(const struct tcp_probe *p)
{
	uint32_t ev = 0;

	if (p->sent < p->send_len)
		ev |= EPOLLOUT;
	if (p->c->u.tcp.expect)
		ev |= EPOLLIN;
	return ev;
}

/* Write what the socket takes.  Returns 0, or -1 after delivering. */
static int tcp_send(struct tcp_probe *p)
{
	const char *s = p->c->u.tcp.send;

	while (p->sent < p->send_len) {
		ssize_t n = send(p->fd, s + p->sent, p->send_len - p->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n >= 0) {
			p->sent += (size_t)n;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else if (errno != EINTR) {
			tcp_fail(p, errno);
			return -1;
		}
	}
	return 0;
}

/* Read until EAGAIN, a match, EOF or a full buffer.  Returns 1 after
 * delivering, 0 while waiting for more. */
static int tcp_read(struct tcp_probe *p)
{
	enum match_outcome o;

	while (p->n_rx < sizeof(p->rx)) {
		ssize_t n = recv(p->fd, p->rx + p->n_rx,
				 sizeof(p->rx) - p->n_rx, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			tcp_fail(p, errno);
			return 1;
		}
		if (n == 0)
			break;
		p->n_rx += (size_t)n;
		o = tcp_matches(p);
		if (o == MATCH_FOUND) {
			p->mark_ns = clock_now_ns();
			probe_copy_line(p->r.output, sizeof(p->r.output), p->rx,
					p->n_rx);
			tcp_succeed(p, "reply matched");
			return 1;
		}
		if (o != MATCH_NONE) {
			tcp_undecided(p, o);
			return 1;
		}
	}
	tcp_mismatch(p); /* EOF or full: no more chances */
	return 1;
}

/* Connected: start sending, or finish if there is nothing to exchange. */
static void tcp_connected(struct tcp_probe *p)
{
	uint32_t ev;

	p->connected = true;
	/* Without expect, the time to connect is the measure; the request
	 * still goes out first so the server sees a complete exchange. */
	p->mark_ns = clock_now_ns();
	if (tcp_send(p) < 0)
		return;
	ev = tcp_interest(p);
	if (ev == 0) {
		tcp_succeed(p, "connected");
		return;
	}
	if (loop_mod_fd(p->l, p->fd, ev) < 0)
		tcp_fail(p, errno);
}

static void tcp_on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct tcp_probe *p = arg;
	int err = 0;
	socklen_t elen = sizeof(err);

	(void)l;
	if (!p->connected) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err)
			tcp_fail(p, err);
		else if (events & EPOLLOUT)
			tcp_connected(p);
		return;
	}
	if (p->c->u.tcp.expect && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
	    tcp_read(p))
		return;
	/* Still sending: a hang-up or error shows up as send() failing. */
	if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) &&
	    p->sent < p->send_len && tcp_send(p) == 0) {
		if (tcp_interest(p) == 0)
			tcp_succeed(p, "connected");
		else if (loop_mod_fd(p->l, p->fd, tcp_interest(p)) < 0)
			tcp_fail(p, errno);
	}
}

/* A result known already: keep it and let the loop deliver it. */
static int tcp_defer(struct tcp_probe *p, int err)
{
	snprintf(p->r.reason, sizeof(p->r.reason), "%s",
		 probe_errno_reason(err));
	p->finished = true;
	close(p->fd);
	p->fd = -1;
	loop_del_timer(p->l, p->timer);
	p->timer = loop_add_timer(p->l, 0, tcp_on_timer, p);
	return p->timer > 0 ? 0 : -1;
}

static int tcp_connect(struct tcp_probe *p, const struct sockaddr *addr,
		       socklen_t len)
{
	p->start_ns = clock_now_ns();
	p->timer = loop_add_timer(p->l, p->c->timeout_ms * NS_PER_MS,
				  tcp_on_timer, p);
	if (p->timer < 0)
		return -1;
	if (connect(p->fd, addr, len) < 0 && errno != EINPROGRESS)
		return tcp_defer(p, errno);
	/* Connected at once (rare, loopback) or in progress: either way the
	 * socket turns writable and tcp_on_fd takes it from there. */
	return loop_add_fd(p->l, p->fd, EPOLLOUT, tcp_on_fd, p);
}

struct tcp_probe *tcp_probe_start(struct loop *l, const struct sockaddr *addr,
				  socklen_t len, const struct check_cfg *c,
				  probe_done_fn done, void *arg)
{
	struct tcp_probe *p;
	int err;

	if (!l || !addr || !c || !done || c->timeout_ms <= 0) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	*p = (struct tcp_probe){
		.l = l, .c = c, .done = done, .arg = arg, .fd = -1
	};
	probe_result_init(&p->r);
	p->send_len = c->u.tcp.send ? strlen(c->u.tcp.send) : 0;
	p->budget_ns = MATCH_BUDGET_NS;
	/* MATCH_BYTES: ^ is the start of the reply, '.' any byte. */
	if (c->u.tcp.expect && c->u.tcp.expect_regex) {
		p->re = match_new(c->u.tcp.expect, MATCH_BYTES, NULL, 0);
		if (!p->re)
			goto err_free;
	}
	p->fd = socket(addr->sa_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		goto err_release;
	if (tcp_connect(p, addr, len) < 0)
		goto err_release;
	return p;

err_release:
	err = errno;
	tcp_release(p);
	errno = err;
err_free:
	free(p);
	return NULL;
}

void tcp_probe_cancel(struct tcp_probe *p)
{
	if (!p)
		return;
	tcp_release(p);
	free(p);
}
