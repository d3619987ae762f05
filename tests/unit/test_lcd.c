/*
 * test_lcd.c - the LCD's text: the A00 ROM mapping both ways, and what
 * each page says on 16x2 and 20x4 modules, read back the way a person
 * (or the virtual panel) sees the glass.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lcd_charset.h"
#include "lcd_pages.h"
#include "panel_fixture.h"

#ifndef PL_VERSION
#define PL_VERSION "?"
#endif

static uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS];
static struct fixture fx;
static struct lcd_sysinfo sys;

static int setup(void **state)
{
	(void)state;
	fx_init(&fx);
	memset(cells, 0, sizeof(cells));
	memset(&sys, 0, sizeof(sys));
	sys.valid = true;
	snprintf(sys.ip, sizeof(sys.ip), "192.168.1.10");
	snprintf(sys.temp, sizeof(sys.temp), "48.3\u00b0C");
	return 0;
}

static void set_size(int cols, int rows)
{
	fx.cfg.indicators.lcd.cols = cols;
	fx.cfg.indicators.lcd.rows = rows;
}

/* Render page at now and return row r as the glass shows it. */
static const char *row_text(enum lcd_page page, int64_t now, int r,
			    unsigned visit)
{
	static char buf[LCD_MAX_COLS * 4 + 1];
	struct lcd_page_ctx ctx = {
		.cfg = &fx.cfg,
		.st = &fx.st,
		.sys = &sys,
		.now_ns = now,
		.visit = visit,
	};

	lcd_page_render(&ctx, page, cells);
	lcd_charset_decode_row(cells[r], fx.cfg.indicators.lcd.cols, buf,
			       sizeof(buf));
	return buf;
}

static void test_encode(void **state)
{
	uint8_t c[8];

	(void)state;
	assert_int_equal(lcd_charset_encode("25\u00b0C", c, 8), 4);
	assert_memory_equal(c, "25\xdf\x43", 4);
	assert_int_equal(lcd_charset_encode("\xc2\xb5s", c, 8), 2);
	assert_int_equal(c[0], 0xE4);
	assert_int_equal(lcd_charset_encode("\xe2\x86\x92\xe2\x86\x90", c, 8),
			 2);
	assert_int_equal(c[0], 0x7E);
	assert_int_equal(c[1], 0x7F);
	assert_int_equal(lcd_charset_encode("a\\b~", c, 8), 4);
	assert_memory_equal(c, "a/b-", 4);
	assert_int_equal(lcd_charset_encode("\xc2\xa5", c, 8), 1);
	assert_int_equal(c[0], 0x5C);
	/* é, a tab, a lone continuation byte, a truncated sequence */
	assert_int_equal(lcd_charset_encode("\xc3\xa9\t\x80\xe2\x86", c, 8), 5);
	assert_memory_equal(c, "?????", 5);
	assert_int_equal(lcd_charset_encode("abcdef", c, 3), 3);
	assert_int_equal(lcd_charset_encode("", c, 3), 0);
}

static void test_decode(void **state)
{
	(void)state;
	assert_string_equal(lcd_charset_decode('A'), "A");
	assert_string_equal(lcd_charset_decode(' '), " ");
	assert_string_equal(lcd_charset_decode(0x5C), "\xc2\xa5");
	assert_string_equal(lcd_charset_decode(0x7E), "\xe2\x86\x92");
	assert_string_equal(lcd_charset_decode(0x7F), "\xe2\x86\x90");
	assert_string_equal(lcd_charset_decode(0xDF), "\xc2\xb0");
	assert_string_equal(lcd_charset_decode(0xE4), "\xc2\xb5");
	assert_string_equal(lcd_charset_decode(0), "\xe2\x96\x81");
	assert_string_equal(lcd_charset_decode(7), "\xe2\x96\x88");
	assert_string_equal(lcd_charset_decode(0xA0), "?");
	assert_string_equal(lcd_charset_decode(0x1F), "?");
}

