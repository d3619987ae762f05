/*
 * hd44780_emu.c - an HD44780 LCD controller behind a PCF8574 expander,
 * rebuilt from the I2C byte stream for the driver's tests.
 *
 * Follows the Hitachi HD44780U datasheet (ADE-207-272): nibbles latched
 * on E's falling edge, 8-bit mode after power-up, the instruction set of
 * Table 6 with its execution times, DDRAM of two 40-byte lines
 * (0x00-0x27, 0x40-0x67) and 64 bytes of CGRAM; Figure 24's start-up
 * waits.  Anything a real part could misread is recorded as a violation
 * rather than silently accepted.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hd44780_emu.h"
#include "i2c_fake.h"
#include "lcd_charset.h"

#define EMU_US	     INT64_C(1000)
#define EMU_MS	     INT64_C(1000000)
#define EMU_MAX_VIOL 32
#define EMU_SEQ	     16
#define EMU_LINE     40 /* DDRAM bytes per line in 2-line mode */
#define EMU_MAX_COLS 40

/* HD44780U Table 6 (fosc 270 kHz) and Figure 24 */
#define EMU_POWER_NS (40 * EMU_MS)
#define EMU_FS1_NS   (4100 * EMU_US)
#define EMU_FS2_NS   (100 * EMU_US)
#define EMU_CLEAR_NS (1520 * EMU_US)
#define EMU_CMD_NS   (37 * EMU_US)
#define EMU_DATA_NS  (41 * EMU_US) /* 37 us + tADD 4 us */

struct hd44780_emu {
	struct lcd_map map;
	int cols, rows;
	uint8_t pins;
	bool four_bit, have_high;
	uint8_t high;
	uint8_t ddram[0x80];
	uint8_t cgram[64];
	int ac;
	bool ac_cgram;
	bool two_lines, font_5x10, display_on, cursor_on, blink_on;
	bool increment, shift;
	int disp_shift; /* display shifted left by this much */
	int64_t power_ns, busy_until_ns;
	const char *busy_why;
	int init_fs; /* 8-bit function sets since power-up */
	struct {
		uint8_t v;
		bool rs, eight;
	} seq[EMU_SEQ];
	int n_seq;
	char viol[EMU_MAX_VIOL][160];
	int n_viol;
	struct emu_counts counts;
	uint8_t rowbuf[EMU_MAX_COLS];
	char utf8[EMU_MAX_COLS * 4 + 1];
};

static void emu_violate(struct hd44780_emu *e, int64_t t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void emu_violate(struct hd44780_emu *e, int64_t t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->n_viol++ >= EMU_MAX_VIOL)
		return;
	n = snprintf(e->viol[e->n_viol - 1], sizeof(e->viol[0]),
		     "+%.3f ms after power-up: ",
		     (double)(t - e->power_ns) / EMU_MS);
	va_start(ap, fmt);
	vsnprintf(e->viol[e->n_viol - 1] + n, sizeof(e->viol[0]) - (size_t)n,
		  fmt, ap);
	va_end(ap);
}

struct hd44780_emu *emu_new(const struct lcd_map *map, int cols, int rows)
{
	struct hd44780_emu *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->map = *map;
	e->cols = cols > EMU_MAX_COLS ? EMU_MAX_COLS : cols;
	e->rows = rows > 4 ? 4 : rows;
	emu_power_on(e, 0);
	e->counts.power_ons = 0;
	return e;
}

void emu_free(struct hd44780_emu *e)
{
	free(e);
}

void emu_power_on(struct hd44780_emu *e, int64_t t_ns)
{
	int i;

	e->pins = 0xff; /* the PCF8574's power-on state */
	e->four_bit = false;
	e->have_high = false;
	for (i = 0; i < (int)sizeof(e->ddram); i++)
		e->ddram[i] = 0xff;
	for (i = 0; i < (int)sizeof(e->cgram); i++)
		e->cgram[i] = (uint8_t)((i * 7 + 3) & 0x1f);
	e->ac = 0;
	e->ac_cgram = false;
	e->two_lines = e->font_5x10 = false;
	e->display_on = e->cursor_on = e->blink_on = false;
	e->increment = true;
	e->shift = false;
	e->disp_shift = 0;
	e->power_ns = t_ns;
	e->busy_until_ns = t_ns + EMU_POWER_NS;
	e->busy_why = "power-up (> 40 ms after Vcc, fig. 24)";
	e->init_fs = 0;
	e->n_seq = 0;
	e->counts.power_ons++;
}

