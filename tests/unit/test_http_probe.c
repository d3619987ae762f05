/*
 * test_http_probe.c - the HTTP check against real servers on loopback
 * (http_servers.h: plain HTTP, TLS with a CERT_DAYS certificate, a port
 * that never answers, a port that refuses), each probe driven by the loop
 * to its end.  Asserts what a user sees: ok, the reason text, the response
 * time and the days left on the certificate.  Needs the openssl command
 * (Debian package openssl).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/probes/http_result.h"
#include "clock.h"
#include "curl_dl.h"
#include "http_probe.h"
#include "loop.h"
#include "http_servers.h"

#define TIMEOUT_MS 5000

/* ---- driving probes -------------------------------------------------- */

struct fixture {
	struct loop *l;
	struct http_engine *e;
	int pending;
	bool timed_out;
};

struct run {
	struct fixture *f;
	int calls;
	struct probe_result r;
	int64_t start_ns, done_ns;
	struct check_cfg c;
	char url[160];
};

static int fixture_up(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->l = loop_new();
	assert_non_null(f->l);
	/* What config_load() does for a config with http checks. */
	assert_int_equal(curl_dl_open(), 0);
	f->e = http_engine_open(f->l);
	assert_non_null(f->e);
	*state = f;
	return 0;
}

static int fixture_down(void **state)
{
	struct fixture *f = *state;

	http_engine_close(f->e);
	loop_free(f->l);
	free(f);
	return 0;
}

static void on_done(void *arg, const struct probe_result *r)
{
	struct run *run = arg;

	run->calls++;
	run->r = *r;
	run->done_ns = clock_now_ns();
	if (--run->f->pending == 0)
		loop_stop(run->f->l);
}

static int64_t on_stop(struct loop *l, void *arg)
{
	struct fixture *f = arg;

	f->timed_out = true;
	loop_stop(l);
	return LOOP_TIMER_DONE;
}

/* Run the loop until every started probe is done, or max_ms passed. */
static void drive(struct fixture *f, int64_t max_ms)
{
	int64_t t = loop_add_timer(f->l, max_ms * NS_PER_MS, on_stop, f);

	assert_true(t > 0);
	f->timed_out = false;
	loop_run(f->l);
	loop_del_timer(f->l, t);
}

static void check_init(struct run *run, struct fixture *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check_init(struct run *run, struct fixture *f, const char *fmt, ...)
{
	va_list ap;

	memset(run, 0, sizeof(*run));
	run->f = f;
	va_start(ap, fmt);
	vsnprintf(run->url, sizeof(run->url), fmt, ap);
	va_end(ap);
	snprintf(run->c.name, sizeof(run->c.name), "web");
	run->c.type = CHECK_HTTP;
	run->c.timeout_ms = TIMEOUT_MS;
	run->c.u.http.url = run->url;
	run->c.u.http.verify_tls = true;
}

static struct http_probe *start(struct run *run, const char *ip)
{
	struct http_probe *p;

	run->calls = 0;
	run->start_ns = clock_now_ns();
	p = http_probe_start(run->f->e, &run->c, ip, on_done, run);
	assert_non_null(p);
	assert_int_equal(run->calls, 0); /* never from inside start */
	run->f->pending++;
	return p;
}

/* Start one probe and run it to its end. */
static const struct probe_result *run_one(struct run *run, const char *ip)
{
	start(run, ip);
	drive(run->f, TIMEOUT_MS + 5000);
	assert_false(run->f->timed_out);
	assert_int_equal(run->calls, 1);
	return &run->r;
}

static double elapsed_ms(const struct run *run)
{
	return (double)(run->done_ns - run->start_ns) / (double)NS_PER_MS;
}

static void assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", s, prefix);
}

/* ---- the tests ------------------------------------------------------- */

static void test_ok(void **state)
{
	struct run run;
	const struct probe_result *r;
	size_t len;

	check_init(&run, *state, "http://127.0.0.1:%d/ok", srv.http_port);
	r = run_one(&run, NULL);
	assert_true(r->ok);
	assert_prefix(r->reason, "200 OK in ");
	len = strlen(r->reason);
	assert_string_equal(r->reason + len - 3, " ms");
	assert_true(r->value[METRIC_RESPONSE_TIME] >= 0.0);
	assert_true(r->value[METRIC_RESPONSE_TIME] < TIMEOUT_MS);
	assert_true(isnan(r->value[METRIC_CERT_DAYS]));
}

