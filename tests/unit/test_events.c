/*
 * test_events.c - the event lines a log collector reads and the syslog
 * messages an operator sees: the exact JSON per kind, the syslog levels,
 * the rate limit with its summary line (on the caller's clock), and the
 * "lost" line for events that fell out of the policy's ring.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "../../src/exports/exports_int.h"
#include "clock.h"

/* 2026-11-18T11:06:40.250Z */
#define WALL_NS (INT64_C(1795000000) * NS_PER_S + 250 * NS_PER_MS)
#define MIN_NS	(60 * NS_PER_S)

static char syslogged[16][200];
static int syslog_prio[16];
static int n_syslogged;

static void fake_syslog(int prio, const char *msg)
{
	if (n_syslogged < 16) {
		syslog_prio[n_syslogged] = prio;
		snprintf(syslogged[n_syslogged++], sizeof(syslogged[0]), "%s",
			 msg);
	}
}

static struct pl_event state_event(uint64_t seq, enum pl_state from,
				   enum pl_state to)
{
	struct pl_event e = {
		.seq = seq,
		.wall_ns = WALL_NS,
		.kind = EVENT_STATE,
		.old_state = from,
		.new_state = to,
		.metric = METRIC_RTT,
		.value = 512.5,
		.threshold = 500,
	};

	strcpy(e.check, "router/ping");
	strcpy(e.reason, "rtt 512 ms \"slow\"");
	return e;
}

static void test_format_state(void **state)
{
	struct pl_event e = state_event(7, STATE_OK, STATE_CRITICAL);
	char buf[1024];
	size_t n;

	(void)state;
	n = events_format(buf, sizeof(buf), &e);
	assert_string_equal(
		buf, "{\"time\":\"2026-11-18T11:06:40.250Z\",\"epoch\":"
		     "1795000000.250,"
		     "\"seq\":7,\"kind\":\"state\",\"check\":\"router/ping\","
		     "\"old_state\":\"OK\",\"new_state\":\"CRITICAL\","
		     "\"metric\":\"rtt\",\"value\":512.5,\"threshold\":500,"
		     "\"reason\":\"rtt 512 ms \\\"slow\\\"\","
		     "\"detail\":null}");
	assert_int_equal(n, strlen(buf));
	/* Too small a buffer: cut, terminated, and the needed length. */
	assert_int_equal(events_format(buf, 10, &e), n);
	assert_int_equal(strlen(buf), 9);
}

static void test_format_other_kinds(void **state)
{
	struct pl_event e = { .seq = 9,
			      .wall_ns = WALL_NS,
			      .kind = EVENT_RELOAD,
			      .metric = METRIC_COUNT,
			      .value = NAN,
			      .threshold = NAN };
	char buf[1024];

	(void)state;
	strcpy(e.reason, "configuration reloaded");
	events_format(buf, sizeof(buf), &e);
	assert_string_equal(
		buf, "{\"time\":\"2026-11-18T11:06:40.250Z\",\"epoch\":"
		     "1795000000.250,"
		     "\"seq\":9,\"kind\":\"reload\",\"check\":null,"
		     "\"old_state\":null,\"new_state\":null,\"metric\":null,"
		     "\"value\":null,\"threshold\":null,"
		     "\"reason\":\"configuration reloaded\",\"detail\":null}");
	e.kind = EVENT_ACK;
	e.new_state = STATE_WARNING;
	e.reason[0] = '\0';
	events_format(buf, sizeof(buf), &e);
	assert_non_null(strstr(buf, "\"kind\":\"ack\",\"check\":null,"
				    "\"old_state\":null,"
				    "\"new_state\":\"WARNING\""));
	e.kind = EVENT_NEW_DEVICE;
	strcpy(e.reason, "b8:27:eb:01:02:03 192.168.1.23");
	events_format(buf, sizeof(buf), &e);
	assert_non_null(strstr(buf, "\"kind\":\"new_device\""));
	assert_non_null(strstr(buf, "\"reason\":\"b8:27:eb:01:02:03 "
				    "192.168.1.23\",\"detail\":null}"));
	e.kind = EVENT_ROUTE;
	strcpy(e.check, "isp/trace");
	strcpy(e.reason, "route changed");
	strcpy(e.detail, "10.0.0.1 192.0.2.1 -> 10.0.0.1 192.0.2.9");
	events_format(buf, sizeof(buf), &e);
	assert_non_null(strstr(buf, "\"kind\":\"route\",\"check\":"
				    "\"isp/trace\",\"old_state\":null"));
	assert_non_null(strstr(buf, "\"reason\":\"route changed\",\"detail"
				    "\":\"10.0.0.1 192.0.2.1 -> 10.0.0.1 "
				    "192.0.2.9\"}"));
}

static void test_priorities(void **state)
{
	struct pl_event e = state_event(1, STATE_OK, STATE_CRITICAL);

	(void)state;
	assert_int_equal(events_priority(&e), LOG_CRIT);
	e.new_state = STATE_WARNING;
	assert_int_equal(events_priority(&e), LOG_WARNING);
	e.new_state = STATE_OK;
	assert_int_equal(events_priority(&e), LOG_NOTICE);
	e.new_state = STATE_UNKNOWN;
	assert_int_equal(events_priority(&e), LOG_INFO);
	e.kind = EVENT_MAINTENANCE;
	e.new_state = STATE_CRITICAL;
	assert_int_equal(events_priority(&e), LOG_INFO);
}

/* Lines written to a memory stream, split for the assertions. */
struct capture {
	char *text;
	size_t len;
	FILE *f;
};

