/*
 * ifstats.c - read an interface's sysfs counters and link state.
 *
 * Each attribute is a small text file holding one value and a newline.
 * Files are opened, read and closed each time: an unplugged adapter takes
 * its directory with it, and a kept fd would then only return ENODEV.
 * Some attributes fail with EINVAL by design (speed and carrier of a link
 * that is down), which reads as "unknown", not as an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ifstats.h"

/* Longest attribute we read: a 64-bit decimal and a newline. */
#define ATTR_MAX 32

/* Read root/ifname/attr into buf, without the trailing newline; returns
 * its length, or -1. */
static ssize_t read_attr(const char *root, const char *ifname, const char *attr,
			 char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", root, ifname,
			     attr) >= sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return n;
}

static uint64_t read_u64(const char *root, const char *ifname, const char *attr)
{
	char buf[ATTR_MAX], *end;
	unsigned long long v;

	if (read_attr(root, ifname, attr, buf, sizeof(buf)) <= 0 ||
	    buf[0] == '-')
		return 0;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || *end)
		return 0;
	return v;
}

int ifstats_speed_mbps(const char *root, const char *ifname)
{
	char buf[ATTR_MAX], *end;
	long v;

	if (!root)
		root = IFSTATS_SYSFS;
	if (!ifname[0] || strchr(ifname, '/'))
		return -1;
	if (read_attr(root, ifname, "speed", buf, sizeof(buf)) <= 0)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

static void read_counters(const char *root, const char *ifname,
			  struct ifstats *s)
{
	s->rx_packets = read_u64(root, ifname, "statistics/rx_packets");
	s->tx_packets = read_u64(root, ifname, "statistics/tx_packets");
	s->rx_bytes = read_u64(root, ifname, "statistics/rx_bytes");
	s->tx_bytes = read_u64(root, ifname, "statistics/tx_bytes");
	s->rx_errors = read_u64(root, ifname, "statistics/rx_errors");
	s->tx_errors = read_u64(root, ifname, "statistics/tx_errors");
	s->rx_dropped = read_u64(root, ifname, "statistics/rx_dropped");
	s->tx_dropped = read_u64(root, ifname, "statistics/tx_dropped");
}

int ifstats_read(const char *root, const char *ifname, struct ifstats *out)
{
	char dir[PATH_MAX], state[sizeof(out->operstate)];
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->speed_mbps = -1;
	if (!root)
		root = IFSTATS_SYSFS;
	/* a name with '/' would leave the directory */
	if (!ifname[0] || strchr(ifname, '/') ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/%s", root, ifname) >=
		    sizeof(dir) ||
	    stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		errno = ENODEV;
		return -1;
	}
	out->present = true;
	read_counters(root, ifname, out);
	if (read_attr(root, ifname, "operstate", state, sizeof(state)) > 0)
		snprintf(out->operstate, sizeof(out->operstate), "%s", state);
	out->carrier = read_u64(root, ifname, "carrier") == 1;
	out->speed_mbps = ifstats_speed_mbps(root, ifname);
	out->link_up = strcmp(out->operstate, "up") == 0 ||
		       (strcmp(out->operstate, "unknown") == 0 && out->carrier);
	return 0;
}
