/*
 * test_panel.c - the panel model on a fake clock: which colour and pattern
 * each LED shows for each state on one-, two- and three-colour LEDs, when
 * the buzzer sounds (sequence, reminder, acknowledge, maintenance, mute,
 * quiet hours), LCD paging and backlight, activity flashes, the final
 * "stopped" view, and what a backend is told changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "lcd_charset.h"
#include "loop.h"
#include "panel.h"
#include "panel_fixture.h"

/* A backend that remembers what it was shown. */
struct rec {
	int opens, shows, closes, reloads;
	unsigned changes; /* of the last show */
	struct panel_view last;
	struct panel_view final;
	int presses[2];
};

static struct rec rec;
static struct fixture fx;
static struct panel *p;

static void *rec_open(const struct pl_config *cfg, struct loop *l,
		      struct panel *panel)
{
	(void)cfg;
	(void)l;
	(void)panel;
	rec.opens++;
	return &rec;
}

static int rec_reload(void *b, const struct pl_config *cfg)
{
	(void)b;
	(void)cfg;
	rec.reloads++;
	return 0;
}

static void rec_show(void *b, const struct panel_view *v, unsigned changes)
{
	(void)b;
	rec.shows++;
	rec.changes = changes;
	rec.last = *v;
}

static void rec_close(void *b, const struct panel_view *final)
{
	(void)b;
	rec.closes++;
	rec.final = *final;
}

static const struct panel_backend_ops rec_ops = {
	.name = "rec",
	.open = rec_open,
	.reload = rec_reload,
	.show = rec_show,
	.close = rec_close,
};

static int setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	fx_init(&fx);
	p = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_close(p, FX_T0);
	return 0;
}

static void open_at(int64_t now)
{
	p = panel_open(&fx.cfg, &rec_ops, NULL, now);
	assert_non_null(p);
}

static void update(int64_t now)
{
	panel_update(p, &fx.st, now);
}

static const struct panel_led_view *led(const char *name)
{
	const struct panel_view *v = panel_view(p);
	int i;

	for (i = 0; i < v->n_leds; i++)
		if (strcmp(v->leds[i].name, name) == 0)
			return &v->leds[i];
	fail_msg("no LED %s", name);
	return NULL;
}

static const char *lcd_row(const struct panel_view *v, int r)
{
	static char buf[LCD_MAX_COLS * 4 + 1];

	lcd_charset_decode_row(v->lcd[r], v->cols, buf, sizeof(buf));
	return buf;
}

static void assert_led(const char *name, enum pl_state s, enum led_color c,
		       enum led_pattern pat)
{
	const struct panel_led_view *lv = led(name);

	assert_int_equal(lv->state, s);
	assert_int_equal(lv->color, c);
	assert_int_equal(lv->pattern, pat);
}

/* Only the LEDs that show a state, so edges are easy to reason about. */
static void no_animated_leds(void)
{
	fx.cfg.indicators.n_leds = 3;
}

static void test_open_unknown(void **state)
{
	const struct panel_led_view *lv;

	(void)state;
	open_at(FX_T0);
	assert_int_equal(rec.opens, 1);
	assert_int_equal(rec.shows, 1);
	assert_int_equal(rec.changes,
			 PANEL_CHANGED_MODEL | PANEL_CHANGED_PHASE);
	/* Nothing known yet: yellow slow blink; amber on a red/green LED. */
	assert_led("status", STATE_UNKNOWN, LED_YELLOW, PAT_SLOW_BLINK);
	lv = led("status");
	assert_true(lv->lit);
	assert_true(lv->pins[LED_RED] && lv->pins[LED_GREEN]);
	assert_false(lv->pins[LED_YELLOW]);
	/* A red-only LED can only use red. */
	assert_led("router", STATE_UNKNOWN, LED_RED, PAT_SLOW_BLINK);
	assert_led("nas", STATE_UNKNOWN, LED_YELLOW, PAT_SLOW_BLINK);
	assert_true(led("nas")->pins[LED_YELLOW]);
	assert_false(led("nas")->pins[LED_RED]);
	/* The heartbeat runs from the start. */
	assert_led("beat", STATE_OK, LED_GREEN, PAT_HEARTBEAT);
	assert_true(led("beat")->pins[LED_GREEN]);
	assert_led("traffic", STATE_OK, LED_YELLOW, PAT_ACTIVITY);
	assert_false(led("traffic")->lit);
	assert_string_equal(lcd_row(&rec.last, 0), "Awaiting probes ");
	assert_int_equal(rec.last.buzzer, BUZ_OFF);
}

