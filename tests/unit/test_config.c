/*
 * test_config.c - the values a good config yields: the shipped reference
 * and demo configs and a few in tests/configs/good/, with defaults applied,
 * references resolved and durations in milliseconds.  Broken files are in
 * test_config_bad.c, single-value syntax in test_config_values.c.  Paths
 * are relative to the repository root, where tests/run-all starts tests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "../../src/config/internal.h"

static struct pl_config *load(const char *path)
{
	struct config_errors errs = { 0 };
	struct pl_config *cfg = config_load(path, &errs);

	if (errs.n)
		config_errors_print(&errs, stderr);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	config_errors_clear(&errs);
	return cfg;
}

/* One pass over every bad file, reporting every mismatch before failing. */
static void test_include(void **state)
{
	struct pl_config *cfg = load("tests/configs/good/include.cfg");

	(void)state;
	assert_int_equal(cfg->n_hosts, 1);
	assert_string_equal(cfg->hosts[0].name, "frag");
	assert_int_equal(cfg->logging.level, LOG_DEBUG);
	assert_int_equal(cfg->logging.target, LOG_TARGET_STDERR);
	config_free(cfg);
}

static uint64_t file_fnv1a(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	FILE *f = fopen(path, "r");
	int c;

	assert_non_null(f);
	while ((c = fgetc(f)) != EOF) {
		h ^= (unsigned char)c;
		h *= 0x100000001b3ULL;
	}
	fclose(f);
	return h;
}

static const struct check_cfg *find_check(const struct pl_config *cfg,
					  const char *name)
{
	int h;
	int flat = cfg_find_check(cfg, name, &h);
	int i;

	assert_true(flat >= 0);
	for (i = 0; i < h; i++)
		flat -= cfg->hosts[i].n_checks;
	return &cfg->hosts[h].checks[flat];
}

static void assert_thr(const struct threshold *t, bool set, double w, double c)
{
	assert_int_equal(t->set, set);
	if (!set)
		return;
	assert_true(t->warning == w);
	assert_true(t->critical == c);
}

static void test_reference_hosts(void **state)
{
	struct pl_config *cfg = load("config/pilotlight.cfg");
	const struct check_cfg *c;

	(void)state;
	assert_string_equal(cfg->path, "config/pilotlight.cfg");
	assert_true(cfg->fingerprint == file_fnv1a("config/pilotlight.cfg"));
	assert_string_equal(cfg->daemon.user, "pilotlight");
	assert_string_equal(cfg->daemon.state_dir, "/var/lib/pilotlight");
	assert_int_equal(cfg->logging.level, LOG_INFO);
	assert_int_equal(cfg->logging.target, LOG_TARGET_AUTO);
	/* 7 written, the implicit "pi" (src/config/pi.c) and "capture"
	 * (src/config/traffic.c) */
	assert_int_equal(cfg->n_hosts, 9);
	assert_string_equal(cfg->hosts[7].name, "pi");
	assert_string_equal(cfg->hosts[8].name, "capture");
	assert_string_equal(cfg->hosts[0].name, "router");
	assert_string_equal(cfg->hosts[0].address, "192.168.1.1");
	assert_int_equal(cfg->hosts[0].parent, -1);
	assert_int_equal(cfg->hosts[1].parent, 0);
	assert_int_equal(cfg_find_host(cfg, "nas"), 5);
	assert_int_equal(cfg->hosts[5].parent, 0);

	c = find_check(cfg, "router/ping");
	assert_int_equal(c->type, CHECK_PING);
	assert_int_equal(c->u.ping.count, 5);
	assert_int_equal(c->u.ping.payload, 56);
	assert_int_equal(c->interval_ms, 10000);
	assert_int_equal(c->timeout_ms, 1000);
	assert_int_equal(c->fail_after, 3);
	assert_int_equal(c->recover_after, 2);
	assert_thr(&c->thr[METRIC_RTT], true, 100, 500);
	assert_thr(&c->thr[METRIC_LOSS], true, 20, 60);
	assert_thr(&c->thr[METRIC_RESPONSE_TIME], false, 0, 0);
	config_free(cfg);
}

