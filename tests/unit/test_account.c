/*
 * test_account.c - traffic accounting on hand-made frame_info records and
 * a clock the test moves: direction by local_networks (and the link-only
 * addresses), service naming from a services file written here (the named
 * port wins, else the lower), the top-talkers eviction rule and watched
 * hosts, rates per second and smoothed, last_seen, and what a malformed
 * frame is allowed to count in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "account.h"
#include "clock.h"

#define SEC(x) ((int64_t)((x)*NS_PER_S))

static char services_path[] = "/tmp/pl-test-services-XXXXXX";

static int write_services(void **state)
{
	static const char text[] = "# test services\n"
				   "ssh\t\t22/tcp\n"
				   "http\t\t80/tcp\t\twww # comment\n"
				   "domain\t\t53/tcp\n"
				   "domain\t\t53/udp\n"
				   "https\t\t443/tcp\n"
				   "first\t\t5000/tcp\n"
				   "second\t\t5000/tcp\n"
				   "bogus\t\t70000/tcp\n"
				   "ddp-only\t9/ddp\n";
	int fd = mkstemp(services_path);

	(void)state;
	if (fd < 0 || write(fd, text, sizeof(text) - 1) < 0)
		return -1;
	return close(fd);
}

static int remove_services(void **state)
{
	(void)state;
	return unlink(services_path);
}

static struct cidr net(const char *s, int prefix)
{
	struct cidr c = { .prefix = prefix };

	c.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	inet_pton(c.family, s, c.addr);
	return c;
}

static struct account *new_account(size_t max_hosts)
{
	static struct cidr nets[2];
	struct account_params p = {
		.n_ifaces = 2,
		.local_nets = nets,
		.n_local_nets = 2,
		.max_hosts = max_hosts,
		.services_path = services_path,
	};
	struct account *a;

	nets[0] = net("192.168.0.0", 16);
	nets[1] = net("fd00::", 8);
	a = account_new(&p);
	assert_non_null(a);
	return a;
}

/* An IPv4/IPv6 frame of len bytes; ports 0 means none. */
static struct frame_info ip_frame(const char *src, const char *dst,
				  uint8_t proto, uint16_t sport, uint16_t dport,
				  uint32_t len)
{
	struct frame_info fi = { .wire_len = len, .proto = proto };

	fi.family = strchr(src, ':') ? AF_INET6 : AF_INET;
	fi.l3 = fi.family == AF_INET ? L3_IPV4 : L3_IPV6;
	inet_pton(fi.family, src, fi.src);
	inet_pton(fi.family, dst, fi.dst);
	if (sport || dport) {
		fi.has_ports = true;
		fi.sport = sport;
		fi.dport = dport;
	}
	return fi;
}

static void send_ip(struct account *a, const char *src, const char *dst,
		    uint32_t len, int64_t now)
{
	struct frame_info fi = ip_frame(src, dst, IPPROTO_ICMP, 0, 0, len);

	account_frame(a, 0, &fi, now);
}

static uint64_t dir_bytes(const struct account *a, int iface,
			  enum account_dir d)
{
	struct account_stats s;

	assert_int_equal(account_iface_stats(a, iface, d, &s), 0);
	return s.bytes;
}