static bool emu_bit(uint8_t pins, int bit)
{
	return (pins >> bit) & 1;
}

static uint8_t emu_mask(const struct hd44780_emu *e)
{
	const struct lcd_map *m = &e->map;

	return (uint8_t)(1u << m->rs | 1u << m->d4 | 1u << m->d5 | 1u << m->d6 |
			 1u << m->d7);
}

static uint8_t emu_nibble(const struct hd44780_emu *e, uint8_t pins)
{
	const struct lcd_map *m = &e->map;

	return (uint8_t)(emu_bit(pins, m->d4) | emu_bit(pins, m->d5) << 1 |
			 emu_bit(pins, m->d6) << 2 | emu_bit(pins, m->d7) << 3);
}

static void emu_busy(struct hd44780_emu *e, int64_t t, int64_t ns,
		     const char *why)
{
	e->busy_until_ns = t + ns;
	e->busy_why = why;
}

static int emu_ddram_step(const struct hd44780_emu *e, int a, int dir)
{
	if (!e->two_lines)
		return (a + dir + 80) % 80;
	if (dir > 0)
		return a == 0x27 ? 0x40 : a == 0x67 ? 0x00 : a + 1;
	return a == 0x40 ? 0x27 : a == 0x00 ? 0x67 : a - 1;
}

static bool emu_ddram_valid(const struct hd44780_emu *e, int a)
{
	if (!e->two_lines)
		return a < 80;
	return a < 0x28 || (a >= 0x40 && a < 0x68);
}

static void emu_data(struct hd44780_emu *e, uint8_t v, int64_t t)
{
	int dir = e->increment ? 1 : -1;

	e->counts.data++;
	if (e->ac_cgram) {
		e->cgram[e->ac] = v & 0x1f;
		e->ac = (e->ac + dir) & 0x3f;
	} else {
		e->ddram[e->ac] = v;
		e->ac = emu_ddram_step(e, e->ac, dir);
		if (e->shift)
			e->disp_shift += dir;
	}
	emu_busy(e, t, EMU_DATA_NS, "data write (37 us + tADD)");
}

static void emu_function_set(struct hd44780_emu *e, uint8_t v, bool eight,
			     int64_t t)
{
	int64_t ns = EMU_CMD_NS;

	e->four_bit = !(v & 0x10);
	e->have_high = false;
	/* N and F sit on DB3/DB2, which the backpack does not wire: an
	 * 8-bit function set cannot set them. */
	if (!eight) {
		e->two_lines = v & 0x08;
		e->font_5x10 = v & 0x04;
	}
	if (eight && (v & 0x10)) {
		e->init_fs++;
		if (e->init_fs == 1)
			ns = EMU_FS1_NS;
		else if (e->init_fs == 2)
			ns = EMU_FS2_NS;
	}
	emu_busy(e, t, ns,
		 ns == EMU_FS1_NS   ? "first function set (> 4.1 ms)"
		 : ns == EMU_FS2_NS ? "second function set (> 100 us)"
				    : "function set (37 us)");
}

static void emu_shift(struct hd44780_emu *e, uint8_t v)
{
	int dir = (v & 0x04) ? 1 : -1;

	if (v & 0x08)
		e->disp_shift -= dir; /* display moves right: content left */
	else if (e->ac_cgram)
		e->ac = (e->ac + dir) & 0x3f;
	else
		e->ac = emu_ddram_step(e, e->ac, dir);
}

static void emu_instruction(struct hd44780_emu *e, uint8_t v, bool eight,
			    int64_t t)
{
	e->counts.instructions++;
	if (v & 0x80) {
		if (!emu_ddram_valid(e, v & 0x7f))
			emu_violate(e, t, "DDRAM address 0x%02x does not exist",
				    v & 0x7f);
		e->ac = v & 0x7f;
		e->ac_cgram = false;
	} else if (v & 0x40) {
		e->ac = v & 0x3f;
		e->ac_cgram = true;
	} else if (v & 0x20) {
		emu_function_set(e, v, eight, t);
		return;
	} else if (v & 0x10) {
		emu_shift(e, v);
	} else if (v & 0x08) {
		e->display_on = v & 0x04;
		e->cursor_on = v & 0x02;
		e->blink_on = v & 0x01;
	} else if (v & 0x04) {
		e->increment = v & 0x02;
		e->shift = v & 0x01;
	} else if (v & 0x03) {
		if (v & 0x01) {
			memset(e->ddram, ' ', sizeof(e->ddram));
			e->increment = true;
		}
		e->ac = 0;
		e->ac_cgram = false;
		e->disp_shift = 0;
		emu_busy(e, t, EMU_CLEAR_NS, "clear/home (1.52 ms)");
		return;
	} else {
		emu_violate(e, t, "instruction 0x00 does not exist");
	}
	emu_busy(e, t, EMU_CMD_NS, "instruction (37 us)");
}

