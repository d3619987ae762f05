/*
 * decode.h - one captured Ethernet frame → the facts accounting needs.
 *
 * Layers: Ethernet, 802.1Q and QinQ (802.1ad) tags, ARP, IPv4 (options,
 * fragments), IPv6 (extension headers up to the transport), TCP, UDP,
 * ICMP, ICMPv6.  Every length from the wire is checked against what was
 * captured; a frame that lies about its lengths is marked malformed and
 * nothing past the lie is trusted.  No allocation, no state: safe to fuzz.
 */
#ifndef PL_DECODE_H
#define PL_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum decode_l3 {
	L3_NONE, /* too short for Ethernet, or malformed */
	L3_ARP,
	L3_IPV4,
	L3_IPV6,
	L3_OTHER, /* an EtherType we do not decode */
};

/* The fields up to src_mac are reset for every frame (decode.c relies on
 * that order); the rest are written by the layer that finds them. */
struct frame_info {
	uint32_t wire_len; /* length on the wire (pcap len) */
	bool malformed;
	bool broadcast, multicast;
	bool fragment; /* a non-first IPv4/IPv6 fragment: no ports */
	bool has_ports;
	uint8_t proto; /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, other */
	uint8_t tcp_flags;
	uint16_t vlan_id;   /* outermost tag's VID */
	uint16_t ethertype; /* after the tags */
	uint16_t sport, dport;
	uint16_t arp_op; /* ARP only */
	int vlans;	 /* 802.1Q/802.1ad tags seen (0..2+) */
	enum decode_l3 l3;
	int family; /* AF_INET / AF_INET6 for IP, else 0 */
	/* UDP outside fragments: where the datagram's data starts in the
	 * frame and how much of it was captured (the UDP length, cut by the
	 * snaplen); 0 and 0 otherwise.  For the name parsers (names.h). */
	uint32_t payload_off, payload_len;
	uint8_t dst_mac[6], src_mac[6]; /* wire order */
	uint8_t src[16], dst[16];	/* IP addresses (first 4 bytes for v4);
				   * ARP: sender and target protocol addr */
	uint8_t arp_sha[6];		/* ARP only: sender hardware address */
};

/* Decode data[0..caplen) of a frame whose wire length was wire_len.
 * Always fills fi; returns 0, or -1 when the frame is malformed.
 * src/dst are meaningful only when family != 0 (IPv4 zero-padded),
 * arp_sha only for ARP with family != 0; the MACs are zero when the frame
 * is shorter than an Ethernet header or captured longer than it was on
 * the wire.  A header cut by the snaplen (caplen < wire_len) is not
 * malformed: decoding stops there, e.g. without ports. */
int decode_frame(const uint8_t *data, uint32_t caplen, uint32_t wire_len,
		 struct frame_info *fi);

/* The same, layer by layer even for the common frames decode_frame()
 * decodes in one pass: the reference the tests and the fuzzer hold that
 * pass to. */
int decode_frame_full(const uint8_t *data, uint32_t caplen, uint32_t wire_len,
		      struct frame_info *fi);

/* Do a and b hold the same facts?  Compares what the decode defines
 * (src/dst only with a family, arp_sha only for ARP with one), not bytes
 * it leaves alone. */
bool decode_same_facts(const struct frame_info *a, const struct frame_info *b);

#endif
