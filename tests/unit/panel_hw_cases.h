/*
 * panel_hw_cases.h - the "hw" panel backend on the fake board of
 * gpio_cases.h and the fake clock, run on both libgpiod paths: LED
 * values over time follow the panel's patterns, the lamp test lights each
 * element alone in config order, the button gives the acknowledge (short)
 * and maintenance (long) flows through panel_button()'s handler, a busy
 * line stops the start with a message naming the LED and config line, and
 * on exit every output goes inactive and is then released.
 *
 * The site is panel_fixture.h's (LED pins 5 6 13 19 26 20 21 16, buzzer
 * 18) plus a button on GPIO17; the LCD is off here (test_panel_hw.c
 * covers it).  hw_run() stands in for the loop: every millisecond it
 * feeds due button edges, services the backend and ticks the panel.
 */
#ifndef PANEL_HW_CASES_H
#define PANEL_HW_CASES_H

#include <unistd.h>

#include "gpio_cases.h"
#include "loop.h"
#include "panel.h"
#include "panel_fixture.h"
#include "panel_hw.h"

#define HW_BUTTON 17
#define HW_BUZZER 18

static struct fixture hw_fx;
static struct loop *hw_loop;
static struct panel *hw_p;
static void *hw_b; /* the backend handle */
static struct panel_backend_ops hw_ops;
static int hw_presses[2];
static int64_t hw_press_at[2]; /* when each kind was last delivered */
static bool hw_real_time;      /* the real loop test: real clock */

static int64_t hw_now(void)
{
	return hw_real_time ? clock_now_ns() : gpiod_fake_now_ns;
}

/* panel_hw_ops with open() noting the handle, for panel_hw_service(). */
static void *hw_open_capture(const struct pl_config *cfg, struct loop *l,
			     struct panel *p)
{
	hw_b = panel_hw_ops.open(cfg, l, p);
	return hw_b;
}

/* main's glue, cut down: short acknowledges, long starts maintenance. */
static void hw_on_press(struct panel *p, enum button_press press, void *arg)
{
	(void)arg;
	hw_presses[press]++;
	hw_press_at[press] = hw_now();
	if (press == BUTTON_SHORT)
		hw_fx.st.acknowledged = true;
	else
		hw_fx.st.maintenance_until_ns = hw_now() + 3600 * NS_PER_S;
	panel_update(p, &hw_fx.st, hw_now());
}

static int hw_setup(void **state)
{
	struct button_cfg *bc = &hw_fx.cfg.indicators.button;

	gc_setup(state);
	fx_init(&hw_fx);
	hw_fx.cfg.indicators.lcd.enabled = false;
	bc->pin = HW_BUTTON;
	bc->line = 77;
	bc->debounce_ms = 30;
	bc->long_press_ms = 2000;
	hw_ops = panel_hw_ops;
	hw_ops.open = hw_open_capture;
	hw_loop = loop_new();
	hw_b = NULL;
	hw_p = NULL;
	hw_real_time = false;
	memset(hw_presses, 0, sizeof(hw_presses));
	memset(hw_press_at, 0, sizeof(hw_press_at));
	return 0;
}

static int hw_teardown(void **state)
{
	panel_close(hw_p, hw_now());
	loop_free(hw_loop);
	return gc_teardown(state);
}

static void hw_start(void)
{
	hw_p = panel_open(&hw_fx.cfg, &hw_ops, hw_loop, at(FX_T0));
	assert_non_null(hw_p);
	panel_set_button_handler(hw_p, hw_on_press, NULL);
	panel_update(hw_p, &hw_fx.st, FX_T0);
}

struct hw_input {
	int64_t t;
	int level; /* physical: 0 = pressed (to ground) */
};

/* The loop on the fake clock: the button's fd is readable when the
 * "kernel" has an edge to deliver (after its debounce on 2.x). */
static void hw_run(int64_t from, int64_t to, const struct hw_input *in,
		   int n_in)
{
	struct gpiod_fake_event ev;
	int64_t t, tick_at = from;
	int k = 0;

	for (t = from; t <= to; t += FX_MS(1)) {
		at(t);
		for (; k < n_in && in[k].t <= t; k++)
			gpiod_fake_input(gc_hdr, HW_BUTTON, in[k].level,
					 in[k].t);
		if (gpiod_fake_next_event(gc_hdr, HW_BUTTON, true, &ev))
			panel_hw_button_ready(hw_b, t);
		panel_hw_service(hw_b, t);
		if (t >= tick_at)
			tick_at = t + panel_tick(hw_p, t);
	}
}