static void emu_exec(struct hd44780_emu *e, uint8_t v, bool rs, bool eight,
		     int64_t t)
{
	if (getenv("EMU_TRACE"))
		fprintf(stderr, "emu: +%.3f ms %s 0x%02x (%d-bit)\n",
			(double)(t - e->power_ns) / EMU_MS,
			rs ? "data" : "instruction", v, eight ? 8 : 4);
	if (e->n_seq < EMU_SEQ) {
		e->seq[e->n_seq].v = v;
		e->seq[e->n_seq].rs = rs;
		e->seq[e->n_seq].eight = eight;
		e->n_seq++;
	}
	if (rs)
		emu_data(e, v, t);
	else
		emu_instruction(e, v, eight, t);
}

static void emu_latch(struct hd44780_emu *e, uint8_t nib, bool rs, int64_t t)
{
	if (t < e->busy_until_ns)
		emu_violate(e, t, "E fell %.3f ms early: busy with %s",
			    (double)(e->busy_until_ns - t) / EMU_MS,
			    e->busy_why);
	if (!e->four_bit) {
		/* DB0-DB3 are not wired: they read as 0 */
		emu_exec(e, (uint8_t)(nib << 4), rs, true, t);
	} else if (!e->have_high) {
		e->high = nib;
		e->have_high = true;
	} else {
		e->have_high = false;
		emu_exec(e, (uint8_t)(e->high << 4 | nib), rs, false, t);
	}
}

static void emu_pins(struct hd44780_emu *e, uint8_t p, int64_t t)
{
	const struct lcd_map *m = &e->map;
	uint8_t prev = e->pins;
	bool en0 = emu_bit(prev, m->en), en1 = emu_bit(p, m->en);

	e->pins = p;
	if (emu_bit(p, m->rw))
		emu_violate(e, t, "RW high in byte 0x%02x", p);
	if (!en0 && en1 && emu_bit(prev, m->rs) != emu_bit(p, m->rs))
		emu_violate(e, t, "RS changed as E rose (tAS 40 ns)");
	if (!en0 || en1)
		return;
	if (emu_bit(prev, m->rw))
		return; /* a read cycle: nothing is latched */
	if ((prev ^ p) & emu_mask(e))
		emu_violate(e, t, "RS/data changed as E fell (tDSW, tH)");
	emu_latch(e, emu_nibble(e, prev), emu_bit(prev, m->rs), t);
}

void emu_feed(struct hd44780_emu *e, const uint8_t *bytes, size_t len,
	      int64_t t_ns)
{
	e->counts.writes++;
	if (len != 1) {
		e->counts.multi_byte++;
		emu_violate(e, t_ns,
			    "%zu-byte write (a TI PCF8574 keeps only the "
			    "first byte)",
			    len);
	}
	if (len > 0)
		emu_pins(e, bytes[0], t_ns);
}

static void emu_listener(void *arg, enum i2c_fake_event ev,
			 const uint8_t *bytes, size_t len, int64_t t_ns)
{
	struct hd44780_emu *e = arg;

	if (ev == I2C_FAKE_POWER_ON)
		emu_power_on(e, t_ns);
	else
		emu_feed(e, bytes, len, t_ns);
}

void emu_attach(struct hd44780_emu *e, int bus, int addr)
{
	i2c_fake_listen(bus, addr, emu_listener, e);
}

