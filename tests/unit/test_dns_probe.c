/*
 * test_dns_probe.c - the dns check against a DNS server this test runs on
 * 127.0.0.1 in the same loop (tests/unit/dns_fixture.h): right and wrong
 * answers, NXDOMAIN, SERVFAIL, a reply cut short, junk, silence, a closed
 * port; and, when dnsmasq is installed, against dnsmasq.  Asserts what a
 * user sees: ok, the reason text, the response time.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns_fixture.h"
#include "dns_probe.h"
#include "../../src/probes/dns_rr.h"
#include "loop_fixture.h"

struct fx {
	struct loop *l;
	struct dns_fixture d;
	struct check_cfg c;
	char server[64];
	struct probe_run run;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->l = loop_new();
	assert_non_null(f->l);
	assert_int_equal(df_open(&f->d, f->l), 0);
	df_add_a(&f->d, "10.0.0.5");
	df_add_mx(&f->d, 10, "mail.example");
	df_add_txt(&f->d, "v=spf1 -all");
	snprintf(f->server, sizeof(f->server), "%s", f->d.addr);
	f->c = (struct check_cfg){ .name = "dns",
				   .type = CHECK_DNS,
				   .interval_ms = 10000,
				   .timeout_ms = 1000 };
	f->c.u.dns.server = f->server;
	f->c.u.dns.query = "nas.example";
	snprintf(f->c.u.dns.qtype, sizeof(f->c.u.dns.qtype), "A");
	snprintf(f->c.u.dns.rcode, sizeof(f->c.u.dns.rcode), "NOERROR");
	f->run.l = f->l;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	df_close(&f->d);
	loop_free(f->l);
	free(f);
	return 0;
}

/* Start the check, make sure nothing came back synchronously, run the
 * loop until done (or watchdog_ms). */
static void run_check(struct fx *f, int64_t watchdog_ms)
{
	struct dns_probe *p;

	f->run.start_ns = clock_now_ns();
	p = dns_probe_start(f->l, &f->c, probe_run_done, &f->run);
	assert_non_null(p);
	assert_int_equal(f->run.calls, 0);
	probe_run_loop(&f->run, watchdog_ms);
	assert_int_equal(f->run.calls, 1);
}

static void test_a_answer_matches(void **state)
{
	struct fx *f = *state;

	f->c.u.dns.answer = "10.0.0.5";
	run_check(f, 2000);
	assert_true(f->run.r.ok);
	assert_string_equal(f->d.last_name, "nas.example");
	assert_int_equal(f->d.last_qtype, DF_T_A);
	assert_true(strncmp(f->run.r.reason, "NOERROR 1 answer in ", 20) == 0);
	assert_non_null(strstr(f->run.r.reason, " ms"));
	assert_true(f->run.r.value[METRIC_RESPONSE_TIME] > 0.0);
	assert_true(f->run.r.value[METRIC_RESPONSE_TIME] < 1000.0);
	assert_string_equal(f->run.r.output, "10.0.0.5");
}

static void test_any_answer_counts_records(void **state)
{
	struct fx *f = *state;

	df_add_a(&f->d, "10.0.0.6");
	df_add_a(&f->d, "10.0.0.7");
	run_check(f, 2000);
	assert_true(f->run.r.ok);
	assert_true(strncmp(f->run.r.reason, "NOERROR 3 answers in ", 21) == 0);
	assert_string_equal(f->run.r.output, "10.0.0.5, 10.0.0.6, 10.0.0.7");
}

static void test_a_answer_differs(void **state)
{
	struct fx *f = *state;

	f->d.rrs[0].rdata[3] = 9; /* the server now says 10.0.0.9 */
	f->c.u.dns.answer = "10.0.0.5";
	run_check(f, 2000);
	assert_false(f->run.r.ok);
	assert_string_equal(f->run.r.reason,
			    "answer 10.0.0.9, expected 10.0.0.5");
	assert_true(f->run.r.value[METRIC_RESPONSE_TIME] > 0.0);
}

static void test_aaaa_compared_as_address(void **state)
{
	struct fx *f = *state;

	df_add_aaaa(&f->d, "fd00::53");
	snprintf(f->c.u.dns.qtype, sizeof(f->c.u.dns.qtype), "AAAA");
	f->c.u.dns.answer = "FD00:0:0::53";
	run_check(f, 2000);
	assert_true(f->run.r.ok);
	assert_int_equal(f->d.last_qtype, DF_T_AAAA);
	assert_string_equal(f->run.r.output, "fd00::53");
}

