/*
 * gpio_cases.h - the gpio.h scenarios, run twice: by test_gpio.c on the
 * libgpiod 1.x path and by hwv2/test_gpio_v2.c (GPIO_TEST_V2) on the 2.x
 * path, each over its link-time fake (tests/fakes/), on the board of
 * gpio_board.h.
 */
#ifndef GPIO_CASES_H
#define GPIO_CASES_H

#include "gpio_board.h"

/* The header found by label among several chips, one unopenable. */
static void test_chip_by_label(void **state)
{
	struct gpio *g;

	(void)state;
	g = gpio_open(NULL, gc_err, sizeof(gc_err));
	assert_non_null(g);
	assert_string_equal(gpio_chip_label(g), "pinctrl-bcm2711");
	assert_string_equal(gpio_chip_path(g), gc_chip_path(gc_hdr));
	gpio_close(g);
	g = gpio_open("", gc_err, sizeof(gc_err));
	assert_non_null(g);
	assert_string_equal(gpio_chip_label(g), "pinctrl-bcm2711");
	gpio_close(g);
}

static void test_chip_configured(void **state)
{
	struct gpio *g;

	(void)state;
	g = gpio_open("gpiochip0", gc_err, sizeof(gc_err));
	assert_non_null(g);
	assert_string_equal(gpio_chip_label(g), "raspberrypi-exp-gpio");
	gpio_close(g);
	g = gpio_open("raspberrypi-exp-gpio", gc_err, sizeof(gc_err));
	assert_non_null(g);
	assert_string_equal(gpio_chip_path(g), gc_chip_path(0));
	gpio_close(g);
	g = gpio_open(gc_chip_path(gc_hdr), gc_err, sizeof(gc_err));
	assert_non_null(g);
	assert_string_equal(gpio_chip_label(g), "pinctrl-bcm2711");
	gpio_close(g);
}

static void test_chip_missing(void **state)
{
	char want[1400];

	(void)state;
	assert_null(gpio_open("pinctrl-rp1", gc_err, sizeof(gc_err)));
	snprintf(want, sizeof(want),
		 "no GPIO chip named or labelled 'pinctrl-rp1' in %s (%s: "
		 "Permission denied)",
		 gpiod_fake_dir(), gc_chip_path(1));
	assert_string_equal(gc_err, want);

	assert_null(gpio_open(gc_chip_path(1), gc_err, sizeof(gc_err)));
	snprintf(want, sizeof(want),
		 "cannot open GPIO chip %s: Permission denied",
		 gc_chip_path(1));
	assert_string_equal(gc_err, want);

	gc_board(false);
	assert_null(gpio_open(NULL, gc_err, sizeof(gc_err)));
	snprintf(want, sizeof(want),
		 "no GPIO chip labelled pinctrl-bcm2835, pinctrl-bcm2711 or "
		 "pinctrl-rp1 in %s (%s: Permission denied)",
		 gpiod_fake_dir(), gc_chip_path(1));
	assert_string_equal(gc_err, want);
}

/* Consumer "pilotlight", output, initially inactive, per-line
 * active-low: the physical level follows. */
static void test_outputs_recorded(void **state)
{
	const int pins[2] = { 17, 27 };
	const bool low[2] = { false, true };
	const struct gpiod_fake_line *a, *b;
	struct gpio *g;

	(void)state;
	g = gpio_open(NULL, gc_err, sizeof(gc_err));
	assert_int_equal(
		gpio_request_outputs(g, pins, low, 2, gc_err, sizeof(gc_err)),
		0);
	a = gpiod_fake_line(gc_hdr, 17);
	b = gpiod_fake_line(gc_hdr, 27);
	assert_true(a->requested && b->requested);
	assert_string_equal(a->consumer, "pilotlight");
	assert_string_equal(b->consumer, "pilotlight");
	assert_int_equal(a->dir, GPIOD_FAKE_DIR_OUTPUT);
	assert_false(a->active_low);
	assert_true(b->active_low);
	assert_int_equal(gpiod_fake_value_at(gc_hdr, 27, GC_T0), 0);

	at(GC_T0 + GC_MS(10));
	assert_int_equal(gpio_set(g, 1, true), 0);
	assert_int_equal(b->value, 1);
	assert_int_equal(gpiod_fake_value_at(gc_hdr, 27, GC_T0), 0);
	assert_int_equal(gpiod_fake_value_at(gc_hdr, 27, GC_T0 + GC_MS(10)), 1);
	assert_int_equal(gpio_set(g, 2, true), -1);
	gpio_close(g);
	assert_false(a->requested || b->requested);
}

static void test_busy_line(void **state)
{
	const int pins[3] = { 5, 17, 22 };
	const bool low[3] = { false };
	struct gpio *g;

	(void)state;
	gpiod_fake_set_busy(gc_hdr, 17, "gpio-leds");
	g = gpio_open(NULL, gc_err, sizeof(gc_err));
	assert_int_equal(
		gpio_request_outputs(g, pins, low, 3, gc_err, sizeof(gc_err)),
		-1);
	assert_string_equal(gc_err, "GPIO17 (line 17 of pinctrl-bcm2711) is "
				    "busy: used by 'gpio-leds'");
	assert_false(gpiod_fake_line(gc_hdr, 5)->requested);
	assert_int_equal(
		gpio_request_button(g, 17, 30000, gc_err, sizeof(gc_err)), -1);
	assert_string_equal(gc_err, "GPIO17 (line 17 of pinctrl-bcm2711) is "
				    "busy: used by 'gpio-leds'");
	gpio_close(g);
}

