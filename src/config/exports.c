/*
 * exports.c - the 'events' and 'measurements' groups and the 'webhooks'
 * list: where state changes and results go besides the panel (JSON lines
 * files, syslog, HTTP alert receivers).  The 'metrics' group, being older, is in sections.c.
 *
 * Strings are copied into the fixed arrays of struct events_cfg and
 * struct webhook_cfg, so nothing here needs freeing in config_free().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "source.h"

#define DEFAULT_RATE_LIMIT  30 /* events a minute */
#define MAX_RATE_LIMIT	    6000
#define DEFAULT_RETRY_MS    (30 * MS_PER_S)
#define DEFAULT_MAX_RETRIES 10
#define MAX_RETRIES	    100

static const char *const format_names[WEBHOOK_FORMAT_COUNT] = {
	[WEBHOOK_GENERIC] = "generic",	 [WEBHOOK_NTFY] = "ntfy",
	[WEBHOOK_GOTIFY] = "gotify",	 [WEBHOOK_SLACK] = "slack",
	[WEBHOOK_TELEGRAM] = "telegram", [WEBHOOK_PUSHOVER] = "pushover",
	[WEBHOOK_DISCORD] = "discord",	 [WEBHOOK_MATRIX] = "matrix",
	[WEBHOOK_TEAMS] = "teams",	 [WEBHOOK_EMAIL] = "email",
};

/* min_state, lowest first by state_rank(): "ok" would announce every
 * first result, so it is not offered. */
static const char *const min_state_names[] = { "unknown", "warning",
					       "critical" };
static const enum pl_state min_states[] = { STATE_UNKNOWN, STATE_WARNING,
					    STATE_CRITICAL };

const char *webhook_format_name(enum webhook_format f)
{
	return (int)f >= 0 && f < WEBHOOK_FORMAT_COUNT ? format_names[f] : "?";
}

/* Copy a string member into buf; "too long" is an error naming the key. */
int cfg_copy_string(struct cfg_ctx *ctx, const struct cfg_node *g,
		    const char *key, char *buf, size_t len)
{
	const char *s;
	int r = cfg_get_string(ctx, g, key, &s);

	if (r <= 0)
		return r;
	if (strlen(s) >= len) {
		cfg_key_error(ctx, g, key, "'%s' is longer than %zu bytes", key,
			      len - 1);
		return -1;
	}
	snprintf(buf, len, "%s", s);
	return 1;
}

/* What start does with the events file, checked at load so that -t and
 * a reload refuse what would fail or block: it is opened for appending,
 * so it must be a regular file, or be missing from a directory that
 * exists.  Permissions are left to start: -t may run as another user. */
static void check_events_file(struct cfg_ctx *ctx, const struct cfg_node *g,
			      const char *file)
{
	char dir[CFG_PATH_MAX];
	struct stat st;
	const char *kind;

	if (stat(file, &st) == 0) {
		kind = cfg_file_kind(st.st_mode);
		if (kind)
			cfg_key_error(ctx, g, "file",
				      "'file' '%s' is %s, not a regular file",
				      file, kind);
		return;
	}
	if (errno != ENOENT) {
		if (errno != EACCES)
			cfg_key_error(ctx, g, "file", "'file' '%s': %s", file,
				      strerror(errno));
		return;
	}
	snprintf(dir, sizeof(dir), "%s", file);
	*strrchr(dir, '/') = '\0';
	if (stat(dir[0] ? dir : "/", &st) < 0 || !S_ISDIR(st.st_mode))
		cfg_key_error(ctx, g, "file",
			      "'file' '%s': no directory '%s' to create it in",
			      file, dir);
}

/* g's 'file' of JSON lines into buf: "" none, "-" stdout, or an
 * absolute path checked as above. */
static void read_output_file(struct cfg_ctx *ctx, const struct cfg_node *g,
			     char *buf, size_t len)
{
	if (cfg_copy_string(ctx, g, "file", buf, len) <= 0 || !buf[0] ||
	    strcmp(buf, "-") == 0)
		return;
	if (buf[0] == '/')
		check_events_file(ctx, g, buf);
	else
		cfg_key_error(ctx, g, "file",
			      "'file' must be an absolute path, \"-\" (stdout) "
			      "or \"\" (none), not '%s'",
			      buf);
}

static void read_events(struct cfg_ctx *ctx, const struct cfg_node *root,
			struct events_cfg *ev)
{
	static const char *const keys[] = { "file", "syslog", "rate_limit",
					    NULL };
	const struct cfg_node *g;

	*ev = (struct events_cfg){ .syslog = true,
				   .rate_limit = DEFAULT_RATE_LIMIT };
	if (cfg_get_group(ctx, root, "events", &g) <= 0)
		return;
	cfg_check_keys(ctx, g, keys, "'events'");
	cfg_get_bool(ctx, g, "syslog", &ev->syslog);
	cfg_get_int(ctx, g, "rate_limit", 0, MAX_RATE_LIMIT, &ev->rate_limit);
	read_output_file(ctx, g, ev->file, sizeof(ev->file));
}

