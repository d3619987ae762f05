/*
 * decode.c - parse one Ethernet frame into a struct frame_info.
 *
 * A cursor carries two bounds: the bytes captured (the snaplen may cut the
 * frame) and the bytes the frame's own headers allow (the wire length,
 * narrowed by each length field on the way in).  A header that runs past
 * the wire bound, or a length field that claims more than its enclosing
 * layer holds, makes the frame malformed.  A header cut only by the
 * snaplen ends decoding quietly: the frame is fine, we just saw less.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "decode.h"

#define ETH_HLEN_	  14
#define ETYPE_IPV4	  0x0800
#define ETYPE_ARP	  0x0806
#define ETYPE_VLAN	  0x8100
#define ETYPE_QINQ	  0x88a8
#define ETYPE_QINQ_OLD	  0x9100
#define ETYPE_IPV6	  0x86dd
#define IPV4_MAX_OPTS	  40
#define IPV6_HLEN	  40
#define IPV6_MAX_EXT	  16	/* headers followed before giving up */
#define IPPROTO_MH_	  135	/* IPv6 mobility header */
#define IPPROTO_HIP_	  139
#define IPPROTO_SHIM6_	  140

/* [p, p + cap) is captured, [p, p + wire) is what the headers promise. */
struct cursor {
	const uint8_t *p;
	uint32_t cap;
	uint32_t wire;
};

enum need {
	NEED_OK,
	NEED_SNAPPED,	/* inside the frame but past the snaplen */
	NEED_MALFORMED, /* past what the frame holds */
};

static enum need cursor_need(const struct cursor *c, uint32_t n)
{
	if (n > c->wire)
		return NEED_MALFORMED;
	if (n > c->cap)
		return NEED_SNAPPED;
	return NEED_OK;
}

static void cursor_skip(struct cursor *c, uint32_t n)
{
	c->p += n;
	c->wire -= n;
	c->cap = c->cap > n ? c->cap - n : 0;
}

