/*
 * windows.c - the 'maintenance' list: scheduled maintenance windows.
 *
 *	maintenance = ( { name = "backup"; days = [ "sat", "sun" ];
 *			  from = "02:00"; to = "04:30"; hosts = [ "nas" ]; } );
 *
 * Days are "mon".."sun" or a range "mon-fri" (which may wrap: "fri-mon");
 * from is 00:00..23:59, to 00:00..24:00 and not equal to from; a 'to'
 * before 'from' runs past midnight ("00:00" to "24:00" is the whole
 * day).  hosts and groups name what the window silences (groups are
 * resolved to their hosts here); neither means the whole site.  Read
 * after hosts and groups.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const day_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat",
};

/* "mon" or "mon-fri" → a mask of tm_wday bits, 0 when not a day. */
static unsigned parse_days(const char *s)
{
	char a[4], b[4];
	int from, to;
	unsigned mask = 0;

	if (strlen(s) == 3) {
		from = cfg_lookup(s, day_names, 7);
		return from < 0 ? 0 : 1u << from;
	}
	if (strlen(s) != 7 || s[3] != '-')
		return 0;
	memcpy(a, s, 3);
	memcpy(b, s + 4, 3);
	a[3] = b[3] = '\0';
	from = cfg_lookup(a, day_names, 7);
	to = cfg_lookup(b, day_names, 7);
	if (from < 0 || to < 0)
		return 0;
	for (int d = from;; d = (d + 1) % 7) {
		mask |= 1u << d;
		if (d == to)
			break;
	}
	return mask;
}

static void read_days(struct cfg_ctx *ctx, const struct cfg_node *n,
		      struct window_cfg *w)
{
	const struct cfg_node *list;
	const char *s;
	int r = cfg_get_list(ctx, n, "days", &list);

	if (r == 0)
		cfg_node_error(ctx, n, "maintenance window '%s' needs 'days'",
			       w->name);
	if (r <= 0)
		return;
	if (cfg_node_count(list) == 0)
		cfg_node_error(ctx, list, "'days' is empty");
	for (int i = 0; i < cfg_node_count(list); i++) {
		unsigned d;

		if (cfg_elem_string(ctx, list, i, &s) < 0)
			continue;
		d = parse_days(s);
		if (!d)
			cfg_node_error(ctx, cfg_node_elem(list, i),
				       "'%s' is not a day (mon, tue, wed, thu, "
				       "fri, sat, sun) or a range like "
				       "mon-fri",
				       s);
		w->days |= d;
	}
}

/* "HH:MM" into *min; with end, "24:00" is 1440.  0 read, -1 error. */
static int read_clock(struct cfg_ctx *ctx, const struct cfg_node *n,
		      const char *key, bool end, int *min)
{
	const char *s;
	int r = cfg_get_string(ctx, n, key, &s);

	if (r == 0)
		cfg_node_error(ctx, n, "maintenance window needs '%s'", key);
	if (r <= 0)
		return -1;
	if (end && strcmp(s, "24:00") == 0)
		*min = 24 * 60;
	else if (strlen(s) == 5)
		*min = cfg_parse_clock(s);
	else
		*min = -1;
	if (*min >= 0)
		return 0;
	cfg_key_error(ctx, n, key, "'%s' '%s' is not a time HH:MM (00:00..%s)",
		      key, s, end ? "24:00" : "23:59");
	return -1;
}

static void add_host(struct cfg_ctx *ctx, const struct cfg_node *at,
		     struct window_cfg *w, int h)
{
	for (int k = 0; k < w->n_hosts; k++)
		if (w->hosts[k] == h)
			return;
	if (w->n_hosts == CFG_MAX_HOSTS / 8) {
		cfg_node_error(ctx, at,
			       "maintenance window '%s': more than "
			       "%d hosts",
			       w->name, CFG_MAX_HOSTS / 8);
		return;
	}
	w->hosts[w->n_hosts++] = h;
}

