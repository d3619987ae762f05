/*
 * decode.c - parse one Ethernet frame into a struct frame_info.
 *
 * A cursor carries an offset and two ends: what was captured (the snaplen
 * may cut the frame) and what the frame's own headers allow (the wire
 * length, narrowed by each length field on the way in; cap <= wire).  A
 * header that runs past the wire end, or a length field that claims more
 * than its enclosing layer holds, makes the frame malformed.  A header cut
 * only by the snaplen ends decoding quietly: the frame is fine, we just
 * saw less.  This runs for every captured frame, so it avoids calls,
 * loops over options only when there are options, and resets fi with one
 * small memset; the common frame (two tags at most, plain IPv4 or IPv6,
 * TCP or UDP) is decoded in one pass before any of that.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "decode.h"

#define ETH_HLEN_      14
#define ETYPE_IPV4     0x0800
#define ETYPE_ARP      0x0806
#define ETYPE_VLAN     0x8100
#define ETYPE_QINQ     0x88a8
#define ETYPE_QINQ_OLD 0x9100
#define ETYPE_IPV6     0x86dd
#define IPV6_HLEN      40
#define IPV6_MAX_EXT   16  /* extension headers followed, at most */
#define IPPROTO_MH_    135 /* IPv6 mobility header */
#define IPPROTO_HIP_   139
#define IPPROTO_SHIM6_ 140

struct cursor {
	const uint8_t *d;
	uint32_t off;  /* where the next header starts */
	uint32_t cap;  /* captured bytes end here */
	uint32_t wire; /* the headers say the frame ends here */
};

enum need {
	NEED_OK,
	NEED_SNAPPED,	/* inside the frame but past the snaplen */
	NEED_MALFORMED, /* past what the frame holds */
};

/* Can n bytes be read at the cursor?  n is at most a few KiB and off <=
 * wire, so the sums cannot wrap. */
static inline enum need need(const struct cursor *c, uint32_t n)
{
	if (c->off + n > c->wire)
		return NEED_MALFORMED;
	return c->off + n > c->cap ? NEED_SNAPPED : NEED_OK;
}

/* The enclosing layer says it is len bytes long from the cursor (already
 * checked to fit). */
static inline void narrow(struct cursor *c, uint32_t len)
{
	c->wire = c->off + len;
	if (c->cap > c->wire)
		c->cap = c->wire;
}

static inline const uint8_t *at(const struct cursor *c)
{
	return c->d + c->off;
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The MACs of an Ethernet header and what they say. */
static inline void eth_macs(const uint8_t *p, struct frame_info *fi)
{
	memcpy(fi->dst_mac, p, 12); /* dst_mac and src_mac, wire order */
	fi->multicast = p[0] & 1;
	fi->broadcast = get16(p) == 0xffff && get16(p + 2) == 0xffff &&
			get16(p + 4) == 0xffff;
}

/* The addresses of an IPv4 header (zero-padded) or an IPv6 one. */
static inline void ipv4_addrs(const uint8_t *ip, struct frame_info *fi)
{
	memset(fi->src, 0, sizeof(fi->src) + sizeof(fi->dst));
	memcpy(fi->src, ip + 12, 4);
	memcpy(fi->dst, ip + 16, 4);
}

static inline void ipv6_addrs(const uint8_t *ip, struct frame_info *fi)
{
	memcpy(fi->src, ip + 8, 32); /* src and dst are adjacent */
}

/* ---- transport ------------------------------------------------------- */

/* The data of a UDP datagram at off whose header says ulen (>= 8) and of
 * which cap (>= 8) bytes were captured. */
static inline void udp_payload(struct frame_info *fi, uint32_t off,
			       uint32_t ulen, uint32_t cap)
{
	fi->payload_off = off + 8;
	fi->payload_len = (ulen < cap ? ulen : cap) - 8;
}

/* Inline, so the cursor stays in registers (a call would put it in
 * memory for the whole decode).  Returns -1 when the transport header
 * lies about its length.  In a first fragment (frag) a header longer than
 * the fragment is not a lie, just incomplete. */
static inline int decode_l4(const struct cursor *c, struct frame_info *fi,
			    bool frag)
{
	uint32_t min =
		fi->proto == IPPROTO_TCP				   ? 20
		: fi->proto == IPPROTO_UDP				   ? 8
		: fi->proto == IPPROTO_ICMP || fi->proto == IPPROTO_ICMPV6 ? 4
									   : 0;
	enum need n = need(c, min);
	const uint8_t *p = at(c);
	uint32_t left = c->wire - c->off;

	if (n == NEED_MALFORMED)
		return frag ? 0 : -1;
	if (n == NEED_SNAPPED || min < 8)
		return 0;
	if (fi->proto == IPPROTO_TCP) {
		uint32_t doff = (uint32_t)(p[12] >> 4) * 4;

		if (doff < 20 || (doff > left && !frag))
			return -1;
		fi->tcp_flags = p[13];
	} else {
		uint16_t ulen = get16(p + 4);

		if (!frag && (ulen < 8 || ulen > left))
			return -1;
		if (!frag && fi->proto == IPPROTO_UDP)
			udp_payload(fi, c->off, ulen, c->cap - c->off);
	}
	fi->sport = get16(p);
	fi->dport = get16(p + 2);
	fi->has_ports = true;
	return 0;
}

/* ---- IPv4 ------------------------------------------------------------ */

/* Options are TLVs; EOL ends them, NOP is one byte.  Returns -1 when an
 * option's length is under 2 or runs past the header. */
static int ipv4_check_options(const uint8_t *o, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		if (o[i] == 0)
			return 0;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || o[i + 1] > len - i)
			return -1;
		i += o[i + 1];
	}
	return 0;
}

