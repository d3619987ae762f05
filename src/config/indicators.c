/*
 * indicators.c - LEDs, buzzer and button, and who owns which GPIO.
 *
 * An LED shows a source (everything, a host, a check, a group, the
 * heartbeat or capture activity) as one pattern per state; sources are
 * resolved here to indices into the config.  Every pin an indicator takes
 * (and a relay action's, actions.c) is recorded as a claim; once all are
 * read the claims are checked in file order, so a clash is reported at its second use, naming the first, and a
 * pin that an enabled LCD's I2C bus needs is refused.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_CLAIMS (CFG_MAX_LEDS * LED_COLOR_COUNT + 2 + CFG_MAX_ACTIONS)

struct pin_claim {
	int pin;
	int order;		     /* keeps the sort stable */
	const struct cfg_node *node; /* the setting that names the pin */
	char user[CFG_NAME_MAX + 8]; /* "led 'status'", "the buzzer" */
};

struct pin_claims {
	struct pin_claim v[MAX_CLAIMS];
	int n;
};

static const char *const source_names[] = {
	[SRC_ALL] = "all",
	[SRC_HOST] = "host:NAME",
	[SRC_CHECK] = "check:NAME",
	[SRC_GROUP] = "group:NAME",
	[SRC_HEARTBEAT] = "heartbeat",
	[SRC_ACTIVITY] = "activity",
};

struct pin_claims *cfg_pins_new(void)
{
	return calloc(1, sizeof(struct pin_claims));
}

void cfg_pins_free(struct pin_claims *claims)
{
	free(claims);
}

int cfg_read_pin(struct cfg_ctx *ctx, const struct cfg_node *g, const char *key,
		 struct pin_claims *claims, const char *user, int *pin)
{
	struct pin_claim *c;
	int v, r = cfg_get_int(ctx, g, key, INT_MIN, INT_MAX, &v);

	if (r <= 0)
		return r;
	if (v < 0 || v > GPIO_MAX_PIN) {
		cfg_key_error(ctx, g, key, "pin %d out of range 0..%d", v,
			      GPIO_MAX_PIN);
		return -1;
	}
	*pin = v;
	if (claims->n < MAX_CLAIMS) {
		c = &claims->v[claims->n];
		c->order = claims->n++;
		c->pin = v;
		c->node = cfg_node_member(g, key);
		snprintf(c->user, sizeof(c->user), "%s", user);
	}
	return 1;
}

static int claim_cmp(const void *a, const void *b)
{
	const struct pin_claim *x = a, *y = b;
	int lx = cfg_node_line(x->node), ly = cfg_node_line(y->node);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->order - y->order;
}

void cfg_pins_check(struct cfg_ctx *ctx, struct pin_claims *claims,
		    const struct lcd_cfg *lcd)
{
	int i, j;

	qsort(claims->v, (size_t)claims->n, sizeof(claims->v[0]), claim_cmp);
	for (i = 0; i < claims->n; i++) {
		const struct pin_claim *c = &claims->v[i];

		/* I2C1 is GPIO 2/3, I2C0 (the HAT EEPROM bus) GPIO 0/1 */
		if (lcd->enabled && (lcd->bus == 0 || lcd->bus == 1) &&
		    (c->pin == 2 * lcd->bus || c->pin == 2 * lcd->bus + 1)) {
			cfg_node_error(
				ctx, c->node,
				"pin %d is I2C %s of bus %d used by the LCD",
				c->pin, c->pin % 2 ? "SCL" : "SDA", lcd->bus);
			continue;
		}
		for (j = 0; j < i; j++)
			if (claims->v[j].pin == c->pin)
				break;
		if (j < i)
			cfg_node_error(ctx, c->node,
				       "pin %d already used by %s (line %d)",
				       c->pin, claims->v[j].user,
				       cfg_node_line(claims->v[j].node));
	}
}

/* patterns = { ok = ...; warning = ...; ... } over pat[] */
static void read_patterns(struct cfg_ctx *ctx, const struct cfg_node *g,
			  const char *const *names, int n_names, int *pat)
{
	static const char *const keys[] = {
		"ok", "warning", "critical", "unknown", NULL,
	};
	const struct cfg_node *p;
	enum pl_state s;

	if (cfg_get_group(ctx, g, "patterns", &p) <= 0)
		return;
	cfg_check_keys(ctx, p, keys, "'patterns'");
	for (s = 0; s < STATE_COUNT; s++)
		cfg_get_enum(ctx, p, state_key(s), names, n_names, &pat[s]);
}

static int resolve_source(struct cfg_ctx *ctx, const struct cfg_node *g,
			  const struct pl_config *cfg, const char *s,
			  struct led_cfg *led)
{
	const char *colon = strchr(s, ':'), *arg = colon ? colon + 1 : "";
	int kind = colon ? (int)(colon - s) : (int)strlen(s);
	int src = cfg_lookup(s, source_names, 6);

