/*
 * test_ping_wire.c - the ICMP packet parser on hand-made packets: echo
 * replies with and without an IPv4 header, ICMP and ICMPv6 errors quoting
 * our request, and everything that must be refused (bad IHL, checksum,
 * protocol, quotes too short).  Every truncation and many random
 * mutations of valid packets go through the parser too: it must never
 * read past the length it is given (run under ASan to see).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../src/probes/ping_wire.h"

static const uint8_t cookie[PING_COOKIE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

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

static void set_csum(uint8_t *icmp, size_t len)
{
	uint16_t s;

	icmp[2] = icmp[3] = 0;
	s = csum(icmp, len);
	icmp[2] = (uint8_t)(s >> 8);
	icmp[3] = (uint8_t)s;
}

/* A 20-byte IPv4 header (ihl 5) for proto from 127.0.0.9 to dst. */
static void ip4(uint8_t *ip, uint8_t proto, const uint8_t dst[4])
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 127;
	ip[15] = 9;
	memcpy(ip + 16, dst, 4);
}

/* Our request as ping_wire_build() makes it, then turned into a reply. */
static size_t reply4(uint8_t *buf, int payload)
{
	uint8_t pkt[PING_PACKET_MAX];
	size_t len;

	ping_wire_fill(pkt);
	len = ping_wire_build(pkt, AF_INET, 0x1234, 0xbeef, cookie, payload);
	assert_int_equal(csum(pkt, len), 0);
	pkt[0] = 0;
	set_csum(pkt, len);
	memcpy(buf, pkt, len);
	return len;
}

/* An IPv4 error: outer IP + ICMP type/code + inner IP + our request,
 * quoting quote bytes of the request. */
static size_t error4(uint8_t *buf, int type, int code, size_t quote)
{
	static const uint8_t dst[4] = { 127, 0, 0, 1 };
	uint8_t req[PING_PACKET_MAX];

	ping_wire_fill(req);
	ping_wire_build(req, AF_INET, 0x1234, 0xbeef, cookie, 56);
	ip4(buf, 1, dst);
	memset(buf + 20, 0, 8);
	buf[20] = (uint8_t)type;
	buf[21] = (uint8_t)code;
	ip4(buf + 28, 1, dst);
	memcpy(buf + 48, req, quote);
	set_csum(buf + 20, 28 + quote);
	return 48 + quote;
}

static void test_build(void **state)
{
	uint8_t pkt[PING_PACKET_MAX];

	(void)state;
	ping_wire_fill(pkt);
	assert_int_equal(ping_wire_build(pkt, AF_INET, 1, 2, cookie, 0), 16);
	assert_int_equal(ping_wire_build(pkt, AF_INET, 1, 2, cookie, 56), 64);
	assert_int_equal(ping_wire_build(pkt, AF_INET6, 1, 2, cookie, 1472),
			 1480);
	assert_int_equal(pkt[0], 128);
	assert_memory_equal(pkt + 8, cookie, sizeof(cookie));
	assert_int_equal(pkt[6] << 8 | pkt[7], 2);
}

static void test_reply(void **state)
{
	uint8_t buf[2048];
	struct ping_wire_msg m;
	size_t len = reply4(buf + 20, 56);
	static const uint8_t dst[4] = { 127, 0, 0, 1 };

	(void)state;
	/* Datagram sockets: no IP header. */
	assert_int_equal(ping_wire_parse(buf + 20, len, AF_INET, false, &m), 0);
	assert_int_equal(m.what, PING_WIRE_REPLY);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.seq, 0xbeef);
	assert_memory_equal(m.cookie, cookie, sizeof(cookie));
	/* Raw IPv4: header first. */
	ip4(buf, 1, dst);
	assert_int_equal(ping_wire_parse(buf, len + 20, AF_INET, true, &m), 0);
	assert_int_equal(m.seq, 0xbeef);
	/* A bad checksum, another protocol, an impossible IHL. */
	buf[30] ^= 1;
	assert_int_equal(ping_wire_parse(buf, len + 20, AF_INET, true, &m), -1);
	buf[30] ^= 1;
	buf[9] = 17;
	assert_int_equal(ping_wire_parse(buf, len + 20, AF_INET, true, &m), -1);
	buf[9] = 1;
	buf[0] = 0x4f;
	assert_int_equal(ping_wire_parse(buf, 50, AF_INET, true, &m), -1);
	buf[0] = 0x44;
	assert_int_equal(ping_wire_parse(buf, len + 20, AF_INET, true, &m), -1);
}

static void test_short_reply_has_no_cookie(void **state)
{
	uint8_t buf[64];
	struct ping_wire_msg m;

	(void)state;
	reply4(buf, 0);
	set_csum(buf, 12);
	assert_int_equal(ping_wire_parse(buf, 12, AF_INET, false, &m), 0);
	assert_null(m.cookie);
}

