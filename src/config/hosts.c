/*
 * hosts.c - defaults, global thresholds, hosts and groups, and the
 * start-up grace that follows from the defaults and the checks.
 *
 * Hosts are read in two passes: first each host with its checks, then the
 * cross references: parent names become indices (and parent loops are
 * refused, so walking up from any host ends), and check names are made
 * sure to be unique over the whole config, since LEDs, logs and metrics
 * name checks without their host.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* What the user wrote as a host's parent, until it is resolved. */
struct parent_ref {
	const char *name; /* NULL: none */
	const struct cfg_node *grp;
};

void cfg_read_defaults(struct cfg_ctx *ctx, const struct cfg_node *root,
		       struct cfg_defaults *def)
{
	static const char *const keys[] = {
		"interval",	 "timeout", "fail_after",
		"recover_after", "grace",   NULL,
	};
	/* cfg_metric_names, NULL-terminated for cfg_check_keys() */
	static const char *const metric_keys[METRIC_COUNT + 1] = {
		"rtt", "loss", "jitter", "response_time", "cert_days", NULL,
	};
	static const struct threshold thr[METRIC_COUNT] = {
		[METRIC_RTT] = { true, 100, 500 },
		[METRIC_LOSS] = { true, 20, 60 },
		[METRIC_JITTER] = { true, 30, 100 },
		[METRIC_RESPONSE_TIME] = { true, 1000, 5000 },
		[METRIC_CERT_DAYS] = { true, 21, 7 },
	};
	const struct cfg_node *g;
	char a[32], b[32];

	def->interval_ms = 10 * MS_PER_S;
	def->timeout_ms = MS_PER_S;
	def->fail_after = 3;
	def->recover_after = 2;
	def->grace_ms = 0;
	memcpy(def->thr, thr, sizeof(thr));
	if (cfg_get_group(ctx, root, "defaults", &g) > 0) {
		cfg_check_keys(ctx, g, keys, "'defaults'");
		cfg_get_duration(ctx, g, "interval", MS_PER_S, MS_PER_DAY,
				 false, &def->interval_ms);
		cfg_get_duration(ctx, g, "timeout", 10, 60 * MS_PER_S, false,
				 &def->timeout_ms);
		cfg_get_int(ctx, g, "fail_after", 1, 100, &def->fail_after);
		cfg_get_int(ctx, g, "recover_after", 1, 100,
			    &def->recover_after);
		cfg_get_duration(ctx, g, "grace", CFG_GRACE_MIN_MS,
				 CFG_GRACE_MAX_MS, false, &def->grace_ms);
		if (def->timeout_ms >= def->interval_ms) {
			cfg_fmt_duration(def->timeout_ms, a, sizeof(a));
			cfg_fmt_duration(def->interval_ms, b, sizeof(b));
			cfg_key_error(
				ctx, g, "timeout",
				"timeout (%s) must be below interval (%s)", a,
				b);
		}
	}
	if (cfg_get_group(ctx, root, "thresholds", &g) > 0) {
		cfg_check_keys(ctx, g, metric_keys, "'thresholds'");
		cfg_read_thresholds(ctx, g, (1u << METRIC_COUNT) - 1,
				    "'thresholds'", def->thr);
	}
}

/* Twice the time the fastest check needs to decide a problem, within
 * CFG_GRACE_DEFAULT_MIN_MS..CFG_GRACE_DEFAULT_MAX_MS: long enough for
 * the fast checks to agree, never a long silence for a slow one. */
void cfg_set_grace(const struct cfg_defaults *def, struct pl_config *cfg)
{
	int64_t fastest = INT64_MAX, g;

	if (def->grace_ms) {
		cfg->grace_ms = def->grace_ms;
		return;
	}
	for (int h = 0; h < cfg->n_hosts; h++) {
		for (int i = 0; i < cfg->hosts[h].n_checks; i++) {
			const struct check_cfg *c = &cfg->hosts[h].checks[i];
			int64_t t =
				c->interval_ms * c->fail_after + c->timeout_ms;

			if (t < fastest)
				fastest = t;
		}
	}
	/* interval <= 1d and fail_after <= 100: no overflow; no checks: 0 */
	g = fastest == INT64_MAX ? 0 : 2 * fastest;
	if (g < CFG_GRACE_DEFAULT_MIN_MS)
		g = CFG_GRACE_DEFAULT_MIN_MS;
	if (g > CFG_GRACE_DEFAULT_MAX_MS)
		g = CFG_GRACE_DEFAULT_MAX_MS;
	cfg->grace_ms = g;
}

