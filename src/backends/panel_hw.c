/*
 * panel_hw.c - the "hw" panel: the panel model shown on a Raspberry Pi's
 * LEDs and buzzer (GPIO outputs), read from its push button, and written
 * to an HD44780 LCD on I2C.
 *
 * The model decides; this backend drives each output to the view it is
 * given and turns debounced button edges into short and long presses.
 * There is no separate watchdog for the heartbeat LED: it blinks only
 * because panel_tick() runs from the event loop, so if the loop stalls
 * the LED freezes - which is what a heartbeat should show.  One loop timer
 * serves the start-up lamp test, the long-press deadline, the debounce
 * deadline (libgpiod 1.x) and the LCD driver's ticks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "gpio.h"
#include "lcd.h"
#include "log.h"
#include "loop.h"
#include "panel.h"
#include "panel_hw.h"

/* Each LED colour element is lit alone this long in the lamp test. */
#define HW_LAMP_STEP_NS (150 * NS_PER_MS)

/* Which output drives what; built from the config. */
struct hw_layout {
	int n;
	int offsets[GPIO_MAX_LINES];
	bool active_low[GPIO_MAX_LINES];
	int led_out[CFG_MAX_LEDS][LED_COLOR_COUNT]; /* output index, -1 */
	int buzzer_out;				    /* -1: none */
	int relay_out[CFG_MAX_ACTIONS];		    /* per action, -1 */
};

struct hw_panel {
	const struct pl_config *cfg;
	struct loop *loop;
	struct panel *panel;
	struct gpio *gpio;
	struct lcd *lcd;
	struct hw_layout lay;
	bool want[GPIO_MAX_LINES]; /* what the latest view asks */
	bool out[GPIO_MAX_LINES];  /* what the lines are set to */
	unsigned long gpio_errors; /* failed line writes since open */
	int64_t timer_id;	   /* 0: none armed */
	int64_t timer_due_ns;
	int button_fd; /* -1: no button (or it failed) */

	/* Lamp test: lamp_seq[] lit one after the other, then the view. */
	bool lamp_running;
	int lamp_n, lamp_step;
	int lamp_seq[GPIO_MAX_LINES];
	int64_t lamp_next_ns; /* INT64_MIN: starts with the first view */

	bool pressed;	/* a debounced press is going on */
	bool long_sent; /* and BUTTON_LONG was sent for it */
	int64_t press_ns;

	int64_t lcd_due_ns; /* INT64_MAX: nothing to do */
};

static int hw_add_output(struct hw_layout *lay, int pin, bool active_low)
{
	if (pin == PIN_NONE)
		return -1;
	if (lay->n == GPIO_MAX_LINES)
		return -2;
	lay->offsets[lay->n] = pin;
	lay->active_low[lay->n] = active_low;
	return lay->n++;
}

/* Outputs in config order: each LED's colours in enum order, the buzzer,
 * then the relays of actions with a pulse.  The lamp test walks the LEDs
 * in the same order (and holds the buzzer and the relays off). */
static int hw_layout(const struct pl_config *cfg, struct hw_layout *lay)
{
	const struct indicators_cfg *ind = &cfg->indicators;
	int i, c, n = ind->n_leds < CFG_MAX_LEDS ? ind->n_leds : CFG_MAX_LEDS;

	memset(lay, 0, sizeof(*lay));
	for (i = 0; i < CFG_MAX_ACTIONS; i++)
		lay->relay_out[i] = -1;
	for (i = 0; i < CFG_MAX_LEDS; i++)
		for (c = 0; c < LED_COLOR_COUNT; c++)
			lay->led_out[i][c] = -1;
	for (i = 0; i < n; i++)
		for (c = 0; c < LED_COLOR_COUNT; c++)
			lay->led_out[i][c] =
				hw_add_output(lay, ind->leds[i].pin[c],
					      ind->leds[i].active_low);
	lay->buzzer_out =
		hw_add_output(lay, ind->buzzer.pin, ind->buzzer.active_low);
	for (i = 0; i < cfg->n_actions && i < CFG_MAX_ACTIONS; i++)
		if ((lay->relay_out[i] =
			     hw_add_output(lay, cfg->actions[i].pin,
					   cfg->actions[i].active_low)) < -1)
			return -1;
	for (i = 0; i < n; i++)
		for (c = 0; c < LED_COLOR_COUNT; c++)
			if (lay->led_out[i][c] < -1)
				return -1;
	return lay->buzzer_out < -1 ? -1 : 0;
}