static void test_colours_per_state(void **state)
{
	(void)state;
	open_at(FX_T0);
	update(FX_T0);
	assert_led("status", STATE_OK, LED_GREEN, PAT_ON);
	assert_true(led("status")->pins[LED_GREEN]);
	assert_false(led("status")->pins[LED_RED]);
	assert_led("router", STATE_OK, LED_RED, PAT_ON);
	assert_led("nas", STATE_OK, LED_GREEN, PAT_ON);

	fx_set_host(&fx, 1, STATE_WARNING, FX_T0, "slow");
	update(FX_T0);
	assert_led("nas", STATE_WARNING, LED_YELLOW, PAT_SLOW_BLINK);
	assert_led("status", STATE_WARNING, LED_YELLOW, PAT_SLOW_BLINK);
	assert_true(led("status")->pins[LED_RED] &&
		    led("status")->pins[LED_GREEN]);

	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0, "timeout");
	update(FX_T0);
	assert_led("nas", STATE_CRITICAL, LED_RED, PAT_FAST_BLINK);
	assert_true(led("nas")->pins[LED_RED]);
	assert_false(led("nas")->pins[LED_GREEN]);
	assert_led("status", STATE_CRITICAL, LED_RED, PAT_FAST_BLINK);
	assert_led("router", STATE_OK, LED_RED, PAT_ON);
}

static void test_colour_fallbacks(void **state)
{
	struct led_cfg *l3 = &fx.cfg.indicators.leds[3];
	struct led_cfg *l4 = &fx.cfg.indicators.leds[4];

	(void)state;
	/* red+blue for OK: no green, so the first colour in enum order. */
	fx_led(l3, "rb", SRC_HOST, 2);
	l3->pin[LED_RED] = 2;
	l3->pin[LED_BLUE] = 3;
	/* No pin at all: a virtual-only LED shows the wanted colour. */
	fx_led(l4, "virt", SRC_HOST, 2);
	open_at(FX_T0);
	update(FX_T0);
	assert_led("rb", STATE_OK, LED_RED, PAT_ON);
	assert_true(led("rb")->pins[LED_RED]);
	assert_false(led("rb")->pins[LED_BLUE]);
	assert_led("virt", STATE_OK, LED_GREEN, PAT_ON);
	fx_set_host(&fx, 2, STATE_WARNING, FX_T0, "slow");
	update(FX_T0);
	assert_led("rb", STATE_WARNING, LED_RED, PAT_SLOW_BLINK);
	assert_led("virt", STATE_WARNING, LED_YELLOW, PAT_SLOW_BLINK);
}

static void test_group_and_check_sources(void **state)
{
	struct led_cfg *l3 = &fx.cfg.indicators.leds[3];
	struct led_cfg *l4 = &fx.cfg.indicators.leds[4];

	(void)state;
	fx_led(l3, "grp", SRC_GROUP, 0);
	l3->pin[LED_RED] = 2;
	l3->pin[LED_GREEN] = 3;
	fx_led(l4, "chk", SRC_CHECK, 2);
	l4->pin[LED_RED] = 4;
	l4->pin[LED_GREEN] = 7;
	fx.st.groups[0] = STATE_CRITICAL;
	fx.checks[2].state = STATE_WARNING;
	open_at(FX_T0);
	update(FX_T0);
	assert_led("grp", STATE_CRITICAL, LED_RED, PAT_FAST_BLINK);
	assert_led("chk", STATE_WARNING, LED_YELLOW, PAT_SLOW_BLINK);
}

static void test_blink_phase(void **state)
{
	int64_t d;

	(void)state;
	no_animated_leds();
	fx_set_host(&fx, 1, STATE_WARNING, FX_T0, "slow");
	fx.cfg.indicators.buzzer.pin = PIN_NONE;
	open_at(FX_T0);
	update(FX_T0);
	assert_true(led("nas")->lit);
	rec.shows = 0;
	/* Mid-phase: nothing changed, nothing shown; next edge at 500 ms. */
	d = panel_tick(p, FX_T0 + FX_MS(200));
	assert_int_equal(rec.shows, 0);
	assert_int_equal(d, FX_MS(300));
	d = panel_tick(p, FX_T0 + FX_MS(500));
	assert_int_equal(rec.shows, 1);
	assert_int_equal(rec.changes, PANEL_CHANGED_PHASE);
	assert_false(led("nas")->lit);
	assert_false(led("nas")->pins[LED_YELLOW]);
	assert_false(led("status")->pins[LED_RED]);
	assert_int_equal(d, FX_MS(500));
	panel_tick(p, FX_T0 + FX_MS(1000));
	assert_true(led("nas")->lit);
	assert_true(led("nas")->pins[LED_YELLOW]);
}

