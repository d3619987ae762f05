/*
 * test_panel_hw.c - the "hw" panel's LCD, read off an emulated HD44780
 * behind the fake I2C bus (tests/fakes/i2c_fake.h, hd44780_emu.h): the
 * panel's pages reach the glass, the bar glyphs are loaded, "stopped" is
 * left at exit; a missing bus stops the start with a message naming it,
 * a display that does not answer does not.  The LEDs and the button are
 * test_gpio.c's (panel_hw_cases.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "../fakes/hd44780_emu.h"
#include "../fakes/i2c_fake.h"
#include "gpio_board.h"
#include "lcd_charset.h"
#include "loop.h"
#include "panel.h"
#include "panel_fixture.h"
#include "panel_hw.h"

#define BUS  1
#define ADDR 0x27

static struct fixture fx;
static struct loop *loop;
static struct panel *p;
static void *hwb;
static struct panel_backend_ops ops;
static struct hd44780_emu *emu;

static void *open_capture(const struct pl_config *cfg, struct loop *l,
			  struct panel *panel)
{
	hwb = panel_hw_ops.open(cfg, l, panel);
	return hwb;
}

static int setup(void **state)
{
	static const struct lcd_map ywrobot = { 0, 1, 2, 3, 4, 5, 6, 7, false };
	struct lcd_cfg *lc = &fx.cfg.indicators.lcd;

	gc_setup(state);
	fx_init(&fx);
	lc->line = 120;
	lc->bus = BUS;
	lc->address = ADDR;
	lc->map = ywrobot;
	ops = panel_hw_ops;
	ops.open = open_capture;
	loop = loop_new();
	p = NULL;
	hwb = NULL;
	assert_int_equal(i2c_fake_start(), 0);
	i2c_fake_set_now(FX_T0);
	emu = emu_new(&lc->map, 16, 2);
	emu_attach(emu, BUS, ADDR);
	return 0;
}

static int teardown(void **state)
{
	panel_close(p, gpiod_fake_now_ns);
	loop_free(loop);
	emu_free(emu);
	i2c_fake_stop();
	return gc_teardown(state);
}

static void step(int64_t from, int64_t to)
{
	int64_t t, tick_at = from;

	for (t = from; t <= to; t += FX_MS(1)) {
		at(t);
		i2c_fake_set_now(t);
		panel_hw_service(hwb, t);
		if (t >= tick_at)
			tick_at = t + panel_tick(p, t);
	}
}

static const char *view_row(int r)
{
	static char buf[LCD_MAX_COLS * 4 + 1];

	lcd_charset_decode_row(panel_view(p)->lcd[r], 16, buf, sizeof(buf));
	return buf;
}

static void test_lcd_shows_pages(void **state)
{
	static const uint8_t full[8] = { 31, 31, 31, 31, 31, 31, 31, 31 };
	static const uint8_t low[8] = { 0, 0, 0, 0, 0, 0, 0, 31 };
	char why[200];

	(void)state;
	assert_int_equal(i2c_fake_add_device(BUS, ADDR), 0);
	p = panel_open(&fx.cfg, &ops, loop, at(FX_T0));
	assert_non_null(p);
	panel_update(p, &fx.st, FX_T0);
	step(FX_T0, FX_T0 + FX_MS(1000));
	assert_true(emu_init_ok(emu, why, sizeof(why)));
	assert_string_equal(emu_row_utf8(emu, 0), view_row(0));
	assert_string_equal(emu_row_utf8(emu, 1), view_row(1));
	assert_memory_equal(emu_glyph(emu, 7), full, 8);
	assert_memory_equal(emu_glyph(emu, 0), low, 8);

	/* the next page comes through as well */
	step(FX_T0 + FX_MS(1001), FX_T0 + FX_MS(6000));
	assert_int_equal(panel_view(p)->page, PAGE_HOSTS);
	assert_string_equal(emu_row_utf8(emu, 0), view_row(0));

	panel_close(p, at(FX_T0 + FX_MS(6001)));
	p = NULL;
	assert_string_equal(emu_row_utf8(emu, 0), "   pilotlight   ");
	assert_string_equal(emu_row_utf8(emu, 1), "    stopped     ");
	assert_int_equal(emu_violations(emu), 0);
}

static void open_quiet(void)
{
	p = panel_open(&fx.cfg, &ops, loop, at(FX_T0));
}

static void capture_stderr(void (*fn)(void), char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

/* No /dev/i2c-1 (I2C not enabled): a start-up error naming the device,
 * and no GPIO line stays requested. */
static void test_lcd_bus_missing(void **state)
{
	char msg[1024];
	unsigned o;

	(void)state;
	capture_stderr(open_quiet, msg, sizeof(msg));
	assert_null(p);
	assert_non_null(strstr(msg, "demo.cfg:120: LCD: "));
	assert_non_null(strstr(msg, "i2c-1: No such file or directory"));
	assert_non_null(strstr(msg, "dtparam=i2c_arm=on"));
	for (o = 0; o < 58; o++)
		assert_false(gpiod_fake_line(gc_hdr, o)->requested);
}

static void open_and_run(void)
{
	p = panel_open(&fx.cfg, &ops, loop, at(FX_T0));
	assert_non_null(p);
	panel_update(p, &fx.st, FX_T0);
	step(FX_T0, FX_T0 + FX_MS(1000));
}

/* A bus without the display: the panel runs (LEDs), the driver says so
 * once and retries. */
static void test_lcd_no_answer(void **state)
{
	char msg[1024];

	(void)state;
	assert_int_equal(i2c_fake_add_bus(BUS), 0);
	capture_stderr(open_and_run, msg, sizeof(msg));
	assert_non_null(strstr(msg, "address 0x27 not answering"));
	assert_int_equal(gpiod_fake_value_at(gc_hdr, 6, FX_T0 + FX_MS(500)),
			 1); /* status green */
}

/* An LCD and nothing on GPIO: no chip needed at all. */
static void test_lcd_only(void **state)
{
	(void)state;
	fx.cfg.indicators.n_leds = 0;
	fx.cfg.indicators.buzzer.pin = PIN_NONE;
	gpio_dev_dir = "/nonexistent";
	assert_int_equal(i2c_fake_add_device(BUS, ADDR), 0);
	p = panel_open(&fx.cfg, &ops, loop, at(FX_T0));
	assert_non_null(p);
	panel_update(p, &fx.st, FX_T0);
	step(FX_T0, FX_T0 + FX_MS(500));
	assert_string_equal(emu_row_utf8(emu, 0), view_row(0));
	assert_int_equal(gpiod_fake_open_handles(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lcd_shows_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lcd_bus_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lcd_no_answer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lcd_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
