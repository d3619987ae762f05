/*
 * netdev.h - every network interface's kernel counters, MTU and link
 * state: what `ip -s link` shows, for the whole Pi.
 *
 * netdev_read() fills a caller-owned table from one rtnetlink dump
 * (RTM_GETLINK with IFLA_STATS64, IFLA_MTU, IFLA_OPERSTATE) plus each
 * interface's sysfs "speed", which netlink does not carry.  Nothing stays
 * open between reads and nothing runs on a timer: callers read when they
 * need the numbers (a scrape, the LCD's system page, a traffic alarm's
 * tick).  netdev_parse() is the dump's parser on its own, for the tests.
 *
 * The table is bounded (NETDEV_MAX, in the kernel's ifindex order); the
 * interfaces beyond it are counted in omitted, not listed.  Loopback and
 * names matching an exclude pattern (interfaces_cfg) are left out.
 */
#ifndef PL_NETDEV_H
#define PL_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define NETDEV_MAX 64

struct netdev_if {
	char name[16];
	int index;
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_errors, tx_errors;
	uint64_t rx_dropped, tx_dropped;
	uint64_t rx_overruns, tx_overruns; /* FIFO errors, ifconfig's
					     * "overruns" */
	unsigned mtu;			   /* bytes */
	bool up; /* operstate up, or unknown with carrier (lo) */
	bool loopback;
	int64_t speed_bps; /* bits a second; -1 when the driver does not
			    * know (down, virtual, wifi) */
};

struct netdev_table {
	struct netdev_if ifs[NETDEV_MAX];
	int n;
	int omitted; /* interfaces kept out by NETDEV_MAX */
};

/* Read every interface that f lets through (NULL: all but loopback) into
 * t; speed from sysfs_root (NULL: /sys/class/net).  Returns 0, or -1 with
 * errno (the socket, EMSGSIZE for a reply that did not fit); t->n is 0
 * then. */
int netdev_read(struct netdev_table *t, const struct interfaces_cfg *f,
		const char *sysfs_root);

/* Add the RTM_NEWLINK messages of one received buffer to t.  Returns 1
 * at NLMSG_DONE, 0 when more is to come, -1 with errno for NLMSG_ERROR or
 * a malformed message. */
int netdev_parse(struct netdev_table *t, const struct interfaces_cfg *f,
		 const void *buf, size_t len);

/* Does f (NULL: all but loopback) list an interface named name? */
bool netdev_wanted(const struct interfaces_cfg *f, const char *name, bool lo);

/* The interface named name, or NULL. */
const struct netdev_if *netdev_find(const struct netdev_table *t,
				    const char *name);

/* The counter an interface alarm on rate watches, in direction dir, in
 * the alarm's unit: bits for RATE_BPS, packets for RATE_PPS, else events
 * (RATE_BROADCAST_PPS has no kernel counter: 0). */
uint64_t netdev_counter(const struct netdev_if *i, enum traffic_rate rate,
			enum traffic_dir dir);

#endif
