/*
 * lcd.c - an HD44780 character LCD behind a PCF8574 I2C backpack.
 *
 * Owns the display: the datasheet start-up, a shadow of what the glass
 * shows (only changed cells and glyph rows are rewritten, the address set
 * once per run), the backlight, and recovery when the display stops
 * answering or loses power.  All of it is a state machine stepped by
 * lcd_tick(): start-up delays become returned delays and a redraw is cut
 * into slices of LCD_TICK_BYTES, so the event loop never sleeps.
 * Timings: Hitachi HD44780U datasheet (ADE-207-272), Table 6 and
 * Figure 24 "4-bit interface"; wiring: HARDWARE.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "i2c_bus.h"
#include "lcd.h"
#include "log.h"

#define LCD_US INT64_C(1000)

/* HD44780U Figure 24: > 40 ms after Vcc reaches 2.7 V, > 4.1 ms after the
 * first function set, > 100 us after the second.  Table 6: clear display
 * 1.52 ms; other instructions 37 us, which the next nibble's two I2C
 * writes (>= 2 x 50 us even at 400 kHz) always outlast. */
#define LCD_POWER_WAIT_NS (50 * NS_PER_MS)
#define LCD_INIT1_WAIT_NS (5 * NS_PER_MS)
#define LCD_INIT2_WAIT_NS (200 * LCD_US)
#define LCD_CLEAR_WAIT_NS (2 * NS_PER_MS)

/* Upper estimate of one single-byte write: start, address, data, two
 * acks and stop are ~20 bit times, 200 us at 100 kHz, plus the syscall.
 * A wait is counted from the end of the tick's writes, which lie this
 * far behind the now_ns the tick was given. */
#define LCD_BYTE_NS (250 * LCD_US)

/* Writes per tick: ~6 ms of bus at 100 kHz, 6 characters.  A full 16x2
 * takes ~6 slices (~27 ms of bus), a 20x4 ~14 (~67 ms). */
#define LCD_TICK_BYTES 32
#define LCD_UNIT_BYTES 5 /* one instruction: settle + 2 nibbles */

#define LCD_BACKOFF_MIN_NS (1 * NS_PER_S)
#define LCD_BACKOFF_MAX_NS (30 * NS_PER_S)
#define LCD_CHECK_NS	   (2 * NS_PER_S) /* presence check while idle */
#define LCD_CLOSE_MAX_NS   (300 * NS_PER_MS)

/* Instructions (HD44780U Table 6) */
#define HD_CLEAR	0x01
#define HD_ENTRY_INC	0x06 /* increment, no display shift */
#define HD_DISPLAY_OFF	0x08
#define HD_DISPLAY_ON	0x0c /* cursor and blink off */
#define HD_FUNC_4BIT_2L 0x28 /* 4-bit, 2 lines (4-row glass too), 5x8 */
#define HD_SET_CGRAM	0x40
#define HD_SET_DDRAM	0x80

#define LCD_GLYPHS   8
#define LCD_NO_GLYPH 0xff /* never a 5-bit glyph row: "must rewrite" */

enum lcd_phase {
	LCD_OFFLINE, /* backing off after an error; the retry is a full init */
	LCD_INIT,
	LCD_READY,
};

static const struct lcd_init_step {
	uint8_t value;
	bool nibble;	 /* a lone nibble (still 8-bit mode) or a whole byte */
	int64_t wait_ns; /* before the next step; 0: bus time is enough */
} lcd_init_steps[] = {
	{ 0x3, true, LCD_INIT1_WAIT_NS },
	{ 0x3, true, LCD_INIT2_WAIT_NS },
	{ 0x3, true, 0 },
	{ 0x2, true, 0 }, /* 4-bit from here on */
	{ HD_FUNC_4BIT_2L, false, 0 },
	{ HD_DISPLAY_OFF, false, 0 },
	{ HD_CLEAR, false, LCD_CLEAR_WAIT_NS },
	{ HD_ENTRY_INC, false, 0 },
	{ HD_DISPLAY_ON, false, 0 },
};
#define LCD_INIT_STEPS (int)(sizeof(lcd_init_steps) / sizeof(lcd_init_steps[0]))

struct lcd {
	struct i2c_bus *bus;
	int address, cols, rows;
	int64_t reinit_ns;     /* periodic re-init, 0: only after errors */
	uint8_t data_bits[16]; /* nibble -> expander bits */
	uint8_t rs_bit, en_bit, bl_bit;
	bool bl_active_low;

