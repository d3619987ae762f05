/*
 * test_events.c - the event lines a log collector reads and the syslog
 * messages an operator sees: the exact JSON per kind, the syslog levels,
 * the rate limit for new devices and route changes with its summary line
 * (on the caller's clock), state changes that no flood holds back, and
 * events that fell out of the policy's ring.
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

/* Lines written to a temporary file, read back for the assertions. */
struct capture {
	char *text;
	size_t len;
	FILE *f;
};

/* What was written so far, in c->text. */
static const char *reread(struct capture *c)
{
	long n;

	free(c->text);
	assert_int_equal(fseek(c->f, 0, SEEK_END), 0);
	n = ftell(c->f);
	assert_true(n >= 0);
	c->text = calloc(1, (size_t)n + 1);
	assert_non_null(c->text);
	rewind(c->f);
	c->len = fread(c->text, 1, (size_t)n, c->f);
	return c->text;
}

static int count_lines(struct capture *c, const char *needle)
{
	int n = 0;

	reread(c);
	for (const char *p = c->text; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static struct pl_event device_event(uint64_t seq, int i)
{
	struct pl_event e = { .seq = seq,
			      .mono_ns = (int64_t)seq,
			      .wall_ns = WALL_NS,
			      .kind = EVENT_NEW_DEVICE,
			      .metric = METRIC_COUNT,
			      .value = NAN,
			      .threshold = NAN };

	strcpy(e.reason, "new device");
	snprintf(e.detail, sizeof(e.detail), "02:00:00:00:%02x:%02x 10.9.%d.%d",
		 (i >> 8) & 0xff, i & 0xff, (i >> 8) & 0xff, i & 0xff);
	return e;
}

static struct events *open_capture(struct capture *c, struct events_cfg *cfg)
{
	struct events_params p = { cfg, NULL, fake_syslog };
	char err[128];

	c->text = NULL;
	c->len = 0;
	c->f = tmpfile();
	assert_non_null(c->f);
	p.out = c->f;
	n_syslogged = 0;
	return events_open(&p, err, sizeof(err));
}

static void close_capture(struct capture *c)
{
	fclose(c->f);
	free(c->text);
}

/* Sum of the numbers after each key in the text. */
static uint64_t sum_of(struct capture *c, const char *key)
{
	uint64_t n = 0;
	size_t klen = strlen(key);

	reread(c);
	for (const char *p = c->text; p && (p = strstr(p, key)); p += klen)
		n += strtoull(p + klen, NULL, 10);
	return n;
}

/* 3 a minute: the 4th and 5th new devices are held back and summarised
 * in one line at the next flush; the next summary waits a minute. */
static void test_rate_limit(void **state)
{
	struct events_cfg cfg = { .syslog = true, .rate_limit = 3 };
	struct capture c;
	struct events_counts n;
	struct events *ev = open_capture(&c, &cfg);
	int64_t t = 100 * NS_PER_S;

	(void)state;
	assert_non_null(ev);
	for (int i = 1; i <= 5; i++) {
		struct pl_event e = device_event((uint64_t)i, i);

		events_emit(ev, &e, t);
	}
	assert_int_equal(count_lines(&c, "\"kind\":\"new_device\""), 3);
	events_counts(ev, &n);
	assert_int_equal(n.written, 3);
	assert_int_equal(n.suppressed, 2);
	assert_int_equal(count_lines(&c, "suppressed"), 0);
	assert_int_equal(events_flush(ev, t), -1);
	assert_int_equal(count_lines(&c, "\"kind\":\"suppressed\","
					 "\"count\":2,\"new_devices\":2,"
					 "\"lost\":0,\"reason\":\"2 events "
					 "not written (rate limit 3 a "
					 "minute)\",\"detail\":\"2 new "
					 "devices, latest 02:00:00:00:00:05 "
					 "10.9.0.5\"}\n"),
			 1);
	assert_int_equal(events_flush(ev, t), -1);
	/* A route change 20 s later gets the token that came back; the one
	 * after it is held, and summarised a minute after the first. */
	t += MIN_NS / 3;
	for (int i = 6; i <= 7; i++) {
		struct pl_event e = device_event((uint64_t)i, i);

		e.kind = EVENT_ROUTE;
		strcpy(e.detail, "10.0.0.1 -> 10.0.0.2");
		events_emit(ev, &e, t);
	}
	assert_int_equal(count_lines(&c, "\"kind\":\"route\""), 1);
	assert_int_equal(events_flush(ev, t), MIN_NS - MIN_NS / 3);
	t += MIN_NS - MIN_NS / 3;
	assert_int_equal(events_flush(ev, t), -1);
	assert_int_equal(count_lines(&c, "\"count\":1,\"new_devices\":0,"
					 "\"lost\":0,\"reason\":\"1 events "
					 "not written (rate limit 3 a "
					 "minute)\",\"detail\":null}\n"),
			 1);
	/* syslog got the same, at matching levels. */
	assert_int_equal(n_syslogged, 6);
	assert_string_equal(syslogged[0], "event: new_device: new device: "
					  "02:00:00:00:00:01 10.9.0.1");
	assert_int_equal(syslog_prio[0], LOG_INFO);
	assert_string_equal(syslogged[3],
			    "event: 2 events not written (rate limit 3 a "
			    "minute): 2 new devices, latest 02:00:00:00:00:05 "
			    "10.9.0.5");
	assert_int_equal(syslog_prio[3], LOG_WARNING);
	events_close(ev);
	close_capture(&c);
}

/* What the LEDs show is never held back: with the bucket empty a state
 * change, an acknowledgement, a maintenance window and a reload are still
 * written. */
static void test_state_changes_bypass_the_limit(void **state)
{
	struct events_cfg cfg = { .syslog = true, .rate_limit = 2 };
	struct capture c;
	struct events *ev = open_capture(&c, &cfg);
	struct pl_event e;
	int64_t t = 100 * NS_PER_S;

	(void)state;
	assert_non_null(ev);
	for (int i = 1; i <= 10; i++) {
		e = device_event((uint64_t)i, i);
		events_emit(ev, &e, t);
	}
	e = state_event(11, STATE_OK, STATE_CRITICAL);
	events_emit(ev, &e, t);
	e.kind = EVENT_ACK;
	events_emit(ev, &e, t);
	e.kind = EVENT_MAINTENANCE;
	events_emit(ev, &e, t);
	e.kind = EVENT_RELOAD;
	events_emit(ev, &e, t);
	assert_int_equal(count_lines(&c, "\"kind\":\"new_device\""), 2);
	assert_int_equal(count_lines(&c, "\"kind\":\"state\""), 1);
	assert_int_equal(count_lines(&c, "\"kind\":\"ack\""), 1);
	assert_int_equal(count_lines(&c, "\"kind\":\"maintenance\""), 1);
	assert_int_equal(count_lines(&c, "\"kind\":\"reload\""), 1);
	assert_int_equal(syslog_prio[2], LOG_CRIT);
	events_close(ev);
	close_capture(&c);
}

/* 10 000 new devices over five minutes, 3 state changes among them, the
 * policy's overflow (unlisted devices, lost events) on top, and a flush
 * every second as the traffic tick does: every state change is written,
 * every new device is either written or counted in a summary, and the
 * lines stay within rate_limit + 1 a minute (2 * rate_limit + 1 in the
 * first) besides the state changes. */
static void test_flood(void **state)
{
	enum { N = 10000, MINUTES = 5, RATE = 30 };
	struct events_cfg cfg = { .syslog = true, .rate_limit = RATE };
	struct capture c;
	struct events_counts n;
	struct events *ev = open_capture(&c, &cfg);
	int64_t t0 = 100 * NS_PER_S, t = t0;
	int per_s = N / (MINUTES * 60) + 1, sent = 0, lines, devices;
	uint64_t seq = 0, lost = 0;

	(void)state;
	assert_non_null(ev);
	while (sent < N) {
		for (int i = 0; i < per_s && sent < N; i++, sent++) {
			struct pl_event e = device_event(++seq, sent);

			if (sent == 10 || sent == N / 2 || sent == N - 10) {
				bool up = sent == N / 2;
				struct pl_event s = state_event(
					++seq, up ? STATE_CRITICAL : STATE_OK,
					up ? STATE_OK : STATE_CRITICAL);

				events_emit(ev, &s, t);
			}
			events_emit(ev, &e, t);
		}
		if (seq % 7 == 0) {
			events_lost(ev, 1);
			lost++;
		}
		t += NS_PER_S;
		events_flush(ev, t);
	}
	events_unlisted(ev, 5000, "02:00:00:00:ff:ff 10.9.255.255", t);
	devices = count_lines(&c, "\"kind\":\"new_device\"");
	events_counts(ev, &n);
	assert_int_equal(n.suppressed, N + 5000 - devices);
	assert_int_equal(n.lost, lost);
	events_close(ev);
	fflush(c.f);
	assert_int_equal(count_lines(&c, "\"kind\":\"state\""), 3);
	assert_int_equal(count_lines(&c, "\"new_state\":\"CRITICAL\""), 2);
	/* Every new device accounted for. */
	assert_int_equal(devices + sum_of(&c, "\"new_devices\":"), N + 5000);
	assert_int_equal(sum_of(&c, "\"lost\":"), lost);
	assert_non_null(strstr(c.text, "latest 02:00:00:00:ff:ff "
				       "10.9.255.255\"}\n"));
	/* The bound: the first minute's burst, then rate_limit + 1 a
	 * minute, the state changes, and the last summary at close. */
	lines = count_lines(&c, "\n");
	assert_true(lines <= 3 + RATE + (MINUTES + 1) * (RATE + 1) + 1);
	assert_true(count_lines(&c, "\"kind\":\"suppressed\"") <= MINUTES + 2);
	close_capture(&c);
}

static void test_first_ok_is_not_written(void **state)
{
	struct events_cfg cfg = { .syslog = true, .rate_limit = 30 };
	struct capture c;
	struct pl_event first = state_event(1, STATE_UNKNOWN, STATE_OK);
	struct pl_event bad = state_event(2, STATE_UNKNOWN, STATE_CRITICAL);
	struct events *ev = open_capture(&c, &cfg);

	(void)state;
	assert_non_null(ev);
	events_emit(ev, &first, 100 * NS_PER_S);
	assert_int_equal(count_lines(&c, "\"kind\":\"state\""), 0);
	assert_int_equal(n_syslogged, 0);
	events_emit(ev, &bad, 100 * NS_PER_S);
	assert_int_equal(count_lines(&c, "\"kind\":\"state\""), 1);
	assert_int_equal(n_syslogged, 1);
	events_close(ev);
	close_capture(&c);
}

/* Lost events are summarised like held ones, once a minute; without a
 * rate limit everything else is written. */
static void test_lost_and_off(void **state)
{
	struct events_cfg cfg = { .syslog = false, .rate_limit = 0 };
	struct capture c;
	struct events_counts n;
	struct events *ev = open_capture(&c, &cfg);

	(void)state;
	assert_non_null(ev);
	events_lost(ev, 12);
	assert_int_equal(events_flush(ev, 0), -1);
	events_lost(ev, 3);
	assert_int_equal(events_flush(ev, NS_PER_S), MIN_NS - NS_PER_S);
	for (int i = 0; i < 100; i++) { /* rate_limit 0: no limit */
		struct pl_event e = device_event(1, i);

		events_emit(ev, &e, 0);
	}
	assert_non_null(strstr(reread(&c),
			       "\"kind\":\"suppressed\","
			       "\"count\":12,\"new_devices\":0,"
			       "\"lost\":12,\"reason\":\"12 events "
			       "not written (12 lost: the event ring "
			       "overflowed)\",\"detail\":null}\n"));
	assert_int_equal(count_lines(&c, "\n"), 101);
	events_counts(ev, &n);
	assert_int_equal(n.lost, 15);
	assert_int_equal(n.suppressed, 0);
	events_close(ev); /* the last 3 */
	assert_int_equal(n_syslogged, 0);
	close_capture(&c);
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
		cmocka_unit_test(test_state_changes_bypass_the_limit),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_lost_and_off),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
