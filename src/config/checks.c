/*
 * checks.c - one check of a host, and threshold groups.
 *
 * A check inherits interval, timeout, fail_after, recover_after and the
 * thresholds from the 'defaults' and 'thresholds' sections and may
 * override each.  Keys are checked against the check's type so that a key
 * of another type ("port" in a ping check) is named as such, not as a typo.
 * Regular expressions are compiled here (match.h) to report errors at
 * load; the probes compile their own copy with the same call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "match.h"
#include "ping.h"

#define BIT(m) (1u << (m))
#define DURATION_METRICS                                                       \
	(BIT(METRIC_RTT) | BIT(METRIC_JITTER) | BIT(METRIC_RESPONSE_TIME))

/* Metrics each check type measures, so may have thresholds for. */
static const unsigned type_metrics[CHECK_TYPE_COUNT] = {
	[CHECK_PING] = BIT(METRIC_RTT) | BIT(METRIC_LOSS) | BIT(METRIC_JITTER),
	[CHECK_TCP] = BIT(METRIC_RESPONSE_TIME),
	[CHECK_HTTP] = BIT(METRIC_RESPONSE_TIME) | BIT(METRIC_CERT_DAYS),
	[CHECK_DNS] = BIT(METRIC_RESPONSE_TIME),
};

static const char *const common_keys[] = {
	"type",	      "name",	       "interval",  "timeout",
	"fail_after", "recover_after", "rtt",	    "loss",
	"jitter",     "response_time", "cert_days", NULL,
};

#define N_COMMON_KEYS (int)(sizeof(common_keys) / sizeof(common_keys[0]) - 1)

/* Keys that belong to one type only. */
static const struct {
	const char *key;
	enum check_type type;
} type_keys[] = {
	/* clang-format off */
	{ "count", CHECK_PING },
	{ "payload", CHECK_PING },
	{ "spacing", CHECK_PING },
	{ "port", CHECK_TCP },
	{ "send", CHECK_TCP },
	{ "expect", CHECK_TCP },
	{ "expect_regex", CHECK_TCP },
	{ "url", CHECK_HTTP },
	{ "status", CHECK_HTTP },
	{ "body", CHECK_HTTP },
	{ "body_regex", CHECK_HTTP },
	{ "follow_redirects", CHECK_HTTP },
	{ "verify_tls", CHECK_HTTP },
	{ "query", CHECK_DNS },
	{ "qtype", CHECK_DNS },
	{ "server", CHECK_DNS },
	{ "rcode", CHECK_DNS },
	{ "answer", CHECK_DNS },
	{ "command", CHECK_EXEC },
	{ "max_hops", CHECK_TRACE },
	{ "open", CHECK_PORTS },
	{ "closed", CHECK_PORTS },
	/* clang-format on */
};

#define N_TYPE_KEYS (int)(sizeof(type_keys) / sizeof(type_keys[0]))

static const char *const qtypes[] = {
	"A", "AAAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT",
};

static const char *const rcodes[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};

/* ---- thresholds ---------------------------------------------------------- */

static void fmt_threshold(enum metric m, double v, char *buf, size_t len)
{
	if (BIT(m) & DURATION_METRICS)
		cfg_fmt_duration((int64_t)v, buf, len);
	else
		snprintf(buf, len, "%g", v);
}

/* warning and critical of one metric's group g; 0 or -1. */
static int read_levels(struct cfg_ctx *ctx, const struct cfg_node *g,
		       enum metric m, double lv[2])
{
	static const char *const keys[] = { "warning", "critical", NULL };
	char where[48];
	int i, bad = 0;

	snprintf(where, sizeof(where), "'%s'", cfg_metric_names[m]);
	if (cfg_check_keys(ctx, g, keys, where))
		bad = -1;
	for (i = 0; i < 2; i++) {
		int64_t ms;
		int days;

		if (BIT(m) & DURATION_METRICS) {
			if (cfg_get_duration(ctx, g, keys[i], 1, MS_PER_H,
					     false, &ms) < 0)
				bad = -1;
			else if (cfg_node_member(g, keys[i]))
				lv[i] = (double)ms;
		} else if (m == METRIC_LOSS) {
			if (cfg_get_number(ctx, g, keys[i], 0, 100, &lv[i]) < 0)
				bad = -1;
		} else {
			days = (int)lv[i];
			if (cfg_get_int(ctx, g, keys[i], 0, 3650, &days) < 0)
				bad = -1;
			lv[i] = days;
		}
	}
	return bad;
}

