/*
 * test_metrics.c - what a Prometheus server and a person with a browser
 * see: the exact /metrics text for a known status (tests/configs/good/
 * exports.cfg: router/ping, web/http, web/tcp:22, group core), the
 * value and label formatting rules, the request router, and that the
 * status page escapes what comes from the network.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/exports/exports_int.h"
#include "clock.h"
#include "lcd_charset.h"
#include "netdev.h"
#include "procself.h"

#define NOW_NS	(1000 * NS_PER_S)
#define WALL_NS (INT64_C(1795000000) * NS_PER_S + 250 * NS_PER_MS)

struct fixture {
	struct pl_config *cfg;
	struct check_status checks[3];
	struct host_status hosts[2];
	struct status st;
	struct metrics_self self;
	struct metrics_webhook wh[1];
	struct xbuf b;
};

static void no_values(struct check_status *cs)
{
	for (int m = 0; m < METRIC_COUNT; m++)
		cs->values[m] = NAN;
	cs->rtt_min_ms = cs->rtt_max_ms = NAN;
}

static void fill_checks(struct check_status *c)
{
	/* router/ping: OK for a minute, 12.5 ms, 20 % loss */
	c[0] = (struct check_status){ .state = STATE_OK,
				      .have_result = true,
				      .since_ns = NOW_NS - 60 * NS_PER_S };
	for (int i = 0; i < 3; i++)
		no_values(&c[i]);
	c[0].rtt_min_ms = 10;
	c[0].rtt_max_ms = 15.5;
	c[0].values[METRIC_RTT] = 12.5;
	c[0].values[METRIC_LOSS] = 20;
	c[0].values[METRIC_JITTER] = 1.25;
	/* web/http: WARNING (slow), flapping; certificate 20 days */
	c[1].state = STATE_WARNING;
	c[1].have_result = true;
	c[1].flapping = true;
	c[1].since_ns = NOW_NS - 2 * NS_PER_S;
	c[1].values[METRIC_RESPONSE_TIME] = 250;
	c[1].values[METRIC_CERT_DAYS] = 20;
	/* web/tcp:22: no result yet */
	c[2].state = STATE_UNKNOWN;
	c[2].since_ns = NOW_NS - 30 * NS_PER_S;
}

static int setup(void **state)
{
	static struct fixture f;
	struct config_errors errs = { 0 };

	memset(&f, 0, sizeof(f));
	f.cfg = config_load("tests/configs/good/exports.cfg", &errs);
	if (!f.cfg) {
		config_errors_print(&errs, stderr);
		return -1;
	}
	fill_checks(f.checks);
	f.hosts[0] = (struct host_status){ STATE_OK, 0, false };
	f.hosts[1] = (struct host_status){ STATE_WARNING, 0, false };
	f.st = (struct status){ .cfg = f.cfg,
				.checks = f.checks,
				.n_checks = 3,
				.hosts = f.hosts,
				.overall = STATE_WARNING,
				.alarm = true,
				.alarm_state = STATE_WARNING,
				.acknowledged = true,
				.n_events = 7 };
	f.st.groups[0] = STATE_WARNING;
	f.wh[0] = (struct metrics_webhook){ "ntfy", 4, 1, 0, 2 };
	f.self = (struct metrics_self){
		.now_ns = NOW_NS,
		.wall_ns = WALL_NS,
		.start_wall_ns = WALL_NS - 3600 * NS_PER_S,
		.reload_ok_wall_ns = WALL_NS - 600 * NS_PER_S,
		.loop_lag_s = 0.0015,
		.have_lcd_errors = true,
		.lcd_errors = 3,
		.log_dropped = 0,
		.events_written = 6,
		.events_suppressed = 1,
		.webhooks = f.wh,
		.n_webhooks = 1,
	};
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	config_free(f->cfg);
	xbuf_free(&f->b);
	return 0;
}

