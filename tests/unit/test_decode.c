/*
 * test_decode.c - the frame decoder: what it reports for each layer
 * (tags, ARP, IPv4 options and fragments, IPv6 extension headers, the
 * transports), every kind of lie it must call malformed, and that a valid
 * frame cut by the snaplen anywhere is never malformed while the same
 * frame cut on the wire always is.  Frames are built byte by byte here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "decode.h"

struct buf {
	uint8_t b[512];
	uint32_t n;
};

static void put(struct buf *f, const void *p, uint32_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct buf *f, unsigned v)
{
	f->b[f->n++] = (uint8_t)v;
}

static void put16(struct buf *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void put_zero(struct buf *f, uint32_t n)
{
	memset(f->b + f->n, 0, n);
	f->n += n;
}

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t v4_a[4] = { 192, 168, 1, 10 };
static const uint8_t v4_b[4] = { 8, 8, 8, 8 };
static const uint8_t v6_a[16] = { 0xfd, [15] = 0x10 };
static const uint8_t v6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* Ethernet header; tags are (tpid << 16 | vid), 0-terminated. */
static void eth(struct buf *f, unsigned type, const uint32_t *tags)
{
	f->n = 0;
	put(f, mac_b, 6);
	put(f, mac_a, 6);
	for (; tags && *tags; tags++) {
		put16(f, *tags >> 16);
		put16(f, *tags & 0xfff);
	}
	put16(f, type);
}

/* IPv4 header with opt_len bytes of options (given), total length tot. */
static void ipv4(struct buf *f, unsigned proto, unsigned tot,
		 const uint8_t *opt, unsigned opt_len, unsigned frag_word)
{
	put8(f, 0x40 | (5 + opt_len / 4));
	put8(f, 0);
	put16(f, tot);
	put16(f, 0x1234);
	put16(f, frag_word);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, v4_a, 4);
	put(f, v4_b, 4);
	if (opt_len)
		put(f, opt, opt_len);
}

static void ipv6(struct buf *f, unsigned nh, unsigned plen)
{
	put16(f, 0x6000);
	put16(f, 0);
	put16(f, plen);
	put8(f, nh);
	put8(f, 64);
	put(f, v6_a, 16);
	put(f, v6_b, 16);
}

static void tcp(struct buf *f, unsigned sport, unsigned dport, unsigned doff)
{
	put16(f, sport);
	put16(f, dport);
	put_zero(f, 8);
	put8(f, doff << 4);
	put8(f, 0x12); /* SYN|ACK */
	put_zero(f, 6);
}

static void udp(struct buf *f, unsigned sport, unsigned dport, unsigned len)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, len);
	put16(f, 0);
}

static int dec(const struct buf *f, struct frame_info *fi)
{
	return decode_frame(f->b, f->n, f->n, fi);
}

/* ---- good frames ----------------------------------------------------- */

static void build_tcp4(struct buf *f)
{
	eth(f, 0x0800, NULL);
	ipv4(f, IPPROTO_TCP, 40, NULL, 0, 0);
	tcp(f, 51000, 443, 5);
}

static void test_ipv4_tcp(void **state)
{
	struct buf f;
	struct frame_info fi;

	(void)state;
	build_tcp4(&f);
	put_zero(&f, 6); /* Ethernet padding to 60 bytes */
	assert_int_equal(dec(&f, &fi), 0);
	assert_false(fi.malformed);
	assert_int_equal(fi.l3, L3_IPV4);
	assert_int_equal(fi.family, AF_INET);
	assert_int_equal(fi.proto, IPPROTO_TCP);
	assert_memory_equal(fi.src, v4_a, 4);
	assert_memory_equal(fi.dst, v4_b, 4);
	assert_memory_equal(fi.src_mac, mac_a, 6);
	assert_true(fi.has_ports);
	assert_int_equal(fi.sport, 51000);
	assert_int_equal(fi.dport, 443);
	assert_int_equal(fi.tcp_flags, 0x12);
	assert_int_equal(fi.vlans, 0);
	assert_int_equal(fi.wire_len, 60);
}

