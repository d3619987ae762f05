/*
 * test_webhook.c - what an alert receiver gets: the exact request per
 * format (generic, ntfy, gotify, slack), which events are announced and
 * which recoveries follow, and the retry/backoff schedule and bounded
 * queue on a fake clock (the queue takes the time as an argument).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/exports/exports_int.h"
#include "clock.h"

#define WALL_NS (INT64_C(1795000000) * NS_PER_S + 250 * NS_PER_MS)

static struct pl_event ev(uint64_t seq, const char *check, enum pl_state from,
			  enum pl_state to)
{
	struct pl_event e = { .seq = seq,
			      .wall_ns = WALL_NS,
			      .kind = EVENT_STATE,
			      .old_state = from,
			      .new_state = to,
			      .metric = METRIC_COUNT,
			      .value = NAN,
			      .threshold = NAN };

	snprintf(e.check, sizeof(e.check), "%s", check);
	strcpy(e.reason, "no reply (3 sent)");
	return e;
}

static struct webhook_cfg hook(enum webhook_format f, const char *token)
{
	struct webhook_cfg w = { .format = f,
				 .min_state = STATE_WARNING,
				 .retry_ms = 30000,
				 .max_retries = 3 };

	strcpy(w.name, "t");
	strcpy(w.url, "http://127.0.0.1:1/");
	snprintf(w.token, sizeof(w.token), "%s", token);
	return w;
}

static void test_generic(void **state)
{
	struct webhook_cfg w = hook(WEBHOOK_GENERIC, "");
	struct pl_event e = ev(3, "router/ping", STATE_OK, STATE_CRITICAL);
	struct webhook_request r;
	char line[1024];

	(void)state;
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	events_format(line, sizeof(line), &e);
	assert_string_equal(r.body, line);
	assert_int_equal(r.body_len, strlen(line));
	assert_int_equal(r.n_headers, 1);
	assert_string_equal(r.headers[0], "Content-Type: application/json");
}

static void test_ntfy(void **state)
{
	struct webhook_cfg w = hook(WEBHOOK_NTFY, "tk_1");
	struct pl_event e = ev(3, "router/ping", STATE_OK, STATE_CRITICAL);
	struct webhook_request r;

	(void)state;
	e.metric = METRIC_RTT;
	e.value = 512.5;
	e.threshold = 500;
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	assert_string_equal(r.body, "router/ping is CRITICAL (was OK): no "
				    "reply (3 sent); rtt 512.5 ms beyond 500 "
				    "ms");
	assert_int_equal(r.n_headers, 5);
	assert_string_equal(r.headers[0],
			    "Content-Type: text/plain; charset=utf-8");
	assert_string_equal(r.headers[1], "Title: pilotlight: router/ping "
					  "CRITICAL");
	assert_string_equal(r.headers[2], "Priority: 5");
	assert_string_equal(r.headers[3], "Tags: rotating_light");
	assert_string_equal(r.headers[4], "Authorization: Bearer tk_1");
	/* the recovery */
	e = ev(4, "router/ping", STATE_CRITICAL, STATE_OK);
	strcpy(e.reason, "rtt 0.31 ms loss 0%");
	webhook_build(&w, &e, "router", WEBHOOK_RECOVERY, &r);
	assert_string_equal(r.body, "router/ping recovered: OK (was "
				    "CRITICAL): rtt 0.31 ms loss 0%");
	assert_string_equal(r.headers[2], "Priority: 3");
	assert_string_equal(r.headers[3], "Tags: white_check_mark");
}