static void test_reference_checks(void **state)
{
	struct pl_config *cfg = load("config/pilotlight.cfg");
	const struct check_cfg *c;

	(void)state;
	c = find_check(cfg, "anchor1/ping"); /* overrides, partly */
	assert_thr(&c->thr[METRIC_RTT], true, 60, 300);
	assert_thr(&c->thr[METRIC_LOSS], true, 10, 60);
	assert_thr(&c->thr[METRIC_JITTER], true, 30, 100);

	c = find_check(cfg, "router/http");
	assert_int_equal(c->interval_ms, 30000);
	assert_int_equal(c->timeout_ms, 2000);
	assert_int_equal(c->u.http.n_status, 3);
	assert_int_equal(c->u.http.status[2], 302);
	assert_true(c->u.http.verify_tls);
	assert_false(c->u.http.follow_redirects);
	assert_thr(&c->thr[METRIC_CERT_DAYS], true, 21, 7);
	assert_thr(&c->thr[METRIC_RTT], false, 0, 0);

	c = find_check(cfg, "website/http");
	assert_thr(&c->thr[METRIC_RESPONSE_TIME], true, 2000, 8000);
	assert_thr(&c->thr[METRIC_CERT_DAYS], true, 14, 3);
	assert_string_equal(c->u.http.body, "Debian");

	config_free(cfg);
}

static void test_reference_more_checks(void **state)
{
	struct pl_config *cfg = load("config/pilotlight.cfg");
	const struct check_cfg *c;

	(void)state;
	c = find_check(cfg, "nas/tcp:22");
	assert_int_equal(c->u.tcp.port, 22);
	assert_true(c->u.tcp.expect_regex);
	assert_string_equal(c->u.tcp.expect, "^SSH-2\\.0-");
	assert_null(c->u.tcp.send);
	c = find_check(cfg, "nas/tcp:445");
	assert_thr(&c->thr[METRIC_RESPONSE_TIME], true, 1000, 3000);
	c = find_check(cfg, "printer/tcp:631");
	assert_string_equal(c->u.tcp.send, "HEAD / HTTP/1.0\r\n\r\n");

	c = find_check(cfg, "nas/disk");
	assert_int_equal(c->type, CHECK_EXEC);
	assert_int_equal(c->u.exec.argc, 7);
	assert_string_equal(c->u.exec.argv[0],
			    "/usr/lib/nagios/plugins/check_disk");
	assert_string_equal(c->u.exec.argv[6], "/");
	assert_null(c->u.exec.argv[7]);
	assert_int_equal(c->interval_ms, 5 * 60 * 1000);

	c = find_check(cfg, "nas/ports");
	assert_int_equal(c->u.ports.n_open, 2);
	assert_int_equal(c->u.ports.closed[1], 21);
	c = find_check(cfg, "anchor3/dns");
	assert_string_equal(c->u.dns.qtype, "AAAA");
	assert_string_equal(c->u.dns.rcode, "NOERROR");
	assert_string_equal(c->u.dns.server, "9.9.9.9");
	assert_null(c->u.dns.answer);
	c = find_check(cfg, "website/trace");
	assert_int_equal(c->u.trace.max_hops, 20);
	assert_int_equal(c->interval_ms, 3600 * 1000);
	config_free(cfg);
}

static void test_reference_groups(void **state)
{
	struct pl_config *cfg = load("config/pilotlight.cfg");

	(void)state;
	assert_int_equal(cfg->n_groups, 2);
	assert_string_equal(cfg->groups[0].name, "internet");
	assert_int_equal(cfg->groups[0].n_hosts, 3);
	assert_int_equal(cfg->groups[0].hosts[2],
			 cfg_find_host(cfg, "anchor3"));
	assert_int_equal(cfg->groups[0].min_failed, 2);

	assert_int_equal(cfg->capture.n_interfaces, 1);
	assert_string_equal(cfg->capture.interfaces[0], "eth0");
	assert_string_equal(cfg->capture.filter, "not port 22");
	assert_int_equal(cfg->capture.snaplen, 128);
	assert_int_equal(cfg->capture.buffer_kib, 1024);
	assert_int_equal(cfg->capture.n_local_networks, 2);
	assert_int_equal(cfg->capture.local_networks[1].family, AF_INET6);
	assert_int_equal(cfg->capture.local_networks[1].prefix, 8);
	assert_int_equal(cfg->capture.local_networks[1].addr[0], 0xfd);
	assert_false(cfg->metrics.enabled);
	assert_string_equal(cfg->metrics.listen, "127.0.0.1:9775");
	config_free(cfg);
}