	uint8_t want[LCD_MAX_ROWS][LCD_MAX_COLS];
	uint8_t shown[LCD_MAX_ROWS][LCD_MAX_COLS]; /* valid when READY */
	uint8_t glyph[LCD_GLYPHS][8];
	uint8_t glyph_shown[LCD_GLYPHS][8];
	uint8_t glyph_defined; /* bit n: glyph n was set */
	bool backlight;

	uint8_t pins; /* the expander's outputs, if pins_known */
	bool pins_known;
	uint8_t ac;		 /* the controller's address counter ... */
	bool ac_cgram, ac_known; /* ... in CGRAM or DDRAM, if known */

	enum lcd_phase phase;
	int step;	  /* next init step; -1: power-up wait */
	int64_t wake_ns;  /* nothing happens before this */
	int64_t ready_ns; /* the last init finished */
	int64_t io_ns;	  /* last tick that touched the bus */
	int64_t backoff_ns;
	int64_t now_ns; /* of the last tick */
	int tick_bytes; /* writes in the current tick */
	unsigned long errors;
	bool online;
	bool outage; /* logged as not answering, not yet back */
};

static int lcd_check_cfg(const struct lcd_cfg *cfg, char *err, size_t errlen)
{
	const struct lcd_map *m = &cfg->map;
	const int bits[8] = { m->rs, m->rw, m->en, m->bl,
			      m->d4, m->d5, m->d6, m->d7 };
	unsigned seen = 0;
	int i;

	if (cfg->cols < 1 || cfg->cols > LCD_MAX_COLS || cfg->rows < 1 ||
	    cfg->rows > LCD_MAX_ROWS) {
		snprintf(err, errlen, "LCD: unsupported size %dx%d", cfg->cols,
			 cfg->rows);
		return -1;
	}
	for (i = 0; i < 8; i++) {
		if (bits[i] < 0 || bits[i] > 7 || (seen & (1u << bits[i]))) {
			snprintf(err, errlen, "LCD: bad backpack map (bit %d)",
				 bits[i]);
			return -1;
		}
		seen |= 1u << bits[i];
	}
	return 0;
}

static void lcd_set_map(struct lcd *l, const struct lcd_map *m)
{
	int n;

	for (n = 0; n < 16; n++)
		l->data_bits[n] = (uint8_t)((n & 1 ? 1u << m->d4 : 0) |
					    (n & 2 ? 1u << m->d5 : 0) |
					    (n & 4 ? 1u << m->d6 : 0) |
					    (n & 8 ? 1u << m->d7 : 0));
	l->rs_bit = (uint8_t)(1u << m->rs);
	l->en_bit = (uint8_t)(1u << m->en);
	l->bl_bit = (uint8_t)(1u << m->bl);
	l->bl_active_low = m->bl_active_low;
}

static uint8_t lcd_bl(const struct lcd *l)
{
	return l->backlight != l->bl_active_low ? l->bl_bit : 0;
}

/* Expander outputs for a nibble: RW is always 0 (we never read the busy
 * flag over I2C), EN low, the backlight bit in every byte. */
static uint8_t lcd_pins(const struct lcd *l, uint8_t nibble, bool rs)
{
	return l->data_bits[nibble & 0xf] | (rs ? l->rs_bit : 0) | lcd_bl(l);
}

static int lcd_put(struct lcd *l, uint8_t pins)
{
	if (i2c_bus_write_byte(l->bus, pins) < 0) {
		l->pins_known = false;
		return -1;
	}
	l->tick_bytes++;
	l->pins = pins;
	l->pins_known = true;
	return 0;
}

/*
 * One nibble, latched on EN's falling edge: (nibble|flags|EN) then
 * (nibble|flags), one byte per write.  All expander pins change at once,
 * so when RS must change it first settles with EN low: RS is to be
 * stable 40 ns before E rises (tAS).  Data need only be stable 80 ns
 * before E falls (tDSW), which a whole I2C byte time gives.
 */
static int lcd_nibble(struct lcd *l, uint8_t nibble, bool rs)
{
	uint8_t p = lcd_pins(l, nibble, rs);

	if ((!l->pins_known || ((l->pins ^ p) & l->rs_bit)) &&
	    lcd_put(l, p) < 0)
		return -1;
	if (lcd_put(l, p | l->en_bit) < 0 || lcd_put(l, p) < 0)
		return -1;
	return 0;
}

static int lcd_byte(struct lcd *l, uint8_t v, bool rs)
{
	if (lcd_nibble(l, v >> 4, rs) < 0 || lcd_nibble(l, v & 0xf, rs) < 0)
		return -1;
	return 0;
}

