/*
 * netdev.c - every interface's counters from one rtnetlink link dump.
 *
 * One request, one or a few replies of RTM_NEWLINK messages, each parsed
 * with the kernel's own NLMSG_ and RTA_ macros and every length checked
 * against the buffer.  IFLA_STATS64 carries the 64-bit counters; a
 * kernel that sends only IFLA_STATS (32-bit) is read from that.  The
 * socket lives for one read: a scrape a minute does not justify a
 * descriptor held for the daemon's life.
 */
#include <errno.h>
#include <fnmatch.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ifstats.h"
#include "netdev.h"

/* The kernel fills a dump buffer up to the size the reader offers (at
 * least a page, at most 32 KiB by default). */
#define NETDEV_RECV_MAX 32768

bool netdev_wanted(const struct interfaces_cfg *f, const char *name, bool lo)
{
	if (!f)
		return !lo;
	if (lo && !f->loopback)
		return false;
	for (int i = 0; i < f->n_exclude; i++)
		if (fnmatch(f->exclude[i], name, 0) == 0)
			return false;
	return true;
}

static void stats64(struct netdev_if *d, const struct rtnl_link_stats64 *s)
{
	d->rx_packets = s->rx_packets;
	d->tx_packets = s->tx_packets;
	d->rx_bytes = s->rx_bytes;
	d->tx_bytes = s->tx_bytes;
	d->rx_errors = s->rx_errors;
	d->tx_errors = s->tx_errors;
	d->rx_dropped = s->rx_dropped;
	d->tx_dropped = s->tx_dropped;
	d->rx_overruns = s->rx_fifo_errors;
	d->tx_overruns = s->tx_fifo_errors;
}

static void stats32(struct netdev_if *d, const struct rtnl_link_stats *s)
{
	struct rtnl_link_stats64 w = {
		.rx_packets = s->rx_packets,
		.tx_packets = s->tx_packets,
		.rx_bytes = s->rx_bytes,
		.tx_bytes = s->tx_bytes,
		.rx_errors = s->rx_errors,
		.tx_errors = s->tx_errors,
		.rx_dropped = s->rx_dropped,
		.tx_dropped = s->tx_dropped,
		.rx_fifo_errors = s->rx_fifo_errors,
		.tx_fifo_errors = s->tx_fifo_errors,
	};

	stats64(d, &w);
}

/* The attributes of one link into d; false without a usable name. */
static bool link_attrs(struct netdev_if *d, const struct ifinfomsg *ifi,
		       int len)
{
	const struct rtattr *a = IFLA_RTA(ifi);
	bool named = false, have64 = false;
	unsigned char oper = IF_OPER_UNKNOWN;

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t n = RTA_PAYLOAD(a);
		const void *p = RTA_DATA(a);

		if (a->rta_type == IFLA_IFNAME && n > 1 &&
		    n <= sizeof(d->name)) {
			memcpy(d->name, p, n);
			d->name[n - 1] = '\0';
			named = strlen(d->name) > 0;
		} else if (a->rta_type == IFLA_MTU && n >= sizeof(uint32_t)) {
			memcpy(&d->mtu, p, sizeof(uint32_t));
		} else if (a->rta_type == IFLA_OPERSTATE && n >= 1) {
			oper = *(const unsigned char *)p;
		} else if (a->rta_type == IFLA_STATS64 &&
			   n >= sizeof(struct rtnl_link_stats64)) {
			struct rtnl_link_stats64 s;

			memcpy(&s, p, sizeof(s));
			stats64(d, &s);
			have64 = true;
		} else if (a->rta_type == IFLA_STATS && !have64 &&
			   n >= sizeof(struct rtnl_link_stats)) {
			struct rtnl_link_stats s;

			memcpy(&s, p, sizeof(s));
			stats32(d, &s);
		}
	}
	d->up = oper == IF_OPER_UP ||
		(oper == IF_OPER_UNKNOWN && (ifi->ifi_flags & IFF_LOWER_UP));
	return named;
}