static void check_order(struct cfg_ctx *ctx, const struct cfg_node *g,
			enum metric m, const struct threshold *t)
{
	char w[32], c[32];
	bool lower_worse = m == METRIC_CERT_DAYS;

	if (lower_worse ? t->warning > t->critical : t->warning < t->critical)
		return;
	fmt_threshold(m, t->warning, w, sizeof(w));
	fmt_threshold(m, t->critical, c, sizeof(c));
	cfg_node_error(ctx, g, "%s warning (%s) must be %s critical (%s)",
		       cfg_metric_names[m], w, lower_worse ? "above" : "below",
		       c);
}

void cfg_read_thresholds(struct cfg_ctx *ctx, const struct cfg_node *grp,
			 unsigned mask, const char *what,
			 struct threshold thr[METRIC_COUNT])
{
	const struct cfg_node *g;
	int m;

	for (m = 0; m < METRIC_COUNT; m++) {
		const char *key = cfg_metric_names[m];
		double lv[2] = { thr[m].warning, thr[m].critical };

		if (!cfg_node_member(grp, key))
			continue;
		if (!(mask & BIT(m))) {
			cfg_key_error(ctx, grp, key,
				      "threshold '%s' does not apply to %s",
				      key, what);
			continue;
		}
		if (cfg_get_group(ctx, grp, key, &g) < 0 ||
		    read_levels(ctx, g, (enum metric)m, lv) < 0)
			continue;
		thr[m].set = true;
		thr[m].warning = lv[0];
		thr[m].critical = lv[1];
		check_order(ctx, g, (enum metric)m, &thr[m]);
	}
}

/* ---- keys and helpers ------------------------------------------------ */

static void check_keys(struct cfg_ctx *ctx, const struct cfg_node *n,
		       enum check_type type, const char *host)
{
	int i, j, count = cfg_node_count(n);

	for (i = 0; i < count; i++) {
		const struct cfg_node *m = cfg_node_elem(n, i);
		const char *key = cfg_node_key(m);

		if (cfg_lookup(key, common_keys, N_COMMON_KEYS) >= 0)
			continue;
		for (j = 0; j < N_TYPE_KEYS; j++)
			if (strcmp(type_keys[j].key, key) == 0)
				break;
		if (j == N_TYPE_KEYS)
			cfg_node_error(
				ctx, m,
				"unknown key '%s' in a check of host '%s'", key,
				host);
		else if (type_keys[j].type != type)
			cfg_node_error(ctx, m,
				       "key '%s' does not apply to a %s check",
				       key, cfg_check_type_names[type]);
	}
}

static void check_regex(struct cfg_ctx *ctx, const struct cfg_node *n,
			const char *key, const char *pattern,
			enum match_mode mode)
{
	char why[160];
	struct match *m = match_new(pattern, mode, why, sizeof(why));

	if (m) {
		match_free(m);
		return;
	}
	cfg_key_error(ctx, n, key, "bad regex '%s': %s", pattern, why);
}

/* An optional string key, copied; -1 after an error. */
static int dup_string(struct cfg_ctx *ctx, const struct cfg_node *n,
		      const char *key, char **out)
{
	const char *s;
	int r = cfg_get_string(ctx, n, key, &s);

	if (r <= 0)
		return r;
	*out = cfg_strdup(ctx, n, s);
	return *out ? 1 : -1;
}

static void need(struct cfg_ctx *ctx, const struct cfg_node *n,
		 const struct check_cfg *c, const char *host, const char *key)
{
	if (!cfg_node_member(n, key))
		cfg_node_error(ctx, n, "%s check of host '%s' needs a '%s'",
			       cfg_check_type_names[c->type], host, key);
}

/* A list of ports into v[]; returns the count. */
static int read_ports(struct cfg_ctx *ctx, const struct cfg_node *n,
		      const char *key, int v[CFG_MAX_PORTS])
{
	const struct cfg_node *list;
	int i, k = 0, count;

	if (cfg_get_list(ctx, n, key, &list) <= 0)
		return 0;
	count = cfg_node_count(list);
	if (count > CFG_MAX_PORTS) {
		cfg_node_error(ctx, list, "'%s' has %d ports, at most %d", key,
			       count, CFG_MAX_PORTS);
		return 0;
	}
	for (i = 0; i < count; i++)
		if (cfg_elem_int(ctx, list, i, 1, 65535, &v[k]) == 0)
			k++;
	return k;
}

/* ---- per type ------------------------------------------------------------ */

