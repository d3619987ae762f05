/*
 * test_names.c - host names from the wire: whole Ethernet frames with a
 * DHCP exchange or an mDNS announcement built here byte by byte, through
 * decode_frame() and names_frame() as the daemon takes them; malformed,
 * truncated, oversized and hostile names; the precedence rule and the
 * table's bound and eviction.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "decode.h"
#include "names.h"

static const uint8_t mac_p[6] = { 0x02, 0, 0, 0, 0x77, 0x60 };

struct buf {
	uint8_t b[2048];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put8(struct buf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	put(b, &c, 1);
}

static void put16(struct buf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void put32(struct buf *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v & 0xffff);
}

static const uint8_t *ip4(const char *s)
{
	static uint8_t v[4][16];
	static int k;
	uint8_t *p = v[k++ % 4];

	memset(p, 0, 16);
	assert_int_equal(inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, p),
			 1);
	return p;
}

/* Ethernet + IPv4 + UDP around payload (checksums are not checked). */
static void frame_udp(struct buf *f, const uint8_t src_mac[6], const char *src,
		      const char *dst, unsigned sport, unsigned dport,
		      const struct buf *payload)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	f->n = 0;
	put(f, bcast, 6);
	put(f, src_mac, 6);
	put16(f, 0x0800);
	put16(f, 0x4500);
	put16(f, 20 + 8 + (unsigned)payload->n);
	put32(f, 0);
	put16(f, 0x4011); /* TTL 64, UDP */
	put16(f, 0);
	put(f, ip4(src), 4);
	put(f, ip4(dst), 4);
	put16(f, sport);
	put16(f, dport);
	put16(f, 8 + (unsigned)payload->n);
	put16(f, 0);
	put(f, payload->b, payload->n);
}

/* A BOOTP header and cookie; options follow. */
static void dhcp_head(struct buf *d, int op, const char *ciaddr,
		      const char *yiaddr)
{
	uint8_t zero[192] = { 0 };

	d->n = 0;
	put8(d, (unsigned)op);
	put8(d, 1);
	put8(d, 6);
	put8(d, 0);
	put32(d, 0x3903f326);
	put32(d, 0x8000);
	put(d, ip4(ciaddr), 4);
	put(d, ip4(yiaddr), 4);
	put(d, zero, 8); /* siaddr, giaddr */
	put(d, mac_p, 6);
	put(d, zero, 10);
	put(d, zero, 192); /* sname, file */
	put32(d, 0x63825363);
}

static void opt(struct buf *d, unsigned code, const void *p, size_t n)
{
	put8(d, code);
	put8(d, (unsigned)n);
	put(d, p, n);
}

static int feed(struct names *n, const struct buf *f, uint32_t caplen,
		int64_t now)
{
	struct frame_info fi;

	if (caplen > f->n)
		caplen = (uint32_t)f->n;
	decode_frame(f->b, caplen, (uint32_t)f->n, &fi);
	assert_false(fi.malformed);
	return names_frame(n, f->b, caplen, &fi, now);
}

static void dhcp_request(struct buf *f, const char *host, size_t host_len)
{
	struct buf d;

	dhcp_head(&d, 1, "0.0.0.0", "0.0.0.0");
	opt(&d, 53, "\x03", 1);
	opt(&d, 55, "\x01\x03\x06\x0f\x1c", 5);
	opt(&d, 12, host, host_len);
	put8(&d, 255);
	frame_udp(f, mac_p, "0.0.0.0", "255.255.255.255", 68, 67, &d);
}

static void dhcp_ack(struct buf *f, const char *yiaddr)
{
	static const uint8_t srv_mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	struct buf d;

	dhcp_head(&d, 2, "0.0.0.0", yiaddr);
	opt(&d, 53, "\x05", 1);
	opt(&d, 54, ip4("10.77.0.1"), 4);
	put8(&d, 255);
	frame_udp(f, srv_mac, "10.77.0.1", "255.255.255.255", 67, 68, &d);
}

static const char *source_of(const struct names *n, const char *ip)
{
	struct names_entry e;
	const uint8_t *a = ip4(ip);

	for (size_t i = 0; i < NAMES_MAX; i++)
		if (names_get(n, i, &e) && e.family == AF_INET &&
		    memcmp(e.ip, a, 4) == 0)
			return names_source_name(e.source);
	return "-";
}

