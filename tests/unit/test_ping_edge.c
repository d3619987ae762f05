/*
 * test_ping_edge.c - the ping engine at its edges, with raw and with
 * datagram sockets in a namespace of the test's own: forged replies (a
 * wrong cookie, too short to hold one) and other programs' pings are
 * ignored while the right reply counts; a full burst table refuses, then
 * frees a place on cancel; requests waiting for an answer keep their place
 * while thousands of others are sent; the engine closes from inside a
 * callback.
 * Traffic goes only to loopback.  Needs root, iproute2 and iptables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <linux/if_ether.h>
#include <net/if.h>
#include <netpacket/packet.h>

#include "ping_fixture.h"

static void test_burst_table_full(void **state)
{
	struct fx *fx = *state;
	static struct res r[PING_MAX_BURSTS + 1];
	static int ids[PING_MAX_BURSTS];
	struct ping_params pp = quick;

	assert_int_equal(nsx_sh("ip netns exec %s iptables -w -A INPUT -p icmp "
				"-j DROP",
				fx->ns),
			 0);
	memset(r, 0, sizeof(r));
	pp.count = 1;
	for (int i = 0; i < PING_MAX_BURSTS; i++) {
		ids[i] = start(fx, &r[i], "127.0.0.1", &pp);
		assert_true(ids[i] > 0);
	}
	assert_int_equal(start(fx, &r[PING_MAX_BURSTS], "127.0.0.1", &pp), -1);
	assert_int_equal(errno, ENOBUFS);
	ping_cancel(fx->p, ids[7]);
	assert_true(start(fx, &r[PING_MAX_BURSTS], "127.0.0.1", &pp) > 0);
	for (int i = 0; i < PING_MAX_BURSTS; i++)
		ping_cancel(fx->p, ids[i]);
	fx->pending = 1;
	nsx_run(fx->l, MS(3000));
	assert_int_equal(r[PING_MAX_BURSTS].calls, 1);
	assert_int_equal(r[PING_MAX_BURSTS].st.received, 0);
}

/* Requests waiting their full timeout while thousands of others come and
 * go: none loses its place early (it would report before its timeout),
 * and every answered request counts. */
static void test_many_requests_waiting(void **state)
{
	enum { SILENT = 1500, BUSY = 40 };
	struct fx *fx = *state;
	static struct res silent[SILENT], busy[BUSY];
	struct ping_params wait = quick, fast = quick;
	int64_t t0 = clock_now_ns();

	assert_int_equal(nsx_sh("ip netns exec %s iptables -w -A INPUT -p icmp "
				"-d 127.0.0.2 -j DROP",
				fx->ns),
			 0);
	memset(silent, 0, sizeof(silent));
	memset(busy, 0, sizeof(busy));
	wait.count = 1;
	wait.timeout_ns = MS(1500);
	for (int i = 0; i < SILENT; i++)
		assert_true(start(fx, &silent[i], "127.0.0.2", &wait) > 0);
	fast.count = 100;
	fast.spacing_ns = MS(1);
	for (int i = 0; i < BUSY; i++)
		assert_true(start(fx, &busy[i], "127.0.0.1", &fast) > 0);
	nsx_run(fx->l, MS(5000));
	assert_int_equal(fx->pending, 0);
	for (int i = 0; i < BUSY; i++)
		assert_int_equal(busy[i].st.received, 100);
	for (int i = 0; i < SILENT; i++) {
		assert_int_equal(silent[i].calls, 1);
		assert_int_equal(silent[i].st.received, 0);
		assert_true(silent[i].at_ns - t0 >= MS(1500));
	}
}