/* Check every configured line first, so the message says which LED or
 * the buzzer it is and where in the config. */
static int hw_check_lines(struct hw_panel *b, char *err, size_t errlen)
{
	const struct indicators_cfg *ind = &b->cfg->indicators;
	const char *path = b->cfg->path ? b->cfg->path : "config";
	const struct led_cfg *led;
	char why[200];
	int i, c;

	for (i = 0; i < ind->n_leds && i < CFG_MAX_LEDS; i++) {
		led = &ind->leds[i];
		for (c = 0; c < LED_COLOR_COUNT; c++) {
			if (led->pin[c] == PIN_NONE ||
			    gpio_check_line(b->gpio, led->pin[c], why,
					    sizeof(why)) == 0)
				continue;
			snprintf(err, errlen, "%s:%d: LED '%s' %s: %s", path,
				 led->line, led->name,
				 led_color_name((enum led_color)c), why);
			return -1;
		}
	}
	if (ind->buzzer.pin != PIN_NONE &&
	    gpio_check_line(b->gpio, ind->buzzer.pin, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s:%d: buzzer: %s", path,
			 ind->buzzer.line, why);
		return -1;
	}
	for (i = 0; i < b->cfg->n_actions; i++) {
		const struct action_cfg *a = &b->cfg->actions[i];

		if (a->pin != PIN_NONE &&
		    gpio_check_line(b->gpio, a->pin, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%d: action '%s' relay: %s",
				 path, a->line, a->name, why);
			return -1;
		}
	}
	return 0;
}

static void hw_write(struct hw_panel *b, const bool *v)
{
	int i;

	for (i = 0; i < b->lay.n; i++) {
		if (v[i] == b->out[i])
			continue;
		if (gpio_set(b->gpio, i, v[i]) < 0) {
			/* Log the first of a run of failures only. */
			if (b->gpio_errors++ == 0)
				log_warn("hw panel: GPIO%d: %s",
					 b->lay.offsets[i], strerror(errno));
			continue; /* retried with the next view */
		}
		b->out[i] = v[i];
	}
}

static int64_t hw_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* The next time something is due; INT64_MAX if nothing is. */
static int64_t hw_next(const struct hw_panel *b)
{
	int64_t t = INT64_MAX;

	if (b->lamp_running && b->lamp_next_ns != INT64_MIN)
		t = b->lamp_next_ns;
	if (b->pressed && !b->long_sent)
		t = hw_min(t, b->press_ns +
				      b->cfg->indicators.button.long_press_ms *
					      NS_PER_MS);
	if (b->button_fd >= 0)
		t = hw_min(t, gpio_button_deadline(b->gpio));
	if (b->lcd)
		t = hw_min(t, b->lcd_due_ns);
	return t;
}

static int64_t hw_timer(struct loop *l, void *arg);

/* Keep the one loop timer on the next deadline. */
static void hw_arm(struct hw_panel *b, int64_t now_ns)
{
	int64_t next = hw_next(b);

	if (!b->loop || (b->timer_id > 0 && b->timer_due_ns == next))
		return;
	if (b->timer_id > 0)
		loop_del_timer(b->loop, b->timer_id);
	b->timer_id = 0;
	if (next == INT64_MAX)
		return;
	b->timer_id = loop_add_timer(b->loop, next > now_ns ? next - now_ns : 0,
				     hw_timer, b);
	b->timer_due_ns = next;
	if (b->timer_id < 0) {
		log_warn("hw panel: timer: %s", strerror(errno));
		b->timer_id = 0;
	}
}

static void hw_lamp_step(struct hw_panel *b, int64_t now_ns)
{
	bool lit[GPIO_MAX_LINES] = { false };

	if (!b->lamp_running || now_ns < b->lamp_next_ns)
		return;
	if (b->lamp_step == b->lamp_n) {
		b->lamp_running = false;
		hw_write(b, b->want);
		return;
	}
	lit[b->lamp_seq[b->lamp_step++]] = true;
	hw_write(b, lit);
	b->lamp_next_ns = now_ns + HW_LAMP_STEP_NS;
}

