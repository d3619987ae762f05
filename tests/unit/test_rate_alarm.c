/*
 * test_rate_alarm.c - the capture alarms on a fake clock: above, below
 * and count within their windows, the warning level, late ticks, and the
 * reason a person reads on the LCD.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "rate_alarm.h"

#define T0     (1000 * NS_PER_S) /* a whole second */
#define SEC(s) (T0 + (int64_t)((s)*1e9))

static struct traffic_alarm_cfg alarm(enum traffic_rate rate,
				      enum traffic_cond cond, double limit,
				      int window_s)
{
	struct traffic_alarm_cfg c = { .rate = rate,
				       .cond = cond,
				       .limit = limit,
				       .window_ms = window_s * 1000LL,
				       .level = STATE_CRITICAL };

	snprintf(c.name, sizeof(c.name), "a");
	return c;
}

/* Add per_s events in each of seconds [from, to), spread over the
 * second; then judge at the start of second to (+0.3 s, like the tick). */
static bool run(struct rate_alarm *a, int from, int to, uint64_t per_s,
		struct probe_result *r)
{
	for (int s = from; s < to; s++)
		for (int k = 0; k < 4; k++)
			rate_alarm_add(a, SEC(s + k * 0.25), per_s / 4);
	probe_result_init(r);
	return rate_alarm_eval(a, SEC(to + 0.3), r);
}

static void test_above(void **state)
{
	struct traffic_alarm_cfg c =
		alarm(RATE_BROADCAST_PPS, TRAFFIC_ABOVE, 500, 10);
	struct probe_result r;
	struct rate_alarm a;

	(void)state;
	assert_int_equal(rate_alarm_init(&a, &c, SEC(0)), 0);
	/* 400/s for 20 s: below the limit */
	assert_false(run(&a, 0, 20, 400, &r));
	assert_true(r.ok);
	assert_string_equal(r.reason, "broadcast 400 pps (10s)");
	/* a storm of 1000/s: the 10 s mean passes 500 after 2 s... */
	assert_false(run(&a, 20, 21, 1000, &r));
	assert_string_equal(r.reason, "broadcast 460 pps (10s)");
	assert_true(run(&a, 21, 22, 1000, &r));
	assert_false(r.ok);
	assert_false(r.has_state);
	assert_string_equal(r.reason, "broadcast 520 pps > 500 pps (10s)");
	assert_true(run(&a, 22, 30, 1000, &r));
	assert_string_equal(r.reason, "broadcast 1k pps > 500 pps (10s)");
	/* ...and ends when the mean is back at the limit */
	assert_true(run(&a, 30, 34, 0, &r));
	assert_false(run(&a, 34, 35, 0, &r));
	assert_true(r.ok);
	rate_alarm_free(&a);
}

static void test_below_waits_for_full_window(void **state)
{
	struct traffic_alarm_cfg c = alarm(RATE_PPS, TRAFFIC_BELOW, 1, 30);
	struct probe_result r;
	struct rate_alarm a;

	(void)state;
	/* started mid-second: that second does not count */
	assert_int_equal(rate_alarm_init(&a, &c, SEC(0.6)), 0);
	assert_false(run(&a, 1, 30, 0, &r));
	assert_true(r.ok);
	assert_string_equal(r.reason, "0 pps (filling 30s)");
	assert_true(run(&a, 30, 31, 0, &r));
	assert_false(r.ok);
	assert_string_equal(r.reason, "0 pps < 1 pps (30s)");
	rate_alarm_free(&a);
}

static void test_below_after_traffic_stops(void **state)
{
	struct traffic_alarm_cfg c = alarm(RATE_PPS, TRAFFIC_BELOW, 1, 30);
	struct probe_result r;
	struct rate_alarm a;
	int s;

	(void)state;
	assert_int_equal(rate_alarm_init(&a, &c, SEC(0)), 0);
	assert_false(run(&a, 0, 60, 100, &r));
	assert_string_equal(r.reason, "100 pps (30s)");
	/* silence from second 60: the mean falls below 1/s only when fewer
	 * than 30 frames are left in the window: at 90 */
	for (s = 61; s <= 89; s++)
		assert_false(run(&a, s - 1, s, 0, &r));
	assert_true(run(&a, 89, 90, 0, &r));
	rate_alarm_free(&a);
}