static int decode_ipv4(struct cursor *c, struct frame_info *fi)
{
	enum need n = need(c, 20);
	const uint8_t *p = at(c);
	uint32_t hl, tot, off;

	if (n != NEED_OK)
		return n == NEED_MALFORMED ? -1 : 0;
	hl = (uint32_t)(p[0] & 0x0f) * 4;
	tot = get16(p + 2);
	if (p[0] >> 4 != 4 || hl < 20 || tot < hl || tot > c->wire - c->off)
		return -1;
	off = (uint32_t)(get16(p + 6) & 0x1fff) * 8;
	if (off + (tot - hl) > 65535)
		return -1;
	n = need(c, hl);
	if (hl > 20 && n == NEED_OK && ipv4_check_options(p + 20, hl - 20) < 0)
		return -1;
	fi->l3 = L3_IPV4;
	fi->family = AF_INET;
	fi->proto = p[9];
	ipv4_addrs(p, fi);
	fi->fragment = off != 0;
	if (n != NEED_OK || fi->fragment)
		return 0;
	narrow(c, tot);
	c->off += hl;
	return decode_l4(c, fi, p[6] & 0x20);
}

/* ---- IPv6 ------------------------------------------------------------ */

static inline bool ipv6_is_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_AH || nh == IPPROTO_MH_ || nh == IPPROTO_HIP_ ||
	       nh == IPPROTO_SHIM6_;
}

/* Walk the extension headers to the transport.  On return fi->proto is
 * the last next-header value.  Returns -1 on a lie, 1 when decoding must
 * stop (snapped, non-first fragment, too many headers), 0 at the
 * transport header.  *frag is set for a first fragment. */
static int ipv6_walk_ext(struct cursor *c, struct frame_info *fi, bool *frag)
{
	int i;

	for (i = 0; ipv6_is_ext(fi->proto); i++) {
		enum need n = need(c, 8);
		const uint8_t *p = at(c);
		uint32_t len;

		if (i == IPV6_MAX_EXT || n != NEED_OK)
			return n == NEED_MALFORMED ? -1 : 1;
		if (fi->proto == IPPROTO_FRAGMENT) {
			len = 8;
			fi->fragment = (get16(p + 2) & 0xfff8) != 0;
			*frag = *frag || (p[3] & 1);
		} else if (fi->proto == IPPROTO_AH) {
			len = ((uint32_t)p[1] + 2) * 4;
		} else {
			len = ((uint32_t)p[1] + 1) * 8;
		}
		n = need(c, len);
		if (n == NEED_MALFORMED)
			return -1;
		fi->proto = p[0];
		if (fi->fragment || n == NEED_SNAPPED)
			return 1;
		c->off += len;
	}
	return 0;
}

static int decode_ipv6(struct cursor *c, struct frame_info *fi)
{
	enum need n = need(c, IPV6_HLEN);
	const uint8_t *p = at(c);
	uint32_t plen;
	bool frag = false;
	int r;

	if (n != NEED_OK)
		return n == NEED_MALFORMED ? -1 : 0;
	plen = get16(p + 4);
	if (p[0] >> 4 != 6 || plen > c->wire - c->off - IPV6_HLEN)
		return -1;
	fi->proto = p[6];
	ipv6_addrs(p, fi);
	narrow(c, IPV6_HLEN + plen);
	c->off += IPV6_HLEN;
	r = ipv6_walk_ext(c, fi, &frag);
	if (r < 0)
		return -1;
	fi->l3 = L3_IPV6;
	fi->family = AF_INET6;
	return r == 0 ? decode_l4(c, fi, frag) : 0;
}

