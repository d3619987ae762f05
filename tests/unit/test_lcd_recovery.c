/*
 * test_lcd_recovery.c - the LCD driver when things go wrong: unplugged
 * (while writing and while idle), a power dip, injected write errors, a
 * wrong address, and garbage fixed by the periodic or requested re-init.
 * What counts is the glass afterwards and one log line per outage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "i2c_bus.h"
#include "lcd_rig.h"

static void test_unplug(void **state)
{
	const char *log;
	int64_t t;

	(void)state;
	rig_open(&map_ywrobot, 20, 4);
	put_text(0, "before the unplug");
	show();
	capture_start();
	t = rig.now;
	i2c_fake_set_plugged(BUS, ADDR, false);
	put_text(1, "changed meanwhile");
	lcd_set_text(rig.lcd, rig.cells);
	rig_run_until(t + 1500 * MS);
	assert_false(lcd_online(rig.lcd));
	assert_true(lcd_errors(rig.lcd) >= 2);
	put_text(2, "and again");
	lcd_set_text(rig.lcd, rig.cells);
	rig_run_until(t + 3000 * MS);
	i2c_fake_set_plugged(BUS, ADDR, true); /* a power-up: blank, 8-bit */
	rig_run_until(t + 9000 * MS);
	log = capture_end();
	assert_true(lcd_online(rig.lcd));
	assert_init_ok();
	assert_screen();
	assert_int_equal(count_str(log, "not answering"), 1);
	assert_int_equal(count_str(log, " back"), 1);
	assert_non_null(strstr(log, "i2c-1 address 0x27 not answering"));
}

/* Unplugged while nothing changes: the idle presence check notices. */
static void test_unplug_idle(void **state)
{
	int64_t t;

	(void)state;
	rig_open(&map_mjkdz, 16, 2);
	put_text(0, "idle");
	show();
	t = rig.now;
	capture_start();
	i2c_fake_set_plugged(BUS, ADDR, false);
	rig_run_until(t + 2500 * MS);
	assert_false(lcd_online(rig.lcd));
	i2c_fake_set_plugged(BUS, ADDR, true);
	rig_run_until(t + 10000 * MS);
	capture_end();
	assert_true(lcd_online(rig.lcd));
	assert_init_ok();
	assert_screen();
}

/* A power dip resets expander and LCD but every write still succeeds:
 * the pins read back high where we drive them low. */
static void test_power_dip(void **state)
{
	int64_t t;

	(void)state;
	rig_open(&map_ywrobot, 16, 2);
	lcd_set_glyph(rig.lcd, 7, glyph_bell);
	put_text(0, "brown-out");
	put_text(1, "survivor ");
	rig.cells[1][9] = 7;
	show();
	t = rig.now;
	capture_start();
	i2c_fake_power_cycle(BUS, ADDR);
	assert_int_equal(emu_row(rig.emu, 0)[0], ' '); /* display off */
	rig_run_until(t + 3000 * MS);
	capture_end();
	assert_true(lcd_online(rig.lcd));
	assert_int_equal(lcd_errors(rig.lcd), 0);
	assert_init_ok();
	assert_screen();
	assert_memory_equal(emu_glyph(rig.emu, 7), glyph_bell, 8);
}

/* Injected errors mid-write: the driver recovers with a full init. */
static void test_write_errors(void **state)
{
	(void)state;
	rig_open(&map_custom, 16, 2);
	put_text(0, "first");
	show();
	capture_start();
	i2c_fake_fail_next(BUS, ADDR, 3, EREMOTEIO);
	put_text(0, "second text");
	put_text(1, "and more");
	lcd_set_text(rig.lcd, rig.cells);
	rig_run_until(rig.now + 10 * MS);
	assert_false(lcd_online(rig.lcd));
	rig_run_until(rig.now + 8000 * MS); /* retries at 1 s, 3 s, 7 s */
	capture_end();
	assert_int_equal(lcd_errors(rig.lcd), 3);
	assert_true(lcd_online(rig.lcd));
	assert_screen();
}

