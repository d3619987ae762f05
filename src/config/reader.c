/*
 * reader.c - libconfig behind a small node-walking API (see reader.h).
 *
 * This is the only file that includes <libconfig.h>: it turns libconfig's
 * settings into opaque nodes and its types into checked getters whose
 * errors carry the setting's FILE:LINE.  Automatic int/float conversion is
 * off so that a float where an integer belongs is reported, not rounded.
 *
 * libconfig 1.5 silently truncates integer literals past 32 bits (no 'L'
 * suffix); range checks catch most such values, not all.
 */
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "reader.h"
#include "source.h"

/* The root setting's hook points back here, so that any node finds the
 * source map of its document. */
struct cfg_doc {
	config_t lc;
	const struct cfg_source *src;
};

/* Integer seconds for a duration: stop well before the ms overflow. */
#define DURATION_MAX_S 1000000000000LL

static const config_setting_t *S(const struct cfg_node *n)
{
	return (const config_setting_t *)(const void *)n;
}

static const struct cfg_node *N(const config_setting_t *s)
{
	return (const struct cfg_node *)(const void *)s;
}

/* libconfig numbers the lines of the expanded text: map n's back to the
 * file it was written in (NULL: the top file) and the line there. */
static const char *node_where(const struct cfg_node *n, int *line)
{
	const config_setting_t *s = S(n);
	const struct cfg_doc *doc;

	while (config_setting_parent(s))
		s = config_setting_parent(s);
	doc = config_setting_get_hook(s);
	return cfg_source_where(doc->src, (int)config_setting_source_line(S(n)),
				line);
}

