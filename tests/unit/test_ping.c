/*
 * test_ping.c - the ICMP echo engine, once with raw sockets and once with
 * ICMP datagram sockets, each test inside a network namespace it creates:
 * replies and sane RTTs on 127.0.0.1 and ::1, 50 targets at once, the
 * timeout when iptables drops the requests, errors counted at once (a
 * route to nowhere, ICMP errors from iptables REJECT), cancelled bursts
 * that never report, bad parameters.  Traffic goes only to loopback inside
 * those namespaces.  Needs root, iproute2 and iptables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "ping_fixture.h"

static void test_socket_kind(void **state)
{
	struct fx *fx = *state;
	enum ping_socket_kind want = fx->raw ? PING_SOCK_RAW : PING_SOCK_DGRAM;
	struct ping *p2;

	assert_int_equal(ping_socket_kind(fx->p, AF_INET), want);
	if (has_ipv6_loopback())
		assert_int_equal(ping_socket_kind(fx->p, AF_INET6), want);
	assert_int_equal(ping_socket_kind(fx->p, AF_UNIX), PING_SOCK_NONE);
	assert_int_equal(ping_socket_kind(NULL, AF_INET), PING_SOCK_NONE);
	if (fx->raw)
		return;
	/* Outside ping_group_range, root falls back to raw sockets. */
	assert_int_equal(nsx_sysctl_set(GROUP_RANGE, RANGE_NOBODY), 0);
	p2 = ping_open(fx->l, false);
	assert_int_equal(nsx_sysctl_set(GROUP_RANGE, RANGE_ALL), 0);
	assert_non_null(p2);
	assert_int_equal(ping_socket_kind(p2, AF_INET), PING_SOCK_RAW);
	ping_close(p2);
}

static void test_loopback_v4(void **state)
{
	struct fx *fx = *state;
	struct res r = { 0 };

	assert_true(start(fx, &r, "127.0.0.1", &quick) > 0);
	nsx_run(fx->l, MS(3000));
	assert_all_answered(&r, quick.count);
}

static void test_loopback_v6(void **state)
{
	struct fx *fx = *state;
	struct res r = { 0 };

	if (!has_ipv6_loopback())
		skip();
	assert_true(start(fx, &r, "::1", &quick) > 0);
	nsx_run(fx->l, MS(3000));
	assert_all_answered(&r, quick.count);
}

/* The smallest and the largest payload both come back. */
static void test_payload_sizes(void **state)
{
	struct fx *fx = *state;
	struct ping_params pp = quick;
	struct res r[2] = { { 0 } };

	pp.count = 1;
	pp.payload = 0;
	assert_true(start(fx, &r[0], "127.0.0.1", &pp) > 0);
	pp.payload = 1472;
	assert_true(start(fx, &r[1], "127.0.0.2", &pp) > 0);
	nsx_run(fx->l, MS(3000));
	assert_all_answered(&r[0], 1);
	assert_all_answered(&r[1], 1);
}

static void test_fifty_targets(void **state)
{
	struct fx *fx = *state;
	struct res r[50];
	struct ping_params pp = quick;
	char ip[32];

	memset(r, 0, sizeof(r));
	pp.count = 2;
	for (int i = 0; i < 50; i++) {
		snprintf(ip, sizeof(ip), "127.0.0.%d", i + 1);
		assert_true(start(fx, &r[i], ip, &pp) > 0);
	}
	nsx_run(fx->l, MS(5000));
	for (int i = 0; i < 50; i++)
		assert_all_answered(&r[i], 2);
}