static void test_direction(void **state)
{
	struct account *a = new_account(0);
	struct cidr other = net("10.0.0.0", 8);
	struct frame_info arp = { .wire_len = 60, .l3 = L3_ARP };

	(void)state;
	send_ip(a, "8.8.8.8", "192.168.1.2", 100, 0);	    /* in */
	send_ip(a, "192.168.1.2", "1.1.1.1", 200, 0);	    /* out */
	send_ip(a, "192.168.1.2", "192.168.7.7", 300, 0);   /* internal */
	send_ip(a, "192.168.1.2", "255.255.255.255", 5, 0); /* broadcast */
	send_ip(a, "192.168.1.2", "224.0.0.251", 6, 0);	    /* multicast */
	send_ip(a, "2001:db8::1", "fd00::1", 400, 0);	    /* in, v6 */
	send_ip(a, "fe80::1", "ff02::1", 7, 0);		    /* link only */
	send_ip(a, "8.8.8.8", "1.1.1.1", 500, 0);	    /* transit */
	account_frame(a, 0, &arp, 0);			    /* non-IP */
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_IN), 500);
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_OUT), 200);
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_INTERNAL),
			 300 + 5 + 6 + 7 + 60);
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_EXTERNAL), 500);
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_ALL), 1578);
	assert_int_equal(dir_bytes(a, 1, ACCOUNT_DIR_ALL), 0);

	/* reload: 10/8 is local now, 192.168/16 no longer */
	assert_int_equal(account_set_local_networks(a, &other, 1), 0);
	send_ip(a, "10.1.1.1", "192.168.1.2", 1000, 0);
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_OUT), 1200);
	assert_int_equal(account_iface_stats(a, 2, ACCOUNT_DIR_IN, NULL), -1);
	assert_int_equal(errno, EINVAL);
	account_free(a);
}

struct found {
	const char *key;
	struct account_service s;
	bool seen;
};

static void find_service(const struct account_service *s, void *ctx)
{
	struct found *f = ctx;
	char key[16];

	snprintf(key, sizeof(key), "%s/%u",
		 s->proto == IPPROTO_TCP ? "tcp" : "udp", s->port);
	if (strcmp(key, f->key) == 0) {
		f->s = *s;
		f->seen = true;
	}
}

static struct found service(const struct account *a, const char *key)
{
	struct found f = { .key = key };

	account_foreach_service(a, find_service, &f);
	return f;
}

static void flow(struct account *a, uint8_t proto, uint16_t sport,
		 uint16_t dport)
{
	struct frame_info fi =
		ip_frame("192.168.1.2", "1.2.3.4", proto, sport, dport, 100);

	account_frame(a, 0, &fi, 0);
}

static void test_service_naming(void **state)
{
	struct account *a = new_account(0);
	struct found f;

	(void)state;
	flow(a, IPPROTO_TCP, 51000, 443); /* the named port, either side */
	flow(a, IPPROTO_TCP, 443, 51000);
	flow(a, IPPROTO_TCP, 22, 80);	    /* both named: the lower */
	flow(a, IPPROTO_TCP, 40001, 40000); /* neither: the lower */
	flow(a, IPPROTO_UDP, 33000, 53);
	flow(a, IPPROTO_UDP, 40000, 443);  /* 443 is named for tcp only */
	flow(a, IPPROTO_TCP, 5000, 60000); /* first line wins */
	f = service(a, "tcp/443");
	assert_true(f.seen);
	assert_string_equal(f.s.name, "https");
	assert_int_equal(f.s.packets, 2);
	assert_int_equal(f.s.bytes, 200);
	assert_string_equal(service(a, "tcp/22").s.name, "ssh");
	assert_false(service(a, "tcp/80").seen);
	f = service(a, "tcp/40000");
	assert_true(f.seen);
	assert_null(f.s.name);
	assert_string_equal(service(a, "udp/53").s.name, "domain");
	f = service(a, "udp/443");
	assert_true(f.seen);
	assert_null(f.s.name);
	assert_string_equal(service(a, "tcp/5000").s.name, "first");
	account_free(a);
}

static void host_addr(int i, char *buf, size_t len)
{
	snprintf(buf, len, "203.0.113.%d", i);
}