static void node_verror(struct cfg_ctx *ctx, const struct cfg_node *n,
			const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void node_verror(struct cfg_ctx *ctx, const struct cfg_node *n,
			const char *fmt, va_list ap)
{
	char msg[sizeof(((struct config_error *)0)->msg)];
	const char *file;
	int line;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	file = node_where(n, &line);
	cfg_error(ctx, file, line, "%s", msg);
}

void cfg_node_error(struct cfg_ctx *ctx, const struct cfg_node *n,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	node_verror(ctx, n, fmt, ap);
	va_end(ap);
}

void cfg_key_error(struct cfg_ctx *ctx, const struct cfg_node *grp,
		   const char *key, const char *fmt, ...)
{
	const struct cfg_node *n = cfg_node_member(grp, key);
	va_list ap;

	va_start(ap, fmt);
	node_verror(ctx, n ? n : grp, fmt, ap);
	va_end(ap);
}

struct cfg_doc *cfg_doc_parse(struct cfg_ctx *ctx, const struct cfg_source *src)
{
	struct cfg_doc *doc = calloc(1, sizeof(*doc));
	const char *file;
	int line;

	if (!doc) {
		cfg_error(ctx, NULL, 0, "out of memory");
		return NULL;
	}
	doc->src = src;
	config_init(&doc->lc);
	config_set_auto_convert(&doc->lc, CONFIG_FALSE);
	/* source.c expanded every @include: libconfig opens no file.  The
	 * read makes a new root; the hook goes on that one. */
	if (config_read_string(&doc->lc, cfg_source_text(src)) == CONFIG_TRUE) {
		config_setting_set_hook(config_root_setting(&doc->lc), doc);
		return doc;
	}
	file = cfg_source_where(src, config_error_line(&doc->lc), &line);
	cfg_error(ctx, file, line, "%s",
		  config_error_text(&doc->lc) ? config_error_text(&doc->lc)
					      : "cannot parse");
	cfg_doc_free(doc);
	return NULL;
}

void cfg_doc_free(struct cfg_doc *doc)
{
	if (!doc)
		return;
	config_destroy(&doc->lc);
	free(doc);
}

const struct cfg_node *cfg_doc_root(const struct cfg_doc *doc)
{
	return N(config_root_setting(&doc->lc));
}

int cfg_node_line(const struct cfg_node *n)
{
	int line;

	node_where(n, &line);
	return line;
}

enum cfg_kind cfg_node_kind(const struct cfg_node *n)
{
	switch (config_setting_type(S(n))) {
	case CONFIG_TYPE_GROUP:
		return CFG_K_GROUP;
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		return CFG_K_LIST;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return CFG_K_INT;
	case CONFIG_TYPE_FLOAT:
		return CFG_K_FLOAT;
	case CONFIG_TYPE_STRING:
		return CFG_K_STRING;
	case CONFIG_TYPE_BOOL:
		return CFG_K_BOOL;
	default:
		return CFG_K_NONE;
	}
}

const char *cfg_node_key(const struct cfg_node *n)
{
	return config_setting_name(S(n));
}

int cfg_node_count(const struct cfg_node *n)
{
	return config_setting_is_aggregate(S(n)) ? config_setting_length(S(n))
						 : 0;
}

const struct cfg_node *cfg_node_elem(const struct cfg_node *n, int i)
{
	if (i < 0 || i >= cfg_node_count(n))
		return NULL;
	return N(config_setting_get_elem(S(n), (unsigned)i));
}

const struct cfg_node *cfg_node_member(const struct cfg_node *grp,
				       const char *key)
{
	if (!config_setting_is_group(S(grp)))
		return NULL;
	return N(config_setting_get_member(S(grp), key));
}

int cfg_key_line(const struct cfg_node *grp, const char *key)
{
	const struct cfg_node *n = cfg_node_member(grp, key);

	return cfg_node_line(n ? n : grp);
}

int cfg_check_keys(struct cfg_ctx *ctx, const struct cfg_node *grp,
		   const char *const *allowed, const char *where)
{
	int i, n = cfg_node_count(grp), bad = 0;

	for (i = 0; i < n; i++) {
		const struct cfg_node *m = cfg_node_elem(grp, i);
		const char *key = cfg_node_key(m);
		const char *const *a;

		for (a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a)
			continue;
		bad++;
		if (where)
			cfg_node_error(ctx, m, "unknown key '%s' in %s", key,
				       where);
		else
			cfg_node_error(ctx, m, "unknown top-level key '%s'",
				       key);
	}
	return bad;
}

static long long int_value(const struct cfg_node *n)
{
	if (config_setting_type(S(n)) == CONFIG_TYPE_INT64)
		return config_setting_get_int64(S(n));
	return config_setting_get_int(S(n));
}

int cfg_get_int(struct cfg_ctx *ctx, const struct cfg_node *grp,
		const char *key, long long min, long long max, int *out)
{
	const struct cfg_node *n = cfg_node_member(grp, key);
	long long v;

	if (!n)
		return 0;
	if (cfg_node_kind(n) != CFG_K_INT) {
		cfg_node_error(ctx, n, "'%s' must be an integer", key);
		return -1;
	}
	v = int_value(n);
	if (v < min || v > max) {
		cfg_node_error(ctx, n, "'%s' %lld out of range %lld..%lld", key,
			       v, min, max);
		return -1;
	}
	*out = (int)v;
	return 1;
}

int cfg_get_bool(struct cfg_ctx *ctx, const struct cfg_node *grp,
		 const char *key, bool *out)
{
	const struct cfg_node *n = cfg_node_member(grp, key);

	if (!n)
		return 0;
	if (cfg_node_kind(n) != CFG_K_BOOL) {
		cfg_node_error(ctx, n, "'%s' must be true or false", key);
		return -1;
	}
	*out = config_setting_get_bool(S(n)) != 0;
	return 1;
}

/* The string at n, or NULL after recording that it is too long. */
static const char *string_value(struct cfg_ctx *ctx, const struct cfg_node *n,
				const char *key)
{
	const char *s = config_setting_get_string(S(n));

	if (strnlen(s, CFG_STRING_MAX + 1) <= CFG_STRING_MAX)
		return s;
	cfg_node_error(ctx, n, "'%s' is longer than %d bytes", key,
		       CFG_STRING_MAX);
	return NULL;
}

int cfg_get_string(struct cfg_ctx *ctx, const struct cfg_node *grp,
		   const char *key, const char **out)
{
	const struct cfg_node *n = cfg_node_member(grp, key);
	const char *s;

	if (!n)
		return 0;
	if (cfg_node_kind(n) != CFG_K_STRING) {
		cfg_node_error(ctx, n, "'%s' must be a string", key);
		return -1;
	}
	s = string_value(ctx, n, key);
	if (!s)
		return -1;
	*out = s;
	return 1;
}

int cfg_get_number(struct cfg_ctx *ctx, const struct cfg_node *grp,
		   const char *key, double min, double max, double *out)
{
	const struct cfg_node *n = cfg_node_member(grp, key);
	double v;

	if (!n)
		return 0;
	switch (cfg_node_kind(n)) {
	case CFG_K_INT:
		v = (double)int_value(n);
		break;
	case CFG_K_FLOAT:
		v = config_setting_get_float(S(n));
		break;
	default:
		cfg_node_error(ctx, n, "'%s' must be a number", key);
		return -1;
	}
	if (!isfinite(v) || v < min || v > max) {
		cfg_node_error(ctx, n, "'%s' %g out of range %g..%g", key, v,
			       min, max);
		return -1;
	}
	*out = v;
	return 1;
}

/* The duration at n in ms, or -1 after recording why not. */
static int64_t duration_value(struct cfg_ctx *ctx, const struct cfg_node *n,
			      const char *key)
{
	const char *s;
	long long v;
	int64_t ms;

	switch (cfg_node_kind(n)) {
	case CFG_K_INT:
		v = int_value(n);
		if (v >= 0 && v <= DURATION_MAX_S)
			return v * MS_PER_S;
		cfg_node_error(ctx, n, "'%s' bad duration %lld", key, v);
		return -1;
	case CFG_K_STRING:
		s = string_value(ctx, n, key);
		if (!s)
			return -1;
		if (cfg_parse_duration(s, &ms) == 0)
			return ms;
		cfg_node_error(ctx, n,
			       "'%s' bad duration '%s' (use ms, s, m, h or d, "
			       "e.g. \"5s\")",
			       key, s);
		return -1;
	default:
		cfg_node_error(ctx, n,
			       "'%s' must be a duration (\"5s\") or seconds",
			       key);
		return -1;
	}
}

int cfg_get_duration(struct cfg_ctx *ctx, const struct cfg_node *grp,
		     const char *key, int64_t min_ms, int64_t max_ms,
		     bool zero_ok, int64_t *out)
{
	const struct cfg_node *n = cfg_node_member(grp, key);
	char v[32], lo[32], hi[32];
	int64_t ms;

	if (!n)
		return 0;
	ms = duration_value(ctx, n, key);
	if (ms < 0)
		return -1;
	if ((ms < min_ms || ms > max_ms) && !(zero_ok && ms == 0)) {
		cfg_fmt_duration(ms, v, sizeof(v));
		cfg_fmt_duration(min_ms, lo, sizeof(lo));
		cfg_fmt_duration(max_ms, hi, sizeof(hi));
		cfg_node_error(ctx, n, "'%s' %s out of range %s%s..%s", key, v,
			       zero_ok ? "0 or " : "", lo, hi);
		return -1;
	}
	*out = ms;
	return 1;
}

int cfg_get_enum(struct cfg_ctx *ctx, const struct cfg_node *grp,
		 const char *key, const char *const *names, int n, int *out)
{
	const char *s;
	char list[256];
	int r = cfg_get_string(ctx, grp, key, &s), i;

	if (r <= 0)
		return r;
	i = cfg_lookup(s, names, n);
	if (i < 0) {
		cfg_join(names, n, list, sizeof(list));
		cfg_key_error(ctx, grp, key, "'%s' '%s' is not one of: %s", key,
			      s, list);
		return -1;
	}
	*out = i;
	return 1;
}

int cfg_get_group(struct cfg_ctx *ctx, const struct cfg_node *grp,
		  const char *key, const struct cfg_node **out)
{
	const struct cfg_node *n = cfg_node_member(grp, key);

	if (!n)
		return 0;
	if (cfg_node_kind(n) != CFG_K_GROUP) {
		cfg_node_error(ctx, n, "'%s' must be a group { ... }", key);
		return -1;
	}
	*out = n;
	return 1;
}

int cfg_get_list(struct cfg_ctx *ctx, const struct cfg_node *grp,
		 const char *key, const struct cfg_node **out)
{
	const struct cfg_node *n = cfg_node_member(grp, key);

	if (!n)
		return 0;
	if (cfg_node_kind(n) != CFG_K_LIST) {
		cfg_node_error(ctx, n, "'%s' must be a list", key);
		return -1;
	}
	*out = n;
	return 1;
}

int cfg_elem_int(struct cfg_ctx *ctx, const struct cfg_node *list, int i,
		 long long min, long long max, int *out)
{
	const struct cfg_node *n = cfg_node_elem(list, i);
	const char *key = cfg_node_key(list) ? cfg_node_key(list) : "list";
	long long v;

	if (!n || cfg_node_kind(n) != CFG_K_INT) {
		cfg_node_error(ctx, n ? n : list,
			       "'%s' must be a list of integers", key);
		return -1;
	}
	v = int_value(n);
	if (v < min || v > max) {
		cfg_node_error(ctx, n,
			       "'%s' value %lld out of range %lld..%lld", key,
			       v, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int cfg_elem_string(struct cfg_ctx *ctx, const struct cfg_node *list, int i,
		    const char **out)
{
	const struct cfg_node *n = cfg_node_elem(list, i);
	const char *key = cfg_node_key(list) ? cfg_node_key(list) : "list";
	const char *s;

	if (!n || cfg_node_kind(n) != CFG_K_STRING) {
		cfg_node_error(ctx, n ? n : list,
			       "'%s' must be a list of strings", key);
		return -1;
	}
	s = string_value(ctx, n, key);
	if (!s)
		return -1;
	*out = s;
	return 0;
}
