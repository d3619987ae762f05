/*
 * sections.c - the small top-level sections: daemon, logging, capture,
 * interfaces, metrics (with who may connect to it and how many at once).
 *
 * Each reader first fills in the defaults, so an absent section yields a
 * working setup, then overrides them from the file.  The capture filter is
 * compiled here, against a dead pcap handle, so a typo in BPF is a load
 * error with a line rather than a run-time surprise after privileges have
 * been dropped.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "internal.h"

#define DEFAULT_USER	  "pilotlight"
#define DEFAULT_STATE_DIR "/var/lib/pilotlight"
#define DEFAULT_LISTEN	  "127.0.0.1:9775"
#define DEFAULT_TOP_HOSTS 10
#define MAX_TOP_HOSTS	  100
/* metrics: a Prometheus or two and a browser need a handful; the rest is
 * room for hostile clients to be shed from (see src/exports/httpd.c). */
#define DEFAULT_CONNECTIONS	   64
#define MIN_CONNECTIONS		   4
#define MAX_CONNECTIONS		   256
#define DEFAULT_PER_ADDRESS	   8
#define DEFAULT_REQUEST_TIMEOUT_MS (5 * MS_PER_S)
#define IFNAME_MAX		   15 /* IFNAMSIZ - 1 */

/* Addresses that count as "ours" when none are configured: RFC 1918 and
 * RFC 4193 unique local. */
static const char *const default_local_networks[] = {
	"10.0.0.0/8",
	"172.16.0.0/12",
	"192.168.0.0/16",
	"fc00::/7",
};

void cfg_read_daemon(struct cfg_ctx *ctx, const struct cfg_node *root,
		     struct pl_config *cfg)
{
	static const char *const keys[] = { "user", "state_dir", NULL };
	const struct cfg_node *g = NULL;
	const char *user = DEFAULT_USER, *dir = DEFAULT_STATE_DIR;

	if (cfg_get_group(ctx, root, "daemon", &g) > 0) {
		cfg_check_keys(ctx, g, keys, "'daemon'");
		if (cfg_get_string(ctx, g, "user", &user) > 0 &&
		    !cfg_valid_user(user)) {
			cfg_key_error(ctx, g, "user",
				      "'user' '%s' is not a valid user name",
				      user);
			user = DEFAULT_USER;
		}
		if (cfg_get_string(ctx, g, "state_dir", &dir) > 0 &&
		    dir[0] != '/')
			cfg_key_error(ctx, g, "state_dir",
				      "'state_dir' must be an absolute path");
	}
	snprintf(cfg->daemon.user, sizeof(cfg->daemon.user), "%s", user);
	cfg->daemon.state_dir = cfg_strdup(ctx, g ? g : root, dir);
}

/* logging.remote = { address = "ADDR:PORT"; transport = "udp"|"tcp"; } */
static void read_remote(struct cfg_ctx *ctx, const struct cfg_node *logging,
			struct remote_log_cfg *r)
{
	static const char *const keys[] = { "address", "transport", NULL };
	static const char *const transports[] = {
		[REMOTE_UDP] = "udp",
		[REMOTE_TCP] = "tcp",
	};
	const struct cfg_node *g;
	const char *addr = NULL;
	int transport = REMOTE_UDP;

	if (cfg_get_group(ctx, logging, "remote", &g) <= 0)
		return;
	cfg_check_keys(ctx, g, keys, "'logging.remote'");
	cfg_get_enum(ctx, g, "transport", transports, 2, &transport);
	r->transport = (enum remote_transport)transport;
	if (cfg_get_string(ctx, g, "address", &addr) == 0)
		cfg_node_error(ctx, g, "'logging.remote' needs an 'address'");
	else if (addr && (strlen(addr) >= sizeof(r->address) ||
			  !cfg_valid_listen(addr)))
		cfg_key_error(ctx, g, "address",
			      "remote syslog address '%s' is not "
			      "ADDR:PORT or [V6]:PORT with a literal address",
			      addr);
	else if (addr)
		snprintf(r->address, sizeof(r->address), "%s", addr);
}

