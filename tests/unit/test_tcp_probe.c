/*
 * test_tcp_probe.c - the TCP check against real loopback servers this test
 * runs in the same loop: one that never answers, one with an SSH banner,
 * one that floods 10 MB, one that answers a request, and a closed port.
 * Asserts what a user sees: ok, the reason text, the response time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop_fixture.h"
#include "tcp_probe.h"

#define FLOOD_BYTES (10 * 1024 * 1024)
#define MAX_CONNS   8

enum srv_kind {
	SRV_SILENT,	  /* accepts, never says a word */
	SRV_BANNER,	  /* "SSH-2.0-test\r\n", then silence */
	SRV_BANNER_CLOSE, /* "220 mail ready\r\n", then closes */
	SRV_FLOOD,	  /* 10 MB of 'A', as fast as the client takes it */
	SRV_SINK,	  /* reads sink_want bytes, then answers "DONE\n" */
	SRV_PONG,	  /* answers "PONG ok\r\n" once it read "PING\n" */
};

struct conn {
	int fd;
	size_t n_out; /* flood: bytes written */
	size_t n_in;  /* bytes read */
};

struct server {
	struct loop *l;
	enum srv_kind kind;
	int lfd;
	struct sockaddr_storage addr;
	socklen_t len;
	struct conn conns[MAX_CONNS];
	int n_conns;
	size_t sink_want;
	char got[64]; /* the first bytes the client sent */
};

static void srv_close_conn(struct server *s, struct conn *c)
{
	if (c->fd < 0)
		return;
	loop_del_fd(s->l, c->fd);
	close(c->fd);
	c->fd = -1;
}

static void srv_flood(struct server *s, struct conn *c)
{
	static char chunk[65536];

	memset(chunk, 'A', sizeof(chunk));
	while (c->n_out < FLOOD_BYTES) {
		ssize_t n = send(c->fd, chunk, sizeof(chunk),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN)
				srv_close_conn(s, c);
			return;
		}
		c->n_out += (size_t)n;
	}
	srv_close_conn(s, c);
}