/* clang-format off */
static const char want_checks[] =
"# HELP pilotlight_check_state State of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
"# TYPE pilotlight_check_state gauge\n"
"pilotlight_check_state{check=\"router/ping\",host=\"router\",type=\"ping\"} 0\n"
"pilotlight_check_state{check=\"web/http\",host=\"web\",type=\"http\"} 1\n"
"pilotlight_check_state{check=\"web/tcp:22\",host=\"web\",type=\"tcp\"} 3\n"
"# HELP pilotlight_check_up 1 if the check is OK, else 0.\n"
"# TYPE pilotlight_check_up gauge\n"
"pilotlight_check_up{check=\"router/ping\",host=\"router\",type=\"ping\"} 1\n"
"pilotlight_check_up{check=\"web/http\",host=\"web\",type=\"http\"} 0\n"
"pilotlight_check_up{check=\"web/tcp:22\",host=\"web\",type=\"tcp\"} 0\n"
"# HELP pilotlight_check_flapping 1 while the check changes state often (6 changes in 20 results).\n"
"# TYPE pilotlight_check_flapping gauge\n"
"pilotlight_check_flapping{check=\"router/ping\",host=\"router\",type=\"ping\"} 0\n"
"pilotlight_check_flapping{check=\"web/http\",host=\"web\",type=\"http\"} 1\n"
"pilotlight_check_flapping{check=\"web/tcp:22\",host=\"web\",type=\"tcp\"} 0\n"
"# HELP pilotlight_check_unreachable 1 while a parent host of the check's host is down.\n"
"# TYPE pilotlight_check_unreachable gauge\n"
"pilotlight_check_unreachable{check=\"router/ping\",host=\"router\",type=\"ping\"} 0\n"
"pilotlight_check_unreachable{check=\"web/http\",host=\"web\",type=\"http\"} 0\n"
"pilotlight_check_unreachable{check=\"web/tcp:22\",host=\"web\",type=\"tcp\"} 0\n"
"# HELP pilotlight_check_last_change_timestamp_seconds When the check entered its current state (Unix time).\n"
"# TYPE pilotlight_check_last_change_timestamp_seconds gauge\n"
"pilotlight_check_last_change_timestamp_seconds{check=\"router/ping\",host=\"router\",type=\"ping\"} 1794999940.25\n"
"pilotlight_check_last_change_timestamp_seconds{check=\"web/http\",host=\"web\",type=\"http\"} 1794999998.25\n"
"pilotlight_check_last_change_timestamp_seconds{check=\"web/tcp:22\",host=\"web\",type=\"tcp\"} 1794999970.25\n"
"# HELP pilotlight_ping_rtt_min_seconds Fastest echo reply of the last ping round.\n"
"# TYPE pilotlight_ping_rtt_min_seconds gauge\n"
"pilotlight_ping_rtt_min_seconds{check=\"router/ping\",host=\"router\"} 0.01\n"
"# HELP pilotlight_ping_rtt_avg_seconds Mean echo round-trip time of the last ping round.\n"
"# TYPE pilotlight_ping_rtt_avg_seconds gauge\n"
"pilotlight_ping_rtt_avg_seconds{check=\"router/ping\",host=\"router\"} 0.0125\n"
"# HELP pilotlight_ping_rtt_max_seconds Slowest echo reply of the last ping round.\n"
"# TYPE pilotlight_ping_rtt_max_seconds gauge\n"
"pilotlight_ping_rtt_max_seconds{check=\"router/ping\",host=\"router\"} 0.0155\n"
"# HELP pilotlight_ping_jitter_seconds Mean difference between consecutive round trips of the last ping round.\n"
"# TYPE pilotlight_ping_jitter_seconds gauge\n"
"pilotlight_ping_jitter_seconds{check=\"router/ping\",host=\"router\"} 0.00125\n"
"# HELP pilotlight_ping_loss_ratio Share of echo requests of the last ping round without a reply (0..1).\n"
"# TYPE pilotlight_ping_loss_ratio gauge\n"
"pilotlight_ping_loss_ratio{check=\"router/ping\",host=\"router\"} 0.2\n"
"# HELP pilotlight_response_time_seconds Time to the answer of the last tcp, http or dns probe.\n"
"# TYPE pilotlight_response_time_seconds gauge\n"
"pilotlight_response_time_seconds{check=\"web/http\",host=\"web\",type=\"http\"} 0.25\n"
"# HELP pilotlight_cert_expiry_seconds Time left until the served TLS certificate expires.\n"
"# TYPE pilotlight_cert_expiry_seconds gauge\n"
"pilotlight_cert_expiry_seconds{check=\"web/http\",host=\"web\"} 1728000\n"
"# HELP pilotlight_host_state Worst state of the host's checks (UNKNOWN while a parent is down).\n"
"# TYPE pilotlight_host_state gauge\n"
"pilotlight_host_state{host=\"router\"} 0\n"
"pilotlight_host_state{host=\"web\"} 1\n"
"# HELP pilotlight_group_state State of the group by its rule.\n"
"# TYPE pilotlight_group_state gauge\n"
"pilotlight_group_state{group=\"core\"} 1\n"
"# HELP pilotlight_site_state Worst state of every host, as the status LED shows it.\n"
"# TYPE pilotlight_site_state gauge\n"
"pilotlight_site_state 1\n"
"# HELP pilotlight_alarm_active 1 while an alarm sounds or would sound.\n"
"# TYPE pilotlight_alarm_active gauge\n"
"pilotlight_alarm_active 1\n"
"# HELP pilotlight_alarm_state Level of the alarm (a state), 0 without one.\n"
"# TYPE pilotlight_alarm_state gauge\n"
"pilotlight_alarm_state 1\n"
"# HELP pilotlight_alarm_acknowledged 1 if the current alarm was acknowledged.\n"
"# TYPE pilotlight_alarm_acknowledged gauge\n"
"pilotlight_alarm_acknowledged 1\n"
"# HELP pilotlight_maintenance_active 1 during a maintenance window (alarms silenced).\n"
"# TYPE pilotlight_maintenance_active gauge\n"
"pilotlight_maintenance_active 0\n"
"# HELP pilotlight_events_total Events the policy raised (state changes, reloads, acknowledgements, maintenance, new devices).\n"
"# TYPE pilotlight_events_total counter\n"
"pilotlight_events_total 7\n";