/* DDRAM of a 2-line controller: 0x00-0x27 and 0x40-0x67; the address
 * counter runs from one line into the other. */
static uint8_t lcd_ddram_next(uint8_t a)
{
	a++;
	if (a == 0x28)
		return 0x40;
	if (a == 0x68)
		return 0x00;
	return a;
}

static int lcd_data(struct lcd *l, uint8_t v)
{
	if (lcd_byte(l, v, true) < 0)
		return -1;
	if (l->ac_cgram)
		l->ac = (l->ac + 1) & 0x3f;
	else
		l->ac = lcd_ddram_next(l->ac);
	return 0;
}

static bool lcd_at(const struct lcd *l, bool cgram, uint8_t a)
{
	return l->ac_known && l->ac_cgram == cgram && l->ac == a;
}

/* Point the address counter at a (CGRAM or DDRAM) unless it is there. */
static int lcd_goto(struct lcd *l, bool cgram, uint8_t a)
{
	if (lcd_at(l, cgram, a))
		return 0;
	if (lcd_byte(l, (cgram ? HD_SET_CGRAM : HD_SET_DDRAM) | a, false) < 0)
		return -1;
	l->ac = a;
	l->ac_cgram = cgram;
	l->ac_known = true;
	return 0;
}

/* Is there budget left in this tick for n instructions? */
static bool lcd_room(const struct lcd *l, int n)
{
	return l->tick_bytes + n * LCD_UNIT_BYTES <= LCD_TICK_BYTES;
}

/* Rows 2 and 3 of a 4-row glass continue rows 0 and 1 in DDRAM: 0x00,
 * 0x40, 0x14, 0x54 on a 20x4 (0x10, 0x50 on a 16x4). */
static uint8_t lcd_row_base(const struct lcd *l, int r)
{
	return (uint8_t)((r & 1 ? 0x40 : 0) + (r & 2 ? l->cols : 0));
}

/* A delay counted from the end of this tick's writes. */
static int64_t lcd_after(const struct lcd *l, int64_t now, int64_t wait_ns)
{
	return now + l->tick_bytes * LCD_BYTE_NS + wait_ns;
}

static bool lcd_backlight_stale(const struct lcd *l)
{
	return !l->pins_known || (l->pins & l->bl_bit) != lcd_bl(l);
}

static bool lcd_glyphs_stale(const struct lcd *l)
{
	int n;

	for (n = 0; n < LCD_GLYPHS; n++)
		if ((l->glyph_defined & (1u << n)) &&
		    memcmp(l->glyph[n], l->glyph_shown[n], 8) != 0)
			return true;
	return false;
}

static bool lcd_pending(const struct lcd *l)
{
	int r;

	if (l->phase != LCD_READY || lcd_backlight_stale(l) ||
	    lcd_glyphs_stale(l))
		return true;
	for (r = 0; r < l->rows; r++)
		if (memcmp(l->want[r], l->shown[r], (size_t)l->cols) != 0)
			return true;
	return false;
}

static void lcd_start_init(struct lcd *l, bool power)
{
	l->phase = LCD_INIT;
	l->step = power ? -1 : 0;
	l->ac_known = false;
}

static void lcd_ready(struct lcd *l, int64_t now)
{
	int r;

	/* the clear left spaces everywhere and the counter at DDRAM 0 */
	for (r = 0; r < LCD_MAX_ROWS; r++)
		memset(l->shown[r], ' ', LCD_MAX_COLS);
	/* CGRAM does not survive a power loss: send every glyph again */
	memset(l->glyph_shown, LCD_NO_GLYPH, sizeof(l->glyph_shown));
	l->ac = 0;
	l->ac_cgram = false;
	l->ac_known = true;
	l->phase = LCD_READY;
	l->ready_ns = now;
	l->backoff_ns = LCD_BACKOFF_MIN_NS;
	l->online = true;
	if (l->outage)
		log_notice("LCD on %s address 0x%02x back",
			   i2c_bus_path(l->bus), (unsigned)l->address);
	l->outage = false;
}

static int lcd_run_init(struct lcd *l, int64_t now)
{
	const struct lcd_init_step *s;
	int r;

	if (l->step < 0) {
		/* EN low first: the expander powers up with every pin high */
		if (lcd_put(l, lcd_pins(l, 0, false)) < 0)
			return -1;
		l->step = 0;
		l->wake_ns = lcd_after(l, now, LCD_POWER_WAIT_NS);
		return 0;
	}
	while (l->step < LCD_INIT_STEPS) {
		s = &lcd_init_steps[l->step];
		r = s->nibble ? lcd_nibble(l, s->value, false)
			      : lcd_byte(l, s->value, false);
		if (r < 0)
			return -1;
		l->step++;
		if (s->wait_ns > 0) {
			l->wake_ns = lcd_after(l, now, s->wait_ns);
			return 0;
		}
	}
	lcd_ready(l, now);
	return 0;
}