static void srv_input(struct server *s, struct conn *c)
{
	char buf[65536];
	ssize_t n;

	while ((n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		size_t keep = sizeof(s->got) - 1 - strlen(s->got);

		strncat(s->got, buf, (size_t)n < keep ? (size_t)n : keep);
		c->n_in += (size_t)n;
	}
	if (s->kind == SRV_PONG && strstr(s->got, "PING\n"))
		send(c->fd, "PONG ok\r\n", 9, MSG_NOSIGNAL);
	if (s->kind == SRV_SINK && c->n_in >= s->sink_want) {
		send(c->fd, "DONE\n", 5, MSG_NOSIGNAL);
		s->sink_want = SIZE_MAX;
	}
	if (n == 0)
		srv_close_conn(s, c);
}

static void srv_on_conn(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct server *s = arg;
	struct conn *c = NULL;

	(void)l;
	for (int i = 0; i < s->n_conns; i++)
		if (s->conns[i].fd == fd)
			c = &s->conns[i];
	if (!c)
		return;
	if (s->kind == SRV_FLOOD && (events & EPOLLOUT))
		srv_flood(s, c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		srv_input(s, c);
}

static void srv_on_accept(struct loop *l, int lfd, uint32_t events, void *arg)
{
	struct server *s = arg;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct conn *c;

	(void)events;
	if (fd < 0 || s->n_conns == MAX_CONNS) {
		if (fd >= 0)
			close(fd);
		return;
	}
	c = &s->conns[s->n_conns++];
	*c = (struct conn){ .fd = fd };
	if (s->kind == SRV_BANNER)
		send(fd, "SSH-2.0-test\r\n", 14, MSG_NOSIGNAL);
	if (s->kind == SRV_BANNER_CLOSE) {
		send(fd, "220 mail ready\r\n", 16, MSG_NOSIGNAL);
		close(fd);
		c->fd = -1;
		return;
	}
	loop_add_fd(l, fd, s->kind == SRV_FLOOD ? EPOLLOUT : EPOLLIN,
		    srv_on_conn, s);
}

/* Bind an ephemeral loopback port.  Returns 0, or -1 (no IPv6 here). */
static int srv_bind(struct server *s, int family)
{
	s->lfd = loopback_bind(family, SOCK_NONBLOCK | SOCK_CLOEXEC, &s->addr,
			       &s->len);
	return s->lfd < 0 ? -1 : 0;
}

static int srv_open(struct server *s, struct loop *l, enum srv_kind kind,
		    int family)
{
	memset(s, 0, sizeof(*s));
	s->l = l;
	s->kind = kind;
	if (srv_bind(s, family) < 0)
		return -1;
	assert_int_equal(listen(s->lfd, 16), 0);
	assert_int_equal(loop_add_fd(l, s->lfd, EPOLLIN, srv_on_accept, s), 0);
	return 0;
}

/* A loopback port nobody listens on: bound once, then released. */
static void srv_closed_port(struct server *s)
{
	memset(s, 0, sizeof(*s));
	s->lfd = -1;
	assert_int_equal(srv_bind(s, AF_INET), 0);
	close(s->lfd);
	s->lfd = -1;
}

static void srv_close(struct server *s)
{
	for (int i = 0; i < s->n_conns; i++)
		srv_close_conn(s, &s->conns[i]);
	if (s->lfd >= 0) {
		loop_del_fd(s->l, s->lfd);
		close(s->lfd);
	}
}

static void assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", s, prefix);
}

static struct check_cfg tcp_cfg(int64_t timeout_ms, const char *send,
				const char *expect, bool regex)
{
	struct check_cfg c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "test");
	c.type = CHECK_TCP;
	c.interval_ms = 60000;
	c.timeout_ms = timeout_ms;
	c.u.tcp.send = (char *)(uintptr_t)send;
	c.u.tcp.expect = (char *)(uintptr_t)expect;
	c.u.tcp.expect_regex = regex;
	return c;
}

/* Start one probe against s, run the loop until it reports (or a guard
 * of timeout + 3 s fires) and return the elapsed ms. */
static double run_probe(struct probe_run *run, const struct server *s,
			const struct check_cfg *c)
{
	struct tcp_probe *p;

	probe_run_begin(run);
	p = tcp_probe_start(run->l, (const struct sockaddr *)&s->addr, s->len,
			    c, probe_run_done, run);
	assert_non_null(p);
	return probe_run_finish(run, c->timeout_ms + 3000);
}

static int setup(void **state)
{
	*state = probe_run_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	probe_run_free(*state);
	return 0;
}

static void connect_only_reports_connect_time(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(1000, NULL, NULL, false);

	double ms;

	assert_int_equal(srv_open(&s, run->l, SRV_SILENT, AF_INET), 0);
	ms = run_probe(run, &s, &c);
	assert_true(run->r.ok);
	assert_prefix(run->r.reason, "connected in ");
	assert_non_null(strstr(run->r.reason, " ms"));
	/* Loopback connects in well under the time the round took. */
	assert_false(isnan(run->r.value[METRIC_RESPONSE_TIME]));
	assert_true(run->r.value[METRIC_RESPONSE_TIME] >= 0.0);
	assert_true(run->r.value[METRIC_RESPONSE_TIME] <= ms);
	srv_close(&s);
}

static void connect_over_ipv6(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(1000, NULL, NULL, false);

	if (srv_open(&s, run->l, SRV_SILENT, AF_INET6) < 0)
		skip();
	run_probe(run, &s, &c);
	assert_true(run->r.ok);
	assert_prefix(run->r.reason, "connected in ");
	srv_close(&s);
}

