/*
 * config.c - load, validate and free a configuration; the error list.
 *
 * config_load() has source.c read the file and its @include files once
 * (their bytes give the fingerprint and are what libconfig parses, so the
 * two always agree), then runs the section readers in dependency order:
 * hosts before groups, both before the indicators that point at them.  Every reader records problems and
 * carries on; if any was recorded the half-built config is freed and NULL
 * returned.  A config found valid then loads the libraries it needs
 * (libcurl, libmicrohttpd), a failure being one more error.  Errors are
 * finally sorted by line so they read like a compiler's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "curl_dl.h"
#include "internal.h"
#include "mhd_dl.h"
#include "reader.h"
#include "source.h"

const char *const cfg_check_type_names[CHECK_TYPE_COUNT] = {
	[CHECK_PING] = "ping",	   [CHECK_TCP] = "tcp",
	[CHECK_HTTP] = "http",	   [CHECK_DNS] = "dns",
	[CHECK_EXEC] = "exec",	   [CHECK_TRACE] = "trace",
	[CHECK_PORTS] = "ports",   [CHECK_TRAFFIC] = "traffic",
	[CHECK_SYSTEM] = "system",
};

const char *const cfg_led_color_names[LED_COLOR_COUNT] = {
	[LED_RED] = "red",   [LED_GREEN] = "green", [LED_YELLOW] = "yellow",
	[LED_BLUE] = "blue", [LED_WHITE] = "white",
};

const char *const cfg_led_pattern_names[PAT_COUNT] = {
	[PAT_OFF] = "off",
	[PAT_ON] = "on",
	[PAT_SLOW_BLINK] = "slow_blink",
	[PAT_FAST_BLINK] = "fast_blink",
	[PAT_HEARTBEAT] = "heartbeat",
	[PAT_ACTIVITY] = "activity",
};

const char *const cfg_buzzer_pattern_names[BUZ_COUNT] = {
	[BUZ_OFF] = "off",
	[BUZ_CHIRP] = "chirp",
	[BUZ_BEEP] = "beep",
	[BUZ_REPEAT] = "repeat",
	[BUZ_CONTINUOUS] = "continuous",
};

const char *const cfg_metric_names[METRIC_COUNT] = {
	[METRIC_RTT] = "rtt",
	[METRIC_LOSS] = "loss",
	[METRIC_JITTER] = "jitter",
	[METRIC_RESPONSE_TIME] = "response_time",
	[METRIC_CERT_DAYS] = "cert_days",
};

static const char *enum_name(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : "?";
}

const char *check_type_name(enum check_type t)
{
	return enum_name(cfg_check_type_names, CHECK_TYPE_COUNT, (int)t);
}

const char *led_color_name(enum led_color c)
{
	return enum_name(cfg_led_color_names, LED_COLOR_COUNT, (int)c);
}

const char *led_pattern_name(enum led_pattern p)
{
	return enum_name(cfg_led_pattern_names, PAT_COUNT, (int)p);
}

const char *buzzer_pattern_name(enum buzzer_pattern p)
{
	return enum_name(cfg_buzzer_pattern_names, BUZ_COUNT, (int)p);
}

const char *metric_name(enum metric m)
{
	return enum_name(cfg_metric_names, METRIC_COUNT, (int)m);
}

/* ---- errors ------------------------------------------------------------ */

void cfg_error(struct cfg_ctx *ctx, const char *file, int line, const char *fmt,
	       ...)
{
	struct config_errors *errs = ctx->errs;
	struct config_error *e;
	va_list ap;

	if (errs->n == errs->cap) {
		size_t cap = errs->cap ? 2 * errs->cap : 16;
		struct config_error *v = realloc(errs->v, cap * sizeof(*v));

		if (!v) {
			ctx->oom = true;
			return;
		}
		errs->v = v;
		errs->cap = cap;
	}
	e = &errs->v[errs->n];
	e->file = strdup(file ? file : ctx->path);
	if (!e->file) {
		ctx->oom = true;
		return;
	}
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	errs->n++;
}

struct err_key {
	size_t file_rank; /* index of the first error naming the file */
	int line;
	size_t index; /* keeps the sort stable */
	struct config_error e;
};

