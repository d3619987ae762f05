/*
 * test_netdev.c - the rtnetlink link dump parser on hand-built replies
 * (64- and 32-bit counters, operstate, loopback, exclude patterns, the
 * table's bound, truncated and error replies), the counters an interface
 * alarm watches, and one real dump of this namespace.
 */
#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "netdev.h"

struct dump {
	_Alignas(struct nlmsghdr) char buf[65536];
	size_t len;
	struct nlmsghdr *cur;
};

static struct dump d;

static void put_attr(unsigned short type, const void *data, size_t n)
{
	struct rtattr *a =
		(struct rtattr *)(void *)((char *)d.cur +
					  NLMSG_ALIGN(d.cur->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	memcpy(RTA_DATA(a), data, n);
	d.cur->nlmsg_len =
		NLMSG_ALIGN(d.cur->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void begin_link(int index, unsigned flags, const char *name,
		       unsigned mtu, unsigned char oper)
{
	struct ifinfomsg *ifi;

	d.cur = (struct nlmsghdr *)(void *)(d.buf + d.len);
	memset(d.cur, 0, NLMSG_LENGTH(sizeof(*ifi)));
	d.cur->nlmsg_type = RTM_NEWLINK;
	d.cur->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	ifi = NLMSG_DATA(d.cur);
	ifi->ifi_index = index;
	ifi->ifi_flags = flags;
	put_attr(IFLA_IFNAME, name, strlen(name) + 1);
	put_attr(IFLA_MTU, &mtu, sizeof(mtu));
	put_attr(IFLA_OPERSTATE, &oper, 1);
}

static void end_msg(void)
{
	d.len += NLMSG_ALIGN(d.cur->nlmsg_len);
}

static void add_done(void)
{
	d.cur = (struct nlmsghdr *)(void *)(d.buf + d.len);
	memset(d.cur, 0, NLMSG_LENGTH(sizeof(int)));
	d.cur->nlmsg_type = NLMSG_DONE;
	d.cur->nlmsg_len = NLMSG_LENGTH(sizeof(int));
	end_msg();
}

static void add_link64(int index, unsigned flags, const char *name,
		       unsigned mtu, unsigned char oper, uint64_t base)
{
	struct rtnl_link_stats64 s = {
		.rx_packets = base + 1,
		.tx_packets = base + 2,
		.rx_bytes = base + 3,
		.tx_bytes = base + 4,
		.rx_errors = base + 5,
		.tx_errors = base + 6,
		.rx_dropped = base + 7,
		.tx_dropped = base + 8,
		.rx_fifo_errors = base + 9,
		.tx_fifo_errors = base + 10,
	};

	begin_link(index, flags, name, mtu, oper);
	put_attr(IFLA_STATS64, &s, sizeof(s));
	end_msg();
}

static int setup(void **state)
{
	(void)state;
	memset(&d, 0, sizeof(d));
	return 0;
}

static void test_parse_dump(void **state)
{
	struct netdev_table t = { 0 };
	struct rtnl_link_stats s32 = { .rx_bytes = 4000000000u,
				       .tx_errors = 3 };
	const struct netdev_if *e;

	(void)state;
	add_link64(1, IFF_UP | IFF_LOOPBACK | IFF_LOWER_UP, "lo", 65536,
		   IF_OPER_UNKNOWN, 100);
	add_link64(2, IFF_UP | IFF_LOWER_UP, "eth0", 1500, IF_OPER_UP,
		   (uint64_t)1 << 40);
	add_link64(3, IFF_UP, "wlan0", 1400, IF_OPER_DOWN, 0);
	begin_link(4, IFF_UP | IFF_LOWER_UP, "old0", 576, IF_OPER_UNKNOWN);
	put_attr(IFLA_STATS, &s32, sizeof(s32));
	end_msg();
	add_done();
	assert_int_equal(netdev_parse(&t, NULL, d.buf, d.len), 1);
	/* loopback left out by default */
	assert_int_equal(t.n, 3);
	assert_null(netdev_find(&t, "lo"));
	e = netdev_find(&t, "eth0");
	assert_non_null(e);
	assert_int_equal(e->index, 2);
	assert_int_equal(e->mtu, 1500);
	assert_true(e->up);
	assert_false(e->loopback);
	assert_true(e->rx_packets == ((uint64_t)1 << 40) + 1);
	assert_true(e->tx_bytes == ((uint64_t)1 << 40) + 4);
	assert_true(e->tx_dropped == ((uint64_t)1 << 40) + 8);
	assert_true(e->rx_overruns == ((uint64_t)1 << 40) + 9);
	assert_true(e->tx_overruns == ((uint64_t)1 << 40) + 10);
	e = netdev_find(&t, "wlan0");
	assert_false(e->up);
	assert_int_equal(e->mtu, 1400);
	/* 32-bit counters only; unknown operstate with carrier is up */
	e = netdev_find(&t, "old0");
	assert_true(e->rx_bytes == 4000000000u);
	assert_true(e->tx_errors == 3);
	assert_true(e->up);
}

static void test_filter(void **state)
{
	struct interfaces_cfg f = { .loopback = true, .n_exclude = 1 };
	struct netdev_table t = { 0 };
	const struct netdev_if *lo;

	(void)state;
	snprintf(f.exclude[0], sizeof(f.exclude[0]), "veth*");
	add_link64(1, IFF_LOOPBACK | IFF_LOWER_UP, "lo", 65536, IF_OPER_UNKNOWN,
		   0);
	add_link64(2, IFF_LOWER_UP, "veth1a2b", 1500, IF_OPER_UP, 0);
	add_link64(3, IFF_LOWER_UP, "eth0", 1500, IF_OPER_UP, 0);
	add_done();
	assert_int_equal(netdev_parse(&t, &f, d.buf, d.len), 1);
	assert_int_equal(t.n, 2);
	lo = netdev_find(&t, "lo");
	assert_non_null(lo);
	assert_true(lo->loopback);
	assert_true(lo->up);
	assert_null(netdev_find(&t, "veth1a2b"));
}

/* More than NETDEV_MAX: the first ones listed, the rest counted. */
static void test_bound(void **state)
{
	struct netdev_table t = { 0 };
	char name[16];
	int r = 0;

	(void)state;
	for (int i = 0; i < NETDEV_MAX + 5; i++) {
		snprintf(name, sizeof(name), "dummy%d", i);
		add_link64(i + 2, 0, name, 1500, IF_OPER_DOWN, 0);
	}
	/* two replies, as the kernel sends a long dump */
	r = netdev_parse(&t, NULL, d.buf, d.len);
	assert_int_equal(r, 0);
	d.len = 0;
	add_done();
	assert_int_equal(netdev_parse(&t, NULL, d.buf, d.len), 1);
	assert_int_equal(t.n, NETDEV_MAX);
	assert_int_equal(t.omitted, 5);
	assert_string_equal(t.ifs[NETDEV_MAX - 1].name, "dummy63");
}

static void test_bad_replies(void **state)
{
	struct netdev_table t = { 0 };
	struct nlmsgerr *e;

	(void)state;
	/* a message longer than what arrived */
	add_link64(2, 0, "eth0", 1500, IF_OPER_UP, 0);
	errno = 0;
	assert_int_equal(netdev_parse(&t, NULL, d.buf, d.len - 8), -1);
	assert_int_equal(errno, EBADMSG);
	/* more than one recv() can bring is refused, not half read */
	assert_int_equal(netdev_parse(&t, NULL, d.buf, sizeof(d.buf)), -1);
	assert_int_equal(errno, EMSGSIZE);
	/* the kernel's error reply */
	memset(&d, 0, sizeof(d));
	d.cur = (struct nlmsghdr *)(void *)d.buf;
	d.cur->nlmsg_type = NLMSG_ERROR;
	d.cur->nlmsg_len = NLMSG_LENGTH(sizeof(*e));
	e = NLMSG_DATA(d.cur);
	e->error = -EPERM;
	end_msg();
	assert_int_equal(netdev_parse(&t, NULL, d.buf, d.len), -1);
	assert_int_equal(errno, EPERM);
	/* a link without a name is skipped, not an error */
	memset(&d, 0, sizeof(d));
	t.n = 0;
	d.cur = (struct nlmsghdr *)(void *)d.buf;
	d.cur->nlmsg_type = RTM_NEWLINK;
	d.cur->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	end_msg();
	add_done();
	assert_int_equal(netdev_parse(&t, NULL, d.buf, d.len), 1);
	assert_int_equal(t.n, 0);
}

static void test_counter(void **state)
{
	struct netdev_if i = {
		.rx_bytes = 1000,
		.tx_bytes = 10,
		.rx_packets = 7,
		.tx_packets = 3,
		.rx_errors = 1,
		.tx_errors = 51,
		.rx_dropped = 4,
		.tx_dropped = 5,
		.rx_overruns = 2,
		.tx_overruns = 0,
	};

	(void)state;
	assert_true(netdev_counter(&i, RATE_BPS, TRAFFIC_DIR_RX) == 8000);
	assert_true(netdev_counter(&i, RATE_BPS, TRAFFIC_DIR_BOTH) == 8080);
	assert_true(netdev_counter(&i, RATE_PPS, TRAFFIC_DIR_TX) == 3);
	assert_true(netdev_counter(&i, RATE_ERRORS, TRAFFIC_DIR_TX) == 51);
	assert_true(netdev_counter(&i, RATE_ERRORS, TRAFFIC_DIR_BOTH) == 52);
	assert_true(netdev_counter(&i, RATE_DROPS, TRAFFIC_DIR_RX) == 4);
	assert_true(netdev_counter(&i, RATE_OVERRUNS, TRAFFIC_DIR_RX) == 2);
	assert_true(netdev_counter(&i, RATE_BROADCAST_PPS, TRAFFIC_DIR_RX) ==
		    0);
}

/* Every namespace has lo: a real dump finds it when asked to. */
static void test_real_dump(void **state)
{
	struct interfaces_cfg f = { .loopback = true };
	static struct netdev_table t;
	const struct netdev_if *lo;

	(void)state;
	assert_int_equal(netdev_read(&t, &f, NULL), 0);
	lo = netdev_find(&t, "lo");
	assert_non_null(lo);
	assert_true(lo->loopback);
	assert_int_equal(lo->index, 1);
	assert_true(lo->mtu >= 1280);
	assert_true(lo->speed_bps == -1);
	assert_int_equal(netdev_read(&t, NULL, NULL), 0);
	assert_null(netdev_find(&t, "lo"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse_dump, setup),
		cmocka_unit_test_setup(test_filter, setup),
		cmocka_unit_test_setup(test_bound, setup),
		cmocka_unit_test_setup(test_bad_replies, setup),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_real_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
