/*
 * fuzz_http.c - libFuzzer target: any bytes as an HTTP client's stream to
 * the metrics server, through libmicrohttpd and our router and pages.
 *
 * One server (httpd.c, no listening socket, no loop) lives across inputs
 * and renders the real /metrics and status page from a small fixed
 * status.  Each input is written to one end of a socketpair, which is
 * then half-closed, and the other end handed to the server with
 * httpd_add_connection(); the server is polled until it closes the
 * connection, reading whatever it answers.  libmicrohttpd is dlopen()ed
 * first, as config_load() does for a config with metrics (mhd_dl.h).
 * Built by `make fuzz` (Makefile end) with clang
 * -fsanitize=fuzzer,address.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/exports/exports_int.h"
#include "clock.h"
#include "mhd_dl.h"

#define FUZZ_MAX_INPUT (64 * 1024) /* fits a socketpair's buffer */
#define FUZZ_MAX_POLLS 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct httpd *server;
static struct host_cfg host = { .name = "web", .n_checks = 1 };
static struct pl_config cfg = { .hosts = &host, .n_hosts = 1 };
static struct check_status check = { .state = STATE_WARNING,
				     .have_result = true,
				     .reason = "<slow> & \"odd\"" };
static struct host_status hstat = { .state = STATE_WARNING };
static struct status st = { .cfg = &cfg,
			    .checks = &check,
			    .n_checks = 1,
			    .hosts = &hstat,
			    .overall = STATE_WARNING };

static const char *render(void *arg, enum httpd_page page, struct xbuf *out)
{
	struct metrics_self self = { .now_ns = clock_now_ns(),
				     .wall_ns = clock_wall_ns() };
	struct panel_view v = { .n_leds = 1, .cols = 16, .rows = 2 };

	(void)arg;
	switch (page) {
	case HTTPD_METRICS:
		metrics_render(out, &st, &self);
		return METRICS_CONTENT_TYPE;
	case HTTPD_STATUS:
		memcpy(v.leds[0].name, "status", 7);
		status_page_render(out, &st, &v, self.now_ns, self.wall_ns);
		return "text/html; charset=utf-8";
	default:
		xbuf_puts(out, "ok\n");
		return "text/plain";
	}
}

static void setup(void)
{
	static const struct metrics_cfg limits = {
		.max_connections = 64,
		.per_address_limit = 8,
		.request_timeout_ms = 5000,
	};

	snprintf(host.checks[0].name, CFG_NAME_MAX, "web/http");
	host.checks[0].type = CHECK_HTTP;
	for (int m = 0; m < METRIC_COUNT; m++)
		check.values[m] = NAN;
	check.values[METRIC_RESPONSE_TIME] = 250;
	if (mhd_dl_open() < 0) {
		fprintf(stderr, "fuzz_http: %s\n", mhd_dl_error());
		abort();
	}
	server = httpd_open(NULL, -1, &limits, render, NULL);
	if (!server)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char answer[4096];
	int sv[2];

	if (!server)
		setup();
	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (size && write(sv[0], data, size) != (ssize_t)size)
		abort();
	shutdown(sv[0], SHUT_WR);
	if (httpd_add_connection(server, sv[1]) < 0) {
		close(sv[1]);
		close(sv[0]);
		return 0;
	}
	/* The server owns sv[1] now; poll until it hangs up on us. */
	for (int i = 0; i < FUZZ_MAX_POLLS; i++) {
		ssize_t n;

		httpd_poll(server);
		n = recv(sv[0], answer, sizeof(answer), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			break;
	}
	close(sv[0]);
	httpd_poll(server);
	return 0;
}
