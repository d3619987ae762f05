/*
 * ping_wire.c - ICMP and ICMPv6 echo packets: build a request, parse what
 * a socket returns.
 *
 * A request is the 8-byte echo header, PING_COOKIE_LEN bytes of the
 * engine's cookie, then a fixed fill pattern.  Replies carry it back; ICMP
 * errors quote our IP header and at least the echo header (RFC 792, RFC
 * 4443), usually much more.  Parsers read multi-byte fields with explicit
 * byte order and check each length before touching the bytes it covers.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ping_wire.h"

#define IP4_HDR_MIN  20
#define IP6_HDR_LEN  40
#define PROTO_ICMP   1
#define PROTO_ICMPV6 58

/* ICMP types (RFC 792) and ICMPv6 types (RFC 4443) this file knows. */
enum {
	ICMP4_ECHO_REPLY = 0,
	ICMP4_UNREACH = 3,
	ICMP4_ECHO = 8,
	ICMP4_TIME_EXCEEDED = 11,
	ICMP4_PARAM_PROBLEM = 12,
	ICMP6_UNREACH = 1,
	ICMP6_TOO_BIG = 2,
	ICMP6_TIME_EXCEEDED = 3,
	ICMP6_PARAM_PROBLEM = 4,
	ICMP6_ECHO = 128,
	ICMP6_ECHO_REPLY = 129,
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 one's complement sum. */
static uint16_t inet_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void ping_wire_fill(uint8_t *buf)
{
	for (size_t i = PING_WIRE_HDR + PING_COOKIE_LEN; i < PING_PACKET_MAX;
	     i++)
		buf[i] = (uint8_t)i;
}

size_t ping_wire_build(uint8_t *buf, int family, uint16_t id, uint16_t seq,
		       const uint8_t *cookie, int payload)
{
	size_t len = PING_WIRE_HDR + PING_COOKIE_LEN;
	uint16_t sum;

	if (payload > PING_PAYLOAD_MAX)
		payload = PING_PAYLOAD_MAX;
	if (payload > PING_COOKIE_LEN)
		len = PING_WIRE_HDR + (size_t)payload;
	buf[0] = family == AF_INET ? ICMP4_ECHO : ICMP6_ECHO;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)(id >> 8);
	buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	memcpy(buf + PING_WIRE_HDR, cookie, PING_COOKIE_LEN);
	if (family == AF_INET) {
		sum = inet_csum(buf, len);
		buf[2] = (uint8_t)(sum >> 8);
		buf[3] = (uint8_t)sum;
	}
	return len;
}

/* Echo header fields and the cookie, if the bytes are there. */
static void read_echo(const uint8_t *icmp, size_t len, struct ping_wire_msg *m)
{
	m->id = get16(icmp + 4);
	m->seq = get16(icmp + 6);
	m->cookie = len >= PING_WIRE_HDR + PING_COOKIE_LEN
			    ? icmp + PING_WIRE_HDR
			    : NULL;
}

/* The IPv4 header of a packet: its length, or 0 if it is not a sane IPv4
 * header of the given protocol within len bytes. */
static size_t ip4_header(const uint8_t *ip, size_t len, int proto)
{
	size_t ihl;

	if (len < IP4_HDR_MIN || ip[0] >> 4 != 4)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < IP4_HDR_MIN || ihl > len || ip[9] != proto)
		return 0;
	return ihl;
}

/* The quote in an ICMPv4 error: inner IPv4 header, then our echo. */
static int quote4(const uint8_t *q, size_t len, struct ping_wire_msg *m)
{
	size_t ihl = ip4_header(q, len, PROTO_ICMP);

	if (!ihl || len - ihl < PING_WIRE_HDR || q[ihl] != ICMP4_ECHO)
		return -1;
	m->has_dst = true;
	m->dst_family = AF_INET;
	memcpy(&m->dst.v4, q + 16, 4);
	read_echo(q + ihl, len - ihl, m);
	return 0;
}

/* The quote in an ICMPv6 error: inner IPv6 header (no extension headers:
 * we never send any), then our echo. */
static int quote6(const uint8_t *q, size_t len, struct ping_wire_msg *m)
{
	const uint8_t *icmp = q + IP6_HDR_LEN;

	if (len < IP6_HDR_LEN + PING_WIRE_HDR || q[0] >> 4 != 6 ||
	    q[6] != PROTO_ICMPV6 || icmp[0] != ICMP6_ECHO)
		return -1;
	m->has_dst = true;
	m->dst_family = AF_INET6;
	memcpy(&m->dst.v6, q + 24, 16);
	read_echo(icmp, len - IP6_HDR_LEN, m);
	return 0;
}

