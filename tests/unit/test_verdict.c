/*
 * test_verdict.c - one check's results → its state: thresholds, the
 * fail_after/recover_after hysteresis, the initial UNKNOWN and flapping.
 * The streak rules are checked for every value of the configurable range
 * (CFG 1..100), and against a plain reference over random sequences.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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

static struct probe_result ok(void)
{
	return ping(1, 0);
}
static struct probe_result down(void)
{
	return ping(NAN, 100);
}

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
	assert_true(verdict_feed(&v, &c, &good)); /* first good: OK */
	assert_int_equal(v.shown, STATE_OK);
	assert_false(verdict_feed(&v, &c, &bad));
	assert_false(verdict_feed(&v, &c, &bad));
	assert_false(verdict_feed(&v, &c, &good)); /* streak broken */
	assert_false(verdict_feed(&v, &c, &bad));
	assert_false(verdict_feed(&v, &c, &bad));
	assert_int_equal(v.shown, STATE_OK);
	assert_true(verdict_feed(&v, &c, &bad)); /* third in a row */
	assert_int_equal(v.shown, STATE_CRITICAL);
	assert_string_equal(v.reason, "no reply");
	assert_false(verdict_feed(&v, &c, &good)); /* one good: still */
	assert_int_equal(v.shown, STATE_CRITICAL);
	assert_true(verdict_feed(&v, &c, &good)); /* recover_after 2 */
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
	verdict_feed(&v, &c, &crit); /* now three CRITICAL in a row */
	assert_int_equal(v.shown, STATE_CRITICAL);
	verdict_feed(&v, &c, &warn);
	verdict_feed(&v, &c, &warn); /* two at most WARNING */
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

/* fail_after and recover_after as the config allows them. */
#define RANGE_MIN 1
#define RANGE_MAX 100

/* From OK, N-1 bad results leave it OK; the Nth raises it, exactly. */
static void every_fail_after_raises_at_exactly_n(void **state)
{
	struct probe_result good = ok(), bad = down(), warn = ping(150, 0);

	(void)state;
	for (int n = RANGE_MIN; n <= RANGE_MAX; n++) {
		struct check_cfg c = check(n, 2);
		const struct probe_result *r[] = { &bad, &warn };
		const enum pl_state want[] = { STATE_CRITICAL, STATE_WARNING };

		for (int k = 0; k < 2; k++) {
			struct verdict v;

			verdict_init(&v);
			verdict_feed(&v, &c, &good);
			for (int i = 1; i < n; i++)
				assert_false(verdict_feed(&v, &c, r[k]));
			assert_int_equal(v.shown, STATE_OK);
			assert_true(verdict_feed(&v, &c, r[k]));
			assert_int_equal(v.shown, want[k]);
		}
	}
}

/* From the start: UNKNOWN for N-1 bad results, CRITICAL at the Nth, and
 * only then has the check decided. */
static void every_fail_after_decides_at_exactly_n(void **state)
{
	struct probe_result bad = down();

	(void)state;
	for (int n = RANGE_MIN; n <= RANGE_MAX; n++) {
		struct check_cfg c = check(n, 1);
		struct verdict v;

		verdict_init(&v);
		for (int i = 1; i < n; i++)
			verdict_feed(&v, &c, &bad);
		assert_int_equal(v.shown, STATE_UNKNOWN);
		assert_false(v.have_result);
		verdict_feed(&v, &c, &bad);
		assert_int_equal(v.shown, STATE_CRITICAL);
		assert_true(v.have_result);
	}
}

/* A good result in the middle starts the count over, for every N. */
static void every_fail_after_needs_an_unbroken_streak(void **state)
{
	struct probe_result good = ok(), bad = down();

	(void)state;
	for (int n = RANGE_MIN + 1; n <= RANGE_MAX; n++) {
		struct check_cfg c = check(n, 1);
		struct verdict v;

		verdict_init(&v);
		verdict_feed(&v, &c, &good);
		for (int i = 1; i < n; i++)
			verdict_feed(&v, &c, &bad);
		verdict_feed(&v, &c, &good);
		for (int i = 1; i < n; i++)
			verdict_feed(&v, &c, &bad);
		assert_int_equal(v.shown, STATE_OK);
		verdict_feed(&v, &c, &bad);
		assert_int_equal(v.shown, STATE_CRITICAL);
	}
}

/* From CRITICAL, N-1 good results keep it; the Nth brings OK, exactly;
 * a streak of WARNING results brings it down to WARNING. */
