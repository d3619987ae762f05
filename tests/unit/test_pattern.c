/*
 * test_pattern.c - LED blink patterns and buzzer sequences, millisecond by
 * millisecond: lit exactly on the documented boundaries, the next edge
 * where the light really changes, all LEDs in phase on absolute time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"
#include "panel.h"

#define MS(x) ((int64_t)(x)*NS_PER_MS)
#define T0    MS(7000) /* any whole second */

static void test_on_off(void **state)
{
	(void)state;
	assert_true(led_pattern_lit(PAT_ON, 0, 0));
	assert_true(led_pattern_lit(PAT_ON, MS(123), 0));
	assert_false(led_pattern_lit(PAT_OFF, MS(123), 0));
	assert_int_equal(led_pattern_next_edge(PAT_ON, MS(5), 0), INT64_MAX);
	assert_int_equal(led_pattern_next_edge(PAT_OFF, MS(5), 0), INT64_MAX);
}

static void test_slow_blink(void **state)
{
	(void)state;
	assert_true(led_pattern_lit(PAT_SLOW_BLINK, T0, 0));
	assert_true(led_pattern_lit(PAT_SLOW_BLINK, T0 + MS(500) - 1, 0));
	assert_false(led_pattern_lit(PAT_SLOW_BLINK, T0 + MS(500), 0));
	assert_false(led_pattern_lit(PAT_SLOW_BLINK, T0 + MS(999), 0));
	assert_true(led_pattern_lit(PAT_SLOW_BLINK, T0 + MS(1000), 0));
	assert_int_equal(led_pattern_next_edge(PAT_SLOW_BLINK, T0, 0),
			 T0 + MS(500));
	assert_int_equal(led_pattern_next_edge(PAT_SLOW_BLINK, T0 + MS(500), 0),
			 T0 + MS(1000));
	assert_int_equal(led_pattern_next_edge(PAT_SLOW_BLINK, T0 - 1, 0), T0);
}

static void test_fast_blink(void **state)
{
	(void)state;
	assert_true(led_pattern_lit(PAT_FAST_BLINK, T0 + MS(124), 0));
	assert_false(led_pattern_lit(PAT_FAST_BLINK, T0 + MS(125), 0));
	assert_false(led_pattern_lit(PAT_FAST_BLINK, T0 + MS(249), 0));
	assert_true(led_pattern_lit(PAT_FAST_BLINK, T0 + MS(250), 0));
	assert_true(led_pattern_lit(PAT_FAST_BLINK, T0 + MS(750), 0));
	assert_int_equal(led_pattern_next_edge(PAT_FAST_BLINK, T0 + MS(130), 0),
			 T0 + MS(250));
}