static void test_status_500(void **state)
{
	struct run run;
	const struct probe_result *r;

	check_init(&run, *state, "http://127.0.0.1:%d/status/500",
		   srv.http_port);
	r = run_one(&run, NULL);
	assert_false(r->ok);
	assert_string_equal(r->reason, "status 500, expected 2xx/3xx");
	assert_false(isnan(r->value[METRIC_RESPONSE_TIME]));

	check_init(&run, *state, "http://127.0.0.1:%d/status/500",
		   srv.http_port);
	run.c.u.http.status[0] = 200;
	run.c.u.http.n_status = 1;
	r = run_one(&run, NULL);
	assert_false(r->ok);
	assert_string_equal(r->reason, "status 500, expected 200");

	run.c.u.http.status[1] = 500;
	run.c.u.http.n_status = 2;
	r = run_one(&run, NULL);
	assert_true(r->ok);
	assert_prefix(r->reason, "500 ");
}

static void test_body_substring(void **state)
{
	struct run run;
	const struct probe_result *r;

	check_init(&run, *state, "http://127.0.0.1:%d/ok", srv.http_port);
	run.c.u.http.body = "ready";
	r = run_one(&run, NULL);
	assert_true(r->ok);

	check_init(&run, *state, "http://127.0.0.1:%d/ok", srv.http_port);
	run.c.u.http.body = "healthy";
	r = run_one(&run, NULL);
	assert_false(r->ok);
	assert_string_equal(r->reason, "body does not contain 'healthy'");
	assert_false(isnan(r->value[METRIC_RESPONSE_TIME]));
}

static void test_body_regex(void **state)
{
	struct run run;
	const struct probe_result *r;

	/* ^ and $ match at line breaks: the body is "service ready\n". */
	check_init(&run, *state, "http://127.0.0.1:%d/ok", srv.http_port);
	run.c.u.http.body = "^service (ready|up)$";
	run.c.u.http.body_regex = true;
	r = run_one(&run, NULL);
	assert_true(r->ok);

	check_init(&run, *state, "http://127.0.0.1:%d/ok", srv.http_port);
	run.c.u.http.body = "^service (down|off)$";
	run.c.u.http.body_regex = true;
	r = run_one(&run, NULL);
	assert_false(r->ok);
	assert_string_equal(r->reason,
			    "body does not match '^service (down|off)$'");
}

/* 64 KiB of 'A' against a pattern that backtracks exponentially on
 * them: the match gives up within its budget, and the check fails with
 * that reason instead of holding the loop. */
static void test_body_regex_limit(void **state)
{
	struct run run;
	const struct probe_result *r;

	check_init(&run, *state, "http://127.0.0.1:%d/big", srv.http_port);
	run.c.u.http.body = "(A+)+[^A]";
	run.c.u.http.body_regex = true;
	r = run_one(&run, NULL);
	assert_false(r->ok);
	assert_string_equal(r->reason, "body_regex: match limit exceeded");
	assert_string_equal(r->output,
			    "body_regex: match limit exceeded on the first "
			    "65536 of 8388608 body bytes (budget 20 ms)");
}

static void test_bad_regex_refused_at_start(void **state)
{
	struct run run;

	check_init(&run, *state, "http://127.0.0.1:%d/ok", srv.http_port);
	run.c.u.http.body = "(unclosed";
	run.c.u.http.body_regex = true;
	errno = 0;
	assert_null(http_probe_start(run.f->e, &run.c, NULL, on_done, &run));
	assert_int_equal(errno, EINVAL);
}

static void test_user_agent(void **state)
{
	struct run run;
	const struct probe_result *r;

	check_init(&run, *state, "http://127.0.0.1:%d/echo", srv.http_port);
	run.c.u.http.body = "User-Agent: pilotlight/" PL_VERSION "\r\n";
	r = run_one(&run, NULL);
	assert_true(r->ok);
}