static void refused_port(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(1000, "HELLO\n", "x", false);

	srv_closed_port(&s);
	run_probe(run, &s, &c);
	assert_false(run->r.ok);
	assert_string_equal(run->r.reason, "connection refused");
	assert_true(isnan(run->r.value[METRIC_RESPONSE_TIME]));
}

static void silent_server_times_out(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(300, NULL, "SSH-2.0", false);
	double ms;

	assert_int_equal(srv_open(&s, run->l, SRV_SILENT, AF_INET), 0);
	ms = run_probe(run, &s, &c);
	assert_false(run->r.ok);
	assert_string_equal(run->r.reason, "timeout after 300 ms");
	assert_true(ms >= 299.0); /* not before the deadline */
	srv_close(&s);
}

static void banner_matches_substring(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(1000, NULL, "SSH-2.0", false);

	assert_int_equal(srv_open(&s, run->l, SRV_BANNER, AF_INET), 0);
	run_probe(run, &s, &c);
	assert_true(run->r.ok);
	assert_prefix(run->r.reason, "reply matched in ");
	assert_string_equal(run->r.output, "SSH-2.0-test");
	assert_false(isnan(run->r.value[METRIC_RESPONSE_TIME]));
	srv_close(&s);
}

static void banner_matches_regex(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c =
		tcp_cfg(1000, NULL, "^SSH-[0-9]\\.[0-9]-t(es)+t", true);

	assert_int_equal(srv_open(&s, run->l, SRV_BANNER, AF_INET), 0);
	run_probe(run, &s, &c);
	assert_true(run->r.ok);
	assert_prefix(run->r.reason, "reply matched in ");
	srv_close(&s);
}

/* A flood of 'A' against a pattern that backtracks exponentially on
 * them: every piece of the reply is matched as it comes, all from one
 * budget, and the check fails with that reason instead of holding the
 * loop. */
static void regex_limit_is_a_failure(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(5000, NULL, "(A+)+[^A]", true);

	assert_int_equal(srv_open(&s, run->l, SRV_FLOOD, AF_INET), 0);
	run_probe(run, &s, &c);
	assert_false(run->r.ok);
	assert_string_equal(run->r.reason,
			    "expect_regex: match limit exceeded");
	assert_prefix(run->r.output, "expect_regex: match limit exceeded on ");
	assert_non_null(strstr(run->r.output, "(budget 20 ms): 'AAAA"));
	srv_close(&s);
}

/* The pattern is a regex only when asked: "." is then a plain dot. */
static void substring_is_not_a_regex(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(300, NULL, "SSH.2", false);

	assert_int_equal(srv_open(&s, run->l, SRV_BANNER, AF_INET), 0);
	run_probe(run, &s, &c);
	assert_false(run->r.ok);
	assert_string_equal(run->r.reason,
			    "reply did not match 'SSH-2.0-test'");
	srv_close(&s);
}

static void closed_after_banner_is_a_mismatch_at_once(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(2000, NULL, "SSH-2.0", false);

	assert_int_equal(srv_open(&s, run->l, SRV_BANNER_CLOSE, AF_INET), 0);
	run_probe(run, &s, &c);
	assert_false(run->r.ok);
	assert_string_equal(run->r.reason,
			    "reply did not match '220 mail ready'");
	assert_string_equal(run->r.output,
			    "expected 'SSH-2.0', got '220 mail ready'");
	/* EOF ended it, not the deadline ("timeout after 2000 ms"). */
	srv_close(&s);
}

static void flood_is_read_bounded(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(3000, NULL, "NEVER", false);

	assert_int_equal(srv_open(&s, run->l, SRV_FLOOD, AF_INET), 0);
	run_probe(run, &s, &c);
	assert_false(run->r.ok);
	assert_prefix(run->r.reason, "reply did not match 'AAAA");
	assert_true(strlen(run->r.reason) < STATUS_REASON_MAX);
	/* A full buffer ended it, not the deadline (the reason says so),
	 * and far less than the 10 MB were taken. */
	assert_true(s.conns[0].n_out < FLOOD_BYTES);
	srv_close(&s);
}

