/*
 * test_verdict.c - one check's results → its state: thresholds, the
 * fail_after/recover_after hysteresis, the initial UNKNOWN and flapping.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "verdict.h"

static struct check_cfg check(int fail_after, int recover_after)
{
	struct check_cfg c;

	memset(&c, 0, sizeof(c));
	c.type = CHECK_PING;
	c.fail_after = fail_after;
	c.recover_after = recover_after;
	c.thr[METRIC_RTT] = (struct threshold){ true, 100, 500 };
	c.thr[METRIC_LOSS] = (struct threshold){ true, 20, 60 };
	c.thr[METRIC_CERT_DAYS] = (struct threshold){ true, 21, 7 };
	return c;
}

static struct probe_result ping(double rtt_ms, double loss)
{
	struct probe_result r;

	probe_result_init(&r);
	r.ok = loss < 100;
	r.value[METRIC_RTT] = rtt_ms;
	r.value[METRIC_LOSS] = loss;
	strcpy(r.reason, r.ok ? "replied" : "no reply");
	return r;
}

static struct probe_result ok(void) { return ping(1, 0); }
static struct probe_result down(void) { return ping(NAN, 100); }

static void thresholds_pick_the_worst_value(void **state)
{
	struct check_cfg c = check(1, 1);
	struct probe_result r = ping(150, 0);
	enum metric m;
	double v, t;

	(void)state;
	assert_int_equal(verdict_raw(&c, &r, &m, &v, &t), STATE_WARNING);
	assert_int_equal(m, METRIC_RTT);
	assert_true(v == 150 && t == 100);

	r = ping(150, 80);
	assert_int_equal(verdict_raw(&c, &r, &m, &v, &t), STATE_CRITICAL);
	assert_int_equal(m, METRIC_LOSS);
	assert_true(v == 80 && t == 60);

	r = ping(3, 0);
	assert_int_equal(verdict_raw(&c, &r, &m, &v, &t), STATE_OK);
	assert_int_equal(m, METRIC_RTT);
	assert_true(isnan(t));

	/* Exactly at the threshold counts as reached. */
	r = ping(100, 0);
	assert_int_equal(verdict_raw(&c, &r, &m, &v, &t), STATE_WARNING);
}

static void certificate_days_lower_is_worse(void **state)
{
	struct check_cfg c = check(1, 1);
	struct probe_result r;
	enum metric m;
	double v, t;

	(void)state;
	probe_result_init(&r);
	r.ok = true;
	r.value[METRIC_CERT_DAYS] = 30;
	assert_int_equal(verdict_raw(&c, &r, &m, &v, &t), STATE_OK);
	r.value[METRIC_CERT_DAYS] = 10;
	assert_int_equal(verdict_raw(&c, &r, &m, &v, &t), STATE_WARNING);
	assert_true(t == 21);
	r.value[METRIC_CERT_DAYS] = 2.5;
	assert_int_equal(verdict_raw(&c, &r, &m, &v, &t), STATE_CRITICAL);
	assert_true(t == 7);
}

static void failure_is_critical_and_plugins_speak_for_themselves(void **s)
{
	struct check_cfg c = check(1, 1);
	struct probe_result r = down();
	enum metric m;
	double v, t;

	(void)s;
	assert_int_equal(verdict_raw(&c, &r, &m, &v, &t), STATE_CRITICAL);
	assert_int_equal(m, METRIC_COUNT);
	probe_result_init(&r);
	r.has_state = true;
	r.state = STATE_UNKNOWN;
	assert_int_equal(verdict_raw(&c, &r, &m, &v, &t), STATE_UNKNOWN);
}

