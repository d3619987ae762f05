/*
 * test_event_flood.c - the events file under a flood of new devices, the
 * whole way: policy_new_device() and policy_report() → the policy's ring
 * → exports_notify() once a second (as the traffic tick calls it) → the
 * JSON lines.  A user reading the file must see every state change, and
 * each new device either on its own line or counted in a summary, in a
 * bounded number of lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "exports.h"
#include "loop.h"
#include "policy.h"

enum { WEB = 6 }; /* tests/configs/good/policy.cfg: fail_after 1 */

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static uint64_t sum_of(const char *text, const char *key)
{
	uint64_t n = 0;
	size_t klen = strlen(key);

	for (const char *p = text; (p = strstr(p, key)); p += klen)
		n += strtoull(p + klen, NULL, 10);
	return n;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1 << 20);

	assert_non_null(f);
	assert_non_null(text);
	assert_true(fread(text, 1, (1 << 20) - 1, f) > 0);
	fclose(f);
	return text;
}

static void web_result(struct policy *p, bool ok, int64_t now)
{
	struct probe_result r;

	probe_result_init(&r);
	r.ok = ok;
	r.value[METRIC_RESPONSE_TIME] = 5;
	snprintf(r.reason, sizeof(r.reason), ok ? "200 OK" : "refused");
	policy_report(p, WEB, &r, now);
}

/* 10 000 new devices in 10 s with web going OK → CRITICAL → OK →
 * CRITICAL among them, notified only once a second: all 3 changes are
 * written, the 30 a minute budget lists the first new devices and one
 * summary counts the rest (a second at close), nothing is lost. */
static void test_flood_through_the_exports(void **state)
{
	enum { N = 10000, PER_S = 1000 };
	struct config_errors errs = { 0 };
	struct pl_config *cfg;
	struct policy *p;
	struct loop *l;
	struct exports *e;
	char path[] = "/tmp/pl-event-flood-XXXXXX", mac[18], ip[16], *text;
	int64_t now = 100 * NS_PER_S;
	int fd, lines, devices;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	cfg = config_load("tests/configs/good/policy.cfg", &errs);
	assert_non_null(cfg);
	snprintf(cfg->events.file, sizeof(cfg->events.file), "%s", path);
	cfg->events.syslog = false;
	cfg->events.rate_limit = 30;
	l = loop_new();
	assert_non_null(l);
	p = policy_new(cfg, now);
	assert_non_null(p);
	e = exports_open(l, cfg, NULL);
	assert_non_null(e);
	assert_int_equal(exports_start(e), 0);

	web_result(p, true, now); /* UNKNOWN → OK: routine, not written */
	exports_notify(e, policy_status(p));
	for (int i = 0; i < N; i++) {
		snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x", i >> 8,
			 i & 0xff);
		snprintf(ip, sizeof(ip), "10.9.%d.%d", i >> 8, i & 0xff);
		now += NS_PER_S / PER_S;
		policy_new_device(p, mac, ip, NULL, now);
		if (i == 10 || i == N / 2 || i == N - 10)
			web_result(p, i == N / 2, now);
		if ((i + 1) % PER_S == 0)
			exports_notify(e, policy_status(p));
	}
	exports_close(e);
	policy_free(p);
	loop_free(l);
	config_free(cfg);

	text = slurp(path);
	unlink(path);
	assert_int_equal(count(text, "\"kind\":\"state\""), 3);
	assert_int_equal(count(text, "\"old_state\":\"OK\",\"new_state\":"
				     "\"CRITICAL\""),
			 2);
	assert_int_equal(count(text, "\"old_state\":\"CRITICAL\","
				     "\"new_state\":\"OK\""),
			 1);
	devices = count(text, "\"kind\":\"new_device\"");
	assert_true(devices >= 30 && devices <= 31);
	assert_int_equal(devices + sum_of(text, "\"new_devices\":"), N);
	assert_int_equal(sum_of(text, "\"lost\":"), 0);
	assert_int_equal(count(text, "\"kind\":\"suppressed\""), 2);
	assert_non_null(strstr(text, "latest 02:00:00:00:27:0f 10.9.39.15"));
	/* Within the first minute's bound: the burst and the refill, one
	 * summary, the state changes, and the summary at close. */
	lines = count(text, "\n");
	assert_true(lines <= 2 * 30 + 1 + 3 + 1);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_through_the_exports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