static void test_vlan_and_qinq(void **state)
{
	static const uint32_t one[] = { 0x8100u << 16 | 42, 0 };
	static const uint32_t two[] = { 0x88a8u << 16 | 100, 0x8100u << 16 | 7,
					0 };
	struct buf f;
	struct frame_info fi;

	(void)state;
	eth(&f, 0x0800, one);
	ipv4(&f, IPPROTO_UDP, 28, NULL, 0, 0);
	udp(&f, 53, 40000, 8);
	assert_int_equal(dec(&f, &fi), 0);
	assert_int_equal(fi.vlans, 1);
	assert_int_equal(fi.vlan_id, 42);
	assert_int_equal(fi.dport, 40000);

	eth(&f, 0x86dd, two);
	ipv6(&f, IPPROTO_UDP, 8);
	udp(&f, 5353, 5353, 8);
	assert_int_equal(dec(&f, &fi), 0);
	assert_int_equal(fi.vlans, 2);
	assert_int_equal(fi.vlan_id, 100);
	assert_int_equal(fi.l3, L3_IPV6);
	assert_memory_equal(fi.dst, v6_b, 16);
}

static void assert_same_ways(const uint8_t *b, uint32_t caplen,
			     uint32_t wire_len);

/* Where a UDP datagram's data lies (for names.c): the UDP length, cut
 * by the snaplen, in both paths; nothing for TCP or a fragment. */
static void test_udp_payload(void **state)
{
	static const uint32_t one[] = { 0x8100u << 16 | 42, 0 };
	struct buf f;
	struct frame_info fi;

	(void)state;
	eth(&f, 0x0800, one);
	ipv4(&f, IPPROTO_UDP, 20 + 8 + 100, NULL, 0, 0);
	udp(&f, 68, 67, 8 + 90); /* ten bytes of padding after it */
	put_zero(&f, 100);
	assert_int_equal(dec(&f, &fi), 0);
	assert_int_equal(fi.payload_off, 14 + 4 + 20 + 8);
	assert_int_equal(fi.payload_len, 90);
	assert_same_ways(f.b, f.n, f.n);
	assert_int_equal(decode_frame(f.b, 60, f.n, &fi), 0);
	assert_int_equal(fi.payload_len, 60 - (14 + 4 + 20 + 8));
	assert_same_ways(f.b, 60, f.n);
	assert_int_equal(decode_frame_full(f.b, 60, f.n, &fi), 0);
	assert_int_equal(fi.payload_len, 60 - (14 + 4 + 20 + 8));

	eth(&f, 0x86dd, NULL);
	ipv6(&f, IPPROTO_UDP, 8 + 12);
	udp(&f, 5353, 5353, 8 + 12);
	put_zero(&f, 12);
	assert_int_equal(dec(&f, &fi), 0);
	assert_int_equal(fi.payload_off, 14 + 40 + 8);
	assert_int_equal(fi.payload_len, 12);
	assert_same_ways(f.b, f.n, f.n);

	build_tcp4(&f);
	assert_int_equal(dec(&f, &fi), 0);
	assert_int_equal(fi.payload_off, 0);
	assert_int_equal(fi.payload_len, 0);
}

static void test_arp(void **state)
{
	struct buf f;
	struct frame_info fi;

	(void)state;
	eth(&f, 0x0806, NULL);
	put16(&f, 1);
	put16(&f, 0x0800);
	put8(&f, 6);
	put8(&f, 4);
	put16(&f, 2);
	put(&f, mac_a, 6);
	put(&f, v4_a, 4);
	put(&f, mac_b, 6);
	put(&f, v4_b, 4);
	assert_int_equal(dec(&f, &fi), 0);
	assert_int_equal(fi.l3, L3_ARP);
	assert_int_equal(fi.arp_op, 2);
	assert_int_equal(fi.family, AF_INET);
	assert_memory_equal(fi.arp_sha, mac_a, 6);
	assert_memory_equal(fi.src, v4_a, 4);
	assert_memory_equal(fi.dst, v4_b, 4);
	assert_false(fi.has_ports);
}

static void test_ipv4_options(void **state)
{
	/* NOP, router alert, EOL, padding */
	static const uint8_t opt[8] = { 1, 0x94, 4, 0, 0, 0, 0, 0 };
	static const uint8_t bad[4] = { 7, 9, 4, 0 }; /* length past end */
	struct buf f;
	struct frame_info fi;

	(void)state;
	eth(&f, 0x0800, NULL);
	ipv4(&f, IPPROTO_TCP, 48, opt, 8, 0);
	tcp(&f, 22, 50000, 5);
	assert_int_equal(dec(&f, &fi), 0);
	assert_true(fi.has_ports);
	assert_int_equal(fi.sport, 22);

	eth(&f, 0x0800, NULL);
	ipv4(&f, IPPROTO_TCP, 44, bad, 4, 0);
	tcp(&f, 22, 50000, 5);
	assert_int_equal(dec(&f, &fi), -1);
	assert_true(fi.malformed);
}