	if (!colon &&
	    (src == SRC_ALL || src == SRC_HEARTBEAT || src == SRC_ACTIVITY)) {
		led->source = (enum led_source)src;
		return 0;
	}
	if (colon && kind == 4 && strncmp(s, "host", 4) == 0) {
		led->source = SRC_HOST;
		led->target = cfg_find_host(cfg, arg);
	} else if (colon && kind == 5 && strncmp(s, "check", 5) == 0) {
		led->source = SRC_CHECK;
		led->target = cfg_find_check(cfg, arg, &led->target_host);
	} else if (colon && kind == 5 && strncmp(s, "group", 5) == 0) {
		led->source = SRC_GROUP;
		led->target = cfg_find_group(cfg, arg);
	} else {
		cfg_key_error(ctx, g, "shows",
			      "'shows' '%s' is not one of: all, host:NAME, "
			      "check:NAME, group:NAME, heartbeat, activity",
			      s);
		return -1;
	}
	if (led->target >= 0)
		return 0;
	cfg_key_error(ctx, g, "shows", "led '%s' shows unknown %.*s '%s'",
		      led->name, kind, s, arg);
	return -1;
}

static void led_name(struct cfg_ctx *ctx, const struct cfg_node *n,
		     const struct indicators_cfg *ind, struct led_cfg *led)
{
	const char *name;
	int r = cfg_get_string(ctx, n, "name", &name), i;

	if (r == 0)
		cfg_node_error(ctx, n, "led needs a 'name'");
	if (r <= 0)
		return;
	if (!cfg_valid_name(name, false)) {
		cfg_key_error(ctx, n, "name",
			      "bad LED name '%s' (1..%d of A-Z a-z 0-9 _ . -)",
			      name, CFG_NAME_MAX - 1);
		return;
	}
	for (i = 0; i < ind->n_leds; i++) {
		if (strcmp(ind->leds[i].name, name) == 0) {
			cfg_node_error(
				ctx, n,
				"duplicate LED name '%s' (first at line %d)",
				name, ind->leds[i].line);
			return;
		}
	}
	snprintf(led->name, sizeof(led->name), "%s", name);
}

static void read_led(struct cfg_ctx *ctx, const struct cfg_node *n,
		     const struct pl_config *cfg, struct led_cfg *led,
		     struct pin_claims *claims)
{
	static const char *const keys[] = {
		"name", "shows", "red",	       "green",	   "yellow",
		"blue", "white", "active_low", "patterns", NULL,
	};
	const char *shows = "all";
	char user[CFG_NAME_MAX + 8];
	int c, s, pat[STATE_COUNT], pins = 0;

	led->line = cfg_node_line(n);
	led->target = -1;
	led->target_host = -1;
	for (c = 0; c < LED_COLOR_COUNT; c++)
		led->pin[c] = PIN_NONE;
	if (cfg_node_kind(n) != CFG_K_GROUP) {
		cfg_node_error(ctx, n, "an LED must be a group { ... }");
		return;
	}
	led_name(ctx, n, &cfg->indicators, led);
	cfg_check_keys(ctx, n, keys, "an LED");
	cfg_get_string(ctx, n, "shows", &shows);
	resolve_source(ctx, n, cfg, shows, led);
	snprintf(user, sizeof(user), "led '%s'", led->name);
	for (c = 0; c < LED_COLOR_COUNT; c++)
		if (cfg_read_pin(ctx, n, cfg_led_color_names[c], claims, user,
				 &led->pin[c]) != 0)
			pins++;
	if (!pins)
		cfg_node_error(ctx, n,
			       "led '%s' has no pin (set red, green, yellow, "
			       "blue or white)",
			       led->name);
	cfg_get_bool(ctx, n, "active_low", &led->active_low);
	pat[STATE_OK] = PAT_ON;
	pat[STATE_WARNING] = PAT_SLOW_BLINK;
	pat[STATE_CRITICAL] = PAT_FAST_BLINK;
	pat[STATE_UNKNOWN] = PAT_OFF;
	for (s = 0; s < STATE_COUNT; s++)
		if (led->source == SRC_HEARTBEAT || led->source == SRC_ACTIVITY)
			pat[s] = led->source == SRC_HEARTBEAT ? PAT_HEARTBEAT
							      : PAT_ACTIVITY;
	read_patterns(ctx, n, cfg_led_pattern_names, PAT_COUNT, pat);
	for (s = 0; s < STATE_COUNT; s++)
		led->pattern[s] = (enum led_pattern)pat[s];
}

static void read_leds(struct cfg_ctx *ctx, const struct cfg_node *ind,
		      struct pl_config *cfg, struct pin_claims *claims)
{
	struct indicators_cfg *ic = &cfg->indicators;
	const struct cfg_node *list;
	int i, count;