static int err_key_cmp(const void *a, const void *b)
{
	const struct err_key *x = a, *y = b;

	if (x->file_rank != y->file_rank)
		return x->file_rank < y->file_rank ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Sort errs->v[first..n) by line within each file, files in the order
 * they first appear.  Left as recorded if there is no memory to sort. */
static void errors_sort(struct config_errors *errs, size_t first)
{
	size_t n = errs->n - first, i, j;
	struct err_key *k;

	if (n < 2)
		return;
	k = calloc(n, sizeof(*k));
	if (!k)
		return;
	for (i = 0; i < n; i++) {
		k[i].e = errs->v[first + i];
		k[i].line = k[i].e.line;
		k[i].index = i;
		for (j = 0; j < i; j++)
			if (strcmp(k[j].e.file, k[i].e.file) == 0)
				break;
		k[i].file_rank = j;
	}
	qsort(k, n, sizeof(*k), err_key_cmp);
	for (i = 0; i < n; i++)
		errs->v[first + i] = k[i].e;
	free(k);
}

static void error_format(const struct config_error *e, char *buf, size_t len)
{
	if (e->line > 0)
		snprintf(buf, len, "%s:%d: %s", e->file, e->line, e->msg);
	else
		snprintf(buf, len, "%s: %s", e->file, e->msg);
}

void config_errors_print(const struct config_errors *errs, FILE *out)
{
	char buf[4096 + sizeof(errs->v->msg)];
	size_t i;

	for (i = 0; i < errs->n; i++) {
		error_format(&errs->v[i], buf, sizeof(buf));
		fprintf(out, "%s\n", buf);
	}
}

void config_errors_first(const struct config_errors *errs, char *buf,
			 size_t len)
{
	if (!len)
		return;
	if (errs->n == 0)
		buf[0] = '\0';
	else
		error_format(&errs->v[0], buf, len);
}

void config_errors_clear(struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		free(errs->v[i].file);
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
	errs->cap = 0;
}

/* ---- loading ----------------------------------------------------------- */

void cfg_need_lib(struct cfg_ctx *ctx, enum cfg_lib lib,
		  const struct cfg_node *n, const char *key, const char *what)
{
	if (ctx->needs[lib].node)
		return;
	ctx->needs[lib] = (struct cfg_need){ n, key, what };
}

/* Load the libraries a valid config needs.  A config that is rejected
 * anyway loads nothing: a failed reload must not leave a running daemon
 * megabytes larger for HTTP it will not do.  For the same reason the
 * first library that fails stops the rest (one loaded before it stays:
 * a library is never unloaded). */
static void load_libraries(struct cfg_ctx *ctx)
{
	static const struct {
		const char *name;
		int (*open)(void);
		const char *(*error)(void);
	} libs[CFG_LIB_COUNT] = {
		[CFG_LIB_CURL] = { "libcurl", curl_dl_open, curl_dl_error },
		[CFG_LIB_MHD] = { "libmicrohttpd", mhd_dl_open, mhd_dl_error },
	};

	for (int i = 0; i < CFG_LIB_COUNT; i++) {
		const struct cfg_need *need = &ctx->needs[i];

		if (!need->node || libs[i].open() == 0)
			continue;
		cfg_key_error(ctx, need->node, need->key, "%s %s: %s",
			      need->what, libs[i].name, libs[i].error());
		return;
	}
}

static void read_root(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg)
{
	static const char *const keys[] = {
		"daemon",	"logging", "defaults", "thresholds",
		"hosts",	"groups",  "capture",  "indicators",
		"metrics",	"events",  "webhooks", "interfaces",
		"measurements", "pi",	   "actions",  "maintenance",
		"control",	NULL,
	};
	struct pin_claims *claims = cfg_pins_new();
	struct cfg_defaults def;

	if (!claims) {
		ctx->oom = true;
		return;
	}
	cfg_check_keys(ctx, root, keys, NULL);
	cfg_read_daemon(ctx, root, cfg);
	cfg_read_logging(ctx, root, cfg);
	cfg_read_defaults(ctx, root, &def);
	cfg_read_hosts(ctx, root, &def, cfg);
	cfg_set_grace(&def, cfg);
	cfg_read_pi(ctx, root, cfg);
	cfg_read_groups(ctx, root, cfg);
	cfg_read_windows(ctx, root, cfg);
	cfg_read_capture(ctx, root, cfg);
	cfg_read_indicators(ctx, root, cfg, claims);
	cfg_read_actions(ctx, root, cfg, claims);
	cfg_pins_check(ctx, claims, &cfg->indicators.lcd);
	cfg_pins_free(claims);
	cfg_read_interfaces(ctx, root, cfg);
	cfg_read_metrics(ctx, root, cfg);
	cfg_read_control(ctx, root, cfg);
	cfg_read_exports(ctx, root, cfg);
}

struct pl_config *config_load(const char *path, struct config_errors *errs)
{
	struct cfg_ctx ctx = { .errs = errs, .path = path };
	size_t first = errs->n;
	struct cfg_source *src = NULL;
	struct cfg_doc *doc = NULL;
	struct pl_config *cfg;

	cfg = calloc(1, sizeof(*cfg));
	if (cfg)
		cfg->path = strdup(path);
	if (!cfg || !cfg->path) {
		cfg_error(&ctx, NULL, 0, "out of memory");
		goto fail;
	}
	src = cfg_source_read(&ctx);
	if (!src)
		goto fail;
	cfg->fingerprint = cfg_source_fingerprint(src);
	doc = cfg_doc_parse(&ctx, src);
	if (!doc)
		goto fail;
	read_root(&ctx, cfg_doc_root(doc), cfg);
	if (errs->n == first && !ctx.oom)
		load_libraries(&ctx);
	if (errs->n > first || ctx.oom)
		goto fail;
	cfg_doc_free(doc);
	cfg_source_free(src);
	return cfg;
fail:
	errors_sort(errs, first);
	cfg_doc_free(doc);
	cfg_source_free(src);
	config_free(cfg);
	errno = ctx.oom ? ENOMEM : EINVAL;
	return NULL;
}

void config_free(struct pl_config *cfg)
{
	int i, j;

	if (!cfg)
		return;
	for (i = 0; cfg->hosts && i < cfg->n_hosts; i++) {
		for (j = 0; j < cfg->hosts[i].n_checks; j++)
			cfg_check_free(&cfg->hosts[i].checks[j]);
		free(cfg->hosts[i].address);
	}
	free(cfg->hosts);
	for (i = 0; i < cfg->n_actions; i++)
		cfg_check_free(&cfg->actions[i].cmd);
	for (i = 0; i < cfg->capture.n_interfaces; i++)
		free(cfg->capture.interfaces[i]);
	free(cfg->capture.filter);
	free(cfg->daemon.state_dir);
	free(cfg->path);
	free(cfg);
}
