/*
 * test_lcd_driver.c - the HD44780/PCF8574 driver (src/hw/lcd.c, i2c.c)
 * against the fake I2C bus and the HD44780 emulator: what a person would
 * read on the glass for every backpack wiring, that only changed cells
 * go over the bus and in slices, custom glyphs, the backlight, the
 * datasheet's timings, the final text at close.  Recovery is in
 * test_lcd_recovery.c; the bench in lcd_rig.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "i2c_bus.h"
#include "lcd_rig.h"

static void check_text(const struct lcd_map *map, int cols, int rows)
{
	struct emu_state st;

	rig_open(map, cols, rows);
	put_text(0, "LAN ok 12.5ms");
	put_text(1, "cpu 48\u00b0C 9\u00b5s\u2192\u2190\u00a5");
	if (rows == 4) {
		put_text(2, "router  nas  printer");
		put_text(3, "0123456789abcdefghij");
	}
	show();
	assert_init_ok();
	assert_screen();
	assert_true(lcd_online(rig.lcd));
	assert_int_equal(lcd_errors(rig.lcd), 0);
	emu_get_state(rig.emu, &st);
	assert_true(st.four_bit && st.two_lines && st.display_on);
	assert_false(st.cursor_on || st.blink_on);
	assert_true(st.backlight);
	teardown(NULL);
}

static void test_text_16x2(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		check_text(maps[i], 16, 2);
}

static void test_text_20x4(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		check_text(maps[i], 20, 4);
}

/* What a person reads: the A00 ROM's own characters come out right. */
static void test_rom_characters(void **state)
{
	(void)state;
	rig_open(&map_ywrobot, 16, 2);
	put_text(0, "20\u00b0C 35\u00b5s");
	put_text(1, "\u2192up \u2190dn 5\u00a5");
	show();
	assert_string_equal(emu_row_utf8(rig.emu, 0),
			    "20\u00b0C 35\u00b5s       ");
	assert_string_equal(emu_row_utf8(rig.emu, 1),
			    "\u2192up \u2190dn 5\u00a5      ");
	assert_int_equal(emu_row(rig.emu, 0)[2], 0xDF);
	assert_int_equal(emu_row(rig.emu, 0)[7], 0xE4);
	assert_int_equal(emu_row(rig.emu, 1)[0], 0x7E);
	assert_screen();
}

static void change_one(void)
{
	rig.cells[1][5] = 'X';
}

static void change_run(void)
{
	rig.cells[0][3] = 'Y';
	rig.cells[0][4] = 'Z';
}

static void change_nothing(void)
{
	rig.cells[0][0] = rig.cells[0][0];
}

/*
 * A changed cell costs an address command and a data byte, each two
 * nibbles of two writes (E high, E low), plus one write before each to
 * settle RS while E is low, because RS flips between them: 10 writes.
 * A run of cells needs the address once: 5 + 5 + 4.
 */
static void test_only_changed_cells(void **state)
{
	(void)state;
	rig_open(&map_ywrobot, 16, 2);
	put_text(0, "hello world");
	put_text(1, "second row");
	show();
	assert_int_equal(writes_for(change_one), 10);
	assert_int_equal(writes_for(change_run), 14);
	assert_int_equal(writes_for(change_nothing), 0);
	assert_screen();
}

static void change_wrap(void)
{
	rig.cells[0][19] = '>';
	rig.cells[2][0] = '<';
}

/* On a 20x4, row 2 continues row 0 in DDRAM (0x13 -> 0x14): no second
 * address command. */
static void test_run_across_rows(void **state)
{
	(void)state;
	rig_open(&map_mjkdz, 20, 4);
	put_text(1, "abc");
	show();
	assert_int_equal(writes_for(change_wrap), 14);
	assert_screen();
}

/* The redraw is sliced: no tick writes more than a few ms of bus. */
static void test_rate_limit(void **state)
{
	size_t before, most = 0;
	int r, ticks = 0;

	(void)state;
	rig_open(&map_ywrobot, 20, 4);
	rig_settle();
	for (r = 0; r < 4; r++)
		put_text(r, "####################");
	lcd_set_text(rig.lcd, rig.cells);
	do {
		before = i2c_fake_count(BUS, ADDR);
		if (rig_tick(INT64_MAX) > 500 * MS)
			break;
		if (i2c_fake_count(BUS, ADDR) - before > most)
			most = i2c_fake_count(BUS, ADDR) - before;
		ticks++;
	} while (ticks < 1000);
	assert_true(most <= 32);
	assert_true(ticks >= 10); /* 80 cells at ~4 writes each */
	assert_screen();
}