static void test_timeout_when_dropped(void **state)
{
	struct fx *fx = *state;
	struct ping_params pp = quick;
	struct res r = { 0 };
	int64_t t0, took;

	assert_int_equal(nsx_sh("ip netns exec %s iptables -w -A INPUT -p icmp "
				"-j DROP",
				fx->ns),
			 0);
	pp.count = 2;
	pp.spacing_ns = MS(50);
	pp.timeout_ns = MS(300);
	t0 = clock_now_ns();
	assert_true(start(fx, &r, "127.0.0.1", &pp) > 0);
	nsx_run(fx->l, MS(3000));
	took = r.at_ns - t0;
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.st.sent, 2);
	assert_int_equal(r.st.received, 0);
	assert_int_equal(r.st.errors, 0);
	assert_true(r.st.loss_pct == 100.0);
	assert_true(isnan(r.st.rtt_avg_ms) && isnan(r.st.jitter_ms));
	/* The second request's timeout ends the burst: not before it. */
	assert_true(took >= MS(345));
}

/* A route to nowhere: sendto() fails, and that counts at once. */
static void test_unreachable_route(void **state)
{
	struct fx *fx = *state;
	struct ping_params pp = quick;
	struct res r = { 0 };
	int64_t t0;

	assert_int_equal(
		nsx_sh("ip -n %s route add unreachable 10.99.0.0/16", fx->ns),
		0);
	pp.timeout_ns = MS(5000);
	t0 = clock_now_ns();
	assert_true(start(fx, &r, "10.99.0.1", &pp) > 0);
	/* Never from inside ping_start(), even when already finished. */
	assert_int_equal(r.calls, 0);
	nsx_run(fx->l, MS(6000));
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.st.sent, 3);
	assert_int_equal(r.st.errors, 3);
	assert_int_equal(r.st.received, 0);
	assert_true(r.st.loss_pct == 100.0);
	assert_string_equal(r.st.error, "host unreachable");
	assert_string_equal(r.st.error_from, "");
	/* The errors ended the burst, not its 5 s timeout. */
	assert_true(r.at_ns - t0 < pp.timeout_ns);
}

struct reject_case {
	const char *tool, *proto, *with, *dst, *error;
};

static const struct reject_case rejects[] = {
	{ "iptables", "icmp", "icmp-host-unreachable", "127.0.0.1",
	  "host unreachable" },
	{ "iptables", "icmp", "icmp-net-unreachable", "127.0.0.1",
	  "network unreachable" },
	{ "iptables", "icmp", "icmp-port-unreachable", "127.0.0.1",
	  "port unreachable" },
	{ "iptables", "icmp", "icmp-admin-prohibited", "127.0.0.1",
	  "admin prohibited" },
	{ "ip6tables", "icmpv6", "icmp6-addr-unreachable", "::1",
	  "host unreachable" },
	{ "ip6tables", "icmpv6", "icmp6-no-route", "::1",
	  "network unreachable" },
	{ "ip6tables", "icmpv6", "icmp6-port-unreachable", "::1",
	  "port unreachable" },
	{ "ip6tables", "icmpv6", "icmp6-adm-prohibited", "::1",
	  "admin prohibited" },
};

/* ICMP errors (from REJECT, quoting our request) fail a request at once:
 * through the error queue on datagram sockets, as packets on raw ones. */
static void test_icmp_errors(void **state)
{
	struct fx *fx = *state;
	struct ping_params pp = quick;
	bool v6 = has_ipv6_loopback();

	pp.count = 2;
	pp.timeout_ns = MS(5000);
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		const struct reject_case *c = &rejects[i];
		struct res r = { 0 };
		int64_t t0;

		if (c->dst[0] == ':' && !v6)
			continue;
		assert_int_equal(nsx_sh("ip netns exec %s %s -w -F INPUT",
					fx->ns, c->tool),
				 0);
		/* Only requests: the error must get in. */
		assert_int_equal(nsx_sh("ip netns exec %s %s -w -A INPUT -p %s "
					"--%s-type echo-request -j REJECT "
					"--reject-with %s",
					fx->ns, c->tool, c->proto, c->proto,
					c->with),
				 0);
		t0 = clock_now_ns();
		assert_true(start(fx, &r, c->dst, &pp) > 0);
		nsx_run(fx->l, MS(6000));
		print_message("%-24s -> %s from %s\n", c->with, r.st.error,
			      r.st.error_from);
		assert_int_equal(r.calls, 1);
		assert_int_equal(r.st.errors, 2);
		assert_int_equal(r.st.received, 0);
		assert_string_equal(r.st.error, c->error);
		assert_string_equal(r.st.error_from, c->dst);
		/* The errors ended the burst, not its 5 s timeout. */
		assert_true(r.at_ns - t0 < pp.timeout_ns);
	}
}