void cfg_read_logging(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg)
{
	static const char *const keys[] = { "level", "target", "remote", NULL };
	static const char *const levels[] = {
		"error", "warning", "notice", "info", "debug",
	};
	static const int prios[] = {
		LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG,
	};
	static const char *const targets[] = {
		[LOG_TARGET_AUTO] = "auto",
		[LOG_TARGET_STDERR] = "stderr",
		[LOG_TARGET_SYSLOG] = "syslog",
	};
	const struct cfg_node *g;
	int level = 3, target = LOG_TARGET_AUTO;

	if (cfg_get_group(ctx, root, "logging", &g) > 0) {
		cfg_check_keys(ctx, g, keys, "'logging'");
		cfg_get_enum(ctx, g, "level", levels, 5, &level);
		cfg_get_enum(ctx, g, "target", targets, 3, &target);
		read_remote(ctx, g, &cfg->logging.remote);
	}
	cfg->logging.level = prios[level];
	cfg->logging.target = (enum log_target)target;
}

/* Linux takes almost any bytes; refuse what would break paths and
 * messages. */
bool cfg_valid_ifname(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= IFNAME_MAX && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0 && strcspn(s, "/: \t\n") == n;
}

static void read_interfaces(struct cfg_ctx *ctx, const struct cfg_node *g,
			    struct capture_cfg *cap)
{
	const struct cfg_node *list;
	const char *s;
	int i, n;

	if (cfg_get_list(ctx, g, "interfaces", &list) <= 0)
		return;
	n = cfg_node_count(list);
	if (n > CFG_MAX_IFACES) {
		cfg_node_error(ctx, list,
			       "'interfaces' has %d entries, at most %d", n,
			       CFG_MAX_IFACES);
		return;
	}
	for (i = 0; i < n; i++) {
		if (cfg_elem_string(ctx, list, i, &s) < 0)
			continue;
		if (!cfg_valid_ifname(s)) {
			cfg_node_error(ctx, cfg_node_elem(list, i),
				       "bad interface name '%s'", s);
			continue;
		}
		if (cfg_lookup(s, (const char *const *)cap->interfaces,
			       cap->n_interfaces) >= 0) {
			cfg_node_error(ctx, cfg_node_elem(list, i),
				       "interface '%s' listed twice", s);
			continue;
		}
		cap->interfaces[cap->n_interfaces] = cfg_strdup(ctx, list, s);
		if (cap->interfaces[cap->n_interfaces])
			cap->n_interfaces++;
	}
}

/* A list of networks or addresses (an address alone is /32 or /128) at
 * key into nets; *n is left alone when the list is absent.  Returns the
 * number of entries written (errors are recorded), or -1 when absent. */
static int read_nets(struct cfg_ctx *ctx, const struct cfg_node *g,
		     const char *key, struct cidr *nets, int *n)
{
	const struct cfg_node *list;
	const char *s, *why;
	int i, count;

	if (cfg_get_list(ctx, g, key, &list) <= 0)
		return -1;
	count = cfg_node_count(list);
	if (count > CFG_MAX_NETS) {
		cfg_node_error(ctx, list, "'%s' has %d entries, at most %d",
			       key, count, CFG_MAX_NETS);
		return 0;
	}
	*n = 0;
	for (i = 0; i < count; i++) {
		if (cfg_elem_string(ctx, list, i, &s) < 0)
			continue;
		why = cfg_parse_net(s, &nets[*n]);
		if (why)
			cfg_node_error(ctx, cfg_node_elem(list, i),
				       "bad network '%s': %s", s, why);
		else
			(*n)++;
	}
	return count;
}

