/*
 * test_match.c - the bounded regex matcher: what a pattern matches in
 * each mode, the message a bad pattern gets, and that a reply built to
 * make a backtracking engine run for ages ends as MATCH_LIMIT with the
 * reply's budget spent.  No duration is asserted; tests/bench/regex
 * prints the times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match.h"

/* n bytes of 'a' followed by tail; free() it. */
static char *run_of_a(size_t n, const char *tail, size_t *len)
{
	size_t t = strlen(tail);
	char *s = malloc(n + t + 1);

	assert_non_null(s);
	memset(s, 'a', n);
	memcpy(s + n, tail, t + 1);
	*len = n + t;
	return s;
}

static enum match_outcome once(const char *pattern, enum match_mode mode,
			       const char *subject, size_t len)
{
	int64_t budget_ns = MATCH_BUDGET_NS;
	struct match *m = match_new(pattern, mode, NULL, 0);
	enum match_outcome o;

	assert_non_null(m);
	o = match_run(m, subject, len, &budget_ns);
	match_free(m);
	return o;
}

#define ONCE(p, mode, s) once(p, mode, s, sizeof(s) - 1)

static void test_found_and_none(void **state)
{
	(void)state;
	assert_int_equal(
		ONCE("^SSH-2\\.0-", MATCH_BYTES, "SSH-2.0-OpenSSH_9.2"),
		MATCH_FOUND);
	assert_int_equal(ONCE("^SSH-2\\.0-", MATCH_BYTES, "SSH-1.99-old"),
			 MATCH_NONE);
	assert_int_equal(ONCE("\"status\":\\s*\"ok\"", MATCH_TEXT,
			      "{\"status\": \"ok\"}"),
			 MATCH_FOUND);
	assert_int_equal(ONCE("[[:digit:]]+ ms", MATCH_TEXT, "took 12 ms"),
			 MATCH_FOUND);
	/* The whole reply counts, NUL bytes included. */
	assert_int_equal(ONCE("y$", MATCH_BYTES, "x\0y"), MATCH_FOUND);
	assert_int_equal(ONCE("^$", MATCH_BYTES, ""), MATCH_FOUND);
}

/* TEXT: ^ and $ at line breaks, '.' stops at one; BYTES: neither. */
static void test_modes(void **state)
{
	(void)state;
	assert_int_equal(ONCE("^OK$", MATCH_TEXT, "status\nOK\nbye\n"),
			 MATCH_FOUND);
	assert_int_equal(ONCE("^OK$", MATCH_BYTES, "status\nOK\nbye\n"),
			 MATCH_NONE);
	assert_int_equal(ONCE("a.b", MATCH_TEXT, "a\nb"), MATCH_NONE);
	assert_int_equal(ONCE("a.b", MATCH_BYTES, "a\nb"), MATCH_FOUND);
}

static void test_bad_patterns(void **state)
{
	char why[160], *longp;
	struct match *m;

	(void)state;
	assert_null(match_new("SSH-(2", MATCH_BYTES, why, sizeof(why)));
	assert_string_equal(why, "missing closing parenthesis at offset 6");
	assert_null(match_new("a{2,1}", MATCH_TEXT, why, sizeof(why)));
	assert_string_equal(
		why, "numbers out of order in {} quantifier at offset 5");
	assert_null(match_new("(*UTF)x", MATCH_TEXT, why, sizeof(why)));
	assert_string_equal(why, "using UTF is disabled by the application "
				 "at offset 6");
	assert_null(match_new("a\\Cb", MATCH_TEXT, why, sizeof(why)));
	assert_string_equal(why, "using \\C is disabled by the application "
				 "at offset 3");
	longp = malloc(MATCH_PATTERN_MAX + 2);
	assert_non_null(longp);
	memset(longp, 'x', MATCH_PATTERN_MAX + 1);
	longp[MATCH_PATTERN_MAX + 1] = '\0';
	assert_null(match_new(longp, MATCH_TEXT, why, sizeof(why)));
	assert_non_null(strstr(why, "longer than the limit"));
	longp[MATCH_PATTERN_MAX] = '\0';
	m = match_new(longp, MATCH_TEXT, why, sizeof(why));
	assert_non_null(m);
	match_free(m);
	free(longp);
	match_free(NULL);
}

/* The pattern: against 2000 'a' alone PCRE2 sees at once that
 * there is no 'b'; with "cb" after them it would backtrack for ages. */
static void test_backreference_bounded(void **state)
{
	int64_t budget_ns = MATCH_BUDGET_NS;
	struct match *m = match_new("(a+)+\\1b", MATCH_TEXT, NULL, 0);
	size_t len;
	char *s = run_of_a(2000, "", &len);

	(void)state;
	assert_non_null(m);
	assert_int_equal(match_run(m, s, len, &budget_ns), MATCH_NONE);
	free(s);
	s = run_of_a(2000, "cb", &len);
	assert_int_equal(match_run(m, s, len, &budget_ns), MATCH_LIMIT);
	/* The reply's budget is gone: the next piece is not even tried. */
	assert_true(budget_ns <= 0);
	assert_int_equal(match_run(m, "ab", 2, &budget_ns), MATCH_LIMIT);
	budget_ns = MATCH_BUDGET_NS;
	assert_int_equal(match_run(m, "aaab", 4, &budget_ns), MATCH_FOUND);
	free(s);
	match_free(m);
}

/* a*b fails at each of 64 Ki start positions after scanning to the end:
 * quadratic, and PCRE2's match limit (per start position) never fires. */
static void test_quadratic_bounded(void **state)
{
	size_t len;
	char *s = run_of_a(64 * 1024, "cb", &len);

	(void)state;
	assert_int_equal(once("a*b", MATCH_TEXT, s, len), MATCH_LIMIT);
	assert_int_equal(once("(a|aa)+b", MATCH_TEXT, s, len), MATCH_LIMIT);
	assert_int_equal(once("(a*)*c", MATCH_TEXT, s, len), MATCH_FOUND);
	free(s);
}

static void test_budget_spent(void **state)
{
	int64_t budget_ns = 0;
	struct match *m = match_new("a", MATCH_TEXT, NULL, 0);

	(void)state;
	assert_int_equal(match_run(m, "a", 1, &budget_ns), MATCH_LIMIT);
	budget_ns = MATCH_BUDGET_NS;
	assert_int_equal(match_run(m, "a", 1, &budget_ns), MATCH_FOUND);
	assert_true(budget_ns <= MATCH_BUDGET_NS);
	match_free(m);
	assert_string_equal(match_outcome_name(MATCH_LIMIT),
			    "match limit exceeded");
	assert_string_equal(match_outcome_name(MATCH_NONE), "no match");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_and_none),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_backreference_bounded),
		cmocka_unit_test(test_quadratic_bounded),
		cmocka_unit_test(test_budget_spent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