static void every_recover_after_recovers_at_exactly_n(void **state)
{
	struct probe_result good = ok(), bad = down(), warn = ping(150, 0);

	(void)state;
	for (int n = RANGE_MIN; n <= RANGE_MAX; n++) {
		struct check_cfg c = check(1, n);
		const struct probe_result *r[] = { &good, &warn };
		const enum pl_state want[] = { STATE_OK, STATE_WARNING };

		for (int k = 0; k < 2; k++) {
			struct verdict v;

			verdict_init(&v);
			verdict_feed(&v, &c, &good);
			verdict_feed(&v, &c, &bad);
			assert_int_equal(v.shown, STATE_CRITICAL);
			for (int i = 1; i < n; i++)
				assert_false(verdict_feed(&v, &c, r[k]));
			assert_int_equal(v.shown, STATE_CRITICAL);
			assert_true(verdict_feed(&v, &c, r[k]));
			assert_int_equal(v.shown, want[k]);
		}
	}
}

/* The rules of verdict.h written the plain way, over the whole history:
 * the shown state rises to the best level of the last fail_after results
 * when that is worse, and falls to the worst of the last recover_after
 * when that is better. */
static enum pl_state reference_shown(const enum pl_state *raw, int n,
				     const struct check_cfg *c,
				     enum pl_state shown, bool decided)
{
	enum pl_state lo = STATE_CRITICAL, hi = STATE_OK;

	if (!decided && raw[n - 1] == STATE_OK)
		return STATE_OK;
	for (int i = n - c->fail_after; n >= c->fail_after && i < n; i++)
		if (state_rank(raw[i]) < state_rank(lo))
			lo = raw[i];
	if (n >= c->fail_after && (state_rank(lo) > state_rank(shown) ||
				   (!decided && lo != STATE_OK)))
		return lo;
	for (int i = n - c->recover_after; n >= c->recover_after && i < n; i++)
		if (state_rank(raw[i]) > state_rank(hi))
			hi = raw[i];
	if (decided && n >= c->recover_after &&
	    state_rank(hi) < state_rank(shown))
		return hi;
	return shown;
}

/* Random runs of results at every level, long streaks included, against
 * the reference; the seed is fixed so a failure repeats. */
static void streaks_match_the_plain_rule(void **state)
{
	enum { LEN = 400 };
	static enum pl_state raw[LEN];
	struct probe_result res[] = { ok(), ping(150, 0), down(), ok() };
	const enum pl_state level[] = { STATE_OK, STATE_WARNING, STATE_CRITICAL,
					STATE_UNKNOWN };

	(void)state;
	res[3].has_state = true;
	res[3].state = STATE_UNKNOWN;
	srand(13);
	for (int t = 0; t < 300; t++) {
		struct check_cfg c =
			check(1 + rand() % RANGE_MAX, 1 + rand() % RANGE_MAX);
		enum pl_state shown = STATE_UNKNOWN;
		bool decided = false;
		struct verdict v;
		int k = 0, run = 0;

		verdict_init(&v);
		for (int i = 0; i < LEN; i++) {
			if (run-- <= 0) {
				k = rand() % 4;
				run = rand() % (2 * RANGE_MAX);
			}
			raw[i] = level[k];
			verdict_feed(&v, &c, &res[k]);
			shown = reference_shown(raw, i + 1, &c, shown, decided);
			decided |=
				shown != STATE_UNKNOWN || i + 1 >= c.fail_after;
			assert_int_equal(v.shown, shown);
			assert_int_equal(v.have_result, decided);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(thresholds_pick_the_worst_value),
		cmocka_unit_test(certificate_days_lower_is_worse),
		cmocka_unit_test(
			failure_is_critical_and_plugins_speak_for_themselves),
		cmocka_unit_test(one_lost_round_raises_nothing),
		cmocka_unit_test(
			a_host_down_from_the_start_is_unknown_then_critical),
		cmocka_unit_test(levels_need_a_full_streak),
		cmocka_unit_test(a_noisy_link_does_not_flap),
		cmocka_unit_test(flapping_is_marked_and_clears),
		cmocka_unit_test(every_fail_after_raises_at_exactly_n),
		cmocka_unit_test(every_fail_after_decides_at_exactly_n),
		cmocka_unit_test(every_fail_after_needs_an_unbroken_streak),
		cmocka_unit_test(every_recover_after_recovers_at_exactly_n),
		cmocka_unit_test(streaks_match_the_plain_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