static void test_top_talkers_eviction(void **state)
{
	/* bound 8 = one 8-way bucket: the eviction rule is visible */
	struct account *a = new_account(8);
	struct account_host top[8];
	char buf[32];
	int i;

	(void)state;
	for (i = 1; i <= 8; i++) {
		host_addr(i, buf, sizeof(buf));
		send_ip(a, buf, "0.0.0.0", (uint32_t)(100 * i), i);
	}
	assert_int_equal(account_totals(a)->hosts_evicted, 0);
	send_ip(a, "203.0.113.99", "0.0.0.0", 50, 100);
	/* the lightest (host 1, 100 bytes) made room */
	assert_int_equal(account_totals(a)->hosts_evicted, 1);
	assert_int_equal(account_last_seen(a, AF_INET,
					   (const uint8_t[]){ 203, 0, 113, 1 }),
			 -1);
	/* the newcomer is the lightest now and goes next; heavy ones stay */
	send_ip(a, "203.0.113.100", "0.0.0.0", 60, 101);
	assert_int_equal(
		account_last_seen(a, AF_INET,
				  (const uint8_t[]){ 203, 0, 113, 99 }),
		-1);
	assert_int_equal(account_top_hosts(a, top, 3), 3);
	inet_ntop(AF_INET, top[0].addr, buf, sizeof(buf));
	assert_string_equal(buf, "203.0.113.8");
	assert_int_equal(top[0].bytes, 800);
	assert_int_equal(top[1].bytes, 700);
	assert_int_equal(top[2].bytes, 600);
	assert_int_equal(account_top_hosts(a, top, 8), 8);
	assert_int_equal(top[7].bytes, 60);
	account_free(a);
}

static void test_watched_host_survives(void **state)
{
	struct account *a = new_account(8);
	const uint8_t gw[4] = { 192, 168, 1, 1 };
	char buf[32];
	int i;

	(void)state;
	assert_int_equal(account_watch_host(a, AF_INET, gw), 0);
	assert_int_equal(account_last_seen(a, AF_INET, gw), -1);
	send_ip(a, "192.168.1.1", "192.168.1.2", 60, SEC(5));
	for (i = 1; i <= 200; i++) {
		host_addr(i, buf, sizeof(buf));
		send_ip(a, buf, "0.0.0.0", 1500, SEC(6));
	}
	assert_int_equal(account_last_seen(a, AF_INET, gw), SEC(5));
	account_unwatch_all(a);
	for (i = 1; i <= 20; i++) {
		host_addr(i, buf, sizeof(buf));
		send_ip(a, buf, "0.0.0.0", 1500, SEC(7));
	}
	assert_int_equal(account_last_seen(a, AF_INET, gw), -1);
	account_free(a);
}

/* A host watched before it sends keeps its locality: its frames to
 * another local host are internal, not outbound. */
static void test_watched_host_is_local(void **state)
{
	struct account *a = new_account(0);
	const uint8_t gw[4] = { 192, 168, 1, 1 };

	(void)state;
	assert_int_equal(account_watch_host(a, AF_INET, gw), 0);
	send_ip(a, "192.168.1.1", "192.168.1.2", 60, SEC(1));
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_INTERNAL), 60);
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_OUT), 0);
	account_free(a);
}

/* Frames of one conversation in a row count like any others, also when a
 * new host in between evicts the conversation's entry, and when new local
 * networks change its direction. */
static void test_conversation_bursts(void **state)
{
	struct account *a = new_account(8); /* one bucket of 8 */
	struct cidr nets[1] = { net("10.0.0.0", 8) };
	struct account_host top[16];
	char buf[32];
	size_t n, i;

	(void)state;
	for (i = 0; i < 3; i++)
		send_ip(a, "192.168.1.2", "1.1.1.1", 100, SEC(1));
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_OUT), 300);
	/* 1.1.1.1 (300 bytes) and 192.168.1.2 stay; lighter hosts churn */
	for (i = 1; i <= 20; i++) {
		host_addr(i, buf, sizeof(buf));
		send_ip(a, buf, "0.0.0.0", 10, SEC(2));
	}
	send_ip(a, "192.168.1.2", "1.1.1.1", 100, SEC(3));
	send_ip(a, "192.168.1.2", "1.1.1.1", 100, SEC(3));
	n = account_top_hosts(a, top, 16);
	assert_true(n >= 2);
	assert_int_equal(top[0].bytes, 500);
	assert_int_equal(top[0].packets, 5);
	assert_int_equal(top[1].bytes, 500);
	assert_int_equal(account_set_local_networks(a, nets, 1), 0);
	send_ip(a, "192.168.1.2", "1.1.1.1", 100, SEC(4));
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_OUT), 500);
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_EXTERNAL), 100);
	account_free(a);
}

