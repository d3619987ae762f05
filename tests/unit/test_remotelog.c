/*
 * test_remotelog.c - the RFC 5424 line a remote syslog server receives:
 * PRI from facility daemon and the severity, the UTC timestamp with
 * microseconds, header fields kept to PRINTUSASCII or "-", control
 * characters out of the message, and cutting at the buffer's end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "remotelog.h"

/* 2026-12-06T18:20:18.123456Z */
static const struct timespec wall = { 1796581218, 123456789 };

static void test_header_and_pri(void **st)
{
	char buf[256];
	size_t n;

	(void)st;
	n = remotelog_format(buf, sizeof(buf), LOG_WARNING, &wall, "pi4",
			     "pilotlight", 812, "gw/ping: OK -> CRITICAL");
	assert_string_equal(buf, "<28>1 2026-12-06T18:20:18.123456Z pi4 "
				 "pilotlight 812 - - gw/ping: OK -> CRITICAL");
	assert_int_equal(n, strlen(buf));
	/* daemon (3) * 8 + severity: err 3 -> 27, debug 7 -> 31 */
	remotelog_format(buf, sizeof(buf), LOG_ERR, &wall, "h", "a", 1, "m");
	assert_memory_equal(buf, "<27>1 ", 6);
	remotelog_format(buf, sizeof(buf), LOG_DEBUG, &wall, "h", "a", 1, "m");
	assert_memory_equal(buf, "<31>1 ", 6);
	/* only the severity bits of prio count */
	remotelog_format(buf, sizeof(buf), LOG_DAEMON | LOG_NOTICE, &wall, "h",
			 "a", 1, "m");
	assert_memory_equal(buf, "<29>1 ", 6);
}

static void test_escaping(void **st)
{
	char buf[256];

	(void)st;
	remotelog_format(buf, sizeof(buf), LOG_INFO, &wall, "my host\x01", "",
			 7, "two\nlines\tand\x7f \xc3\xa9");
	assert_string_equal(buf, "<30>1 2026-12-06T18:20:18.123456Z my_host_ "
				 "- 7 - - two lines and  \xc3\xa9");
	remotelog_format(buf, sizeof(buf), LOG_INFO, &wall, "", "app", 7, "");
	assert_string_equal(buf,
			    "<30>1 2026-12-06T18:20:18.123456Z - app 7 - - ");
}

static void test_limits(void **st)
{
	char app[80], buf[300], small[60];
	size_t n;

	(void)st;
	/* APP-NAME is at most 48 characters */
	memset(app, 'a', sizeof(app) - 1);
	app[sizeof(app) - 1] = '\0';
	remotelog_format(buf, sizeof(buf), LOG_INFO, &wall, "h", app, 1, "m");
	assert_non_null(strstr(buf,
			       " h aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			       "aaaaaaaa 1 - - m"));
	/* the message is cut, the string stays terminated */
	n = remotelog_format(small, sizeof(small), LOG_INFO, &wall, "h", "a", 1,
			     "0123456789012345678901234567890123456789");
	assert_int_equal(n, sizeof(small) - 1);
	assert_int_equal(strlen(small), n);
	/* no room for the header: nothing */
	assert_int_equal(
		remotelog_format(small, 10, LOG_INFO, &wall, "h", "a", 1, "m"),
		0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_pri),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