static void test_redirects(void **state)
{
	struct run run;
	const struct probe_result *r;

	check_init(&run, *state, "http://127.0.0.1:%d/redirect", srv.http_port);
	run.c.u.http.follow_redirects = true;
	run.c.u.http.body = "ready";
	r = run_one(&run, NULL);
	assert_true(r->ok);
	assert_prefix(r->reason, "200 OK in ");

	check_init(&run, *state, "http://127.0.0.1:%d/redirect", srv.http_port);
	r = run_one(&run, NULL);
	assert_true(r->ok); /* any 3xx is fine by default */
	assert_prefix(r->reason, "302 Found in ");

	run.c.u.http.status[0] = 200;
	run.c.u.http.n_status = 1;
	r = run_one(&run, NULL);
	assert_false(r->ok);
	assert_string_equal(r->reason, "status 302, expected 200");

	check_init(&run, *state, "http://127.0.0.1:%d/loop", srv.http_port);
	run.c.u.http.follow_redirects = true;
	r = run_one(&run, NULL);
	assert_false(r->ok);
	assert_string_equal(r->reason, "too many redirects");
}

static void test_timeout(void **state)
{
	struct run run;
	const struct probe_result *r;

	check_init(&run, *state, "http://127.0.0.1:%d/", srv.hang_port);
	run.c.timeout_ms = 500;
	r = run_one(&run, NULL);
	assert_false(r->ok);
	assert_string_equal(r->reason, "timeout after 500 ms");
	assert_true(elapsed_ms(&run) >= 450.0); /* not before the timeout */
	assert_true(isnan(r->value[METRIC_RESPONSE_TIME]));
}

static void test_refused(void **state)
{
	struct run run;
	const struct probe_result *r;

	check_init(&run, *state, "http://127.0.0.1:%d/", srv.refused_port);
	r = run_one(&run, NULL);
	assert_false(r->ok);
	assert_string_equal(r->reason, "connection refused");
}

static void test_cert_days(void **state)
{
	struct run run;
	const struct probe_result *r;

	check_init(&run, *state, "https://localhost:%d/", srv.tls_port);
	run.c.u.http.verify_tls = false;
	r = run_one(&run, "127.0.0.1");
	if (!r->ok)
		fail_msg("%s (%s)", r->reason, r->output);
	assert_prefix(r->reason, "200 ");
	assert_true(fabs(r->value[METRIC_CERT_DAYS] - CERT_DAYS) <= 1.0);
	assert_false(isnan(r->value[METRIC_RESPONSE_TIME]));
}

static void test_verify_fails(void **state)
{
	struct run run;
	const struct probe_result *r;

	check_init(&run, *state, "https://localhost:%d/", srv.tls_port);
	r = run_one(&run, "127.0.0.1");
	assert_false(r->ok);
	assert_string_equal(r->reason, "certificate verify failed: self-signed "
				       "certificate");
}

/* A name that never resolves (.invalid) still works when pinned. */
static void test_pinned_address(void **state)
{
	struct run run;
	const struct probe_result *r;

	check_init(&run, *state, "http://pilotlight.invalid:%d/echo",
		   srv.http_port);
	run.c.u.http.body = "Host: pilotlight.invalid:";
	r = run_one(&run, "127.0.0.1");
	if (!r->ok)
		fail_msg("%s (%s)", r->reason, r->output);

	check_init(&run, *state, "http://127.0.0.1:%d/ok", srv.http_port);
	errno = 0;
	assert_null(
		http_probe_start(run.f->e, &run.c, "not-an-ip", on_done, &run));
	assert_int_equal(errno, EINVAL);
}

static void assert_days(const char *expire, int64_t now_s, double want)
{
	double got = http_result_days_left(expire, now_s);

	if (!(fabs(got - want) < 1e-6))
		fail_msg("'%s': %f days, expected %f", expire, got, want);
}

/* The certificate date as libcurl prints it, past 2038 too. */
static void test_days_left_parse(void **state)
{
	(void)state;
	assert_days("Jan  1 00:00:00 2030 GMT", 1893456000 - 86400, 1.0);
	assert_days("2030-01-01 00:00:00 GMT", 1893456000 - 86400, 1.0);
	assert_days("Mar  1 00:00:00 2024 GMT", 1709078400, 2.0);
	assert_days("Jan  1 00:00:00 2040 GMT", 0, 25567.0);
	assert_days("Jan  1 00:00:00 2020 GMT", 1577836800 + 43200, -0.5);
	assert_true(isnan(http_result_days_left("next tuesday", 0)));
}