static void round_trip(const char *in, const char *seen)
{
	uint8_t c[LCD_MAX_COLS];
	char out[LCD_MAX_COLS * 4 + 1];
	int n = lcd_charset_encode(in, c, LCD_MAX_COLS);

	lcd_charset_decode_row(c, n, out, sizeof(out));
	assert_string_equal(out, seen);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip("up 3d 48.3\u00b0C", "up 3d 48.3\u00b0C");
	round_trip("rtt 12\xc2\xb5s \xe2\x86\x92 \xe2\x86\x90",
		   "rtt 12\xc2\xb5s \xe2\x86\x92 \xe2\x86\x90");
	round_trip("C:\\tmp ~x", "C:/tmp -x");
	round_trip("\u00a5100", "\u00a5100");
	round_trip("na\xc3\xafve", "na?ve");
}

static void test_decode_row_bounded(void **state)
{
	uint8_t c[3] = { 0xDF, 0xDF, 0xDF };
	char out[6];

	(void)state;
	/* Room for two "°" (2 bytes each) and the NUL, not half a third. */
	assert_int_equal(lcd_charset_decode_row(c, 3, out, sizeof(out)), 4);
	assert_string_equal(out, "\xc2\xb0\xc2\xb0");
}

static void test_duration(void **state)
{
	static const struct {
		int64_t s;
		const char *text;
	} v[] = {
		{ 0, "0s" },	    { 59, "59s" },	 { 60, "1m" },
		{ 3599, "59m" },    { 3600, "1h00m" },	 { 7500, "2h05m" },
		{ 86400, "1d00h" }, { 273900, "3d04h" },
	};
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		lcd_format_duration(buf, sizeof(buf), v[i].s * NS_PER_S);
		assert_string_equal(buf, v[i].text);
	}
}

static void test_summary_all_ok(void **state)
{
	(void)state;
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 0, 0),
			    "All 3 hosts OK  ");
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 1, 0),
			    "                ");
}

static void test_summary_waiting(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		fx.checks[i].have_result = false;
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 0, 0),
			    "Awaiting probes ");
	set_size(20, 4);
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 0, 0),
			    "Waiting for probes  ");
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 1, 0),
			    "                    ");
}

static void test_summary_problem(void **state)
{
	(void)state;
	fx_set_host(&fx, 0, STATE_WARNING, FX_T0 - FX_MS(3600000), "slow");
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0 - FX_MS(300000), "timeout");
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 0, 0),
			    "1/3 hosts OK    ");
	/* The worse state wins over the older problem. */
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 1, 0),
			    "CRIT nas      5m");
	set_size(20, 4);
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 1, 0),
			    "CRIT nas          5m");
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 2, 0),
			    "Overall CRITICAL    ");
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 3, 0),
			    "                    ");
}

static void test_summary_root_cause(void **state)
{
	(void)state;
	fx_set_host(&fx, 0, STATE_CRITICAL, FX_T0 - FX_MS(60000), "timeout");
	fx_set_host(&fx, 2, STATE_CRITICAL, FX_T0 - FX_MS(120000), "timeout");
	fx.hstat[2].unreachable = true; /* behind router */
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 1, 0),
			    "CRIT router   1m");
}

static void test_hosts_cycle(void **state)
{
	(void)state;
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 0, 0),
			    "router rtt    OK");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 1, 0),
			    "nas rtt 0.3ms OK");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 0, 1),
			    "printer rtt   OK");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 1, 1),
			    "                ");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 0, 2),
			    "router rtt    OK");
	set_size(20, 4);
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 0, 0),
			    "router rtt 0.3ms  OK");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 2, 0),
			    "printer rtt 0.3ms OK");
}

static void test_hosts_problems_first(void **state)
{
	(void)state;
	fx_set_host(&fx, 2, STATE_CRITICAL, FX_T0, "timeout");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 0, 0),
			    "printer     CRIT");
	fx_set_host(&fx, 1, STATE_WARNING, FX_T0, "timeout");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 0, 0),
			    "nas timeout WARN");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 1, 0),
			    "printer     CRIT");
}