static void test_dhcp_request_then_ack(void **state)
{
	struct names *n = names_new();
	struct buf f;
	struct names_counts c;

	(void)state;
	dhcp_request(&f, "printer-3f", 10);
	assert_int_equal(feed(n, &f, 2048, 1), 1);
	/* named by its MAC until the server binds an address */
	assert_null(names_find(n, AF_INET, ip4("10.77.0.60")));
	assert_string_equal(
		names_find_device(n, mac_p, AF_INET, ip4("10.77.0.60")),
		"printer-3f");
	dhcp_ack(&f, "10.77.0.60");
	assert_int_equal(feed(n, &f, 2048, 2), 1);
	assert_string_equal(names_find(n, AF_INET, ip4("10.77.0.60")),
			    "printer-3f");
	assert_string_equal(source_of(n, "10.77.0.60"), "dhcp");
	names_counts(n, &c);
	assert_int_equal(c.entries, 1);
	assert_int_equal(c.bad, 0);
	names_free(n);
}

/* The lease goes to another device: the old name goes with it. */
static void test_dhcp_lease_reassigned(void **state)
{
	static const uint8_t mac_q[6] = { 0x02, 0, 0, 0, 0x77, 0x99 };
	struct names *n = names_new();
	struct names_fact f = { .source = NAMES_DHCP, .have_mac = true };
	struct buf b;

	(void)state;
	dhcp_request(&b, "printer-3f", 10);
	feed(n, &b, 2048, 1);
	dhcp_ack(&b, "10.77.0.60");
	feed(n, &b, 2048, 2);
	memcpy(f.mac, mac_q, 6);
	f.family = AF_INET;
	memcpy(f.ip, ip4("10.77.0.60"), 4);
	assert_int_equal(names_learn(n, &f, 3), 0); /* an ACK, no name */
	assert_null(names_find(n, AF_INET, ip4("10.77.0.60")));
	snprintf(f.name, sizeof(f.name), "phone");
	assert_int_equal(names_learn(n, &f, 4), 1);
	assert_string_equal(names_find(n, AF_INET, ip4("10.77.0.60")), "phone");
	names_free(n);
}

static void test_dhcp_cut_by_snaplen_is_not_malformed(void **state)
{
	struct names *n = names_new();
	struct buf f;
	struct names_counts c;

	(void)state;
	dhcp_request(&f, "printer-3f", 10);
	assert_int_equal(feed(n, &f, 128, 1), 0);
	names_counts(n, &c);
	assert_int_equal(c.truncated, 1);
	assert_int_equal(c.bad, 0);
	assert_int_equal(c.entries, 0);
	names_free(n);
}

static void test_dhcp_malformed(void **state)
{
	struct names *n = names_new();
	struct buf d, f;
	struct names_counts c;

	(void)state;
	/* an option whose length runs past the message */
	dhcp_head(&d, 1, "0.0.0.0", "0.0.0.0");
	opt(&d, 53, "\x03", 1);
	put8(&d, 12);
	put8(&d, 200);
	put(&d, "printer", 7);
	frame_udp(&f, mac_p, "0.0.0.0", "255.255.255.255", 68, 67, &d);
	assert_int_equal(feed(n, &f, 2048, 1), 0);
	/* no magic cookie */
	dhcp_head(&d, 1, "0.0.0.0", "0.0.0.0");
	d.b[236] = 0;
	opt(&d, 12, "printer", 7);
	frame_udp(&f, mac_p, "0.0.0.0", "255.255.255.255", 68, 67, &d);
	assert_int_equal(feed(n, &f, 2048, 1), 0);
	/* shorter than a BOOTP header */
	d.n = 100;
	frame_udp(&f, mac_p, "0.0.0.0", "255.255.255.255", 68, 67, &d);
	assert_int_equal(feed(n, &f, 2048, 1), 0);
	names_counts(n, &c);
	assert_int_equal(c.bad, 3);
	assert_int_equal(c.entries, 0);
	names_free(n);
}

static void count_fact(void *ctx, const struct names_fact *f)
{
	(void)f;
	(*(int *)ctx)++;
}