/* Compile the filter the way capture will, to report errors now. */
static void check_filter(struct cfg_ctx *ctx, const struct cfg_node *g,
			 const char *filter, int snaplen)
{
	struct bpf_program prog;
	pcap_t *p = pcap_open_dead(DLT_EN10MB, snaplen);

	if (!p) {
		cfg_key_error(ctx, g, "filter", "out of memory");
		return;
	}
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		cfg_key_error(ctx, g, "filter", "bad filter '%s': %s", filter,
			      pcap_geterr(p));
	else
		pcap_freecode(&prog);
	pcap_close(p);
}

static void read_reverse_dns(struct cfg_ctx *ctx, const struct cfg_node *g,
			     struct capture_cfg *cap)
{
	const char *server = "";

	cfg_get_bool(ctx, g, "reverse_dns", &cap->reverse_dns);
	cfg_get_int(ctx, g, "reverse_dns_rate", 1, 50, &cap->reverse_dns_rate);
	if (cfg_get_string(ctx, g, "reverse_dns_server", &server) <= 0 ||
	    !server[0])
		return;
	if (!cfg_is_ip_literal(server) ||
	    strlen(server) >= sizeof(cap->reverse_dns_server))
		cfg_key_error(ctx, g, "reverse_dns_server",
			      "'reverse_dns_server' '%s' must be an IPv4 or "
			      "IPv6 address",
			      server);
	else
		snprintf(cap->reverse_dns_server,
			 sizeof(cap->reverse_dns_server), "%s", server);
}

void cfg_read_capture(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg)
{
	static const char *const keys[] = {
		"interfaces",	    "filter",	   "snaplen",
		"promiscuous",	    "buffer_kib",  "local_networks",
		"alarms",	    "reverse_dns", "reverse_dns_server",
		"reverse_dns_rate", NULL,
	};
	struct capture_cfg *cap = &cfg->capture;
	const struct cfg_node *g;
	const char *filter = "";
	size_t i;

	cap->snaplen = 128;
	cap->promiscuous = true;
	cap->buffer_kib = 1024;
	cap->reverse_dns_rate = 2;
	for (i = 0; i < sizeof(default_local_networks) / sizeof(char *); i++)
		cfg_parse_cidr(default_local_networks[i],
			       &cap->local_networks[cap->n_local_networks++]);
	if (cfg_get_group(ctx, root, "capture", &g) <= 0)
		return;
	cfg_check_keys(ctx, g, keys, "'capture'");
	read_interfaces(ctx, g, cap);
	cfg_get_int(ctx, g, "snaplen", 64, 65535, &cap->snaplen);
	cfg_get_bool(ctx, g, "promiscuous", &cap->promiscuous);
	/* libpcap cuts the TPACKET_V3 ring into 256 KiB blocks; the kernel
	 * fills one while we read another, so at least four. */
	cfg_get_int(ctx, g, "buffer_kib", 1024, 262144, &cap->buffer_kib);
	read_nets(ctx, g, "local_networks", cap->local_networks,
		  &cap->n_local_networks);
	if (cfg_get_string(ctx, g, "filter", &filter) > 0 && filter[0]) {
		check_filter(ctx, g, filter, cap->snaplen);
		cap->filter = cfg_strdup(ctx, g, filter);
	}
	read_reverse_dns(ctx, g, cap);
	cfg_read_traffic(ctx, g, cfg);
}

/* metrics.allow: absent, every address may connect; empty, none could. */
static void read_allow(struct cfg_ctx *ctx, const struct cfg_node *g,
		       struct metrics_cfg *m)
{
	if (read_nets(ctx, g, "allow", m->allow, &m->n_allow) == 0)
		cfg_key_error(ctx, g, "allow",
			      "'allow' is empty: list who may connect, or "
			      "leave it out to let every address");
}

/* The shedding limits (src/exports/httpd.c says how they act). */
static void read_limits(struct cfg_ctx *ctx, const struct cfg_node *g,
			struct metrics_cfg *m)
{
	cfg_get_int(ctx, g, "max_connections", MIN_CONNECTIONS, MAX_CONNECTIONS,
		    &m->max_connections);
	if (cfg_get_int(ctx, g, "per_address_limit", 1, MAX_CONNECTIONS,
			&m->per_address_limit) > 0 &&
	    m->per_address_limit > m->max_connections)
		cfg_key_error(ctx, g, "per_address_limit",
			      "'per_address_limit' %d is above "
			      "'max_connections' %d",
			      m->per_address_limit, m->max_connections);
	cfg_get_duration(ctx, g, "request_timeout", MS_PER_S, 5 * MS_PER_MIN,
			 false, &m->request_timeout_ms);
}