static void test_ipv4_fragments(void **state)
{
	struct buf f;
	struct frame_info fi;

	(void)state;
	/* first fragment (MF), UDP length covers the whole datagram */
	eth(&f, 0x0800, NULL);
	ipv4(&f, IPPROTO_UDP, 36, NULL, 0, 0x2000);
	udp(&f, 123, 123, 200);
	put_zero(&f, 8);
	assert_int_equal(dec(&f, &fi), 0);
	assert_false(fi.fragment);
	assert_true(fi.has_ports);

	/* a later fragment: protocol known, no ports */
	eth(&f, 0x0800, NULL);
	ipv4(&f, IPPROTO_UDP, 36, NULL, 0, 0x2000 | 2);
	put_zero(&f, 16);
	assert_int_equal(dec(&f, &fi), 0);
	assert_true(fi.fragment);
	assert_false(fi.has_ports);
	assert_int_equal(fi.proto, IPPROTO_UDP);
	assert_int_equal(fi.l3, L3_IPV4);
}

static void test_ipv6_extension_headers(void **state)
{
	struct buf f;
	struct frame_info fi;

	(void)state;
	/* hop-by-hop → routing → destination options (16 bytes) → TCP */
	eth(&f, 0x86dd, NULL);
	ipv6(&f, IPPROTO_HOPOPTS, 8 + 8 + 16 + 20);
	put8(&f, IPPROTO_ROUTING);
	put8(&f, 0);
	put_zero(&f, 6);
	put8(&f, IPPROTO_DSTOPTS);
	put8(&f, 0);
	put_zero(&f, 6);
	put8(&f, IPPROTO_TCP);
	put8(&f, 1);
	put_zero(&f, 14);
	tcp(&f, 443, 60000, 5);
	assert_int_equal(dec(&f, &fi), 0);
	assert_int_equal(fi.proto, IPPROTO_TCP);
	assert_true(fi.has_ports);
	assert_int_equal(fi.sport, 443);

	/* AH (length in 4-octet units) → ICMPv6 */
	eth(&f, 0x86dd, NULL);
	ipv6(&f, IPPROTO_AH, 24 + 8);
	put8(&f, IPPROTO_ICMPV6);
	put8(&f, 4);
	put_zero(&f, 22);
	put8(&f, 128);
	put_zero(&f, 7);
	assert_int_equal(dec(&f, &fi), 0);
	assert_int_equal(fi.proto, IPPROTO_ICMPV6);
	assert_false(fi.has_ports);
}

static void test_ipv6_fragments(void **state)
{
	struct buf f;
	struct frame_info fi;

	(void)state;
	eth(&f, 0x86dd, NULL);
	ipv6(&f, IPPROTO_FRAGMENT, 8 + 16);
	put8(&f, IPPROTO_UDP);
	put8(&f, 0);
	put16(&f, 0 | 1); /* offset 0, more fragments */
	put_zero(&f, 4);
	udp(&f, 53, 33333, 100);
	put_zero(&f, 8);
	assert_int_equal(dec(&f, &fi), 0);
	assert_true(fi.has_ports);
	assert_false(fi.fragment);

	eth(&f, 0x86dd, NULL);
	ipv6(&f, IPPROTO_FRAGMENT, 8 + 16);
	put8(&f, IPPROTO_UDP);
	put8(&f, 0);
	put16(&f, 16); /* offset 16, last */
	put_zero(&f, 4);
	put_zero(&f, 16);
	assert_int_equal(dec(&f, &fi), 0);
	assert_true(fi.fragment);
	assert_false(fi.has_ports);
	assert_int_equal(fi.proto, IPPROTO_UDP);
}

static void test_other_ethertype(void **state)
{
	struct buf f;
	struct frame_info fi;

	(void)state;
	eth(&f, 0x88cc, NULL);
	put_zero(&f, 46);
	assert_int_equal(dec(&f, &fi), 0);
	assert_int_equal(fi.l3, L3_OTHER);
	assert_int_equal(fi.ethertype, 0x88cc);
}

/* ---- malformed ------------------------------------------------------- */

/* Each builder makes one lie; the decoder must say malformed, keep the
 * tag count and trust nothing above Ethernet. */
static void bad_runt(struct buf *f)
{
	f->n = 0;
	put(f, mac_b, 6);
	put(f, mac_a, 3);
}

static void bad_tag_cut(struct buf *f)
{
	static const uint32_t one[] = { 0x8100u << 16 | 5, 0 };

	eth(f, 0x0800, one);
	f->n -= 4; /* the frame ends inside the tag */
}