static void test_no_record_of_type(void **state)
{
	struct fx *f = *state;

	snprintf(f->c.u.dns.qtype, sizeof(f->c.u.dns.qtype), "AAAA");
	f->c.u.dns.answer = "fd00::53";
	run_check(f, 2000);
	assert_false(f->run.r.ok);
	assert_string_equal(f->run.r.reason,
			    "no AAAA answer, expected fd00::53");
}

static void test_mx_and_txt_text(void **state)
{
	struct fx *f = *state;

	snprintf(f->c.u.dns.qtype, sizeof(f->c.u.dns.qtype), "MX");
	f->c.u.dns.answer = "10 MAIL.example"; /* case, final dot ignored */
	run_check(f, 2000);
	assert_true(f->run.r.ok);
	assert_string_equal(f->run.r.output, "10 mail.example.");

	f->run.calls = 0;
	f->c.u.dns.answer = "20 mail.example.";
	run_check(f, 2000);
	assert_false(f->run.r.ok);
	assert_string_equal(
		f->run.r.reason,
		"answer 10 mail.example., expected 20 mail.example.");

	f->run.calls = 0;
	snprintf(f->c.u.dns.qtype, sizeof(f->c.u.dns.qtype), "TXT");
	f->c.u.dns.answer = "v=spf1 -all";
	run_check(f, 2000);
	assert_true(f->run.r.ok);
	assert_string_equal(f->run.r.output, "v=spf1 -all");
}

/* rdata of a name, after n_pre raw bytes. */
static void add_named(struct fx *f, int type, const void *pre, int n_pre,
		      const char *name)
{
	unsigned char r[128];

	if (n_pre)
		memcpy(r, pre, (size_t)n_pre);
	df_add_rr(&f->d, type, r, n_pre + df_encode_name(r + n_pre, name));
}

static void expect_output(struct fx *f, const char *qtype, char *out)
{
	f->run.calls = 0;
	snprintf(f->c.u.dns.qtype, sizeof(f->c.u.dns.qtype), "%s", qtype);
	f->c.u.dns.answer = out;
	run_check(f, 2000);
	assert_true(f->run.r.ok);
	assert_int_equal(f->d.last_qtype, dns_qtype_code(qtype));
	assert_string_equal(f->run.r.output, out);
}

/* One record of every other type the check knows, beside setup's A, MX
 * and TXT. */
static void add_all_kinds(struct fx *f)
{
	/* priority 0, weight 5, port 5060 */
	static const unsigned char srv[] = { 0, 0, 0, 5, 0x13, 0xc4 };
	static const uint32_t soa[] = { 2022317317, 7200, 3600, 1209600, 3600 };
	unsigned char r[128];
	int n;

	df_add_aaaa(&f->d, "fd00::53");
	add_named(f, 5, NULL, 0, "nas.example");
	add_named(f, 2, NULL, 0, "ns1.example");
	add_named(f, 12, NULL, 0, "nas.example");
	add_named(f, 33, srv, sizeof(srv), "sip.example");
	/* SOA: mname, rname, serial, refresh, retry, expire, minimum. */
	n = df_encode_name(r, "ns1.example");
	n += df_encode_name(r + n, "hostmaster.example");
	for (int i = 0; i < 5; i++) {
		n = df_put16(r, n, soa[i] >> 16);
		n = df_put16(r, n, soa[i] & 0xffff);
	}
	df_add_rr(&f->d, 6, r, n);
}

static void test_record_text_formats(void **state)
{
	struct fx *f = *state;

	add_all_kinds(f);
	expect_output(f, "CNAME", "nas.example.");
	expect_output(f, "NS", "ns1.example.");
	expect_output(f, "PTR", "nas.example.");
	expect_output(f, "SRV", "0 5 5060 sip.example.");
	expect_output(f, "SOA",
		      "ns1.example. hostmaster.example. 2022317317 "
		      "7200 3600 1209600 3600");
}

/* Every answer type's parser on every prefix of a good reply and with
 * every byte flipped: a verdict or "malformed", never a crash (run it
 * under ASan to see the difference). */
static void count_rr(void *ctx, const char *text, size_t len)
{
	(void)text;
	(void)len;
	(*(int *)ctx)++;
}

