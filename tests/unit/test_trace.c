/*
 * test_trace.c - route trace through namespaces this test builds:
 *
 *   A 10.77.1.2 -- 10.77.1.1 R 10.77.2.1 -- 10.77.2.2 B
 *   A 10.77.3.2 -- 10.77.3.1 R2 10.77.4.1 -- 10.77.4.2 B
 *
 * (and the same in fd77:N::/64 for IPv6).  The engine runs in A, with raw
 * and with datagram sockets.  A trace to B shows "R B"; sending B's
 * traffic through R2 changes the path; R's firewall and a B that drops
 * pings end the path short.  Needs root, iproute2, iptables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>

#include "netns_fixture.h"
#include "ping.h"
#include "trace.h"

#define MS(x) ((int64_t)(x)*NS_PER_MS)

static char ns_a[40], ns_r[40], ns_r2[40], ns_b[40];
static int saved_ns = -1;
static bool have_v6;

struct fx {
	bool raw;
	struct loop *l;
	struct ping *p;
	struct trace *t;
	int calls;
	struct trace_path path;
};

static bool mode_raw = true;
static bool mode_dgram;

/* A veth pair from ns x (interface xi, addresses xa, x6) to ns y, link
 * number n.  Fixed MACs and permanent neighbour entries: no ARP or
 * neighbour discovery to wait for (IPv6's takes a second on a new link). */
static int link_ns(int n, const char *x, const char *xi, const char *xa,
		   const char *x6, const char *y, const char *yi,
		   const char *ya, const char *y6)
{
	char xm[20], ym[20];
	int rc = 0;

	snprintf(xm, sizeof(xm), "02:77:%02x:00:00:0a", n);
	snprintf(ym, sizeof(ym), "02:77:%02x:00:00:0b", n);
	rc |= nsx_sh("ip -n %s link add %s address %s type veth peer name %s "
		     "address %s netns %s",
		     x, xi, xm, yi, ym, y);
	rc |= nsx_sh("ip -n %s addr add %s/24 dev %s", x, xa, xi);
	rc |= nsx_sh("ip -n %s addr add %s/24 dev %s", y, ya, yi);
	rc |= nsx_sh("ip -n %s neigh replace %s lladdr %s dev %s nud permanent",
		     x, ya, ym, xi);
	rc |= nsx_sh("ip -n %s neigh replace %s lladdr %s dev %s nud permanent",
		     y, xa, xm, yi);
	if (have_v6) {
		rc |= nsx_sh("ip -n %s addr add %s/64 dev %s nodad", x, x6, xi);
		rc |= nsx_sh("ip -n %s addr add %s/64 dev %s nodad", y, y6, yi);
		rc |= nsx_sh("ip -n %s neigh replace %s lladdr %s dev %s "
			     "nud permanent",
			     x, y6, ym, xi);
		rc |= nsx_sh("ip -n %s neigh replace %s lladdr %s dev %s "
			     "nud permanent",
			     y, x6, xm, yi);
	}
	rc |= nsx_sh("ip -n %s link set %s up", x, xi);
	rc |= nsx_sh("ip -n %s link set %s up", y, yi);
	return rc;
}

/* Routers forward and answer without ICMP rate limits. */
static int make_router(const char *ns)
{
	return nsx_sh("ip netns exec %s sh -c 'echo 1 > "
		      "/proc/sys/net/ipv4/ip_forward; echo 0 > "
		      "/proc/sys/net/ipv4/icmp_ratelimit; "
		      "[ ! -d /proc/sys/net/ipv6 ] || { echo 1 > "
		      "/proc/sys/net/ipv6/conf/all/forwarding; echo 0 > "
		      "/proc/sys/net/ipv6/icmp/ratelimit; }'",
		      ns);
}