int cfg_find_host(const struct pl_config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->n_hosts; i++)
		if (cfg->hosts[i].name[0] &&
		    strcmp(cfg->hosts[i].name, name) == 0)
			return i;
	return -1;
}

int cfg_find_group(const struct pl_config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->n_groups; i++)
		if (cfg->groups[i].name[0] &&
		    strcmp(cfg->groups[i].name, name) == 0)
			return i;
	return -1;
}

int cfg_find_check(const struct pl_config *cfg, const char *name, int *host)
{
	int i, j, flat = 0;

	for (i = 0; i < cfg->n_hosts; i++) {
		for (j = 0; j < cfg->hosts[i].n_checks; j++, flat++) {
			const char *c = cfg->hosts[i].checks[j].name;

			if (c[0] && strcmp(c, name) == 0) {
				*host = i;
				return flat;
			}
		}
	}
	return -1;
}

/* name, unique among hosts[0..h) */
static void read_host_name(struct cfg_ctx *ctx, const struct cfg_node *n,
			   struct pl_config *cfg, int h)
{
	const char *name;
	int r = cfg_get_string(ctx, n, "name", &name), first;

	if (r == 0)
		cfg_node_error(ctx, n, "host needs a 'name'");
	if (r <= 0)
		return;
	if (!cfg_valid_name(name, false)) {
		cfg_key_error(ctx, n, "name",
			      "bad host name '%s' (1..%d of A-Z a-z 0-9 _ . -)",
			      name, CFG_NAME_MAX - 1);
		/* kept if it fits, so references to it raise no more errors */
		if (strlen(name) >= CFG_NAME_MAX)
			return;
	}
	first = cfg_find_host(cfg, name);
	if (first >= 0 && first < h) {
		cfg_node_error(ctx, n,
			       "duplicate host name '%s' (first at line %d)",
			       name, cfg->hosts[first].line);
		return;
	}
	snprintf(cfg->hosts[h].name, CFG_NAME_MAX, "%s", name);
}

static void read_host_checks(struct cfg_ctx *ctx, const struct cfg_node *n,
			     const struct cfg_defaults *def,
			     struct host_cfg *host)
{
	const struct cfg_node *list;
	int i, count;