static void test_missing_line(void **state)
{
	const int pins[2] = { 5, 58 };
	const bool low[2] = { false };
	struct gpio *g;

	(void)state;
	g = gpio_open(NULL, gc_err, sizeof(gc_err));
	assert_int_equal(
		gpio_request_outputs(g, pins, low, 2, gc_err, sizeof(gc_err)),
		-1);
	assert_string_equal(
		gc_err, "GPIO58 does not exist on pinctrl-bcm2711 (58 lines)");
	assert_int_equal(gpio_check_line(g, -1, gc_err, sizeof(gc_err)), -1);
	assert_int_equal(gpio_check_line(g, 57, gc_err, sizeof(gc_err)), 0);
	gpio_close(g);
}

static void test_button_request(void **state)
{
	const struct gpiod_fake_line *l;
	struct gpio *g;
	int fd;

	(void)state;
	g = gpio_open(NULL, gc_err, sizeof(gc_err));
	fd = gpio_request_button(g, 26, 30000, gc_err, sizeof(gc_err));
	assert_true(fd >= 0);
	l = gpiod_fake_line(gc_hdr, 26);
	assert_string_equal(l->consumer, "pilotlight");
	assert_int_equal(l->dir, GPIOD_FAKE_DIR_INPUT);
	assert_int_equal(l->bias, GPIOD_FAKE_BIAS_PULL_UP);
	assert_true(l->both_edges);
	assert_true(l->active_low);
#ifdef GPIO_TEST_V2
	assert_int_equal(l->debounce_us, 30000); /* the kernel debounces */
#else
	assert_int_equal(l->debounce_us, 0); /* 1.x: the daemon does */
#endif
	assert_int_equal(gpio_button_deadline(g), INT64_MAX);
	gpio_close(g);
	assert_false(l->requested);
}

/* Read every accepted change up to now, as the loop would when the fd is
 * readable or the deadline is reached. */
static int gc_read(struct gpio *g, int64_t now, bool *pressed, int64_t *ts)
{
	int n = 0;

	at(now);
	while (gpio_read_button(g, now, pressed, ts) == 1)
		n++;
	return n;
}

/* A press and a release, each with contact bounce, and a 5 ms glitch:
 * one press, one release, nothing else. */
static void test_button_debounce(void **state)
{
	struct gpio *g;
	bool pressed = false;
	int64_t ts = 0, t = GC_T0;

	(void)state;
	g = gpio_open(NULL, gc_err, sizeof(gc_err));
	assert_true(gpio_request_button(g, 26, 30000, gc_err, sizeof(gc_err)) >=
		    0);
	gpiod_fake_input(gc_hdr, 26, 0, t + GC_MS(100)); /* press (low) */
	gpiod_fake_input(gc_hdr, 26, 1, t + GC_MS(102)); /* bounce */
	gpiod_fake_input(gc_hdr, 26, 0, t + GC_MS(104));
	assert_int_equal(gc_read(g, t + GC_MS(105), &pressed, &ts), 0);
#ifndef GPIO_TEST_V2
	assert_int_equal(gpio_button_deadline(g), t + GC_MS(134));
#endif
	assert_int_equal(gc_read(g, t + GC_MS(133), &pressed, &ts), 0);
	assert_int_equal(gc_read(g, t + GC_MS(134), &pressed, &ts), 1);
	assert_true(pressed);
	assert_true(ts >= t + GC_MS(100) && ts <= t + GC_MS(134));
	assert_int_equal(gpio_button_deadline(g), INT64_MAX);

	gpiod_fake_input(gc_hdr, 26, 1, t + GC_MS(300)); /* release */
	gpiod_fake_input(gc_hdr, 26, 0, t + GC_MS(301));
	gpiod_fake_input(gc_hdr, 26, 1, t + GC_MS(303));
	assert_int_equal(gc_read(g, t + GC_MS(310), &pressed, &ts), 0);
	assert_int_equal(gc_read(g, t + GC_MS(340), &pressed, &ts), 1);
	assert_false(pressed);

	gpiod_fake_input(gc_hdr, 26, 0, t + GC_MS(500)); /* a glitch */
	gpiod_fake_input(gc_hdr, 26, 1, t + GC_MS(505));
	assert_int_equal(gc_read(g, t + GC_MS(506), &pressed, &ts), 0);
	assert_int_equal(gc_read(g, t + GC_MS(600), &pressed, &ts), 0);
	gpio_close(g);
}

static void test_scan(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(gpio_scan(out), 2);
	fclose(out);
	assert_non_null(strstr(buf, "gpiochip0  raspberrypi-exp-gpio"));
	assert_non_null(strstr(buf, "Permission denied"));
	assert_non_null(strstr(buf, "pinctrl-bcm2711         58 lines  <- "
				    "40-pin header"));
	free(buf);
}

#define GPIO_CASES                                                             \
	cmocka_unit_test_setup_teardown(test_chip_by_label, gc_setup,          \
					gc_teardown),                          \
		cmocka_unit_test_setup_teardown(test_chip_configured,          \
						gc_setup, gc_teardown),        \
		cmocka_unit_test_setup_teardown(test_chip_missing, gc_setup,   \
						gc_teardown),                  \
		cmocka_unit_test_setup_teardown(test_outputs_recorded,         \
						gc_setup, gc_teardown),        \
		cmocka_unit_test_setup_teardown(test_busy_line, gc_setup,      \
						gc_teardown),                  \
		cmocka_unit_test_setup_teardown(test_missing_line, gc_setup,   \
						gc_teardown),                  \
		cmocka_unit_test_setup_teardown(test_button_request, gc_setup, \
						gc_teardown),                  \
		cmocka_unit_test_setup_teardown(test_button_debounce,          \
						gc_setup, gc_teardown),        \
		cmocka_unit_test_setup_teardown(test_scan, gc_setup,           \
						gc_teardown)

#endif