/* Y's destination takes the way of Y's source (the lightest) in a full
 * bucket: the next frame like Y must not count into the entries the first
 * one found, which now hold another host. */
static void test_conversation_after_eviction(void **state)
{
	struct account *a = new_account(8); /* one bucket of 8 */
	struct account_host top[8];
	const uint8_t d[4] = { 203, 0, 113, 21 };
	char buf[32];
	size_t n, i, found = 0;

	(void)state;
	for (i = 1; i <= 8; i++) {
		host_addr(i, buf, sizeof(buf));
		send_ip(a, buf, "0.0.0.0", 1000, SEC(1));
	}
	send_ip(a, "203.0.113.20", "203.0.113.21", 100, SEC(2));
	send_ip(a, "203.0.113.20", "203.0.113.21", 100, SEC(3));
	n = account_top_hosts(a, top, 8);
	for (i = 0; i < n; i++) {
		if (memcmp(top[i].addr, d, 4) != 0)
			continue;
		found++;
		assert_int_equal(top[i].packets, 1);
		assert_int_equal(top[i].bytes, 100);
	}
	assert_int_equal(found, 1);
	account_free(a);
}

struct host_found {
	uint8_t addr[16];
	struct account_host h;
	int seen;
};

static void find_host(const struct account_host *h, void *ctx)
{
	struct host_found *f = ctx;

	if (memcmp(h->addr, f->addr, 16) == 0) {
		f->h = *h;
		f->seen++;
	}
}

/* The host entry of addr (seen 0 when it has none). */
static struct host_found host(const struct account *a, const char *addr)
{
	struct host_found f = { .seen = 0 };

	inet_pton(strchr(addr, ':') ? AF_INET6 : AF_INET, addr, f.addr);
	account_foreach_host(a, find_host, &f);
	return f;
}

static void tcp_frame(struct account *a, const char *src, uint16_t sport,
		      const char *dst, uint16_t dport, uint32_t len,
		      int64_t now)
{
	struct frame_info fi =
		ip_frame(src, dst, IPPROTO_TCP, sport, dport, len);

	account_frame(a, 0, &fi, now);
}

/* A TCP sender's segments and the ACKs coming back, interleaved, count
 * for the right host, direction and service whichever way they go; a
 * frame back on other ports is another conversation; a host talking to
 * itself counts once a frame either way. */
static void test_conversation_both_ways(void **state)
{
	struct account *a = new_account(0);
	struct host_found l, r;
	struct found f;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		tcp_frame(a, "192.168.1.2", 51000, "1.1.1.1", 443, 1000,
			  SEC(1 + i));
		tcp_frame(a, "1.1.1.1", 443, "192.168.1.2", 51000, 60,
			  SEC(1 + i) + 5);
	}
	tcp_frame(a, "1.1.1.1", 443, "192.168.1.2", 51001, 70, SEC(7));
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_OUT), 3000);
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_IN), 3 * 60 + 70);
	l = host(a, "192.168.1.2");
	r = host(a, "1.1.1.1");
	assert_int_equal(l.seen, 1);
	assert_int_equal(l.h.packets, 7);
	assert_int_equal(l.h.bytes, 3000 + 180 + 70);
	assert_int_equal(l.h.last_seen_ns, SEC(3));
	assert_int_equal(r.h.packets, 7);
	assert_int_equal(r.h.last_seen_ns, SEC(7));
	f = service(a, "tcp/443");
	assert_int_equal(f.s.packets, 7);
	assert_int_equal(f.s.bytes, 3250);

	tcp_frame(a, "192.168.1.9", 1000, "192.168.1.9", 2000, 100, SEC(8));
	tcp_frame(a, "192.168.1.9", 2000, "192.168.1.9", 1000, 100, SEC(9));
	tcp_frame(a, "192.168.1.9", 1000, "192.168.1.9", 2000, 100, SEC(10));
	l = host(a, "192.168.1.9");
	assert_int_equal(l.h.packets, 3);
	assert_int_equal(l.h.bytes, 300);
	assert_int_equal(l.h.last_seen_ns, SEC(10));
	assert_int_equal(dir_bytes(a, 0, ACCOUNT_DIR_INTERNAL), 300);
	account_free(a);
}