static void test_glyph(void **state)
{
	uint8_t g[8];
	struct emu_state st;

	(void)state;
	rig_open(&map_lcm1602, 16, 2);
	lcd_set_glyph(rig.lcd, 2, glyph_bell);
	put_text(0, "alarm ");
	rig.cells[0][6] = 2;
	show();
	assert_memory_equal(emu_glyph(rig.emu, 2), glyph_bell, 8);
	assert_int_equal(emu_row(rig.emu, 0)[6], 2);
	assert_string_equal(emu_row_utf8(rig.emu, 0), "alarm \u2583         ");
	emu_get_state(rig.emu, &st);
	assert_false(st.ac_cgram);
	assert_screen();

	/* one row changed: CGRAM address, the row, back to DDRAM */
	memcpy(g, glyph_bell, 8);
	g[5] = 0x1f;
	i2c_fake_clear_log(BUS, ADDR);
	lcd_set_glyph(rig.lcd, 2, g);
	rig_settle();
	assert_int_equal(i2c_fake_count(BUS, ADDR), 15);
	assert_memory_equal(emu_glyph(rig.emu, 2), g, 8);
	assert_screen();
}

/* A loop that ticks far too often must not hurry the datasheet waits. */
static void test_impatient_ticks(void **state)
{
	int i;

	(void)state;
	rig_open(&map_ywrobot, 16, 2);
	put_text(0, "patience");
	lcd_set_text(rig.lcd, rig.cells);
	for (i = 0; i < 2000; i++) {
		i2c_fake_set_now(rig.now);
		lcd_tick(rig.lcd, rig.now);
		rig.now += 50 * 1000; /* every 50 us */
		if (rig.now < i2c_fake_bus_time(BUS))
			rig.now = i2c_fake_bus_time(BUS);
	}
	assert_init_ok();
	assert_screen();
}

/* A fast bus (a byte in 40 us, beyond 400 kHz) leaves less time between
 * writes than the datasheet's 100 us wait; a bus as slow as the driver's
 * own estimate of a byte is still safe. */
static void test_bus_speeds(void **state)
{
	static const int64_t byte_ns[] = { 40 * 1000, 250 * 1000 };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		rig_open(&map_custom, 20, 4);
		i2c_fake_set_byte_ns(byte_ns[i]);
		put_text(3, "fast or slow");
		show();
		assert_init_ok();
		assert_screen();
		teardown(NULL);
	}
}

static void test_backlight(void **state)
{
	struct emu_state st;

	(void)state;
	rig_open(&map_lcm1602, 16, 2);
	put_text(0, "dark");
	show();
	i2c_fake_clear_log(BUS, ADDR);
	lcd_set_backlight(rig.lcd, false);
	rig_settle();
	assert_int_equal(i2c_fake_count(BUS, ADDR), 1);
	emu_get_state(rig.emu, &st);
	assert_false(st.backlight);
	/* LCM1602: active low, so the pin is high */
	assert_true(i2c_fake_log(BUS, ADDR, &(size_t){ 0 })[0].bytes[0] & 0x08);
	put_text(1, "still dark");
	show();
	emu_get_state(rig.emu, &st);
	assert_false(st.backlight);
	lcd_set_backlight(rig.lcd, true);
	rig_settle();
	emu_get_state(rig.emu, &st);
	assert_true(st.backlight);
	assert_screen();
}

static void test_close_final_rows(void **state)
{
	(void)state;
	rig_open(&map_lcm1602, 16, 2);
	put_text(0, "running");
	show();
	put_text(0, "pilotlight");
	put_text(1, "stopped");
	lcd_close(rig.lcd, rig.cells);
	rig.lcd = NULL;
	assert_screen();
	lcd_close(NULL, NULL);
}

/* Closing before the display was ever set up still gets the text there,
 * with the datasheet waits really slept. */
static void test_close_unstarted(void **state)
{
	int64_t start = clock_now_ns();

	(void)state;
	rig_open(&map_ywrobot, 16, 2);
	i2c_fake_use_clock(); /* the sleeps are real: so are the times */
	emu_power_on(rig.emu, clock_now_ns());
	put_text(1, "stopped");
	lcd_close(rig.lcd, rig.cells);
	rig.lcd = NULL;
	assert_true(clock_now_ns() - start >= 50 * MS);
	assert_init_ok();
	assert_screen();
}