static void test_reference_leds(void **state)
{
	struct pl_config *cfg = load("config/pilotlight.cfg");
	const struct indicators_cfg *ind = &cfg->indicators;
	const struct led_cfg *led;

	(void)state;
	assert_string_equal(ind->chip, "");
	assert_true(ind->lamp_test);
	assert_int_equal(ind->n_leds, 5);
	led = &ind->leds[0];
	assert_string_equal(led->name, "status");
	assert_int_equal(led->source, SRC_ALL);
	assert_int_equal(led->pin[LED_RED], 17);
	assert_int_equal(led->pin[LED_GREEN], 27);
	assert_int_equal(led->pin[LED_YELLOW], PIN_NONE);
	assert_int_equal(led->pattern[STATE_WARNING], PAT_SLOW_BLINK);
	assert_int_equal(led->pattern[STATE_CRITICAL], PAT_FAST_BLINK);
	led = &ind->leds[1];
	assert_int_equal(led->source, SRC_HOST);
	assert_int_equal(led->target, 0);
	assert_int_equal(led->pin[LED_RED], 22);
	assert_int_equal(led->pin[LED_GREEN], 23);
	led = &ind->leds[2];
	assert_int_equal(led->source, SRC_GROUP);
	assert_int_equal(led->target, 0);
	assert_int_equal(led->pattern[STATE_OK], PAT_ON);
	assert_int_equal(led->pattern[STATE_UNKNOWN], PAT_SLOW_BLINK);
	led = &ind->leds[3];
	assert_int_equal(led->source, SRC_HEARTBEAT);
	assert_int_equal(led->pattern[STATE_OK], PAT_HEARTBEAT);
	assert_int_equal(led->pattern[STATE_CRITICAL], PAT_HEARTBEAT);
	assert_int_equal(ind->leds[4].source, SRC_ACTIVITY);
	assert_int_equal(ind->leds[4].pin[LED_YELLOW], 6);
	assert_int_equal(ind->leds[4].pattern[STATE_WARNING], PAT_ACTIVITY);
	config_free(cfg);
}

static void test_reference_panel(void **state)
{
	struct pl_config *cfg = load("config/pilotlight.cfg");
	const struct indicators_cfg *ind = &cfg->indicators;

	(void)state;
	assert_int_equal(ind->buzzer.pin, 16);
	assert_int_equal(ind->buzzer.pattern[STATE_CRITICAL], BUZ_REPEAT);
	assert_int_equal(ind->buzzer.pattern[STATE_WARNING], BUZ_CHIRP);
	assert_int_equal(ind->buzzer.reminder_ms, 10 * 60 * 1000);
	assert_int_equal(ind->buzzer.quiet_from_min, 22 * 60);
	assert_int_equal(ind->buzzer.quiet_to_min, 7 * 60);
	assert_int_equal(ind->button.pin, 26);
	assert_int_equal(ind->button.debounce_ms, 30);
	assert_int_equal(ind->button.long_press_ms, 2000);
	assert_int_equal(ind->button.maintenance_ms, 3600 * 1000);

	assert_true(ind->lcd.enabled);
	assert_int_equal(ind->lcd.bus, 1);
	assert_int_equal(ind->lcd.address, 0x27);
	assert_int_equal(ind->lcd.cols, 16);
	assert_int_equal(ind->lcd.rows, 2);
	assert_int_equal(ind->lcd.preset, LCD_PRESET_YWROBOT);
	assert_int_equal(ind->lcd.map.rs, 0);
	assert_int_equal(ind->lcd.map.en, 2);
	assert_int_equal(ind->lcd.map.bl, 3);
	assert_int_equal(ind->lcd.map.d7, 7);
	assert_false(ind->lcd.map.bl_active_low);
	assert_int_equal(ind->lcd.n_pages, PAGE_COUNT);
	assert_int_equal(ind->lcd.pages[2], PAGE_TRAFFIC);
	assert_int_equal(ind->lcd.page_interval_ms, 5000);
	assert_int_equal(ind->lcd.reinit_interval_ms, 0);
	config_free(cfg);
}