static void test_gotify(void **state)
{
	struct webhook_cfg w = hook(WEBHOOK_GOTIFY, "AbC.d");
	struct pl_event e = ev(5, "web/http", STATE_OK, STATE_WARNING);
	struct webhook_request r;

	(void)state;
	strcpy(e.reason, "HTTP 503 \"Service Unavailable\"");
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	assert_string_equal(r.body,
			    "{\"title\":\"pilotlight: web/http WARNING\","
			    "\"message\":\"web/http is WARNING (was OK): HTTP "
			    "503 \\\"Service Unavailable\\\"\","
			    "\"priority\":5}");
	assert_int_equal(r.body_len, strlen(r.body));
	assert_int_equal(r.n_headers, 2);
	assert_string_equal(r.headers[0], "Content-Type: application/json");
	assert_string_equal(r.headers[1], "X-Gotify-Key: AbC.d");
}

static void test_slack(void **state)
{
	struct webhook_cfg w = hook(WEBHOOK_SLACK, "");
	struct pl_event e = ev(6, "nas/tcp:445", STATE_WARNING, STATE_CRITICAL);
	struct webhook_request r;

	(void)state;
	strcpy(e.reason, "connection refused\n<b>");
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	assert_string_equal(r.body,
			    "{\"text\":\"nas/tcp:445 is CRITICAL "
			    "(was WARNING): connection refused\\n<b>\"}");
	assert_int_equal(r.n_headers, 1);
}

/* Problems at or above min_state; a recovery only for what was told. */
static void test_wants(void **state)
{
	struct webhook_cfg w = hook(WEBHOOK_GENERIC, "");
	struct pl_event e = ev(1, "a", STATE_UNKNOWN, STATE_OK);
	bool rec;

	(void)state;
	assert_false(webhook_wants(&w, &e, false, &rec)); /* first result */
	e = ev(2, "a", STATE_OK, STATE_UNKNOWN);
	assert_false(webhook_wants(&w, &e, false, &rec)); /* below warning */
	e = ev(3, "a", STATE_OK, STATE_WARNING);
	assert_true(webhook_wants(&w, &e, false, &rec));
	assert_false(rec);
	e = ev(4, "a", STATE_WARNING, STATE_OK);
	assert_true(webhook_wants(&w, &e, true, &rec));
	assert_true(rec);
	w.min_state = STATE_CRITICAL;
	e = ev(5, "a", STATE_OK, STATE_WARNING);
	assert_false(webhook_wants(&w, &e, false, &rec));
	e = ev(6, "a", STATE_WARNING, STATE_OK);
	assert_false(webhook_wants(&w, &e, false, &rec)); /* never told */
	e.kind = EVENT_RELOAD;
	assert_false(webhook_wants(&w, &e, true, &rec));
}

static void test_backoff(void **state)
{
	static const int64_t want[] = { 30000,	60000,	120000, 240000,
					480000, 900000, 900000 };

	(void)state;
	for (int i = 0; i < 7; i++)
		assert_int_equal(webhook_backoff_ms(30000, i + 1), want[i]);
	/* a retry longer than the cap is kept as it is */
	assert_int_equal(webhook_backoff_ms(3600000, 5), 3600000);
	assert_int_equal(webhook_backoff_ms(1000, 1), 1000);
	assert_int_equal(webhook_backoff_ms(1000, 100), 900000);
}

/* A receiver that is down: retries at 30, 60, 120 s, then gives up after
 * max_retries (3) and the next alert goes; order is kept throughout. */