static void hw_lamp_prepare(struct hw_panel *b)
{
	int i, c;

	b->lamp_n = 0;
	for (i = 0; i < CFG_MAX_LEDS; i++)
		for (c = 0; c < LED_COLOR_COUNT; c++)
			if (b->lay.led_out[i][c] >= 0)
				b->lamp_seq[b->lamp_n++] = b->lay.led_out[i][c];
	b->lamp_running = b->cfg->indicators.lamp_test && b->lamp_n > 0;
	b->lamp_step = 0;
	b->lamp_next_ns = INT64_MIN;
}

static void hw_long_press(struct hw_panel *b, int64_t now_ns)
{
	int64_t long_ns = b->cfg->indicators.button.long_press_ms * NS_PER_MS;

	if (b->pressed && !b->long_sent && now_ns - b->press_ns >= long_ns) {
		b->long_sent = true;
		panel_button(b->panel, BUTTON_LONG);
	}
}

/* A debounced change: a long press is sent as soon as it is long
 * (hw_long_press), a short one when the button is let go. */
static void hw_button_change(struct hw_panel *b, bool pressed, int64_t ts_ns)
{
	int64_t long_ns = b->cfg->indicators.button.long_press_ms * NS_PER_MS;

	if (pressed) {
		b->pressed = true;
		b->long_sent = false;
		b->press_ns = ts_ns;
		return;
	}
	if (!b->pressed) /* held since start */
		return;
	b->pressed = false;
	if (!b->long_sent)
		panel_button(b->panel, ts_ns - b->press_ns >= long_ns
					       ? BUTTON_LONG
					       : BUTTON_SHORT);
}

static void hw_button_read(struct hw_panel *b, int64_t now_ns)
{
	bool pressed;
	int64_t ts;
	int r;

	if (b->button_fd < 0)
		return;
	while ((r = gpio_read_button(b->gpio, now_ns, &pressed, &ts)) == 1) {
		hw_button_change(b, pressed, ts);
		hw_long_press(b, now_ns);
	}
	if (r == 0)
		return;
	log_err("hw panel: button GPIO%d: %s; ignoring the button",
		b->cfg->indicators.button.pin, strerror(errno));
	if (b->loop)
		loop_del_fd(b->loop, b->button_fd);
	b->button_fd = -1;
	b->pressed = false;
}

int64_t panel_hw_service(void *arg, int64_t now_ns)
{
	struct hw_panel *b = arg;
	int64_t d;

	hw_lamp_step(b, now_ns);
	if (b->button_fd >= 0 && gpio_button_deadline(b->gpio) <= now_ns)
		hw_button_read(b, now_ns);
	hw_long_press(b, now_ns);
	if (b->lcd && now_ns >= b->lcd_due_ns) {
		d = lcd_tick(b->lcd, now_ns);
		b->lcd_due_ns = d == INT64_MAX ? INT64_MAX : now_ns + d;
	}
	hw_arm(b, now_ns);
	return hw_next(b);
}

void panel_hw_button_ready(void *arg, int64_t now_ns)
{
	struct hw_panel *b = arg;

	hw_button_read(b, now_ns);
	hw_arm(b, now_ns);
}

static int64_t hw_timer(struct loop *l, void *arg)
{
	struct hw_panel *b = arg;

	(void)l;
	b->timer_id = 0; /* done; panel_hw_service() arms the next */
	panel_hw_service(b, clock_now_ns());
	return LOOP_TIMER_DONE;
}

static void hw_on_button(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	panel_hw_button_ready(arg, clock_now_ns());
}

static int hw_open_button(struct hw_panel *b, char *err, size_t errlen)
{
	const struct button_cfg *bc = &b->cfg->indicators.button;
	const char *path = b->cfg->path ? b->cfg->path : "config";
	char why[200];
	int fd;

	if (bc->pin == PIN_NONE)
		return 0;
	fd = gpio_request_button(b->gpio, bc->pin, bc->debounce_ms * 1000, why,
				 sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "%s:%d: button: %s", path, bc->line, why);
		return -1;
	}
	if (b->loop && loop_add_fd(b->loop, fd, EPOLLIN, hw_on_button, b) < 0) {
		snprintf(err, errlen, "button GPIO%d: %s", bc->pin,
			 strerror(errno));
		return -1;
	}
	b->button_fd = fd;
	return 0;
}

/* CGRAM codes 0..7: bars one to eight rows high, bottom aligned, as
 * lcd_charset decodes them (▁..█). */