static void test_tick_at_most_a_second(void **state)
{
	(void)state;
	no_animated_leds();
	fx.cfg.indicators.lcd.page_interval_ms = 0;
	open_at(FX_T0);
	update(FX_T0);
	assert_int_equal(panel_tick(p, FX_T0 + 7), NS_PER_S);
}

static void test_buzzer_repeat(void **state)
{
	int64_t t1 = FX_T0 + FX_MS(250);

	(void)state;
	open_at(FX_T0);
	update(FX_T0);
	assert_int_equal(rec.last.buzzer, BUZ_OFF);
	fx_set_host(&fx, 1, STATE_CRITICAL, t1, "timeout");
	update(t1);
	assert_int_equal(rec.last.buzzer, BUZ_REPEAT);
	assert_true(rec.last.buzzer_on);
	assert_true(rec.changes & PANEL_CHANGED_MODEL);
	/* From when the alarm began, not from the whole second. */
	panel_tick(p, t1 + FX_MS(199));
	assert_true(panel_view(p)->buzzer_on);
	panel_tick(p, t1 + FX_MS(200));
	assert_false(panel_view(p)->buzzer_on);
	panel_tick(p, t1 + FX_MS(1000));
	assert_true(panel_view(p)->buzzer_on);
}

static void test_buzzer_reminder(void **state)
{
	int64_t t;

	(void)state;
	fx.cfg.indicators.buzzer.reminder_ms = 10000;
	open_at(FX_T0);
	update(FX_T0);
	fx_set_host(&fx, 1, STATE_WARNING, FX_T0, "slow");
	update(FX_T0);
	assert_int_equal(rec.last.buzzer, BUZ_CHIRP);
	assert_true(rec.last.buzzer_on);
	panel_tick(p, FX_T0 + FX_MS(80));
	assert_false(panel_view(p)->buzzer_on);
	for (t = FX_T0 + FX_MS(1000); t < FX_T0 + FX_MS(10000);
	     t += FX_MS(1000))
		assert_true(panel_tick(p, t) <= FX_MS(1000));
	assert_false(panel_view(p)->buzzer_on);
	/* The reminder is the next edge; then the chirp again. */
	assert_int_equal(panel_tick(p, FX_T0 + FX_MS(9990)), FX_MS(10));
	panel_tick(p, FX_T0 + FX_MS(10000));
	assert_true(panel_view(p)->buzzer_on);
	panel_tick(p, FX_T0 + FX_MS(10079));
	assert_true(panel_view(p)->buzzer_on);
	panel_tick(p, FX_T0 + FX_MS(10080));
	assert_false(panel_view(p)->buzzer_on);
	/* A late tick still lands on the 10 s grid. */
	panel_tick(p, FX_T0 + FX_MS(20050));
	assert_true(panel_view(p)->buzzer_on);
	panel_tick(p, FX_T0 + FX_MS(20080));
	assert_false(panel_view(p)->buzzer_on);
}

static void test_level_rise_restarts(void **state)
{
	(void)state;
	fx.cfg.indicators.buzzer.pattern[STATE_CRITICAL] = BUZ_BEEP;
	open_at(FX_T0);
	fx_set_host(&fx, 1, STATE_WARNING, FX_T0, "slow");
	update(FX_T0);
	panel_tick(p, FX_T0 + FX_MS(5000));
	assert_false(panel_view(p)->buzzer_on);
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0 + FX_MS(5000), "timeout");
	update(FX_T0 + FX_MS(5000));
	assert_int_equal(rec.last.buzzer, BUZ_BEEP);
	assert_true(rec.last.buzzer_on);
	panel_tick(p, FX_T0 + FX_MS(5150));
	assert_false(panel_view(p)->buzzer_on);
	panel_tick(p, FX_T0 + FX_MS(5300));
	assert_true(panel_view(p)->buzzer_on);
}