/* Megabytes of body: read to the end, only the first 64 KiB kept. */
static void test_big_body_bounded(void **state)
{
	struct run run;
	const struct probe_result *r;
	char want[64];

	check_init(&run, *state, "http://127.0.0.1:%d/big", srv.http_port);
	run.c.u.http.body = "AAAA";
	r = run_one(&run, NULL);
	assert_true(r->ok);

	check_init(&run, *state, "http://127.0.0.1:%d/big", srv.http_port);
	run.c.u.http.body = "END";
	r = run_one(&run, NULL);
	assert_false(r->ok);
	assert_string_equal(r->reason, "body does not contain 'END'");
	snprintf(want, sizeof(want), "in the first %d of %d body bytes",
		 HTTP_PROBE_BODY_MAX, BIG_BYTES);
	if (!strstr(r->output, want))
		fail_msg("output '%s' lacks '%s'", r->output, want);
}

static void test_slow_does_not_delay_fast(void **state)
{
	struct run slow, fast;

	check_init(&slow, *state, "http://127.0.0.1:%d/slow", srv.http_port);
	check_init(&fast, *state, "http://127.0.0.1:%d/ok", srv.http_port);
	start(&slow, NULL);
	start(&fast, NULL);
	drive(*state, TIMEOUT_MS + 5000);
	assert_int_equal(slow.calls, 1);
	assert_int_equal(fast.calls, 1);
	assert_true(slow.r.ok);
	assert_true(fast.r.ok);
	assert_true(fast.done_ns < slow.done_ns);
	assert_true(elapsed_ms(&slow) >= SLOW_MS - 50);
}

/* No callback after a cancel: before the loop ran, mid-transfer, and for
 * the probes still running when the engine is closed. */
static void test_cancel(void **state)
{
	struct fixture *f = *state;
	struct run a, b, c;
	struct http_probe *pb;

	check_init(&a, f, "http://127.0.0.1:%d/", srv.refused_port);
	check_init(&b, f, "http://127.0.0.1:%d/slow", srv.http_port);
	check_init(&c, f, "http://127.0.0.1:%d/slow", srv.http_port);
	http_probe_cancel(start(&a, NULL));
	http_probe_cancel(NULL);
	pb = start(&b, NULL);
	start(&c, NULL);
	drive(f, 300);
	assert_true(f->timed_out);
	http_probe_cancel(pb);
	drive(f, 300);
	assert_true(f->timed_out);
	http_engine_close(f->e);
	f->e = NULL;
	drive(f, SLOW_MS);
	assert_true(f->timed_out);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 0);
	assert_int_equal(c.calls, 0);
}

/* What the scheduler does: start the next round from inside done. */
static void on_done_again(void *arg, const struct probe_result *r)
{
	struct run *run = arg;

	run->calls++;
	run->r = *r;
	if (run->calls == 1) {
		assert_non_null(http_probe_start(run->f->e, &run->c, NULL,
						 on_done_again, run));
		return;
	}
	run->f->pending--;
	loop_stop(run->f->l);
}

static void test_restart_from_done(void **state)
{
	struct fixture *f = *state;
	struct run run;

	check_init(&run, f, "http://127.0.0.1:%d/ok", srv.http_port);
	assert_non_null(
		http_probe_start(f->e, &run.c, NULL, on_done_again, &run));
	assert_int_equal(run.calls, 0);
	f->pending = 1;
	drive(f, TIMEOUT_MS);
	assert_false(f->timed_out);
	assert_int_equal(run.calls, 2);
	assert_true(run.r.ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ok, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_status_500, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_body_substring, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_body_regex, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_body_regex_limit,
						fixture_up, fixture_down),
		cmocka_unit_test_setup_teardown(test_bad_regex_refused_at_start,
						fixture_up, fixture_down),
		cmocka_unit_test_setup_teardown(test_user_agent, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_redirects, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_timeout, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_refused, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_cert_days, fixture_up,
						fixture_down),
		cmocka_unit_test(test_days_left_parse),
		cmocka_unit_test_setup_teardown(test_verify_fails, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_pinned_address, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_big_body_bounded,
						fixture_up, fixture_down),
		cmocka_unit_test_setup_teardown(test_slow_does_not_delay_fast,
						fixture_up, fixture_down),
		cmocka_unit_test_setup_teardown(test_cancel, fixture_up,
						fixture_down),
		cmocka_unit_test_setup_teardown(test_restart_from_done,
						fixture_up, fixture_down),
	};

	return cmocka_run_group_tests(tests, servers_up, servers_down);
}