static const char want_self[] =
"# HELP pilotlight_build_info Version of the running daemon (always 1).\n"
"# TYPE pilotlight_build_info gauge\n"
"pilotlight_build_info{version=\"" PL_VERSION "\"} 1\n"
"# HELP pilotlight_start_time_seconds When the daemon started (Unix time).\n"
"# TYPE pilotlight_start_time_seconds gauge\n"
"pilotlight_start_time_seconds 1794996400.25\n"
"# HELP pilotlight_config_last_reload_successful 1 if the last configuration (re)load succeeded.\n"
"# TYPE pilotlight_config_last_reload_successful gauge\n"
"pilotlight_config_last_reload_successful 1\n"
"# HELP pilotlight_config_last_reload_success_timestamp_seconds When a configuration was last loaded successfully (Unix time).\n"
"# TYPE pilotlight_config_last_reload_success_timestamp_seconds gauge\n"
"pilotlight_config_last_reload_success_timestamp_seconds 1794999400.25\n"
"# HELP pilotlight_loop_lag_seconds Worst lateness of a timer in the event loop since the previous scrape.\n"
"# TYPE pilotlight_loop_lag_seconds gauge\n"
"pilotlight_loop_lag_seconds 0.0015\n"
"# HELP pilotlight_log_messages_dropped_total Log messages dropped by the log rate limit.\n"
"# TYPE pilotlight_log_messages_dropped_total counter\n"
"pilotlight_log_messages_dropped_total 0\n"
"# HELP pilotlight_lcd_errors_total I2C errors talking to the LCD.\n"
"# TYPE pilotlight_lcd_errors_total counter\n"
"pilotlight_lcd_errors_total 3\n"
"# HELP pilotlight_events_written_total Events written to the events file or syslog.\n"
"# TYPE pilotlight_events_written_total counter\n"
"pilotlight_events_written_total 6\n"
"# HELP pilotlight_events_suppressed_total Events not written because of a rate limit.\n"
"# TYPE pilotlight_events_suppressed_total counter\n"
"pilotlight_events_suppressed_total 1\n"
"# HELP pilotlight_events_lost_total Events lost: out of the policy's ring unread, or dropped while the events file could not be written.\n"
"# TYPE pilotlight_events_lost_total counter\n"
"pilotlight_events_lost_total 0\n"
"# HELP pilotlight_webhook_sent_total Alerts the webhook receiver accepted.\n"
"# TYPE pilotlight_webhook_sent_total counter\n"
"pilotlight_webhook_sent_total{webhook=\"ntfy\"} 4\n"
"# HELP pilotlight_webhook_failed_total Alerts given up after max_retries or a refusal.\n"
"# TYPE pilotlight_webhook_failed_total counter\n"
"pilotlight_webhook_failed_total{webhook=\"ntfy\"} 1\n"
"# HELP pilotlight_webhook_dropped_total Alerts dropped unsent because the queue was full.\n"
"# TYPE pilotlight_webhook_dropped_total counter\n"
"pilotlight_webhook_dropped_total{webhook=\"ntfy\"} 0\n"
"# HELP pilotlight_webhook_queue_length Alerts waiting to be delivered.\n"
"# TYPE pilotlight_webhook_queue_length gauge\n"
"pilotlight_webhook_queue_length{webhook=\"ntfy\"} 2\n";
/* clang-format on */

