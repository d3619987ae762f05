/*
 * lcd_sysinfo.c - what the LCD's system page shows of the Pi: its IP
 * address, CPU temperature and every interface's link and rates.
 *
 * Read when the system page is drawn and the last read is older than
 * LCD_SYSINFO_PERIOD_NS, never on a timer of its own; the page renderer
 * only formats what this left in struct lcd_sysinfo.  Rates are the mean
 * between two reads, so the first read shows none.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lcd_pages.h"
#include "netdev.h"

#define THERMAL_PATH "/sys/class/thermal/thermal_zone0/temp"

static void sysinfo_read_temp(char *buf, size_t len)
{
	char line[32], *end;
	FILE *f = fopen(THERMAL_PATH, "re");
	long milli;

	snprintf(buf, len, "-");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		milli = strtol(line, &end, 10);
		if (end != line && (*end == '\n' || *end == '\0') &&
		    milli > -100000 && milli < 200000)
			snprintf(buf, len, "%.1f\u00b0C", milli / 1000.0);
	}
	fclose(f);
}

static void sysinfo_read_ip(char *buf, size_t len)
{
	struct ifaddrs *ifs, *ifa;
	const struct sockaddr_in *sin;

	snprintf(buf, len, "-");
	if (getifaddrs(&ifs) < 0)
		return;
	for (ifa = ifs; ifa; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET ||
		    !(ifa->ifa_flags & IFF_UP) ||
		    (ifa->ifa_flags & IFF_LOOPBACK))
			continue;
		sin = (const struct sockaddr_in *)(const void *)ifa->ifa_addr;
		if (inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len))
			break;
		snprintf(buf, len, "-");
	}
	freeifaddrs(ifs);
}

/* b bits a second from counter a to b over dt_s; NAN when it went back. */
static double rate_bps(uint64_t a, uint64_t b, double dt_s)
{
	return b >= a && dt_s > 0 ? (double)(b - a) * 8 / dt_s : NAN;
}

/* The interfaces f lets through, rates against the previous read. */
static void sysinfo_read_ifaces(struct lcd_sysinfo *si,
				const struct interfaces_cfg *f, int64_t now_ns)
{
	struct netdev_table t;
	struct lcd_iface prev[LCD_SYS_IFACES];
	int n_prev = si->n_ifs;
	double dt_s = si->valid ? (double)(now_ns - si->read_ns) / NS_PER_S : 0;

	memcpy(prev, si->ifs, sizeof(prev));
	si->n_ifs = 0;
	if (netdev_read(&t, f, NULL) < 0)
		return;
	for (int i = 0; i < t.n && si->n_ifs < LCD_SYS_IFACES; i++) {
		const struct netdev_if *d = &t.ifs[i];
		struct lcd_iface *o = &si->ifs[si->n_ifs++];

		snprintf(o->name, sizeof(o->name), "%s", d->name);
		o->up = d->up;
		o->rx_bytes = d->rx_bytes;
		o->tx_bytes = d->tx_bytes;
		o->rx_bps = o->tx_bps = NAN;
		for (int k = 0; k < n_prev; k++) {
			if (strcmp(prev[k].name, o->name) != 0)
				continue;
			o->rx_bps =
				rate_bps(prev[k].rx_bytes, o->rx_bytes, dt_s);
			o->tx_bps =
				rate_bps(prev[k].tx_bytes, o->tx_bytes, dt_s);
		}
	}
}

void lcd_sysinfo_refresh(struct lcd_sysinfo *si, int64_t now_ns,
			 const struct interfaces_cfg *f)
{
	if (si->valid && now_ns - si->read_ns < LCD_SYSINFO_PERIOD_NS &&
	    now_ns >= si->read_ns)
		return;
	sysinfo_read_temp(si->temp, sizeof(si->temp));
	sysinfo_read_ip(si->ip, sizeof(si->ip));
	sysinfo_read_ifaces(si, f, now_ns);
	si->read_ns = now_ns;
	si->valid = true;
}