static void request_and_reply(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(1000, "PING\n", "PONG", false);

	assert_int_equal(srv_open(&s, run->l, SRV_PONG, AF_INET), 0);
	run_probe(run, &s, &c);
	assert_true(run->r.ok);
	assert_string_equal(s.got, "PING\n");
	assert_string_equal(run->r.output, "PONG ok");
	srv_close(&s);
}

/* 8 MB cannot go out in one write: partial writes and EAGAIN. */
static void large_request_is_written_in_full(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	size_t n = 8 * 1024 * 1024;
	char *big = malloc(n + 1);
	struct check_cfg c;

	memset(big, 'r', n);
	big[n] = '\0';
	c = tcp_cfg(5000, big, "DONE", false);
	assert_int_equal(srv_open(&s, run->l, SRV_SINK, AF_INET), 0);
	s.sink_want = n;
	run_probe(run, &s, &c);
	assert_true(run->r.ok);
	assert_int_equal(s.conns[0].n_in, n);
	srv_close(&s);
	free(big);
}

static int64_t cancel_probe(struct loop *l, void *arg)
{
	(void)l;
	tcp_probe_cancel(arg);
	return LOOP_TIMER_DONE;
}

/* A cancelled probe never reports: neither one that is waiting on a
 * silent server nor one whose refusal is already known. */
static void cancel_means_no_callback(void **state)
{
	struct probe_run *run = *state;
	struct server s, closed;
	struct check_cfg c = tcp_cfg(200, NULL, "x", false);
	struct tcp_probe *p1, *p2;

	assert_int_equal(srv_open(&s, run->l, SRV_SILENT, AF_INET), 0);
	srv_closed_port(&closed);
	run->calls = 0;
	p1 = tcp_probe_start(run->l, (struct sockaddr *)&s.addr, s.len, &c,
			     probe_run_done, run);
	p2 = tcp_probe_start(run->l, (struct sockaddr *)&closed.addr,
			     closed.len, &c, probe_run_done, run);
	assert_non_null(p1);
	assert_non_null(p2);
	tcp_probe_cancel(p2);
	loop_add_timer(run->l, 50 * NS_PER_MS, cancel_probe, p1);
	loop_add_timer(run->l, 400 * NS_PER_MS, probe_run_on_guard, NULL);
	loop_run(run->l);
	assert_int_equal(run->calls, 0);
	tcp_probe_cancel(NULL);
	srv_close(&s);
}

static void bad_arguments_do_not_start(void **state)
{
	struct probe_run *run = *state;
	struct server s;
	struct check_cfg c = tcp_cfg(1000, NULL, NULL, false);

	srv_closed_port(&s);
	errno = 0;
	assert_null(tcp_probe_start(run->l, (struct sockaddr *)&s.addr, s.len,
				    &c, NULL, run));
	assert_int_equal(errno, EINVAL);
	c.timeout_ms = 0;
	assert_null(tcp_probe_start(run->l, (struct sockaddr *)&s.addr, s.len,
				    &c, probe_run_done, run));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connect_only_reports_connect_time),
		cmocka_unit_test(connect_over_ipv6),
		cmocka_unit_test(refused_port),
		cmocka_unit_test(silent_server_times_out),
		cmocka_unit_test(banner_matches_substring),
		cmocka_unit_test(banner_matches_regex),
		cmocka_unit_test(regex_limit_is_a_failure),
		cmocka_unit_test(substring_is_not_a_regex),
		cmocka_unit_test(closed_after_banner_is_a_mismatch_at_once),
		cmocka_unit_test(flood_is_read_bounded),
		cmocka_unit_test(request_and_reply),
		cmocka_unit_test(large_request_is_written_in_full),
		cmocka_unit_test(cancel_means_no_callback),
		cmocka_unit_test(bad_arguments_do_not_start),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