/* Like assert_string_equal, but names the first line that differs. */
static void assert_text_equal(const char *got, const char *want)
{
	size_t line = 1, i = 0;

	while (got[i] && got[i] == want[i]) {
		if (got[i] == '\n')
			line++;
		i++;
	}
	if (got[i] == want[i])
		return;
	while (i > 0 && got[i - 1] != '\n')
		i--;
	print_error("line %zu differs:\n got: %.*s\nwant: %.*s\n", line,
		    (int)strcspn(got + i, "\n"), got + i,
		    (int)strcspn(want + i, "\n"), want + i);
	fail();
}

/* The whole page, byte for byte: self first, then the checks. */
static void test_render_exact(void **state)
{
	struct fixture *f = *state;
	char *want = malloc(sizeof(want_self) + sizeof(want_checks));

	assert_non_null(want);
	strcpy(want, want_self);
	strcat(want, want_checks);
	xbuf_reset(&f->b);
	metrics_render(&f->b, &f->st, &f->self);
	assert_false(f->b.oom);
	assert_text_equal(f->b.p, want);
	free(want);
}

/* Before the first status: only the daemon's own metrics. */
static void test_render_no_status(void **state)
{
	struct fixture *f = *state;

	xbuf_reset(&f->b);
	metrics_render(&f->b, NULL, &f->self);
	assert_text_equal(f->b.p, want_self);
}

/* The HTTP server's dropped connections, one series per reason, only
 * from a daemon that serves (have_http). */
static void test_render_http_drops(void **state)
{
	struct fixture *f = *state;
	struct metrics_self self = f->self;

	self.have_http = true;
	self.http_drops[HTTPD_DROP_NOT_ALLOWED] = 3;
	self.http_drops[HTTPD_DROP_SHED] = 120;
	xbuf_reset(&f->b);
	metrics_render(&f->b, NULL, &self);
	assert_non_null(strstr(
		f->b.p, "\n# TYPE pilotlight_http_connections_dropped_total "
			"counter\n"
			"pilotlight_http_connections_dropped_total{reason="
			"\"not_allowed\"} 3\n"
			"pilotlight_http_connections_dropped_total{reason="
			"\"shed\"} 120\n"
			"pilotlight_http_connections_dropped_total{reason="
			"\"timeout\"} 0\n"));
}