const uint8_t *emu_row(struct hd44780_emu *e, int r)
{
	int c, line_len = e->two_lines ? EMU_LINE : 80;
	int base = (e->two_lines && (r & 1)) ? 0x40 : 0;
	int off = (r & 2) ? e->cols : 0;

	memset(e->rowbuf, ' ', sizeof(e->rowbuf));
	if (r < 0 || r >= e->rows || !e->display_on ||
	    (!e->two_lines && (r & 1)))
		return e->rowbuf;
	for (c = 0; c < e->cols; c++) {
		int pos = ((off + c + e->disp_shift) % line_len + line_len) %
			  line_len;

		e->rowbuf[c] = e->ddram[base + pos];
	}
	return e->rowbuf;
}

const char *emu_row_utf8(struct hd44780_emu *e, int r)
{
	const uint8_t *row = emu_row(e, r);
	size_t n = 0;
	int c;

	for (c = 0; c < e->cols; c++) {
		const char *s = lcd_charset_decode(row[c]);
		size_t k = strlen(s);

		if (n + k >= sizeof(e->utf8))
			break;
		memcpy(e->utf8 + n, s, k);
		n += k;
	}
	e->utf8[n] = '\0';
	return e->utf8;
}

const uint8_t *emu_glyph(const struct hd44780_emu *e, int n)
{
	return &e->cgram[(n & 7) * 8];
}

void emu_get_state(const struct hd44780_emu *e, struct emu_state *st)
{
	st->four_bit = e->four_bit;
	st->two_lines = e->two_lines;
	st->font_5x10 = e->font_5x10;
	st->display_on = e->display_on;
	st->cursor_on = e->cursor_on;
	st->blink_on = e->blink_on;
	st->increment = e->increment;
	st->shift = e->shift;
	st->backlight = emu_bit(e->pins, e->map.bl) != e->map.bl_active_low;
	st->ac = e->ac;
	st->ac_cgram = e->ac_cgram;
}

void emu_get_counts(const struct hd44780_emu *e, struct emu_counts *c)
{
	*c = e->counts;
}

int emu_violations(const struct hd44780_emu *e)
{
	return e->n_viol;
}

const char *emu_violation(const struct hd44780_emu *e, int i)
{
	if (i < 0 || i >= e->n_viol)
		return NULL;
	return i < EMU_MAX_VIOL ? e->viol[i] : "(more not kept)";
}

void emu_clear_violations(struct hd44780_emu *e)
{
	e->n_viol = 0;
}

bool emu_init_ok(const struct hd44780_emu *e, char *why, size_t len)
{
	static const struct {
		uint8_t v;
		bool eight;
	} want[] = {
		{ 0x30, true },	 { 0x30, true },  { 0x30, true },
		{ 0x20, true },	 { 0x28, false }, { 0x08, false },
		{ 0x01, false }, { 0x06, false }, { 0x0c, false },
	};
	int i, n = (int)(sizeof(want) / sizeof(want[0]));

	for (i = 0; i < n; i++) {
		if (i >= e->n_seq) {
			snprintf(why, len,
				 "only %d instructions since power-up",
				 e->n_seq);
			return false;
		}
		if (e->seq[i].rs || e->seq[i].v != want[i].v ||
		    e->seq[i].eight != want[i].eight) {
			snprintf(why, len,
				 "step %d: %s 0x%02x (%d-bit), want "
				 "instruction 0x%02x (%d-bit)",
				 i + 1, e->seq[i].rs ? "data" : "instruction",
				 e->seq[i].v, e->seq[i].eight ? 8 : 4,
				 want[i].v, want[i].eight ? 8 : 4);
			return false;
		}
	}
	snprintf(why, len, "ok");
	return true;
}

void emu_dump(struct hd44780_emu *e, FILE *out)
{
	struct emu_state st;
	int r, i;

	emu_get_state(e, &st);
	fprintf(out, "+%.*s+\n", e->cols,
		"----------------------------------------");
	for (r = 0; r < e->rows; r++)
		fprintf(out, "|%s|\n", emu_row_utf8(e, r));
	fprintf(out, "+%.*s+\n", e->cols,
		"----------------------------------------");
	fprintf(out, "%s-bit %s display %s backlight %s ac %s 0x%02x\n",
		st.four_bit ? "4" : "8", st.two_lines ? "2-line" : "1-line",
		st.display_on ? "on" : "off", st.backlight ? "on" : "off",
		st.ac_cgram ? "CGRAM" : "DDRAM", (unsigned)st.ac);
	for (i = 0; i < e->n_viol && i < EMU_MAX_VIOL; i++)
		fprintf(out, "violation: %s\n", e->viol[i]);
}
