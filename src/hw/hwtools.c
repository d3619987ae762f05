/*
 * hwtools.c - --hw-test and --hw-scan: the wiring checks someone runs
 * with the soldering iron still warm, before trusting the daemon.
 *
 * Plain blocking code on purpose: it runs instead of the daemon, never
 * inside the loop.  Each step says what it drives (which LED, colour and
 * GPIO; the I2C bus and address), so a dark LED names its own wire.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "gpio.h"
#include "hwtools.h"
#include "i2c_bus.h"
#include "lcd.h"
#include "lcd_charset.h"

/* Long enough to see and name each colour; the daemon's lamp test at
 * start is quicker. */
#define HWTOOLS_LAMP_MS	    250
#define HWTOOLS_BEEP_MS	    150
#define HWTOOLS_LCD_WAIT_NS (3 * NS_PER_S)
#define HWTOOLS_I2C_FIRST   0x03
#define HWTOOLS_I2C_LAST    0x77
/* Without a configuration: the Pi's header bus and the usual backpack. */
#define HWTOOLS_I2C_BUS	 1
#define HWTOOLS_LCD_ADDR 0x27

static FILE *hwtools_out;

void hwtools_set_output(FILE *out)
{
	hwtools_out = out;
}

static FILE *hwtools_file(void)
{
	return hwtools_out ? hwtools_out : stdout;
}

static void hwtools_sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / NS_PER_S,
			       .tv_nsec = ns % NS_PER_S };

	fflush(hwtools_file());
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* The outputs in the daemon's order: LED colours, then the buzzer. */
struct hwtools_outputs {
	int n;
	int pin[GPIO_MAX_LINES];
	bool active_low[GPIO_MAX_LINES];
	const char *led[GPIO_MAX_LINES]; /* NULL: the buzzer */
	enum led_color color[GPIO_MAX_LINES];
};

static void hwtools_collect(const struct indicators_cfg *ind,
			    struct hwtools_outputs *o)
{
	int i, c;

	o->n = 0;
	for (i = 0; i < ind->n_leds && i < CFG_MAX_LEDS; i++)
		for (c = 0; c < LED_COLOR_COUNT && o->n < GPIO_MAX_LINES; c++) {
			if (ind->leds[i].pin[c] == PIN_NONE)
				continue;
			o->pin[o->n] = ind->leds[i].pin[c];
			o->active_low[o->n] = ind->leds[i].active_low;
			o->led[o->n] = ind->leds[i].name;
			o->color[o->n++] = (enum led_color)c;
		}
	if (ind->buzzer.pin != PIN_NONE && o->n < GPIO_MAX_LINES) {
		o->pin[o->n] = ind->buzzer.pin;
		o->active_low[o->n] = ind->buzzer.active_low;
		o->led[o->n++] = NULL;
	}
}

static int hwtools_test_gpio(const struct indicators_cfg *ind, FILE *out)
{
	struct hwtools_outputs o;
	struct gpio *g;
	char err[256];
	int i;

	hwtools_collect(ind, &o);
	if (o.n == 0) {
		fprintf(out, "no LEDs or buzzer configured\n");
		return 0;
	}
	g = gpio_open(ind->chip, err, sizeof(err));
	if (!g || gpio_request_outputs(g, o.pin, o.active_low, o.n, err,
				       sizeof(err)) < 0) {
		fprintf(out, "GPIO: %s\n", err);
		gpio_close(g);
		return -1;
	}
	fprintf(out, "GPIO chip %s (%s)\n", gpio_chip_label(g),
		gpio_chip_path(g));
	for (i = 0; i < o.n; i++) {
		if (o.led[i])
			fprintf(out, "LED %-12s %-6s GPIO%d%s\n", o.led[i],
				led_color_name(o.color[i]), o.pin[i],
				o.active_low[i] ? " (active low)" : "");
		else
			fprintf(out, "buzzer GPIO%d: %d ms beep\n", o.pin[i],
				HWTOOLS_BEEP_MS);
		gpio_set(g, i, true);
		hwtools_sleep_ns(
			(o.led[i] ? HWTOOLS_LAMP_MS : HWTOOLS_BEEP_MS) *
			NS_PER_MS);
		gpio_set(g, i, false);
	}
	gpio_close(g);
	return 0;
}

static void hwtools_put(uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS], int row,
			const char *s)
{
	lcd_charset_encode(s, cells[row], LCD_MAX_COLS);
}

/* Write the page and wait until it is on the glass or the display has
 * failed to answer. */