static void test_dhcp_what_gives_no_name(void **state)
{
	struct buf d;
	int calls = 0;

	(void)state;
	/* not Ethernet */
	dhcp_head(&d, 1, "0.0.0.0", "0.0.0.0");
	d.b[1] = 6;
	opt(&d, 53, "\x03", 1);
	opt(&d, 12, "printer", 7);
	put8(&d, 255);
	assert_int_equal(names_parse_dhcp(d.b, d.n, count_fact, &calls), 0);
	/* an empty or unusable hostname */
	dhcp_head(&d, 1, "0.0.0.0", "0.0.0.0");
	opt(&d, 53, "\x03", 1);
	opt(&d, 12, "\x01\x02..", 4);
	put8(&d, 255);
	assert_int_equal(names_parse_dhcp(d.b, d.n, count_fact, &calls), 0);
	/* an OFFER binds nothing */
	dhcp_head(&d, 2, "0.0.0.0", "10.77.0.60");
	opt(&d, 53, "\x02", 1);
	opt(&d, 12, "printer", 7);
	put8(&d, 255);
	assert_int_equal(names_parse_dhcp(d.b, d.n, count_fact, &calls), 0);
	assert_int_equal(calls, 0);
}

static void test_sanitize(void **state)
{
	char out[NAMES_LEN + 1];
	char big[200];

	(void)state;
	assert_int_equal(names_sanitize((const uint8_t *)"nas-7.lan.", 10, out),
			 9);
	assert_string_equal(out, "nas-7.lan");
	names_sanitize((const uint8_t *)"ev\"il\\\n\x1b[2J}", 13, out);
	assert_string_equal(out, "ev_il____2J_");
	/* a C string's terminator, sent along */
	names_sanitize((const uint8_t *)"tv\0", 3, out);
	assert_string_equal(out, "tv");
	/* a NUL inside is a byte like any other */
	names_sanitize((const uint8_t *)"t\0v", 3, out);
	assert_string_equal(out, "t_v");
	memset(big, 'a', sizeof(big));
	assert_int_equal(names_sanitize((const uint8_t *)big, sizeof(big), out),
			 NAMES_LEN);
	assert_int_equal(strlen(out), NAMES_LEN);
	assert_int_equal(names_sanitize((const uint8_t *)"-._\xff", 4, out), 0);
	assert_string_equal(out, "");
	assert_int_equal(names_sanitize((const uint8_t *)"", 0, out), 0);
}

/* ---- mDNS ---------------------------------------------------------------- */

static void dns_name(struct buf *d, const char *a, const char *b)
{
	put8(d, (unsigned)strlen(a));
	put(d, a, strlen(a));
	if (b) {
		put8(d, (unsigned)strlen(b));
		put(d, b, strlen(b));
	}
	put8(d, 0);
}

static void mdns_head(struct buf *d, unsigned flags, unsigned qd, unsigned an,
		      unsigned ar)
{
	d->n = 0;
	put16(d, 0);
	put16(d, flags);
	put16(d, qd);
	put16(d, an);
	put16(d, 0);
	put16(d, ar);
}

static void rr_a(struct buf *d, unsigned class, uint32_t ttl, const char *ip)
{
	put16(d, 1);
	put16(d, class);
	put32(d, ttl);
	put16(d, 4);
	put(d, ip4(ip), 4);
}

static void mdns_frame(struct buf *f, const struct buf *d)
{
	frame_udp(f, mac_p, "10.77.0.61", "224.0.0.251", 5353, 5353, d);
}

