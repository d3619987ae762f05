/*
 * panel.c - the panel model: from config and status to what each LED, the
 * buzzer and the LCD show, and when that changes.
 *
 * Policy decides the states; this file only maps them to colours, patterns,
 * buzzer sequences and LCD pages, and keeps the few memories that needs:
 * when traffic was last seen, when the alarm began or rose (where the
 * buzzer sequence starts), which page is up and since when.  Every view is
 * recomputed whole and compared with the last one shown, so a backend
 * always gets a complete view plus a mask of what changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lcd_charset.h"
#include "lcd_pages.h"
#include "log.h"
#include "loop.h"
#include "panel.h"

#define PANEL_MAX_DELAY_NS NS_PER_S

struct panel {
	const struct pl_config *cfg;
	const struct panel_backend_ops *ops;
	void *b;
	struct loop *loop;
	const struct status *st; /* NULL until the first update */
	bool stale;		 /* reloaded, no status for it yet */
	struct panel_view view;	 /* the last view computed and shown */

	panel_button_fn button_fn;
	void *button_arg;
	int minute; /* local minute of the day, -1 */
	bool quiet; /* within the buzzer's quiet hours */

	bool have_activity;
	uint64_t activity;
	int64_t last_activity_ns; /* 0: never */

	bool alarm; /* as last seen in the status */
	bool acked;
	int alarm_rank;
	bool alarm_rose;	    /* began or rose: restart the buzzer */
	enum buzzer_pattern buzzer; /* the sequence in force */
	int64_t buzzer_start_ns;

	int page_idx; /* into cfg lcd.pages */
	int64_t page_start_ns;
	unsigned visits[PAGE_COUNT]; /* completed visits, per page */
	struct lcd_sysinfo sys;

	bool relay_on[CFG_MAX_ACTIONS]; /* per action of cfg */

	int64_t promised_ns; /* when the caller ticks next */
	int64_t early_id;    /* our one-shot timer, 0 if none */
	int64_t early_ns;
};

/* The colour an LED should show for each state. */
static const enum led_color panel_state_color[STATE_COUNT] = {
	[STATE_OK] = LED_GREEN,
	[STATE_WARNING] = LED_YELLOW,
	[STATE_CRITICAL] = LED_RED,
	[STATE_UNKNOWN] = LED_YELLOW,
};

static enum pl_state panel_clamp_state(enum pl_state s)
{
	return (int)s >= 0 && (int)s < STATE_COUNT ? s : STATE_UNKNOWN;
}

static enum pl_state panel_led_state(const struct panel *p,
				     const struct led_cfg *led)
{
	const struct status *st = p->st;
	const struct pl_config *scfg;
	int t = led->target;

	if (led->source == SRC_HEARTBEAT || led->source == SRC_ACTIVITY)
		return STATE_OK;
	if (!st)
		return STATE_UNKNOWN;
	scfg = st->cfg ? st->cfg : p->cfg;
	switch (led->source) {
	case SRC_ALL:
		return panel_clamp_state(st->overall);
	case SRC_HOST:
		if (st->hosts && t >= 0 && t < scfg->n_hosts)
			return panel_clamp_state(st->hosts[t].state);
		break;
	case SRC_CHECK:
		if (st->checks && t >= 0 && t < st->n_checks)
			return panel_clamp_state(st->checks[t].state);
		break;
	case SRC_GROUP:
		if (t >= 0 && t < CFG_MAX_GROUPS)
			return panel_clamp_state(st->groups[t]);
		break;
	default:
		break;
	}
	return STATE_UNKNOWN;
}

/*
 * The colour shown for state s and which colour elements make it.  The
 * wanted colour if the LED has it; amber (red and green together) for
 * yellow on a red/green LED; otherwise its first colour in enum order
 * (for a single-colour LED: its only one).  An LED without any pin exists
 * only on the virtual panels and shows the wanted colour.
 */
static enum led_color panel_led_color(const struct led_cfg *led,
				      enum pl_state s,
				      bool elems[LED_COLOR_COUNT])
{
	enum led_color want = panel_state_color[s];
	int c, first = -1;

	memset(elems, 0, LED_COLOR_COUNT * sizeof(elems[0]));
	for (c = LED_COLOR_COUNT - 1; c >= 0; c--)
		if (led->pin[c] != PIN_NONE)
			first = c;
	if (first < 0 || led->pin[want] != PIN_NONE) {
		elems[want] = true;
		return want;
	}
	if (want == LED_YELLOW && led->pin[LED_RED] != PIN_NONE &&
	    led->pin[LED_GREEN] != PIN_NONE) {
		elems[LED_RED] = elems[LED_GREEN] = true;
		return LED_YELLOW;
	}
	elems[first] = true;
	return (enum led_color)first;
}