/* A failed reload shows as 0; a ping without replies has no RTT. */
static void test_reload_failed_and_no_reply(void **state)
{
	struct fixture *f = *state;

	strcpy(f->st.config_error, "x.cfg:3: syntax error");
	f->checks[0].values[METRIC_RTT] = NAN;
	f->checks[0].values[METRIC_LOSS] = 100;
	xbuf_reset(&f->b);
	metrics_render(&f->b, &f->st, &f->self);
	assert_non_null(strstr(f->b.p, "\npilotlight_config_last_reload_"
				       "successful 0\n"));
	assert_null(strstr(f->b.p, "pilotlight_ping_rtt"));
	assert_non_null(strstr(f->b.p, "\npilotlight_ping_loss_ratio{check="
				       "\"router/ping\",host=\"router\"} 1\n"));
	f->st.config_error[0] = '\0';
	f->checks[0].values[METRIC_RTT] = 12.5;
	f->checks[0].values[METRIC_LOSS] = 20;
}

static void test_values_and_labels(void **state)
{
	struct fixture *f = *state;

	xbuf_reset(&f->b);
	prom_sample1(&f->b, "m", "l", "a\"b\\c\nd", NAN);
	prom_sample1(&f->b, "m", NULL, NULL, INFINITY);
	prom_sample1(&f->b, "m", NULL, NULL, -INFINITY);
	prom_sample1(&f->b, "m", NULL, NULL, 3.0e-5);
	prom_sample1(&f->b, "m", NULL, NULL, -2);
	prom_sample1(&f->b, "m", NULL, NULL, 18446744073709.0);
	assert_string_equal(f->b.p, "m{l=\"a\\\"b\\\\c\\nd\"} NaN\n"
				    "m +Inf\n"
				    "m -Inf\n"
				    "m 3e-05\n"
				    "m -2\n"
				    "m 18446744073709\n");
}

/* Every interface, the capture interface that is gone, the process. */
static void test_render_system(void **state)
{
	struct fixture *f = *state;
	static struct netdev_table t;
	struct procself p = {
		.cpu_seconds = 1.5,
		.resident_bytes = 8 << 20,
		.open_fds = 9,
		.max_fds = -1,
		.start_time_s = 1795310625.5,
	};
	struct pl_config cfg = { 0 };
	char *cap[] = { "eth1" };

	t.n = 1;
	t.omitted = 2;
	t.ifs[0] = (struct netdev_if){ .name = "eth0",
				       .rx_bytes = 12345,
				       .tx_errors = 51,
				       .mtu = 1500,
				       .up = true,
				       .speed_bps = 1000000000 };
	cfg.capture.interfaces[0] = cap[0];
	cfg.capture.n_interfaces = 1;
	xbuf_reset(&f->b);
	metrics_render_system(&f->b, &t, &p, &cfg);
	assert_false(f->b.oom);
	assert_non_null(strstr(
		f->b.p,
		"# TYPE pilotlight_interface_receive_bytes_total counter\n"
		"pilotlight_interface_receive_bytes_total{interface=\"eth0\"} "
		"12345\n"));
	assert_non_null(strstr(f->b.p, "pilotlight_interface_transmit_errors_"
				       "total{interface=\"eth0\"} "
				       "51\n"));
	assert_non_null(strstr(
		f->b.p, "pilotlight_interface_up{interface=\"eth0\"} 1\n"
			"pilotlight_interface_up{interface=\"eth1\"} 0\n"));
	assert_non_null(strstr(
		f->b.p,
		"pilotlight_interface_mtu_bytes{interface=\"eth0\"} 1500\n"));
	assert_non_null(strstr(
		f->b.p, "pilotlight_interface_speed_bytes{interface=\"eth0\"} "
			"125000000\n"));
	assert_non_null(strstr(f->b.p, "pilotlight_interfaces_omitted 2\n"));
	assert_non_null(strstr(f->b.p,
			       "# TYPE process_cpu_seconds_total counter\n"
			       "process_cpu_seconds_total 1.5\n"));
	assert_non_null(
		strstr(f->b.p, "process_resident_memory_bytes 8388608\n"));
	assert_non_null(strstr(f->b.p, "process_open_fds 9\n"));
	/* unlimited: no max_fds rather than a made-up number */
	assert_null(strstr(f->b.p, "process_max_fds"));
	assert_non_null(
		strstr(f->b.p, "process_start_time_seconds 1795310625.5\n"));
	/* an excluded capture interface is not "down" */
	cfg.interfaces.n_exclude = 1;
	snprintf(cfg.interfaces.exclude[0], CFG_IF_PATTERN_MAX, "eth*");
	xbuf_reset(&f->b);
	metrics_render_system(&f->b, &t, NULL, &cfg);
	assert_null(strstr(f->b.p, "interface=\"eth1\""));
	assert_null(strstr(f->b.p, "process_"));
}

