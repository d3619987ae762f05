/*
 * test_mhd_dl.c - libmicrohttpd is loaded only for a config that serves
 * HTTP: one with metrics enabled loads it; one without a metrics section,
 * one with enabled = false, and one rejected for another reason do not
 * (each loaded in a child process, whose answer is whether the library
 * got mapped).  In this process: before the load the server refuses to
 * open (ELIBACC); a library that is not there and one without
 * libmicrohttpd's symbols fail with the words a user sees; the real one
 * resolves every symbol and a server on it answers a request.  The
 * binary itself does not link libmicrohttpd (the Makefile's PKGS_DL).
 * On that server: metrics.allow as checked at accept (IPv4, IPv6,
 * IPv4-mapped), and a full server shedding its oldest idle connection for
 * a new one whose request it then answers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/exports/exports_int.h"
#include "config.h"
#include "dl_fixture.h"
#include "mhd_dl.h"

static const struct dl_api mhd = {
	.open = mhd_dl_open,
	.open_name = mhd_dl_open_name,
	.loaded = mhd_dl_loaded,
	.error = mhd_dl_error,
	.package = "libmicrohttpd12",
	.first = "MHD_start_daemon",
};

#define HOSTS                                                                  \
	"hosts = ( { name = \"gw\"; address = \"127.0.0.1\";\n"                \
	"  checks = ( { type = \"tcp\"; port = 22; } ); } );\n"

static const char no_metrics[] = HOSTS;

static const char metrics_off[] =
	HOSTS "metrics = { enabled = false; listen = \"127.0.0.1:9775\"; };\n";

static const char metrics_on[] =
	HOSTS "metrics = { enabled = true; listen = \"127.0.0.1:9775\"; };\n";

/* Metrics on, and a typo elsewhere: rejected, so nothing is loaded. */
static const char metrics_but_broken[] =
	HOSTS "metrics = { enabled = true; };\n"
	      "daemon = { usr = \"nobody\"; };\n";

static void test_config_without_metrics_does_not_load(void **state)
{
	(void)state;
	dl_assert_config(&mhd, no_metrics, true, false);
}

static void test_metrics_disabled_does_not_load(void **state)
{
	(void)state;
	dl_assert_config(&mhd, metrics_off, true, false);
}

static void test_metrics_enabled_loads(void **state)
{
	(void)state;
	dl_assert_config(&mhd, metrics_on, true, true);
}

static void test_rejected_config_does_not_load(void **state)
{
	(void)state;
	dl_assert_config(&mhd, metrics_but_broken, false, false);
}

/* The limits as a config without them would set (sections.c). */
static const struct metrics_cfg limits = {
	.max_connections = 64,
	.per_address_limit = 8,
	.request_timeout_ms = 5000,
};

static const char *render(void *arg, enum httpd_page page, struct xbuf *out)
{
	(void)arg;
	xbuf_puts(out, page == HTTPD_HEALTHZ ? "ok\n" : "other\n");
	return "text/plain";
}

static void test_server_refused_before_the_load(void **state)
{
	(void)state;
	errno = 0;
	assert_null(httpd_open(NULL, -1, &limits, render, NULL));
	assert_int_equal(errno, ELIBACC);
	assert_false(mapped("libmicrohttpd.so.12"));
}

static void test_missing_library(void **state)
{
	(void)state;
	dl_assert_missing(&mhd);
	assert_null(sym_MHD_start_daemon);
}

static void test_library_without_symbols(void **state)
{
	(void)state;
	dl_assert_without_functions(&mhd);
	assert_null(sym_MHD_start_daemon);
	assert_null(sym_MHD_run);
}

/* Poll h until fd has an answer and is closed, or a second has passed;
 * the answer goes into buf (NUL-terminated). */
static size_t read_answer(struct httpd *h, int fd, char *buf, size_t size)
{
	size_t len = 0;

	for (int i = 0; i < 1000 && len < size - 1; i++) {
		ssize_t n;

		httpd_poll(h);
		n = recv(fd, buf + len, size - 1 - len, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
		else
			usleep(1000);
	}
	buf[len] = '\0';
	return len;
}

static const char healthz[] = "GET /healthz HTTP/1.1\r\nHost: pi\r\n"
			      "Connection: close\r\n\r\n";

/* A connected pair whose server end h takes; the client end is returned,
 * with req written into it first. */
static int connect_client(struct httpd *h, const char *req)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	if (req)
		assert_int_equal(write(sv[0], req, strlen(req)),
				 (ssize_t)strlen(req));
	assert_int_equal(httpd_add_connection(h, sv[1]), 0);
	return sv[0];
}

/* GET /healthz from a server opened with m; its answer into buf. */
static void get_healthz(const struct metrics_cfg *m, char *buf, size_t size)
{
	struct httpd *h = httpd_open(NULL, -1, m, render, NULL);
	int fd;

	assert_non_null(h);
	fd = connect_client(h, healthz);
	read_answer(h, fd, buf, size);
	close(fd);
	httpd_close(h);
}

/* Everything resolves (loading again is a no-op), and a server on the
 * pointers (MHD_start_daemon's variadic options included) answers GET
 * /healthz. */