static void panel_render_leds(const struct panel *p, struct panel_view *v)
{
	const struct indicators_cfg *ind = &p->cfg->indicators;
	bool elems[LED_COLOR_COUNT];
	int i, c;

	v->n_leds = ind->n_leds < CFG_MAX_LEDS ? ind->n_leds : CFG_MAX_LEDS;
	for (i = 0; i < v->n_leds; i++) {
		const struct led_cfg *led = &ind->leds[i];
		struct panel_led_view *lv = &v->leds[i];

		snprintf(lv->name, sizeof(lv->name), "%s", led->name);
		lv->state = panel_led_state(p, led);
		lv->color = panel_led_color(led, lv->state, elems);
		lv->pattern = led->pattern[lv->state];
		if ((int)lv->pattern < 0 || lv->pattern >= PAT_COUNT)
			lv->pattern = PAT_OFF;
		lv->lit = led_pattern_lit(lv->pattern, v->now_ns,
					  p->last_activity_ns);
		for (c = 0; c < LED_COLOR_COUNT; c++)
			lv->pins[c] = lv->lit && elems[c];
	}
}

/* Quiet hours are [from, to) in local minutes and may wrap past midnight;
 * from == to or an unknown time is never quiet. */
static bool panel_in_quiet(const struct panel *p)
{
	const struct buzzer_cfg *bz = &p->cfg->indicators.buzzer;
	int from = bz->quiet_from_min, to = bz->quiet_to_min, m = p->minute;

	if (from < 0 || to < 0 || m < 0 || from == to)
		return false;
	if (from < to)
		return m >= from && m < to;
	return m >= from || m < to;
}

static int panel_n_pages(const struct panel *p)
{
	int n = p->cfg->indicators.lcd.n_pages;

	return n > 0 && n <= PAGE_COUNT ? n : 1;
}

static enum lcd_page panel_page_at(const struct panel *p, int i)
{
	const struct lcd_cfg *lcd = &p->cfg->indicators.lcd;

	if (lcd->n_pages <= 0 || lcd->n_pages > PAGE_COUNT)
		return PAGE_SUMMARY;
	return lcd->pages[i % lcd->n_pages];
}

static void panel_goto_page(struct panel *p, int idx, int64_t now_ns)
{
	p->visits[panel_page_at(p, p->page_idx)]++;
	p->page_idx = idx % panel_n_pages(p);
	p->page_start_ns = now_ns;
}

/* A new alarm brings up the summary page (or the alarms page). */
static void panel_jump_to_alarm(struct panel *p, int64_t now_ns)
{
	int i, n = panel_n_pages(p), alarms = -1;

	for (i = 0; i < n; i++) {
		if (panel_page_at(p, i) == PAGE_SUMMARY) {
			panel_goto_page(p, i, now_ns);
			return;
		}
		if (panel_page_at(p, i) == PAGE_ALARMS && alarms < 0)
			alarms = i;
	}
	if (alarms >= 0)
		panel_goto_page(p, alarms, now_ns);
}

static void panel_rotate(struct panel *p, int64_t now_ns)
{
	const struct lcd_cfg *lcd = &p->cfg->indicators.lcd;
	int64_t interval = lcd->page_interval_ms * NS_PER_MS;

	if (lcd->enabled && interval > 0 &&
	    now_ns - p->page_start_ns >= interval)
		panel_goto_page(p, p->page_idx + 1, now_ns);
}

/* Note what changed in the status since last time: traffic (the activity
 * flash) and an alarm that began, rose, or returned after acknowledge. */
static void panel_observe(struct panel *p, int64_t now_ns)
{
	const struct status *st = p->st;
	int rank;

	if (!st)
		return;
	if (p->have_activity && st->activity != p->activity)
		p->last_activity_ns = now_ns;
	p->activity = st->activity;
	p->have_activity = true;
	rank = state_rank(st->alarm_state);
	if (st->alarm && (!p->alarm || rank > p->alarm_rank ||
			  (p->acked && !st->acknowledged))) {
		p->alarm_rose = true;
		if (!st->acknowledged)
			panel_jump_to_alarm(p, now_ns);
	}
	p->alarm = st->alarm;
	p->acked = st->acknowledged;
	p->alarm_rank = st->alarm ? rank : -1;
}