static void test_rates(void **state)
{
	struct account *a = new_account(0);
	struct account_stats s;
	double alpha = 1.0 - exp(-1.0 / ACCOUNT_SMOOTH_S_DEFAULT);
	int i;

	(void)state;
	account_tick(a, SEC(10)); /* starts the clock */
	for (i = 0; i < 10; i++)
		send_ip(a, "192.168.1.2", "1.1.1.1", 1000, SEC(10.5));
	account_tick(a, SEC(10.9)); /* not a second yet: nothing closes */
	assert_int_equal(account_iface_stats(a, 0, ACCOUNT_DIR_OUT, &s), 0);
	assert_true(s.bps == 0.0);
	account_tick(a, SEC(11));
	assert_int_equal(account_iface_stats(a, 0, ACCOUNT_DIR_OUT, &s), 0);
	assert_true(fabs(s.pps - 10) < 1e-9);
	assert_true(fabs(s.bps - 80000) < 1e-6);
	assert_true(fabs(s.bps_smooth - 80000) < 1e-6); /* first sample */

	/* a quiet second: the rate drops to 0, the average decays */
	account_tick(a, SEC(12));
	account_iface_stats(a, 0, ACCOUNT_DIR_OUT, &s);
	assert_true(s.bps == 0.0);
	assert_true(fabs(s.bps_smooth - 80000 * (1 - alpha)) < 1e-6);
	assert_int_equal(s.packets, 10);
	assert_int_equal(s.bytes, 10000);

	/* two seconds with no tick between: averaged over both */
	for (i = 0; i < 4; i++)
		send_ip(a, "192.168.1.2", "1.1.1.1", 500, SEC(13));
	account_tick(a, SEC(14));
	account_iface_stats(a, 0, ACCOUNT_DIR_ALL, &s);
	assert_true(fabs(s.pps - 2) < 1e-9);
	assert_true(fabs(s.bps - 8000) < 1e-6);
	assert_int_equal(account_proto_stats(a, ACCOUNT_PROTO_ICMP, &s), 0);
	assert_true(fabs(s.bps - 8000) < 1e-6);
	assert_int_equal(s.packets, 14);
	account_free(a);
}

static void test_last_seen(void **state)
{
	struct account *a = new_account(0);
	const uint8_t h1[4] = { 192, 168, 1, 2 }, h2[4] = { 192, 168, 1, 3 };
	uint8_t v6[16];
	struct frame_info arp = { .wire_len = 60,
				  .l3 = L3_ARP,
				  .family = AF_INET };

	(void)state;
	assert_int_equal(account_last_seen(a, AF_INET, h1), -1);
	send_ip(a, "192.168.1.2", "192.168.1.3", 60, SEC(3));
	assert_int_equal(account_last_seen(a, AF_INET, h1), SEC(3));
	/* being a destination proves nothing */
	assert_int_equal(account_last_seen(a, AF_INET, h2), -1);
	/* an ARP reply from h2 does (ICMP may be blocked) */
	memcpy(arp.src, h2, 4);
	memcpy(arp.dst, h1, 4);
	account_frame(a, 0, &arp, SEC(4));
	assert_int_equal(account_last_seen(a, AF_INET, h2), SEC(4));
	assert_int_equal(account_last_seen(a, AF_INET, h1), SEC(3));
	send_ip(a, "fd00::7", "fd00::1", 80, SEC(9));
	inet_pton(AF_INET6, "fd00::7", v6);
	assert_int_equal(account_last_seen(a, AF_INET6, v6), SEC(9));
	assert_int_equal(account_last_seen(a, AF_INET, v6), -1);
	assert_int_equal(account_last_seen(a, 0, v6), -1);
	account_free(a);
}