static int add_link(struct netdev_table *t, const struct interfaces_cfg *f,
		    const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	struct netdev_if d = { .speed_bps = -1 };

	if (len < 0) {
		errno = EBADMSG;
		return -1;
	}
	if (!link_attrs(&d, ifi, len))
		return 0;
	d.index = ifi->ifi_index;
	d.loopback = (ifi->ifi_flags & IFF_LOOPBACK) != 0;
	if (!netdev_wanted(f, d.name, d.loopback))
		return 0;
	if (t->n >= NETDEV_MAX) {
		t->omitted++;
		return 0;
	}
	t->ifs[t->n++] = d;
	return 0;
}

int netdev_parse(struct netdev_table *t, const struct interfaces_cfg *f,
		 const void *buf, size_t len)
{
	const struct nlmsghdr *h = buf;
	int left = (int)len;

	if (len > NETDEV_RECV_MAX) { /* more than one recv() can bring */
		errno = EMSGSIZE;
		return -1;
	}
	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			errno = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) &&
						e->error < 0
					? -e->error
					: EPROTO;
			return -1;
		}
		if (h->nlmsg_type == RTM_NEWLINK && add_link(t, f, h) < 0)
			return -1;
	}
	if (left != 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

static int send_dump(int fd)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.h.nlmsg_type = RTM_GETLINK,
		.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.h.nlmsg_seq = 1,
		.i.ifi_family = AF_UNSPEC,
	};

	return send(fd, &req, req.h.nlmsg_len, 0) < 0 ? -1 : 0;
}

static int recv_dump(int fd, struct netdev_table *t,
		     const struct interfaces_cfg *f)
{
	_Alignas(struct nlmsghdr) char buf[NETDEV_RECV_MAX];
	int r = 0;

	while (r == 0) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if ((size_t)n > sizeof(buf)) {
			errno = EMSGSIZE;
			return -1;
		}
		if (n == 0) {
			errno = EPROTO;
			return -1;
		}
		r = netdev_parse(t, f, buf, (size_t)n);
	}
	return r < 0 ? -1 : 0;
}

int netdev_read(struct netdev_table *t, const struct interfaces_cfg *f,
		const char *sysfs_root)
{
	/* the kernel answers a dump at once; this only bounds a stuck one */
	struct timeval tv = { .tv_sec = 1 };
	int fd, r, saved;

	t->n = t->omitted = 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = send_dump(fd);
	if (r == 0)
		r = recv_dump(fd, t, f);
	saved = errno;
	close(fd);
	if (r < 0) {
		t->n = 0;
		errno = saved;
		return -1;
	}
	for (int i = 0; i < t->n; i++) {
		int mbps = ifstats_speed_mbps(sysfs_root, t->ifs[i].name);

		t->ifs[i].speed_bps = mbps > 0 ? (int64_t)mbps * 1000000 : -1;
	}
	return 0;
}

const struct netdev_if *netdev_find(const struct netdev_table *t,
				    const char *name)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->ifs[i].name, name) == 0)
			return &t->ifs[i];
	return NULL;
}

static uint64_t pick(uint64_t rx, uint64_t tx, enum traffic_dir dir)
{
	return dir == TRAFFIC_DIR_RX   ? rx
	       : dir == TRAFFIC_DIR_TX ? tx
				       : rx + tx;
}

uint64_t netdev_counter(const struct netdev_if *i, enum traffic_rate rate,
			enum traffic_dir dir)
{
	switch (rate) {
	case RATE_BPS:
		return pick(i->rx_bytes, i->tx_bytes, dir) * 8;
	case RATE_PPS:
		return pick(i->rx_packets, i->tx_packets, dir);
	case RATE_ERRORS:
		return pick(i->rx_errors, i->tx_errors, dir);
	case RATE_DROPS:
		return pick(i->rx_dropped, i->tx_dropped, dir);
	case RATE_OVERRUNS:
		return pick(i->rx_overruns, i->tx_overruns, dir);
	default:
		return 0;
	}
}
