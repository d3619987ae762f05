/*
 * lcd_rig.h - the test bench shared by test_lcd_driver.c and
 * test_lcd_recovery.c: the driver on the fake I2C bus with an HD44780
 * emulator on the other end, explicit time, log capture.
 *
 * Time: each tick is given the time the previous one asked for, but
 * never earlier than the fake bus finished the writes (real time passes
 * while a tick writes).  Include <cmocka.h> (and what it needs) first.
 */
#ifndef LCD_RIG_H
#define LCD_RIG_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fakes/hd44780_emu.h"
#include "../fakes/i2c_fake.h"
#include "clock.h"
#include "lcd.h"
#include "lcd_charset.h"

#define BUS  1
#define ADDR 0x27
#define T0   (1000 * NS_PER_S)
#define MS   NS_PER_MS

/* HARDWARE.md: the backpacks' wirings, and one of our own. */
static const struct lcd_map map_ywrobot = { 0, 1, 2, 3, 4, 5, 6, 7, false };
static const struct lcd_map map_lcm1602 = { 0, 1, 2, 3, 4, 5, 6, 7, true };
static const struct lcd_map map_mjkdz = { 6, 5, 4, 7, 0, 1, 2, 3, true };
static const struct lcd_map map_custom = { 1, 2, 0, 6, 7, 5, 4, 3, false };

static const struct lcd_map *const maps[] = {
	&map_ywrobot,
	&map_lcm1602,
	&map_mjkdz,
	&map_custom,
};

struct rig {
	struct lcd_cfg cfg;
	struct lcd *lcd;
	struct hd44780_emu *emu;
	int64_t now;
	uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS];
};

static struct rig rig;

static inline void rig_open(const struct lcd_map *map, int cols, int rows)
{
	struct rig *g = &rig;
	char err[128];

	memset(g, 0, sizeof(*g));
	assert_int_equal(i2c_fake_start(), 0);
	i2c_fake_set_now(T0);
	g->emu = emu_new(map, cols, rows);
	assert_non_null(g->emu);
	emu_attach(g->emu, BUS, ADDR);
	assert_int_equal(i2c_fake_add_device(BUS, ADDR), 0); /* power-up */
	g->cfg.enabled = true;
	g->cfg.bus = BUS;
	g->cfg.address = ADDR;
	g->cfg.cols = cols;
	g->cfg.rows = rows;
	g->cfg.preset = LCD_PRESET_CUSTOM;
	g->cfg.map = *map;
	g->lcd = lcd_open(&g->cfg, err, sizeof(err));
	if (!g->lcd)
		fail_msg("lcd_open: %s", err);
	g->now = T0;
	memset(g->cells, ' ', sizeof(g->cells));
}

static inline int teardown(void **state)
{
	(void)state;
	lcd_close(rig.lcd, NULL);
	rig.lcd = NULL;
	emu_free(rig.emu);
	rig.emu = NULL;
	i2c_fake_stop();
	return 0;
}

/* One tick at rig.now; moves rig.now to when the next is due (or to
 * until, whichever is earlier).  Returns the delay the driver asked. */
static inline int64_t rig_tick(int64_t until)
{
	static int spins;
	int64_t d, next, bus, bus0 = i2c_fake_bus_time(BUS);

	i2c_fake_set_now(rig.now);
	d = lcd_tick(rig.lcd, rig.now);
	assert_true(d >= 0);
	bus = i2c_fake_bus_time(BUS);
	/* asking for 0 ns without touching the bus would spin the loop */
	spins = d == 0 && bus == bus0 ? spins + 1 : 0;
	if (spins > 3)
		fail_msg("lcd_tick() keeps asking for 0 ns and does nothing");
	next = d > until - rig.now ? until : rig.now + d;
	rig.now = next > bus ? next : bus;
	i2c_fake_set_now(rig.now);
	return d;
}

static inline void rig_run_until(int64_t until)
{
	while (rig.now < until)
		rig_tick(until);
}

/* Tick until the driver has nothing to do for a while. */
static inline void rig_settle(void)
{
	int i;

	for (i = 0; i < 10000; i++)
		if (rig_tick(INT64_MAX) > 500 * MS)
			return;
	fail_msg("the driver never went idle");
}

static inline void put_text(int r, const char *utf8)
{
	int n = lcd_charset_encode(utf8, rig.cells[r], rig.cfg.cols);

	memset(rig.cells[r] + n, ' ', (size_t)(rig.cfg.cols - n));
}

/* The glass shows rig.cells, the start-up followed the datasheet, every
 * write carried one byte and nothing broke a timing. */
static inline void assert_screen(void)
{
	struct emu_counts c;
	int r, i;

	for (r = 0; r < rig.cfg.rows; r++) {
		if (memcmp(emu_row(rig.emu, r), rig.cells[r],
			   (size_t)rig.cfg.cols) == 0)
			continue;
		emu_dump(rig.emu, stderr);
		fail_msg("row %d differs", r);
	}
	for (i = 0; i < emu_violations(rig.emu); i++)
		print_error("%s\n", emu_violation(rig.emu, i));
	assert_int_equal(emu_violations(rig.emu), 0);
	emu_get_counts(rig.emu, &c);
	assert_int_equal(c.multi_byte, 0);
	assert_int_equal(i2c_fake_raw_bytes(BUS), 0);
}

static inline void assert_init_ok(void)
{
	char why[160];

	if (!emu_init_ok(rig.emu, why, sizeof(why)))
		fail_msg("init sequence: %s", why);
}

static inline void show(void)
{
	lcd_set_text(rig.lcd, rig.cells);
	rig_settle();
}

/* Writes the driver made for one change of the text. */
static inline size_t writes_for(void (*change)(void))
{
	i2c_fake_clear_log(BUS, ADDR);
	change();
	show();
	return i2c_fake_count(BUS, ADDR);
}

static const uint8_t glyph_bell[8] = { 0x04, 0x0e, 0x0e, 0x0e,
				       0x1f, 0x00, 0x04, 0x00 };

static FILE *cap_file;
static int cap_saved = -1;

static inline void capture_start(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	assert_non_null(cap_file);
	cap_saved = dup(2);
	dup2(fileno(cap_file), 2);
}

/* Stops capturing; returns what was logged (static). */
static inline const char *capture_end(void)
{
	static char buf[4096];
	size_t n;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	rewind(cap_file);
	n = fread(buf, 1, sizeof(buf) - 1, cap_file);
	buf[n] = '\0';
	fclose(cap_file);
	fputs(buf, stderr);
	return buf;
}

static inline int count_str(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

#endif