/* ---- ARP and Ethernet ------------------------------------------------ */

static int decode_arp(struct cursor *c, struct frame_info *fi)
{
	enum need n = need(c, 8);
	const uint8_t *p = at(c);

	if (n != NEED_OK)
		return n == NEED_MALFORMED ? -1 : 0;
	n = need(c, 8 + 2 * ((uint32_t)p[4] + p[5]));
	if (n == NEED_MALFORMED)
		return -1;
	fi->l3 = L3_ARP;
	fi->arp_op = get16(p + 6);
	if (n != NEED_OK || get16(p) != 1 || get16(p + 2) != ETYPE_IPV4 ||
	    p[4] != 6 || p[5] != 4)
		return 0;
	memcpy(fi->arp_sha, p + 8, 6);
	memset(fi->src, 0, sizeof(fi->src) + sizeof(fi->dst));
	memcpy(fi->src, p + 14, 4);
	memcpy(fi->dst, p + 24, 4);
	fi->family = AF_INET;
	return 0;
}

static inline bool is_tag(uint16_t type)
{
	return type == ETYPE_VLAN || type == ETYPE_QINQ ||
	       type == ETYPE_QINQ_OLD;
}

/* Ethernet header and any number of 802.1Q / 802.1ad tags.  Returns -1
 * when the frame ends inside them, 1 when the snaplen does.  A tag counts
 * as soon as its TPID is seen, cut short or not. */
static int decode_eth(struct cursor *c, struct frame_info *fi)
{
	enum need n = need(c, ETH_HLEN_);
	const uint8_t *p = c->d;
	uint16_t type;

	if (n != NEED_OK) {
		memset(fi->dst_mac, 0, 12);
		return n == NEED_MALFORMED ? -1 : 1;
	}
	eth_macs(p, fi);
	type = get16(p + 12);
	c->off = ETH_HLEN_;
	while (is_tag(type)) {
		n = need(c, 4);
		fi->vlans++;
		if (n != NEED_OK)
			return n == NEED_MALFORMED ? -1 : 1;
		if (fi->vlans == 1)
			fi->vlan_id = get16(at(c)) & 0x0fff;
		type = get16(at(c) + 2);
		c->off += 4;
	}
	fi->ethertype = type;
	return 0;
}

/* Nothing above Ethernet is trusted; tags, MACs and lengths stay. */
static int mark_malformed(struct frame_info *fi)
{
	fi->malformed = true;
	fi->l3 = L3_NONE;
	fi->family = 0;
	fi->proto = 0;
	fi->fragment = false;
	fi->has_ports = false;
	fi->sport = fi->dport = 0;
	fi->tcp_flags = 0;
	fi->arp_op = 0;
	return -1;
}

/* Most frames: Ethernet with at most two tags, IPv4 without options or
 * IPv6 without extension headers, not a fragment, and a TCP or UDP header
 * captured whole.  Such a frame is decoded here in one pass, with the
 * very checks the layers below make (a header that fails one, or any
 * other frame, takes the long way: false, and fi is not written).
 * tests/unit/test_decode.c holds the two ways to the same facts. */