static void test_acknowledge(void **state)
{
	(void)state;
	open_at(FX_T0);
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0, "timeout");
	update(FX_T0);
	assert_true(rec.last.buzzer_on);
	fx.st.acknowledged = true;
	update(FX_T0 + FX_MS(100));
	assert_int_equal(rec.last.buzzer, BUZ_OFF);
	assert_false(rec.last.buzzer_on);
	/* The LED keeps saying what is wrong. */
	assert_led("nas", STATE_CRITICAL, LED_RED, PAT_FAST_BLINK);
	panel_tick(p, FX_T0 + FX_MS(1000));
	assert_false(panel_view(p)->buzzer_on);
}

static void test_maintenance(void **state)
{
	int64_t until = FX_T0 + FX_MS(3600000);

	(void)state;
	open_at(FX_T0);
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0, "timeout");
	fx.st.maintenance_until_ns = until;
	update(FX_T0);
	assert_int_equal(rec.last.buzzer, BUZ_OFF);
	assert_led("nas", STATE_CRITICAL, LED_RED, PAT_FAST_BLINK);
	/* Over: the sequence starts from the end of maintenance. */
	panel_tick(p, until);
	assert_int_equal(panel_view(p)->buzzer, BUZ_REPEAT);
	assert_true(panel_view(p)->buzzer_on);
	panel_tick(p, until + FX_MS(200));
	assert_false(panel_view(p)->buzzer_on);
}

static void test_mute_and_no_pin(void **state)
{
	(void)state;
	fx.cfg.indicators.buzzer.mute = true;
	open_at(FX_T0);
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0, "timeout");
	update(FX_T0);
	assert_int_equal(rec.last.buzzer, BUZ_OFF);
	panel_close(p, FX_T0);
	fx.cfg.indicators.buzzer.mute = false;
	fx.cfg.indicators.buzzer.pin = PIN_NONE;
	open_at(FX_T0);
	update(FX_T0);
	assert_int_equal(rec.last.buzzer, BUZ_OFF);
	assert_false(rec.last.buzzer_on);
}

static void test_quiet_hours(void **state)
{
	struct buzzer_cfg *bz = &fx.cfg.indicators.buzzer;

	(void)state;
	bz->quiet_from_min = 22 * 60;
	bz->quiet_to_min = 7 * 60;
	open_at(FX_T0);
	panel_set_local_minute(p, 23 * 60 + 30);
	update(FX_T0);
	assert_false(rec.last.backlight);
	/* An alarm at night: the LCD lights up, the buzzer stays quiet. */
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0, "timeout");
	update(FX_T0);
	assert_int_equal(rec.last.buzzer, BUZ_OFF);
	assert_true(rec.last.backlight);
	fx.st.acknowledged = true;
	update(FX_T0);
	assert_false(rec.last.backlight);
	fx.st.acknowledged = false;
	panel_set_local_minute(p, 6 * 60 + 59);
	update(FX_T0);
	assert_int_equal(rec.last.buzzer, BUZ_OFF);
	/* 07:00: the quiet is over and the unacknowledged alarm sounds. */
	panel_set_local_minute(p, 7 * 60);
	panel_tick(p, FX_T0 + FX_MS(60000));
	assert_int_equal(panel_view(p)->buzzer, BUZ_REPEAT);
	assert_true(panel_view(p)->buzzer_on);
	assert_true(panel_view(p)->backlight);
	/* No local time known: never quiet. */
	panel_set_local_minute(p, -1);
	fx.st.acknowledged = true;
	update(FX_T0 + FX_MS(60000));
	assert_true(rec.last.backlight);
}

static void test_page_rotation(void **state)
{
	(void)state;
	no_animated_leds();
	open_at(FX_T0);
	update(FX_T0);
	assert_int_equal(rec.last.page, PAGE_SUMMARY);
	assert_int_equal(panel_tick(p, FX_T0 + FX_MS(4500)), FX_MS(500));
	assert_int_equal(panel_view(p)->page, PAGE_SUMMARY);
	panel_tick(p, FX_T0 + FX_MS(5000));
	assert_int_equal(rec.last.page, PAGE_HOSTS);
	assert_true(rec.changes & PANEL_CHANGED_MODEL);
	assert_string_equal(lcd_row(&rec.last, 0), "router rtt    OK");
	/* next_page restarts the rotation timer. */
	panel_next_page(p, FX_T0 + FX_MS(6000));
	assert_int_equal(rec.last.page, PAGE_ALARMS);
	panel_tick(p, FX_T0 + FX_MS(10999));
	assert_int_equal(panel_view(p)->page, PAGE_ALARMS);
	panel_tick(p, FX_T0 + FX_MS(11000));
	assert_int_equal(panel_view(p)->page, PAGE_SYSTEM);
	panel_tick(p, FX_T0 + FX_MS(16000));
	assert_int_equal(panel_view(p)->page, PAGE_SUMMARY);
	/* The hosts page shows the next hosts on its next visit. */
	panel_tick(p, FX_T0 + FX_MS(21000));
	assert_int_equal(panel_view(p)->page, PAGE_HOSTS);
	assert_string_equal(lcd_row(panel_view(p), 0), "printer rtt   OK");
}