/* Narrow the wire bound to a layer's own length (already checked to fit). */
static void cursor_limit(struct cursor *c, uint32_t len)
{
	c->wire = len;
	if (c->cap > len)
		c->cap = len;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- transport ------------------------------------------------------- */

/* Returns -1 when the transport header lies about its length.  When the
 * IP packet is a first fragment (frag), a header that does not fit in the
 * fragment is not a lie, just incomplete. */
static int decode_l4(struct cursor *c, struct frame_info *fi, bool frag)
{
	uint32_t need = fi->proto == IPPROTO_TCP   ? 20
			: fi->proto == IPPROTO_UDP ? 8
			: fi->proto == IPPROTO_ICMP || fi->proto == IPPROTO_ICMPV6
				? 4
				: 0;
	enum need n = cursor_need(c, need);

	if (need == 0)
		return 0;
	if (n == NEED_MALFORMED)
		return frag ? 0 : -1;
	if (fi->proto == IPPROTO_TCP) {
		uint32_t doff = (uint32_t)(c->cap >= 13 ? c->p[12] >> 4 : 5) * 4;

		if (doff < 20 || (doff > c->wire && !frag))
			return -1;
		if (n == NEED_OK)
			fi->tcp_flags = c->p[13];
	} else if (fi->proto == IPPROTO_UDP && n == NEED_OK) {
		uint16_t ulen = get16(c->p + 4);

		if (!frag && (ulen < 8 || ulen > c->wire))
			return -1;
	}
	if (n == NEED_OK && need >= 8) {
		fi->sport = get16(c->p);
		fi->dport = get16(c->p + 2);
		fi->has_ports = true;
	}
	return 0;
}

/* ---- IPv4 ------------------------------------------------------------ */

/* Options are TLVs; EOL ends them, NOP is one byte.  Returns -1 when an
 * option's length is under 2 or runs past the header. */
static int ipv4_check_options(const uint8_t *o, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t type = o[i];

		if (type == 0)
			return 0;
		if (type == 1) {
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
	uint32_t hl, tot, off;
	bool mf;
	enum need n = cursor_need(c, 20);

	if (n != NEED_OK)
		return n == NEED_MALFORMED ? -1 : 0;
	hl = (uint32_t)(c->p[0] & 0x0f) * 4;
	tot = get16(c->p + 2);
	if (c->p[0] >> 4 != 4 || hl < 20 || tot < hl || tot > c->wire)
		return -1;
	n = cursor_need(c, hl);
	if (n == NEED_OK && ipv4_check_options(c->p + 20, hl - 20) < 0)
		return -1;
	off = (uint32_t)(get16(c->p + 6) & 0x1fff) * 8;
	mf = c->p[6] & 0x20;
	if (off + (tot - hl) > 65535)
		return -1;
	fi->l3 = L3_IPV4;
	fi->family = AF_INET;
	fi->proto = c->p[9];
	memset(fi->src, 0, sizeof(fi->src));
	memset(fi->dst, 0, sizeof(fi->dst));
	memcpy(fi->src, c->p + 12, 4);
	memcpy(fi->dst, c->p + 16, 4);
	fi->fragment = off != 0;
	if (n != NEED_OK || fi->fragment)
		return 0;
	cursor_limit(c, tot);
	cursor_skip(c, hl);
	return decode_l4(c, fi, mf);
}

/* ---- IPv6 ------------------------------------------------------------ */

static bool ipv6_is_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_AH || nh == IPPROTO_MH_ || nh == IPPROTO_HIP_ ||
	       nh == IPPROTO_SHIM6_;
}

/* Walk the extension headers to the transport.  On return fi->proto is
 * the last next-header value.  Returns -1 on a lie, 1 when decoding must
 * stop (snapped, non-first fragment), 0 at the transport header.  *frag
 * is set for a first fragment. */
static int ipv6_walk_ext(struct cursor *c, struct frame_info *fi, bool *frag)
{
	uint8_t nh = fi->proto;
	int i;

	for (i = 0; i < IPV6_MAX_EXT && ipv6_is_ext(nh); i++) {
		uint32_t len;
		enum need n = cursor_need(c, 8);

		if (n != NEED_OK)
			return n == NEED_MALFORMED ? -1 : 1;
		if (nh == IPPROTO_FRAGMENT)
			len = 8;
		else if (nh == IPPROTO_AH)
			len = ((uint32_t)c->p[1] + 2) * 4;
		else
			len = ((uint32_t)c->p[1] + 1) * 8;
		if (len > c->wire)
			return -1;
		if (nh == IPPROTO_FRAGMENT) {
			fi->fragment = (get16(c->p + 2) & 0xfff8) != 0;
			*frag = *frag || (c->p[3] & 1);
		}
		nh = c->p[0];
		fi->proto = nh;
		if (fi->fragment)
			return 1;
		n = cursor_need(c, len);
		if (n != NEED_OK)
			return 1;
		cursor_skip(c, len);
	}
	return ipv6_is_ext(nh) ? 1 : 0;
}

static int decode_ipv6(struct cursor *c, struct frame_info *fi)
{
	uint32_t plen;
	bool frag = false;
	int r;
	enum need n = cursor_need(c, IPV6_HLEN);

	if (n != NEED_OK)
		return n == NEED_MALFORMED ? -1 : 0;
	plen = get16(c->p + 4);
	if (c->p[0] >> 4 != 6 || plen > c->wire - IPV6_HLEN)
		return -1;
	fi->proto = c->p[6];
	memcpy(fi->src, c->p + 8, 16);
	memcpy(fi->dst, c->p + 24, 16);
	cursor_limit(c, IPV6_HLEN + plen);
	cursor_skip(c, IPV6_HLEN);
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
	uint32_t hln, pln;
	enum need n = cursor_need(c, 8);

	if (n != NEED_OK)
		return n == NEED_MALFORMED ? -1 : 0;
	hln = c->p[4];
	pln = c->p[5];
	n = cursor_need(c, 8 + 2 * (hln + pln));
	if (n == NEED_MALFORMED)
		return -1;
	fi->l3 = L3_ARP;
	fi->arp_op = get16(c->p + 6);
	if (n != NEED_OK || get16(c->p) != 1 || get16(c->p + 2) != ETYPE_IPV4 ||
	    hln != 6 || pln != 4)
		return 0;
	memcpy(fi->arp_sha, c->p + 8, 6);
	memset(fi->src, 0, sizeof(fi->src));
	memset(fi->dst, 0, sizeof(fi->dst));
	memcpy(fi->src, c->p + 14, 4);
	memcpy(fi->dst, c->p + 24, 4);
	fi->family = AF_INET;
	return 0;
}

/* Ethernet header and any number of 802.1Q / 802.1ad tags.  Returns -1
 * when the frame ends inside them, 1 when the snaplen does. */
static int decode_eth(struct cursor *c, struct frame_info *fi)
{
	enum need n = cursor_need(c, ETH_HLEN_);
	uint16_t type;

	if (n != NEED_OK) {
		memset(fi->dst_mac, 0, 6);
		memset(fi->src_mac, 0, 6);
		return n == NEED_MALFORMED ? -1 : 1;
	}
	memcpy(fi->dst_mac, c->p, 6);
	memcpy(fi->src_mac, c->p + 6, 6);
	fi->multicast = c->p[0] & 1;
	fi->broadcast = memcmp(c->p, "\xff\xff\xff\xff\xff\xff", 6) == 0;
	type = get16(c->p + 12);
	cursor_skip(c, ETH_HLEN_);
	/* A tag counts as soon as its TPID is seen, cut short or not. */
	while (type == ETYPE_VLAN || type == ETYPE_QINQ ||
	       type == ETYPE_QINQ_OLD) {
		n = cursor_need(c, 4);
		fi->vlans++;
		if (n != NEED_OK)
			return n == NEED_MALFORMED ? -1 : 1;
		if (fi->vlans == 1)
			fi->vlan_id = get16(c->p) & 0x0fff;
		type = get16(c->p + 2);
		cursor_skip(c, 4);
	}
	fi->ethertype = type;
	return 0;
}

/* Field by field: a memset of the whole struct costs more than the rest
 * of a typical decode.  Addresses and MACs are written by the layer that
 * finds them (IPv4 zero-fills the rest of src/dst). */
static void frame_reset(struct frame_info *fi, uint32_t wire_len)
{
	fi->wire_len = wire_len;
	fi->malformed = false;
	fi->vlans = 0;
	fi->vlan_id = 0;
	fi->broadcast = fi->multicast = false;
	fi->ethertype = 0;
	fi->l3 = L3_NONE;
	fi->family = 0;
	fi->proto = 0;
	fi->fragment = false;
	fi->has_ports = false;
	fi->sport = fi->dport = 0;
	fi->tcp_flags = 0;
	fi->arp_op = 0;
}

static void mark_malformed(struct frame_info *fi)
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
}

int decode_frame(const uint8_t *data, uint32_t caplen, uint32_t wire_len,
		 struct frame_info *fi)
{
	struct cursor c = { data, caplen, wire_len };
	int r;

	frame_reset(fi, wire_len);
	if (caplen > wire_len || (caplen > 0 && !data)) {
		mark_malformed(fi);
		return -1;
	}
	r = decode_eth(&c, fi);
	if (r == 0) {
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
	}
	if (r < 0) {
		mark_malformed(fi);
		return -1;
	}
	return 0;
}