static void bad_ihl(struct buf *f)
{
	eth(f, 0x0800, NULL);
	ipv4(f, IPPROTO_UDP, 28, NULL, 0, 0);
	f->b[14] = 0x44;
	udp(f, 1, 2, 8);
}

static void bad_total_long(struct buf *f)
{
	eth(f, 0x0800, NULL);
	ipv4(f, IPPROTO_UDP, 1500, NULL, 0, 0);
	udp(f, 1, 2, 8);
}

static void bad_total_short(struct buf *f)
{
	eth(f, 0x0800, NULL);
	ipv4(f, IPPROTO_UDP, 16, NULL, 0, 0);
	udp(f, 1, 2, 8);
}

static void bad_ipv4_cut(struct buf *f)
{
	eth(f, 0x0800, NULL);
	put_zero(f, 12);
	f->b[14] = 0x45;
}

static void bad_frag_overflow(struct buf *f)
{
	eth(f, 0x0800, NULL);
	ipv4(f, IPPROTO_UDP, 20 + 64, NULL, 0, 8190);
	put_zero(f, 64);
}

static void bad_tcp_doff(struct buf *f)
{
	eth(f, 0x0800, NULL);
	ipv4(f, IPPROTO_TCP, 40, NULL, 0, 0);
	tcp(f, 1, 2, 3);
}

static void bad_tcp_doff_long(struct buf *f)
{
	eth(f, 0x0800, NULL);
	ipv4(f, IPPROTO_TCP, 40, NULL, 0, 0);
	tcp(f, 1, 2, 15);
}

static void bad_udp_len(struct buf *f)
{
	eth(f, 0x0800, NULL);
	ipv4(f, IPPROTO_UDP, 28, NULL, 0, 0);
	udp(f, 1, 2, 9);
}

static void bad_icmp_cut(struct buf *f)
{
	eth(f, 0x0800, NULL);
	ipv4(f, IPPROTO_ICMP, 22, NULL, 0, 0);
	put16(f, 0x0800);
}

static void bad_ipv6_plen(struct buf *f)
{
	eth(f, 0x86dd, NULL);
	ipv6(f, IPPROTO_UDP, 100);
	udp(f, 1, 2, 8);
}

static void bad_ipv6_cut(struct buf *f)
{
	eth(f, 0x86dd, NULL);
	ipv6(f, IPPROTO_UDP, 0);
	f->n -= 10;
}

static void bad_ipv6_ext_len(struct buf *f)
{
	eth(f, 0x86dd, NULL);
	ipv6(f, IPPROTO_DSTOPTS, 16);
	put8(f, IPPROTO_UDP);
	put8(f, 3); /* 32 bytes in a 16-byte payload */
	put_zero(f, 14);
}

static void bad_arp_cut(struct buf *f)
{
	eth(f, 0x0806, NULL);
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, 1);
	put_zero(f, 10);
}

static void test_malformed(void **state)
{
	static void (*const cases[])(struct buf *) = {
		bad_runt,	   bad_tag_cut,	     bad_ihl,
		bad_total_long,	   bad_total_short,  bad_ipv4_cut,
		bad_frag_overflow, bad_tcp_doff,     bad_tcp_doff_long,
		bad_udp_len,	   bad_icmp_cut,     bad_ipv6_plen,
		bad_ipv6_cut,	   bad_ipv6_ext_len, bad_arp_cut,
	};
	struct buf f;
	struct frame_info fi;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cases[i](&f);
		print_message("case %zu\n", i);
		assert_int_equal(dec(&f, &fi), -1);
		assert_true(fi.malformed);
		assert_int_equal(fi.l3, L3_NONE);
		assert_int_equal(fi.family, 0);
		assert_false(fi.has_ports);
		assert_int_equal(fi.vlans, cases[i] == bad_tag_cut);
		assert_int_equal(fi.wire_len, f.n);
	}
}

static void test_caplen_over_wire(void **state)
{
	struct buf f;
	struct frame_info fi;

	(void)state;
	build_tcp4(&f);
	assert_int_equal(decode_frame(f.b, f.n, f.n - 1, &fi), -1);
	assert_true(fi.malformed);
	assert_int_equal(decode_frame(NULL, 0, 0, &fi), -1);
}

/* A good frame cut by the snaplen is never malformed; cut on the wire
 * inside its headers it always is. */