static void read_ping(struct cfg_ctx *ctx, const struct cfg_node *n,
		      struct check_cfg *c)
{
	c->u.ping.count = 5;
	c->u.ping.payload = 56;
	c->u.ping.spacing_ms = PING_SPACING_MS;
	cfg_get_int(ctx, n, "count", 1, 100, &c->u.ping.count);
	cfg_get_int(ctx, n, "payload", 0, 1472, &c->u.ping.payload);
	cfg_get_duration(ctx, n, "spacing", PING_SPACING_MIN_MS,
			 PING_SPACING_MAX_MS, false, &c->u.ping.spacing_ms);
}

/* A burst's last request leaves (count - 1) x spacing after its first
 * and may wait timeout for its answer: all of it must end before the
 * next round is due, or rounds are skipped.  Named on 'spacing' when it
 * is given, else on 'count' or the timing keys that made it too long. */
static void check_burst(struct cfg_ctx *ctx, const struct cfg_node *n,
			const struct check_cfg *c)
{
	int64_t burst_ms =
		(c->u.ping.count - 1) * c->u.ping.spacing_ms + c->timeout_ms;
	static const char *const keys[] = { "spacing", "count", "timeout",
					    "interval" };
	const char *key = "type";
	char sp[32], to[32], bu[32], in[32];

	if (burst_ms < c->interval_ms)
		return;
	for (size_t i = sizeof(keys) / sizeof(keys[0]); i-- > 0;)
		if (cfg_node_member(n, keys[i]))
			key = keys[i];
	cfg_fmt_duration(c->u.ping.spacing_ms, sp, sizeof(sp));
	cfg_fmt_duration(c->timeout_ms, to, sizeof(to));
	cfg_fmt_duration(burst_ms, bu, sizeof(bu));
	cfg_fmt_duration(c->interval_ms, in, sizeof(in));
	cfg_key_error(ctx, n, key,
		      "a burst of %d pings %s apart plus the timeout (%s) "
		      "takes %s, must be below interval (%s)",
		      c->u.ping.count, sp, to, bu, in);
}

static void read_tcp(struct cfg_ctx *ctx, const struct cfg_node *n,
		     struct check_cfg *c, const char *host)
{
	need(ctx, n, c, host, "port");
	cfg_get_int(ctx, n, "port", 1, 65535, &c->u.tcp.port);
	dup_string(ctx, n, "send", &c->u.tcp.send);
	dup_string(ctx, n, "expect", &c->u.tcp.expect);
	cfg_get_bool(ctx, n, "expect_regex", &c->u.tcp.expect_regex);
	if (c->u.tcp.expect_regex && c->u.tcp.expect)
		check_regex(ctx, n, "expect", c->u.tcp.expect, MATCH_BYTES);
}

static void read_status(struct cfg_ctx *ctx, const struct cfg_node *n,
			struct check_cfg *c)
{
	const struct cfg_node *list;
	int i, count;

	if (cfg_get_list(ctx, n, "status", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count > CFG_MAX_STATUS) {
		cfg_node_error(ctx, list, "'status' has %d codes, at most %d",
			       count, CFG_MAX_STATUS);
		return;
	}
	for (i = 0; i < count; i++)
		if (cfg_elem_int(ctx, list, i, 100, 599,
				 &c->u.http.status[c->u.http.n_status]) == 0)
			c->u.http.n_status++;
}

static void read_http(struct cfg_ctx *ctx, const struct cfg_node *n,
		      struct check_cfg *c, const char *host)
{
	const char *url;

	need(ctx, n, c, host, "url");
	cfg_need_lib(ctx, CFG_LIB_CURL, n, "type", "http checks need");
	if (dup_string(ctx, n, "url", &c->u.http.url) > 0) {
		url = c->u.http.url;
		if ((strncmp(url, "http://", 7) || !url[7]) &&
		    (strncmp(url, "https://", 8) || !url[8]))
			cfg_key_error(ctx, n, "url",
				      "'url' '%s' must start with http:// or "
				      "https://",
				      url);
	}
	read_status(ctx, n, c);
	c->u.http.verify_tls = true;
	dup_string(ctx, n, "body", &c->u.http.body);
	cfg_get_bool(ctx, n, "body_regex", &c->u.http.body_regex);
	cfg_get_bool(ctx, n, "follow_redirects", &c->u.http.follow_redirects);
	cfg_get_bool(ctx, n, "verify_tls", &c->u.http.verify_tls);
	if (c->u.http.body_regex && c->u.http.body)
		check_regex(ctx, n, "body", c->u.http.body, MATCH_TEXT);
}

static void read_dns(struct cfg_ctx *ctx, const struct cfg_node *n,
		     struct check_cfg *c, const char *host)
{
	const char *why;
	int qtype = 0, rcode = 0;