static void test_mdns_announcement(void **state)
{
	struct names *n = names_new();
	struct buf d, f;

	(void)state;
	/* answers: nas-7.local A (cache-flush), then the same owner by a
	 * compression pointer with an AAAA; an additional PTR is skipped */
	mdns_head(&d, 0x8400, 0, 2, 1);
	dns_name(&d, "nas-7", "local");
	rr_a(&d, 0x8001, 120, "10.77.0.61");
	put16(&d, 0xc00c);
	put16(&d, 28);
	put16(&d, 0x8001);
	put32(&d, 120);
	put16(&d, 16);
	put(&d, ip4("fd77::61"), 16);
	put16(&d, 0xc00c);
	put16(&d, 12);
	put16(&d, 1);
	put32(&d, 120);
	put16(&d, 2);
	put16(&d, 0xc00c);
	mdns_frame(&f, &d);
	assert_int_equal(feed(n, &f, 2048, 1), 2);
	assert_string_equal(names_find(n, AF_INET, ip4("10.77.0.61")), "nas-7");
	assert_string_equal(names_find(n, AF_INET6, ip4("fd77::61")), "nas-7");
	assert_string_equal(source_of(n, "10.77.0.61"), "mdns");
	/* a response that repeats its question (legacy unicast) */
	mdns_head(&d, 0x8400, 1, 1, 0);
	dns_name(&d, "tv", "local");
	put16(&d, 1);
	put16(&d, 1);
	put16(&d, 0xc00c);
	rr_a(&d, 1, 10, "10.77.0.62");
	mdns_frame(&f, &d);
	assert_int_equal(feed(n, &f, 2048, 2), 1);
	assert_string_equal(names_find(n, AF_INET, ip4("10.77.0.62")), "tv");
	names_free(n);
}

static void test_mdns_gives_nothing(void **state)
{
	struct buf d;
	int calls = 0;

	(void)state;
	/* a query */
	mdns_head(&d, 0x0000, 0, 1, 0);
	dns_name(&d, "nas-7", "local");
	rr_a(&d, 1, 120, "10.77.0.61");
	assert_int_equal(names_parse_mdns(d.b, d.n, count_fact, &calls), 0);
	/* a goodbye (TTL 0) */
	mdns_head(&d, 0x8400, 0, 1, 0);
	dns_name(&d, "nas-7", "local");
	rr_a(&d, 0x8001, 0, "10.77.0.61");
	assert_int_equal(names_parse_mdns(d.b, d.n, count_fact, &calls), 0);
	/* not .local, or nothing but ".local" */
	mdns_head(&d, 0x8400, 0, 2, 0);
	dns_name(&d, "nas-7", "example");
	rr_a(&d, 1, 120, "10.77.0.61");
	dns_name(&d, "local", NULL);
	rr_a(&d, 1, 120, "10.77.0.61");
	assert_int_equal(names_parse_mdns(d.b, d.n, count_fact, &calls), 0);
	/* class CH */
	mdns_head(&d, 0x8400, 0, 1, 0);
	dns_name(&d, "nas-7", "local");
	rr_a(&d, 3, 120, "10.77.0.61");
	assert_int_equal(names_parse_mdns(d.b, d.n, count_fact, &calls), 0);
	assert_int_equal(calls, 0);
}

static void test_mdns_malformed(void **state)
{
	struct buf d;
	int calls = 0;

	(void)state;
	/* rdlength past the end */
	mdns_head(&d, 0x8400, 0, 1, 0);
	dns_name(&d, "nas-7", "local");
	put16(&d, 1);
	put16(&d, 1);
	put32(&d, 120);
	put16(&d, 400);
	put(&d, ip4("10.77.0.61"), 4);
	assert_int_equal(names_parse_mdns(d.b, d.n, count_fact, &calls), -1);
	/* a label past the end */
	mdns_head(&d, 0x8400, 0, 1, 0);
	put8(&d, 60);
	put(&d, "nas", 3);
	assert_int_equal(names_parse_mdns(d.b, d.n, count_fact, &calls), -1);
	/* a pointer to itself: c-ares refuses the loop, no fact */
	mdns_head(&d, 0x8400, 0, 1, 0);
	put16(&d, 0xc00c);
	rr_a(&d, 1, 120, "10.77.0.61");
	assert_int_equal(names_parse_mdns(d.b, d.n, count_fact, &calls), 0);
	/* more records announced than present */
	mdns_head(&d, 0x8400, 0, 9, 0);
	dns_name(&d, "nas-7", "local");
	rr_a(&d, 1, 120, "10.77.0.61");
	assert_int_equal(names_parse_mdns(d.b, d.n, count_fact, &calls), 1);
	/* shorter than a header */
	assert_int_equal(names_parse_mdns(d.b, 11, count_fact, &calls), -1);
	assert_int_equal(calls, 1);
}

