/*
 * ping_fixture.h - what the ping engine tests share: a network namespace
 * per test, entered by the test process, with an engine in it (raw or
 * datagram sockets, chosen by the test's prestate: &mode_raw or
 * &mode_dgram); datagram mode opens ping_group_range inside that
 * namespace only and restores it.  start() runs a burst whose result lands
 * in a struct res; the loop stops when every started burst has reported.
 */
#ifndef PING_FIXTURE_H
#define PING_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>

#include "netns_fixture.h"
#include "ping.h"

#define MS(x)	     ((int64_t)(x)*NS_PER_MS)
#define GROUP_RANGE  "/proc/sys/net/ipv4/ping_group_range"
#define RANGE_ALL    "0 2147483647"
#define RANGE_NOBODY "1 0"

struct fx {
	bool raw;
	char ns[40];
	int saved_ns;
	char old_range[64];
	bool range_set;
	struct loop *l;
	struct ping *p;
	int pending;
};

struct res {
	struct fx *fx;
	int calls;
	int64_t at_ns;
	struct ping_stats st;
	bool close_engine;
};

static bool mode_raw = true;
static bool mode_dgram;

static inline void fx_free(struct fx *fx)
{
	ping_close(fx->p);
	loop_free(fx->l);
	if (fx->range_set)
		nsx_sysctl_set(GROUP_RANGE, fx->old_range);
	nsx_leave(&fx->saved_ns);
	nsx_delete(fx->ns);
	free(fx);
}

/* A namespace of our own; datagram mode lets every group use ICMP
 * sockets in it (restored afterwards). */
static inline int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->raw = *(bool *)*state;
	fx->saved_ns = -1;
	snprintf(fx->ns, sizeof(fx->ns), "plt-ping-%d", (int)getpid());
	if (nsx_create(fx->ns) < 0 || nsx_enter(fx->ns, &fx->saved_ns) < 0)
		goto fail;
	if (!fx->raw) {
		if (nsx_sysctl_get(GROUP_RANGE, fx->old_range,
				   sizeof(fx->old_range)) < 0 ||
		    nsx_sysctl_set(GROUP_RANGE, RANGE_ALL) < 0)
			goto fail;
		fx->range_set = true;
	}
	fx->l = loop_new();
	fx->p = fx->l ? ping_open(fx->l, fx->raw) : NULL;
	if (!fx->p)
		goto fail;
	*state = fx;
	return 0;
fail:
	print_error("setup %s: %s\n", fx->ns, strerror(errno));
	fx_free(fx);
	return -1;
}

static inline int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static inline void on_done(void *arg, const struct ping_stats *st)
{
	struct res *r = arg;

	r->calls++;
	r->st = *st;
	r->at_ns = clock_now_ns();
	if (r->close_engine) {
		ping_close(r->fx->p);
		r->fx->p = NULL;
	}
	if (--r->fx->pending == 0)
		loop_stop(r->fx->l);
}

static inline socklen_t make_addr(const char *ip, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		return sizeof(*in);
	}
	assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
	in6->sin6_family = AF_INET6;
	return sizeof(*in6);
}

static inline int start(struct fx *fx, struct res *r, const char *ip,
			const struct ping_params *pp)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(ip, &ss);
	int id;

	r->fx = fx;
	id = ping_start(fx->p, (struct sockaddr *)&ss, len, pp, on_done, r);
	if (id > 0)
		fx->pending++;
	return id;
}

static inline bool has_ipv6_loopback(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	bool ok;

	a.sin6_addr = in6addr_loopback;
	ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static const struct ping_params quick = {
	.count = 3,
	.payload = 56,
	.spacing_ns = MS(20),
	.timeout_ns = MS(1000),
};

static inline void assert_all_answered(const struct res *r, int count)
{
	const struct ping_stats *st = &r->st;

	assert_int_equal(r->calls, 1);
	assert_int_equal(st->sent, count);
	assert_int_equal(st->received, count);
	assert_int_equal(st->errors, 0);
	assert_true(st->loss_pct == 0.0);
	assert_true(st->rtt_min_ms > 0.0);
	/* How fast loopback answers is a figure for make bench
	 * (tests/bench/ping), not a test: under qemu-user or a loaded
	 * machine it is whatever it is.  Every answer came back in time. */
	assert_true(isfinite(st->rtt_max_ms));
	assert_true(st->rtt_min_ms <= st->rtt_avg_ms);
	assert_true(st->rtt_avg_ms <= st->rtt_max_ms);
	if (count > 1) {
		assert_true(st->jitter_ms >= 0.0);
		assert_true(st->jitter_ms <= st->rtt_max_ms - st->rtt_min_ms);
	}
	assert_string_equal(st->error_from, "");
}

#endif