/* The sequence the buzzer should play now, BUZ_OFF when it must not. */
static enum buzzer_pattern panel_buzzer_wanted(const struct panel *p,
					       int64_t now_ns)
{
	const struct buzzer_cfg *bz = &p->cfg->indicators.buzzer;
	const struct status *st = p->st;
	enum buzzer_pattern b;

	if (!st || !st->alarm || st->acknowledged || bz->mute ||
	    bz->pin == PIN_NONE || p->quiet ||
	    st->maintenance_until_ns > now_ns || st->mute_until_ns > now_ns)
		return BUZ_OFF;
	b = bz->pattern[panel_clamp_state(st->alarm_state)];
	return (int)b >= 0 && b < BUZ_COUNT ? b : BUZ_OFF;
}

/*
 * The sequence restarts when the alarm begins or rises, and when it becomes
 * audible again (maintenance or quiet hours over, unmuted), so a one-shot
 * chirp or beep is always heard once.  With reminder_ms it restarts every
 * reminder_ms, counted from the first start so the timing stays exact.
 */
static void panel_buzzer_step(struct panel *p, int64_t now_ns)
{
	int64_t rem = p->cfg->indicators.buzzer.reminder_ms * NS_PER_MS;
	enum buzzer_pattern want = panel_buzzer_wanted(p, now_ns);

	if (want != BUZ_OFF && (p->buzzer == BUZ_OFF || p->alarm_rose))
		p->buzzer_start_ns = now_ns;
	else if (want != BUZ_OFF && rem > 0 &&
		 now_ns - p->buzzer_start_ns >= rem)
		p->buzzer_start_ns += (now_ns - p->buzzer_start_ns) / rem * rem;
	p->alarm_rose = false;
	p->buzzer = want;
}

static void panel_render_lcd(struct panel *p, struct panel_view *v)
{
	const struct lcd_cfg *lcd = &p->cfg->indicators.lcd;
	const struct status *st = p->st;
	struct lcd_page_ctx ctx = {
		.cfg = p->cfg,
		.st = st,
		.sys = &p->sys,
		.now_ns = v->now_ns,
		.quiet = p->quiet,
	};

	v->page = panel_page_at(p, p->page_idx);
	if (!lcd->enabled) {
		v->rows = v->cols = 0;
		v->backlight = false;
		return;
	}
	v->rows = lcd->rows < LCD_MAX_ROWS ? lcd->rows : LCD_MAX_ROWS;
	v->cols = lcd->cols < LCD_MAX_COLS ? lcd->cols : LCD_MAX_COLS;
	if (v->page == PAGE_SYSTEM)
		lcd_sysinfo_refresh(&p->sys, v->now_ns, &p->cfg->interfaces);
	ctx.visit = p->visits[v->page];
	lcd_page_render(&ctx, v->page, v->lcd);
	v->backlight = !p->quiet || (st && st->alarm && !st->acknowledged);
}

static void panel_render(struct panel *p, struct panel_view *v, int64_t now_ns)
{
	memset(v, 0, sizeof(*v));
	v->now_ns = now_ns;
	panel_render_leds(p, v);
	v->buzzer = p->buzzer;
	v->buzzer_on = buzzer_pattern_on(p->buzzer, p->buzzer_start_ns, now_ns);
	panel_render_lcd(p, v);
	for (int i = 0; i < p->cfg->n_actions; i++) {
		const struct action_cfg *a = &p->cfg->actions[i];
		struct panel_relay_view *r = &v->relays[v->n_relays];

		if (a->pin == PIN_NONE)
			continue;
		snprintf(r->name, sizeof(r->name), "%s", a->name);
		r->action = i;
		r->line = a->pin;
		r->active = p->relay_on[i];
		v->n_relays++;
	}
}

static unsigned panel_changes(const struct panel_view *a,
			      const struct panel_view *b)
{
	unsigned ch = 0;
	int i;

	if (a->n_leds != b->n_leds || a->buzzer != b->buzzer ||
	    a->rows != b->rows || a->cols != b->cols ||
	    a->backlight != b->backlight || a->page != b->page ||
	    a->stopped != b->stopped || a->n_relays != b->n_relays ||
	    memcmp(a->relays, b->relays, sizeof(a->relays)) ||
	    memcmp(a->lcd, b->lcd, sizeof(a->lcd)))
		ch |= PANEL_CHANGED_MODEL;
	if (a->buzzer_on != b->buzzer_on)
		ch |= PANEL_CHANGED_PHASE;
	for (i = 0; i < a->n_leds && i < b->n_leds; i++) {
		const struct panel_led_view *x = &a->leds[i], *y = &b->leds[i];

		if (strcmp(x->name, y->name) || x->state != y->state ||
		    x->color != y->color || x->pattern != y->pattern)
			ch |= PANEL_CHANGED_MODEL;
		if (x->lit != y->lit ||
		    memcmp(x->pins, y->pins, sizeof(x->pins)))
			ch |= PANEL_CHANGED_PHASE;
	}
	return ch;
}