static void test_demo(void **state)
{
	struct pl_config *cfg = load("config/demo.cfg");
	const struct led_cfg *led;
	int i;

	(void)state;
	assert_int_equal(cfg->hosts[1].parent, 0);
	assert_string_equal(cfg->hosts[1].address, "::1");
	assert_int_equal(cfg->capture.n_interfaces, 1);
	assert_string_equal(cfg->capture.interfaces[0], "lo");
	assert_null(cfg->capture.filter);
	assert_false(cfg->metrics.enabled);
	assert_int_equal(cfg->indicators.lcd.cols, 20);
	assert_int_equal(cfg->indicators.lcd.rows, 4);
	for (i = 0; i < cfg->indicators.n_leds; i++)
		if (strcmp(cfg->indicators.leds[i].name, "flaky") == 0)
			break;
	led = &cfg->indicators.leds[i];
	assert_int_equal(led->source, SRC_CHECK);
	/* flat check index: gateway 0-1, server6 2, anchors 3-5, flaky 6 */
	assert_int_equal(led->target, 6);
	assert_int_equal(led->target_host, 5);
	assert_int_equal(cfg->indicators.buzzer.reminder_ms, 0);
	assert_true(cfg->indicators.buzzer.mute);
	config_free(cfg);
}

/* The implicit host "pi" with the checks every Linux has (throttled and
 * temperature only where the board has the files) and default limits. */
static void assert_pi_defaults(const struct pl_config *cfg)
{
	static const char *const always[] = {
		"pi/disk_root",
		"pi/disk_state",
		"pi/memory",
		"pi/storage_errors",
	};
	const struct host_cfg *h;
	int found = 0;

	assert_int_equal(cfg->n_hosts, 1);
	h = &cfg->hosts[0];
	assert_string_equal(h->name, "pi");
	assert_true(h->implicit);
	for (int c = 0; c < h->n_checks; c++) {
		const struct check_cfg *k = &h->checks[c];

		assert_int_equal(k->type, CHECK_SYSTEM);
		assert_int_equal(k->interval_ms, 30000);
		for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
			found += strcmp(k->name, always[i]) == 0;
		if (k->u.system.what == PI_DISK ||
		    k->u.system.what == PI_MEMORY) {
			assert_true(k->u.system.warning == 10.0);
			assert_true(k->u.system.critical == 5.0);
		}
		if (k->u.system.what == PI_TEMPERATURE) {
			assert_true(k->u.system.warning == 70.0);
			assert_true(k->u.system.critical == 80.0);
		}
		if (strcmp(k->name, "pi/disk_state") == 0)
			assert_string_equal(k->u.system.path,
					    "/var/lib/pilotlight");
	}
	assert_int_equal(found, 4);
}

static void test_minimal_defaults(void **state)
{
	struct pl_config *cfg = load("tests/configs/good/minimal.cfg");
	const struct indicators_cfg *ind = &cfg->indicators;

	(void)state;
	assert_pi_defaults(cfg);
	assert_int_equal(cfg->n_groups, 0);
	assert_string_equal(cfg->daemon.user, "pilotlight");
	assert_string_equal(cfg->daemon.state_dir, "/var/lib/pilotlight");
	assert_int_equal(cfg->logging.level, LOG_INFO);
	assert_int_equal(cfg->capture.n_interfaces, 0);
	assert_null(cfg->capture.filter);
	assert_true(cfg->capture.promiscuous);
	assert_int_equal(cfg->capture.snaplen, 128);
	assert_int_equal(cfg->capture.n_local_networks, 4);
	assert_int_equal(cfg->capture.local_networks[1].prefix, 12);
	assert_int_equal(cfg->capture.local_networks[1].addr[1], 16);
	assert_int_equal(cfg->capture.local_networks[3].family, AF_INET6);
	assert_int_equal(ind->n_leds, 0);
	assert_true(ind->lamp_test);
	assert_int_equal(ind->buzzer.pin, PIN_NONE);
	assert_int_equal(ind->buzzer.quiet_from_min, -1);
	assert_int_equal(ind->button.pin, PIN_NONE);
	assert_false(ind->lcd.enabled);
	assert_false(cfg->metrics.enabled);
	assert_string_equal(cfg->metrics.listen, "127.0.0.1:9775");
	assert_int_equal(cfg->metrics.n_allow, 0); /* every address */
	assert_int_equal(cfg->metrics.max_connections, 64);
	assert_int_equal(cfg->metrics.per_address_limit, 8);
	assert_int_equal(cfg->metrics.request_timeout_ms, 5000);
	config_free(cfg);
}

