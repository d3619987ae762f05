/*
 * test_ports_probe.c - the ports check against loopback ports this test
 * opens: listening (open), bound but not listening (closed: refused) or
 * listening with a full accept queue, which drops SYNs (filtered).
 * Asserts the verdict, the first mismatch named in the reason and the
 * open set in the output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop_fixture.h"
#include "ports_probe.h"

/* Test sockets, closed by teardown. */
static int fds[16];
static int n_fds;

static int port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* Bind an ephemeral port and listen with backlog, or (backlog < 0) keep
 * it bound without listening: connects are refused, and no other test
 * socket can be given the port meanwhile.  Returns the port, -1 if the
 * family is not available. */
static int open_port(int family, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = loopback_bind(family, SOCK_CLOEXEC, &ss, &len);

	if (fd < 0)
		return -1;
	if (backlog >= 0)
		assert_int_equal(listen(fd, backlog), 0);
	fds[n_fds++] = fd;
	return port_of(&ss);
}

/* Fill port's accept queue (nobody accepts) so further SYNs are dropped. */
static void choke_port(int port)
{
	struct sockaddr_storage ss;
	socklen_t len;

	loopback_addr(AF_INET, &ss, &len);
	((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	for (int i = 0; i < 3; i++) {
		int fd = socket(AF_INET,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		connect(fd, (struct sockaddr *)&ss, len);
		fds[n_fds++] = fd;
	}
	usleep(50000); /* let the handshakes that fit complete */
}

static struct check_cfg ports_cfg(int64_t timeout_ms, const int *open,
				  int n_open, const int *closed, int n_closed)
{
	struct check_cfg c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "ports");
	c.type = CHECK_PORTS;
	c.interval_ms = 60000;
	c.timeout_ms = timeout_ms;
	if (n_open)
		memcpy(c.u.ports.open, open, sizeof(int) * (size_t)n_open);
	c.u.ports.n_open = n_open;
	if (n_closed)
		memcpy(c.u.ports.closed, closed,
		       sizeof(int) * (size_t)n_closed);
	c.u.ports.n_closed = n_closed;
	return c;
}

/* Probe loopback of family with c; returns the elapsed ms. */
static double run_probe(struct probe_run *run, int family,
			const struct check_cfg *c)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct ports_probe *p;

	loopback_addr(family, &ss, &len);
	probe_run_begin(run);
	p = ports_probe_start(run->l, (struct sockaddr *)&ss, len, c,
			      probe_run_done, run);
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
	for (int i = 0; i < n_fds; i++)
		close(fds[i]);
	n_fds = 0;
	probe_run_free(*state);
	return 0;
}

static void all_as_expected(void **state)
{
	struct probe_run *run = *state;
	int a = open_port(AF_INET, 8), b = open_port(AF_INET, 8);
	int open[2] = { a > b ? a : b, a > b ? b : a }; /* unsorted */
	int closed[2] = { open_port(AF_INET, -1), open_port(AF_INET, -1) };
	struct check_cfg c = ports_cfg(20000, open, 2, closed, 2);
	char want[64];
	double ms;

	ms = run_probe(run, AF_INET, &c);
	assert_true(run->r.ok);
	assert_string_equal(run->r.reason, "4 ports as expected");
	snprintf(want, sizeof(want), "open: %d %d", open[1], open[0]);
	assert_string_equal(run->r.output, want);
	assert_false(isnan(run->r.value[METRIC_RESPONSE_TIME]));
	assert_true(ms < 20000.0); /* no waiting for the deadline */
}

static void open_port_expected_closed(void **state)
{
	struct probe_run *run = *state;
	int open[1] = { open_port(AF_INET, 8) };
	int closed[2] = { open_port(AF_INET, -1), open_port(AF_INET, 8) };
	struct check_cfg c = ports_cfg(1000, open, 1, closed, 2);
	char want[64];

	run_probe(run, AF_INET, &c);
	assert_false(run->r.ok);
	snprintf(want, sizeof(want), "port %d open, expected closed",
		 closed[1]);
	assert_string_equal(run->r.reason, want);
}

static void closed_port_expected_open(void **state)
{
	struct probe_run *run = *state;
	int open[2] = { open_port(AF_INET, 8), open_port(AF_INET, -1) };
	struct check_cfg c = ports_cfg(1000, open, 2, NULL, 0);
	char want[64];

	run_probe(run, AF_INET, &c);
	assert_false(run->r.ok);
	snprintf(want, sizeof(want), "port %d closed, expected open", open[1]);
	assert_string_equal(run->r.reason, want);
	snprintf(want, sizeof(want), "open: %d", open[0]);
	assert_string_equal(run->r.output, want);
}

/* All refused: known before the loop runs, still reported from it. */
static void nothing_open(void **state)
{
	struct probe_run *run = *state;
	int closed[3] = { open_port(AF_INET, -1), open_port(AF_INET, -1),
			  open_port(AF_INET, -1) };
	struct check_cfg c = ports_cfg(1000, NULL, 0, closed, 3);

	run_probe(run, AF_INET, &c);
	assert_true(run->r.ok);
	assert_string_equal(run->r.output, "open: none");
	assert_true(isnan(run->r.value[METRIC_RESPONSE_TIME]));
}

/* No answer at all is "filtered": not open, found at the deadline. */
static void filtered_port(void **state)
{
	struct probe_run *run = *state;
	int port = open_port(AF_INET, 0);
	int open[1] = { port };
	struct check_cfg c = ports_cfg(300, open, 1, NULL, 0);
	char want[64];
	double ms;

	choke_port(port);
	ms = run_probe(run, AF_INET, &c);
	assert_false(run->r.ok);
	snprintf(want, sizeof(want), "port %d filtered, expected open", port);
	assert_string_equal(run->r.reason, want);
	assert_true(ms >= 299.0); /* not before the deadline */

	/* The same port expected closed: filtered is good enough. */
	c = ports_cfg(300, NULL, 0, open, 1);
	run_probe(run, AF_INET, &c);
	assert_true(run->r.ok);
}

static void over_ipv6(void **state)
{
	struct probe_run *run = *state;
	int open[1] = { open_port(AF_INET6, 8) };
	int closed[1] = { open_port(AF_INET6, -1) };
	struct check_cfg c;

	if (open[0] < 0 || closed[0] < 0)
		skip();
	c = ports_cfg(1000, open, 1, closed, 1);
	run_probe(run, AF_INET6, &c);
	assert_true(run->r.ok);
	assert_string_equal(run->r.reason, "2 ports as expected");
}

static void cancel_means_no_callback(void **state)
{
	struct probe_run *run = *state;
	int open[2] = { open_port(AF_INET, 8), open_port(AF_INET, -1) };
	struct check_cfg c = ports_cfg(200, open, 2, NULL, 0);
	struct sockaddr_storage ss;
	socklen_t len;
	struct ports_probe *p;

	loopback_addr(AF_INET, &ss, &len);
	run->calls = 0;
	p = ports_probe_start(run->l, (struct sockaddr *)&ss, len, &c,
			      probe_run_done, run);
	assert_non_null(p);
	ports_probe_cancel(p);
	ports_probe_cancel(NULL);
	loop_add_timer(run->l, 300 * NS_PER_MS, probe_run_on_guard, NULL);
	loop_run(run->l);
	assert_int_equal(run->calls, 0);
}

static void bad_arguments_do_not_start(void **state)
{
	struct probe_run *run = *state;
	struct check_cfg c = ports_cfg(1000, NULL, 0, NULL, 0);
	struct sockaddr_storage ss;
	socklen_t len;

	loopback_addr(AF_INET, &ss, &len);
	ss.ss_family = AF_UNIX;
	assert_null(ports_probe_start(run->l, (struct sockaddr *)&ss, len, &c,
				      probe_run_done, run));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(all_as_expected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(open_port_expected_closed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(closed_port_expected_open,
						setup, teardown),
		cmocka_unit_test_setup_teardown(nothing_open, setup, teardown),
		cmocka_unit_test_setup_teardown(filtered_port, setup, teardown),
		cmocka_unit_test_setup_teardown(over_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_means_no_callback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_arguments_do_not_start,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
