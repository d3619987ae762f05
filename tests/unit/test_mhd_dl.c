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
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
	assert_null(httpd_open(NULL, -1, render, NULL));
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

/* Everything resolves (loading again is a no-op), and a server on the
 * pointers (MHD_start_daemon's variadic options included) answers GET
 * /healthz. */
static void test_loads_and_serves(void **state)
{
	char answer[2048];
	struct httpd *h;
	size_t len = 0;
	int sv[2];
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: pi\r\n"
				  "Connection: close\r\n\r\n";

	(void)state;
	dl_assert_loads(&mhd);
	assert_true(mapped("libmicrohttpd.so.12"));
#define CHECK_SYM(sym) assert_non_null(sym_##sym);
	MHD_DL_SYMBOLS(CHECK_SYM)
#undef CHECK_SYM
	h = httpd_open(NULL, -1, render, NULL);
	assert_non_null(h);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	assert_int_equal(write(sv[0], req, sizeof(req) - 1),
			 (ssize_t)sizeof(req) - 1);
	assert_int_equal(httpd_add_connection(h, sv[1]), 0);
	for (int i = 0; i < 1000 && len < sizeof(answer) - 1; i++) {
		ssize_t n;

		httpd_poll(h);
		n = recv(sv[0], answer + len, sizeof(answer) - 1 - len,
			 MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
		else
			usleep(1000);
	}
	answer[len] = '\0';
	close(sv[0]);
	httpd_close(h);
	assert_true(strncmp(answer, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(answer, "\r\n\r\nok\n"));
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
