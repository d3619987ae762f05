/*
 * test_state.c - state names and the precedence every combination of
 * states relies on: CRITICAL > WARNING > UNKNOWN > OK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "state.h"

static const enum pl_state all[STATE_COUNT] = {
	STATE_OK,
	STATE_WARNING,
	STATE_CRITICAL,
	STATE_UNKNOWN,
};

static void test_rank(void **state)
{
	(void)state;
	assert_int_equal(state_rank(STATE_OK), 0);
	assert_int_equal(state_rank(STATE_UNKNOWN), 1);
	assert_int_equal(state_rank(STATE_WARNING), 2);
	assert_int_equal(state_rank(STATE_CRITICAL), 3);
}

/* The worst of every ordered pair, written out rather than derived. */
static void test_worst_table(void **state)
{
	static const enum pl_state want[STATE_COUNT][STATE_COUNT] = {
		/*            OK              WARNING         CRITICAL        UNKNOWN */
		[STATE_OK] = { STATE_OK, STATE_WARNING, STATE_CRITICAL,
			       STATE_UNKNOWN },
		[STATE_WARNING] = { STATE_WARNING, STATE_WARNING,
				    STATE_CRITICAL, STATE_WARNING },
		[STATE_CRITICAL] = { STATE_CRITICAL, STATE_CRITICAL,
				     STATE_CRITICAL, STATE_CRITICAL },
		[STATE_UNKNOWN] = { STATE_UNKNOWN, STATE_WARNING,
				    STATE_CRITICAL, STATE_UNKNOWN },
	};
	int a, b;

	(void)state;
	for (a = 0; a < STATE_COUNT; a++)
		for (b = 0; b < STATE_COUNT; b++)
			assert_int_equal(state_worst(all[a], all[b]),
					 want[all[a]][all[b]]);
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(state_name((enum pl_state)7), "?");
	assert_string_equal(state_key((enum pl_state) - 1), "?");
	/* garbage counts as not knowing: worse than OK, below a problem */
	assert_int_equal(state_worst(STATE_OK, (enum pl_state)9),
			 STATE_UNKNOWN);
	assert_int_equal(state_worst((enum pl_state)9, STATE_WARNING),
			 STATE_WARNING);
}

static void test_names(void **state)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL",
					     "UNKNOWN" };
	static const char *const keys[] = { "ok", "warning", "critical",
					    "unknown" };
	enum pl_state s;
	int i;

	(void)state;
	for (i = 0; i < STATE_COUNT; i++) {
		assert_string_equal(state_name((enum pl_state)i), names[i]);
		assert_string_equal(state_key((enum pl_state)i), keys[i]);
		s = STATE_OK;
		assert_int_equal(state_parse(keys[i], &s), 0);
		assert_int_equal(s, i);
	}
	s = STATE_WARNING;
	assert_int_equal(state_parse("OK", &s), -1);
	assert_int_equal(state_parse("", &s), -1);
	assert_int_equal(state_parse("okay", &s), -1);
	assert_int_equal(state_parse(NULL, &s), -1);
	assert_int_equal(s, STATE_WARNING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_worst_table),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
