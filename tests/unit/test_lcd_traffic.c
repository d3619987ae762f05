/*
 * test_lcd_traffic.c - the LCD traffic page while a capture runs: rates,
 * in/out, the top talker and the newest device on a 20x4 module, the same
 * spread over two visits of a 16x2, the reason when an interface is gone,
 * and the old wording when no capture module is running.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "lcd_charset.h"
#include "lcd_pages.h"
#include "panel_fixture.h"
#include "traffic.h"

static uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS];
static struct fixture fx;
static char *ifs[1] = { (char *)"eth1" };

static int setup(void **state)
{
	(void)state;
	fx_init(&fx);
	fx.cfg.capture.interfaces[0] = ifs[0];
	fx.cfg.capture.n_interfaces = 1;
	return 0;
}

static int teardown(void **state)
{
	struct traffic_summary none = { .valid = false };

	(void)state;
	traffic_summary_publish(&none);
	return 0;
}

static const char *row_text(int cols, int rows, int r, unsigned visit)
{
	static char buf[LCD_MAX_COLS * 4 + 1];
	struct lcd_page_ctx ctx = {
		.cfg = &fx.cfg,
		.st = &fx.st,
		.now_ns = FX_T0,
		.visit = visit,
	};

	fx.cfg.indicators.lcd.cols = cols;
	fx.cfg.indicators.lcd.rows = rows;
	memset(cells, ' ', sizeof(cells));
	lcd_page_render(&ctx, PAGE_TRAFFIC, cells);
	lcd_charset_decode_row(cells[r], cols, buf, sizeof(buf));
	return buf;
}

static struct traffic_summary busy(void)
{
	struct traffic_summary s = {
		.valid = true,
		.n_ifaces = 1,
		.n_active = 1,
		.bps = 52.1e6,
		.pps = 1020,
		.in_bps = 340e3,
		.out_bps = 1.2e6,
		.have_top = true,
		.top_family = AF_INET,
		.new_devices = 1,
		.have_new = true,
		.last_new_ns = FX_T0 - 75 * NS_PER_S,
	};

	inet_pton(AF_INET, "192.168.1.20", s.top_addr);
	s.last_new.family = AF_INET;
	inet_pton(AF_INET, "192.168.1.50", s.last_new.ip);
	return s;
}

static void test_20x4(void **state)
{
	struct traffic_summary s = busy();

	(void)state;
	traffic_summary_publish(&s);
	assert_string_equal(row_text(20, 4, 0, 0), "52.1Mb/s 1.02kpps   ");
	assert_string_equal(row_text(20, 4, 1, 0), "in 340k out 1.2M    ");
	assert_string_equal(row_text(20, 4, 2, 0), "top 192.168.1.20    ");
	assert_string_equal(row_text(20, 4, 3, 0), "new 192.168.1.50  1m");
}

/* Two rows: rates, then top talker and newest device on the next visit;
 * what does not fit loses its units, not its numbers. */
static void test_16x2(void **state)
{
	struct traffic_summary s = busy();

	(void)state;
	traffic_summary_publish(&s);
	assert_string_equal(row_text(16, 2, 0, 0), "52.1Mb/s 1.02k/s");
	assert_string_equal(row_text(16, 2, 1, 0), "in 340k out 1.2M");
	assert_string_equal(row_text(16, 2, 0, 1), "top 192.168.1.20");
	assert_string_equal(row_text(16, 2, 1, 1), "new 192.168.1.50");
	s.in_bps = 999e6;
	s.out_bps = 12.5e6;
	traffic_summary_publish(&s);
	assert_string_equal(row_text(16, 2, 1, 0), "i 999M o 12.5M  ");
}

/* A name learned from the wire (names.h) replaces the address, cut to
 * the row; the newest device keeps its age while the name leaves room. */
static void test_names(void **state)
{
	struct traffic_summary s = busy();

	(void)state;
	snprintf(s.top_name, sizeof(s.top_name), "printer-3f");
	snprintf(s.new_name, sizeof(s.new_name), "nas-7");
	traffic_summary_publish(&s);
	assert_string_equal(row_text(20, 4, 2, 0), "top printer-3f      ");
	assert_string_equal(row_text(20, 4, 3, 0), "new nas-7         1m");
	snprintf(s.top_name, sizeof(s.top_name), "%s",
		 "living-room-media-center.home.example");
	traffic_summary_publish(&s);
	assert_string_equal(row_text(20, 4, 2, 0), "top living-room-medi");
	assert_string_equal(row_text(16, 2, 0, 1), "top living-room-");
	assert_string_equal(row_text(16, 2, 1, 1), "new nas-7     1m");
}

static void test_interface_gone(void **state)
{
	struct traffic_summary s = busy();

	(void)state;
	s.n_active = 0;
	s.bps = s.pps = 0;
	snprintf(s.problem, sizeof(s.problem), "eth1: interface gone");
	s.have_top = s.have_new = false;
	traffic_summary_publish(&s);
	assert_string_equal(row_text(20, 4, 0, 0), "eth1: interface gone");
	assert_string_equal(row_text(20, 4, 2, 0), "top -               ");
	assert_string_equal(row_text(20, 4, 3, 0), "new none            ");
}

/* No traffic module (tests, replay): the page words the config. */
static void test_no_module(void **state)
{
	struct traffic_summary none = { .valid = false };

	(void)state;
	traffic_summary_publish(&none);
	assert_string_equal(row_text(16, 2, 0, 0), "frames 0        ");
	assert_string_equal(row_text(16, 2, 1, 0), "on eth1         ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_20x4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_16x2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interface_gone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_module, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