void cfg_read_metrics(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg)
{
	static const char *const keys[] = {
		"enabled",	   "listen",
		"top_hosts",	   "allow",
		"max_connections", "per_address_limit",
		"request_timeout", NULL,
	};
	struct metrics_cfg *m = &cfg->metrics;
	const struct cfg_node *g;
	const char *listen = DEFAULT_LISTEN;

	*m = (struct metrics_cfg){
		.top_hosts = DEFAULT_TOP_HOSTS,
		.max_connections = DEFAULT_CONNECTIONS,
		.per_address_limit = DEFAULT_PER_ADDRESS,
		.request_timeout_ms = DEFAULT_REQUEST_TIMEOUT_MS,
	};
	snprintf(m->listen, sizeof(m->listen), "%s", DEFAULT_LISTEN);
	if (cfg_get_group(ctx, root, "metrics", &g) <= 0)
		return;
	cfg_check_keys(ctx, g, keys, "'metrics'");
	cfg_get_bool(ctx, g, "enabled", &m->enabled);
	if (m->enabled)
		cfg_need_lib(ctx, CFG_LIB_MHD, g, "enabled",
			     "the metrics endpoint needs");
	cfg_get_int(ctx, g, "top_hosts", 0, MAX_TOP_HOSTS, &m->top_hosts);
	read_allow(ctx, g, m);
	read_limits(ctx, g, m);
	if (cfg_get_string(ctx, g, "listen", &listen) <= 0)
		return;
	if (strlen(listen) >= sizeof(m->listen) || !cfg_valid_listen(listen)) {
		cfg_key_error(
			ctx, g, "listen",
			"bad listen address '%s' (use ADDR:PORT or [V6]:PORT)",
			listen);
		return;
	}
	snprintf(m->listen, sizeof(m->listen), "%s", listen);
}

static void read_excludes(struct cfg_ctx *ctx, const struct cfg_node *g,
			  struct interfaces_cfg *f)
{
	const struct cfg_node *list;
	const char *s;
	int i, n;

	if (cfg_get_list(ctx, g, "exclude", &list) <= 0)
		return;
	n = cfg_node_count(list);
	if (n > CFG_MAX_IF_EXCLUDE) {
		cfg_node_error(ctx, list,
			       "'exclude' has %d entries, at most %d", n,
			       CFG_MAX_IF_EXCLUDE);
		return;
	}
	for (i = 0; i < n; i++) {
		if (cfg_elem_string(ctx, list, i, &s) < 0)
			continue;
		if (!s[0] || strlen(s) >= CFG_IF_PATTERN_MAX) {
			cfg_node_error(ctx, cfg_node_elem(list, i),
				       "bad interface pattern '%s' (1..%d "
				       "characters)",
				       s, CFG_IF_PATTERN_MAX - 1);
			continue;
		}
		snprintf(f->exclude[f->n_exclude++], CFG_IF_PATTERN_MAX, "%s",
			 s);
	}
}

void cfg_read_interfaces(struct cfg_ctx *ctx, const struct cfg_node *root,
			 struct pl_config *cfg)
{
	static const char *const keys[] = { "loopback", "exclude", NULL };
	struct interfaces_cfg *f = &cfg->interfaces;
	const struct cfg_node *g;

	memset(f, 0, sizeof(*f));
	if (cfg_get_group(ctx, root, "interfaces", &g) <= 0)
		return;
	cfg_check_keys(ctx, g, keys, "'interfaces'");
	cfg_get_bool(ctx, g, "loopback", &f->loopback);
	read_excludes(ctx, g, f);
}