static int count_lines(struct capture *c, const char *needle)
{
	int n = 0;

	fflush(c->f);
	for (const char *p = c->text; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* 3 a minute: the 4th and 5th are held back, then summarised in one
 * line once a token is back (20 s later), before anything else. */
static void test_rate_limit(void **state)
{
	struct events_cfg cfg = { .syslog = true, .rate_limit = 3 };
	struct capture c = { 0 };
	struct events_params p = { &cfg, NULL, fake_syslog };
	struct events_counts n;
	struct events *ev;
	char err[128];
	int64_t t = 100 * NS_PER_S;

	(void)state;
	c.f = open_memstream(&c.text, &c.len);
	p.out = c.f;
	n_syslogged = 0;
	ev = events_open(&p, err, sizeof(err));
	assert_non_null(ev);
	for (int i = 1; i <= 5; i++) {
		struct pl_event e =
			state_event((uint64_t)i, STATE_OK,
				    i % 2 ? STATE_CRITICAL : STATE_OK);

		events_emit(ev, &e, t);
	}
	assert_int_equal(count_lines(&c, "\"kind\":\"state\""), 3);
	events_counts(ev, &n);
	assert_int_equal(n.written, 3);
	assert_int_equal(n.suppressed, 2);
	/* No token yet: flush asks to be called in 20 s. */
	assert_int_equal(events_flush(ev, t), MIN_NS / 3 + 1);
	assert_int_equal(count_lines(&c, "suppressed"), 0);
	t += MIN_NS / 3 + 1;
	assert_int_equal(events_flush(ev, t), -1);
	assert_int_equal(count_lines(&c, "\"kind\":\"suppressed\","
					 "\"count\":2,\"reason\":\"2 events "
					 "not written (rate limit 3 a "
					 "minute)\"}\n"),
			 1);
	assert_int_equal(events_flush(ev, t), -1);
	/* syslog got the same, at matching levels. */
	assert_int_equal(n_syslogged, 4);
	assert_string_equal(syslogged[0], "event: router/ping: OK -> CRITICAL "
					  "(rtt 512 ms \"slow\"; rtt 512.5 "
					  "beyond 500)");
	assert_int_equal(syslog_prio[0], LOG_CRIT);
	assert_int_equal(syslog_prio[1], LOG_NOTICE);
	assert_string_equal(syslogged[3],
			    "event: 2 events not written (rate limit 3 a "
			    "minute)");
	assert_int_equal(syslog_prio[3], LOG_WARNING);
	events_close(ev);
	fclose(c.f);
	free(c.text);
}

static void test_first_ok_is_not_written(void **state)
{
	struct events_cfg cfg = { .syslog = true, .rate_limit = 30 };
	struct capture c = { 0 };
	struct events_params p = { &cfg, NULL, fake_syslog };
	struct pl_event first = state_event(1, STATE_UNKNOWN, STATE_OK);
	struct pl_event bad = state_event(2, STATE_UNKNOWN, STATE_CRITICAL);
	struct events *ev;
	char err[128];

	(void)state;
	c.f = open_memstream(&c.text, &c.len);
	p.out = c.f;
	n_syslogged = 0;
	ev = events_open(&p, err, sizeof(err));
	assert_non_null(ev);
	events_emit(ev, &first, 100 * NS_PER_S);
	assert_int_equal(count_lines(&c, "\"kind\":\"state\""), 0);
	assert_int_equal(n_syslogged, 0);
	events_emit(ev, &bad, 100 * NS_PER_S);
	assert_int_equal(count_lines(&c, "\"kind\":\"state\""), 1);
	assert_int_equal(n_syslogged, 1);
	events_close(ev);
	fclose(c.f);
	free(c.text);
}

static void test_lost_and_off(void **state)
{
	struct events_cfg cfg = { .syslog = false, .rate_limit = 0 };
	struct capture c = { 0 };
	struct events_params p = { &cfg, NULL, fake_syslog };
	struct events *ev;
	char err[128];

	(void)state;
	c.f = open_memstream(&c.text, &c.len);
	p.out = c.f;
	n_syslogged = 0;
	ev = events_open(&p, err, sizeof(err));
	assert_non_null(ev);
	events_lost(ev, 12, WALL_NS);
	for (int i = 0; i < 100; i++) { /* rate_limit 0: no limit */
		struct pl_event e = state_event(1, STATE_OK, STATE_WARNING);

		events_emit(ev, &e, 0);
	}
	fflush(c.f);
	assert_non_null(strstr(c.text,
			       "{\"time\":\"2026-11-18T11:06:40.250Z\","
			       "\"epoch\":1795000000.250,\"kind\":\"lost\","
			       "\"count\":12,\"reason\":\"12 events lost (the "
			       "event ring overflowed)\"}\n"));
	assert_int_equal(count_lines(&c, "\n"), 101);
	assert_int_equal(n_syslogged, 0);
	events_close(ev);
	fclose(c.f);
	free(c.text);
}

static void test_open_errors(void **state)
{
	struct events_cfg cfg = { .syslog = false };
	struct events_params p = { &cfg, NULL, fake_syslog };
	char err[CFG_PATH_MAX + 64];

	(void)state;
	strcpy(cfg.file, "/nonexistent-dir/events.jsonl");
	assert_null(events_open(&p, err, sizeof(err)));
	assert_string_equal(err, "events: cannot open "
				 "/nonexistent-dir/events.jsonl: No such file "
				 "or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_state),
		cmocka_unit_test(test_format_other_kinds),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_first_ok_is_not_written),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_lost_and_off),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