static void test_retry_schedule(void **state)
{
	static struct webhook_queue q;
	struct webhook_cfg w = hook(WEBHOOK_GENERIC, "");
	struct pl_event a = ev(1, "a", STATE_OK, STATE_CRITICAL);
	struct pl_event b = ev(2, "b", STATE_OK, STATE_CRITICAL);
	static const int64_t gaps_s[] = { 30, 60, 120 };
	struct webhook_item *it;
	int64_t t = 1000 * NS_PER_S, next;

	(void)state;
	memset(&q, 0, sizeof(q));
	webhook_queue_push(&q, &a, "h", WEBHOOK_PROBLEM, t);
	webhook_queue_push(&q, &b, "h", WEBHOOK_PROBLEM, t);
	it = webhook_queue_due(&q, t, &next);
	assert_non_null(it);
	assert_int_equal(it->ev.seq, 1);
	q.busy = true; /* what webhook.c does while the transfer runs */
	assert_null(webhook_queue_due(&q, t, &next));
	assert_int_equal(next, INT64_MAX);
	for (int i = 0; i < 3; i++) {
		webhook_queue_done(&q, &w, WEBHOOK_RETRY, t);
		assert_null(webhook_queue_due(&q, t, &next));
		assert_int_equal(next - t, gaps_s[i] * NS_PER_S);
		assert_null(webhook_queue_due(&q, next - 1, &next));
		t = next;
		it = webhook_queue_due(&q, t, &next);
		assert_non_null(it);
		assert_int_equal(it->ev.seq, 1);
		assert_int_equal(it->attempts, i + 1);
		q.busy = true;
	}
	webhook_queue_done(&q, &w, WEBHOOK_RETRY, t); /* 4th failure */
	assert_int_equal(q.failed, 1);
	it = webhook_queue_due(&q, t, &next);
	assert_non_null(it);
	assert_int_equal(it->ev.seq, 2);
	q.busy = true;
	webhook_queue_done(&q, &w, WEBHOOK_OK, t);
	assert_int_equal(q.sent, 1);
	assert_int_equal(q.n, 0);
	assert_null(webhook_queue_due(&q, t, &next));
}

/* Full queue: the oldest waiting alert goes, never the one in flight. */
static void test_queue_bound(void **state)
{
	static struct webhook_queue q;
	struct webhook_cfg w = hook(WEBHOOK_GENERIC, "");
	struct webhook_item *it;
	int64_t next;

	(void)state;
	memset(&q, 0, sizeof(q));
	for (uint64_t i = 1; i <= WEBHOOK_QUEUE_MAX; i++) {
		struct pl_event e = ev(i, "a", STATE_OK, STATE_WARNING);

		webhook_queue_push(&q, &e, "h", WEBHOOK_PROBLEM, 0);
	}
	q.busy = true; /* seq 1 in flight */
	for (uint64_t i = 1; i <= 3; i++) {
		struct pl_event e = ev(100 + i, "a", STATE_OK, STATE_WARNING);

		webhook_queue_push(&q, &e, "h", WEBHOOK_PROBLEM, 0);
	}
	assert_int_equal(q.n, WEBHOOK_QUEUE_MAX);
	assert_int_equal(q.dropped, 3);
	webhook_queue_done(&q, &w, WEBHOOK_OK, 0);
	it = webhook_queue_due(&q, 0, &next);
	assert_int_equal(it->ev.seq, 5); /* 2, 3, 4 were dropped */
	/* A refusal is not retried. */
	q.busy = true;
	webhook_queue_done(&q, &w, WEBHOOK_REJECTED, 0);
	assert_int_equal(q.failed, 1);
	assert_int_equal(webhook_queue_due(&q, 0, &next)->ev.seq, 6);
}

static void test_outcome(void **state)
{
	(void)state;
	assert_int_equal(webhook_outcome_of(200), WEBHOOK_OK);
	assert_int_equal(webhook_outcome_of(204), WEBHOOK_OK);
	assert_int_equal(webhook_outcome_of(0), WEBHOOK_RETRY);
	assert_int_equal(webhook_outcome_of(503), WEBHOOK_RETRY);
	assert_int_equal(webhook_outcome_of(429), WEBHOOK_RETRY);
	assert_int_equal(webhook_outcome_of(408), WEBHOOK_RETRY);
	assert_int_equal(webhook_outcome_of(404), WEBHOOK_REJECTED);
	assert_int_equal(webhook_outcome_of(401), WEBHOOK_REJECTED);
	assert_int_equal(webhook_outcome_of(301), WEBHOOK_REJECTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_ntfy),
		cmocka_unit_test(test_gotify),
		cmocka_unit_test(test_slack),
		cmocka_unit_test(test_wants),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retry_schedule),
		cmocka_unit_test(test_queue_bound),
		cmocka_unit_test(test_outcome),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
