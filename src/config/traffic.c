/*
 * traffic.c - capture.alarms, and the implicit host "capture".
 *
 * Each alarm watches one rate (bps, pps, broadcast_pps, errors, drops,
 * overruns) of the capture or, with 'interface', of one interface's kernel
 * counters in one direction, and is exactly one of: above a limit, below a limit (both as the mean over a
 * window), or more than a count within a time.  When capture interfaces
 * are configured the loader appends a host named "capture" whose checks
 * are "capture/link" and one "capture/NAME" per alarm, all CHECK_TRAFFIC:
 * the policy, LEDs, LCD and exports then treat them like any other check,
 * and the traffic module reports their results once a second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CAPTURE_HOST   "capture"
#define WINDOW_DEFAULT (10 * MS_PER_S)
#define LIMIT_MAX      1e15

static const char *const rate_names[RATE_COUNT] = {
	[RATE_BPS] = "bps",
	[RATE_PPS] = "pps",
	[RATE_BROADCAST_PPS] = "broadcast_pps",
	[RATE_ERRORS] = "errors",
	[RATE_DROPS] = "drops",
	[RATE_OVERRUNS] = "overruns",
};

static const char *const dir_names[] = { "both", "rx", "tx" };

static const char *const cond_keys[] = { "above", "below", "count" };

/* "tcp/443", "udp/53"; -1 when it is neither. */
static int parse_service(const char *s, int *proto, int *port)
{
	char *end;
	long v;

	if (strncmp(s, "tcp/", 4) == 0)
		*proto = IPPROTO_TCP;
	else if (strncmp(s, "udp/", 4) == 0)
		*proto = IPPROTO_UDP;
	else
		return -1;
	errno = 0;
	v = strtol(s + 4, &end, 10);
	if (errno || end == s + 4 || *end || v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

static void read_alarm_name(struct cfg_ctx *ctx, const struct cfg_node *n,
			    struct capture_cfg *cap,
			    struct traffic_alarm_cfg *a)
{
	const char *name;
	int i, r = cfg_get_string(ctx, n, "name", &name);

	if (r == 0)
		cfg_node_error(ctx, n, "alarm needs a 'name'");
	if (r <= 0)
		return;
	if (!cfg_valid_name(name, false) ||
	    strlen(name) + sizeof(CAPTURE_HOST "/") > CFG_NAME_MAX) {
		cfg_key_error(
			ctx, n, "name",
			"bad alarm name '%s' (1..%zu of A-Z a-z 0-9 _ . -)",
			name, CFG_NAME_MAX - sizeof(CAPTURE_HOST "/"));
		return;
	}
	for (i = 0; i < cap->n_alarms; i++) {
		if (strcmp(cap->alarms[i].name, name) == 0) {
			cfg_key_error(ctx, n, "name",
				      "duplicate alarm name '%s' (first at "
				      "line %d)",
				      name, cap->alarms[i].line);
			return;
		}
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
}

/* above, below or count, exactly one; 0 or -1. */
static int read_condition(struct cfg_ctx *ctx, const struct cfg_node *n,
			  struct traffic_alarm_cfg *a)
{
	int i, found = -1;

	for (i = 0; i < 3; i++) {
		if (!cfg_node_member(n, cond_keys[i]))
			continue;
		if (found >= 0) {
			cfg_key_error(ctx, n, cond_keys[i],
				      "alarm '%s' has both '%s' and '%s' (use "
				      "one)",
				      a->name, cond_keys[found], cond_keys[i]);
			return -1;
		}
		found = i;
	}
	if (found < 0) {
		cfg_node_error(ctx, n,
			       "alarm '%s' needs one of 'above', 'below' or "
			       "'count'",
			       a->name);
		return -1;
	}
	a->cond = (enum traffic_cond)found;
	return cfg_get_number(ctx, n, cond_keys[found], found == 2 ? 1 : 0,
			      LIMIT_MAX, &a->limit) < 0
		       ? -1
		       : 0;
}

/* window (above/below, default 10s) or within (count, required). */
static void read_window(struct cfg_ctx *ctx, const struct cfg_node *n,
			struct traffic_alarm_cfg *a)
{
	bool count = a->cond == TRAFFIC_COUNT;
	const char *key = count ? "within" : "window";
	const char *other = count ? "window" : "within";

	if (cfg_node_member(n, other)) {
		cfg_key_error(ctx, n, other, "'%s' goes with %s (use '%s')",
			      other, count ? "'above' or 'below'" : "'count'",
			      key);
		return;
	}
	if (count && !cfg_node_member(n, key)) {
		cfg_node_error(ctx, n, "alarm '%s' needs 'within' for 'count'",
			       a->name);
		return;
	}
	a->window_ms = WINDOW_DEFAULT;
	if (cfg_get_duration(ctx, n, key, MS_PER_S, MS_PER_H, false,
			     &a->window_ms) > 0 &&
	    a->window_ms % MS_PER_S)
		cfg_key_error(ctx, n, key, "'%s' must be whole seconds", key);
}

/* host and service narrow bps/pps/broadcast_pps to some frames. */
static void read_filters(struct cfg_ctx *ctx, const struct cfg_node *n,
			 struct traffic_alarm_cfg *a)
{
	const char *s;
	bool framed = a->rate <= RATE_BROADCAST_PPS;

	if (cfg_get_string(ctx, n, "host", &s) > 0) {
		if (!framed)
			cfg_key_error(ctx, n, "host",
				      "'host' does not apply to '%s'",
				      rate_names[a->rate]);
		else if (inet_pton(AF_INET, s, a->host) == 1)
			a->host_family = AF_INET;
		else if (inet_pton(AF_INET6, s, a->host) == 1)
			a->host_family = AF_INET6;
		else
			cfg_key_error(ctx, n, "host",
				      "'host' '%s' must be an IPv4 or IPv6 "
				      "address",
				      s);
	}
	if (cfg_get_string(ctx, n, "service", &s) > 0) {
		if (!framed)
			cfg_key_error(ctx, n, "service",
				      "'service' does not apply to '%s'",
				      rate_names[a->rate]);
		else if (parse_service(s, &a->service_proto, &a->service_port) <
			 0)
			cfg_key_error(ctx, n, "service",
				      "'service' '%s' must be tcp/PORT or "
				      "udp/PORT",
				      s);
	}
}

/* interface (any name: interfaces come and go) and its direction. */
static void read_interface(struct cfg_ctx *ctx, const struct cfg_node *n,
			   struct traffic_alarm_cfg *a)
{
	const char *s;
	int dir = TRAFFIC_DIR_BOTH;

	if (cfg_get_string(ctx, n, "interface", &s) > 0) {
		if (!cfg_valid_ifname(s))
			cfg_key_error(ctx, n, "interface",
				      "bad interface name '%s'", s);
		else if (a->rate == RATE_BROADCAST_PPS)
			cfg_key_error(ctx, n, "interface",
				      "'interface' does not apply to "
				      "'broadcast_pps' (the kernel does not "
				      "count broadcasts)");
		else if (a->host_family || a->service_proto)
			cfg_key_error(ctx, n, "interface",
				      "'interface' counts all of an "
				      "interface's packets: it does not go "
				      "with 'host' or 'service'");
		else
			snprintf(a->interface, sizeof(a->interface), "%s", s);
	}
	if (cfg_node_member(n, "direction") && !cfg_node_member(n, "interface"))
		cfg_key_error(ctx, n, "direction",
			      "'direction' needs an 'interface'");
	else if (cfg_get_enum(ctx, n, "direction", dir_names, 3, &dir) > 0)
		a->dir = (enum traffic_dir)dir;
	if (a->rate == RATE_OVERRUNS && !cfg_node_member(n, "interface"))
		cfg_node_error(ctx, n,
			       "alarm '%s': 'overruns' needs an 'interface'",
			       a->name);
}

static void read_alarm(struct cfg_ctx *ctx, const struct cfg_node *n,
		       struct capture_cfg *cap, struct traffic_alarm_cfg *a)
{
	static const char *const keys[] = {
		"name",	     "rate",	  "above", "below", "count",
		"within",    "window",	  "level", "host",  "service",
		"interface", "direction", NULL,
	};
	static const char *const levels[] = { "warning", "critical" };
	int rate = 0, level = 1;

	a->line = cfg_node_line(n);
	if (cfg_node_kind(n) != CFG_K_GROUP) {
		cfg_node_error(ctx, n, "an alarm must be a group { ... }");
		return;
	}
	cfg_check_keys(ctx, n, keys, "an alarm");
	read_alarm_name(ctx, n, cap, a);
	if (!cfg_node_member(n, "rate"))
		cfg_node_error(ctx, n, "alarm '%s' needs a 'rate'", a->name);
	cfg_get_enum(ctx, n, "rate", rate_names, RATE_COUNT, &rate);
	a->rate = (enum traffic_rate)rate;
	if (read_condition(ctx, n, a) == 0)
		read_window(ctx, n, a);
	cfg_get_enum(ctx, n, "level", levels, 2, &level);
	a->level = level ? STATE_CRITICAL : STATE_WARNING;
	read_filters(ctx, n, a);
	read_interface(ctx, n, a);
}

static void read_alarms(struct cfg_ctx *ctx, const struct cfg_node *g,
			struct capture_cfg *cap)
{
	const struct cfg_node *list;
	int i, count;

	if (cfg_get_list(ctx, g, "alarms", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count > CFG_MAX_TRAFFIC_ALARMS) {
		cfg_node_error(ctx, list, "'alarms' has %d entries, at most %d",
			       count, CFG_MAX_TRAFFIC_ALARMS);
		return;
	}
	/* n_alarms grows as each is read: name lookups see earlier ones */
	for (i = 0; i < count; i++, cap->n_alarms++)
		read_alarm(ctx, cfg_node_elem(list, i), cap, &cap->alarms[i]);
	if (cap->n_interfaces == 0 && count > 0)
		cfg_node_error(ctx, list,
			       "'alarms' need capture 'interfaces' to watch");
}

/* name must not clash with a configured check; 0 or -1. */
static int check_name_free(struct cfg_ctx *ctx, const struct cfg_node *n,
			   const struct pl_config *cfg, const char *name)
{
	int h, c;

	for (h = 0; h < cfg->n_hosts; h++) {
		for (c = 0; c < cfg->hosts[h].n_checks; c++) {
			const struct check_cfg *k = &cfg->hosts[h].checks[c];

			if (strcmp(k->name, name) != 0)
				continue;
			cfg_node_error(ctx, n,
				       "check name '%s' is taken by the "
				       "capture checks (check at line %d)",
				       name, k->line);
			return -1;
		}
	}
	return 0;
}

static void fill_check(struct check_cfg *c, const char *name, int line,
		       int alarm)
{
	snprintf(c->name, sizeof(c->name), "%s/%s", CAPTURE_HOST, name);
	c->type = CHECK_TRAFFIC;
	c->line = line;
	c->interval_ms = MS_PER_S;
	c->timeout_ms = MS_PER_S / 2;
	/* the alarm's window does the smoothing */
	c->fail_after = 1;
	c->recover_after = 1;
	c->u.traffic.alarm = alarm;
}

/* Checks of the host "capture", or -1 after recording why not. */
static int capture_checks(struct cfg_ctx *ctx, const struct cfg_node *g,
			  const struct pl_config *cfg, struct host_cfg *host)
{
	const struct cfg_node *list = cfg_node_member(g, "alarms");
	const struct capture_cfg *cap = &cfg->capture;
	char name[CFG_NAME_MAX];
	int i, bad = 0;

	snprintf(name, sizeof(name), "%s/link", CAPTURE_HOST);
	bad |= check_name_free(ctx, g, cfg, name);
	fill_check(&host->checks[host->n_checks++], "link", cfg_node_line(g),
		   -1);
	for (i = 0; i < cap->n_alarms; i++) {
		const struct traffic_alarm_cfg *a = &cap->alarms[i];

		if (!a->name[0])
			continue; /* its name was bad (reported) */
		snprintf(name, sizeof(name), "%s/%s", CAPTURE_HOST, a->name);
		bad |= check_name_free(ctx, cfg_node_elem(list, i), cfg, name);
		fill_check(&host->checks[host->n_checks++], a->name, a->line,
			   i);
	}
	return bad;
}

static void add_capture_host(struct cfg_ctx *ctx, const struct cfg_node *g,
			     struct pl_config *cfg)
{
	struct host_cfg *hosts, host = { .parent = -1, .implicit = true };
	int h = cfg_find_host(cfg, CAPTURE_HOST);

	if (h >= 0) {
		cfg_node_error(ctx, g,
			       "the host named '%s' (line %d) clashes with "
			       "the capture checks; rename it",
			       CAPTURE_HOST, cfg->hosts[h].line);
		return;
	}
	if (!cfg->hosts || cfg->n_hosts >= CFG_MAX_HOSTS)
		return; /* no hosts list (reported) or already full */
	snprintf(host.name, sizeof(host.name), "%s", CAPTURE_HOST);
	host.line = cfg_node_line(g);
	if (capture_checks(ctx, g, cfg, &host) < 0)
		return;
	host.address = cfg_strdup(ctx, g, cfg->capture.interfaces[0]);
	if (!host.address)
		return;
	hosts = realloc(cfg->hosts, (size_t)(cfg->n_hosts + 1) * sizeof(host));
	if (!hosts) {
		cfg_node_error(ctx, g, "out of memory");
		free(host.address);
		return;
	}
	cfg->hosts = hosts;
	cfg->hosts[cfg->n_hosts++] = host;
}

void cfg_read_traffic(struct cfg_ctx *ctx, const struct cfg_node *g,
		      struct pl_config *cfg)
{
	read_alarms(ctx, g, &cfg->capture);
	/* added even after alarm errors, so LEDs naming its checks do not
	 * add "unknown check" to the list */
	if (cfg->capture.n_interfaces > 0)
		add_capture_host(ctx, g, cfg);
}
