/*
 * lcd.h - an HD44780 character LCD behind a PCF8574 I2C backpack.
 *
 * Lifecycle: lcd_open() → lcd_set_text()/lcd_set_backlight() whenever the
 * panel changes → lcd_tick() when the previous call asked (the driver is a
 * state machine: the datasheet's start-up delays and the byte stream are
 * spread over ticks so the event loop never sleeps) → lcd_close().
 *
 * Only changed cells are rewritten, at most 32 one-byte I2C writes (about
 * 6 ms of a 100 kHz bus) per tick.  An I2C error (display unplugged)
 * never fails the caller: the driver counts it, logs once, backs off
 * (1 s doubling to 30 s), and re-initialises the display and rewrites
 * everything when it answers again.  While idle it reads the expander
 * back every 2 s, which also notices a display reset by a power dip.
 */
#ifndef PL_LCD_H
#define PL_LCD_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "panel.h"

struct lcd;

/* Open /dev/i2c-<bus> and address the backpack.  Returns NULL with errno
 * and a message in err naming the device ("/dev/i2c-1: No such file or
 * directory") if the bus cannot be opened; a display that does not answer
 * is not an error here (it is retried). */
struct lcd *lcd_open(const struct lcd_cfg *cfg, char *err, size_t errlen);

/* Desired screen contents (A00 ROM codes, rows x cols of the config).
 * These and the calls below take effect from the next lcd_tick(): call
 * it soon after. */
void lcd_set_text(struct lcd *lcd,
		  const uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS]);
void lcd_set_backlight(struct lcd *lcd, bool on);

/* Define custom glyph n (0..7) as 8 rows of 5 bits, shown by cells
 * holding code n (or n + 8).  Kept and re-sent after every re-init. */
void lcd_set_glyph(struct lcd *lcd, int n, const uint8_t rows[8]);

/* Force a full re-initialisation (garbage on the glass).  The periodic
 * one (cfg->reinit_interval_ms) is timed by the driver itself. */
void lcd_reinit(struct lcd *lcd);

/* Advance the state machine to now_ns; returns ns until it needs the next
 * tick: 0 between the slices of a redraw, the datasheet's waits during
 * start-up, the next retry while the display does not answer, at most
 * 2 s when idle (the presence check).  Pass the time of
 * the call (clock_now_ns()), not a cached loop time: the waits are
 * counted from it. */
int64_t lcd_tick(struct lcd *lcd, int64_t now_ns);

/* I2C errors since open, and whether the display answers now. */
unsigned long lcd_errors(const struct lcd *lcd);
bool lcd_online(const struct lcd *lcd);

/* Write final contents synchronously (shutdown: "stopped"), sleeping
 * through the waits for at most 300 ms and giving up at the first I2C
 * error, then close.  The backlight stays as last set.  NULL cells just
 * close; accepts a NULL lcd. */
void lcd_close(struct lcd *lcd,
	       const uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS]);

#endif