static void hw_lcd_glyphs(struct lcd *lcd)
{
	uint8_t rows[8];
	int n, r;

	for (n = 0; n < 8; n++) {
		for (r = 0; r < 8; r++)
			rows[r] = r >= 7 - n ? 0x1f : 0;
		lcd_set_glyph(lcd, n, rows);
	}
}

/* A bus that cannot be opened is a start-up error; a display that does
 * not answer is not (the driver logs it and retries). */
static int hw_open_lcd(struct hw_panel *b, char *err, size_t errlen)
{
	const struct lcd_cfg *lc = &b->cfg->indicators.lcd;
	const char *path = b->cfg->path ? b->cfg->path : "config";
	char why[200];

	b->lcd_due_ns = INT64_MAX;
	if (!lc->enabled)
		return 0;
	b->lcd = lcd_open(lc, why, sizeof(why));
	if (!b->lcd) {
		snprintf(err, errlen, "%s:%d: LCD: %s%s", path, lc->line, why,
			 errno == ENOENT && lc->bus == 1
				 ? " (is dtparam=i2c_arm=on in config.txt?)"
				 : "");
		return -1;
	}
	hw_lcd_glyphs(b->lcd);
	return 0;
}

/* The chip and the lines; no chip at all for a panel that is only an
 * LCD. */
static int hw_open_gpio(struct hw_panel *b, char *err, size_t errlen)
{
	const struct indicators_cfg *ind = &b->cfg->indicators;

	if (b->lay.n == 0 && ind->button.pin == PIN_NONE)
		return 0;
	b->gpio = gpio_open(ind->chip, err, errlen);
	if (!b->gpio) {
		size_t n = strlen(err);

		/* Most often: not a Raspberry Pi at all. */
		if (!ind->chip[0])
			snprintf(err + n, errlen - n,
				 "; no Raspberry Pi here? --panel=term draws "
				 "the panel in the terminal");
		return -1;
	}
	if (hw_check_lines(b, err, errlen) < 0 ||
	    gpio_request_outputs(b->gpio, b->lay.offsets, b->lay.active_low,
				 b->lay.n, err, errlen) < 0 ||
	    hw_open_button(b, err, errlen) < 0) {
		gpio_close(b->gpio);
		b->gpio = NULL;
		return -1;
	}
	return 0;
}

static void *hw_open(const struct pl_config *cfg, struct loop *l,
		     struct panel *p)
{
	struct hw_panel *b = calloc(1, sizeof(*b));
	char err[400];

	if (!b) {
		log_always(LOG_ERR, "hw panel: %s", strerror(errno));
		return NULL;
	}
	b->cfg = cfg;
	b->loop = l;
	b->panel = p;
	b->button_fd = -1;
	if (hw_layout(cfg, &b->lay) < 0) {
		snprintf(err, sizeof(err), "too many GPIO outputs (max %d)",
			 GPIO_MAX_LINES);
		goto fail;
	}
	if (hw_open_gpio(b, err, sizeof(err)) < 0)
		goto fail;
	if (hw_open_lcd(b, err, sizeof(err)) < 0)
		goto fail_gpio;
	hw_lamp_prepare(b);
	return b;

fail_gpio:
	if (b->button_fd >= 0 && l)
		loop_del_fd(l, b->button_fd);
	gpio_close(b->gpio);
fail:
	log_always(LOG_ERR, "%s", err);
	free(b);
	return NULL;
}

static bool hw_same_hardware(const struct pl_config *a,
			     const struct pl_config *c)
{
	const struct indicators_cfg *x = &a->indicators, *y = &c->indicators;

	return strcmp(x->chip, y->chip) == 0 &&
	       x->button.pin == y->button.pin &&
	       x->button.debounce_ms == y->button.debounce_ms &&
	       x->lcd.enabled == y->lcd.enabled &&
	       (!x->lcd.enabled ||
		(x->lcd.bus == y->lcd.bus && x->lcd.address == y->lcd.address &&
		 x->lcd.cols == y->lcd.cols && x->lcd.rows == y->lcd.rows &&
		 memcmp(&x->lcd.map, &y->lcd.map, sizeof(x->lcd.map)) == 0 &&
		 x->lcd.reinit_interval_ms == y->lcd.reinit_interval_ms));
}