	need(ctx, n, c, host, "query");
	if (dup_string(ctx, n, "query", &c->u.dns.query) > 0) {
		why = cfg_check_address(c->u.dns.query, true);
		if (why)
			cfg_key_error(ctx, n, "query", "'query' '%s' %s",
				      c->u.dns.query, why);
	}
	cfg_get_enum(ctx, n, "qtype", qtypes, 9, &qtype);
	cfg_get_enum(ctx, n, "rcode", rcodes, 6, &rcode);
	snprintf(c->u.dns.qtype, sizeof(c->u.dns.qtype), "%s", qtypes[qtype]);
	snprintf(c->u.dns.rcode, sizeof(c->u.dns.rcode), "%s", rcodes[rcode]);
	if (dup_string(ctx, n, "server", &c->u.dns.server) > 0 &&
	    !cfg_is_ip_literal(c->u.dns.server))
		cfg_key_error(ctx, n, "server",
			      "'server' '%s' must be an IPv4 or IPv6 address",
			      c->u.dns.server);
	dup_string(ctx, n, "answer", &c->u.dns.answer);
}

int cfg_read_argv(struct cfg_ctx *ctx, const struct cfg_node *n,
		  const char *key, char **argv, int *argc)
{
	const struct cfg_node *list;
	const char *s;
	int i, count;

	if (cfg_get_list(ctx, n, key, &list) <= 0)
		return -1;
	count = cfg_node_count(list);
	if (count < 1 || count > CFG_MAX_ARGS) {
		cfg_node_error(ctx, list, "'%s' needs 1..%d strings", key,
			       CFG_MAX_ARGS);
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (cfg_elem_string(ctx, list, i, &s) < 0)
			return -1;
		if (i == 0 && s[0] != '/') {
			cfg_node_error(ctx, list,
				       "'%s' must start with an absolute "
				       "path, not '%s'",
				       key, s);
			return -1;
		}
		argv[i] = cfg_strdup(ctx, list, s);
		if (!argv[i])
			return -1;
		*argc = i + 1;
	}
	return 0;
}

static void read_exec(struct cfg_ctx *ctx, const struct cfg_node *n,
		      struct check_cfg *c, const char *host)
{
	need(ctx, n, c, host, "command");
	cfg_read_argv(ctx, n, "command", c->u.exec.argv, &c->u.exec.argc);
}

static void read_port_lists(struct cfg_ctx *ctx, const struct cfg_node *n,
			    struct check_cfg *c, const char *host)
{
	int i, j;

	if (!cfg_node_member(n, "open") && !cfg_node_member(n, "closed")) {
		cfg_node_error(
			ctx, n,
			"ports check of host '%s' needs 'open' or 'closed'",
			host);
		return;
	}
	c->u.ports.n_open = read_ports(ctx, n, "open", c->u.ports.open);
	c->u.ports.n_closed = read_ports(ctx, n, "closed", c->u.ports.closed);
	for (i = 0; i < c->u.ports.n_open; i++)
		for (j = 0; j < c->u.ports.n_closed; j++)
			if (c->u.ports.open[i] == c->u.ports.closed[j])
				cfg_key_error(ctx, n, "closed",
					      "port %d is both open and closed",
					      c->u.ports.open[i]);
}

static void read_type(struct cfg_ctx *ctx, const struct cfg_node *n,
		      struct check_cfg *c, const char *host)
{
	switch (c->type) {
	case CHECK_PING:
		read_ping(ctx, n, c);
		break;
	case CHECK_TCP:
		read_tcp(ctx, n, c, host);
		break;
	case CHECK_HTTP:
		read_http(ctx, n, c, host);
		break;
	case CHECK_DNS:
		read_dns(ctx, n, c, host);
		break;
	case CHECK_EXEC:
		read_exec(ctx, n, c, host);
		break;
	case CHECK_TRACE:
		c->u.trace.max_hops = 16;
		cfg_get_int(ctx, n, "max_hops", 1, 64, &c->u.trace.max_hops);
		break;
	case CHECK_PORTS:
		read_port_lists(ctx, n, c, host);
		break;
	default:
		break;
	}
}

/* ---- the check ------------------------------------------------------------- */

static void read_name(struct cfg_ctx *ctx, const struct cfg_node *n,
		      struct check_cfg *c, const char *host)
{
	const char *name;
	char def[2 * CFG_NAME_MAX + 16];

