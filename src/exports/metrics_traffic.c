/*
 * metrics_traffic.c - the traffic module (traffic.h) on /metrics: capture
 * state and drops, new devices, and the accounting (account.h): bytes and frames by interface
 * and direction, by protocol, by service, and the busiest hosts.
 *
 * Label cardinality is bounded whatever the network does: hosts are the
 * top N by bytes (metrics.top_hosts, at most 100) and services the top
 * METRICS_SERVICES_MAX; both are gauges, because a table that evicts
 * cannot promise a series that only grows.  Interface and direction
 * counters are true counters.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "account.h"
#include "capture.h"
#include "exports_int.h"
#include "traffic.h"

#define METRICS_SERVICES_MAX  50
#define METRICS_TOP_HOSTS_MAX 100

static void iface_dir_labels(struct xbuf *b, const char *name,
			     const char *iface, const char *dir)
{
	xbuf_puts(b, name);
	xbuf_puts(b, "{interface=");
	prom_label_value(b, iface);
	xbuf_puts(b, ",direction=");
	prom_label_value(b, dir);
	xbuf_put(b, "}", 1);
}

static void render_ifaces(struct xbuf *b, const struct account *a,
			  const struct pl_config *cfg)
{
	static const char *const names[2] = {
		"pilotlight_traffic_bytes_total",
		"pilotlight_traffic_frames_total",
	};
	static const char *const helps[2] = {
		"Bytes on the wire by capture interface and direction "
		"(relative to the local networks).",
		"Frames by capture interface and direction.",
	};

	for (int k = 0; k < 2; k++) {
		prom_family(b, names[k], "counter", helps[k]);
		for (int i = 0; i < cfg->capture.n_interfaces; i++) {
			for (int d = 0; d < ACCOUNT_DIR_COUNT; d++) {
				struct account_stats s;

				if (account_iface_stats(a, i, d, &s) < 0)
					continue;
				iface_dir_labels(b, names[k],
						 cfg->capture.interfaces[i],
						 account_dir_name(d));
				prom_value(b,
					   (double)(k ? s.packets : s.bytes));
			}
		}
	}
}

static void render_protocols(struct xbuf *b, const struct account *a)
{
	static const char *const names[2] = {
		"pilotlight_traffic_protocol_bytes_total",
		"pilotlight_traffic_protocol_frames_total",
	};

	for (int k = 0; k < 2; k++) {
		prom_family(b, names[k], "counter",
			    k ? "Frames by IP protocol, every interface."
			      : "Bytes by IP protocol, every interface.");
		for (int p = 0; p < ACCOUNT_PROTO_COUNT; p++) {
			struct account_stats s;

			if (account_proto_stats(a, p, &s) < 0)
				continue;
			prom_sample1(b, names[k], "protocol",
				     account_proto_name(p),
				     (double)(k ? s.packets : s.bytes));
		}
	}
}

struct top_services {
	struct account_service v[METRICS_SERVICES_MAX];
	int n;
};

/* Keep the busiest services, most bytes first (insertion; n is small). */
static void service_keep(const struct account_service *s, void *ctx)
{
	struct top_services *t = ctx;
	int i = t->n < METRICS_SERVICES_MAX ? t->n : METRICS_SERVICES_MAX - 1;

	if (t->n == METRICS_SERVICES_MAX && s->bytes <= t->v[i].bytes)
		return;
	while (i > 0 && t->v[i - 1].bytes < s->bytes) {
		t->v[i] = t->v[i - 1];
		i--;
	}
	t->v[i] = *s;
	t->v[i].name = NULL; /* only valid during the callback */
	if (t->n < METRICS_SERVICES_MAX)
		t->n++;
}

static void render_services(struct xbuf *b, const struct account *a)
{
	static struct top_services t; /* 2 KB; the loop is single-threaded */
	char label[16];

	t.n = 0;
	account_foreach_service(a, service_keep, &t);
	if (t.n == 0)
		return;
	prom_family(b, "pilotlight_traffic_service_bytes", "gauge",
		    "Bytes by service (protocol/port) for the busiest "
		    "services; a service may leave the table.");
	for (int i = 0; i < t.n; i++) {
		snprintf(label, sizeof(label), "%s/%u",
			 t.v[i].proto == IPPROTO_TCP ? "tcp" : "udp",
			 (unsigned)t.v[i].port);
		prom_sample1(b, "pilotlight_traffic_service_bytes", "service",
			     label, (double)t.v[i].bytes);
	}
}