static int build(void)
{
	int rc = 0;

	rc |= link_ns(1, ns_a, "a0", "10.77.1.2", "fd77:1::2", ns_r, "r0",
		      "10.77.1.1", "fd77:1::1");
	rc |= link_ns(2, ns_r, "r1", "10.77.2.1", "fd77:2::1", ns_b, "b0",
		      "10.77.2.2", "fd77:2::2");
	rc |= link_ns(3, ns_a, "a1", "10.77.3.2", "fd77:3::2", ns_r2, "s0",
		      "10.77.3.1", "fd77:3::1");
	rc |= link_ns(4, ns_r2, "s1", "10.77.4.1", "fd77:4::1", ns_b, "b1",
		      "10.77.4.2", "fd77:4::2");
	rc |= make_router(ns_r) | make_router(ns_r2);
	rc |= nsx_sh("ip -n %s route add default via 10.77.1.1", ns_a);
	rc |= nsx_sh("ip -n %s route add default via 10.77.2.1", ns_b);
	rc |= nsx_sh("ip -n %s route add 10.77.3.0/24 via 10.77.4.1", ns_b);
	rc |= nsx_sh("ip -n %s route add 10.77.2.0/24 via 10.77.4.2", ns_r2);
	/* R's firewall refuses 10.77.9.0/24.  (An "unreachable" route would
	 * do, but its errors share one token per second per source with
	 * every ICMP error R sends, and the knob is not per namespace.) */
	rc |= nsx_sh("ip -n %s route add 10.77.9.0/24 via 10.77.2.2", ns_r);
	rc |= nsx_sh("ip netns exec %s iptables -w -A FORWARD -d 10.77.9.0/24 "
		     "-j REJECT --reject-with icmp-admin-prohibited",
		     ns_r);
	if (have_v6) {
		rc |= nsx_sh("ip -n %s -6 route add default via fd77:1::1",
			     ns_a);
		rc |= nsx_sh("ip -n %s -6 route add default via fd77:2::1",
			     ns_b);
		rc |= nsx_sh("ip -n %s -6 route add fd77:3::/64 via fd77:4::1",
			     ns_b);
		rc |= nsx_sh("ip -n %s -6 route add fd77:2::/64 via fd77:4::2",
			     ns_r2);
	}
	return rc;
}

static void destroy(void)
{
	nsx_leave(&saved_ns);
	nsx_delete(ns_a);
	nsx_delete(ns_r);
	nsx_delete(ns_r2);
	nsx_delete(ns_b);
}