static void test_values_checks(void **state)
{
	struct pl_config *cfg = load("tests/configs/good/values.cfg");
	const struct check_cfg *c;

	(void)state;
	c = find_check(cfg, "v6/ping");
	assert_int_equal(c->interval_ms, 90000);
	assert_int_equal(c->timeout_ms, 250);
	assert_thr(&c->thr[METRIC_JITTER], true, 10, 100);
	c = find_check(cfg, "v6/trace");
	assert_int_equal(c->interval_ms, 20000); /* integer seconds */
	assert_int_equal(c->timeout_ms, 1500);
	assert_int_equal(c->u.trace.max_hops, 16);
	c = find_check(cfg, "v6/http");
	assert_int_equal(c->u.http.n_status, 0);
	assert_thr(&c->thr[METRIC_CERT_DAYS], true, 30, 0);
	c = find_check(cfg, "v6/dns");
	assert_string_equal(c->u.dns.qtype, "SRV");
	assert_string_equal(c->u.dns.rcode, "NXDOMAIN");
	assert_null(c->u.dns.server);
	assert_int_equal(cfg->hosts[2].parent, 0);
	assert_string_equal(find_check(cfg, "web/tcp:443")->u.tcp.send, "\x16");
	assert_int_equal(cfg->capture.n_local_networks, 0);
	assert_null(cfg->capture.filter);
	config_free(cfg);
}

static void test_values_indicators(void **state)
{
	struct pl_config *cfg = load("tests/configs/good/values.cfg");
	const struct indicators_cfg *ind = &cfg->indicators;

	(void)state;
	assert_string_equal(ind->chip, "/dev/gpiochip0");
	assert_false(ind->lamp_test);
	assert_true(ind->leds[0].active_low);
	assert_int_equal(ind->leds[0].pin[LED_WHITE], 4);
	assert_int_equal(ind->leds[0].pin[LED_BLUE], 12);
	assert_int_equal(ind->leds[1].pattern[STATE_OK], PAT_ACTIVITY);
	assert_int_equal(ind->leds[1].pattern[STATE_CRITICAL], PAT_FAST_BLINK);
	assert_int_equal(ind->leds[2].source, SRC_CHECK);
	assert_int_equal(ind->leds[2].target, 4); /* after v6's four */
	assert_int_equal(ind->leds[2].target_host, 1);
	assert_int_equal(ind->buzzer.reminder_ms, 0);
	assert_int_equal(ind->buzzer.quiet_from_min, 0);
	assert_int_equal(ind->buzzer.quiet_to_min, 6 * 60 + 30);
	assert_int_equal(ind->buzzer.pattern[STATE_WARNING], BUZ_BEEP);
	assert_int_equal(ind->buzzer.pattern[STATE_CRITICAL], BUZ_CONTINUOUS);
	assert_int_equal(ind->buzzer.pattern[STATE_OK], BUZ_OFF);
	assert_int_equal(ind->lcd.preset, LCD_PRESET_CUSTOM);
	assert_int_equal(ind->lcd.address, 0x3f);
	assert_int_equal(ind->lcd.map.rs, 6);
	assert_int_equal(ind->lcd.map.d4, 0);
	assert_true(ind->lcd.map.bl_active_low);
	assert_int_equal(ind->lcd.n_pages, 2);
	assert_int_equal(ind->lcd.pages[0], PAGE_ALARMS);
	assert_int_equal(ind->lcd.reinit_interval_ms, 30 * 60 * 1000);
	assert_true(cfg->metrics.enabled);
	assert_string_equal(cfg->metrics.listen, "[::]:9100");
	assert_int_equal(cfg->metrics.n_allow, 3);
	assert_int_equal(cfg->metrics.allow[0].family, AF_INET);
	assert_int_equal(cfg->metrics.allow[0].prefix, 32); /* a bare address */
	assert_int_equal(cfg->metrics.allow[0].addr[3], 5);
	assert_int_equal(cfg->metrics.allow[1].prefix, 24);
	assert_int_equal(cfg->metrics.allow[2].family, AF_INET6);
	assert_int_equal(cfg->metrics.allow[2].prefix, 64);
	assert_int_equal(cfg->metrics.max_connections, 32);
	assert_int_equal(cfg->metrics.per_address_limit, 4);
	assert_int_equal(cfg->metrics.request_timeout_ms, 2500);
	config_free(cfg);
}

