/*
 * test_panel_json.c - the JSON virtual panel as a script reads it: exact
 * lines for a model change and for the stop, none for blink phases, JSON
 * string escaping, timestamps, and button lines on stdin.  Also the plain
 * line the term panel prints when stdout is not a terminal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "panel.h"
#include "panel_fixture.h"
#include "panel_virtual.h"

static struct fixture fx;
static char *out_buf;
static size_t out_len;
static FILE *out;

static int setup(void **state)
{
	(void)state;
	fx_init(&fx);
	out = open_memstream(&out_buf, &out_len);
	assert_non_null(out);
	panel_json_set_output(out);
	panel_term_set_output(out);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_json_set_output(NULL);
	panel_term_set_output(NULL);
	fclose(out);
	free(out_buf);
	out_buf = NULL;
	return 0;
}

/* Line n (from 0) of the output, with the wall-clock time checked for
 * shape and replaced by "T" so the rest compares exactly. */
static const char *line(int n, const char *prefix)
{
	static char buf[4096];
	const char *s = out_buf, *e;
	size_t plen = strlen(prefix), i;

	fflush(out);
	for (; n > 0 && s; n--)
		s = (s = strchr(s, '\n')) ? s + 1 : NULL;
	assert_non_null(s);
	e = strchr(s, '\n');
	assert_non_null(e);
	assert_true((size_t)(e - s) < sizeof(buf));
	assert_memory_equal(s, prefix, plen);
	/* 2025-11-22T01:23:45.123Z */
	for (i = 0; i < 24; i++) {
		char c = s[plen + i];

		if (i == 4 || i == 7)
			assert_int_equal(c, '-');
		else if (i == 10)
			assert_int_equal(c, 'T');
		else if (i == 13 || i == 16)
			assert_int_equal(c, ':');
		else if (i == 19)
			assert_int_equal(c, '.');
		else if (i == 23)
			assert_int_equal(c, 'Z');
		else
			assert_true(c >= '0' && c <= '9');
	}
	snprintf(buf, sizeof(buf), "%.*sT%.*s", (int)plen, s,
		 (int)(e - s - (long)plen - 24), s + plen + 24);
	return buf;
}

static int count_lines(void)
{
	int n = 0;
	size_t i;

	fflush(out);
	for (i = 0; i < out_len; i++)
		n += out_buf[i] == '\n';
	return n;
}

#define LEDS_OK                                                                \
	"[{\"name\":\"status\",\"state\":\"OK\",\"color\":\"green\","          \
	"\"pattern\":\"on\"},{\"name\":\"router\",\"state\":\"OK\","           \
	"\"color\":\"red\",\"pattern\":\"on\"},{\"name\":\"nas\","             \
	"\"state\":\"OK\",\"color\":\"green\",\"pattern\":\"on\"},"            \
	"{\"name\":\"beat\",\"state\":\"OK\",\"color\":\"green\","             \
	"\"pattern\":\"heartbeat\"},{\"name\":\"traffic\",\"state\":\"OK\","   \
	"\"color\":\"yellow\",\"pattern\":\"activity\"}]"

static void test_json_lines(void **state)
{
	struct panel *p;

	(void)state;
	p = panel_open(&fx.cfg, &panel_json_ops, NULL, FX_T0);
	assert_non_null(p);
	assert_int_equal(count_lines(), 1); /* the opening view */
	panel_update(p, &fx.st, FX_T0 + FX_MS(5));
	assert_int_equal(count_lines(), 2);
	assert_string_equal(
		line(1, "{\"time\":\""),
		"{\"time\":\"T\",\"mono_ms\":100000005,\"leds\":" LEDS_OK
		",\"buzzer\":\"off\",\"backlight\":true,\"page\":\"summary\","
		"\"lcd\":[\"All 3 hosts OK  \",\"                \"]}");
	/* Blink phases and the heartbeat are not model changes. */
	panel_tick(p, FX_T0 + FX_MS(100));
	panel_tick(p, FX_T0 + FX_MS(200));
	panel_update(p, &fx.st, FX_T0 + FX_MS(300));
	assert_int_equal(count_lines(), 2);
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0 + FX_MS(400), "timeout");
	panel_update(p, &fx.st, FX_T0 + FX_MS(400));
	assert_int_equal(count_lines(), 3);
	assert_non_null(strstr(
		line(2, "{\"time\":\""),
		"{\"name\":\"nas\",\"state\":\"CRITICAL\",\"color\":\"red\","
		"\"pattern\":\"fast_blink\"}"));
	assert_non_null(strstr(
		line(2, "{\"time\":\""),
		"\"buzzer\":\"repeat\",\"backlight\":true,\"page\":\"summary\","
		"\"lcd\":[\"2/3 hosts OK    \",\"CRIT nas      0s\"]}"));
	panel_close(p, FX_T0 + FX_MS(500));
	assert_int_equal(count_lines(), 4);
	assert_string_equal(
		line(3, "{\"time\":\""),
		"{\"time\":\"T\",\"mono_ms\":100000500,\"leds\":["
		"{\"name\":\"status\",\"state\":\"CRITICAL\",\"color\":\"red\","
		"\"pattern\":\"off\"},{\"name\":\"router\",\"state\":\"OK\","
		"\"color\":\"red\",\"pattern\":\"off\"},{\"name\":\"nas\","
		"\"state\":\"CRITICAL\",\"color\":\"red\",\"pattern\":\"off\"},"
		"{\"name\":\"beat\",\"state\":\"OK\",\"color\":\"green\","
		"\"pattern\":\"off\"},{\"name\":\"traffic\",\"state\":\"OK\","
		"\"color\":\"yellow\",\"pattern\":\"off\"}],\"buzzer\":\"off\","
		"\"backlight\":true,\"page\":\"summary\",\"lcd\":["
		"\"   pilotlight   \",\"    stopped     \"],\"stopped\":true}");
}