/* The 'hosts' or (groups) 'groups' list into w->hosts. */
static void read_scope(struct cfg_ctx *ctx, const struct cfg_node *n,
		       const struct pl_config *cfg, struct window_cfg *w,
		       bool groups)
{
	const char *key = groups ? "groups" : "hosts", *s;
	const struct cfg_node *list, *e;
	int i, x;

	if (cfg_get_list(ctx, n, key, &list) <= 0)
		return;
	if (cfg_node_count(list) == 0)
		cfg_node_error(ctx, list,
			       "'%s' is empty (leave it out for the "
			       "whole site)",
			       key);
	for (i = 0; i < cfg_node_count(list); i++) {
		if (cfg_elem_string(ctx, list, i, &s) < 0)
			continue;
		e = cfg_node_elem(list, i);
		x = groups ? cfg_find_group(cfg, s) : cfg_find_host(cfg, s);
		if (x < 0) {
			cfg_node_error(ctx, e,
				       "maintenance window '%s': "
				       "unknown %s '%s'",
				       w->name, groups ? "group" : "host", s);
		} else if (!groups) {
			add_host(ctx, e, w, x);
		} else {
			for (int k = 0; k < cfg->groups[x].n_hosts; k++)
				add_host(ctx, e, w, cfg->groups[x].hosts[k]);
		}
	}
}

static void read_window(struct cfg_ctx *ctx, const struct cfg_node *n,
			const struct pl_config *cfg, struct window_cfg *w)
{
	static const char *const keys[] = {
		"name", "days", "from", "to", "hosts", "groups", NULL,
	};
	const char *name;
	int r;

	w->line = cfg_node_line(n);
	cfg_check_keys(ctx, n, keys, "a maintenance window");
	r = cfg_get_string(ctx, n, "name", &name);
	if (r == 0)
		cfg_node_error(ctx, n, "maintenance window needs a 'name'");
	else if (r > 0 && !cfg_valid_name(name, false))
		cfg_key_error(ctx, n, "name",
			      "'%s' is not a valid name ([A-Za-z0-9_.-], "
			      "1..%d)",
			      name, CFG_NAME_MAX - 1);
	else if (r > 0)
		snprintf(w->name, sizeof(w->name), "%s", name);
	for (int i = 0; r > 0 && w != &cfg->windows[i]; i++)
		if (strcmp(cfg->windows[i].name, w->name) == 0)
			cfg_key_error(ctx, n, "name",
				      "maintenance window '%s' is defined "
				      "twice",
				      w->name);
	read_days(ctx, n, w);
	if (read_clock(ctx, n, "from", false, &w->from_min) == 0 &&
	    read_clock(ctx, n, "to", true, &w->to_min) == 0 &&
	    w->from_min == w->to_min)
		cfg_key_error(ctx, n, "to",
			      "maintenance window '%s': 'from' and 'to' are "
			      "the same time",
			      w->name);
	read_scope(ctx, n, cfg, w, false);
	read_scope(ctx, n, cfg, w, true);
}

void cfg_read_windows(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg)
{
	const struct cfg_node *list;
	int count;

	if (cfg_get_list(ctx, root, "maintenance", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count > CFG_MAX_WINDOWS) {
		cfg_node_error(ctx, list, "%d maintenance windows, at most %d",
			       count, CFG_MAX_WINDOWS);
		return;
	}
	for (int i = 0; i < count; i++, cfg->n_windows++) {
		const struct cfg_node *n = cfg_node_elem(list, i);

		if (cfg_node_kind(n) != CFG_K_GROUP) {
			cfg_node_error(ctx, n,
				       "a maintenance window is a "
				       "group { name = ...; days = "
				       "[...]; from = ...; to = ...; }");
			continue;
		}
		read_window(ctx, n, cfg, &cfg->windows[i]);
	}
}