static void test_close_from_callback(void **state)
{
	struct fx *fx = *state;
	struct res r = { .close_engine = true };
	struct res other = { 0 };
	struct ping_params slow = quick;

	slow.count = 2;
	slow.spacing_ns = MS(3000);
	assert_true(start(fx, &r, "127.0.0.1", &quick) > 0);
	assert_true(start(fx, &other, "127.0.0.2", &slow) > 0);
	fx->pending = 1;
	nsx_run(fx->l, MS(2000));
	assert_int_equal(r.calls, 1);
	assert_null(fx->p);
	/* Still running when the engine closed: it never reports. */
	nsx_run(fx->l, MS(200));
	assert_int_equal(other.calls, 0);
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Send an ICMP message from a raw socket to 127.0.0.1, checksum set. */
static void send_icmp(int fd, uint8_t *msg, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint16_t sum;

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	msg[2] = msg[3] = 0;
	sum = csum(msg, len);
	msg[2] = (uint8_t)(sum >> 8);
	msg[3] = (uint8_t)sum;
	assert_int_equal(
		sendto(fd, msg, len, 0, (struct sockaddr *)&to, sizeof(to)),
		(ssize_t)len);
}

struct forger {
	int raw_fd;
	int forged;
};

/* Sees our echo request leave on lo (before iptables drops it) and
 * answers it three times: a wrong cookie, a reply too short to hold the
 * cookie, then a faithful copy. */
static void on_sniffed(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct forger *f = arg;
	uint8_t buf[2048], msg[2048];
	struct sockaddr_ll sll;
	socklen_t sl = sizeof(sll);
	ssize_t n;
	size_t ihl, len;

	(void)l;
	(void)events;
	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&sll, &sl)) > 0) {
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (sll.sll_pkttype != PACKET_OUTGOING ||
		    sll.sll_protocol != htons(ETH_P_IP) || n < 20 ||
		    (size_t)n < ihl + 16 || buf[9] != IPPROTO_ICMP ||
		    buf[ihl] != 8)
			continue;
		len = (size_t)n - ihl;
		memcpy(msg, buf + ihl, len);
		msg[0] = 0;
		msg[8] ^= 0xff;
		send_icmp(f->raw_fd, msg, len);
		msg[8] ^= 0xff;
		send_icmp(f->raw_fd, msg, 12);
		send_icmp(f->raw_fd, msg, len);
		f->forged++;
	}
}

static void test_forged_replies(void **state)
{
	struct fx *fx = *state;
	struct forger f = { 0 };
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct ping_params pp = quick;
	struct res r = { 0 };
	unsigned long before = ping_ignored();
	int pkt;

	assert_int_equal(nsx_sh("ip netns exec %s iptables -w -A INPUT -p icmp "
				"--icmp-type echo-request -j DROP",
				fx->ns),
			 0);
	/* ETH_P_ALL: only such taps see what a host sends. */
	pkt = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, htons(ETH_P_ALL));
	f.raw_fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	assert_true(pkt >= 0 && f.raw_fd >= 0);
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = (int)if_nametoindex("lo");
	assert_int_equal(bind(pkt, (struct sockaddr *)&ll, sizeof(ll)), 0);
	assert_int_equal(loop_add_fd(fx->l, pkt, EPOLLIN, on_sniffed, &f), 0);
	pp.count = 1;
	assert_true(start(fx, &r, "127.0.0.1", &pp) > 0);
	nsx_run(fx->l, MS(3000));
	loop_del_fd(fx->l, pkt);
	close(pkt);
	close(f.raw_fd);
	assert_int_equal(f.forged, 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.st.received, 1);
	assert_true(r.st.rtt_avg_ms > 0.0);
	assert_int_equal(ping_ignored() - before, 2);
}

/* Another program's pings: their replies reach our raw socket and are
 * ignored; a datagram socket never even sees them. */
static void test_foreign_replies(void **state)
{
	struct fx *fx = *state;
	struct res r = { 0 };
	uint8_t msg[16] = { 8,	 0,   0,   0,	0x4a, 0x17, 0,	 0,
			    'F', 'O', 'R', 'E', 'I',  'G',  'N', '!' };
	unsigned long before = ping_ignored();
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

	assert_true(fd >= 0);
	assert_true(start(fx, &r, "127.0.0.1", &quick) > 0);
	for (int seq = 0; seq < 5; seq++) {
		msg[7] = (uint8_t)seq;
		send_icmp(fd, msg, sizeof(msg));
	}
	nsx_run(fx->l, MS(3000));
	close(fd);
	assert_all_answered(&r, quick.count);
	if (fx->raw)
		assert_int_equal(ping_ignored() - before, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define BOTH(t)                                                                \
	cmocka_unit_test_prestate_setup_teardown(t, setup, teardown,           \
						 &mode_raw),                   \
		cmocka_unit_test_prestate_setup_teardown(t, setup, teardown,   \
							 &mode_dgram)
		BOTH(test_burst_table_full),
		BOTH(test_many_requests_waiting),
		BOTH(test_close_from_callback),
		BOTH(test_forged_replies),
		BOTH(test_foreign_replies),
#undef BOTH
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_ping_edge: needs root (namespaces, raw "
				"sockets)\n");
		return 1;
	}
	nsx_reap("plt-ping-");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