/* Where new output o (of lay) is among the requested ones (of old): -1
 * for none, -2 if that line is not requested. */
static int hw_find(const struct hw_layout *old, const struct hw_layout *lay,
		   int o)
{
	int j;

	if (o < 0)
		return -1;
	for (j = 0; j < old->n; j++)
		if (old->offsets[j] == lay->offsets[o] &&
		    old->active_low[j] == lay->active_low[o])
			return j;
	return -2;
}

/* Lines are not re-requested while the daemon runs (another consumer
 * could take one in between): a reload may reorder, rename and re-pattern
 * LEDs on the same lines; other hardware changes need a restart. */
static int hw_reload(void *arg, const struct pl_config *cfg)
{
	struct hw_panel *b = arg;
	struct hw_layout lay, map = b->lay;
	int i, c;

	if (hw_layout(cfg, &lay) < 0 || lay.n != b->lay.n ||
	    !hw_same_hardware(b->cfg, cfg))
		goto restart;
	for (i = 0; i < CFG_MAX_LEDS; i++)
		for (c = 0; c < LED_COLOR_COUNT; c++)
			if ((map.led_out[i][c] = hw_find(
				     &b->lay, &lay, lay.led_out[i][c])) < -1)
				goto restart;
	if ((map.buzzer_out = hw_find(&b->lay, &lay, lay.buzzer_out)) < -1)
		goto restart;
	for (i = 0; i < CFG_MAX_ACTIONS; i++)
		if ((map.relay_out[i] =
			     hw_find(&b->lay, &lay, lay.relay_out[i])) < -1)
			goto restart;
	b->lay = map;
	b->cfg = cfg;
	return 0;
restart:
	log_always(LOG_WARNING, "hw panel: GPIO pins, button or LCD changed: "
				"restart pilotlight to apply");
	errno = EBUSY;
	return -1;
}

static void hw_show(void *arg, const struct panel_view *v, unsigned changes)
{
	struct hw_panel *b = arg;
	int i, c, o;

	for (i = 0; i < v->n_leds && i < CFG_MAX_LEDS; i++)
		for (c = 0; c < LED_COLOR_COUNT; c++)
			if ((o = b->lay.led_out[i][c]) >= 0)
				b->want[o] = v->leds[i].pins[c];
	if (b->lay.buzzer_out >= 0)
		b->want[b->lay.buzzer_out] = v->buzzer_on;
	for (i = 0; i < v->n_relays; i++)
		if (v->relays[i].action >= 0 &&
		    v->relays[i].action < CFG_MAX_ACTIONS &&
		    (o = b->lay.relay_out[v->relays[i].action]) >= 0)
			b->want[o] = v->relays[i].active;
	if (!b->lamp_running)
		hw_write(b, b->want);
	else if (b->lamp_next_ns == INT64_MIN)
		b->lamp_next_ns = v->now_ns; /* the first view starts it */
	hw_lamp_step(b, v->now_ns);
	if (b->lcd && (changes & PANEL_CHANGED_MODEL)) {
		lcd_set_text(b->lcd, v->lcd);
		lcd_set_backlight(b->lcd, v->backlight);
		b->lcd_due_ns = v->now_ns;
	}
	hw_arm(b, v->now_ns);
}

/* Outputs off, then released (gpio_close); the final rows stay on the
 * LCD. */
static void hw_close(void *arg, const struct panel_view *final)
{
	struct hw_panel *b = arg;

	if (!b)
		return;
	if (b->loop && b->timer_id > 0)
		loop_del_timer(b->loop, b->timer_id);
	if (b->loop && b->button_fd >= 0)
		loop_del_fd(b->loop, b->button_fd);
	gpio_close(b->gpio);
	if (b->lcd && final)
		lcd_set_backlight(b->lcd, final->backlight);
	lcd_close(b->lcd, final ? final->lcd : NULL);
	free(b);
}

static void hw_errors(void *p, unsigned long *lcd, unsigned long *gpio)
{
	struct hw_panel *b = p;

	*lcd = b->lcd ? lcd_errors(b->lcd) : 0;
	*gpio = b->gpio_errors;
}

const struct panel_backend_ops panel_hw_ops = {
	.name = "hw",
	.open = hw_open,
	.reload = hw_reload,
	.show = hw_show,
	.close = hw_close,
	.errors = hw_errors,
};
