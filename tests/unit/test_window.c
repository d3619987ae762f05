/*
 * test_window.c - scheduled maintenance windows: the config's
 * 'maintenance' list as read, when a window is on (weekdays, past
 * midnight, and across the DST changes of 2026 in Europe/Berlin and
 * America/New_York, TZ set per test), and what the policy makes of them
 * (events, the alarm silenced for the site or for the hosts in scope).
 *
 * tests/configs/good/windows.cfg: hosts nas web db, group storage = nas
 * db; windows in the order of enum below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"
#include "policy.h"
#include "window.h"

enum { NIGHTLY, BACKUP, SPRING, GAP, REPEAT, COVER, WRAP };
enum { NAS, WEB, DB };

#define BIT(w) (1u << (w))
#define MIN    60

static struct pl_config *cfg;

static int setup(void **state)
{
	struct config_errors errs = { 0 };

	(void)state;
	cfg = config_load("tests/configs/good/windows.cfg", &errs);
	if (!cfg)
		config_errors_print(&errs, stderr);
	return cfg ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

static void zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* Seconds since the epoch of a UTC date and time. */
static time_t utc(int y, int mon, int d, int h, int m)
{
	struct tm tm = { .tm_year = y - 1900,
			 .tm_mon = mon - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = m };

	return timegm(&tm);
}

static bool on(int w, time_t t)
{
	return (window_mask(cfg, t) & BIT(w)) != 0;
}

static void test_config_as_read(void **state)
{
	const struct window_cfg *w = cfg->windows;

	(void)state;
	assert_int_equal(cfg->n_windows, 7);
	assert_string_equal(w[NIGHTLY].name, "nightly");
	assert_int_equal(w[NIGHTLY].days, 0x3e); /* mon..fri */
	assert_int_equal(w[NIGHTLY].from_min, 23 * 60);
	assert_int_equal(w[NIGHTLY].to_min, 60);
	assert_int_equal(w[NIGHTLY].n_hosts, 0);
	assert_int_equal(w[BACKUP].days, 0x49); /* sun, wed, sat */
	/* nas named twice (itself and in storage): once */
	assert_int_equal(w[BACKUP].n_hosts, 2);
	assert_int_equal(w[BACKUP].hosts[0], NAS);
	assert_int_equal(w[BACKUP].hosts[1], DB);
	assert_int_equal(w[WRAP].days, 0x63); /* fri, sat, sun, mon */
	assert_int_equal(w[WRAP].to_min, 24 * 60);
	assert_true(w[BACKUP].line > w[NIGHTLY].line);
}

static void test_weekdays_and_midnight(void **state)
{
	(void)state;
	zone("UTC");
	/* 2026-12-04 is a Friday: its night runs into Saturday */
	assert_false(on(NIGHTLY, utc(2026, 12, 4, 22, 59)));
	assert_true(on(NIGHTLY, utc(2026, 12, 4, 23, 0)));
	assert_true(on(NIGHTLY, utc(2026, 12, 5, 0, 59)));
	assert_false(on(NIGHTLY, utc(2026, 12, 5, 1, 0)));
	/* none starts on Saturday or Sunday night */
	assert_false(on(NIGHTLY, utc(2026, 12, 5, 23, 30)));
	assert_false(on(NIGHTLY, utc(2026, 12, 7, 0, 30)));
	/* Monday's starts */
	assert_true(on(NIGHTLY, utc(2026, 12, 7, 23, 30)));
	assert_int_equal(
		window_end(cfg, BIT(NIGHTLY), utc(2026, 12, 7, 23, 30)),
		utc(2026, 12, 8, 1, 0));
	/* fri-mon, all day: Friday 00:00 to Tuesday 00:00 */
	assert_false(on(WRAP, utc(2026, 12, 3, 23, 59)));
	assert_true(on(WRAP, utc(2026, 12, 4, 0, 0)));
	assert_true(on(WRAP, utc(2026, 12, 7, 23, 59)));
	assert_false(on(WRAP, utc(2026, 12, 8, 0, 0)));
	assert_int_equal(window_end(cfg, BIT(WRAP), utc(2026, 12, 4, 12, 0)),
			 utc(2026, 12, 8, 0, 0));
}

