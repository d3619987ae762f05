/*
 * metrics_system.c - what surrounds the checks on /metrics: every network
 * interface of the Pi (netdev.h) and the daemon's own process (procself.h)
 * under the names every Prometheus client library uses.
 *
 * Interfaces are at most NETDEV_MAX series per family (loopback and
 * interfaces.exclude left out); speed is written only when the driver
 * knows it.  A capture interface that is missing (not excluded) still gets
 * pilotlight_interface_up 0, so an alert on it fires instead of going
 * quiet.  The process_* families follow client_golang's process
 * collector: cpu seconds is a counter, the rest are gauges.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "exports_int.h"
#include "netdev.h"
#include "procself.h"

struct if_family {
	const char *name, *help;
	size_t off; /* of a uint64_t in struct netdev_if */
};

#define IF_FIELD(f) offsetof(struct netdev_if, f)

/* clang-format off */
static const struct if_family if_counters[] = {
	{ "pilotlight_interface_receive_bytes_total",
	  "Bytes the interface received (kernel counter).",
	  IF_FIELD(rx_bytes) },
	{ "pilotlight_interface_transmit_bytes_total",
	  "Bytes the interface sent (kernel counter).", IF_FIELD(tx_bytes) },
	{ "pilotlight_interface_receive_packets_total",
	  "Packets the interface received.", IF_FIELD(rx_packets) },
	{ "pilotlight_interface_transmit_packets_total",
	  "Packets the interface sent.", IF_FIELD(tx_packets) },
	{ "pilotlight_interface_receive_errors_total",
	  "Receive errors of the interface.", IF_FIELD(rx_errors) },
	{ "pilotlight_interface_transmit_errors_total",
	  "Transmit errors of the interface.", IF_FIELD(tx_errors) },
	{ "pilotlight_interface_receive_drops_total",
	  "Received packets the kernel dropped.", IF_FIELD(rx_dropped) },
	{ "pilotlight_interface_transmit_drops_total",
	  "Packets to send the kernel dropped.", IF_FIELD(tx_dropped) },
	{ "pilotlight_interface_receive_overruns_total",
	  "Receive FIFO overruns of the interface.", IF_FIELD(rx_overruns) },
	{ "pilotlight_interface_transmit_overruns_total",
	  "Transmit FIFO overruns of the interface.", IF_FIELD(tx_overruns) },
};
/* clang-format on */

static uint64_t if_u64(const struct netdev_if *d, size_t off)
{
	const uint64_t *v =
		(const uint64_t *)(const void *)((const char *)d + off);

	return *v;
}

static void render_counters(struct xbuf *b, const struct netdev_table *t)
{
	for (size_t f = 0; f < sizeof(if_counters) / sizeof(if_counters[0]);
	     f++) {
		prom_family(b, if_counters[f].name, "counter",
			    if_counters[f].help);
		for (int i = 0; i < t->n; i++) {
			xbuf_puts(b, if_counters[f].name);
			xbuf_puts(b, "{interface=");
			prom_label_value(b, t->ifs[i].name);
			xbuf_puts(b, "} ");
			xbuf_u64(b, if_u64(&t->ifs[i], if_counters[f].off));
			xbuf_put(b, "\n", 1);
		}
	}
}

static void render_up(struct xbuf *b, const struct netdev_table *t,
		      const struct pl_config *cfg)
{
	const char *up = "pilotlight_interface_up";

	prom_family(b, up, "gauge", "1 if the interface's link is up.");
	for (int i = 0; i < t->n; i++)
		prom_sample1(b, up, "interface", t->ifs[i].name, t->ifs[i].up);
	for (int i = 0; i < cfg->capture.n_interfaces; i++) {
		const char *name = cfg->capture.interfaces[i];

		if (!netdev_find(t, name) &&
		    netdev_wanted(&cfg->interfaces, name, false))
			prom_sample1(b, up, "interface", name, 0);
	}
}

static void render_interfaces(struct xbuf *b, const struct netdev_table *t,
			      const struct pl_config *cfg)
{
	const char *mtu = "pilotlight_interface_mtu_bytes";
	const char *speed = "pilotlight_interface_speed_bytes";
	bool head = false;

	render_counters(b, t);
	render_up(b, t, cfg);
	prom_family(b, mtu, "gauge", "The interface's MTU.");
	for (int i = 0; i < t->n; i++)
		prom_sample1(b, mtu, "interface", t->ifs[i].name,
			     t->ifs[i].mtu);
	for (int i = 0; i < t->n; i++) {
		if (t->ifs[i].speed_bps < 0)
			continue;
		if (!head)
			prom_family(b, speed, "gauge",
				    "Link speed in bytes a second, when the "
				    "driver knows it.");
		head = true;
		prom_sample1(b, speed, "interface", t->ifs[i].name,
			     (double)t->ifs[i].speed_bps / 8);
	}
	prom_family(b, "pilotlight_interfaces_omitted", "gauge",
		    "Interfaces left off /metrics by the limit of 64.");
	prom_sample1(b, "pilotlight_interfaces_omitted", NULL, NULL,
		     t->omitted);
}

static void render_process(struct xbuf *b, const struct procself *p)
{
	prom_family(b, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.");
	prom_sample1(b, "process_cpu_seconds_total", NULL, NULL,
		     p->cpu_seconds);
	prom_family(b, "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes.");
	prom_sample1(b, "process_resident_memory_bytes", NULL, NULL,
		     p->resident_bytes);
	if (p->open_fds >= 0) {
		prom_family(b, "process_open_fds", "gauge",
			    "Number of open file descriptors.");
		prom_sample1(b, "process_open_fds", NULL, NULL, p->open_fds);
	}
	if (p->max_fds >= 0) {
		prom_family(b, "process_max_fds", "gauge",
			    "Maximum number of open file descriptors.");
		prom_sample1(b, "process_max_fds", NULL, NULL, p->max_fds);
	}
	prom_family(b, "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.");
	prom_sample1(b, "process_start_time_seconds", NULL, NULL,
		     p->start_time_s);
}

void metrics_render_system(struct xbuf *b, const struct netdev_table *ifs,
			   const struct procself *proc,
			   const struct pl_config *cfg)
{
	if (ifs)
		render_interfaces(b, ifs, cfg);
	if (proc)
		render_process(b, proc);
}