	if (cfg_get_list(ctx, ind, "leds", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count > CFG_MAX_LEDS) {
		cfg_node_error(ctx, list, "%d LEDs, at most %d", count,
			       CFG_MAX_LEDS);
		return;
	}
	for (i = 0; i < count; i++, ic->n_leds++)
		read_led(ctx, cfg_node_elem(list, i), cfg, &ic->leds[i],
			 claims);
}

static void read_buzzer(struct cfg_ctx *ctx, const struct cfg_node *ind,
			struct buzzer_cfg *b, struct pin_claims *claims)
{
	static const char *const keys[] = {
		"pin",	    "active_low",  "mute", "patterns",
		"reminder", "quiet_hours", NULL,
	};
	int pat[STATE_COUNT] = { BUZ_OFF, BUZ_CHIRP, BUZ_REPEAT, BUZ_OFF };
	const struct cfg_node *g;
	const char *quiet, *why;
	enum pl_state s;

	b->pin = PIN_NONE;
	b->reminder_ms = 10 * MS_PER_MIN;
	b->quiet_from_min = b->quiet_to_min = -1;
	if (ind && cfg_get_group(ctx, ind, "buzzer", &g) > 0) {
		b->line = cfg_node_line(g);
		cfg_check_keys(ctx, g, keys, "'buzzer'");
		if (cfg_read_pin(ctx, g, "pin", claims, "the buzzer",
				 &b->pin) == 0)
			cfg_node_error(ctx, g, "buzzer needs a 'pin'");
		cfg_get_bool(ctx, g, "active_low", &b->active_low);
		cfg_get_bool(ctx, g, "mute", &b->mute);
		read_patterns(ctx, g, cfg_buzzer_pattern_names, BUZ_COUNT, pat);
		cfg_get_duration(ctx, g, "reminder", MS_PER_MIN, MS_PER_DAY,
				 true, &b->reminder_ms);
		if (cfg_get_string(ctx, g, "quiet_hours", &quiet) > 0) {
			why = cfg_parse_clock_range(quiet, &b->quiet_from_min,
						    &b->quiet_to_min);
			if (why) {
				cfg_key_error(ctx, g, "quiet_hours",
					      "'quiet_hours' '%s' %s", quiet,
					      why);
				b->quiet_from_min = b->quiet_to_min = -1;
			}
		}
	}
	/* the patterns stand even without a buzzer: the panel shows them */
	for (s = 0; s < STATE_COUNT; s++)
		b->pattern[s] = (enum buzzer_pattern)pat[s];
}

static void read_button(struct cfg_ctx *ctx, const struct cfg_node *ind,
			struct button_cfg *b, struct pin_claims *claims)
{
	static const char *const keys[] = {
		"pin", "debounce", "long_press", "maintenance", NULL,
	};
	const struct cfg_node *g;

	b->pin = PIN_NONE;
	b->debounce_ms = 30;
	b->long_press_ms = 2 * MS_PER_S;
	b->maintenance_ms = MS_PER_H;
	if (!ind || cfg_get_group(ctx, ind, "button", &g) <= 0)
		return;
	b->line = cfg_node_line(g);
	cfg_check_keys(ctx, g, keys, "'button'");
	if (cfg_read_pin(ctx, g, "pin", claims, "the button", &b->pin) == 0)
		cfg_node_error(ctx, g, "button needs a 'pin'");
	cfg_get_duration(ctx, g, "debounce", 5, 500, false, &b->debounce_ms);
	cfg_get_duration(ctx, g, "long_press", 500, 30 * MS_PER_S, false,
			 &b->long_press_ms);
	cfg_get_duration(ctx, g, "maintenance", MS_PER_MIN,
			 CFG_MAINTENANCE_MAX_MS, false, &b->maintenance_ms);
}

void cfg_read_indicators(struct cfg_ctx *ctx, const struct cfg_node *root,
			 struct pl_config *cfg, struct pin_claims *claims)
{
	static const char *const keys[] = {
		"chip", "lamp_test", "leds", "buzzer", "button", "lcd", NULL,
	};
	struct indicators_cfg *ic = &cfg->indicators;
	const struct cfg_node *g = NULL;
	const char *chip;

	ic->lamp_test = true;
	if (cfg_get_group(ctx, root, "indicators", &g) > 0) {
		cfg_check_keys(ctx, g, keys, "'indicators'");
		if (cfg_get_string(ctx, g, "chip", &chip) > 0) {
			if (strlen(chip) >= sizeof(ic->chip))
				cfg_key_error(
					ctx, g, "chip",
					"'chip' is longer than %zu characters",
					sizeof(ic->chip) - 1);
			else
				snprintf(ic->chip, sizeof(ic->chip), "%s",
					 chip);
		}
		cfg_get_bool(ctx, g, "lamp_test", &ic->lamp_test);
		read_leds(ctx, g, cfg, claims);
	}
	/* absent groups still get their defaults, with no pin */
	read_buzzer(ctx, g, &ic->buzzer, claims);
	read_button(ctx, g, &ic->button, claims);
	cfg_read_lcd(ctx, g, &ic->lcd);
}