static int hw_value(int pin, int64_t t)
{
	return gpiod_fake_value_at(gc_hdr, (unsigned)pin, t);
}

/* A WARNING host: its red LED blinks slowly, toggling every 500 ms on
 * the whole half second; the heartbeat LED beats. */
static void test_hw_patterns(void **state)
{
	const struct gpiod_fake_change *ch;
	size_t n, i;
	int k, toggles = 0;

	(void)state;
	fx_set_host(&hw_fx, 0, STATE_WARNING, FX_T0, "rtt 150ms");
	hw_start();
	hw_run(FX_T0, FX_T0 + FX_MS(3000), NULL, 0);
	for (k = 0; k < 6; k++)
		assert_int_equal(hw_value(13, FX_T0 + FX_MS(500 * k + 250)),
				 k % 2 == 0);
	ch = gpiod_fake_changes(&n);
	for (i = 0; i < n; i++) {
		if (ch[i].offset != 13 || ch[i].kind != GPIOD_FAKE_SET)
			continue;
		assert_int_equal((ch[i].t_ns - FX_T0) % FX_MS(500), 0);
		toggles++;
	}
	assert_int_equal(toggles, 7); /* on at T0, then every 500 ms */
	for (k = 0; k < 3000; k += 10)
		assert_int_equal(
			hw_value(21, FX_T0 + FX_MS(k)),
			led_pattern_lit(PAT_HEARTBEAT, FX_T0 + FX_MS(k), 0));
}

/* Each colour element alone for 150 ms in config order, the buzzer
 * silent, then the view. */
static void test_hw_lamp_test(void **state)
{
	static const int order[] = { 5, 6, 13, 19, 26, 20, 21, 16 };
	const int n = (int)(sizeof(order) / sizeof(order[0]));
	const struct panel_view *v;
	int k, j;
	int64_t t;

	(void)state;
	hw_fx.cfg.indicators.lamp_test = true;
	hw_start();
	hw_run(FX_T0, FX_T0 + FX_MS(2000), NULL, 0);
	for (k = 0; k < n; k++) {
		t = FX_T0 + FX_MS(150 * k + 75);
		for (j = 0; j < n; j++)
			assert_int_equal(hw_value(order[j], t), j == k);
		assert_int_equal(hw_value(HW_BUZZER, t), 0);
	}
	t = FX_T0 + FX_MS(150 * n);
	v = panel_view(hw_p);
	assert_int_equal(hw_value(6, t), v->leds[0].pins[LED_GREEN]);
	assert_int_equal(hw_value(6, t), 1); /* all OK: status green */
	assert_int_equal(hw_value(5, t), 0);
	assert_int_equal(hw_value(6, t - FX_MS(1)), 0);
}

/* An alarm sounds (repeat: 200 ms on every second); a bouncy short press
 * acknowledges it and the buzzer stays silent. */
static void test_hw_short_press(void **state)
{
	const struct hw_input press[] = {
		{ FX_T0 + FX_MS(1500), 0 }, { FX_T0 + FX_MS(1502), 1 },
		{ FX_T0 + FX_MS(1504), 0 }, { FX_T0 + FX_MS(1700), 1 },
		{ FX_T0 + FX_MS(1701), 0 }, { FX_T0 + FX_MS(1703), 1 },
	};

	(void)state;
	fx_set_host(&hw_fx, 1, STATE_CRITICAL, FX_T0, "loss 100%");
	hw_start();
	hw_run(FX_T0, FX_T0 + FX_MS(5000), press, 6);
	assert_int_equal(hw_value(HW_BUZZER, FX_T0 + FX_MS(100)), 1);
	assert_int_equal(hw_value(HW_BUZZER, FX_T0 + FX_MS(500)), 0);
	assert_int_equal(hw_value(HW_BUZZER, FX_T0 + FX_MS(1100)), 1);
	assert_int_equal(hw_presses[BUTTON_SHORT], 1);
	assert_int_equal(hw_presses[BUTTON_LONG], 0);
	assert_true(hw_press_at[BUTTON_SHORT] >= FX_T0 + FX_MS(1703) &&
		    hw_press_at[BUTTON_SHORT] <= FX_T0 + FX_MS(1740));
	assert_int_equal(hw_value(HW_BUZZER, FX_T0 + FX_MS(2100)), 0);
	assert_int_equal(hw_value(HW_BUZZER, FX_T0 + FX_MS(3100)), 0);
}

