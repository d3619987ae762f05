/*
 * ifstats.h - an interface's kernel counters and link state: what
 * `netstat -i` and `ip -s link` show.
 *
 * ifstats_read() takes one snapshot from sysfs (/sys/class/net/IF/
 * statistics/, operstate, carrier, speed) rather than rtnetlink: plain
 * files, no socket to keep open, still readable under the unit's
 * ProtectSystem=strict and ProcSubset=pid, and a test can point it at a
 * directory tree of its own.  The caller reads once a second and takes
 * differences; the counters are the kernel's, 64-bit, since boot.
 */
#ifndef PL_IFSTATS_H
#define PL_IFSTATS_H

#include <stdbool.h>
#include <stdint.h>

#define IFSTATS_SYSFS "/sys/class/net"

struct ifstats {
	bool present; /* the interface exists */
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_errors, tx_errors;
	uint64_t rx_dropped, tx_dropped;
	char operstate[16]; /* RFC 2863 name: "up", "down", "unknown",
				 * "dormant", ...; "" when absent */
	bool carrier;
	int speed_mbps; /* -1 when unknown (down, virtual, wifi) */
	bool link_up;	/* operstate "up", or "unknown" with carrier */
};

/*
 * Snapshot ifname under root (NULL: IFSTATS_SYSFS).  Returns 0, or -1 with
 * errno ENODEV and out zeroed (present false, speed -1) when the interface
 * does not exist.  A counter that cannot be read or parsed reads 0.
 */
int ifstats_read(const char *root, const char *ifname, struct ifstats *out);

/* ifname's link speed in Mb/s under root (NULL: IFSTATS_SYSFS), or -1
 * when the kernel does not know it (it writes -1 or fails with EINVAL). */
int ifstats_speed_mbps(const char *root, const char *ifname);

#endif
