/*
 * gpio.h - output and input lines on the Pi's header through libgpiod,
 * the same calls for libgpiod 1.6 (bookworm) and 2.x (trixie).
 *
 * Lifecycle: gpio_open() finds the header's chip → gpio_request_outputs()
 * / gpio_request_button() → gpio_set() / button events from the fd in the
 * loop → gpio_close() (lines off and released).
 */
#ifndef PL_GPIO_H
#define PL_GPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gpio;

#define GPIO_MAX_LINES 32

/* Open the chip named in the config (label, name or /dev path) or, when
 * chip is "" or NULL, the chip whose label is one of the Raspberry Pi
 * header controllers (pinctrl-bcm2835, pinctrl-bcm2711, pinctrl-rp1).
 * Returns NULL with a one-line message in err. */
struct gpio *gpio_open(const char *chip, char *err, size_t errlen);

/* The open chip's label and device path, for messages. */
const char *gpio_chip_label(const struct gpio *g);
const char *gpio_chip_path(const struct gpio *g);

/* Request n output lines (BCM offsets) with consumer "pilotlight",
 * initially inactive.  active_low[i] per line.  On a busy line err names
 * the line and its current consumer.  Returns 0 or -1. */
int gpio_request_outputs(struct gpio *g, const int *offsets,
			 const bool *active_low, int n, char *err,
			 size_t errlen);

/* 0 if line offset exists on the chip and nobody uses it; else -1 with
 * "GPIO40 does not exist on pinctrl-bcm2711 (54 lines)" or "GPIO17 (line
 * 17 of pinctrl-bcm2711) is busy: used by 'gpio-leds'" in err.  The
 * request calls check their lines too; this lets a caller say which of
 * its configured pins is the problem before requesting. */
int gpio_check_line(struct gpio *g, int offset, char *err, size_t errlen);

/* Set output i (index into the requested outputs) active or not. */
int gpio_set(struct gpio *g, int i, bool active);

/* Request the button line: input, pull-up, both edges, active low;
 * debounce_us is applied by the kernel on libgpiod 2.x and by
 * gpio_read_button() on 1.x.  Returns the fd to poll, or -1. */
int gpio_request_button(struct gpio *g, int offset, int64_t debounce_us,
			char *err, size_t errlen);

/* Read pending edge events; returns 1 with *pressed and *ts_ns (event
 * time, monotonic) for a debounced change, 0 if none, -1 on error.  Call
 * it until it returns 0 when the fd is readable and again at
 * gpio_button_deadline(): on 1.x a change is accepted only once the level
 * has been stable for the debounce time, measured up to now_ns. */
int gpio_read_button(struct gpio *g, int64_t now_ns, bool *pressed,
		     int64_t *ts_ns);

/* When gpio_read_button() may accept a pending change without a new
 * event (monotonic ns); INT64_MAX if none is pending. */
int64_t gpio_button_deadline(const struct gpio *g);

/* Set all outputs inactive, release all lines, close.  Accepts NULL. */
void gpio_close(struct gpio *g);

/* List every GPIO chip (path, name, label, lines) on out, marking the
 * header's; chips that cannot be opened are listed with the reason.
 * Returns the number of chips opened, or -1 if /dev cannot be read. */
int gpio_scan(FILE *out);

#endif
