/*
 * window.c - scheduled maintenance windows (config 'maintenance'): when
 * each is on (window.h, pure), and what the policy makes of it: events as
 * windows start and end, the alarm kept quiet for the whole site or for
 * the hosts a window names.  The LEDs and the LCD still show every
 * host's true state; only the alarm (buzzer, alarm LED pattern, alarm
 * webhooks' "alarm" level) leaves the silenced hosts out.
 *
 * The wall clock is read once a minute by the caller (service.c), on the
 * minute: window edges fall on whole minutes, so each is seen within a
 * second or so, and a clock set forward or back is noticed within a
 * minute.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "policy.h"
#include "policy_int.h"
#include "window.h"

#define MIN_PER_DAY (24 * 60)

bool window_covers(const struct window_cfg *w, int wday, int min)
{
	int yday = (wday + 6) % 7;

	if (w->from_min < w->to_min)
		return (w->days & 1u << wday) && min >= w->from_min &&
		       min < w->to_min;
	/* past midnight: tonight's start, or the tail of yesterday's */
	return ((w->days & 1u << wday) && min >= w->from_min) ||
	       ((w->days & 1u << yday) && min < w->to_min);
}

uint32_t window_mask(const struct pl_config *cfg, time_t t)
{
	struct tm tm;
	uint32_t mask = 0;

	if (cfg->n_windows == 0 || !localtime_r(&t, &tm))
		return 0;
	for (int i = 0; i < cfg->n_windows; i++)
		if (window_covers(&cfg->windows[i], tm.tm_wday,
				  tm.tm_hour * 60 + tm.tm_min))
			mask |= 1u << i;
	return mask;
}

/* Every zone in use today is a whole number of minutes off UTC, so local
 * minutes start where UTC minutes do. */
time_t window_end(const struct pl_config *cfg, uint32_t mask, time_t t)
{
	time_t u = t - t % 60;

	for (time_t k = u + 60; k <= t + WINDOW_LOOKAHEAD_S; k += 60)
		if ((window_mask(cfg, k) & mask) == 0)
			return k;
	return t + WINDOW_LOOKAHEAD_S;
}

/* ---- the policy's side ------------------------------------------------ */

static bool host_silenced(const struct pl_config *cfg, uint32_t mask, int h)
{
	for (int i = 0; i < cfg->n_windows; i++) {
		const struct window_cfg *w = &cfg->windows[i];

		if (!(mask & 1u << i))
			continue;
		for (int k = 0; k < w->n_hosts; k++)
			if (w->hosts[k] == h)
				return true;
	}
	return false;
}

enum pl_state window_alarm_level(const struct policy *p)
{
	const struct status *st = &p->st;
	enum pl_state s = STATE_OK;

	if (st->window_site)
		return STATE_OK;
	if (!st->windows)
		return st->overall;
	for (int h = 0; h < p->cfg->n_hosts; h++)
		if (!host_silenced(p->cfg, st->windows, h))
			s = state_worst(s, st->hosts[h].state);
	return s;
}

bool policy_in_maintenance(const struct policy *p, int host, int64_t now_ns)
{
	const struct status *st = &p->st;

	if (st->maintenance_until_ns > now_ns || st->window_site)
		return true;
	return host >= 0 && host < p->cfg->n_hosts &&
	       host_silenced(p->cfg, st->windows, host);
}

static void window_event(struct policy *p, const char *name, const char *what,
			 int64_t now_ns)
{
	struct pl_event *e = policy_push_event(p, EVENT_MAINTENANCE, now_ns);

	snprintf(e->reason, sizeof(e->reason), "window %s %s", name, what);
	log_notice("maintenance window %s %s", name, what);
}

/* The window the LCD names: a site-wide one first, else the first; -1
 * for none. */
static int window_shown(const struct pl_config *cfg, uint32_t mask)
{
	int first = -1;

	for (int i = 0; i < cfg->n_windows; i++) {
		if (!(mask & 1u << i))
			continue;
		if (cfg->windows[i].n_hosts == 0)
			return i;
		if (first < 0)
			first = i;
	}
	return first;
}

static const struct window_cfg *window_at(const struct pl_config *cfg, int i)
{
	return i < 0 ? NULL : &cfg->windows[i];
}

static bool site_wide(const struct pl_config *cfg, uint32_t mask)
{
	for (int i = 0; i < cfg->n_windows; i++)
		if (mask & 1u << i && cfg->windows[i].n_hosts == 0)
			return true;
	return false;
}

bool policy_windows(struct policy *p, int64_t now_ns, int64_t wall_s)
{
	const struct pl_config *cfg = p->cfg;
	struct status *st = &p->st;
	uint32_t now = window_mask(cfg, (time_t)wall_s), was = st->windows;
	const struct window_cfg *was_shown = st->window;
	int shown = window_shown(cfg, now);

	for (int i = 0; i < cfg->n_windows; i++)
		if ((now ^ was) & 1u << i)
			window_event(p, cfg->windows[i].name,
				     now & 1u << i ? "started" : "ended",
				     now_ns);
	st->windows = now;
	st->window = window_at(cfg, shown);
	st->window_site = site_wide(cfg, now);
	st->window_until_ns = 0;
	if (shown >= 0)
		st->window_until_ns =
			now_ns +
			(window_end(cfg, 1u << shown, wall_s) - wall_s) *
				NS_PER_S;
	policy_recompute(p, now_ns);
	return now != was || st->window != was_shown;
}

void window_reload(struct policy *p, const struct pl_config *old,
		   int64_t now_ns)
{
	const struct pl_config *cfg = p->cfg;
	struct status *st = &p->st;
	uint32_t mask = 0;

	for (int i = 0; i < old->n_windows; i++) {
		int j;

		if (!(st->windows & 1u << i))
			continue;
		for (j = 0; j < cfg->n_windows; j++)
			if (strcmp(cfg->windows[j].name,
				   old->windows[i].name) == 0)
				break;
		if (j < cfg->n_windows)
			mask |= 1u << j;
		else
			window_event(p, old->windows[i].name,
				     "ended (no longer in the config)", now_ns);
	}
	st->windows = mask;
	st->window = window_at(cfg, window_shown(cfg, mask));
	st->window_site = site_wide(cfg, mask);
}
