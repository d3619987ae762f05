/*
 * hd44780_emu.h - an HD44780 behind a PCF8574, emulated from the byte
 * stream, to check what a driver puts on the glass.
 *
 * Lifecycle: emu_new() → emu_power_on() → emu_attach() to a fake I2C
 * device (or emu_feed() each transfer by hand) → read the screen with
 * emu_row()/emu_row_utf8() and the checks with emu_violation()/
 * emu_init_ok() → emu_free().
 *
 * The expander's pins are decoded through a struct lcd_map; the
 * controller latches a nibble on each falling edge of EN, runs in 8-bit
 * mode after power-up until a function set selects 4 bits, and executes
 * clear, home, entry mode, display control, shift, function set, CGRAM
 * and DDRAM addressing and data writes.  Timing is checked against the
 * HD44780U datasheet (Table 6, Figure 24) from the transfers' times;
 * every breach is recorded as a violation, never fatal.  EMU_TRACE=1 in
 * the environment prints each instruction and data byte to stderr.
 */
#ifndef PL_HD44780_EMU_H
#define PL_HD44780_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

struct hd44780_emu;

struct emu_state {
	bool four_bit, two_lines, font_5x10;
	bool display_on, cursor_on, blink_on;
	bool increment, shift;
	bool backlight;
	int ac; /* address counter */
	bool ac_cgram;
};

struct emu_counts {
	unsigned long writes;	  /* I2C transfers */
	unsigned long multi_byte; /* transfers of more than one byte */
	unsigned long instructions, data;
	unsigned long power_ons;
};

/* cols x rows of the glass (16x2, 20x4...).  NULL on ENOMEM.  Starts
 * powered at time 0. */
struct hd44780_emu *emu_new(const struct lcd_map *map, int cols, int rows);
void emu_free(struct hd44780_emu *e);

/* Power-up at t_ns: pins high, 8-bit mode, display off, DDRAM full of
 * junk (a failed internal reset), CGRAM random. */
void emu_power_on(struct hd44780_emu *e, int64_t t_ns);

/* One I2C write of len bytes completing at t_ns.  Like a TI PCF8574,
 * only the first byte reaches the pins; more is a violation. */
void emu_feed(struct hd44780_emu *e, const uint8_t *bytes, size_t len,
	      int64_t t_ns);

/* Take writes and power-ups from tests/fakes/i2c_fake.c. */
void emu_attach(struct hd44780_emu *e, int bus, int addr);

/* What a person reads on row r: cols ROM codes (blank while the display
 * is off), or as UTF-8 through the A00 ROM (lcd_charset_decode()).  Both
 * point into e, valid until the next call. */
const uint8_t *emu_row(struct hd44780_emu *e, int r);
const char *emu_row_utf8(struct hd44780_emu *e, int r);

/* The 8 rows of CGRAM glyph n (0..7), 5 bits each. */
const uint8_t *emu_glyph(const struct hd44780_emu *e, int n);

void emu_get_state(const struct hd44780_emu *e, struct emu_state *st);
void emu_get_counts(const struct hd44780_emu *e, struct emu_counts *c);

/* Datasheet breaches since emu_new(), in order; the text names the time
 * and the rule.  Up to 32 are kept, all are counted. */
int emu_violations(const struct hd44780_emu *e);
const char *emu_violation(const struct hd44780_emu *e, int i);
void emu_clear_violations(struct hd44780_emu *e);

/* Did the instructions since the last power-up begin with the datasheet's
 * 4-bit start (0x3, 0x3, 0x3, 0x2 as 8-bit function sets, then 0x28,
 * 0x08, 0x01, 0x06, 0x0C)?  If not, why in why. */
bool emu_init_ok(const struct hd44780_emu *e, char *why, size_t len);

/* The screen in a frame, the state and the violations, for failures. */
void emu_dump(struct hd44780_emu *e, FILE *out);

#endif