static void test_hosts_problem_stays_on_every_visit(void **state)
{
	(void)state;
	fx_set_host(&fx, 2, STATE_CRITICAL, FX_T0, "timeout");
	/* 16x2: the problem keeps row 0; row 1 takes turns. */
	for (unsigned visit = 0; visit < 4; visit++)
		assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 0, visit),
				    "printer     CRIT");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 1, 0),
			    "router rtt    OK");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 1, 1),
			    "nas rtt 0.3ms OK");
}

static void test_traffic(void **state)
{
	char *ifs[1] = { (char *)"eth0" };

	(void)state;
	assert_string_equal(row_text(PAGE_TRAFFIC, FX_T0, 0, 0),
			    "no capture      ");
	fx.st.activity = 1234;
	assert_string_equal(row_text(PAGE_TRAFFIC, FX_T0, 0, 0),
			    "frames 1234     ");
	fx.st.activity = 0;
	fx.cfg.capture.interfaces[0] = ifs[0];
	fx.cfg.capture.n_interfaces = 1;
	assert_string_equal(row_text(PAGE_TRAFFIC, FX_T0, 0, 0),
			    "frames 0        ");
	assert_string_equal(row_text(PAGE_TRAFFIC, FX_T0, 1, 0),
			    "on eth0         ");
}

static void test_alarms(void **state)
{
	struct lcd_page_ctx ctx = {
		.cfg = &fx.cfg, .st = &fx.st, .now_ns = FX_T0, .quiet = true
	};
	char buf[LCD_MAX_COLS * 4 + 1];

	(void)state;
	assert_string_equal(row_text(PAGE_ALARMS, FX_T0, 0, 0),
			    "No alarms       ");
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0, "timeout");
	assert_string_equal(row_text(PAGE_ALARMS, FX_T0, 0, 0),
			    "ALARM CRIT      ");
	assert_string_equal(row_text(PAGE_ALARMS, FX_T0, 1, 0),
			    "unack           ");
	fx.st.acknowledged = true;
	assert_string_equal(row_text(PAGE_ALARMS, FX_T0, 1, 0),
			    "ack             ");
	/* Maintenance (the policy drops the alarm meanwhile). */
	fx.st.alarm = false;
	fx.st.maintenance_until_ns = FX_T0 + FX_MS(3570000);
	assert_string_equal(row_text(PAGE_ALARMS, FX_T0, 0, 0),
			    "No alarms       ");
	assert_string_equal(row_text(PAGE_ALARMS, FX_T0, 1, 0),
			    "maint 59m       ");
	set_size(20, 4);
	lcd_page_render(&ctx, PAGE_ALARMS, cells);
	lcd_charset_decode_row(cells[2], 20, buf, sizeof(buf));
	assert_string_equal(buf, "quiet hours         ");
}

static void test_system(void **state)
{
	int64_t now = fx.st.started_ns + (int64_t)273960 * NS_PER_S;

	(void)state;
	assert_string_equal(row_text(PAGE_SYSTEM, now, 0, 0),
			    "up 3d04h  48.3\u00b0C");
	assert_string_equal(row_text(PAGE_SYSTEM, now, 1, 0),
			    "192.168.1.10    ");
	set_size(20, 4);
	assert_string_equal(row_text(PAGE_SYSTEM, now, 0, 0),
			    "up 3d04h      48.3\u00b0C");
	assert_string_equal(row_text(PAGE_SYSTEM, now, 2, 0),
			    "cfg 1a2b3c4d        ");
	assert_string_equal(row_text(PAGE_SYSTEM, now, 3, 0),
			    "pilotlight " PL_VERSION "    ");
	/* Nothing read yet: dashes, not garbage. */
	sys.valid = false;
	assert_string_equal(row_text(PAGE_SYSTEM, now, 1, 0),
			    "-                   ");
}

static void add_iface(const char *name, bool up, double rx, double tx)
{
	struct lcd_iface *f = &sys.ifs[sys.n_ifs++];

	snprintf(f->name, sizeof(f->name), "%s", name);
	f->up = up;
	f->rx_bps = rx;
	f->tx_bps = tx;
}