/* An unplugged display must not hold up the stop. */
static void test_close_unplugged(void **state)
{
	unsigned long failed;

	(void)state;
	rig_open(&map_ywrobot, 16, 2);
	show();
	capture_start();
	i2c_fake_set_plugged(BUS, ADDR, false);
	put_text(0, "x");
	lcd_set_text(rig.lcd, rig.cells);
	rig_tick(INT64_MAX);
	failed = i2c_fake_failures(BUS, ADDR);
	lcd_close(rig.lcd, rig.cells);
	rig.lcd = NULL;
	capture_end();
	/* One more try, which fails, and it gives up: no retry, no waits. */
	assert_int_equal(i2c_fake_failures(BUS, ADDR) - failed, 1);
}

static void test_open_errors(void **state)
{
	struct lcd_cfg cfg = { 0 };
	char err[128];

	(void)state;
	assert_int_equal(i2c_fake_start(), 0);
	i2c_fake_add_device(BUS, ADDR);
	cfg.bus = 3;
	cfg.address = ADDR;
	cfg.cols = 16;
	cfg.rows = 2;
	cfg.map = map_ywrobot;
	assert_null(lcd_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "i2c-3: No such file or directory"));

	cfg.bus = BUS;
	i2c_fake_set_busy(BUS, ADDR, true);
	assert_null(lcd_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EBUSY);
	assert_non_null(strstr(err, "address 0x27"));
	i2c_fake_set_busy(BUS, ADDR, false);

	cfg.cols = 40;
	assert_null(lcd_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	cfg.cols = 16;
	cfg.map.en = cfg.map.rs;
	assert_null(lcd_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
}

static void test_probe(void **state)
{
	struct i2c_bus *b;
	char err[128];

	(void)state;
	assert_int_equal(i2c_fake_start(), 0);
	i2c_fake_add_device(BUS, ADDR);
	i2c_fake_add_device(BUS, 0x50);
	i2c_fake_set_busy(BUS, 0x68, true);
	b = i2c_bus_open(BUS, err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(i2c_bus_probe(b, ADDR), I2C_PROBE_PRESENT);
	assert_int_equal(i2c_bus_probe(b, 0x3f), I2C_PROBE_ABSENT);
	assert_int_equal(i2c_bus_probe(b, 0x50), I2C_PROBE_PRESENT);
	assert_int_equal(i2c_bus_probe(b, 0x68), I2C_PROBE_BUSY);
	assert_int_equal(i2c_bus_probe(b, 0x80), I2C_PROBE_ERROR);
	assert_int_equal(i2c_bus_set_address(b, ADDR, err, sizeof(err)), 0);
	assert_int_equal(i2c_bus_write_byte(b, 0x5a), 0);
	assert_int_equal(i2c_bus_read_byte(b), 0x5a);
	assert_int_equal(i2c_bus_set_address(b, 0x21, err, sizeof(err)), 0);
	assert_int_equal(i2c_bus_write_byte(b, 0x5a), -1);
	assert_int_equal(errno, ENXIO);
	i2c_bus_close(b);
	i2c_bus_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_text_16x2, teardown),
		cmocka_unit_test_teardown(test_text_20x4, teardown),
		cmocka_unit_test_teardown(test_rom_characters, teardown),
		cmocka_unit_test_teardown(test_only_changed_cells, teardown),
		cmocka_unit_test_teardown(test_run_across_rows, teardown),
		cmocka_unit_test_teardown(test_rate_limit, teardown),
		cmocka_unit_test_teardown(test_glyph, teardown),
		cmocka_unit_test_teardown(test_impatient_ticks, teardown),
		cmocka_unit_test_teardown(test_bus_speeds, teardown),
		cmocka_unit_test_teardown(test_backlight, teardown),
		cmocka_unit_test_teardown(test_close_final_rows, teardown),
		cmocka_unit_test_teardown(test_close_unstarted, teardown),
		cmocka_unit_test_teardown(test_close_unplugged, teardown),
		cmocka_unit_test_teardown(test_open_errors, teardown),
		cmocka_unit_test_teardown(test_probe, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
