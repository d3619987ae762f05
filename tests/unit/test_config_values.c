/*
 * test_config_values.c - the syntax of single values (durations, networks,
 * listen addresses, clock ranges, names) and the enum names, tested on the
 * parsers directly, without a file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "../../src/config/internal.h"

static void test_duration_syntax(void **state)
{
	static const struct {
		const char *s;
		int64_t ms; /* -1: refused */
	} v[] = {
		{ "250ms", 250 },   { "5s", 5000 },
		{ "2m", 120000 },   { "1h", 3600000 },
		{ "1d", 86400000 }, { "1.5s", 1500 },
		{ "0", 0 },	    { "0ms", 0 },
		{ "007s", 7000 },   { "5", -1 },
		{ "", -1 },	    { "s", -1 },
		{ "-5s", -1 },	    { "+5s", -1 },
		{ " 5s", -1 },	    { "5s ", -1 },
		{ "5 s", -1 },	    { "5S", -1 },
		{ "0x10s", -1 },    { "1e3s", -1 },
		{ "1.s", -1 },	    { ".5s", -1 },
		{ "0.5ms", -1 },    { "5sec", -1 },
		{ "nan", -1 },	    { "inf", -1 },
		{ "5ms5", -1 },	    { "99999999999999999999d", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t ms = -1;
		int r = cfg_parse_duration(v[i].s, &ms);

		if (v[i].ms < 0) {
			if (r != -1)
				print_error("'%s' accepted\n", v[i].s);
			assert_int_equal(r, -1);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(ms, v[i].ms);
		}
	}
}

static void test_duration_format(void **state)
{
	char buf[32];

	(void)state;
	cfg_fmt_duration(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	cfg_fmt_duration(250, buf, sizeof(buf));
	assert_string_equal(buf, "250ms");
	cfg_fmt_duration(1500, buf, sizeof(buf));
	assert_string_equal(buf, "1500ms");
	cfg_fmt_duration(90000, buf, sizeof(buf));
	assert_string_equal(buf, "90s");
	cfg_fmt_duration(7 * 86400000LL, buf, sizeof(buf));
	assert_string_equal(buf, "7d");
}

/* An address alone is that one host; a network matches its own. */
static void test_net_syntax(void **state)
{
	static const uint8_t in[4] = { 10, 77, 0, 9 }, out[4] = { 10, 78 };
	uint8_t v6[16] = { 0xfd, 0x77 };
	struct cidr n;

	(void)state;
	assert_null(cfg_parse_net("10.77.0.9", &n));
	assert_int_equal(n.prefix, 32);
	assert_true(cidr_contains(&n, AF_INET, in));
	assert_null(cfg_parse_net("10.77.0.0/23", &n));
	assert_true(cidr_contains(&n, AF_INET, in));
	assert_false(cidr_contains(&n, AF_INET, out));
	assert_false(cidr_contains(&n, AF_INET6, v6));
	assert_null(cfg_parse_net("fd77::", &n));
	assert_int_equal(n.prefix, 128);
	assert_true(cidr_contains(&n, AF_INET6, v6));
	v6[15] = 1;
	assert_false(cidr_contains(&n, AF_INET6, v6));
	assert_null(cfg_parse_net("fd76::/15", &n));
	assert_true(cidr_contains(&n, AF_INET6, v6));
	assert_null(cfg_parse_net("0.0.0.0/0", &n));
	assert_true(cidr_contains(&n, AF_INET, out));
	assert_string_equal(cfg_parse_net("10.77.0.9/24", &n),
			    "has host bits set");
	assert_non_null(cfg_parse_net("nas.lan", &n));
	assert_non_null(cfg_parse_net("", &n));
	assert_non_null(cfg_parse_net("10.77.0.256", &n));
}

static void test_value_syntax(void **state)
{
	struct cidr n;
	int from, to;

	(void)state;
	assert_null(cfg_parse_cidr("10.0.0.0/8", &n));
	assert_int_equal(n.family, AF_INET);
	assert_int_equal(n.prefix, 8);
	assert_null(cfg_parse_cidr("::/0", &n));
	assert_non_null(cfg_parse_cidr("10.0.0.0", &n));
	assert_non_null(cfg_parse_cidr("10.0.0.0/", &n));
	assert_non_null(cfg_parse_cidr("10.0.0.0/-1", &n));
	assert_non_null(cfg_parse_cidr("10.0.0.0/8x", &n));
	assert_non_null(cfg_parse_cidr("fd00::/129", &n));
	assert_non_null(cfg_parse_cidr("fd00::1/8", &n));
	assert_non_null(cfg_parse_cidr("lan/24", &n));

	assert_true(cfg_valid_listen("0.0.0.0:1"));
	assert_true(cfg_valid_listen("[fe80::1]:65535"));
	assert_false(cfg_valid_listen("127.0.0.1"));
	assert_false(cfg_valid_listen("127.0.0.1:"));
	assert_false(cfg_valid_listen("127.0.0.1:0"));
	assert_false(cfg_valid_listen("127.0.0.1:80x"));
	assert_false(cfg_valid_listen("::1:80"));
	assert_false(cfg_valid_listen("[127.0.0.1]:80"));

	assert_null(cfg_parse_clock_range("23:59-00:00", &from, &to));
	assert_int_equal(from, 23 * 60 + 59);
	assert_int_equal(to, 0);
	assert_non_null(cfg_parse_clock_range("7:00-08:00", &from, &to));
	assert_non_null(cfg_parse_clock_range("07:60-08:00", &from, &to));
	assert_non_null(cfg_parse_clock_range("07:00 08:00", &from, &to));

	assert_null(cfg_check_address("router.lan", false));
	assert_null(cfg_check_address("2001:db8::1", false));
	assert_null(cfg_check_address("_sip._udp.example.org", true));
	assert_non_null(cfg_check_address("_sip._udp.example.org", false));
	assert_non_null(cfg_check_address("-bad.example", false));
	assert_non_null(cfg_check_address("a..b", false));
	assert_non_null(cfg_check_address("2001:db8::g", false));
	assert_non_null(cfg_check_address("", false));

	assert_true(cfg_valid_name("nas-1.lan_x", false));
	assert_false(cfg_valid_name("nas/ping", false));
	assert_true(cfg_valid_name("nas/tcp:22", true));
	assert_false(cfg_valid_name("0123456789012345678901234567890x", true));
	assert_true(cfg_valid_user("_pilot-light9"));
	assert_false(cfg_valid_user("9lives"));
}

static void test_enum_names(void **state)
{
	(void)state;
	assert_string_equal(check_type_name(CHECK_PORTS), "ports");
	assert_string_equal(check_type_name(CHECK_TYPE_COUNT), "?");
	assert_string_equal(led_color_name(LED_WHITE), "white");
	assert_string_equal(led_pattern_name(PAT_SLOW_BLINK), "slow_blink");
	assert_string_equal(buzzer_pattern_name(BUZ_CONTINUOUS), "continuous");
	assert_string_equal(metric_name(METRIC_RESPONSE_TIME), "response_time");
	assert_string_equal(metric_name((enum metric) - 1), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_syntax),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_value_syntax),
		cmocka_unit_test(test_net_syntax),
		cmocka_unit_test(test_enum_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
