/*
 * test_action_rule.c - when an action runs (action_rule.h), on a fake
 * clock: nothing before 'after', a run at 'after', one run at a time,
 * 'after' again from a run's end, a recovery starting the count over, at
 * most 'max' starts in any 'per' window (sliding), maintenance holding a
 * due action, each hold reported once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "action_rule.h"
#include "clock.h"

#define S(x) ((int64_t)(x)*NS_PER_S)
#define T0   S(100000)
#define CRIT STATE_CRITICAL
#define OK   STATE_OK

static struct action_cfg cfg(int64_t after_s, int max, int64_t per_s)
{
	struct action_cfg c;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "cycle");
	c.state = STATE_CRITICAL;
	c.after_ms = after_s * 1000;
	c.max = max;
	c.per_ms = per_s * 1000;
	c.pin = PIN_NONE;
	return c;
}

static enum action_step step(struct action_rule *r, const struct action_cfg *c,
			     enum pl_state s, bool maint, int64_t t)
{
	int64_t next;

	return action_rule_step(r, c, s, maint, t, &next);
}

/* Bad from T0, asked every second: the one run comes at T0 + after. */
static void test_after(void **state)
{
	struct action_cfg c = cfg(300, 3, 3600);
	struct action_rule r;
	int64_t next, t;

	(void)state;
	action_rule_init(&r);
	assert_int_equal(action_rule_step(&r, &c, CRIT, false, T0, &next),
			 ACTION_WAIT);
	assert_true(next == T0 + S(300));
	for (t = T0 + S(1); t < T0 + S(300); t += S(1))
		assert_int_equal(step(&r, &c, CRIT, false, t), ACTION_WAIT);
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(300)), ACTION_RUN);
	/* running: nothing more, however long it takes */
	for (t = T0 + S(301); t < T0 + S(2000); t += S(1))
		assert_int_equal(step(&r, &c, CRIT, false, t), ACTION_WAIT);
}

/* WARNING does not reach a CRITICAL action; UNKNOWN neither. */
static void test_state_or_worse(void **state)
{
	struct action_cfg c = cfg(0, 3, 3600);
	struct action_rule r;

	(void)state;
	action_rule_init(&r);
	assert_int_equal(step(&r, &c, STATE_WARNING, false, T0), ACTION_WAIT);
	assert_int_equal(step(&r, &c, STATE_UNKNOWN, false, T0), ACTION_WAIT);
	assert_int_equal(step(&r, &c, CRIT, false, T0), ACTION_RUN);
	c.state = STATE_WARNING;
	action_rule_done(&r, T0 + S(1));
	action_rule_init(&r);
	assert_int_equal(step(&r, &c, STATE_WARNING, false, T0), ACTION_RUN);
}

/* After a run the target must stay bad 'after' again from its end; a
 * recovery in between starts the count over. */
static void test_again_and_recovery(void **state)
{
	struct action_cfg c = cfg(60, 10, 3600);
	struct action_rule r;

	(void)state;
	action_rule_init(&r);
	step(&r, &c, CRIT, false, T0);
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(60)), ACTION_RUN);
	action_rule_done(&r, T0 + S(90));
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(149)), ACTION_WAIT);
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(150)), ACTION_RUN);
	action_rule_done(&r, T0 + S(151));
	/* recovers at 200, fails again at 205: 'after' counts from 205 */
	assert_int_equal(step(&r, &c, OK, false, T0 + S(200)), ACTION_WAIT);
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(205)), ACTION_WAIT);
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(264)), ACTION_WAIT);
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(265)), ACTION_RUN);
}

/* max 2 per hour: the third due run is held (said once) until the
 * first start leaves the window, and the delay asked for is that. */
static void test_rate_limit(void **state)
{
	struct action_cfg c = cfg(10, 2, 3600);
	struct action_rule r;
	int64_t next, t;
	int runs = 0, holds = 0;

	(void)state;
	action_rule_init(&r);
	for (t = T0; t <= T0 + S(3600); t += S(1)) {
		enum action_step s = step(&r, &c, CRIT, false, t);

		if (s == ACTION_RUN) {
			runs++;
			action_rule_done(&r, t + S(5));
		}
		holds += s == ACTION_HELD_RATE;
	}
	/* runs at T0+10 and T0+25; then held until T0+10+3600 */
	assert_int_equal(runs, 2);
	assert_int_equal(holds, 1);
	assert_int_equal(
		action_rule_step(&r, &c, CRIT, false, T0 + S(3609), &next),
		ACTION_WAIT);
	assert_true(next == T0 + S(3610));
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(3610)), ACTION_RUN);
	action_rule_done(&r, T0 + S(3611));
	/* the window slides: the T0+25 start leaves it at T0+3625 */
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(3624)),
			 ACTION_HELD_RATE);
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(3625)), ACTION_RUN);
}

/* A due action waits out maintenance (held, said once) and runs when it
 * ends if the target is still bad; one that recovered meanwhile does
 * not. */
static void test_maintenance(void **state)
{
	struct action_cfg c = cfg(30, 3, 3600);
	struct action_rule r;
	int64_t t;
	int holds = 0;

	(void)state;
	action_rule_init(&r);
	for (t = T0; t < T0 + S(600); t += S(1)) {
		enum action_step s = step(&r, &c, CRIT, true, t);

		assert_true(s == ACTION_WAIT || s == ACTION_HELD_MAINTENANCE);
		holds += s == ACTION_HELD_MAINTENANCE;
	}
	assert_int_equal(holds, 1);
	assert_int_equal(step(&r, &c, CRIT, false, T0 + S(600)), ACTION_RUN);
	action_rule_done(&r, T0 + S(601));

	action_rule_init(&r);
	step(&r, &c, CRIT, true, T0);
	assert_int_equal(step(&r, &c, CRIT, true, T0 + S(30)),
			 ACTION_HELD_MAINTENANCE);
	assert_int_equal(step(&r, &c, OK, true, T0 + S(40)), ACTION_WAIT);
	assert_int_equal(step(&r, &c, OK, false, T0 + S(600)), ACTION_WAIT);
	/* a new episode in a new window says so again */
	step(&r, &c, CRIT, true, T0 + S(700));
	assert_int_equal(step(&r, &c, CRIT, true, T0 + S(730)),
			 ACTION_HELD_MAINTENANCE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_after),
		cmocka_unit_test(test_state_or_worse),
		cmocka_unit_test(test_again_and_recovery),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_maintenance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
