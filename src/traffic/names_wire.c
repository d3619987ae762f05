/*
 * names_wire.c - the two messages names are read from: DHCP (RFC 2131,
 * options RFC 2132) and mDNS responses (RFC 6762).
 *
 * DHCP options are a small TLV walk, done here.  For mDNS, c-ares 1.18's
 * ares_parse_a_reply() does not fit: it wants exactly one question (an
 * mDNS response has none) and class IN without the cache-flush bit
 * (mDNS sets it: class 0x8001).  So the records are walked here, and
 * owner names, compression pointers and all, go through c-ares'
 * ares_expand_name().  Every length and offset from the wire is checked
 * against the message before it is used.
 */
#include <ares.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "names.h"

#define BOOTP_LEN     236 /* the fixed BOOTP header */
#define DHCP_COOKIE   0x63825363u
#define OPT_PAD	      0
#define OPT_HOSTNAME  12
#define OPT_MSG_TYPE  53
#define OPT_END	      255
#define DHCP_DISCOVER 1
#define DHCP_REQUEST  3
#define DHCP_ACK      5
#define DHCP_INFORM   8
#define DNS_HLEN      12
#define DNS_T_A	      1
#define DNS_T_AAAA    28
#define DNS_CLASS_IN  1
#define MDNS_SUFFIX   ".local"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* ---- DHCP -------------------------------------------------------------- */

struct dhcp_opts {
	int type;	     /* option 53, 0 if absent */
	const uint8_t *host; /* option 12 */
	size_t host_len;
};

/* Walk the options after the cookie.  -1 when one runs past the end. */
static int dhcp_options(const uint8_t *o, size_t len, struct dhcp_opts *out)
{
	size_t i = 0;

	while (i < len && o[i] != OPT_END) {
		size_t n;

		if (o[i] == OPT_PAD) {
			i++;
			continue;
		}
		if (i + 2 > len || (n = o[i + 1]) > len - i - 2)
			return -1;
		if (o[i] == OPT_MSG_TYPE && n == 1)
			out->type = o[i + 2];
		else if (o[i] == OPT_HOSTNAME && n > 0) {
			out->host = o + i + 2;
			out->host_len = n;
		}
		i += 2 + n;
	}
	return 0;
}

static void put_v4(struct names_fact *f, const uint8_t *ip)
{
	f->family = AF_INET;
	memcpy(f->ip, ip, 4);
}

int names_parse_dhcp(const uint8_t *p, size_t len, names_fact_fn fn, void *ctx)
{
	static const uint8_t zero[4];
	struct dhcp_opts o = { 0 };
	struct names_fact f = { .source = NAMES_DHCP, .have_mac = true };

	if (len < BOOTP_LEN + 4 || get32(p + BOOTP_LEN) != DHCP_COOKIE ||
	    (p[0] != 1 && p[0] != 2))
		return -1;
	if (dhcp_options(p + BOOTP_LEN + 4, len - BOOTP_LEN - 4, &o) < 0)
		return -1;
	if (p[1] != 1 || p[2] != 6) /* Ethernet, 6-byte addresses */
		return 0;
	memcpy(f.mac, p + 28, 6);
	if (o.host)
		names_sanitize(o.host, o.host_len, f.name);
	if (p[0] == 1 && (o.type == DHCP_DISCOVER || o.type == DHCP_REQUEST ||
			  o.type == DHCP_INFORM)) {
		if (!f.name[0])
			return 0;
		if (memcmp(p + 12, zero, 4) != 0) /* ciaddr: it has one */
			put_v4(&f, p + 12);
	} else if (p[0] == 2 && o.type == DHCP_ACK) {
		if (memcmp(p + 16, zero, 4) != 0) /* yiaddr */
			put_v4(&f, p + 16);
		else if (memcmp(p + 12, zero, 4) != 0) /* ACK to an INFORM */
			put_v4(&f, p + 12);
		else
			return 0;
	} else {
		return 0;
	}
	fn(ctx, &f);
	return 1;
}

/* ---- mDNS --------------------------------------------------------------- */

/* Skip the name at *off (labels, ending in a zero or a pointer).  -1 when
 * it runs past the end or holds a label type that does not exist. */
static int skip_name(const uint8_t *p, size_t len, size_t *off)
{
	size_t i = *off;

	while (i < len) {
		uint8_t l = p[i];

		if (l == 0) {
			*off = i + 1;
			return 0;
		}
		if ((l & 0xc0) == 0xc0) {
			if (i + 2 > len)
				return -1;
			*off = i + 2;
			return 0;
		}
		if (l & 0xc0)
			return -1;
		i += 1 + (size_t)l;
	}
	return -1;
}

/* The owner "NAME.local" of the record at off into f->name as NAME;
 * false for any other owner or one c-ares cannot expand. */
static bool mdns_owner(const uint8_t *p, size_t len, size_t off,
		       struct names_fact *f)
{
	char *s = NULL;
	long used;
	size_t n, sl = sizeof(MDNS_SUFFIX) - 1;
	bool ok = false;

	if (ares_expand_name(p + off, p, (int)len, &s, &used) != ARES_SUCCESS)
		return false;
	n = strlen(s);
	if (n > sl && strcasecmp(s + n - sl, MDNS_SUFFIX) == 0)
		ok = names_sanitize((const uint8_t *)s, n - sl, f->name) > 0;
	ares_free_string(s);
	return ok;
}

/* One resource record at *off: an A or AAAA of class IN (cache-flush bit
 * or not) with a TTL gives a fact.  -1 when it runs past the end. */
static int mdns_record(const uint8_t *p, size_t len, size_t *off,
		       names_fact_fn fn, void *ctx)
{
	size_t at = *off, rd;
	uint16_t type, class, rdlen;
	struct names_fact f = { .source = NAMES_MDNS };

	if (skip_name(p, len, off) < 0 || len - *off < 10)
		return -1;
	type = get16(p + *off);
	class = get16(p + *off + 2) & 0x7fff;
	rdlen = get16(p + *off + 8);
	rd = *off + 10;
	if (rdlen > len - rd)
		return -1;
	*off = rd + rdlen;
	if (class != DNS_CLASS_IN || get32(p + rd - 6) == 0 ||
	    !((type == DNS_T_A && rdlen == 4) ||
	      (type == DNS_T_AAAA && rdlen == 16)))
		return 0;
	if (!mdns_owner(p, len, at, &f))
		return 0;
	f.family = type == DNS_T_A ? AF_INET : AF_INET6;
	memcpy(f.ip, p + rd, rdlen);
	fn(ctx, &f);
	return 1;
}

int names_parse_mdns(const uint8_t *p, size_t len, names_fact_fn fn, void *ctx)
{
	size_t off = DNS_HLEN;
	unsigned q, rr, i;
	int facts = 0, r;

	if (len < DNS_HLEN || len > 65535)
		return -1;
	if (!(p[2] & 0x80) || (p[2] & 0x78)) /* a response, opcode 0 */
		return 0;
	q = get16(p + 4);
	rr = (unsigned)get16(p + 6) + get16(p + 8) + get16(p + 10);
	for (i = 0; i < q; i++) { /* questions: a name, type and class */
		if (skip_name(p, len, &off) < 0 || len - off < 4)
			return -1;
		off += 4;
	}
	for (i = 0; i < rr && facts < NAMES_MDNS_RR_MAX; i++) {
		r = mdns_record(p, len, &off, fn, ctx);
		if (r < 0)
			return facts ? facts : -1;
		facts += r;
	}
	return facts;
}