static void render_top_hosts(struct xbuf *b, const struct account *a, int n)
{
	struct account_host top[METRICS_TOP_HOSTS_MAX];
	char addr[INET6_ADDRSTRLEN];
	size_t got;

	if (n <= 0)
		return;
	if (n > METRICS_TOP_HOSTS_MAX)
		n = METRICS_TOP_HOSTS_MAX;
	got = account_top_hosts(a, top, (size_t)n);
	if (got == 0)
		return;
	prom_family(b, "pilotlight_traffic_top_host_bytes", "gauge",
		    "Bytes to and from each of the busiest hosts "
		    "(metrics.top_hosts of them).");
	for (size_t i = 0; i < got; i++) {
		if (!inet_ntop(top[i].family, top[i].addr, addr, sizeof(addr)))
			continue;
		prom_sample1(b, "pilotlight_traffic_top_host_bytes", "address",
			     addr, (double)top[i].bytes);
	}
}

/* ---- capture ------------------------------------------------------------ */

/* Every interface's kernel counters are metrics_system.c's; these are the
 * capture's own, per capture interface. */
struct cap_family {
	const char *name, *type, *help;
	int field;
};

enum {
	CAP_ACTIVE,
	CAP_DROPS,
	CAP_IFDROPS,
	CAP_REOPENS,
};

/* clang-format off */
static const struct cap_family cap_families[] = {
	{ "pilotlight_capture_active", "gauge",
	  "1 while the interface is being captured.", CAP_ACTIVE },
	{ "pilotlight_capture_kernel_drops_total", "counter",
	  "Frames lost because the capture ring was full (pcap ps_drop).",
	  CAP_DROPS },
	{ "pilotlight_capture_interface_drops_total", "counter",
	  "Frames the interface dropped before capture (pcap ps_ifdrop).",
	  CAP_IFDROPS },
	{ "pilotlight_capture_reopens_total", "counter",
	  "Times the capture was reopened after the interface came back.",
	  CAP_REOPENS },
};
/* clang-format on */

static double cap_value(const struct capture_iface_stats *c, int field)
{
	return field == CAP_ACTIVE    ? c->active
	       : field == CAP_DROPS   ? (double)c->drops
	       : field == CAP_IFDROPS ? (double)c->ifdrops
				      : (double)c->reopens;
}

static void render_capture(struct xbuf *b, const struct traffic *t,
			   const struct pl_config *cfg)
{
	int n = traffic_iface_count(t);

	if (n > cfg->capture.n_interfaces)
		n = cfg->capture.n_interfaces;
	if (n <= 0)
		return;
	for (size_t f = 0; f < sizeof(cap_families) / sizeof(cap_families[0]);
	     f++) {
		const struct cap_family *fam = &cap_families[f];

		prom_family(b, fam->name, fam->type, fam->help);
		for (int i = 0; i < n; i++) {
			const struct capture_iface_stats *c =
				traffic_capture(t, i);

			if (c)
				prom_sample1(b, fam->name, "interface",
					     cfg->capture.interfaces[i],
					     cap_value(c, fam->field));
		}
	}
}

static void render_devices(struct xbuf *b, const struct traffic *t)
{
	struct newdev_counts n;

	traffic_newdev_counts(t, &n);
	prom_family(b, "pilotlight_new_devices_total", "counter",
		    "MAC/IP pairs seen for the first time since start.");
	prom_sample1(b, "pilotlight_new_devices_total", NULL, NULL,
		     (double)n.events);
	prom_family(b, "pilotlight_known_devices", "gauge",
		    "MAC/IP pairs in the known-devices table.");
	prom_sample1(b, "pilotlight_known_devices", NULL, NULL,
		     (double)n.known);
	prom_family(b, "pilotlight_known_devices_unsaved", "gauge",
		    "Known devices not yet in the state file (lost at a "
		    "crash while the disk refuses them).");
	prom_sample1(b, "pilotlight_known_devices_unsaved", NULL, NULL,
		     (double)n.unsaved);
}

static void render_account(struct xbuf *b, const struct account *a,
			   const struct pl_config *cfg)
{
	const struct account_totals *tot = account_totals(a);

	render_ifaces(b, a, cfg);
	render_protocols(b, a);
	render_services(b, a);
	render_top_hosts(b, a, cfg->metrics.top_hosts);
	prom_family(b, "pilotlight_traffic_malformed_frames_total", "counter",
		    "Captured frames that could not be decoded.");
	prom_sample1(b, "pilotlight_traffic_malformed_frames_total", NULL, NULL,
		     (double)tot->malformed);
	prom_family(b, "pilotlight_traffic_hosts_evicted_total", "counter",
		    "Hosts replaced in the bounded top-talkers table.");
	prom_sample1(b, "pilotlight_traffic_hosts_evicted_total", NULL, NULL,
		     (double)tot->hosts_evicted);
}

void metrics_render_traffic(struct xbuf *b, const struct traffic *t,
			    const struct pl_config *cfg)
{
	const struct account *a;

	if (!t || cfg->capture.n_interfaces == 0)
		return;
	render_capture(b, t, cfg);
	render_devices(b, t);
	metrics_render_names(b, t);
	a = traffic_account(t);
	if (a)
		render_account(b, a, cfg);
}