/* Held past long_press: BUTTON_LONG as soon as it is long, nothing on
 * release; maintenance silences the buzzer. */
static void test_hw_long_press(void **state)
{
	const struct hw_input hold[] = {
		{ FX_T0 + FX_MS(1500), 0 },
		{ FX_T0 + FX_MS(4500), 1 },
	};
	int64_t long_at;

	(void)state;
	fx_set_host(&hw_fx, 1, STATE_CRITICAL, FX_T0, "loss 100%");
	hw_start();
	hw_run(FX_T0, FX_T0 + FX_MS(6000), hold, 2);
	assert_int_equal(hw_presses[BUTTON_LONG], 1);
	assert_int_equal(hw_presses[BUTTON_SHORT], 0);
#ifdef GPIO_TEST_V2
	long_at = FX_T0 + FX_MS(1500 + 30 + 2000); /* kernel-stamped press */
#else
	long_at = FX_T0 + FX_MS(1500 + 2000);
#endif
	assert_int_equal(hw_press_at[BUTTON_LONG], long_at);
	assert_int_equal(hw_value(HW_BUZZER, FX_T0 + FX_MS(4100)), 0);
	assert_int_equal(hw_value(HW_BUZZER, FX_T0 + FX_MS(5100)), 0);
}

/* Everything inactive first, then released; no handle left open. */
static void test_hw_release_on_exit(void **state)
{
	static const int pins[] = { 5, 6, 13, 19, 26, 20, 21, 16, HW_BUZZER };
	const struct gpiod_fake_change *ch;
	size_t n, i, k;
	int released = 0;

	(void)state;
	fx_set_host(&hw_fx, 1, STATE_CRITICAL, FX_T0, "loss 100%");
	hw_start();
	hw_run(FX_T0, FX_T0 + FX_MS(100), NULL, 0);
	assert_int_equal(hw_value(HW_BUZZER, FX_T0 + FX_MS(50)), 1);
	panel_close(hw_p, at(FX_T0 + FX_MS(101)));
	hw_p = NULL;
	ch = gpiod_fake_changes(&n);
	for (k = 0; k < sizeof(pins) / sizeof(pins[0]); k++) {
		const struct gpiod_fake_line *l =
			gpiod_fake_line(gc_hdr, pins[k]);

		assert_false(l->requested);
		assert_int_equal(l->value, 0);
		assert_true(l->release_seq > l->set_seq);
	}
	for (i = 0; i < n; i++)
		if (ch[i].kind == GPIOD_FAKE_RELEASE &&
		    ch[i].offset != HW_BUTTON) {
			assert_int_equal(ch[i].value, 0);
			released++;
		}
	assert_int_equal(released, 9);
	assert_false(gpiod_fake_line(gc_hdr, HW_BUTTON)->requested);
	assert_int_equal(gpiod_fake_open_handles(), 0);
}

/* A relay action on GPIO23 (active low): requested at start as an
 * inactive output, held off through the lamp test, active while the
 * actions energise it, inactive after; a stop during a pulse sets it
 * inactive, then releases it. */
#define HW_RELAY 23

static void hw_add_relay(void)
{
	struct action_cfg *a = &hw_fx.cfg.actions[0];

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "modem");
	a->pin = HW_RELAY;
	a->active_low = true;
	a->duration_ms = 5000;
	hw_fx.cfg.n_actions = 1;
}

static void test_hw_relay_pulse(void **state)
{
	const struct gpiod_fake_line *l = gpiod_fake_line(gc_hdr, HW_RELAY);
	const struct panel_view *v;

	(void)state;
	hw_add_relay();
	hw_fx.cfg.indicators.lamp_test = true;
	hw_start();
	assert_true(l->requested);
	assert_int_equal(l->dir, GPIOD_FAKE_DIR_OUTPUT);
	assert_true(l->active_low);
	hw_run(FX_T0, FX_T0 + FX_MS(100), NULL, 0);
	panel_set_relay(hw_p, 0, true, at(FX_T0 + FX_MS(100)));
	hw_run(FX_T0 + FX_MS(100), FX_T0 + FX_MS(5100), NULL, 0);
	panel_set_relay(hw_p, 0, false, at(FX_T0 + FX_MS(5100)));
	hw_run(FX_T0 + FX_MS(5100), FX_T0 + FX_MS(6000), NULL, 0);
	v = panel_view(hw_p);
	assert_int_equal(v->n_relays, 1);
	assert_false(v->relays[0].active);
	/* the lamp test (8 x 150 ms) holds it off; then the view rules */
	assert_int_equal(hw_value(HW_RELAY, FX_T0 + FX_MS(50)), 0);
	assert_int_equal(hw_value(HW_RELAY, FX_T0 + FX_MS(1100)), 0);
	assert_int_equal(hw_value(HW_RELAY, FX_T0 + FX_MS(1300)), 1);
	assert_int_equal(hw_value(HW_RELAY, FX_T0 + FX_MS(5099)), 1);
	assert_int_equal(hw_value(HW_RELAY, FX_T0 + FX_MS(5101)), 0);
	assert_int_equal(hw_value(HW_RELAY, FX_T0 + FX_MS(6000)), 0);
}