/* Changed glyph rows, then back to DDRAM: data writes go to whichever
 * RAM was addressed last (HD44780U, "Set CGRAM address"). */
static int lcd_write_glyphs(struct lcd *l)
{
	int n, row;
	bool wrote = false;

	for (n = 0; n < LCD_GLYPHS; n++) {
		if (!(l->glyph_defined & (1u << n)))
			continue;
		for (row = 0; row < 8; row++) {
			uint8_t a = (uint8_t)(n << 3 | row);

			if (l->glyph_shown[n][row] == l->glyph[n][row])
				continue;
			if (!lcd_room(l, lcd_at(l, true, a) ? 2 : 3))
				return 0;
			if (lcd_goto(l, true, a) < 0 ||
			    lcd_data(l, l->glyph[n][row]) < 0)
				return -1;
			l->glyph_shown[n][row] = l->glyph[n][row];
			wrote = true;
		}
	}
	if (wrote || (l->ac_known && l->ac_cgram))
		return lcd_goto(l, false, 0);
	return 0;
}

static int lcd_write_cells(struct lcd *l)
{
	int r, c;

	for (r = 0; r < l->rows; r++) {
		for (c = 0; c < l->cols; c++) {
			uint8_t a = (uint8_t)(lcd_row_base(l, r) + c);

			if (l->shown[r][c] == l->want[r][c])
				continue;
			if (!lcd_room(l, lcd_at(l, false, a) ? 1 : 2))
				return 0;
			if (lcd_goto(l, false, a) < 0 ||
			    lcd_data(l, l->want[r][c]) < 0)
				return -1;
			l->shown[r][c] = l->want[r][c];
		}
	}
	return 0;
}

/*
 * Idle presence check: read the expander's pins back.  A pin we drive
 * low reads low; one that reads high means the expander (and so the LCD
 * on the same supply) was reset by a power dip or a replug.
 */
static int lcd_check(struct lcd *l, int64_t now)
{
	int v = i2c_bus_read_byte(l->bus);

	l->io_ns = now;
	if (v < 0)
		return -1;
	if (l->pins_known && ((unsigned)v & ~l->pins & 0xffu)) {
		log_notice("LCD on %s address 0x%02x was reset "
			   "(power dip?); re-initialising",
			   i2c_bus_path(l->bus), (unsigned)l->address);
		l->pins_known = false;
		lcd_start_init(l, true);
		return lcd_run_init(l, now);
	}
	return 0;
}

static int lcd_run_ready(struct lcd *l, int64_t now)
{
	if (l->reinit_ns > 0 && now - l->ready_ns >= l->reinit_ns) {
		lcd_start_init(l, false);
		return lcd_run_init(l, now);
	}
	if (lcd_write_glyphs(l) < 0 || lcd_write_cells(l) < 0)
		return -1;
	if (l->tick_bytes == 0 && lcd_backlight_stale(l)) /* EN stays low */
		return lcd_put(l,
			       (uint8_t)((l->pins & ~l->bl_bit) | lcd_bl(l)));
	if (l->tick_bytes == 0 && now - l->io_ns >= LCD_CHECK_NS)
		return lcd_check(l, now);
	return 0;
}

static void lcd_fail(struct lcd *l, int64_t now, int err)
{
	l->errors++;
	l->online = false;
	if (!l->outage)
		log_warn("LCD on %s address 0x%02x not answering: %s",
			 i2c_bus_path(l->bus), (unsigned)l->address,
			 strerror(err));
	l->outage = true;
	l->phase = LCD_OFFLINE;
	l->pins_known = false;
	l->ac_known = false;
	l->wake_ns = now + l->backoff_ns;
	l->backoff_ns *= 2;
	if (l->backoff_ns > LCD_BACKOFF_MAX_NS)
		l->backoff_ns = LCD_BACKOFF_MAX_NS;
}

static int64_t lcd_next_delay(const struct lcd *l, int64_t now)
{
	int64_t next;

	if (l->phase != LCD_READY)
		next = l->wake_ns;
	else if (lcd_pending(l))
		return 0; /* the next slice, after the loop's other work */
	else
		next = l->io_ns + LCD_CHECK_NS;
	if (l->phase == LCD_READY && l->reinit_ns > 0 &&
	    l->ready_ns + l->reinit_ns < next)
		next = l->ready_ns + l->reinit_ns;
	return next > now ? next - now : 0;
}

