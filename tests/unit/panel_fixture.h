/*
 * panel_fixture.h - a small site for the panel, LCD and JSON tests, built
 * by hand so the tests do not depend on the config parser.
 *
 * Three hosts (router, nas, printer) with one ping check each; LEDs:
 * status (all, red+green), router (host 0, red only), nas (host 1, red,
 * green and yellow), beat (heartbeat, green), traffic (activity, yellow);
 * a buzzer on pin 18; a 16x2 LCD paging summary, hosts, alarms, system
 * every 5 s.  The status starts with every host OK.
 */
#ifndef PANEL_FIXTURE_H
#define PANEL_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "status.h"

#define FX_MS(ms) ((int64_t)(ms)*NS_PER_MS)
#define FX_T0	  FX_MS(100000000) /* any whole second, 27 h after boot */

struct fixture {
	struct pl_config cfg;
	struct status st;
	struct host_cfg hosts[3];
	struct check_status checks[3];
	struct host_status hstat[3];
};

static inline void fx_led(struct led_cfg *led, const char *name,
			  enum led_source src, int target)
{
	int c;

	snprintf(led->name, sizeof(led->name), "%s", name);
	led->source = src;
	led->target = target;
	led->target_host = -1;
	for (c = 0; c < LED_COLOR_COUNT; c++)
		led->pin[c] = PIN_NONE;
	led->pattern[STATE_OK] = PAT_ON;
	led->pattern[STATE_WARNING] = PAT_SLOW_BLINK;
	led->pattern[STATE_CRITICAL] = PAT_FAST_BLINK;
	led->pattern[STATE_UNKNOWN] = PAT_SLOW_BLINK;
}

static inline void fx_indicators(struct indicators_cfg *ind)
{
	struct buzzer_cfg *bz = &ind->buzzer;
	struct lcd_cfg *lcd = &ind->lcd;

	ind->n_leds = 5;
	fx_led(&ind->leds[0], "status", SRC_ALL, -1);
	ind->leds[0].pin[LED_RED] = 5;
	ind->leds[0].pin[LED_GREEN] = 6;
	fx_led(&ind->leds[1], "router", SRC_HOST, 0);
	ind->leds[1].pin[LED_RED] = 13;
	fx_led(&ind->leds[2], "nas", SRC_HOST, 1);
	ind->leds[2].pin[LED_RED] = 19;
	ind->leds[2].pin[LED_GREEN] = 26;
	ind->leds[2].pin[LED_YELLOW] = 20;
	fx_led(&ind->leds[3], "beat", SRC_HEARTBEAT, -1);
	ind->leds[3].pin[LED_GREEN] = 21;
	ind->leds[3].pattern[STATE_OK] = PAT_HEARTBEAT;
	fx_led(&ind->leds[4], "traffic", SRC_ACTIVITY, -1);
	ind->leds[4].pin[LED_YELLOW] = 16;
	ind->leds[4].pattern[STATE_OK] = PAT_ACTIVITY;

	bz->pin = 18;
	bz->pattern[STATE_OK] = BUZ_OFF;
	bz->pattern[STATE_WARNING] = BUZ_CHIRP;
	bz->pattern[STATE_CRITICAL] = BUZ_REPEAT;
	bz->pattern[STATE_UNKNOWN] = BUZ_OFF;
	bz->quiet_from_min = -1;
	bz->quiet_to_min = -1;
	ind->button.pin = PIN_NONE;

	lcd->enabled = true;
	lcd->cols = 16;
	lcd->rows = 2;
	lcd->pages[0] = PAGE_SUMMARY;
	lcd->pages[1] = PAGE_HOSTS;
	lcd->pages[2] = PAGE_ALARMS;
	lcd->pages[3] = PAGE_SYSTEM;
	lcd->n_pages = 4;
	lcd->page_interval_ms = 5000;
}

static inline void fx_init(struct fixture *fx)
{
	static const char *const names[3] = { "router", "nas", "printer" };
	int h;

	memset(fx, 0, sizeof(*fx));
	fx->cfg.path = (char *)"demo.cfg";
	fx->cfg.fingerprint = 0x1a2b3c4d5e6f7081ULL;
	fx->cfg.hosts = fx->hosts;
	fx->cfg.n_hosts = 3;
	for (h = 0; h < 3; h++) {
		snprintf(fx->hosts[h].name, CFG_NAME_MAX, "%s", names[h]);
		fx->hosts[h].parent = -1;
		fx->hosts[h].n_checks = 1;
		snprintf(fx->hosts[h].checks[0].name, CFG_NAME_MAX, "%s-ping",
			 names[h]);
		fx->checks[h].state = STATE_OK;
		fx->checks[h].have_result = true;
		fx->checks[h].value = 0.3;
		snprintf(fx->checks[h].reason, STATUS_REASON_MAX, "rtt 0.3ms");
		fx->hstat[h].state = STATE_OK;
	}
	fx_indicators(&fx->cfg.indicators);
	fx->st.cfg = &fx->cfg;
	fx->st.checks = fx->checks;
	fx->st.n_checks = 3;
	fx->st.hosts = fx->hstat;
	fx->st.overall = STATE_OK;
	fx->st.n_ok = 3;
	fx->st.alarm_state = STATE_OK;
	fx->st.started_ns = FX_MS(1000);
}

/* Host h (and its check) goes to state s at since_ns; the roll-up and
 * the alarm follow as the policy would make them. */
static inline void fx_set_host(struct fixture *fx, int h, enum pl_state s,
			       int64_t since_ns, const char *reason)
{
	int i;

	fx->checks[h].state = s;
	fx->checks[h].since_ns = since_ns;
	snprintf(fx->checks[h].reason, STATUS_REASON_MAX, "%s", reason);
	fx->hstat[h].state = s;
	fx->hstat[h].since_ns = since_ns;
	fx->st.overall = STATE_OK;
	fx->st.n_ok = fx->st.n_bad = 0;
	for (i = 0; i < 3; i++) {
		fx->st.overall =
			state_worst(fx->st.overall, fx->hstat[i].state);
		if (fx->hstat[i].state == STATE_OK)
			fx->st.n_ok++;
		else if (fx->hstat[i].state != STATE_UNKNOWN)
			fx->st.n_bad++;
	}
	fx->st.alarm = state_rank(fx->st.overall) >= state_rank(STATE_WARNING);
	fx->st.alarm_state = fx->st.alarm ? fx->st.overall : STATE_OK;
	fx->st.acknowledged = false;
}

#endif