static int group_setup(void **state)
{
	int pid = (int)getpid();

	(void)state;
	snprintf(ns_a, sizeof(ns_a), "plt-tr%d-a", pid);
	snprintf(ns_r, sizeof(ns_r), "plt-tr%d-r", pid);
	snprintf(ns_r2, sizeof(ns_r2), "plt-tr%d-r2", pid);
	snprintf(ns_b, sizeof(ns_b), "plt-tr%d-b", pid);
	have_v6 = access("/proc/sys/net/ipv6", F_OK) == 0;
	nsx_reap("plt-tr");
	if (nsx_create(ns_a) || nsx_create(ns_r) || nsx_create(ns_r2) ||
	    nsx_create(ns_b) || build() != 0 ||
	    nsx_enter(ns_a, &saved_ns) < 0) {
		print_error("cannot build the namespaces\n");
		destroy();
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	destroy();
	return 0;
}

static void fx_free(struct fx *fx)
{
	trace_free(fx->t);
	ping_close(fx->p);
	loop_free(fx->l);
	nsx_sysctl_set("/proc/sys/net/ipv4/ping_group_range", "1 0");
	/* Undo what a test may have changed. */
	nsx_sh("ip -n %s route del 10.77.2.2/32", ns_a);
	nsx_sh("ip -n %s -6 route del fd77:2::2/128", ns_a);
	nsx_sh("ip netns exec %s iptables -w -F INPUT", ns_b);
	free(fx);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->raw = *(bool *)*state;
	if (!fx->raw && nsx_sysctl_set("/proc/sys/net/ipv4/ping_group_range",
				       "0 2147483647") < 0)
		goto fail;
	fx->l = loop_new();
	fx->p = fx->l ? ping_open(fx->l, fx->raw) : NULL;
	fx->t = trace_new(fx->p);
	if (!fx->t || ping_socket_kind(fx->p, AF_INET) !=
			      (fx->raw ? PING_SOCK_RAW : PING_SOCK_DGRAM))
		goto fail;
	*state = fx;
	return 0;
fail:
	print_error("setup: %s\n", strerror(errno));
	fx_free(fx);
	return -1;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static void on_path(void *arg, const struct trace_path *path)
{
	struct fx *fx = arg;

	fx->calls++;
	fx->path = *path;
	loop_stop(fx->l);
}

/* One round to ip; returns the path as text. */
static const char *trace_to(struct fx *fx, const char *ip, int max_hops,
			    int64_t timeout_ns)
{
	static char text[512];
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = sizeof(*in);

	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
		in6->sin6_family = AF_INET6;
		len = sizeof(*in6);
	}
	fx->calls = 0;
	assert_int_equal(trace_start(fx->t, (struct sockaddr *)&ss, len,
				     max_hops, timeout_ns, on_path, fx),
			 0);
	assert_int_equal(fx->calls, 0);
	nsx_run(fx->l, timeout_ns + MS(3000));
	assert_int_equal(fx->calls, 1);
	trace_path_format(&fx->path, text, sizeof(text));
	print_message("trace %s: %s%s %s\n", ip, text,
		      fx->path.reached ? " (reached)" : "", fx->path.error);
	return text;
}

static void test_path_through_router(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(trace_to(fx, "10.77.2.2", 16, MS(2000)),
			    "10.77.1.1 10.77.2.2");
	assert_true(fx->path.reached);
	assert_int_equal(fx->path.n_hops, 2);
	assert_string_equal(fx->path.error, "");
	/* Every hop answered (no "*"), so nothing waited for a timeout. */
}

static void test_route_change(void **state)
{
	struct fx *fx = *state;
	struct trace_path before, after;

	trace_to(fx, "10.77.2.2", 8, MS(1000));
	before = fx->path;
	assert_true(trace_path_equal(&before, &before));
	assert_int_equal(nsx_sh("ip -n %s route add 10.77.2.2/32 via "
				"10.77.3.1",
				ns_a),
			 0);
	assert_string_equal(trace_to(fx, "10.77.2.2", 8, MS(1000)),
			    "10.77.3.1 10.77.2.2");
	after = fx->path;
	assert_false(trace_path_equal(&before, &after));
	/* The same route again compares equal. */
	trace_to(fx, "10.77.2.2", 8, MS(1000));
	assert_true(trace_path_equal(&after, &fx->path));
}

static void test_path_v6(void **state)
{
	struct fx *fx = *state;
	struct trace_path before;

	if (!have_v6)
		skip();
	assert_string_equal(trace_to(fx, "fd77:2::2", 8, MS(2000)),
			    "fd77:1::1 fd77:2::2");
	assert_true(fx->path.reached);
	before = fx->path;
	assert_int_equal(nsx_sh("ip -n %s -6 route add fd77:2::2/128 via "
				"fd77:3::1",
				ns_a),
			 0);
	assert_string_equal(trace_to(fx, "fd77:2::2", 8, MS(2000)),
			    "fd77:3::1 fd77:2::2");
	assert_false(trace_path_equal(&before, &fx->path));
}

/* R refuses to forward: TTL 1 still expires at R, TTL 2 is refused by R,
 * and the path ends there. */
static void test_refused_ends_path(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(trace_to(fx, "10.77.9.9", 8, MS(2000)),
			    "10.77.1.1 10.77.1.1");
	assert_false(fx->path.reached);
	assert_string_equal(fx->path.error, "admin prohibited");
}

/* B drops pings: R answers, then silence until the timeout. */
static void test_silent_target(void **state)
{
	struct fx *fx = *state;
	int64_t t0 = clock_now_ns();

	assert_int_equal(nsx_sh("ip netns exec %s iptables -w -A INPUT -p icmp "
				"-j DROP",
				ns_b),
			 0);
	assert_string_equal(trace_to(fx, "10.77.2.2", 4, MS(300)),
			    "10.77.1.1 *");
	assert_false(fx->path.reached);
	assert_string_equal(fx->path.error, "");
	assert_true(clock_now_ns() - t0 >= MS(300));
}

static void test_cancel_and_busy(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_in b = { .sin_family = AF_INET };

	inet_pton(AF_INET, "10.77.2.2", &b.sin_addr);
	assert_int_equal(trace_start(fx->t, (struct sockaddr *)&b, sizeof(b), 8,
				     MS(500), on_path, fx),
			 0);
	assert_int_equal(trace_start(fx->t, (struct sockaddr *)&b, sizeof(b), 8,
				     MS(500), on_path, fx),
			 -1);
	assert_int_equal(errno, EBUSY);
	trace_cancel(fx->t);
	nsx_run(fx->l, MS(700));
	assert_int_equal(fx->calls, 0);
	assert_int_equal(trace_start(fx->t, (struct sockaddr *)&b, sizeof(b), 0,
				     MS(500), on_path, fx),
			 -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(trace_start(fx->t, (struct sockaddr *)&b, sizeof(b),
				     TRACE_MAX_HOPS + 1, MS(500), on_path, fx),
			 -1);
	assert_int_equal(trace_start(fx->t, (struct sockaddr *)&b,
				     sizeof(b) - 1, 8, MS(500), on_path, fx),
			 -1);
	/* Cancelled, the trace starts again. */
	assert_string_equal(trace_to(fx, "10.77.2.2", 8, MS(1000)),
			    "10.77.1.1 10.77.2.2");
}

static void set_path(struct trace_path *p, bool reached, int n, ...)
{
	va_list ap;

	memset(p, 0, sizeof(*p));
	p->reached = reached;
	p->n_hops = n;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		snprintf(p->hop[i], sizeof(p->hop[i]), "%s",
			 va_arg(ap, const char *));
	va_end(ap);
}

static void test_format_and_equal(void **state)
{
	struct trace_path a, b;
	char buf[64], small[8];

	(void)state;
	set_path(&a, true, 4, "10.0.0.1", "10.0.1.1", "", "10.0.2.5");
	assert_int_equal(trace_path_format(&a, buf, sizeof(buf)), 28);
	assert_string_equal(buf, "10.0.0.1 10.0.1.1 * 10.0.2.5");
	assert_int_equal(trace_path_format(&a, small, sizeof(small)), 28);
	assert_string_equal(small, "10.0.0.");
	set_path(&b, false, 0);
	trace_path_format(&b, buf, sizeof(buf));
	assert_string_equal(buf, "*");
	/* A silent hop matches any address. */
	set_path(&b, true, 4, "10.0.0.1", "10.0.1.9", "10.0.1.7", "10.0.2.5");
	assert_false(trace_path_equal(&a, &b));
	set_path(&b, true, 4, "10.0.0.1", "10.0.1.1", "10.0.1.7", "10.0.2.5");
	assert_true(trace_path_equal(&a, &b));
	set_path(&b, false, 4, "10.0.0.1", "10.0.1.1", "10.0.1.7", "10.0.2.5");
	assert_false(trace_path_equal(&a, &b));
	set_path(&b, true, 3, "10.0.0.1", "10.0.1.1", "10.0.2.5");
	assert_false(trace_path_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_and_equal),
#define BOTH(t)                                                                \
	cmocka_unit_test_prestate_setup_teardown(t, setup, teardown,           \
						 &mode_raw),                   \
		cmocka_unit_test_prestate_setup_teardown(t, setup, teardown,   \
							 &mode_dgram)
		BOTH(test_path_through_router),
		BOTH(test_route_change),
		BOTH(test_path_v6),
		BOTH(test_refused_ends_path),
		BOTH(test_silent_target),
		BOTH(test_cancel_and_busy),
#undef BOTH
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_trace: needs root (namespaces, raw "
				"sockets)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