static void test_reply_parser_survives_damage(void **state)
{
	static const char *const types[] = { "A",   "AAAA", "CNAME", "MX", "NS",
					     "PTR", "SOA",  "SRV",   "TXT" };
	static const unsigned char q[] = { 0x12, 0x34, 1,   0,	 0,   1,
					   0,	 0,    0,   0,	 0,   0,
					   3,	 'n',  'a', 's', 7,   'e',
					   'x',	 'a',  'm', 'p', 'l', 'e',
					   0,	 0,    1,   0,	 1 };
	struct fx *f = *state;
	unsigned char p[2048], bad[2048];
	int len, calls = 0;

	df_add_a(&f->d, "10.0.0.6");
	add_all_kinds(f);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		int code = dns_qtype_code(types[t]);

		f->d.last_qtype = code;
		len = df_reply(&f->d, q, (int)sizeof(q), p, true);
		for (int cut = 0; cut <= len; cut++)
			dns_rr_each(p, cut, code, count_rr, &calls);
		for (int at = 0; at < len; at++) {
			for (int v = 0; v < 256; v += 51) {
				memcpy(bad, p, (size_t)len);
				bad[at] = (unsigned char)v;
				dns_rr_each(bad, len, code, count_rr, &calls);
			}
		}
	}
	assert_true(calls > 0);
}

static void test_nxdomain_unexpected(void **state)
{
	struct fx *f = *state;

	f->d.mode = DF_NXDOMAIN;
	run_check(f, 2000);
	assert_false(f->run.r.ok);
	assert_string_equal(f->run.r.reason,
			    "rcode NXDOMAIN, expected NOERROR");
	assert_true(f->run.r.value[METRIC_RESPONSE_TIME] > 0.0);
	assert_int_equal(f->d.n_queries, 1);
}

static void test_nxdomain_expected(void **state)
{
	struct fx *f = *state;

	f->d.mode = DF_NXDOMAIN;
	snprintf(f->c.u.dns.rcode, sizeof(f->c.u.dns.rcode), "NXDOMAIN");
	run_check(f, 2000);
	assert_true(f->run.r.ok);
	assert_true(strncmp(f->run.r.reason, "NXDOMAIN 0 answers in ", 22) ==
		    0);
}

/* c-ares would retry a SERVFAIL elsewhere; the check reports it. */
static void test_servfail(void **state)
{
	struct fx *f = *state;

	f->d.mode = DF_SERVFAIL;
	run_check(f, 2000);
	assert_false(f->run.r.ok);
	assert_string_equal(f->run.r.reason,
			    "rcode SERVFAIL, expected NOERROR");
	assert_int_equal(f->d.n_queries, 1);
}

static void test_truncated_reply(void **state)
{
	struct fx *f = *state;
	char want[64];

	f->d.mode = DF_TRUNCATED;
	run_check(f, 2000);
	assert_false(f->run.r.ok);
	/* 12 header + 17 question ("nas.example") + 14 of a 16-byte RR. */
	snprintf(want, sizeof(want), "malformed reply (%d bytes)",
		 12 + 17 + 14);
	assert_string_equal(f->run.r.reason, want);
}

/* A reply too big for UDP: c-ares asks again over TCP (through the loop,
 * connect included) and the check judges the TCP answer. */
static void test_truncated_flag_falls_back_to_tcp(void **state)
{
	struct fx *f = *state;

	f->d.mode = DF_TC;
	f->c.u.dns.answer = "10.0.0.5";
	run_check(f, 2000);
	assert_true(f->run.r.ok);
	assert_int_equal(f->d.n_tcp_queries, 1);
	assert_int_equal(f->d.n_queries, 2);
	assert_string_equal(f->run.r.output, "10.0.0.5");
}

static void test_silent_server_times_out(void **state)
{
	struct fx *f = *state;

	f->d.mode = DF_SILENT;
	f->c.timeout_ms = 300;
	run_check(f, 2000);
	assert_false(f->run.r.ok);
	assert_string_equal(f->run.r.reason, "timeout after 300 ms");
	assert_true(isnan(f->run.r.value[METRIC_RESPONSE_TIME]));
	assert_true(probe_run_ms(&f->run) >= 290.0); /* not before it */
	assert_int_equal(f->d.n_queries, 2);	     /* one retransmit */
}

/* Junk is dropped, never crashes anything; the check then times out. */
static void test_garbage_ignored(void **state)
{
	struct fx *f = *state;

	f->d.mode = DF_GARBAGE;
	f->c.timeout_ms = 300;
	run_check(f, 2000);
	assert_false(f->run.r.ok);
	assert_string_equal(f->run.r.reason, "timeout after 300 ms");
}

static void test_connection_refused(void **state)
{
	struct fx *f = *state;
	char want[64];
	int port = df_closed_port();

	assert_true(port > 0);
	snprintf(f->server, sizeof(f->server), "127.0.0.1:%d", port);
	run_check(f, 2000);
	assert_false(f->run.r.ok);
	snprintf(want, sizeof(want), "server 127.0.0.1:%d: connection refused",
		 port);
	assert_string_equal(f->run.r.reason, want);
}