	if (cfg_get_string(ctx, n, "name", &name) > 0) {
		if (!cfg_valid_name(name, true))
			cfg_key_error(ctx, n, "name",
				      "bad check name '%s' (1..%d of A-Z a-z "
				      "0-9 _ . - / :)",
				      name, CFG_NAME_MAX - 1);
		else
			snprintf(c->name, sizeof(c->name), "%s", name);
		return;
	}
	if (cfg_node_member(n, "name"))
		return;
	if (c->type == CHECK_TCP)
		snprintf(def, sizeof(def), "%s/tcp:%d", host, c->u.tcp.port);
	else
		snprintf(def, sizeof(def), "%s/%s", host,
			 cfg_check_type_names[c->type]);
	if (strlen(def) >= sizeof(c->name))
		cfg_node_error(
			ctx, n,
			"check name '%s' is too long; give the check a 'name'",
			def);
	else
		snprintf(c->name, sizeof(c->name), "%s", def);
}

static void read_timing(struct cfg_ctx *ctx, const struct cfg_node *n,
			const struct cfg_defaults *def, struct check_cfg *c)
{
	int ri, rt;
	char a[32], b[32];

	c->interval_ms = def->interval_ms;
	c->timeout_ms = def->timeout_ms;
	c->fail_after = def->fail_after;
	c->recover_after = def->recover_after;
	ri = cfg_get_duration(ctx, n, "interval", MS_PER_S, MS_PER_DAY, false,
			      &c->interval_ms);
	rt = cfg_get_duration(ctx, n, "timeout", 10, 60 * MS_PER_S, false,
			      &c->timeout_ms);
	cfg_get_int(ctx, n, "fail_after", 1, 100, &c->fail_after);
	cfg_get_int(ctx, n, "recover_after", 1, 100, &c->recover_after);
	/* the defaults' own pair is checked where they are read */
	if (ri < 0 || rt < 0)
		return;
	if (c->timeout_ms < c->interval_ms) {
		if (c->type == CHECK_PING)
			check_burst(ctx, n, c);
		return;
	}
	if (ri == 0 && rt == 0)
		return;
	cfg_fmt_duration(c->timeout_ms, a, sizeof(a));
	cfg_fmt_duration(c->interval_ms, b, sizeof(b));
	cfg_key_error(ctx, n, rt ? "timeout" : "interval",
		      "timeout (%s) must be below interval (%s)", a, b);
}

int cfg_read_check(struct cfg_ctx *ctx, const struct cfg_node *n,
		   const struct host_cfg *host, const struct cfg_defaults *def,
		   struct check_cfg *c)
{
	char what[32];
	int type, m;

	c->line = cfg_node_line(n);
	if (cfg_node_kind(n) != CFG_K_GROUP) {
		cfg_node_error(ctx, n, "a check must be a group { ... }");
		return -1;
	}
	if (!cfg_node_member(n, "type")) {
		cfg_node_error(ctx, n, "check of host '%s' needs a 'type'",
			       host->name);
		return -1;
	}
	/* CHECK_TRAFFIC and later are added by the loader, not written */
	if (cfg_get_enum(ctx, n, "type", cfg_check_type_names, CHECK_TRAFFIC,
			 &type) < 0)
		return -1;
	c->type = (enum check_type)type;
	check_keys(ctx, n, c->type, host->name);
	read_type(ctx, n, c, host->name);
	read_name(ctx, n, c, host->name);
	read_timing(ctx, n, def, c);
	memcpy(c->thr, def->thr, sizeof(c->thr));
	snprintf(what, sizeof(what), "a %s check", cfg_check_type_names[type]);
	cfg_read_thresholds(ctx, n, type_metrics[type], what, c->thr);
	for (m = 0; m < METRIC_COUNT; m++)
		if (!(type_metrics[type] & BIT(m)))
			c->thr[m].set = false;
	return 0;
}

void cfg_check_free(struct check_cfg *c)
{
	int i;

	switch (c->type) {
	case CHECK_SYSTEM:
		free(c->u.system.path);
		break;
	case CHECK_TCP:
		free(c->u.tcp.send);
		free(c->u.tcp.expect);
		break;
	case CHECK_HTTP:
		free(c->u.http.url);
		free(c->u.http.body);
		break;
	case CHECK_DNS:
		free(c->u.dns.server);
		free(c->u.dns.query);
		free(c->u.dns.answer);
		break;
	case CHECK_EXEC:
		for (i = 0; i < c->u.exec.argc; i++)
			free(c->u.exec.argv[i]);
		break;
	default:
		break;
	}
}
