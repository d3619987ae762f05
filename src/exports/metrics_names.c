/*
 * metrics_names.c - the host names learned from the mirror (names.h) on
 * /metrics: one info series per named address and the table's counters.
 *
 * The names go in a separate info metric, not as a label on the traffic
 * series, so that a name learned (or changed) later does not change the
 * identity of a host's traffic series; join on "address" in PromQL.  Its
 * cardinality is bounded by the names table: at most NAMES_MAX (256)
 * series, and a name holds only [A-Za-z0-9._-].
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "exports_int.h"
#include "names.h"
#include "rdns.h"
#include "traffic.h"

#define INFO_NAME "pilotlight_host_name_info"

static void render_info(struct xbuf *b, const struct names *n)
{
	struct names_entry e;
	char addr[INET6_ADDRSTRLEN];
	bool head = false;

	for (size_t i = 0; i < NAMES_MAX; i++) {
		if (!names_get(n, i, &e) || !e.family ||
		    !inet_ntop(e.family, e.ip, addr, sizeof(addr)))
			continue;
		if (!head)
			prom_family(b, INFO_NAME, "gauge",
				    "A host's name as learned from DHCP, mDNS "
				    "or reverse DNS (always 1).");
		head = true;
		xbuf_puts(b, INFO_NAME "{address=");
		prom_label_value(b, addr);
		xbuf_puts(b, ",name=");
		prom_label_value(b, e.name);
		xbuf_puts(b, ",source=");
		prom_label_value(b, names_source_name(e.source));
		xbuf_put(b, "}", 1);
		prom_value(b, 1);
	}
}

/* The table's scalars, one row each. */
struct scalar {
	const char *name, *type, *help;
	uint64_t v;
};

static void render_scalars(struct xbuf *b, const struct scalar *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		prom_family(b, s[i].name, s[i].type, s[i].help);
		prom_sample1(b, s[i].name, NULL, NULL, (double)s[i].v);
	}
}

/* Only with capture.reverse_dns on. */
static void render_rdns(struct xbuf *b, const struct rdns *r)
{
	static const char *const name =
		"pilotlight_host_names_rdns_lookups_total";
	static const char *const results[] = { "name", "none" };
	struct rdns_counts c;
	uint64_t v[2];

	if (!r)
		return;
	rdns_counts(r, &c);
	v[0] = c.answered;
	v[1] = c.failed;
	prom_family(b, name, "counter",
		    "Reverse DNS lookups finished, by result (a name, or "
		    "none: NXDOMAIN, timeout, error).");
	for (int i = 0; i < 2; i++)
		prom_sample1(b, name, "result", results[i], (double)v[i]);
	render_scalars(b,
		       &(const struct scalar){
			       "pilotlight_host_names_rdns_dropped_total",
			       "counter",
			       "Reverse DNS lookups not queued: the table was "
			       "full.",
			       c.dropped },
		       1);
}

void metrics_render_names(struct xbuf *b, const struct traffic *t)
{
	const struct names *n = traffic_names(t);
	struct names_counts c;

	if (!n)
		return;
	names_counts(n, &c);
	render_info(b, n);
	const struct scalar rows[] = {
		{ "pilotlight_host_names", "gauge",
		  "Entries in the host names table (at most 256).", c.entries },
		{ "pilotlight_host_names_learned_total", "counter",
		  "Names set or changed from DHCP, mDNS or reverse DNS.",
		  c.learned },
		{ "pilotlight_host_names_evicted_total", "counter",
		  "Names dropped to make room in the full table.", c.evicted },
		{ "pilotlight_host_names_malformed_total", "counter",
		  "DHCP and mDNS messages that did not parse.", c.bad },
		{ "pilotlight_host_names_truncated_total", "counter",
		  "DHCP and mDNS messages cut by capture.snaplen before "
		  "their names.",
		  c.truncated },
	};
	render_scalars(b, rows, sizeof(rows) / sizeof(rows[0]));
	render_rdns(b, traffic_rdns(t));
}