	if (cfg_get_list(ctx, n, "checks", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count > CFG_MAX_CHECKS) {
		cfg_node_error(ctx, list, "host '%s' has %d checks, at most %d",
			       host->name, count, CFG_MAX_CHECKS);
		count = CFG_MAX_CHECKS;
	}
	/* counted even when broken: config_free() frees by n_checks */
	for (i = 0; i < count; i++, host->n_checks++)
		cfg_read_check(ctx, cfg_node_elem(list, i), host, def,
			       &host->checks[i]);
}

static void read_host(struct cfg_ctx *ctx, const struct cfg_node *n,
		      const struct cfg_defaults *def, struct pl_config *cfg,
		      int h, struct parent_ref *parent)
{
	static const char *const keys[] = {
		"name", "address", "parent", "checks", NULL,
	};
	struct host_cfg *host = &cfg->hosts[h];
	const char *addr, *why;
	int r;

	host->line = cfg_node_line(n);
	host->parent = -1;
	if (cfg_node_kind(n) != CFG_K_GROUP) {
		cfg_node_error(ctx, n, "a host must be a group { ... }");
		return;
	}
	read_host_name(ctx, n, cfg, h);
	cfg_check_keys(ctx, n, keys, "a host");
	r = cfg_get_string(ctx, n, "address", &addr);
	if (r == 0)
		cfg_node_error(ctx, n, "host '%s' needs an 'address'",
			       host->name);
	if (r > 0) {
		why = cfg_check_address(addr, false);
		if (why)
			cfg_key_error(ctx, n, "address", "'address' '%s' %s",
				      addr, why);
		else
			host->address = cfg_strdup(ctx, n, addr);
	}
	if (cfg_get_string(ctx, n, "parent", &parent->name) > 0)
		parent->grp = n;
	read_host_checks(ctx, n, def, host);
}

static void resolve_parents(struct cfg_ctx *ctx, struct pl_config *cfg,
			    const struct parent_ref *ref)
{
	int i, p;

	for (i = 0; i < cfg->n_hosts; i++) {
		if (!ref[i].name)
			continue;
		p = cfg_find_host(cfg, ref[i].name);
		if (p < 0)
			cfg_key_error(ctx, ref[i].grp, "parent",
				      "unknown parent '%s'", ref[i].name);
		else if (p == i)
			cfg_key_error(ctx, ref[i].grp, "parent",
				      "host '%s' is its own parent",
				      ref[i].name);
		else
			cfg->hosts[i].parent = p;
	}
}

/* Reports each loop once, at the host of the loop that comes first. */
static void find_cycles(struct cfg_ctx *ctx, struct pl_config *cfg,
			const struct parent_ref *ref)
{
	char chain[sizeof(((struct config_error *)0)->msg) - 16];
	int i, p, steps;
	size_t used;

	for (i = 0; i < cfg->n_hosts; i++) {
		p = cfg->hosts[i].parent;
		for (steps = 0; p >= 0 && p != i && steps < cfg->n_hosts;
		     steps++)
			p = cfg->hosts[p].parent;
		if (p != i)
			continue;
		for (p = cfg->hosts[i].parent; p != i; p = cfg->hosts[p].parent)
			if (p < i)
				break;
		if (p != i)
			continue; /* reported from host p */
		used = (size_t)snprintf(chain, sizeof(chain), "%s",
					cfg->hosts[i].name);
		p = i;
		do {
			p = cfg->hosts[p].parent;
			if (used < sizeof(chain))
				used += (size_t)snprintf(
					chain + used, sizeof(chain) - used,
					" -> %s", cfg->hosts[p].name);
		} while (p != i);
		cfg_key_error(ctx, ref[i].grp, "parent", "parent cycle: %s",
			      chain);
	}
}

struct check_ref {
	const char *name;
	const struct cfg_node *node;
	int order;
};

static int check_ref_cmp(const void *a, const void *b)
{
	const struct check_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->order - y->order;
}

/* Check names are unique over all hosts; sorting keeps this cheap for a
 * thousand hosts of sixteen checks. */
static void unique_checks(struct cfg_ctx *ctx, const struct pl_config *cfg,
			  const struct cfg_node *hosts)
{
	struct check_ref *v;
	int i, j, n = 0, total = 0, first = 0;

	for (i = 0; i < cfg->n_hosts; i++)
		total += cfg->hosts[i].n_checks;
	v = calloc((size_t)total + 1, sizeof(*v));
	if (!v) {
		cfg_node_error(ctx, hosts, "out of memory");
		return;
	}
	for (i = 0; i < cfg->n_hosts; i++) {
		const struct cfg_node *list =
			cfg_node_member(cfg_node_elem(hosts, i), "checks");

		for (j = 0; j < cfg->hosts[i].n_checks; j++) {
			const char *name = cfg->hosts[i].checks[j].name;

			if (!name[0])
				continue;
			v[n] = (struct check_ref){ name, cfg_node_elem(list, j),
						   n };
			n++;
		}
	}
	qsort(v, (size_t)n, sizeof(*v), check_ref_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i].name, v[first].name) != 0) {
			first = i;
			continue;
		}
		cfg_node_error(ctx, v[i].node,
			       "duplicate check name '%s' (first at line %d)",
			       v[i].name, cfg_node_line(v[first].node));
	}
	free(v);
}