/* Recompute the whole view at now_ns and show it if anything changed. */
static void panel_refresh(struct panel *p, int64_t now_ns, unsigned force)
{
	struct panel_view v;
	unsigned ch;

	p->quiet = panel_in_quiet(p);
	panel_observe(p, now_ns);
	panel_buzzer_step(p, now_ns);
	panel_render(p, &v, now_ns);
	ch = panel_changes(&p->view, &v) | force;
	p->view = v;
	if (ch)
		p->ops->show(p->b, &p->view, ch);
}

static int64_t panel_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* When the view may change next without a status update. */
static int64_t panel_next_edge(const struct panel *p, int64_t now_ns)
{
	const struct lcd_cfg *lcd = &p->cfg->indicators.lcd;
	int64_t rem = p->cfg->indicators.buzzer.reminder_ms * NS_PER_MS;
	int64_t e = now_ns + PANEL_MAX_DELAY_NS, t;
	int i;

	for (i = 0; i < p->view.n_leds; i++)
		e = panel_min(e, led_pattern_next_edge(p->view.leds[i].pattern,
						       now_ns,
						       p->last_activity_ns));
	e = panel_min(e, buzzer_pattern_next_edge(p->buzzer, p->buzzer_start_ns,
						  now_ns));
	if (p->buzzer != BUZ_OFF && rem > 0)
		e = panel_min(e, p->buzzer_start_ns + rem);
	if (lcd->enabled && lcd->page_interval_ms > 0) {
		t = p->page_start_ns + lcd->page_interval_ms * NS_PER_MS;
		e = panel_min(e, t);
	}
	if (p->st && p->st->maintenance_until_ns > now_ns)
		e = panel_min(e, p->st->maintenance_until_ns);
	if (p->st && p->st->mute_until_ns > now_ns)
		e = panel_min(e, p->st->mute_until_ns);
	return e > now_ns ? e : now_ns;
}

static void panel_advance(struct panel *p, int64_t now_ns)
{
	if (p->stale)
		return;
	panel_rotate(p, now_ns);
	panel_refresh(p, now_ns, 0);
}

static void panel_arm_early(struct panel *p, int64_t now_ns);

/* The one-shot timer: reads the clock as the caller's tick timer does. */
static int64_t panel_early_timer(struct loop *l, void *arg)
{
	struct panel *p = arg;
	int64_t now = clock_now_ns();

	(void)l;
	p->early_id = 0;
	panel_advance(p, now);
	panel_arm_early(p, now);
	return LOOP_TIMER_DONE;
}

/* An update can bring an edge before the caller's next tick (a traffic
 * flash is 50 ms, the caller may tick in a second): cover the gap. */
static void panel_arm_early(struct panel *p, int64_t now_ns)
{
	int64_t edge;

	if (!p->loop || p->stale)
		return;
	edge = panel_next_edge(p, now_ns);
	if (edge >= p->promised_ns)
		return;
	if (p->early_id > 0 && p->early_ns <= edge)
		return;
	if (p->early_id > 0)
		loop_del_timer(p->loop, p->early_id);
	p->early_id =
		loop_add_timer(p->loop, edge - now_ns, panel_early_timer, p);
	p->early_ns = edge;
	if (p->early_id < 0) {
		log_warn("panel: timer: %s", strerror(errno));
		p->early_id = 0;
	}
}

static void panel_disarm_early(struct panel *p)
{
	if (p->early_id > 0)
		loop_del_timer(p->loop, p->early_id);
	p->early_id = 0;
}

bool panel_errors(const struct panel *p, unsigned long *lcd,
		  unsigned long *gpio)
{
	*lcd = *gpio = 0;
	if (!p->ops->errors)
		return false;
	p->ops->errors(p->b, lcd, gpio);
	return true;
}

const struct panel_backend_ops *panel_backend_find(const char *name)
{
	if (!name)
		return NULL;
	if (strcmp(name, "term") == 0)
		return &panel_term_ops;
	if (strcmp(name, "json") == 0)
		return &panel_json_ops;
	if (strcmp(name, "hw") == 0)
		return &panel_hw_ops;
	return NULL;
}

