/*
 * test_hwtools.c - --hw-test and --hw-scan on the fake board
 * (gpio_board.h) and the fake I2C bus with an emulated display: the lamp
 * test lights each LED colour alone in config order, then the buzzer
 * beeps; the LCD shows its test page; the scan lists the chips and finds
 * a backpack at another address than configured.  Runs in real time
 * (about 2.5 s): the tools sleep between steps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../fakes/hd44780_emu.h"
#include "../fakes/i2c_fake.h"
#include "gpio_board.h"
#include "hwtools.h"
#include "panel_fixture.h"

static struct fixture fx;
static struct hd44780_emu *emu;
static char *out_buf;
static size_t out_len;
static FILE *out;

static int setup(void **state)
{
	static const struct lcd_map ywrobot = { 0, 1, 2, 3, 4, 5, 6, 7, false };
	struct lcd_cfg *lc = &fx.cfg.indicators.lcd;

	gc_setup(state);
	fx_init(&fx);
	lc->bus = 1;
	lc->address = 0x27;
	lc->map = ywrobot;
	assert_int_equal(i2c_fake_start(), 0);
	emu = emu_new(&lc->map, 16, 2);
	emu_attach(emu, 1, 0x27);
	out = open_memstream(&out_buf, &out_len);
	hwtools_set_output(out);
	return 0;
}

static int teardown(void **state)
{
	hwtools_set_output(NULL);
	fclose(out);
	free(out_buf);
	emu_free(emu);
	i2c_fake_stop();
	return gc_teardown(state);
}

static void test_hw_test(void **state)
{
	static const int order[] = { 5, 6, 13, 19, 26, 20, 21, 16, 18 };
	const struct gpiod_fake_change *ch;
	size_t n, i;
	int k = 0, on = 1;

	(void)state;
	assert_int_equal(i2c_fake_add_device(1, 0x27), 0);
	assert_int_equal(hw_test(&fx.cfg), 0);
	fflush(out);
	/* on, off, next: each alone, the buzzer last */
	ch = gpiod_fake_changes(&n);
	for (i = 0; i < n; i++) {
		if (ch[i].kind != GPIOD_FAKE_SET)
			continue;
		if (k == 9) { /* gpio_close(): everything inactive */
			assert_int_equal(ch[i].value, 0);
			continue;
		}
		assert_int_equal(ch[i].offset, order[k]);
		assert_int_equal(ch[i].value, on);
		k += !on;
		on = !on;
	}
	assert_int_equal(k, 9);
	assert_non_null(strstr(out_buf, "LED nas          yellow GPIO20\n"));
	assert_non_null(strstr(out_buf, "buzzer GPIO18: 150 ms beep\n"));
	assert_non_null(strstr(out_buf, "\"pilotlight test\" / \"i2c-1 "
					"@0x27\": ok\n"));
	assert_string_equal(emu_row_utf8(emu, 0), "pilotlight test ");
	assert_string_equal(emu_row_utf8(emu, 1), "i2c-1 @0x27     ");
}

static void test_hw_test_failures(void **state)
{
	(void)state;
	fx.cfg.indicators.n_leds = 0;
	fx.cfg.indicators.buzzer.pin = PIN_NONE;
	assert_int_equal(i2c_fake_add_bus(1), 0); /* nobody at 0x27 */
	assert_int_equal(hw_test(&fx.cfg), 1);
	fflush(out);
	assert_non_null(strstr(out_buf, "no LEDs or buzzer configured\n"));
	assert_non_null(strstr(out_buf, "no answer"));

	gpiod_fake_set_busy(gc_hdr, 18, "gpio-beeper");
	fx.cfg.indicators.buzzer.pin = 18;
	assert_int_equal(hw_test(&fx.cfg), 1);
	fflush(out);
	assert_non_null(strstr(out_buf, "GPIO: GPIO18 (line 18 of "
					"pinctrl-bcm2711) is busy: used by "
					"'gpio-beeper'\n"));
}

static void test_hw_scan(void **state)
{
	(void)state;
	assert_int_equal(i2c_fake_add_device(1, 0x3f), 0);
	i2c_fake_set_busy(1, 0x50, true);
	assert_int_equal(hw_scan(&fx.cfg), 0);
	fflush(out);
	assert_non_null(strstr(out_buf, "pinctrl-bcm2711"));
	assert_non_null(strstr(out_buf, "<- 40-pin header"));
	assert_non_null(strstr(out_buf, "\n30: -- -- -- -- -- -- -- -- -- -- "
					"-- -- -- -- -- 3f"));
	assert_non_null(strstr(out_buf, "\n50: UU --"));
	assert_non_null(strstr(out_buf, "LCD address 0x27: no answer; a "
					"PCF8574 answers at 0x3f"));

	i2c_fake_stop();
	assert_int_equal(hw_scan(&fx.cfg), 1);
	fflush(out);
	assert_non_null(strstr(out_buf, "I2C: "));
}

/* A kernel driver holding the LCD's address: the scan says so instead
 * of "no answer". */
static void test_hw_scan_lcd_claimed(void **state)
{
	(void)state;
	assert_int_equal(i2c_fake_add_device(1, 0x27), 0);
	i2c_fake_set_busy(1, 0x27, true);
	assert_int_equal(hw_scan(&fx.cfg), 0);
	fflush(out);
	assert_non_null(strstr(out_buf, "\n20: -- -- -- -- -- -- -- UU"));
	assert_non_null(strstr(out_buf, "LCD address 0x27: claimed by a "
					"kernel driver (UU)"));
	assert_null(strstr(out_buf, "no answer"));
}

/* No configuration: bus 1, the LCD at 0x27, as on the Pi. */
static void test_hw_scan_defaults(void **state)
{
	(void)state;
	assert_int_equal(i2c_fake_add_device(1, 0x27), 0);
	assert_int_equal(hw_scan(NULL), 0);
	fflush(out);
	assert_non_null(strstr(out_buf, "/i2c-1:\n"));
	assert_non_null(strstr(out_buf, "LCD address 0x27: answers\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hw_test, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hw_scan_lcd_claimed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hw_scan_defaults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hw_test_failures, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hw_scan, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