/* Odd visits list the interfaces, a page's worth at a time. */
static void test_system_interfaces(void **state)
{
	(void)state;
	add_iface("eth0", true, 1.23e6, 345e3);
	add_iface("cap0", true, 52.1e6, 0);
	add_iface("wlan0", false, NAN, NAN);
	set_size(20, 4);
	/* even visits: the usual page */
	assert_string_equal(row_text(PAGE_SYSTEM, FX_T0, 2, 0),
			    "cfg 1a2b3c4d        ");
	assert_string_equal(row_text(PAGE_SYSTEM, FX_T0, 0, 1),
			    "eth0 up   1.23M/345k");
	assert_string_equal(row_text(PAGE_SYSTEM, FX_T0, 1, 1),
			    "cap0 up      52.1M/0");
	/* no rate yet (one read): link only */
	assert_string_equal(row_text(PAGE_SYSTEM, FX_T0, 2, 1),
			    "wlan0 down          ");
	assert_string_equal(row_text(PAGE_SYSTEM, FX_T0, 3, 1),
			    "                    ");
	/* 16x2: the next two on the next interface visit */
	set_size(16, 2);
	assert_string_equal(row_text(PAGE_SYSTEM, FX_T0, 0, 1),
			    "eth0  1.23M/345k");
	assert_string_equal(row_text(PAGE_SYSTEM, FX_T0, 0, 3),
			    "wlan0 down      ");
	/* nothing read: the usual page on every visit */
	sys.n_ifs = 0;
	assert_string_equal(row_text(PAGE_SYSTEM, FX_T0, 1, 1),
			    "192.168.1.10    ");
}

/* A failed reload is on the last row of every page. */
static void test_config_error_everywhere(void **state)
{
	int page;

	(void)state;
	snprintf(fx.st.config_error, sizeof(fx.st.config_error),
		 "/etc/pilotlight/demo.cfg:12: unknown setting 'colour'");
	for (page = 0; page < PAGE_COUNT; page++) {
		set_size(16, 2);
		assert_string_equal(row_text(page, FX_T0, 1, 0),
				    "cfg: demo.cfg:12");
		set_size(20, 4);
		assert_string_equal(row_text(page, FX_T0, 3, 0),
				    "cfg err demo.cfg:12 ");
	}
	/* The page's own text stays on the other rows. */
	set_size(16, 2);
	assert_string_equal(row_text(PAGE_SUMMARY, FX_T0, 0, 0),
			    "All 3 hosts OK  ");
	/* Too long: the line number stays visible. */
	snprintf(fx.st.config_error, sizeof(fx.st.config_error),
		 "/etc/pilotlight/a-very-long-name.cfg:123: bad");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 1, 0),
			    "!y-long-name:123");
	/* The default file's name: ".cfg" goes before anything else. */
	snprintf(fx.st.config_error, sizeof(fx.st.config_error),
		 "/etc/pilotlight/pilotlight.cfg:42: bad");
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 1, 0),
			    "!pilotlight:42  ");
	set_size(20, 4);
	assert_string_equal(row_text(PAGE_HOSTS, FX_T0, 3, 0),
			    "cfg: pilotlight:42  ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_decode_row_bounded),
		cmocka_unit_test(test_duration),
		cmocka_unit_test_setup(test_summary_all_ok, setup),
		cmocka_unit_test_setup(test_summary_waiting, setup),
		cmocka_unit_test_setup(test_summary_problem, setup),
		cmocka_unit_test_setup(test_summary_root_cause, setup),
		cmocka_unit_test_setup(test_hosts_cycle, setup),
		cmocka_unit_test_setup(test_hosts_problem_stays_on_every_visit,
				       setup),
		cmocka_unit_test_setup(test_hosts_problems_first, setup),
		cmocka_unit_test_setup(test_traffic, setup),
		cmocka_unit_test_setup(test_alarms, setup),
		cmocka_unit_test_setup(test_system, setup),
		cmocka_unit_test_setup(test_system_interfaces, setup),
		cmocka_unit_test_setup(test_config_error_everywhere, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