static void test_alarm_jumps_to_summary(void **state)
{
	(void)state;
	open_at(FX_T0);
	update(FX_T0);
	panel_next_page(p, FX_T0 + FX_MS(1000));
	panel_next_page(p, FX_T0 + FX_MS(2000));
	assert_int_equal(rec.last.page, PAGE_ALARMS);
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0 + FX_MS(3000), "timeout");
	update(FX_T0 + FX_MS(3000));
	assert_int_equal(rec.last.page, PAGE_SUMMARY);
	assert_string_equal(lcd_row(&rec.last, 1), "CRIT nas      0s");
	/* and stays a full interval */
	panel_tick(p, FX_T0 + FX_MS(7999));
	assert_int_equal(panel_view(p)->page, PAGE_SUMMARY);
}

static void test_activity_flash(void **state)
{
	(void)state;
	open_at(FX_T0);
	update(FX_T0);
	assert_false(led("traffic")->lit);
	fx.st.activity = 10;
	rec.shows = 0;
	update(FX_T0 + FX_MS(300));
	assert_true(led("traffic")->lit);
	assert_true(led("traffic")->pins[LED_YELLOW]);
	assert_int_equal(rec.shows, 1);
	assert_true(rec.changes & PANEL_CHANGED_PHASE);
	assert_true(panel_tick(p, FX_T0 + FX_MS(300)) <= FX_MS(50));
	panel_tick(p, FX_T0 + FX_MS(349));
	assert_true(led("traffic")->lit);
	panel_tick(p, FX_T0 + FX_MS(350));
	assert_false(led("traffic")->lit);
	/* Same count: no new flash. */
	update(FX_T0 + FX_MS(400));
	assert_false(led("traffic")->lit);
}

static int64_t stop_loop(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
	return LOOP_TIMER_DONE;
}

/* With a loop, a 50 ms flash ends after 50 ms even though the caller's
 * next tick is a second away. */
static void test_early_tick_with_loop(void **state)
{
	struct loop *l = loop_new();
	int64_t now = clock_now_ns();

	(void)state;
	assert_non_null(l);
	fx.cfg.indicators.leds[3].pattern[STATE_OK] = PAT_ON;
	fx.cfg.indicators.lcd.page_interval_ms = 0;
	p = panel_open(&fx.cfg, &rec_ops, l, now);
	panel_update(p, &fx.st, now);
	assert_int_equal(panel_tick(p, now), NS_PER_S);
	fx.st.activity = 5;
	panel_update(p, &fx.st, now);
	assert_true(led("traffic")->lit);
	rec.shows = 0;
	assert_true(loop_add_timer(l, FX_MS(150), stop_loop, NULL) > 0);
	assert_int_equal(loop_run(l), 0);
	assert_false(led("traffic")->lit);
	assert_int_equal(rec.shows, 1);
	assert_int_equal(rec.changes, PANEL_CHANGED_PHASE);
	panel_close(p, clock_now_ns());
	p = NULL;
	loop_free(l);
}

static void test_config_error_shown(void **state)
{
	(void)state;
	open_at(FX_T0);
	update(FX_T0);
	rec.shows = 0;
	snprintf(fx.st.config_error, sizeof(fx.st.config_error),
		 "demo.cfg:12: unknown setting");
	update(FX_T0 + FX_MS(10));
	assert_int_equal(rec.shows, 1);
	assert_true(rec.changes & PANEL_CHANGED_MODEL);
	assert_string_equal(lcd_row(&rec.last, 1), "cfg: demo.cfg:12");
}

static void test_lcd_disabled(void **state)
{
	(void)state;
	fx.cfg.indicators.lcd.enabled = false;
	open_at(FX_T0);
	update(FX_T0);
	assert_int_equal(rec.last.rows, 0);
	assert_int_equal(rec.last.cols, 0);
	assert_false(rec.last.backlight);
}