/* The file is checked as the events file is; "-" (stdout) is refused at
 * start when a virtual panel writes there (service.c), hence the line. */
static void read_measurements(struct cfg_ctx *ctx, const struct cfg_node *root,
			      struct measurements_cfg *m)
{
	static const char *const keys[] = { "file", NULL };
	const struct cfg_node *g, *f;

	*m = (struct measurements_cfg){ 0 };
	if (cfg_get_group(ctx, root, "measurements", &g) <= 0)
		return;
	cfg_check_keys(ctx, g, keys, "'measurements'");
	f = cfg_node_member(g, "file");
	m->line = cfg_node_line(f ? f : g);
	read_output_file(ctx, g, m->file, sizeof(m->file));
}

static void webhook_name(struct cfg_ctx *ctx, const struct cfg_node *n,
			 const struct pl_config *cfg, struct webhook_cfg *w)
{
	const char *name;
	int r = cfg_get_string(ctx, n, "name", &name);

	if (r == 0)
		cfg_node_error(ctx, n, "webhook needs a 'name'");
	if (r <= 0)
		return;
	if (!cfg_valid_name(name, false)) {
		cfg_key_error(ctx, n, "name",
			      "bad webhook name '%s' (1..%d of A-Z a-z 0-9 _ "
			      ". -)",
			      name, CFG_NAME_MAX - 1);
		return;
	}
	for (int i = 0; i < cfg->n_webhooks; i++) {
		if (strcmp(cfg->webhooks[i].name, name) == 0) {
			cfg_key_error(ctx, n, "name",
				      "duplicate webhook name '%s' (first at "
				      "line %d)",
				      name, cfg->webhooks[i].line);
			return;
		}
	}
	snprintf(w->name, sizeof(w->name), "%s", name);
}

static void read_webhook(struct cfg_ctx *ctx, const struct cfg_node *n,
			 const struct pl_config *cfg, struct webhook_cfg *w)
{
	static const char *const keys[] = {
		"name",	    "url",	"format",	 "min_state",
		"token",    "retry",	"max_retries",	 "token_file",
		"template", "remind",	"recovery",	 "ca_file",
		"chat_id",  "user",	"room",		 "from",
		"to",	    "username", "password_file", "starttls",
		NULL,
	};
	int fmt = WEBHOOK_GENERIC, min = 1; /* "warning" */

	*w = (struct webhook_cfg){ .line = cfg_node_line(n),
				   .retry_ms = DEFAULT_RETRY_MS,
				   .max_retries = DEFAULT_MAX_RETRIES };
	if (cfg_node_kind(n) != CFG_K_GROUP) {
		cfg_node_error(ctx, n, "a webhook must be a group { ... }");
		return;
	}
	cfg_check_keys(ctx, n, keys, "a webhook");
	cfg_need_lib(ctx, CFG_LIB_CURL, n, "url", "webhooks need");
	webhook_name(ctx, n, cfg, w);
	cfg_get_enum(ctx, n, "format", format_names, WEBHOOK_FORMAT_COUNT,
		     &fmt);
	w->format = (enum webhook_format)fmt;
	cfg_notify_url(ctx, n, w);
	cfg_get_enum(ctx, n, "min_state", min_state_names, 3, &min);
	w->min_state = min_states[min];
	if (cfg_copy_string(ctx, n, "token", w->token, sizeof(w->token)) > 0 &&
	    strpbrk(w->token, "\r\n"))
		cfg_key_error(ctx, n, "token", "'token' contains a line break");
	cfg_get_duration(ctx, n, "retry", MS_PER_S, MS_PER_H, false,
			 &w->retry_ms);
	cfg_get_int(ctx, n, "max_retries", 0, MAX_RETRIES, &w->max_retries);
	cfg_read_notify(ctx, n, w);
}

static void read_webhooks(struct cfg_ctx *ctx, const struct cfg_node *root,
			  struct pl_config *cfg)
{
	const struct cfg_node *list;
	int count;

	cfg->n_webhooks = 0;
	if (cfg_get_list(ctx, root, "webhooks", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count > CFG_MAX_WEBHOOKS) {
		cfg_node_error(ctx, list, "%d webhooks, at most %d", count,
			       CFG_MAX_WEBHOOKS);
		return;
	}
	for (int i = 0; i < count; i++, cfg->n_webhooks++)
		read_webhook(ctx, cfg_node_elem(list, i), cfg,
			     &cfg->webhooks[i]);
}

void cfg_read_exports(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg)
{
	read_events(ctx, root, &cfg->events);
	read_measurements(ctx, root, &cfg->measurements);
	read_webhooks(ctx, root, cfg);
}