struct panel *panel_open(const struct pl_config *cfg,
			 const struct panel_backend_ops *ops, struct loop *l,
			 int64_t now_ns)
{
	struct panel *p = calloc(1, sizeof(*p));

	if (!p) {
		log_always(LOG_ERR, "panel: %s", strerror(errno));
		return NULL;
	}
	p->cfg = cfg;
	p->ops = ops;
	p->loop = l;
	p->minute = -1;
	p->alarm_rank = -1;
	p->page_start_ns = now_ns;
	p->b = ops->open(cfg, l, p);
	if (!p->b) {
		free(p);
		return NULL;
	}
	panel_refresh(p, now_ns, PANEL_CHANGED_MODEL | PANEL_CHANGED_PHASE);
	return p;
}

int panel_reload(struct panel *p, const struct pl_config *cfg, int64_t now_ns)
{
	if (p->ops->reload && p->ops->reload(p->b, cfg) < 0)
		return -1;
	panel_disarm_early(p);
	p->cfg = cfg;
	memset(p->relay_on, 0, sizeof(p->relay_on));
	p->st = NULL;
	p->stale = true;
	p->page_idx = 0;
	p->page_start_ns = now_ns;
	return 0;
}

void panel_update(struct panel *p, const struct status *st, int64_t now_ns)
{
	if (!p)
		return;
	p->st = st;
	p->stale = false;
	panel_refresh(p, now_ns, 0);
	panel_arm_early(p, now_ns);
}

void panel_set_relay(struct panel *p, int action, bool active, int64_t now_ns)
{
	if (!p || action < 0 || action >= p->cfg->n_actions)
		return;
	p->relay_on[action] = active;
	panel_refresh(p, now_ns, 0);
}

void panel_set_local_minute(struct panel *p, int minute)
{
	if (p)
		p->minute = minute >= 0 && minute < 24 * 60 ? minute : -1;
}

int64_t panel_tick(struct panel *p, int64_t now_ns)
{
	int64_t d;

	if (!p)
		return PANEL_MAX_DELAY_NS;
	panel_advance(p, now_ns);
	d = panel_next_edge(p, now_ns) - now_ns;
	p->promised_ns = now_ns + d;
	return d;
}

void panel_next_page(struct panel *p, int64_t now_ns)
{
	if (!p)
		return;
	panel_goto_page(p, p->page_idx + 1, now_ns);
	if (!p->stale)
		panel_refresh(p, now_ns, 0);
}

void panel_set_button_handler(struct panel *p, panel_button_fn fn, void *arg)
{
	p->button_fn = fn;
	p->button_arg = arg;
}

void panel_button(struct panel *p, enum button_press press)
{
	if (!p)
		return;
	if (p->button_fn)
		p->button_fn(p, press, p->button_arg);
	else if (press == BUTTON_SHORT)
		panel_next_page(p, p->loop ? loop_now_ns(p->loop)
					   : p->view.now_ns);
}

const struct panel_view *panel_view(const struct panel *p)
{
	return &p->view;
}

static void panel_put_centred(struct panel_view *v, int row, const char *s)
{
	uint8_t cells[LCD_MAX_COLS];
	int n = lcd_charset_encode(s, cells, v->cols);

	memcpy(&v->lcd[row][(v->cols - n) / 2], cells, (size_t)n);
}

void panel_close(struct panel *p, int64_t now_ns)
{
	struct panel_view *v;
	int i, r;

	if (!p)
		return;
	panel_disarm_early(p);
	v = &p->view;
	v->now_ns = now_ns;
	for (i = 0; i < v->n_leds; i++) {
		v->leds[i].pattern = PAT_OFF;
		v->leds[i].lit = false;
		memset(v->leds[i].pins, 0, sizeof(v->leds[i].pins));
	}
	v->buzzer = BUZ_OFF;
	v->buzzer_on = false;
	for (i = 0; i < v->n_relays; i++)
		v->relays[i].active = false;
	for (r = 0; r < v->rows; r++)
		memset(v->lcd[r], ' ', (size_t)v->cols);
	if (v->rows >= 2)
		panel_put_centred(v, 0, "pilotlight");
	if (v->rows >= 1)
		panel_put_centred(v, v->rows >= 2 ? 1 : 0, "stopped");
	v->backlight = v->rows > 0 && !panel_in_quiet(p);
	v->stopped = true;
	p->ops->close(p->b, v);
	free(p);
}