static void test_cancel_no_callback(void **state)
{
	struct fx *f = *state;
	struct dns_probe *p;

	f->d.mode = DF_SILENT;
	p = dns_probe_start(f->l, &f->c, probe_run_done, &f->run);
	assert_non_null(p);
	loop_add_timer(f->l, 50 * NS_PER_MS, probe_run_on_guard, NULL);
	loop_run(f->l); /* the question is out */
	dns_probe_cancel(p);
	f->d.mode = DF_ANSWER;
	loop_add_timer(f->l, 200 * NS_PER_MS, probe_run_on_guard, NULL);
	loop_run(f->l);
	assert_int_equal(f->run.calls, 0);
	assert_int_equal(f->d.n_queries, 1);
	dns_probe_cancel(NULL);
}

static void test_bad_arguments(void **state)
{
	struct fx *f = *state;

	errno = 0;
	snprintf(f->c.u.dns.qtype, sizeof(f->c.u.dns.qtype), "HINFO");
	assert_null(dns_probe_start(f->l, &f->c, probe_run_done, &f->run));
	assert_int_equal(errno, EINVAL);
	snprintf(f->c.u.dns.qtype, sizeof(f->c.u.dns.qtype), "A");
	snprintf(f->server, sizeof(f->server), "not-an-address");
	errno = 0;
	assert_null(dns_probe_start(f->l, &f->c, probe_run_done, &f->run));
	assert_int_equal(errno, EINVAL);
	assert_null(dns_probe_start(f->l, NULL, probe_run_done, &f->run));
	assert_int_equal(f->run.calls, 0);
}

/* Bare IPv6 and bracketed IPv6 with a port are servers, not port lists. */
static void test_ipv6_server_forms(void **state)
{
	struct fx *f = *state;
	struct dns_probe *p;

	snprintf(f->server, sizeof(f->server), "::1");
	p = dns_probe_start(f->l, &f->c, probe_run_done, &f->run);
	assert_non_null(p);
	dns_probe_cancel(p);
	snprintf(f->server, sizeof(f->server), "[::1]:%d", df_closed_port());
	p = dns_probe_start(f->l, &f->c, probe_run_done, &f->run);
	assert_non_null(p);
	dns_probe_cancel(p);
	assert_int_equal(f->run.calls, 0);
}

/* A real peer: dnsmasq on a spare loopback port, if it is installed. */
static pid_t start_dnsmasq(int port)
{
	char arg_port[32];
	pid_t pid;

	snprintf(arg_port, sizeof(arg_port), "--port=%d", port);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execlp("dnsmasq", "dnsmasq", "-k", arg_port,
		       "--listen-address=127.0.0.1", "--bind-interfaces",
		       "--no-resolv", "--no-hosts",
		       "--address=/nas.lab/10.77.0.20", "-C", "/dev/null",
		       (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void test_dnsmasq(void **state)
{
	struct fx *f = *state;
	int port = df_closed_port();
	pid_t pid;
	int status;

	if (system("command -v dnsmasq >/dev/null 2>&1") != 0) {
		print_message(
			"dnsmasq not installed (dnsmasq-base): skipped\n");
		skip();
	}
	pid = start_dnsmasq(port);
	assert_true(pid > 0);
	snprintf(f->server, sizeof(f->server), "127.0.0.1:%d", port);
	f->c.u.dns.query = "nas.lab";
	f->c.u.dns.answer = "10.77.0.20";
	/* dnsmasq needs a moment to bind: refused means "not yet". */
	for (int i = 0; i < 50; i++) {
		f->run.calls = 0;
		run_check(f, 2000);
		if (!strstr(f->run.r.reason, "refused"))
			break;
		usleep(100 * 1000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	assert_true(f->run.r.ok);
	assert_true(strncmp(f->run.r.reason, "NOERROR 1 answer in ", 20) == 0);
	assert_string_equal(f->run.r.output, "10.77.0.20");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_answer_matches, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_any_answer_counts_records,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_answer_differs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_aaaa_compared_as_address,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_record_of_type, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mx_and_txt_text, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_record_text_formats, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_reply_parser_survives_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nxdomain_unexpected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nxdomain_expected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_servfail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_reply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_truncated_flag_falls_back_to_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_server_times_out,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_ignored, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_connection_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel_no_callback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_server_forms, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dnsmasq, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
