/*
 * pi.c - the 'pi' section and the implicit host "pi": the board the daemon
 * runs on, watched like any other host (README "The Pi itself").
 *
 * The loader appends a host "pi" whose CHECK_SYSTEM checks are
 * pi/throttled and pi/temperature (only where the board has the file: a
 * PC or a board without the firmware driver stays silent rather than
 * UNKNOWN), pi/disk_root, pi/disk_state (state_dir), pi/memory and
 * pi/storage_errors.  File names are prefixed with the environment
 * variable PILOTLIGHT_SYSROOT when it is set: it exists for the tests,
 * which feed a fake /sys and /proc.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PI_HOST		  "pi"
#define PI_SYSROOT_ENV	  "PILOTLIGHT_SYSROOT"
#define PI_THROTTLED_FILE "/sys/devices/platform/soc/soc:firmware/get_throttled"
#define PI_THERMAL_FILE	  "/sys/class/thermal/thermal_zone0/temp"
#define PI_MEMINFO_FILE	  "/proc/meminfo"

struct pi_limits {
	int64_t interval_ms;
	double limit[PI_READING_COUNT][2]; /* warning, critical */
};

/* name: NULL-terminated keys; lower_worse: warning must be above. */
static void read_limits(struct cfg_ctx *ctx, const struct cfg_node *g,
			const char *key, double max, bool lower_worse,
			double lv[2])
{
	static const char *const keys[] = { "warning", "critical", NULL };
	const struct cfg_node *t;

	if (cfg_get_group(ctx, g, key, &t) <= 0)
		return;
	cfg_check_keys(ctx, t, keys, key);
	cfg_get_number(ctx, t, "warning", 0, max, &lv[0]);
	cfg_get_number(ctx, t, "critical", 0, max, &lv[1]);
	if (lower_worse ? lv[0] <= lv[1] : lv[0] >= lv[1])
		cfg_node_error(ctx, t,
			       "%s warning (%g) must be %s critical (%g)", key,
			       lv[0], lower_worse ? "above" : "below", lv[1]);
}

/* false: pi.enabled = false. */
static bool read_section(struct cfg_ctx *ctx, const struct cfg_node *root,
			 struct pi_limits *lim)
{
	static const char *const keys[] = {
		"enabled",   "interval",	 "temperature",
		"disk_free", "memory_available", NULL,
	};
	const struct cfg_node *g;
	bool enabled = true;

	*lim = (struct pi_limits){
		.interval_ms = 30 * MS_PER_S,
		.limit = {
			[PI_TEMPERATURE] = { 70, 80 },
			[PI_DISK] = { 10, 5 },
			[PI_MEMORY] = { 10, 5 },
		},
	};
	if (cfg_get_group(ctx, root, "pi", &g) <= 0)
		return true;
	cfg_check_keys(ctx, g, keys, "'pi'");
	cfg_get_bool(ctx, g, "enabled", &enabled);
	cfg_get_duration(ctx, g, "interval", MS_PER_S, MS_PER_H, false,
			 &lim->interval_ms);
	read_limits(ctx, g, "temperature", 200, false,
		    lim->limit[PI_TEMPERATURE]);
	read_limits(ctx, g, "disk_free", 100, true, lim->limit[PI_DISK]);
	read_limits(ctx, g, "memory_available", 100, true,
		    lim->limit[PI_MEMORY]);
	return enabled;
}

/* One check; path is prefixed with the sysroot unless absolute_dir. */
static int add_check(struct cfg_ctx *ctx, const struct cfg_node *n,
		     struct host_cfg *host, const struct pi_limits *lim,
		     const char *name, enum pi_reading what, const char *path)
{
	struct check_cfg *c = &host->checks[host->n_checks];

	*c = (struct check_cfg){ .type = CHECK_SYSTEM, .line = host->line };
	snprintf(c->name, sizeof(c->name), "%s/%s", PI_HOST, name);
	c->interval_ms = lim->interval_ms;
	c->timeout_ms = lim->interval_ms / 2;
	/* flags and counters mean what they say; a level that hovers at a
	 * limit needs two readings to change the state */
	c->fail_after = c->recover_after =
		what == PI_THROTTLED || what == PI_STORAGE_ERRORS ? 1 : 2;
	c->u.system.what = what;
	c->u.system.warning = lim->limit[what][0];
	c->u.system.critical = lim->limit[what][1];
	c->u.system.path = cfg_strdup(ctx, n, path);
	if (!c->u.system.path)
		return -1;
	host->n_checks++;
	return 0;
}

