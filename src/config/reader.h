/*
 * reader.h - the config module's only window onto libconfig.
 *
 * Lifecycle: cfg_source_read() (source.h) → cfg_doc_parse() → walk nodes
 * from cfg_doc_root() with the typed getters → cfg_doc_free().  A node is
 * a setting of the parsed file; it and every string a getter returns live
 * as long as the document.  A string longer than CFG_STRING_MAX bytes is
 * an error in every getter (a path longer than PATH_MAX never gets far).
 *
 * Every getter that finds a problem records it as FILE:LINE: message (the
 * line of the offending setting) in the context and returns -1, so callers
 * just carry on and collect all problems.  Getters for a key return 0 when
 * the key is absent and leave *out untouched: the caller's default stays.
 */
#ifndef PL_CONFIG_READER_H
#define PL_CONFIG_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct cfg_doc;
struct cfg_node;

#define CFG_STRING_MAX 4095 /* bytes of any string value: PATH_MAX - 1 */

/* The libraries a config may need, loaded once the whole file is valid
 * (config.c: load_libraries()). */
enum cfg_lib {
	CFG_LIB_CURL, /* curl_dl.h: http checks, webhooks */
	CFG_LIB_MHD,  /* mhd_dl.h: the metrics endpoint */
	CFG_LIB_COUNT,
};

/* The first group that needs a library, its key to point at and what
 * needs it ("http checks need"): where a failed load is reported. */
struct cfg_need {
	const struct cfg_node *node;
	const char *key, *what;
};

/* State shared by everything that reads one file. */
struct cfg_ctx {
	struct config_errors *errs;
	const char *path; /* as given to config_load() */
	bool oom;	  /* an error could not be recorded */
	struct cfg_need needs[CFG_LIB_COUNT];
};

enum cfg_kind {
	CFG_K_NONE,
	CFG_K_GROUP,
	CFG_K_LIST, /* a libconfig list ( ) or array [ ] */
	CFG_K_INT,
	CFG_K_FLOAT,
	CFG_K_STRING,
	CFG_K_BOOL,
};

/* Record an error; file NULL means the top file, line 0 means none. */
void cfg_error(struct cfg_ctx *ctx, const char *file, int line, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));

/* Record an error at a node's file and line. */
void cfg_node_error(struct cfg_ctx *ctx, const struct cfg_node *n,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Record an error at the line of grp's member key (grp's line if absent). */
void cfg_key_error(struct cfg_ctx *ctx, const struct cfg_node *grp,
		   const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct cfg_source;

/* Parse the text of src (source.h), which must outlive the document.  On
 * a syntax error records it and returns NULL.  Free with cfg_doc_free()
 * (accepts NULL). */
struct cfg_doc *cfg_doc_parse(struct cfg_ctx *ctx,
			      const struct cfg_source *src);
void cfg_doc_free(struct cfg_doc *doc);
const struct cfg_node *cfg_doc_root(const struct cfg_doc *doc);

int cfg_node_line(const struct cfg_node *n);
enum cfg_kind cfg_node_kind(const struct cfg_node *n);
/* The key of a group member; NULL for a list element. */
const char *cfg_node_key(const struct cfg_node *n);
/* Members of a group or elements of a list; 0 for a scalar. */
int cfg_node_count(const struct cfg_node *n);
const struct cfg_node *cfg_node_elem(const struct cfg_node *n, int i);
/* NULL when grp has no such key. */
const struct cfg_node *cfg_node_member(const struct cfg_node *grp,
				       const char *key);
/* The line of key in grp, or grp's own line when the key is absent. */
int cfg_key_line(const struct cfg_node *grp, const char *key);

/*
 * Record "unknown key 'K' in WHERE" for every member of grp not listed in
 * allowed (NULL-terminated); where NULL means the top level.  Returns the
 * number of unknown keys.
 */
int cfg_check_keys(struct cfg_ctx *ctx, const struct cfg_node *grp,
		   const char *const *allowed, const char *where);

/* Typed getters for grp's member key: 1 read, 0 absent, -1 error. */
int cfg_get_int(struct cfg_ctx *ctx, const struct cfg_node *grp,
		const char *key, long long min, long long max, int *out);
int cfg_get_bool(struct cfg_ctx *ctx, const struct cfg_node *grp,
		 const char *key, bool *out);
int cfg_get_string(struct cfg_ctx *ctx, const struct cfg_node *grp,
		   const char *key, const char **out);
/* An integer or a float, finite, within min..max. */
int cfg_get_number(struct cfg_ctx *ctx, const struct cfg_node *grp,
		   const char *key, double min, double max, double *out);
/*
 * A duration ("250ms", "5s", "2m", "1h", "1d", or an integer of seconds)
 * within min_ms..max_ms; with zero_ok, 0 is also accepted ("never").
 */
int cfg_get_duration(struct cfg_ctx *ctx, const struct cfg_node *grp,
		     const char *key, int64_t min_ms, int64_t max_ms,
		     bool zero_ok, int64_t *out);
/* A string that must be one of names[0..n): *out gets its index. */
int cfg_get_enum(struct cfg_ctx *ctx, const struct cfg_node *grp,
		 const char *key, const char *const *names, int n, int *out);
int cfg_get_group(struct cfg_ctx *ctx, const struct cfg_node *grp,
		  const char *key, const struct cfg_node **out);
int cfg_get_list(struct cfg_ctx *ctx, const struct cfg_node *grp,
		 const char *key, const struct cfg_node **out);

/* Elements of a list got with cfg_get_list(): 0 read, -1 error. */
int cfg_elem_int(struct cfg_ctx *ctx, const struct cfg_node *list, int i,
		 long long min, long long max, int *out);
int cfg_elem_string(struct cfg_ctx *ctx, const struct cfg_node *list, int i,
		    const char **out);

#endif