static void test_berlin_spring_forward(void **state)
{
	(void)state;
	zone("Europe/Berlin");
	/* 2026-03-29 01:00 UTC: 02:00 CET becomes 03:00 CEST.  02:30 does
	 * not exist: the window starts at 03:00 CEST. */
	assert_false(on(SPRING, utc(2026, 3, 29, 0, 59)));
	assert_true(on(SPRING, utc(2026, 3, 29, 1, 0)));
	assert_int_equal(window_end(cfg, BIT(SPRING), utc(2026, 3, 29, 1, 0)),
			 utc(2026, 3, 29, 2, 0)); /* 04:00 CEST */
	/* 02:05-02:45 lies wholly in the skipped hour: not that day */
	for (time_t t = utc(2026, 3, 28, 22, 0); t < utc(2026, 3, 29, 22, 0);
	     t += MIN)
		assert_false(on(GAP, t));
	/* a week before, a plain Sunday */
	assert_true(on(GAP, utc(2026, 3, 22, 1, 5)));
}

static void test_berlin_fall_back(void **state)
{
	(void)state;
	zone("Europe/Berlin");
	/* 2026-10-25 01:00 UTC: 03:00 CEST becomes 02:00 CET.  02:00-02:30
	 * happens twice, each pass of the wall clock through it. */
	assert_false(on(REPEAT, utc(2026, 10, 24, 23, 59)));
	assert_true(on(REPEAT, utc(2026, 10, 25, 0, 0)));
	assert_false(on(REPEAT, utc(2026, 10, 25, 0, 30)));
	assert_true(on(REPEAT, utc(2026, 10, 25, 1, 0)));
	assert_true(on(REPEAT, utc(2026, 10, 25, 1, 29)));
	assert_false(on(REPEAT, utc(2026, 10, 25, 1, 30)));
	/* 01:00-02:30 ends at the first 02:30 (00:30 UTC); the wall clock
	 * reads 02:00 again at 01:00 UTC and the window is on once more,
	 * until the second 02:30 */
	assert_true(on(COVER, utc(2026, 10, 24, 23, 0)));
	assert_int_equal(window_end(cfg, BIT(COVER), utc(2026, 10, 24, 23, 0)),
			 utc(2026, 10, 25, 0, 30));
	assert_false(on(COVER, utc(2026, 10, 25, 0, 59)));
	assert_true(on(COVER, utc(2026, 10, 25, 1, 0)));
	assert_int_equal(window_end(cfg, BIT(COVER), utc(2026, 10, 25, 1, 0)),
			 utc(2026, 10, 25, 1, 30));
}

static void test_new_york(void **state)
{
	(void)state;
	zone("America/New_York");
	/* 2026-03-08 07:00 UTC: 02:00 EST becomes 03:00 EDT */
	assert_false(on(SPRING, utc(2026, 3, 8, 6, 59)));
	assert_true(on(SPRING, utc(2026, 3, 8, 7, 0)));
	assert_int_equal(window_end(cfg, BIT(SPRING), utc(2026, 3, 8, 7, 0)),
			 utc(2026, 3, 8, 8, 0));
	/* 2026-11-01 06:00 UTC: 02:00 EDT becomes 01:00 EST; 01:00-02:30
	 * goes on through the repeated hour to 02:30 EST, 3.5 h */
	assert_false(on(COVER, utc(2026, 11, 1, 4, 59)));
	assert_true(on(COVER, utc(2026, 11, 1, 5, 0))); /* 01:00 EDT */
	assert_true(on(COVER, utc(2026, 11, 1, 6, 0))); /* 01:00 EST */
	assert_int_equal(window_end(cfg, BIT(COVER), utc(2026, 11, 1, 5, 0)),
			 utc(2026, 11, 1, 7, 30)); /* 02:30 EST */
}

/* ---- the policy ------------------------------------------------------ */

static void result(struct policy *p, int idx, enum pl_state s, int64_t now)
{
	struct probe_result r;

	probe_result_init(&r);
	r.ok = s == STATE_OK;
	r.has_state = true;
	r.state = s;
	strcpy(r.reason, r.ok ? "fine" : "down");
	policy_report(p, idx, &r, now);
}

static int n_window_events(const struct status *st, const char *reason)
{
	int n = 0;

	for (uint64_t s = 1; s <= st->n_events; s++) {
		const struct pl_event *e = status_event(st, s);

		if (e && e->kind == EVENT_MAINTENANCE &&
		    strcmp(e->reason, reason) == 0)
			n++;
	}
	return n;
}