static void test_hw_relay_stop(void **state)
{
	const struct gpiod_fake_line *l = gpiod_fake_line(gc_hdr, HW_RELAY);

	(void)state;
	hw_add_relay();
	hw_fx.cfg.indicators.lamp_test = false;
	hw_start();
	hw_run(FX_T0, FX_T0 + FX_MS(10), NULL, 0);
	panel_set_relay(hw_p, 0, true, at(FX_T0 + FX_MS(10)));
	hw_run(FX_T0 + FX_MS(10), FX_T0 + FX_MS(100), NULL, 0);
	assert_int_equal(hw_value(HW_RELAY, FX_T0 + FX_MS(50)), 1);
	panel_close(hw_p, at(FX_T0 + FX_MS(101)));
	hw_p = NULL;
	assert_false(l->requested);
	assert_int_equal(l->value, 0);
	assert_true(l->release_seq > l->set_seq);
}

/* Read what the backend logged to stderr while fn ran. */
static void hw_capture_stderr(void (*fn)(void), char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

static void hw_open_expect_fail(void)
{
	hw_p = panel_open(&hw_fx.cfg, &hw_ops, hw_loop, at(FX_T0));
}

static void test_hw_busy_line(void **state)
{
	char msg[1024];
	unsigned o;

	(void)state;
	hw_fx.cfg.indicators.leds[2].line = 42;
	gpiod_fake_set_busy(gc_hdr, 19, "gpio-leds");
	hw_capture_stderr(hw_open_expect_fail, msg, sizeof(msg));
	assert_null(hw_p);
	assert_non_null(strstr(msg, "demo.cfg:42: LED 'nas' red: GPIO19 (line "
				    "19 of pinctrl-bcm2711) is busy: used by "
				    "'gpio-leds'"));
	for (o = 0; o < 58; o++)
		assert_false(gpiod_fake_line(gc_hdr, o)->requested);

	gpiod_fake_set_busy(gc_hdr, 19, "");
	hw_fx.cfg.indicators.button.pin = 60;
	hw_capture_stderr(hw_open_expect_fail, msg, sizeof(msg));
	assert_null(hw_p);
	assert_non_null(strstr(msg, "demo.cfg:77: button: GPIO60 does not "
				    "exist on pinctrl-bcm2711 (58 lines)"));
	for (o = 0; o < 58; o++)
		assert_false(gpiod_fake_line(gc_hdr, o)->requested);
}

/* Reload on the same lines (LEDs reordered) is taken; moved pins are
 * refused until a restart. */
static void test_hw_reload(void **state)
{
	struct fixture fx2;
	struct led_cfg tmp;

	(void)state;
	hw_start();
	fx_init(&fx2);
	fx2.cfg.indicators = hw_fx.cfg.indicators;
	tmp = fx2.cfg.indicators.leds[0];
	fx2.cfg.indicators.leds[0] = fx2.cfg.indicators.leds[1];
	fx2.cfg.indicators.leds[1] = tmp;
	fx_set_host(&fx2, 0, STATE_CRITICAL, FX_T0, "down");
	assert_int_equal(panel_reload(hw_p, &fx2.cfg, at(FX_T0 + FX_MS(10))),
			 0);
	panel_update(hw_p, &fx2.st, FX_T0 + FX_MS(10));
	/* router (13) and status (5 red) on the same lines as before */
	assert_int_equal(hw_value(13, FX_T0 + FX_MS(10)), 1);
	assert_int_equal(hw_value(5, FX_T0 + FX_MS(10)), 1);
	assert_int_equal(hw_value(6, FX_T0 + FX_MS(10)), 0);
	hw_fx.cfg.indicators.leds[0].pin[LED_RED] = 12;
	assert_int_equal(panel_reload(hw_p, &hw_fx.cfg, FX_T0 + FX_MS(20)), -1);
	panel_close(hw_p, at(FX_T0 + FX_MS(40)));
	hw_p = NULL;
}

#ifndef GPIO_TEST_V2
static int64_t hw_tick_cb(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	return panel_tick(hw_p, clock_now_ns());
}

static int64_t hw_input_cb(struct loop *l, void *arg)
{
	(void)l;
	gpiod_fake_input(gc_hdr, HW_BUTTON, arg ? 0 : 1, clock_now_ns());
	return LOOP_TIMER_DONE;
}

static int64_t hw_stop_cb(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
	return LOOP_TIMER_DONE;
}

/* The real loop and clock: the backend's own timer runs the lamp test
 * and sends a long press while the button is held, from its fd. */
static void test_hw_real_loop(void **state)
{
	static const int order[] = { 5, 6, 13, 19, 26, 20, 21, 16 };
	const struct gpiod_fake_change *ch;
	int64_t t0 = clock_now_ns(), pressed_at;
	size_t n, i;
	int k = 0;

	(void)state;
	hw_real_time = true;
	hw_fx.cfg.indicators.lamp_test = true;
	hw_fx.cfg.indicators.button.long_press_ms = 300;
	hw_fx.cfg.indicators.button.debounce_ms = 5;
	hw_p = panel_open(&hw_fx.cfg, &hw_ops, hw_loop, t0);
	assert_non_null(hw_p);
	panel_set_button_handler(hw_p, hw_on_press, NULL);
	panel_update(hw_p, &hw_fx.st, t0);
	loop_add_timer(hw_loop, 0, hw_tick_cb, NULL);
	loop_add_timer(hw_loop, 1400 * NS_PER_MS, hw_input_cb, hw_loop);
	loop_add_timer(hw_loop, 2100 * NS_PER_MS, hw_input_cb, NULL);
	loop_add_timer(hw_loop, 2300 * NS_PER_MS, hw_stop_cb, NULL);
	assert_int_equal(loop_run(hw_loop), 0);

	ch = gpiod_fake_changes(&n);
	for (i = 0; i < n && k < 8; i++)
		if (ch[i].kind == GPIOD_FAKE_SET && ch[i].value == 1)
			assert_int_equal(ch[i].offset, order[k++]);
	assert_int_equal(k, 8);
	assert_int_equal(hw_presses[BUTTON_LONG], 1);
	assert_int_equal(hw_presses[BUTTON_SHORT], 0);
	pressed_at = t0 + 1400 * NS_PER_MS;
	/* Held long enough, and reported while the button was held:
	 * one long press and no short one (above). */
	assert_true(hw_press_at[BUTTON_LONG] >= pressed_at + 300 * NS_PER_MS);
}
#define HW_REAL_LOOP_CASE                                                      \
	, cmocka_unit_test_setup_teardown(test_hw_real_loop, hw_setup,         \
					  hw_teardown)
#else
#define HW_REAL_LOOP_CASE
#endif

#define PANEL_HW_CASES                                                         \
	cmocka_unit_test_setup_teardown(test_hw_patterns, hw_setup,            \
					hw_teardown),                          \
		cmocka_unit_test_setup_teardown(test_hw_lamp_test, hw_setup,   \
						hw_teardown),                  \
		cmocka_unit_test_setup_teardown(test_hw_short_press, hw_setup, \
						hw_teardown),                  \
		cmocka_unit_test_setup_teardown(test_hw_long_press, hw_setup,  \
						hw_teardown),                  \
		cmocka_unit_test_setup_teardown(test_hw_release_on_exit,       \
						hw_setup, hw_teardown),        \
		cmocka_unit_test_setup_teardown(test_hw_busy_line, hw_setup,   \
						hw_teardown),                  \
		cmocka_unit_test_setup_teardown(test_hw_reload, hw_setup,      \
						hw_teardown),                  \
		cmocka_unit_test_setup_teardown(test_hw_relay_pulse, hw_setup, \
						hw_teardown),                  \
		cmocka_unit_test_setup_teardown(test_hw_relay_stop, hw_setup,  \
						hw_teardown) HW_REAL_LOOP_CASE

#endif