void cfg_read_hosts(struct cfg_ctx *ctx, const struct cfg_node *root,
		    const struct cfg_defaults *def, struct pl_config *cfg)
{
	const struct cfg_node *list;
	struct parent_ref *ref;
	int i, count;

	if (!cfg_node_member(root, "hosts")) {
		cfg_error(ctx, NULL, 0,
			  "no 'hosts' list (write hosts = (); for none)");
		return;
	}
	if (cfg_get_list(ctx, root, "hosts", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count > CFG_MAX_HOSTS) {
		cfg_node_error(ctx, list, "%d hosts, at most %d", count,
			       CFG_MAX_HOSTS);
		return;
	}
	cfg->hosts = calloc((size_t)count + 1, sizeof(*cfg->hosts));
	ref = calloc((size_t)count + 1, sizeof(*ref));
	if (!cfg->hosts || !ref) {
		cfg_node_error(ctx, list, "out of memory");
		free(ref);
		return;
	}
	cfg->n_hosts = count;
	for (i = 0; i < count; i++)
		read_host(ctx, cfg_node_elem(list, i), def, cfg, i, &ref[i]);
	resolve_parents(ctx, cfg, ref);
	find_cycles(ctx, cfg, ref);
	unique_checks(ctx, cfg, list);
	free(ref);
}

static void read_group_hosts(struct cfg_ctx *ctx, const struct cfg_node *n,
			     const struct pl_config *cfg, struct group_cfg *g)
{
	const struct cfg_node *list;
	const char *name;
	int i, k, h, count, r = cfg_get_list(ctx, n, "hosts", &list);

	if (r == 0)
		cfg_node_error(ctx, n, "group '%s' needs a 'hosts' list",
			       g->name);
	if (r <= 0)
		return;
	count = cfg_node_count(list);
	if (count < 1 || count > CFG_MAX_HOSTS / 8) {
		cfg_node_error(ctx, list, "'hosts' needs 1..%d host names",
			       CFG_MAX_HOSTS / 8);
		return;
	}
	for (i = 0; i < count; i++) {
		if (cfg_elem_string(ctx, list, i, &name) < 0)
			continue;
		h = cfg_find_host(cfg, name);
		if (h < 0) {
			cfg_node_error(ctx, cfg_node_elem(list, i),
				       "group '%s': unknown host '%s'", g->name,
				       name);
			continue;
		}
		for (k = 0; k < g->n_hosts && g->hosts[k] != h; k++)
			;
		if (k < g->n_hosts)
			cfg_node_error(ctx, cfg_node_elem(list, i),
				       "group '%s': host '%s' listed twice",
				       g->name, name);
		else
			g->hosts[g->n_hosts++] = h;
	}
}

static void read_group(struct cfg_ctx *ctx, const struct cfg_node *n,
		       struct pl_config *cfg, struct group_cfg *g)
{
	static const char *const keys[] = {
		"name",
		"hosts",
		"min_failed",
		NULL,
	};
	const char *name;
	int r, first;

	g->line = cfg_node_line(n);
	if (cfg_node_kind(n) != CFG_K_GROUP) {
		cfg_node_error(ctx, n, "a group must be a group { ... }");
		return;
	}
	cfg_check_keys(ctx, n, keys, "a group");
	r = cfg_get_string(ctx, n, "name", &name);
	if (r == 0)
		cfg_node_error(ctx, n, "group needs a 'name'");
	if (r > 0 && !cfg_valid_name(name, false)) {
		cfg_key_error(
			ctx, n, "name",
			"bad group name '%s' (1..%d of A-Z a-z 0-9 _ . -)",
			name, CFG_NAME_MAX - 1);
	} else if (r > 0 && (first = cfg_find_group(cfg, name)) >= 0) {
		cfg_node_error(ctx, n,
			       "duplicate group name '%s' (first at line %d)",
			       name, cfg->groups[first].line);
	} else if (r > 0) {
		snprintf(g->name, sizeof(g->name), "%s", name);
	}
	read_group_hosts(ctx, n, cfg, g);
	if (g->n_hosts > 0)
		cfg_get_int(ctx, n, "min_failed", 0, g->n_hosts,
			    &g->min_failed);
}

void cfg_read_groups(struct cfg_ctx *ctx, const struct cfg_node *root,
		     struct pl_config *cfg)
{
	const struct cfg_node *list;
	int i, count;

	if (cfg_get_list(ctx, root, "groups", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count > CFG_MAX_GROUPS) {
		cfg_node_error(ctx, list, "%d groups, at most %d", count,
			       CFG_MAX_GROUPS);
		return;
	}
	/* n_groups grows as each is read: lookups see only earlier ones */
	for (i = 0; i < count; i++, cfg->n_groups++)
		read_group(ctx, cfg_node_elem(list, i), cfg, &cfg->groups[i]);
}