static void test_loads_and_serves(void **state)
{
	char answer[2048];

	(void)state;
	dl_assert_loads(&mhd);
	assert_true(mapped("libmicrohttpd.so.12"));
#define CHECK_SYM(sym) assert_non_null(sym_##sym);
	MHD_DL_SYMBOLS(CHECK_SYM)
#undef CHECK_SYM
	get_healthz(&limits, answer, sizeof(answer));
	assert_true(strncmp(answer, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(answer, "\r\n\r\nok\n"));
}

static bool allowed(const struct metrics_cfg *m, const char *ip)
{
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, ip, &v4.sin_addr) == 1)
		return httpd_allowed(m->allow, m->n_allow,
				     (struct sockaddr *)&v4, sizeof(v4));
	assert_int_equal(inet_pton(AF_INET6, ip, &v6.sin6_addr), 1);
	return httpd_allowed(m->allow, m->n_allow, (struct sockaddr *)&v6,
			     sizeof(v6));
}

static void set_allow(struct metrics_cfg *m, int n, const char *const *nets)
{
	m->n_allow = n;
	for (int i = 0; i < n; i++) {
		char addr[64];
		const char *slash = strchr(nets[i], '/');

		snprintf(addr, sizeof(addr), "%.*s", (int)(slash - nets[i]),
			 nets[i]);
		m->allow[i].family = strchr(addr, ':') ? AF_INET6 : AF_INET;
		assert_int_equal(
			inet_pton(m->allow[i].family, addr, m->allow[i].addr),
			1);
		m->allow[i].prefix = atoi(slash + 1);
	}
}

static void test_allow_list(void **state)
{
	static const char *const nets[] = { "10.77.0.7/32", "192.168.4.0/22",
					    "fd77::/64" };
	struct metrics_cfg m = limits;

	(void)state;
	assert_true(allowed(&m, "203.0.113.9")); /* no list: everyone */
	set_allow(&m, 3, nets);
	assert_true(allowed(&m, "10.77.0.7"));
	assert_false(allowed(&m, "10.77.0.8"));
	assert_true(allowed(&m, "192.168.7.255"));
	assert_false(allowed(&m, "192.168.8.0"));
	assert_true(allowed(&m, "fd77::1234"));
	assert_false(allowed(&m, "fd78::1"));
	/* an IPv4 client of a [::] socket */
	assert_true(allowed(&m, "::ffff:10.77.0.7"));
	assert_true(allowed(&m, "::ffff:192.168.5.1"));
	assert_false(allowed(&m, "::ffff:10.77.0.9"));
	assert_false(allowed(&m, "::10.77.0.7")); /* not mapped */
}

/* The server refuses a client outside the list at accept (the tests'
 * connections come from 127.0.0.1). */
static void test_refused_at_accept(void **state)
{
	static const char *const lan[] = { "10.0.0.0/8" };
	static const char *const lo[] = { "127.0.0.1/32" };
	struct metrics_cfg m = limits;
	char answer[512];
	struct httpd *h;
	int sv[2];

	(void)state;
	set_allow(&m, 1, lan);
	h = httpd_open(NULL, -1, &m, render, NULL);
	assert_non_null(h);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	assert_int_equal(httpd_add_connection(h, sv[1]), -1);
	close(sv[0]);
	httpd_close(h);
	set_allow(&m, 1, lo);
	get_healthz(&m, answer, sizeof(answer));
	assert_true(strncmp(answer, "HTTP/1.1 200 OK\r\n", 17) == 0);
}

/* max_connections idle clients, one with half a request: the next client
 * is answered, and the oldest connection without a complete request is
 * the one closed for it. */
static void test_full_server_sheds_the_oldest_idle(void **state)
{
	struct metrics_cfg m = limits;
	char answer[2048];
	struct httpd *h;
	int idle[4], fd;

	(void)state;
	m.max_connections = 4;
	m.per_address_limit = 8; /* all come from 127.0.0.1 */
	h = httpd_open(NULL, -1, &m, render, NULL);
	assert_non_null(h);
	for (int i = 0; i < 4; i++) {
		idle[i] = connect_client(h, i == 0 ? NULL : "GET /metr");
		httpd_poll(h);
		usleep(2000); /* distinct connect times */
	}
	fd = connect_client(h, healthz);
	read_answer(h, fd, answer, sizeof(answer));
	assert_true(strncmp(answer, "HTTP/1.1 200 OK\r\n", 17) == 0);
	/* the first is at EOF, the others still wait */
	httpd_poll(h);
	assert_int_equal(recv(idle[0], answer, sizeof(answer), MSG_DONTWAIT),
			 0);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(
			recv(idle[i], answer, sizeof(answer), MSG_DONTWAIT),
			-1);
		assert_int_equal(errno, EAGAIN);
		close(idle[i]);
	}
	close(idle[0]);
	close(fd);
	httpd_close(h);
}

int main(void)
{
	/* In order: the failures before the load that stays for good. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_without_metrics_does_not_load),
		cmocka_unit_test(test_metrics_disabled_does_not_load),
		cmocka_unit_test(test_metrics_enabled_loads),
		cmocka_unit_test(test_rejected_config_does_not_load),
		cmocka_unit_test(test_server_refused_before_the_load),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_library_without_symbols),
		cmocka_unit_test(test_loads_and_serves),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_refused_at_accept),
		cmocka_unit_test(test_full_server_sheds_the_oldest_idle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
