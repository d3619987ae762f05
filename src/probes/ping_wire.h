/*
 * ping_wire.h - ICMP and ICMPv6 echo packets on the wire, shared by the
 * files of the ping engine and nothing else.
 *
 * ping_wire.c builds an echo request and takes received datagrams apart:
 * echo replies, and ICMP errors that quote one of our echo requests.  It
 * holds no sockets and no state, so the parsers can be tested (and fuzzed)
 * on their own.  Every length read from the packet is checked first.
 */
#ifndef PL_PING_WIRE_H
#define PL_PING_WIRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PING_WIRE_HDR	 8 /* ICMP echo header: type code sum id seq */
#define PING_COOKIE_LEN	 8 /* per-engine random bytes opening the payload */
#define PING_PAYLOAD_MAX 1472
#define PING_PACKET_MAX	 (PING_WIRE_HDR + PING_PAYLOAD_MAX)

enum ping_wire_what {
	PING_WIRE_REPLY, /* an echo reply */
	PING_WIRE_ERROR, /* an ICMP error quoting an echo request */
};

struct ping_wire_msg {
	enum ping_wire_what what;
	uint16_t id;  /* host order; rewritten by the kernel on
				 * datagram sockets */
	uint16_t seq; /* host order */
	/* The first PING_COOKIE_LEN payload bytes, NULL when the packet (or
	 * the quote in an error) is too short to hold them.  Points into the
	 * parsed buffer. */
	const uint8_t *cookie;
	/* Errors read from a raw socket: the destination of the quoted
	 * request. */
	bool has_dst;
	int dst_family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} dst;
	const char *error; /* errors: in words, a static string */
};

/* Write an echo request for family into buf (at least PING_PACKET_MAX
 * bytes): header, cookie, then payload bytes already in buf from
 * ping_wire_fill().  payload below PING_COOKIE_LEN is sent as
 * PING_COOKIE_LEN.  The IPv4 checksum is computed here; the kernel fills
 * in ICMPv6's.  Returns the packet length. */
size_t ping_wire_build(uint8_t *buf, int family, uint16_t id, uint16_t seq,
		       const uint8_t *cookie, int payload);

/* Fill the payload area of buf (PING_PACKET_MAX bytes) once, at open. */
void ping_wire_fill(uint8_t *buf);

/* Parse a datagram read from a socket of family.  ip_header: the packet
 * starts with an IPv4 header (raw IPv4 sockets).  Returns 0 when it is an
 * echo reply or an error quoting an echo request, -1 for anything else
 * (other ICMP types, other protocols, truncated, bad checksum). */
int ping_wire_parse(const uint8_t *buf, size_t len, int family, bool ip_header,
		    struct ping_wire_msg *m);

/* Parse the quote from a socket error queue (MSG_ERRQUEUE on an ICMP
 * datagram socket): our echo request, starting at its ICMP header, as much
 * of it as the error carried.  Fills id, seq and cookie; what is ERROR.
 * Returns 0, or -1 if it is not an echo request. */
int ping_wire_parse_quote(const uint8_t *buf, size_t len, int family,
			  struct ping_wire_msg *m);

/* An ICMP (family AF_INET) or ICMPv6 error type and code in words:
 * "host unreachable", "TTL exceeded".  Never NULL. */
const char *ping_wire_error(int family, int type, int code);

/* A local send error (errno from sendto) in the same words. */
const char *ping_wire_errno(int err);

#endif