static void test_heartbeat(void **state)
{
	static const struct {
		int ms;
		bool lit;
	} v[] = {
		{ 0, true },	{ 99, true },	{ 100, false },
		{ 199, false }, { 200, true },	{ 299, true },
		{ 300, false }, { 999, false }, { 1000, true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(
			led_pattern_lit(PAT_HEARTBEAT, T0 + MS(v[i].ms), 0),
			v[i].lit);
	assert_int_equal(led_pattern_next_edge(PAT_HEARTBEAT, T0 + MS(50), 0),
			 T0 + MS(100));
	assert_int_equal(led_pattern_next_edge(PAT_HEARTBEAT, T0 + MS(250), 0),
			 T0 + MS(300));
	assert_int_equal(led_pattern_next_edge(PAT_HEARTBEAT, T0 + MS(300), 0),
			 T0 + MS(1000));
}

static void test_activity(void **state)
{
	int64_t last = T0 + MS(333);

	(void)state;
	assert_false(led_pattern_lit(PAT_ACTIVITY, T0, 0));
	assert_false(led_pattern_lit(PAT_ACTIVITY, T0, -5));
	assert_int_equal(led_pattern_next_edge(PAT_ACTIVITY, T0, 0), INT64_MAX);
	assert_false(led_pattern_lit(PAT_ACTIVITY, last - 1, last));
	assert_true(led_pattern_lit(PAT_ACTIVITY, last, last));
	assert_true(led_pattern_lit(PAT_ACTIVITY, last + MS(49), last));
	assert_false(led_pattern_lit(PAT_ACTIVITY, last + MS(50), last));
	assert_int_equal(led_pattern_next_edge(PAT_ACTIVITY, last, last),
			 last + MS(50));
	assert_int_equal(
		led_pattern_next_edge(PAT_ACTIVITY, last + MS(50), last),
		INT64_MAX);
}

/* Blinking LEDs are in phase whenever they started: absolute time. */
static void test_in_sync(void **state)
{
	int64_t t;

	(void)state;
	for (t = 0; t < MS(2000); t += MS(7))
		assert_int_equal(
			led_pattern_lit(PAT_SLOW_BLINK, t, 0),
			led_pattern_lit(PAT_SLOW_BLINK, t + MS(42000), 0));
}

/* Scan 3 s a millisecond at a time: every change of lit happens exactly at
 * the edge announced just before it, and no announced edge is early. */
static void check_led_edges(enum led_pattern p, int64_t last)
{
	int64_t t, edge = led_pattern_next_edge(p, T0, last);
	bool prev = led_pattern_lit(p, T0, last), now;

	for (t = T0 + MS(1); t < T0 + MS(3000); t += MS(1)) {
		now = led_pattern_lit(p, t, last);
		if (now != prev)
			assert_int_equal(t, edge);
		assert_true(t <= edge);
		if (t == edge) {
			assert_true(now != prev);
			edge = led_pattern_next_edge(p, t, last);
		}
		prev = now;
	}
}

static void check_buzzer_edges(enum buzzer_pattern p, int64_t start)
{
	int64_t t, edge = buzzer_pattern_next_edge(p, start, T0);
	bool prev = buzzer_pattern_on(p, start, T0), now;

	for (t = T0 + MS(1); t < T0 + MS(3000); t += MS(1)) {
		now = buzzer_pattern_on(p, start, t);
		if (now != prev)
			assert_int_equal(t, edge);
		if (t == edge) {
			assert_true(now != prev);
			edge = buzzer_pattern_next_edge(p, start, t);
		}
		prev = now;
	}
}

static void test_edges_exact(void **state)
{
	int p;

	(void)state;
	for (p = PAT_OFF; p < PAT_COUNT; p++)
		check_led_edges((enum led_pattern)p, T0 + MS(1234));
	for (p = BUZ_OFF; p < BUZ_COUNT; p++)
		check_buzzer_edges((enum buzzer_pattern)p, T0 + MS(10));
}

static void test_chirp(void **state)
{
	int64_t s = T0 + MS(10);

	(void)state;
	assert_false(buzzer_pattern_on(BUZ_CHIRP, s, s - 1));
	assert_true(buzzer_pattern_on(BUZ_CHIRP, s, s));
	assert_true(buzzer_pattern_on(BUZ_CHIRP, s, s + MS(79)));
	assert_false(buzzer_pattern_on(BUZ_CHIRP, s, s + MS(80)));
	assert_false(buzzer_pattern_on(BUZ_CHIRP, s, s + MS(1000)));
	assert_int_equal(buzzer_pattern_next_edge(BUZ_CHIRP, s, s - 5), s);
	assert_int_equal(buzzer_pattern_next_edge(BUZ_CHIRP, s, s), s + MS(80));
	assert_int_equal(buzzer_pattern_next_edge(BUZ_CHIRP, s, s + MS(80)),
			 INT64_MAX);
}

static void test_beep(void **state)
{
	static const int on_ms[] = { 0, 149, 300, 449, 600, 749 };
	static const int off_ms[] = {
		150, 299, 450, 599, 750, 900, 1000, 5000
	};
	int64_t s = T0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(on_ms) / sizeof(on_ms[0]); i++)
		assert_true(buzzer_pattern_on(BUZ_BEEP, s, s + MS(on_ms[i])));
	for (i = 0; i < sizeof(off_ms) / sizeof(off_ms[0]); i++)
		assert_false(buzzer_pattern_on(BUZ_BEEP, s, s + MS(off_ms[i])));
	assert_int_equal(buzzer_pattern_next_edge(BUZ_BEEP, s, s + MS(600)),
			 s + MS(750));
	assert_int_equal(buzzer_pattern_next_edge(BUZ_BEEP, s, s + MS(750)),
			 INT64_MAX);
}

static void test_repeat_continuous(void **state)
{
	int64_t s = T0 + MS(1);

	(void)state;
	assert_true(buzzer_pattern_on(BUZ_REPEAT, s, s + MS(199)));
	assert_false(buzzer_pattern_on(BUZ_REPEAT, s, s + MS(200)));
	assert_false(buzzer_pattern_on(BUZ_REPEAT, s, s + MS(999)));
	assert_true(buzzer_pattern_on(BUZ_REPEAT, s, s + MS(60000)));
	assert_int_equal(buzzer_pattern_next_edge(BUZ_REPEAT, s, s + MS(200)),
			 s + MS(1000));
	assert_true(buzzer_pattern_on(BUZ_CONTINUOUS, s, s + MS(123456)));
	assert_int_equal(buzzer_pattern_next_edge(BUZ_CONTINUOUS, s, s),
			 INT64_MAX);
	assert_false(buzzer_pattern_on(BUZ_OFF, s, s));
	assert_int_equal(buzzer_pattern_next_edge(BUZ_OFF, s, s), INT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_off),
		cmocka_unit_test(test_slow_blink),
		cmocka_unit_test(test_fast_blink),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_activity),
		cmocka_unit_test(test_in_sync),
		cmocka_unit_test(test_edges_exact),
		cmocka_unit_test(test_chirp),
		cmocka_unit_test(test_beep),
		cmocka_unit_test(test_repeat_continuous),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