static void test_route(void **state)
{
	(void)state;
	assert_int_equal(httpd_route("GET", "/metrics"), HTTPD_METRICS);
	assert_int_equal(httpd_route("HEAD", "/metrics"), HTTPD_METRICS);
	assert_int_equal(httpd_route("GET", "/healthz"), HTTPD_HEALTHZ);
	assert_int_equal(httpd_route("GET", "/"), HTTPD_STATUS);
	assert_int_equal(httpd_route("GET", "/metrics/"), HTTPD_NOT_FOUND);
	assert_int_equal(httpd_route("GET", "/../etc/passwd"), HTTPD_NOT_FOUND);
	assert_int_equal(httpd_route("POST", "/metrics"), HTTPD_BAD_METHOD);
	assert_int_equal(httpd_route(NULL, NULL), HTTPD_NOT_FOUND);
}

/* What the panel shows, and nothing from the network unescaped. */
static void test_status_page(void **state)
{
	struct fixture *f = *state;
	struct panel_view v = { .n_leds = 1, .cols = 16, .rows = 2 };

	strcpy(v.leds[0].name, "status");
	v.leds[0].state = STATE_WARNING;
	v.leds[0].color = LED_YELLOW;
	v.leds[0].pattern = PAT_SLOW_BLINK;
	lcd_charset_encode("WARN web/http   ", v.lcd[0], 16);
	lcd_charset_encode("1 of 2 <bad>&   ", v.lcd[1], 16);
	strcpy(f->checks[1].reason, "<script>alert('x')</script>");
	xbuf_reset(&f->b);
	status_page_render(&f->b, &f->st, &v, NOW_NS, WALL_NS);
	assert_non_null(strstr(f->b.p, "<td>status</td><td><span "
				       "class=\"s1\">WARNING</span></td>"
				       "<td>yellow</td><td>slow_blink</td>"));
	assert_non_null(strstr(f->b.p, "<pre class=\"lcd\">WARN web/http   "
				       "\n1 of 2 &lt;bad&gt;&amp;   </pre>"));
	assert_non_null(strstr(f->b.p, "&lt;script&gt;alert(&#39;x&#39;)"
				       "&lt;/script&gt;"));
	assert_null(strstr(f->b.p, "<script>"));
	assert_non_null(strstr(f->b.p, "<td>web/tcp:22</td><td>tcp</td><td>"
				       "<span class=\"s3\">UNKNOWN</span>"));
	f->checks[1].reason[0] = '\0';
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_exact),
		cmocka_unit_test(test_render_no_status),
		cmocka_unit_test(test_render_http_drops),
		cmocka_unit_test(test_reload_failed_and_no_reply),
		cmocka_unit_test(test_values_and_labels),
		cmocka_unit_test(test_render_system),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_status_page),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