int64_t lcd_tick(struct lcd *l, int64_t now_ns)
{
	int r = 0;

	l->now_ns = now_ns;
	l->tick_bytes = 0;
	if (now_ns < l->wake_ns)
		return l->wake_ns - now_ns;
	if (l->phase == LCD_OFFLINE)
		lcd_start_init(l, true); /* it may have lost power */
	if (l->phase == LCD_INIT)
		r = lcd_run_init(l, now_ns);
	if (r == 0 && l->phase == LCD_READY)
		r = lcd_run_ready(l, now_ns);
	if (r < 0)
		lcd_fail(l, now_ns, errno);
	if (l->tick_bytes > 0)
		l->io_ns = now_ns;
	return lcd_next_delay(l, now_ns);
}

struct lcd *lcd_open(const struct lcd_cfg *cfg, char *err, size_t errlen)
{
	struct lcd *l;
	int e;

	if (lcd_check_cfg(cfg, err, errlen) < 0) {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "LCD: %s", strerror(errno));
		return NULL;
	}
	l->bus = i2c_bus_open(cfg->bus, err, errlen);
	if (!l->bus)
		goto fail_free;
	if (i2c_bus_set_address(l->bus, cfg->address, err, errlen) < 0)
		goto fail_close;
	l->address = cfg->address;
	l->cols = cfg->cols;
	l->rows = cfg->rows;
	l->reinit_ns = cfg->reinit_interval_ms * NS_PER_MS;
	lcd_set_map(l, &cfg->map);
	memset(l->want, ' ', sizeof(l->want));
	l->backlight = true;
	l->backoff_ns = LCD_BACKOFF_MIN_NS;
	l->wake_ns = INT64_MIN;
	lcd_start_init(l, true);
	return l;

fail_close:
	e = errno;
	i2c_bus_close(l->bus);
	errno = e;
fail_free:
	e = errno;
	free(l);
	errno = e;
	return NULL;
}

void lcd_set_text(struct lcd *l,
		  const uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS])
{
	int r;

	for (r = 0; r < l->rows; r++)
		memcpy(l->want[r], cells[r], (size_t)l->cols);
}

void lcd_set_backlight(struct lcd *l, bool on)
{
	l->backlight = on;
}

void lcd_set_glyph(struct lcd *l, int n, const uint8_t rows[8])
{
	int i;

	if (n < 0 || n >= LCD_GLYPHS)
		return;
	for (i = 0; i < 8; i++)
		l->glyph[n][i] = rows[i] & 0x1f;
	l->glyph_defined |= (uint8_t)(1u << n);
}

void lcd_reinit(struct lcd *l)
{
	/* an init in progress or a pending retry does it anyway */
	if (l->phase != LCD_READY)
		return;
	lcd_start_init(l, false);
	l->wake_ns = INT64_MIN;
}

unsigned long lcd_errors(const struct lcd *l)
{
	return l->errors;
}

bool lcd_online(const struct lcd *l)
{
	return l->online;
}

static void lcd_sleep(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / NS_PER_S,
			       .tv_nsec = ns % NS_PER_S };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/*
 * Shutdown: run the state machine until the final text is on the glass,
 * sleeping through its waits (time counted on from the last tick, so the
 * caller's clock and ours agree).  An error or LCD_CLOSE_MAX_NS ends it:
 * an unplugged display must not hold up the stop.
 */
static void lcd_flush(struct lcd *l)
{
	unsigned long errors = l->errors;
	int64_t now = l->now_ns, spent = 0, d;
	int ticks = 0;

	if (l->phase == LCD_OFFLINE)
		l->wake_ns = now; /* one more try, not after the backoff */
	while (lcd_pending(l) && spent < LCD_CLOSE_MAX_NS && ticks++ < 1000) {
		d = lcd_tick(l, now);
		if (l->errors != errors || !lcd_pending(l))
			break;
		if (d > LCD_CLOSE_MAX_NS - spent)
			break;
		if (d > 0)
			lcd_sleep(d);
		now += d;
		spent += d;
	}
}

void lcd_close(struct lcd *l, const uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS])
{
	if (!l)
		return;
	if (cells) {
		lcd_set_text(l, cells);
		lcd_flush(l);
	}
	i2c_bus_close(l->bus);
	free(l);
}