static bool is_error4(int type)
{
	return type == ICMP4_UNREACH || type == ICMP4_TIME_EXCEEDED ||
	       type == ICMP4_PARAM_PROBLEM;
}

static bool is_error6(int type)
{
	return type == ICMP6_UNREACH || type == ICMP6_TOO_BIG ||
	       type == ICMP6_TIME_EXCEEDED || type == ICMP6_PARAM_PROBLEM;
}

int ping_wire_parse(const uint8_t *buf, size_t len, int family, bool ip_header,
		    struct ping_wire_msg *m)
{
	bool v4 = family == AF_INET;
	int type;

	memset(m, 0, sizeof(*m));
	if (v4 && ip_header) {
		size_t ihl = ip4_header(buf, len, PROTO_ICMP);

		if (!ihl)
			return -1;
		buf += ihl;
		len -= ihl;
	}
	if (len < PING_WIRE_HDR)
		return -1;
	/* Raw IPv4 sockets see packets before any checksum test. */
	if (v4 && inet_csum(buf, len) != 0)
		return -1;
	type = buf[0];
	if (type == (v4 ? ICMP4_ECHO_REPLY : ICMP6_ECHO_REPLY)) {
		m->what = PING_WIRE_REPLY;
		read_echo(buf, len, m);
		return 0;
	}
	if (!(v4 ? is_error4(type) : is_error6(type)))
		return -1;
	m->what = PING_WIRE_ERROR;
	m->error = ping_wire_error(family, type, buf[1]);
	if (v4)
		return quote4(buf + PING_WIRE_HDR, len - PING_WIRE_HDR, m);
	return quote6(buf + PING_WIRE_HDR, len - PING_WIRE_HDR, m);
}

int ping_wire_parse_quote(const uint8_t *buf, size_t len, int family,
			  struct ping_wire_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->what = PING_WIRE_ERROR;
	if (len < PING_WIRE_HDR ||
	    buf[0] != (family == AF_INET ? ICMP4_ECHO : ICMP6_ECHO))
		return -1;
	read_echo(buf, len, m);
	return 0;
}

static const char *unreach4(int code)
{
	static const char *const text[] = {
		"network unreachable",	"host unreachable",
		"protocol unreachable", "port unreachable",
		"fragmentation needed", "source route failed",
		"network unknown",	"host unknown",
		"source host isolated", "admin prohibited",
		"admin prohibited",	"network unreachable",
		"host unreachable",	"admin prohibited",
		"precedence violation", "precedence cutoff",
	};

	if (code < 0 || code >= (int)(sizeof(text) / sizeof(text[0])))
		return "unreachable";
	return text[code];
}

static const char *unreach6(int code)
{
	static const char *const text[] = {
		"network unreachable", "admin prohibited", "beyond scope",
		"host unreachable",    "port unreachable", "admin prohibited",
		"admin prohibited",
	};

	if (code < 0 || code >= (int)(sizeof(text) / sizeof(text[0])))
		return "unreachable";
	return text[code];
}

const char *ping_wire_error(int family, int type, int code)
{
	if (family == AF_INET) {
		switch (type) {
		case ICMP4_UNREACH:
			return unreach4(code);
		case ICMP4_TIME_EXCEEDED:
			return code ? "reassembly time exceeded"
				    : "TTL exceeded";
		case ICMP4_PARAM_PROBLEM:
			return "parameter problem";
		}
		return "ICMP error";
	}
	switch (type) {
	case ICMP6_UNREACH:
		return unreach6(code);
	case ICMP6_TOO_BIG:
		return "packet too big";
	case ICMP6_TIME_EXCEEDED:
		/* Hop limit: the same words as IPv4 keep trace uniform. */
		return code ? "reassembly time exceeded" : "TTL exceeded";
	case ICMP6_PARAM_PROBLEM:
		return "parameter problem";
	}
	return "ICMPv6 error";
}

const char *ping_wire_errno(int err)
{
	switch (err) {
	case EHOSTUNREACH:
		return "host unreachable";
	case ENETUNREACH:
		return "network unreachable";
	case EACCES:
	case EPERM:
		return "admin prohibited";
	case EMSGSIZE:
		return "message too long";
	case ENOBUFS:
	case EAGAIN:
		return "send buffer full";
	case EADDRNOTAVAIL:
		return "address not available";
	case EINVAL:
		return "invalid address";
	}
	return "send failed";
}