static int hwtools_test_lcd(const struct lcd_cfg *lc, FILE *out)
{
	uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS];
	char err[256], where[32];
	int64_t start = clock_now_ns(), now = start, d;
	struct lcd *lcd;
	int ok = 0;

	memset(cells, ' ', sizeof(cells));
	snprintf(where, sizeof(where), "i2c-%d @0x%02x", lc->bus, lc->address);
	hwtools_put(cells, 0, "pilotlight test");
	hwtools_put(cells, 1, where);
	fprintf(out,
		"LCD on /dev/i2c-%d address 0x%02x (%dx%d): "
		"\"pilotlight test\" / \"%s\": ",
		lc->bus, lc->address, lc->cols, lc->rows, where);
	lcd = lcd_open(lc, err, sizeof(err));
	if (!lcd) {
		fprintf(out, "%s\n", err);
		return -1;
	}
	lcd_set_text(lcd, cells);
	lcd_set_backlight(lcd, true);
	while (now - start < HWTOOLS_LCD_WAIT_NS && lcd_errors(lcd) == 0) {
		d = lcd_tick(lcd, now);
		/* online and idle: the page is on the glass */
		ok = lcd_online(lcd) && d >= 100 * NS_PER_MS;
		if (ok)
			break;
		hwtools_sleep_ns(d < 50 * NS_PER_MS ? d : 50 * NS_PER_MS);
		now = clock_now_ns();
	}
	if (ok)
		fprintf(out, "ok\n");
	else
		fprintf(out,
			"no answer (%lu I2C errors): check the address "
			"with --hw-scan, SDA/SCL and power\n",
			lcd_errors(lcd));
	lcd_close(lcd, ok ? cells : NULL);
	return ok ? 0 : -1;
}

int hw_test(const struct pl_config *cfg)
{
	const struct indicators_cfg *ind = &cfg->indicators;
	FILE *out = hwtools_file();
	int rc = 0;

	fprintf(out, "pilotlight hardware test (%s)\n",
		cfg->path ? cfg->path : "built-in config");
	if (hwtools_test_gpio(ind, out) < 0)
		rc = 1;
	if (!ind->lcd.enabled)
		fprintf(out, "no LCD configured\n");
	else if (hwtools_test_lcd(&ind->lcd, out) < 0)
		rc = 1;
	if (ind->button.pin != PIN_NONE)
		fprintf(out,
			"button GPIO%d: not tested here (with the daemon "
			"running, a short press acknowledges the alarm)\n",
			ind->button.pin);
	fflush(out);
	return rc;
}

/* What the scan found at the LCD's address, and what to do about it. */
static void hwtools_lcd_verdict(FILE *out, int lcd_addr, enum i2c_probe r,
				int other)
{
	fprintf(out, "\nLCD address 0x%02x: ", lcd_addr);
	if (r == I2C_PROBE_PRESENT) {
		fputs("answers\n", out);
		return;
	}
	if (r == I2C_PROBE_BUSY) {
		fputs("claimed by a kernel driver (UU): pilotlight cannot "
		      "drive it while a driver holds it; remove the "
		      "dtoverlay in config.txt that loads one (an hd44780 or "
		      "pcf857x overlay)\n",
		      out);
		return;
	}
	fputs("no answer", out);
	if (other >= 0)
		fprintf(out,
			"; a PCF8574 answers at 0x%02x: set "
			"address = 0x%02x;",
			other, other);
	fputc('\n', out);
}

/* The map i2cdetect prints: "--" nobody, "UU" a kernel driver, the
 * address if something answers. */
static int hwtools_scan_i2c(int bus, int lcd_addr, FILE *out)
{
	struct i2c_bus *b;
	char err[256];
	int a, other = -1;
	enum i2c_probe r, at_lcd = I2C_PROBE_ABSENT;

	b = i2c_bus_open(bus, err, sizeof(err));
	if (!b) {
		fprintf(out, "I2C: %s\n", err);
		return -1;
	}
	fprintf(out,
		"I2C %s:\n     0  1  2  3  4  5  6  7  8  9  a  b  c  d "
		" e  f",
		i2c_bus_path(b));
	for (a = 0; a <= HWTOOLS_I2C_LAST; a++) {
		if (a % 16 == 0)
			fprintf(out, "\n%02x:", a);
		if (a < HWTOOLS_I2C_FIRST) {
			fputs("   ", out);
			continue;
		}
		r = i2c_bus_probe(b, a);
		if (r == I2C_PROBE_PRESENT)
			fprintf(out, " %02x", a);
		else
			fputs(r == I2C_PROBE_BUSY ? " UU" : " --", out);
		if (a == lcd_addr)
			at_lcd = r;
		else if (r == I2C_PROBE_PRESENT &&
			 ((a >= 0x20 && a <= 0x27) || (a >= 0x38 && a <= 0x3f)))
			other = a;
	}
	hwtools_lcd_verdict(out, lcd_addr, at_lcd, other);
	i2c_bus_close(b);
	return 0;
}

int hw_scan(const struct pl_config *cfg)
{
	const struct lcd_cfg *lc = cfg ? &cfg->indicators.lcd : NULL;
	FILE *out = hwtools_file();
	int rc = 0;

	if (gpio_scan(out) < 0)
		rc = 1;
	if (hwtools_scan_i2c(lc && lc->bus >= 0 ? lc->bus : HWTOOLS_I2C_BUS,
			     lc && lc->address > 0 ? lc->address
						   : HWTOOLS_LCD_ADDR,
			     out) < 0)
		rc = 1;
	fflush(out);
	return rc;
}