static void test_every_cut(void **state)
{
	struct buf f;
	struct frame_info fi;
	uint32_t n;

	(void)state;
	build_tcp4(&f);
	for (n = 0; n < f.n; n++) {
		assert_int_equal(decode_frame(f.b, n, f.n, &fi), 0);
		assert_int_equal(fi.has_ports, n >= 14 + 20 + 20);
		assert_int_equal(decode_frame(f.b, n, n, &fi), -1);
	}
	/* snaplen inside the TCP header: addresses and protocol still seen */
	assert_int_equal(decode_frame(f.b, 14 + 20 + 10, f.n, &fi), 0);
	assert_int_equal(fi.l3, L3_IPV4);
	assert_int_equal(fi.proto, IPPROTO_TCP);
	assert_false(fi.has_ports);
}

/* ---- the one-pass path ------------------------------------------------ */

/* decode_frame() and the layer-by-layer decode_frame_full() agree on b
 * cut to caplen, with wire_len on the wire: result and facts.  The bytes
 * are copied to a buffer of exactly caplen, so that under ASan (make
 * test-asan) a read past the capture fails. */
static void assert_same_ways(const uint8_t *b, uint32_t caplen,
			     uint32_t wire_len)
{
	struct frame_info one, full;
	uint8_t *copy = malloc(caplen ? caplen : 1);

	assert_non_null(copy);
	memcpy(copy, b, caplen);
	memset(&one, 0xa5, sizeof(one));
	memset(&full, 0x5a, sizeof(full));
	assert_int_equal(decode_frame(copy, caplen, wire_len, &one),
			 decode_frame_full(copy, caplen, wire_len, &full));
	assert_true(decode_same_facts(&one, &full));
	free(copy);
}

static void plain_base(struct buf *f, int kind)
{
	static const uint32_t one[] = { 0x8100u << 16 | 42, 0 };
	static const uint32_t two[] = { 0x88a8u << 16 | 100, 0x8100u << 16 | 7,
					0 };
	static const uint32_t *const tags[] = { NULL, one, two };
	const uint32_t *t = tags[kind / 4 % 3];

	switch (kind % 4) {
	case 0:
		eth(f, 0x0800, t);
		ipv4(f, IPPROTO_TCP, 20 + 24, NULL, 0, 0x4000);
		tcp(f, 51000, 443, 6);
		put_zero(f, 4);
		break;
	case 1:
		eth(f, 0x0800, t);
		ipv4(f, IPPROTO_UDP, 20 + 8 + 4, NULL, 0, 0);
		udp(f, 53, 40000, 12);
		put_zero(f, 4);
		break;
	case 2:
		eth(f, 0x86dd, t);
		ipv6(f, IPPROTO_TCP, 20);
		tcp(f, 51000, 22, 5);
		break;
	default:
		eth(f, 0x86dd, t);
		ipv6(f, IPPROTO_UDP, 8 + 4);
		udp(f, 5353, 5353, 12);
		put_zero(f, 4);
		break;
	}
}

/* Every byte of plain TCP and UDP frames (IPv4 and IPv6, no tag, one,
 * two) set to values that change what a header means, and every cut:
 * the one-pass path takes what it can and gives the same facts as the
 * layers, lies included. */
static void test_plain_same_as_layers(void **state)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x05, 0x06, 0x08,
					  0x11, 0x14, 0x2b, 0x40, 0x45,
					  0x46, 0x50, 0x60, 0x81, 0x86,
					  0x88, 0xdd, 0xf0, 0xff };
	struct buf f, g;
	uint32_t i, v, n;
	int kind;

	(void)state;
	for (kind = 0; kind < 12; kind++) {
		plain_base(&f, kind);
		for (n = 0; n <= f.n; n++) {
			assert_same_ways(f.b, n, f.n);
			assert_same_ways(f.b, n, n);
		}
		assert_same_ways(f.b, f.n, f.n + 1);
		assert_same_ways(f.b, f.n, 70000);
		for (i = 0; i < f.n; i++) {
			for (v = 0; v < sizeof(values) + 2; v++) {
				g = f;
				if (v < sizeof(values))
					g.b[i] = values[v];
				else /* one bit, low or high */
					g.b[i] ^=
						v == sizeof(values) ? 1 : 0x80;
				assert_same_ways(g.b, g.n, g.n);
				assert_same_ways(g.b, g.n - 1, g.n);
				assert_same_ways(g.b, g.n, g.n + 8);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_vlan_and_qinq),
		cmocka_unit_test(test_udp_payload),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_other_ethertype),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_caplen_over_wire),
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_plain_same_as_layers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