static void test_mdns_records_bounded(void **state)
{
	struct buf d;
	int calls = 0;
	char ip[16];

	(void)state;
	mdns_head(&d, 0x8400, 0, 40, 0);
	for (int i = 0; i < 40; i++) {
		snprintf(ip, sizeof(ip), "10.77.1.%d", i);
		dns_name(&d, "many", "local");
		rr_a(&d, 1, 120, ip);
	}
	assert_int_equal(names_parse_mdns(d.b, d.n, count_fact, &calls),
			 NAMES_MDNS_RR_MAX);
	assert_int_equal(calls, NAMES_MDNS_RR_MAX);
}

/* ---- the table ------------------------------------------------------------ */

static int learn(struct names *n, enum names_source s, const char *ip,
		 const char *name, int64_t now)
{
	struct names_fact f = { .source = s, .family = AF_INET };

	memcpy(f.ip, ip4(ip), 4);
	snprintf(f.name, sizeof(f.name), "%s", name);
	return names_learn(n, &f, now);
}

static void test_precedence(void **state)
{
	struct names *n = names_new();
	struct buf f;

	(void)state;
	assert_int_equal(learn(n, NAMES_RDNS, "10.77.0.60", "h60.lan", 1), 1);
	assert_int_equal(learn(n, NAMES_MDNS, "10.77.0.60", "printer", 2), 1);
	assert_int_equal(learn(n, NAMES_RDNS, "10.77.0.60", "h60.lan", 3), 0);
	assert_string_equal(names_find(n, AF_INET, ip4("10.77.0.60")),
			    "printer");
	/* the DHCP exchange wins over mDNS and merges the two entries */
	dhcp_request(&f, "printer-3f", 10);
	feed(n, &f, 2048, 4);
	dhcp_ack(&f, "10.77.0.60");
	feed(n, &f, 2048, 5);
	assert_string_equal(names_find(n, AF_INET, ip4("10.77.0.60")),
			    "printer-3f");
	assert_string_equal(source_of(n, "10.77.0.60"), "dhcp");
	assert_int_equal(learn(n, NAMES_MDNS, "10.77.0.60", "other", 6), 0);
	assert_string_equal(names_find(n, AF_INET, ip4("10.77.0.60")),
			    "printer-3f");
	/* a source renames what it named */
	assert_int_equal(learn(n, NAMES_MDNS, "10.77.0.61", "nas", 7), 1);
	assert_int_equal(learn(n, NAMES_MDNS, "10.77.0.61", "nas-2", 8), 1);
	assert_string_equal(names_find(n, AF_INET, ip4("10.77.0.61")), "nas-2");
	names_free(n);
}

static void test_bound_and_eviction(void **state)
{
	struct names *n = names_new();
	struct names_counts c;
	char ip[16];

	(void)state;
	for (int i = 0; i < NAMES_MAX; i++) {
		snprintf(ip, sizeof(ip), "10.77.%d.%d", i / 200, i % 200 + 1);
		assert_int_equal(learn(n, NAMES_MDNS, ip, "h", 100 + i), 1);
	}
	/* the first, confirmed since, stays; the second is the oldest */
	learn(n, NAMES_MDNS, "10.77.0.1", "h", 1000);
	assert_int_equal(learn(n, NAMES_MDNS, "10.99.0.1", "new", 1001), 1);
	names_counts(n, &c);
	assert_int_equal(c.entries, NAMES_MAX);
	assert_int_equal(c.evicted, 1);
	assert_non_null(names_find(n, AF_INET, ip4("10.77.0.1")));
	assert_null(names_find(n, AF_INET, ip4("10.77.0.2")));
	assert_string_equal(names_find(n, AF_INET, ip4("10.99.0.1")), "new");
	names_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcp_request_then_ack),
		cmocka_unit_test(test_dhcp_lease_reassigned),
		cmocka_unit_test(test_dhcp_cut_by_snaplen_is_not_malformed),
		cmocka_unit_test(test_dhcp_malformed),
		cmocka_unit_test(test_dhcp_what_gives_no_name),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_mdns_announcement),
		cmocka_unit_test(test_mdns_gives_nothing),
		cmocka_unit_test(test_mdns_malformed),
		cmocka_unit_test(test_mdns_records_bounded),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_bound_and_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