static void test_count_within(void **state)
{
	struct traffic_alarm_cfg c = alarm(RATE_ERRORS, TRAFFIC_COUNT, 100, 60);
	struct probe_result r;
	struct rate_alarm a;

	(void)state;
	assert_int_equal(rate_alarm_init(&a, &c, SEC(0)), 0);
	/* 100 errors is not "more than 100" */
	rate_alarm_add(&a, SEC(5.5), 60);
	rate_alarm_add(&a, SEC(30.1), 40);
	probe_result_init(&r);
	assert_false(rate_alarm_eval(&a, SEC(31.3), &r));
	assert_string_equal(r.reason, "errors 100 in 60s");
	rate_alarm_add(&a, SEC(40), 1);
	probe_result_init(&r);
	assert_true(rate_alarm_eval(&a, SEC(41.3), &r));
	assert_string_equal(r.reason, "errors 101 > 100 in 60s");
	/* second 5 leaves the window at 66 */
	probe_result_init(&r);
	assert_true(rate_alarm_eval(&a, SEC(65.3), &r));
	probe_result_init(&r);
	assert_false(rate_alarm_eval(&a, SEC(66.3), &r));
	assert_string_equal(r.reason, "errors 41 in 60s");
	rate_alarm_free(&a);
}

/* An interface alarm names its interface and direction. */
static void test_interface_reason(void **state)
{
	struct traffic_alarm_cfg c = alarm(RATE_ERRORS, TRAFFIC_COUNT, 50, 60);
	struct traffic_alarm_cfg other;
	struct probe_result r;
	struct rate_alarm a;

	(void)state;
	snprintf(c.interface, sizeof(c.interface), "eth0");
	c.dir = TRAFFIC_DIR_TX;
	assert_int_equal(rate_alarm_init(&a, &c, SEC(0)), 0);
	rate_alarm_add(&a, SEC(2.5), 51);
	probe_result_init(&r);
	assert_true(rate_alarm_eval(&a, SEC(3.3), &r));
	assert_string_equal(r.reason, "eth0 tx errors 51 > 50 in 60s");
	/* another interface or direction is another window */
	other = c;
	other.dir = TRAFFIC_DIR_RX;
	assert_false(rate_alarm_same_window(&c, &other));
	other = c;
	snprintf(other.interface, sizeof(other.interface), "eth1");
	assert_false(rate_alarm_same_window(&c, &other));
	other = c;
	other.limit = 10;
	assert_true(rate_alarm_same_window(&c, &other));
	rate_alarm_free(&a);
}

static void test_warning_level_and_bps(void **state)
{
	struct traffic_alarm_cfg c = alarm(RATE_BPS, TRAFFIC_ABOVE, 50e6, 5);
	struct probe_result r;
	struct rate_alarm a;

	(void)state;
	c.level = STATE_WARNING;
	assert_int_equal(rate_alarm_init(&a, &c, SEC(0)), 0);
	assert_true(run(&a, 0, 5, 52100000, &r));
	assert_true(r.ok);
	assert_true(r.has_state);
	assert_int_equal(r.state, STATE_WARNING);
	assert_string_equal(r.reason, "52.1Mb/s > 50Mb/s (5s)");
	rate_alarm_free(&a);
}

/* A tick that comes 40 s late (a stalled loop) judges the real window:
 * what was counted long ago has left it. */
static void test_late_tick(void **state)
{
	struct traffic_alarm_cfg c = alarm(RATE_PPS, TRAFFIC_ABOVE, 10, 10);
	struct probe_result r;
	struct rate_alarm a;

	(void)state;
	assert_int_equal(rate_alarm_init(&a, &c, SEC(0)), 0);
	assert_true(run(&a, 0, 10, 1000, &r));
	probe_result_init(&r);
	assert_false(rate_alarm_eval(&a, SEC(50.3), &r));
	assert_string_equal(r.reason, "0 pps (10s)");
	rate_alarm_free(&a);
}

/* A reload that keeps rate, window and filters keeps the counts. */
static void test_retune_keeps_window(void **state)
{
	struct traffic_alarm_cfg c = alarm(RATE_PPS, TRAFFIC_ABOVE, 500, 10);
	struct traffic_alarm_cfg d = c, e = c;
	struct probe_result r;
	struct rate_alarm a;

	(void)state;
	d.limit = 100;
	e.window_ms = 20000;
	assert_true(rate_alarm_same_window(&c, &d));
	assert_false(rate_alarm_same_window(&c, &e));
	assert_int_equal(rate_alarm_init(&a, &c, SEC(0)), 0);
	assert_false(run(&a, 0, 10, 200, &r));
	rate_alarm_retune(&a, &d);
	probe_result_init(&r);
	assert_true(rate_alarm_eval(&a, SEC(10.5), &r));
	rate_alarm_free(&a);
	rate_alarm_free(&a); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_above),
		cmocka_unit_test(test_below_waits_for_full_window),
		cmocka_unit_test(test_below_after_traffic_stops),
		cmocka_unit_test(test_count_within),
		cmocka_unit_test(test_interface_reason),
		cmocka_unit_test(test_warning_level_and_bps),
		cmocka_unit_test(test_late_tick),
		cmocka_unit_test(test_retune_keeps_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