static inline bool decode_plain(const uint8_t *p, uint32_t caplen,
				uint32_t wire, struct frame_info *fi)
{
	uint32_t l3 = ETH_HLEN_, l4, len, v;
	uint16_t type, vid = 0;
	const uint8_t *ip, *th;
	uint8_t proto;

	if (caplen > wire || caplen < ETH_HLEN_ + 20 + 8 || !p)
		return false;
	type = get16(p + 12);
	if (is_tag(type)) { /* the outer tag names the VLAN */
		vid = get16(p + 14) & 0x0fff;
		type = get16(p + 16);
		l3 += 4;
		if (is_tag(type)) { /* QinQ */
			type = get16(p + 20);
			l3 += 4;
		}
	}
	ip = p + l3;
	if (type == ETYPE_IPV4) {
		l4 = l3 + 20;
		if (caplen < l4 + 8 || ip[0] != 0x45 ||
		    (get16(ip + 6) & 0x3fff) != 0)
			return false;
		len = get16(ip + 2); /* total length */
		if (len < 20 || l3 + len > wire)
			return false;
		len -= 20; /* what the transport header and data hold */
		proto = ip[9];
	} else if (type == ETYPE_IPV6) {
		l4 = l3 + IPV6_HLEN;
		if (caplen < l4 + 8 || ip[0] >> 4 != 6)
			return false;
		len = get16(ip + 4); /* payload length */
		if (l4 + len > wire)
			return false;
		proto = ip[6];
	} else {
		return false;
	}
	th = p + l4;
	if (proto == IPPROTO_TCP) {
		if (caplen < l4 + 20)
			return false;
		v = (uint32_t)(th[12] >> 4) * 4; /* data offset */
		if (v < 20 || v > len)
			return false;
	} else if (proto == IPPROTO_UDP) {
		v = get16(th + 4); /* UDP length */
		if (v < 8 || v > len)
			return false;
	} else {
		return false;
	}

	memset(fi, 0, offsetof(struct frame_info, dst_mac));
	fi->wire_len = wire;
	eth_macs(p, fi);
	fi->vlans = (int)(l3 - ETH_HLEN_) / 4;
	fi->vlan_id = vid;
	fi->ethertype = type;
	fi->proto = proto;
	if (type == ETYPE_IPV4) {
		fi->l3 = L3_IPV4;
		fi->family = AF_INET;
		ipv4_addrs(ip, fi);
	} else {
		fi->l3 = L3_IPV6;
		fi->family = AF_INET6;
		ipv6_addrs(ip, fi);
	}
	if (proto == IPPROTO_TCP)
		fi->tcp_flags = th[13];
	else
		udp_payload(fi, l4, v, caplen - l4);
	fi->sport = get16(th);
	fi->dport = get16(th + 2);
	fi->has_ports = true;
	return true;
}

int decode_frame(const uint8_t *data, uint32_t caplen, uint32_t wire_len,
		 struct frame_info *fi)
{
	if (decode_plain(data, caplen, wire_len, fi))
		return 0;
	return decode_frame_full(data, caplen, wire_len, fi);
}

int decode_frame_full(const uint8_t *data, uint32_t caplen, uint32_t wire_len,
		      struct frame_info *fi)
{
	struct cursor c = { data, 0, caplen, wire_len };
	int r;

	memset(fi, 0, offsetof(struct frame_info, dst_mac));
	fi->wire_len = wire_len;
	if (caplen > wire_len || (caplen > 0 && !data)) {
		memset(fi->dst_mac, 0, 12);
		return mark_malformed(fi);
	}
	r = decode_eth(&c, fi);
	if (r != 0)
		return r < 0 ? mark_malformed(fi) : 0;
	switch (fi->ethertype) {
	case ETYPE_IPV4:
		r = decode_ipv4(&c, fi);
		break;
	case ETYPE_IPV6:
		r = decode_ipv6(&c, fi);
		break;
	case ETYPE_ARP:
		r = decode_arp(&c, fi);
		break;
	default:
		fi->l3 = L3_OTHER;
	}
	return r < 0 ? mark_malformed(fi) : 0;
}

bool decode_same_facts(const struct frame_info *a, const struct frame_info *b)
{
	if (a->wire_len != b->wire_len || a->malformed != b->malformed ||
	    a->broadcast != b->broadcast || a->multicast != b->multicast ||
	    a->fragment != b->fragment || a->has_ports != b->has_ports ||
	    a->proto != b->proto || a->tcp_flags != b->tcp_flags ||
	    a->vlan_id != b->vlan_id || a->ethertype != b->ethertype ||
	    a->sport != b->sport || a->dport != b->dport ||
	    a->arp_op != b->arp_op || a->vlans != b->vlans || a->l3 != b->l3 ||
	    a->family != b->family || a->payload_off != b->payload_off ||
	    a->payload_len != b->payload_len ||
	    memcmp(a->dst_mac, b->dst_mac, sizeof(a->dst_mac)) != 0 ||
	    memcmp(a->src_mac, b->src_mac, sizeof(a->src_mac)) != 0)
		return false;
	if (a->family && (memcmp(a->src, b->src, sizeof(a->src)) != 0 ||
			  memcmp(a->dst, b->dst, sizeof(a->dst)) != 0))
		return false;
	return !(a->l3 == L3_ARP && a->family &&
		 memcmp(a->arp_sha, b->arp_sha, sizeof(a->arp_sha)) != 0);
}