static void test_wrong_address(void **state)
{
	struct hd44780_emu *emu2;
	char err[128];
	const char *log;
	struct lcd *l;

	(void)state;
	rig_open(&map_ywrobot, 16, 2);
	rig.cfg.address = 0x3f;
	l = lcd_open(&rig.cfg, err, sizeof(err));
	assert_non_null(l); /* nobody answering is no reason to fail */
	lcd_close(rig.lcd, NULL);
	rig.lcd = l;
	capture_start();
	rig_run_until(T0 + 8000 * MS);
	assert_false(lcd_online(l));
	/* tries at 0, 1, 3 and 7 s: backing off 1, 2, 4 s */
	assert_int_equal(i2c_fake_failures(BUS, 0x3f), 4);
	assert_int_equal(lcd_errors(l), 4);
	rig_run_until(T0 + 40000 * MS);
	assert_int_equal(i2c_fake_failures(BUS, 0x3f), 6); /* 15, 31 s */

	emu2 = emu_new(&map_ywrobot, 16, 2);
	emu_attach(emu2, BUS, 0x3f);
	i2c_fake_add_device(BUS, 0x3f);
	put_text(0, "found it");
	lcd_set_text(l, rig.cells);
	rig_run_until(T0 + 70000 * MS); /* next try at 61 s */
	log = capture_end();
	assert_true(lcd_online(l));
	assert_memory_equal(emu_row(emu2, 0), rig.cells[0], 16);
	assert_int_equal(emu_violations(emu2), 0);
	assert_int_equal(count_str(log, "address 0x3f not answering"), 1);
	assert_int_equal(count_str(log, "0x3f back"), 1);
	emu_free(emu2);
}

/* Noise desynchronises the 4-bit interface and garbles the text; the
 * periodic re-init puts it right at the configured interval. */
static void test_periodic_reinit(void **state)
{
	static const uint8_t noise[2] = { 0x04, 0x00 }; /* one E pulse */
	char err[128];
	int64_t t;

	(void)state;
	rig_open(&map_ywrobot, 16, 2);
	lcd_close(rig.lcd, NULL);
	rig.cfg.reinit_interval_ms = 60000;
	rig.lcd = lcd_open(&rig.cfg, err, sizeof(err));
	assert_non_null(rig.lcd);
	put_text(0, "steady text");
	show();
	t = rig.now;
	emu_feed(rig.emu, &noise[0], 1, t);
	emu_feed(rig.emu, &noise[1], 1, t + MS);
	put_text(1, "now garbled");
	show();
	assert_memory_not_equal(emu_row(rig.emu, 1), rig.cells[1], 16);
	emu_clear_violations(rig.emu);
	rig_run_until(t + 50 * NS_PER_S);
	assert_memory_not_equal(emu_row(rig.emu, 1), rig.cells[1], 16);
	rig_run_until(t + 61 * NS_PER_S);
	assert_screen();
	assert_true(lcd_online(rig.lcd));
}

static void test_reinit_on_demand(void **state)
{
	struct emu_counts before, after;

	(void)state;
	rig_open(&map_mjkdz, 20, 4);
	put_text(3, "fresh start");
	show();
	emu_get_counts(rig.emu, &before);
	lcd_reinit(rig.lcd);
	rig_settle();
	emu_get_counts(rig.emu, &after);
	/* 4 nibbles (0x33, then 0x30 and 0x20 in 8-bit mode: 3
	 * instructions), 5 commands, then "fresh" and "start" each after
	 * an address: the space between them is there since the clear */
	assert_int_equal(after.instructions - before.instructions, 10);
	assert_int_equal(after.data - before.data, 10);
	assert_screen();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_unplug, teardown),
		cmocka_unit_test_teardown(test_unplug_idle, teardown),
		cmocka_unit_test_teardown(test_power_dip, teardown),
		cmocka_unit_test_teardown(test_write_errors, teardown),
		cmocka_unit_test_teardown(test_wrong_address, teardown),
		cmocka_unit_test_teardown(test_periodic_reinit, teardown),
		cmocka_unit_test_teardown(test_reinit_on_demand, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