static void test_malformed_counts_little(void **state)
{
	struct account *a = new_account(0);
	struct frame_info fi =
		ip_frame("192.168.1.2", "1.1.1.1", IPPROTO_TCP, 1, 443, 90);
	const struct account_totals *t;
	struct account_stats s;

	(void)state;
	fi.malformed = true;
	fi.vlans = 2;
	account_frame(a, 1, &fi, SEC(1));
	t = account_totals(a);
	assert_int_equal(t->frames, 1);
	assert_int_equal(t->bytes, 90);
	assert_int_equal(t->vlan, 1);
	assert_int_equal(t->malformed, 1);
	assert_int_equal(t->ipv4, 0);
	assert_int_equal(dir_bytes(a, 1, ACCOUNT_DIR_ALL), 90);
	assert_int_equal(dir_bytes(a, 1, ACCOUNT_DIR_OUT), 0);
	account_proto_stats(a, ACCOUNT_PROTO_TCP, &s);
	assert_int_equal(s.packets, 0);
	assert_false(service(a, "tcp/443").seen);
	assert_int_equal(account_last_seen(a, AF_INET, fi.src), -1);
	account_free(a);
}

static void count_host(const struct account_host *h, void *ctx)
{
	(void)h;
	(*(size_t *)ctx)++;
}

/* Replay's tables start small and double: exact below the bound,
 * evicting as live at it. */
static void test_growing_tables(void **state)
{
	struct account_params p = { .n_ifaces = 1,
				    .grow = true,
				    .max_hosts = 1 << 16 };
	struct account *a = account_new(&p);
	struct frame_info fi = { .wire_len = 64,
				 .l3 = L3_IPV6,
				 .family = AF_INET6,
				 .proto = IPPROTO_UDP };
	struct account_host top[1];
	size_t n = 0;
	int i;

	(void)state;
	assert_non_null(a);
	fi.dst[0] = 0xfd;
	fi.dst[15] = 1;
	for (i = 0; i < 30000; i++) {
		fi.src[0] = 0x20;
		fi.src[14] = (uint8_t)(i >> 8);
		fi.src[15] = (uint8_t)i;
		fi.src[13] = (uint8_t)(i >> 16);
		account_frame(a, 0, &fi, SEC(1));
	}
	account_foreach_host(a, count_host, &n);
	assert_int_equal(n, 30000 + 1);
	assert_int_equal(account_totals(a)->hosts_evicted, 0);
	assert_int_equal(account_top_hosts(a, top, 1), 1);
	assert_int_equal(top[0].packets, 30000); /* fd00::1, every frame */
	assert_int_equal(account_last_seen(a, AF_INET6, fi.src), SEC(1));
	account_free(a);

	p.max_hosts = 8192;
	a = account_new(&p);
	for (i = 0; i < 30000; i++) {
		fi.src[14] = (uint8_t)(i >> 8);
		fi.src[15] = (uint8_t)i;
		account_frame(a, 0, &fi, SEC(1));
	}
	n = 0;
	account_foreach_host(a, count_host, &n);
	assert_true(n <= 8192);
	assert_true(account_totals(a)->hosts_evicted >= 30000 + 1 - 8192);
	account_free(a);
}

static void test_bad_params(void **state)
{
	struct account_params p = { .n_ifaces = 0 };

	(void)state;
	assert_null(account_new(&p));
	assert_int_equal(errno, EINVAL);
	p.n_ifaces = ACCOUNT_MAX_IFACES + 1;
	assert_null(account_new(&p));
	/* no services file: still works, services unnamed */
	p.n_ifaces = 1;
	p.services_path = "/nonexistent/services";
	account_free(account_new(&p));
	assert_string_equal(account_dir_name(ACCOUNT_DIR_IN), "inbound");
	assert_string_equal(account_proto_name(ACCOUNT_PROTO_ICMP), "icmp");
	account_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_service_naming),
		cmocka_unit_test(test_top_talkers_eviction),
		cmocka_unit_test(test_watched_host_survives),
		cmocka_unit_test(test_watched_host_is_local),
		cmocka_unit_test(test_conversation_bursts),
		cmocka_unit_test(test_conversation_after_eviction),
		cmocka_unit_test(test_conversation_both_ways),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_last_seen),
		cmocka_unit_test(test_malformed_counts_little),
		cmocka_unit_test(test_growing_tables),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, write_services, remove_services);
}
