/*
 * test_traffic_config.c - capture.alarms as the loader reads them, and
 * the implicit host "capture" whose checks the policy, the LEDs and the
 * LCD see like any other: names, types, timing and the alarm each stands
 * for.  The broken cases are in test_config_bad.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "config.h"

static struct pl_config *load(const char *path)
{
	struct config_errors errs = { 0 };
	struct pl_config *cfg = config_load(path, &errs);

	if (!cfg)
		config_errors_print(&errs, stderr);
	config_errors_clear(&errs);
	assert_non_null(cfg);
	return cfg;
}

static void test_alarms(void **state)
{
	struct pl_config *cfg = load("tests/configs/good/traffic.cfg");
	const struct capture_cfg *cap = &cfg->capture;
	const struct traffic_alarm_cfg *a = cap->alarms;
	uint8_t v6[16];

	(void)state;
	assert_int_equal(cap->n_alarms, 6);
	assert_string_equal(a[0].name, "storm");
	assert_int_equal(a[0].rate, RATE_BROADCAST_PPS);
	assert_int_equal(a[0].cond, TRAFFIC_ABOVE);
	assert_true(a[0].limit == 500);
	assert_int_equal(a[0].window_ms, 10000);
	assert_int_equal(a[0].level, STATE_CRITICAL);
	assert_int_equal(a[0].host_family, 0);
	assert_int_equal(a[0].service_proto, 0);
	assert_int_equal(a[1].cond, TRAFFIC_BELOW);
	assert_int_equal(a[1].window_ms, 30000);
	assert_int_equal(a[2].rate, RATE_BPS);
	assert_int_equal(a[2].level, STATE_WARNING);
	assert_int_equal(a[2].host_family, AF_INET);
	assert_memory_equal(a[2].host, "\xc0\xa8\x01\x0a", 4);
	assert_int_equal(a[2].service_proto, IPPROTO_TCP);
	assert_int_equal(a[2].service_port, 443);
	/* window defaults to 10 s */
	assert_int_equal(a[3].window_ms, 10000);
	assert_int_equal(a[3].host_family, AF_INET6);
	inet_pton(AF_INET6, "fd00::10", v6);
	assert_memory_equal(a[3].host, v6, 16);
	assert_int_equal(a[3].service_proto, IPPROTO_UDP);
	assert_int_equal(a[3].service_port, 53);
	assert_int_equal(a[4].cond, TRAFFIC_COUNT);
	assert_true(a[4].limit == 100);
	assert_int_equal(a[4].window_ms, 60000);
	assert_int_equal(a[5].rate, RATE_DROPS);
	config_free(cfg);
}

static void test_capture_host(void **state)
{
	struct pl_config *cfg = load("tests/configs/good/traffic.cfg");
	const struct host_cfg *h;
	static const char *const names[] = {
		"capture/link",	 "capture/storm", "capture/silence",
		"capture/burst", "capture/v6",	  "capture/errors",
		"capture/drops",
	};

	(void)state;
	assert_int_equal(cfg->n_hosts, 2);
	h = &cfg->hosts[1];
	assert_string_equal(h->name, "capture");
	assert_string_equal(h->address, "eth1");
	assert_int_equal(h->parent, -1);
	assert_int_equal(h->n_checks, 7);
	for (int i = 0; i < h->n_checks; i++) {
		const struct check_cfg *c = &h->checks[i];

		assert_string_equal(c->name, names[i]);
		assert_int_equal(c->type, CHECK_TRAFFIC);
		assert_int_equal(c->u.traffic.alarm, i - 1);
		assert_int_equal(c->fail_after, 1);
		assert_int_equal(c->recover_after, 1);
		assert_int_equal(c->interval_ms, 1000);
		for (int m = 0; m < METRIC_COUNT; m++)
			assert_false(c->thr[m].set);
	}
	assert_string_equal(check_type_name(CHECK_TRAFFIC), "traffic");
	/* LEDs find the capture checks by name: flat index 1 + 2 */
	assert_int_equal(cfg->indicators.leds[0].source, SRC_CHECK);
	assert_int_equal(cfg->indicators.leds[0].target, 3);
	assert_int_equal(cfg->indicators.leds[1].target, 1);
	config_free(cfg);
}

/* Without capture interfaces there is no capture host. */
static void test_no_capture(void **state)
{
	struct pl_config *cfg = load("tests/configs/good/minimal.cfg");

	(void)state;
	assert_int_equal(cfg->capture.n_alarms, 0);
	for (int i = 0; i < cfg->n_hosts; i++)
		assert_string_not_equal(cfg->hosts[i].name, "capture");
	config_free(cfg);
}

/* Interfaces alone bring capture/link. */
static void test_demo_link_only(void **state)
{
	struct pl_config *cfg = load("config/demo.cfg");
	const struct host_cfg *h = &cfg->hosts[cfg->n_hosts - 1];

	(void)state;
	assert_string_equal(h->name, "capture");
	assert_string_equal(h->address, "lo");
	assert_int_equal(h->n_checks, 1);
	assert_string_equal(h->checks[0].name, "capture/link");
	assert_int_equal(h->checks[0].u.traffic.alarm, -1);
	config_free(cfg);
}

/* interface alarms and the interfaces section, as written */
static void test_interfaces(void **state)
{
	struct pl_config *cfg = load("tests/configs/good/interfaces.cfg");
	const struct traffic_alarm_cfg *a = cfg->capture.alarms;

	(void)state;
	assert_true(cfg->interfaces.loopback);
	assert_int_equal(cfg->interfaces.n_exclude, 2);
	assert_string_equal(cfg->interfaces.exclude[0], "veth*");
	assert_string_equal(cfg->interfaces.exclude[1], "docker?");
	assert_int_equal(cfg->capture.n_alarms, 3);
	assert_string_equal(a[0].interface, "eth0");
	assert_int_equal(a[0].dir, TRAFFIC_DIR_TX);
	assert_int_equal(a[0].rate, RATE_ERRORS);
	assert_int_equal(a[0].cond, TRAFFIC_COUNT);
	assert_string_equal(a[1].interface, "eth0");
	assert_int_equal(a[1].dir, TRAFFIC_DIR_BOTH);
	assert_int_equal(a[2].rate, RATE_OVERRUNS);
	assert_int_equal(a[2].dir, TRAFFIC_DIR_RX);
	config_free(cfg);
	/* without the section: no loopback, nothing excluded */
	cfg = load("tests/configs/good/traffic.cfg");
	assert_false(cfg->interfaces.loopback);
	assert_int_equal(cfg->interfaces.n_exclude, 0);
	assert_string_equal(cfg->capture.alarms[0].interface, "");
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alarms),
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_capture_host),
		cmocka_unit_test(test_no_capture),
		cmocka_unit_test(test_demo_link_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