static void one_lost_round_raises_nothing(void **state)
{
	struct check_cfg c = check(3, 2);
	struct verdict v;
	struct probe_result good = ok(), bad = down();

	(void)state;
	verdict_init(&v);
	assert_int_equal(v.shown, STATE_UNKNOWN);
	assert_true(verdict_feed(&v, &c, &good));	/* first good: OK */
	assert_int_equal(v.shown, STATE_OK);
	assert_false(verdict_feed(&v, &c, &bad));
	assert_false(verdict_feed(&v, &c, &bad));
	assert_false(verdict_feed(&v, &c, &good));	/* streak broken */
	assert_false(verdict_feed(&v, &c, &bad));
	assert_false(verdict_feed(&v, &c, &bad));
	assert_int_equal(v.shown, STATE_OK);
	assert_true(verdict_feed(&v, &c, &bad));	/* third in a row */
	assert_int_equal(v.shown, STATE_CRITICAL);
	assert_string_equal(v.reason, "no reply");
	assert_false(verdict_feed(&v, &c, &good));	/* one good: still */
	assert_int_equal(v.shown, STATE_CRITICAL);
	assert_true(verdict_feed(&v, &c, &good));	/* recover_after 2 */
	assert_int_equal(v.shown, STATE_OK);
}

static void a_host_down_from_the_start_is_unknown_then_critical(void **s)
{
	struct check_cfg c = check(3, 2);
	struct verdict v;
	struct probe_result bad = down();

	(void)s;
	verdict_init(&v);
	verdict_feed(&v, &c, &bad);
	verdict_feed(&v, &c, &bad);
	assert_int_equal(v.shown, STATE_UNKNOWN);
	assert_false(v.have_result);
	verdict_feed(&v, &c, &bad);
	assert_int_equal(v.shown, STATE_CRITICAL);
	assert_true(v.have_result);
}

static void levels_need_a_full_streak(void **state)
{
	struct check_cfg c = check(3, 2);
	struct verdict v;
	struct probe_result good = ok(), warn = ping(150, 0),
			    crit = ping(600, 0);

	(void)state;
	verdict_init(&v);
	verdict_feed(&v, &c, &good);
	/* warn, crit, crit: every one is at least WARNING -> WARNING. */
	verdict_feed(&v, &c, &warn);
	verdict_feed(&v, &c, &crit);
	verdict_feed(&v, &c, &crit);
	assert_int_equal(v.shown, STATE_WARNING);
	assert_string_equal(v.reason, "replied (rtt >= 500 ms)");
	verdict_feed(&v, &c, &crit);	/* now three CRITICAL in a row */
	assert_int_equal(v.shown, STATE_CRITICAL);
	verdict_feed(&v, &c, &warn);
	verdict_feed(&v, &c, &warn);	/* two at most WARNING */
	assert_int_equal(v.shown, STATE_WARNING);
}

static void a_noisy_link_does_not_flap(void **state)
{
	struct check_cfg c = check(3, 2);
	struct verdict v;
	struct probe_result good = ok(), bad = down();
	int changes = 0;

	(void)state;
	verdict_init(&v);
	verdict_feed(&v, &c, &good);
	for (int i = 0; i < 100; i++)
		changes += verdict_feed(&v, &c, i % 2 ? &good : &bad);
	assert_int_equal(changes, 0);
	assert_false(v.flapping);
}

static void flapping_is_marked_and_clears(void **state)
{
	struct check_cfg c = check(1, 1);
	struct verdict v;
	struct probe_result good = ok(), bad = down();
	int i;

	(void)state;
	verdict_init(&v);
	verdict_feed(&v, &c, &good);
	for (i = 0; i < VERDICT_FLAP_CHANGES - 1; i++)
		verdict_feed(&v, &c, i % 2 ? &good : &bad);
	assert_false(v.flapping);
	verdict_feed(&v, &c, i % 2 ? &good : &bad);
	assert_true(v.flapping);
	for (i = 0; i < VERDICT_FLAP_WINDOW; i++)
		verdict_feed(&v, &c, &good);
	assert_false(v.flapping);
	assert_int_equal(v.shown, STATE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(thresholds_pick_the_worst_value),
		cmocka_unit_test(certificate_days_lower_is_worse),
		cmocka_unit_test(failure_is_critical_and_plugins_speak_for_themselves),
		cmocka_unit_test(one_lost_round_raises_nothing),
		cmocka_unit_test(a_host_down_from_the_start_is_unknown_then_critical),
		cmocka_unit_test(levels_need_a_full_streak),
		cmocka_unit_test(a_noisy_link_does_not_flap),
		cmocka_unit_test(flapping_is_marked_and_clears),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