static void test_close_stopped(void **state)
{
	(void)state;
	open_at(FX_T0);
	fx_set_host(&fx, 1, STATE_CRITICAL, FX_T0, "timeout");
	update(FX_T0);
	panel_close(p, FX_T0 + FX_MS(10));
	p = NULL;
	assert_int_equal(rec.closes, 1);
	assert_true(rec.final.stopped);
	assert_int_equal(rec.final.n_leds, 5);
	for (int i = 0; i < rec.final.n_leds; i++) {
		assert_int_equal(rec.final.leds[i].pattern, PAT_OFF);
		assert_false(rec.final.leds[i].lit);
		for (int c = 0; c < LED_COLOR_COUNT; c++)
			assert_false(rec.final.leds[i].pins[c]);
	}
	assert_int_equal(rec.final.buzzer, BUZ_OFF);
	assert_false(rec.final.buzzer_on);
	assert_string_equal(lcd_row(&rec.final, 0), "   pilotlight   ");
	assert_string_equal(lcd_row(&rec.final, 1), "    stopped     ");
	panel_close(NULL, 0);
}

static void on_press(struct panel *panel, enum button_press press, void *arg)
{
	(void)panel;
	(void)arg;
	rec.presses[press]++;
}

static void test_button(void **state)
{
	(void)state;
	open_at(FX_T0);
	update(FX_T0);
	/* Without a handler a short press turns the page. */
	panel_button(p, BUTTON_SHORT);
	assert_int_equal(rec.last.page, PAGE_HOSTS);
	panel_set_button_handler(p, on_press, NULL);
	panel_button(p, BUTTON_SHORT);
	panel_button(p, BUTTON_LONG);
	panel_button(p, BUTTON_LONG);
	assert_int_equal(rec.presses[BUTTON_SHORT], 1);
	assert_int_equal(rec.presses[BUTTON_LONG], 2);
	assert_int_equal(panel_view(p)->page, PAGE_HOSTS);
}

static void test_reload(void **state)
{
	struct fixture *next = calloc(1, sizeof(*next));

	(void)state;
	assert_non_null(next);
	open_at(FX_T0);
	update(FX_T0);
	fx_init(next);
	next->cfg.indicators.n_leds = 2;
	next->cfg.indicators.lcd.cols = 20;
	next->cfg.indicators.lcd.rows = 4;
	rec.shows = 0;
	assert_int_equal(panel_reload(p, &next->cfg, FX_T0 + FX_MS(100)), 0);
	assert_int_equal(rec.reloads, 1);
	/* Nothing shown until the new config's status arrives. */
	panel_tick(p, FX_T0 + FX_MS(200));
	assert_int_equal(rec.shows, 0);
	panel_update(p, &next->st, FX_T0 + FX_MS(300));
	assert_int_equal(rec.shows, 1);
	assert_int_equal(rec.last.n_leds, 2);
	assert_int_equal(rec.last.cols, 20);
	assert_int_equal(rec.last.rows, 4);
	assert_string_equal(lcd_row(&rec.last, 0), "All 3 hosts OK      ");
	panel_close(p, FX_T0);
	p = NULL;
	free(next);
}

static void test_backend_find(void **state)
{
	(void)state;
	assert_ptr_equal(panel_backend_find("term"), &panel_term_ops);
	assert_ptr_equal(panel_backend_find("json"), &panel_json_ops);
	assert_ptr_equal(panel_backend_find("hw"), &panel_hw_ops);
	assert_null(panel_backend_find("nope"));
	assert_null(panel_backend_find(NULL));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_unknown),
		T(test_colours_per_state),
		T(test_colour_fallbacks),
		T(test_group_and_check_sources),
		T(test_blink_phase),
		T(test_tick_at_most_a_second),
		T(test_buzzer_repeat),
		T(test_buzzer_reminder),
		T(test_level_rise_restarts),
		T(test_acknowledge),
		T(test_maintenance),
		T(test_mute_and_no_pin),
		T(test_quiet_hours),
		T(test_page_rotation),
		T(test_alarm_jumps_to_summary),
		T(test_activity_flash),
		T(test_early_tick_with_loop),
		T(test_config_error_shown),
		T(test_lcd_disabled),
		T(test_close_stopped),
		T(test_button),
		T(test_reload),
		T(test_backend_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