/* Both ends of fail_after / recover_after load, in defaults and checks. */
static void test_streak_range_ends(void **state)
{
	struct pl_config *cfg = load("tests/configs/good/streaks.cfg");
	const struct check_cfg *c;

	(void)state;
	c = find_check(cfg, "slow/ping");
	assert_int_equal(c->fail_after, 100);
	assert_int_equal(c->recover_after, 1);
	c = find_check(cfg, "slow/tcp:22");
	assert_int_equal(c->fail_after, 1);
	assert_int_equal(c->recover_after, 100);
	assert_int_equal(cfg->grace_ms, 3000);
	config_free(cfg);
}

/* Grace not set: twice the fastest check's interval x fail_after +
 * timeout, within 10 s..5 min; the slow checks do not count. */
static void test_grace_derived(void **state)
{
	static struct host_cfg host = {
		.checks = {
			{ .interval_ms = 60 * 60000, .timeout_ms = 1000,
			  .fail_after = 3 },
			{ .interval_ms = 2000, .timeout_ms = 100,
			  .fail_after = 1 },
		},
		.n_checks = 1,
	};
	struct pl_config mem = { .hosts = &host, .n_hosts = 1 };
	struct cfg_defaults def = { .grace_ms = 0 };
	struct pl_config *cfg;

	(void)state;
	cfg = load("tests/configs/good/grace_derived.cfg");
	assert_int_equal(cfg->grace_ms, 2 * (5000 * 2 + 500));
	config_free(cfg);
	cfg = load("tests/configs/good/values.cfg");
	assert_int_equal(cfg->grace_ms, 2 * (20000 * 3 + 1500));
	config_free(cfg);
	cfg = load("tests/configs/good/minimal.cfg"); /* no checks */
	assert_int_equal(cfg->grace_ms, CFG_GRACE_DEFAULT_MIN_MS);
	config_free(cfg);
	host.n_checks = 1;
	cfg_set_grace(&def, &mem); /* hourly only */
	assert_int_equal(mem.grace_ms, CFG_GRACE_DEFAULT_MAX_MS);
	assert_int_equal(mem.grace_ms, 5 * 60000);
	host.n_checks = 2; /* 2.1 s: floor */
	cfg_set_grace(&def, &mem);
	assert_int_equal(mem.grace_ms, CFG_GRACE_DEFAULT_MIN_MS);
	assert_int_equal(mem.grace_ms, 10000);
	def.grace_ms = 1000; /* set wins */
	cfg_set_grace(&def, &mem);
	assert_int_equal(mem.grace_ms, 1000);
}

/* mjkdz wiring; on bus 0 the LCD leaves GPIO 2 and 3 to the LEDs. */
static void test_presets(void **state)
{
	struct pl_config *cfg = load("tests/configs/good/presets.cfg");
	const struct lcd_map *m = &cfg->indicators.lcd.map;

	(void)state;
	assert_int_equal(cfg->indicators.lcd.preset, LCD_PRESET_MJKDZ);
	assert_int_equal(m->rs, 6);
	assert_int_equal(m->rw, 5);
	assert_int_equal(m->en, 4);
	assert_int_equal(m->bl, 7);
	assert_int_equal(m->d4, 0);
	assert_int_equal(m->d7, 3);
	assert_true(m->bl_active_low);
	assert_int_equal(cfg->indicators.leds[0].pin[LED_RED], 2);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_reference_hosts),
		cmocka_unit_test(test_reference_checks),
		cmocka_unit_test(test_reference_more_checks),
		cmocka_unit_test(test_reference_groups),
		cmocka_unit_test(test_reference_leds),
		cmocka_unit_test(test_reference_panel),
		cmocka_unit_test(test_demo),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_values_checks),
		cmocka_unit_test(test_values_indicators),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_streak_range_ends),
		cmocka_unit_test(test_grace_derived),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