static void test_policy_scope_and_events(void **state)
{
	int64_t now = 100 * NS_PER_S;
	struct policy *p = policy_new(cfg, now);
	const struct status *st = policy_status(p);
	time_t wed = utc(2026, 12, 2, 2, 0); /* backup: nas and db */

	(void)state;
	zone("UTC");
	assert_non_null(p);
	assert_false(policy_windows(p, now, wed - MIN));
	assert_null(st->window);
	result(p, NAS, STATE_CRITICAL, now);
	result(p, WEB, STATE_CRITICAL, now);
	result(p, DB, STATE_CRITICAL, now);
	assert_true(st->alarm);

	assert_true(policy_windows(p, now, wed));
	assert_int_equal(st->windows, BIT(BACKUP));
	assert_ptr_equal(st->window, &cfg->windows[BACKUP]);
	assert_int_equal(st->window_until_ns - now, 150 * 60 * NS_PER_S);
	assert_int_equal(n_window_events(st, "window backup started"), 1);
	/* web is not in scope: the alarm still sounds for it */
	assert_true(st->alarm);
	assert_int_equal(st->alarm_state, STATE_CRITICAL);
	assert_int_equal(st->hosts[NAS].state, STATE_CRITICAL);

	assert_true(policy_in_maintenance(p, NAS, now));
	assert_true(policy_in_maintenance(p, DB, now));
	assert_false(policy_in_maintenance(p, WEB, now));
	assert_false(policy_in_maintenance(p, -1, now));

	/* web recovers: only silenced hosts are bad, no alarm; the LEDs
	 * (host states) still show them CRITICAL */
	result(p, WEB, STATE_OK, now += NS_PER_S);
	assert_false(st->alarm);
	assert_int_equal(st->overall, STATE_CRITICAL);
	assert_int_equal(st->hosts[DB].state, STATE_CRITICAL);

	/* still on a minute later: no new event */
	assert_false(policy_windows(p, now += 60 * NS_PER_S, wed + MIN));
	assert_int_equal(n_window_events(st, "window backup started"), 1);

	/* over at 04:30 */
	assert_true(
		policy_windows(p, now += NS_PER_S, utc(2026, 12, 2, 4, 30)));
	assert_null(st->window);
	assert_int_equal(n_window_events(st, "window backup ended"), 1);
	assert_false(policy_in_maintenance(p, NAS, now));
	assert_true(st->alarm);

	/* a site-wide window silences everything */
	result(p, WEB, STATE_CRITICAL, now);
	assert_true(policy_windows(p, now, utc(2026, 12, 2, 23, 0)));
	assert_ptr_equal(st->window, &cfg->windows[NIGHTLY]);
	assert_true(st->window_site);
	assert_true(policy_in_maintenance(p, WEB, now));
	assert_true(policy_in_maintenance(p, -1, now));
	assert_false(st->alarm);
	assert_int_equal(n_window_events(st, "window nightly started"), 1);
	policy_free(p);
}

/* A reload keeps a window that is still in the new config on (no new
 * event); one gone from it ends with an event. */
static void test_policy_reload(void **state)
{
	int64_t now = 100 * NS_PER_S;
	struct policy *p = policy_new(cfg, now);
	const struct status *st = policy_status(p);
	struct pl_config *next;
	struct config_errors errs = { 0 };

	(void)state;
	zone("UTC");
	next = config_load("tests/configs/good/windows.cfg", &errs);
	assert_non_null(next);
	next->n_windows = 1; /* only nightly */
	assert_true(policy_windows(p, now, utc(2026, 12, 5, 0, 30)));
	/* Saturday 00:30: Friday's nightly, and wrap (fri-mon) */
	assert_int_equal(st->windows, BIT(NIGHTLY) | BIT(WRAP));
	assert_int_equal(policy_reload(p, next, now), 0);
	assert_int_equal(st->windows, BIT(NIGHTLY));
	assert_int_equal(n_window_events(st, "window nightly started"), 1);
	assert_int_equal(
		n_window_events(st,
				"window wrap ended (no longer in the config)"),
		1);
	assert_false(policy_windows(p, now, utc(2026, 12, 5, 0, 31)));
	assert_int_equal(n_window_events(st, "window nightly started"), 1);
	policy_free(p);
	config_free(next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_as_read),
		cmocka_unit_test(test_weekdays_and_midnight),
		cmocka_unit_test(test_berlin_spring_forward),
		cmocka_unit_test(test_berlin_fall_back),
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_policy_scope_and_events),
		cmocka_unit_test(test_policy_reload),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
