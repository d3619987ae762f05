/*
 * test_control.c - the control requests both ways share: parsing the
 * request line (commands, arguments, oversized and garbage lines), the
 * edges of the duration, and the constant-time token compare giving the
 * right answer for every kind of near miss.  The socket itself is
 * tested black-box (tests/blackbox/control.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control.h"

static int parse(const char *line, struct control_request *rq)
{
	char why[160];

	return control_parse(line, rq, why, sizeof(why));
}

static void test_commands(void **state)
{
	struct control_request rq;

	(void)state;
	assert_int_equal(parse("status", &rq), 0);
	assert_int_equal(rq.cmd, CTL_STATUS);
	assert_int_equal(parse("ack", &rq), 0);
	assert_int_equal(rq.cmd, CTL_ACK);
	assert_int_equal(parse("end-maintenance", &rq), 0);
	assert_int_equal(rq.cmd, CTL_END_MAINTENANCE);
	assert_int_equal(parse("reload", &rq), 0);
	assert_int_equal(rq.cmd, CTL_RELOAD);
	assert_int_equal(parse("mute 10m", &rq), 0);
	assert_int_equal(rq.cmd, CTL_MUTE);
	assert_int_equal(rq.duration_ms, 600000);
	assert_int_equal(parse("maintenance 1h", &rq), 0);
	assert_int_equal(rq.cmd, CTL_MAINTENANCE);
	assert_int_equal(rq.duration_ms, 3600000);
	assert_string_equal(rq.target, "");
	assert_int_equal(parse("maintenance 90s router", &rq), 0);
	assert_int_equal(rq.duration_ms, 90000);
	assert_string_equal(rq.target, "router");
	assert_string_equal(control_cmd_name(CTL_END_MAINTENANCE),
			    "end-maintenance");
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",	   "stat",	  "STATUS",	   "ack now",
		"mute",	   "mute 10m 5m", "maintenance",   "maintenance 1h a b",
		"status ", " status",	  "mute  10m",	   "ack\t",
		"ack\r",   "ack\x7f",	  "reload\x1b[2J",
	};
	struct control_request rq;
	char why[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(control_parse(bad[i], &rq, why, sizeof(why)),
				 -1);
		assert_true(why[0] != '\0');
	}
	assert_int_equal(control_parse("frobnicate", &rq, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "unknown command 'frobnicate'");
	assert_int_equal(control_parse("mute", &rq, why, sizeof(why)), -1);
	assert_string_equal(why, "usage: mute DURATION");
}

static void test_oversized(void **state)
{
	char line[CONTROL_REQUEST_MAX * 4];
	struct control_request rq;

	(void)state;
	/* a word longer than a name: refused, not cut */
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(parse(line, &rq), -1);
	snprintf(line, sizeof(line), "maintenance 1h ");
	memset(line + strlen(line), 'h', CFG_NAME_MAX);
	line[15 + CFG_NAME_MAX] = '\0';
	assert_int_equal(parse(line, &rq), -1);
	line[15 + CFG_NAME_MAX - 1] = '\0'; /* CFG_NAME_MAX - 1: fits */
	assert_int_equal(parse(line, &rq), 0);
	assert_int_equal(strlen(rq.target), CFG_NAME_MAX - 1);
}

static void test_durations(void **state)
{
	static const struct {
		const char *s;
		int64_t ms; /* -1: refused */
	} v[] = {
		{ "1ms", 1 },
		{ "0", -1 },
		{ "0s", -1 },
		{ "1.5s", 1500 },
		{ "7d", 604800000 },
		{ "168h", 604800000 },
		{ "7.001d", -1 },
		{ "8d", -1 },
		{ "-1s", -1 },
		{ "10", -1 },
		{ "10x", -1 },
		{ "1e3s", -1 },
		{ "99999999999999999999d", -1 },
	};
	struct control_request rq;
	char line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(line, sizeof(line), "mute %s", v[i].s);
		if (v[i].ms < 0) {
			assert_int_equal(parse(line, &rq), -1);
			continue;
		}
		assert_int_equal(parse(line, &rq), 0);
		assert_int_equal(rq.duration_ms, v[i].ms);
	}
}

static void test_token_compare(void **state)
{
	const char *tok = "s3cret-token-0123456789";
	size_t n = strlen(tok);
	char guess[64];

	(void)state;
	assert_true(control_token_equal(tok, n, tok));
	/* not NUL-terminated: only given_len bytes count */
	memcpy(guess, tok, n);
	guess[n] = 'X';
	assert_true(control_token_equal(guess, n, tok));
	assert_false(control_token_equal(guess, n + 1, tok));
	assert_false(control_token_equal(tok, n - 1, tok));
	assert_false(control_token_equal("", 0, tok));
	/* every single-byte difference, first to last */
	for (size_t i = 0; i < n; i++) {
		memcpy(guess, tok, n);
		guess[i] ^= 1;
		assert_false(control_token_equal(guess, n, tok));
	}
	/* a prefix repeated to the same length is not the token */
	memset(guess, tok[0], n);
	assert_false(control_token_equal(guess, n, tok));
	/* an empty token matches nothing, not even empty */
	assert_false(control_token_equal("", 0, ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_token_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
