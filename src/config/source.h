/*
 * source.h - the text libconfig parses: the config file with every
 * @include expanded in place, all of it read here and never by libconfig.
 *
 * Lifecycle: cfg_source_read() → cfg_source_text() to parse →
 * cfg_source_where() for each line of that text libconfig names →
 * cfg_source_free().
 *
 * libconfig would open an @include target itself: a directory makes its
 * scanner exit() the process, a FIFO or a device blocks it.  Here every
 * file must be a regular file under CFG_FILE_MAX bytes, opened without
 * blocking; nesting, file count and total size are bounded and a cycle is
 * an error.  Every problem is FILE:LINE of the @include line (or of a NUL
 * byte), recorded in the context.
 */
#ifndef PL_CONFIG_SOURCE_H
#define PL_CONFIG_SOURCE_H

#include <stdint.h>
#include <sys/types.h>

#include "reader.h"

#define CFG_FILE_MAX  (1 << 20) /* bytes of one file: 1 MiB */
#define CFG_TOTAL_MAX (4 << 20) /* bytes of a config and its includes */
#define CFG_DEPTH_MAX 8		/* @include inside @include ... */
#define CFG_FILES_MAX 64	/* files read for one config, the top one too */

struct cfg_source;

/* Read ctx->path and what it includes.  NULL after recording every
 * problem found (or "out of memory").  Free with cfg_source_free(). */
struct cfg_source *cfg_source_read(struct cfg_ctx *ctx);
void cfg_source_free(struct cfg_source *src);

/* The expanded text, NUL-terminated; it lives as long as src. */
const char *cfg_source_text(const struct cfg_source *src);
/* FNV-1a of the bytes of every file read, the top file first. */
uint64_t cfg_source_fingerprint(const struct cfg_source *src);
/*
 * Where line (1-based) of the text was written: returns the file as the
 * errors name it (NULL: the top file, ctx->path) and sets *file_line.
 * A line past the end maps to the last one.
 */
const char *cfg_source_where(const struct cfg_source *src, int line,
			     int *file_line);

/* What a file of this mode is when not a regular file ("a directory",
 * "a FIFO", "a socket", "a device"), for "X is a FIFO"; NULL for a
 * regular file. */
const char *cfg_file_kind(mode_t mode);

#endif