static void test_cancel(void **state)
{
	struct fx *fx = *state;
	struct ping_params pp = quick;
	struct res a = { 0 }, b = { 0 }, c = { 0 };
	int id_a, id_b;

	assert_int_equal(
		nsx_sh("ip -n %s route add unreachable 10.99.0.0/16", fx->ns),
		0);
	/* a: replies on their way; b: already failed, report pending. */
	id_a = start(fx, &a, "127.0.0.1", &pp);
	pp.count = 1;
	id_b = start(fx, &b, "10.99.0.1", &pp);
	assert_true(id_a > 0 && id_b > 0 && id_a != id_b);
	ping_cancel(fx->p, id_a);
	ping_cancel(fx->p, id_b);
	fx->pending -= 2;
	ping_cancel(fx->p, id_b);
	ping_cancel(fx->p, 0);
	ping_cancel(fx->p, -7);
	ping_cancel(fx->p, 123456789);
	ping_cancel(NULL, id_a);
	assert_true(start(fx, &c, "127.0.0.2", &pp) > 0);
	nsx_run(fx->l, MS(3000));
	assert_int_equal(c.calls, 1);
	/* Give the cancelled ones every chance to (wrongly) report. */
	nsx_run(fx->l, MS(300));
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 0);
}

static void test_bad_params(void **state)
{
	struct fx *fx = *state;
	struct ping_params pp = quick;
	struct sockaddr_storage ss;
	socklen_t len = make_addr("127.0.0.1", &ss);
	struct sockaddr *sa = (struct sockaddr *)&ss;
	struct res r = { .fx = fx };

	pp.count = 0;
	assert_int_equal(ping_start(fx->p, sa, len, &pp, on_done, &r), -1);
	assert_int_equal(errno, EINVAL);
	pp = quick;
	pp.payload = 1473;
	assert_int_equal(ping_start(fx->p, sa, len, &pp, on_done, &r), -1);
	pp = quick;
	pp.timeout_ns = 0;
	assert_int_equal(ping_start(fx->p, sa, len, &pp, on_done, &r), -1);
	assert_int_equal(ping_start(fx->p, sa, len - 1, &quick, on_done, &r),
			 -1);
	assert_int_equal(ping_start(fx->p, sa, len, &quick, NULL, &r), -1);
	ss.ss_family = AF_UNIX;
	assert_int_equal(ping_start(fx->p, sa, len, &quick, on_done, &r), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
}

/* PING_MAX_BURSTS at once, then ENOBUFS; a cancel frees a place. */
int main(void)
{
	const struct CMUnitTest tests[] = {
#define BOTH(t)                                                                \
	cmocka_unit_test_prestate_setup_teardown(t, setup, teardown,           \
						 &mode_raw),                   \
		cmocka_unit_test_prestate_setup_teardown(t, setup, teardown,   \
							 &mode_dgram)
		BOTH(test_socket_kind),
		BOTH(test_loopback_v4),
		BOTH(test_loopback_v6),
		BOTH(test_payload_sizes),
		BOTH(test_fifty_targets),
		BOTH(test_timeout_when_dropped),
		BOTH(test_unreachable_route),
		BOTH(test_icmp_errors),
		BOTH(test_cancel),
		BOTH(test_bad_params),
#undef BOTH
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_ping: needs root (namespaces, raw "
				"sockets)\n");
		return 1;
	}
	nsx_reap("plt-ping-");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