static void test_json_escaped_text(void **state)
{
	struct panel *p;

	(void)state;
	snprintf(fx.cfg.indicators.leds[0].name, CFG_NAME_MAX, "a\"b\\c");
	snprintf(fx.hosts[0].name, CFG_NAME_MAX, "r\"1");
	fx.cfg.indicators.lcd.pages[0] = PAGE_HOSTS;
	fx.cfg.indicators.lcd.n_pages = 1;
	p = panel_open(&fx.cfg, &panel_json_ops, NULL, FX_T0);
	panel_update(p, &fx.st, FX_T0);
	assert_non_null(
		strstr(line(1, "{\"time\":\""), "{\"name\":\"a\\\"b\\\\c\","));
	assert_non_null(strstr(line(1, "{\"time\":\""),
			       "\"lcd\":[\"r\\\"1 rtt 0.3ms OK\","));
	panel_close(p, FX_T0);
}

static void test_json_escape(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(json_escape(buf, sizeof(buf), "a\"b\\c\n\t\x01"), 19);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\t\\u0001\"");
	/* Valid UTF-8 passes, broken bytes become U+FFFD. */
	json_escape(buf, sizeof(buf), "48\u00b0C \xff\xc3");
	assert_string_equal(buf, "\"48\u00b0C \xef\xbf\xbd\xef\xbf\xbd\"");
	/* Truncated like snprintf, the needed length returned. */
	assert_int_equal(json_escape(buf, 4, "abcdef"), 8);
	assert_string_equal(buf, "\"ab");
}

static void test_json_write_string(void **state)
{
	(void)state;
	assert_int_equal(json_write_string(out, "x\"y"), 0);
	assert_int_equal(json_write_string(out, NULL), 0);
	fflush(out);
	assert_string_equal(out_buf, "\"x\\\"y\"null");
}

static void test_json_time(void **state)
{
	char buf[JSON_TIME_LEN];

	(void)state;
	json_format_time(buf, sizeof(buf), INT64_C(1763774625123456789));
	assert_string_equal(buf, "2025-11-22T01:23:45.123Z");
	json_format_time(buf, sizeof(buf), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
}

static int presses[2];

static void on_press(struct panel *panel, enum button_press press, void *arg)
{
	(void)panel;
	(void)arg;
	presses[press]++;
}

static void feed(void *b, const char *s)
{
	panel_json_input(b, s, strlen(s));
}

static void test_json_input(void **state)
{
	char longline[400];
	struct panel *p;
	void *b;

	(void)state;
	memset(presses, 0, sizeof(presses));
	p = panel_open(&fx.cfg, &panel_json_ops, NULL, FX_T0);
	panel_update(p, &fx.st, FX_T0);
	panel_set_button_handler(p, on_press, NULL);
	b = panel_json_ops.open(&fx.cfg, NULL, p);
	assert_non_null(b);
	feed(b, "short\npress\n  long \r\nhold\n\nbogus\n");
	assert_int_equal(presses[BUTTON_SHORT], 2);
	assert_int_equal(presses[BUTTON_LONG], 2);
	/* Split across reads. */
	feed(b, "sho");
	assert_int_equal(presses[BUTTON_SHORT], 2);
	feed(b, "rt\n");
	assert_int_equal(presses[BUTTON_SHORT], 3);
	/* An over-long line is dropped whole, the next one works. */
	memset(longline, 'x', sizeof(longline));
	memcpy(longline + 300, "short\n", 7);
	feed(b, longline);
	assert_int_equal(presses[BUTTON_SHORT], 3);
	feed(b, "short\n");
	assert_int_equal(presses[BUTTON_SHORT], 4);
	feed(b, "next\n");
	assert_int_equal(panel_view(p)->page, PAGE_HOSTS);
	panel_json_ops.close(b, panel_view(p));
	panel_close(p, FX_T0);
}

/* stdout not a terminal: the term panel prints plain lines. */
static void test_term_plain_lines(void **state)
{
	struct panel *p;

	(void)state;
	p = panel_open(&fx.cfg, &panel_term_ops, NULL, FX_T0);
	assert_non_null(p);
	panel_update(p, &fx.st, FX_T0);
	assert_string_equal(
		line(1, "["),
		"[T] leds: status=green/on router=red/on nas=green/on "
		"beat=green/heartbeat traffic=yellow/activity | buzzer: off | "
		"lcd summary: |All 3 hosts OK  |                |");
	panel_tick(p, FX_T0 + FX_MS(100));
	assert_int_equal(count_lines(), 2);
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0, "timeout");
	panel_update(p, &fx.st, FX_T0);
	assert_string_equal(line(2, "["),
			    "[T] leds: status=red/fast_blink router=red/on "
			    "nas=red/fast_blink beat=green/heartbeat "
			    "traffic=yellow/activity | buzzer: repeat | "
			    "lcd summary: |2/3 hosts OK    |CRIT nas      0s|");
	panel_close(p, FX_T0);
	assert_string_equal(
		line(3, "["),
		"[T] leds: status=off router=off nas=off beat=off "
		"traffic=off | buzzer: off | "
		"lcd summary: |   pilotlight   |    stopped     | | stopped");
	assert_null(memchr(out_buf, '\033', out_len));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_json_lines),	  T(test_json_escaped_text),
		T(test_json_escape),	  T(test_json_write_string),
		T(test_json_time),	  T(test_json_input),
		T(test_term_plain_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