static void test_error4(void **state)
{
	uint8_t buf[2048];
	struct ping_wire_msg m;
	size_t len = error4(buf, 11, 0, 64);

	(void)state;
	assert_int_equal(ping_wire_parse(buf, len, AF_INET, true, &m), 0);
	assert_int_equal(m.what, PING_WIRE_ERROR);
	assert_string_equal(m.error, "TTL exceeded");
	assert_true(m.has_dst);
	assert_int_equal(m.dst_family, AF_INET);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.seq, 0xbeef);
	assert_memory_equal(m.cookie, cookie, sizeof(cookie));
	/* RFC 792's minimum quote: the echo header, no cookie. */
	len = error4(buf, 3, 1, 8);
	assert_int_equal(ping_wire_parse(buf, len, AF_INET, true, &m), 0);
	assert_string_equal(m.error, "host unreachable");
	assert_null(m.cookie);
	/* Less than the echo header, or quoting a reply: not ours. */
	len = error4(buf, 3, 1, 7);
	assert_int_equal(ping_wire_parse(buf, len, AF_INET, true, &m), -1);
	len = error4(buf, 3, 3, 64);
	buf[48] = 0;
	set_csum(buf + 20, len - 20);
	assert_int_equal(ping_wire_parse(buf, len, AF_INET, true, &m), -1);
	/* Redirects and other types are not errors for a request. */
	len = error4(buf, 5, 1, 64);
	assert_int_equal(ping_wire_parse(buf, len, AF_INET, true, &m), -1);
}

static void test_error6(void **state)
{
	uint8_t buf[2048] = { 0 };
	uint8_t *inner = buf + 8, *req = buf + 48;
	struct ping_wire_msg m;

	(void)state;
	buf[0] = 1; /* destination unreachable */
	buf[1] = 4; /* port */
	inner[0] = 0x60;
	inner[6] = 58;
	inner[24] = 0xfd;
	inner[39] = 2;
	ping_wire_fill(req);
	ping_wire_build(req, AF_INET6, 7, 9, cookie, 56);
	assert_int_equal(ping_wire_parse(buf, 112, AF_INET6, false, &m), 0);
	assert_string_equal(m.error, "port unreachable");
	assert_int_equal(m.dst_family, AF_INET6);
	assert_int_equal(m.dst.v6.s6_addr[0], 0xfd);
	assert_int_equal(m.seq, 9);
	assert_non_null(m.cookie);
	/* An extension header before ICMPv6: we never send one. */
	inner[6] = 0;
	assert_int_equal(ping_wire_parse(buf, 112, AF_INET6, false, &m), -1);
	inner[6] = 58;
	assert_int_equal(ping_wire_parse(buf, 55, AF_INET6, false, &m), -1);
	buf[0] = 3;
	buf[1] = 0;
	assert_int_equal(ping_wire_parse(buf, 112, AF_INET6, false, &m), 0);
	assert_string_equal(m.error, "TTL exceeded");
	buf[0] = 129;
	assert_int_equal(ping_wire_parse(buf, 112, AF_INET6, false, &m), 0);
	assert_int_equal(m.what, PING_WIRE_REPLY);
}

static void test_quote(void **state)
{
	uint8_t req[PING_PACKET_MAX];
	struct ping_wire_msg m;

	(void)state;
	ping_wire_fill(req);
	ping_wire_build(req, AF_INET, 3, 4, cookie, 56);
	assert_int_equal(ping_wire_parse_quote(req, 64, AF_INET, &m), 0);
	assert_int_equal(m.what, PING_WIRE_ERROR);
	assert_int_equal(m.seq, 4);
	assert_non_null(m.cookie);
	assert_int_equal(ping_wire_parse_quote(req, 8, AF_INET, &m), 0);
	assert_null(m.cookie);
	assert_int_equal(ping_wire_parse_quote(req, 7, AF_INET, &m), -1);
	assert_int_equal(ping_wire_parse_quote(req, 64, AF_INET6, &m), -1);
}

static void test_error_words(void **state)
{
	(void)state;
	assert_string_equal(ping_wire_error(AF_INET, 3, 0),
			    "network unreachable");
	assert_string_equal(ping_wire_error(AF_INET, 3, 13),
			    "admin prohibited");
	assert_string_equal(ping_wire_error(AF_INET, 3, 99), "unreachable");
	assert_string_equal(ping_wire_error(AF_INET6, 1, 1),
			    "admin prohibited");
	assert_string_equal(ping_wire_error(AF_INET6, 1, 3),
			    "host unreachable");
	assert_string_equal(ping_wire_error(AF_INET6, 2, 0), "packet too big");
	assert_string_equal(ping_wire_errno(EHOSTUNREACH), "host unreachable");
	assert_string_equal(ping_wire_errno(ENETUNREACH),
			    "network unreachable");
}

/* Every truncation, then random mutations: no crash, no overread. */
static void test_mutations(void **state)
{
	uint8_t good[2048], buf[2048];
	struct ping_wire_msg m;
	size_t len = error4(good, 11, 0, 64);

	(void)state;
	srand(42);
	for (size_t n = 0; n <= len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, good, n);
		ping_wire_parse(copy, n, AF_INET, true, &m);
		ping_wire_parse(copy, n, AF_INET6, false, &m);
		ping_wire_parse_quote(copy, n, AF_INET, &m);
		free(copy);
	}
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)rand() % (len + 1);
		uint8_t *copy;

		memcpy(buf, good, len);
		for (int k = rand() % 4; k >= 0; k--)
			buf[rand() % (int)len] = (uint8_t)rand();
		copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		if (ping_wire_parse(copy, n, i % 2 ? AF_INET : AF_INET6,
				    i % 3 == 0, &m) == 0)
			assert_true(m.what == PING_WIRE_REPLY ||
				    m.what == PING_WIRE_ERROR);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_short_reply_has_no_cookie),
		cmocka_unit_test(test_error4),
		cmocka_unit_test(test_error6),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_error_words),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