static int add_checks(struct cfg_ctx *ctx, const struct cfg_node *n,
		      const struct pl_config *cfg, struct host_cfg *host,
		      const struct pi_limits *lim)
{
	const char *env = getenv(PI_SYSROOT_ENV);
	const char *root = env ? env : "";
	char p[PATH_MAX];
	int bad = 0;

	snprintf(p, sizeof(p), "%s%s", root, PI_THROTTLED_FILE);
	if (access(p, F_OK) == 0)
		bad |= add_check(ctx, n, host, lim, "throttled", PI_THROTTLED,
				 p);
	snprintf(p, sizeof(p), "%s%s", root, PI_THERMAL_FILE);
	if (access(p, F_OK) == 0)
		bad |= add_check(ctx, n, host, lim, "temperature",
				 PI_TEMPERATURE, p);
	snprintf(p, sizeof(p), "%s/", root);
	bad |= add_check(ctx, n, host, lim, "disk_root", PI_DISK, p);
	if (cfg->daemon.state_dir)
		bad |= add_check(ctx, n, host, lim, "disk_state", PI_DISK,
				 cfg->daemon.state_dir);
	snprintf(p, sizeof(p), "%s%s", root, PI_MEMINFO_FILE);
	bad |= add_check(ctx, n, host, lim, "memory", PI_MEMORY, p);
	bad |= add_check(ctx, n, host, lim, "storage_errors", PI_STORAGE_ERRORS,
			 root);
	return bad;
}

/* A configured check named "pi/..." would clash; 0 or -1. */
static int names_taken(struct cfg_ctx *ctx, const struct cfg_node *n,
		       const struct pl_config *cfg)
{
	static const char prefix[] = PI_HOST "/";

	for (int h = 0; h < cfg->n_hosts; h++) {
		for (int c = 0; c < cfg->hosts[h].n_checks; c++) {
			const struct check_cfg *k = &cfg->hosts[h].checks[c];

			if (strncmp(k->name, prefix, sizeof(prefix) - 1) != 0)
				continue;
			cfg_node_error(ctx, n,
				       "check name '%s' (line %d) is kept for "
				       "the Pi's own checks; rename it",
				       k->name, k->line);
			return -1;
		}
	}
	return 0;
}

static void free_checks(struct host_cfg *host)
{
	for (int c = 0; c < host->n_checks; c++)
		cfg_check_free(&host->checks[c]);
}

void cfg_read_pi(struct cfg_ctx *ctx, const struct cfg_node *root,
		 struct pl_config *cfg)
{
	struct host_cfg *hosts, host = { .parent = -1, .implicit = true };
	const struct cfg_node *n = cfg_node_member(root, "pi");
	struct pi_limits lim;
	int h;

	if (!read_section(ctx, root, &lim))
		return;
	n = n ? n : root;
	h = cfg_find_host(cfg, PI_HOST);
	if (h >= 0) {
		const struct cfg_node *list = cfg_node_member(root, "hosts");
		const struct cfg_node *at =
			list ? cfg_node_elem(list, h) : NULL;

		cfg_node_error(ctx, at ? at : n,
			       "the host named '%s' clashes with the Pi's own "
			       "checks; rename it or set pi.enabled = false",
			       PI_HOST);
		return;
	}
	if (names_taken(ctx, n, cfg) < 0)
		return;
	if (!cfg->hosts || cfg->n_hosts >= CFG_MAX_HOSTS)
		return; /* no hosts list (reported) or already full */
	snprintf(host.name, sizeof(host.name), "%s", PI_HOST);
	host.line = cfg_node_line(n);
	host.address = cfg_strdup(ctx, n, "localhost");
	if (!host.address || add_checks(ctx, n, cfg, &host, &lim) < 0)
		goto fail;
	hosts = realloc(cfg->hosts, (size_t)(cfg->n_hosts + 1) * sizeof(host));
	if (!hosts) {
		cfg_node_error(ctx, n, "out of memory");
		goto fail;
	}
	cfg->hosts = hosts;
	cfg->hosts[cfg->n_hosts++] = host;
	return;
fail:
	free_checks(&host);
	free(host.address);
}
