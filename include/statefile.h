/*
 * statefile.h - the files in daemon.state_dir: written whole and atomically,
 * read line by line without trusting them.
 *
 * Lifecycle: statefile_save() writes PATH.tmp through the caller's writer,
 * fsyncs it, renames it over PATH and fsyncs the directory, so a power cut
 * leaves the old file or the new one, never half of either.
 * statefile_load() hands the caller one line at a time.
 *
 * A file to load may be anything a person or a broken disk left there:
 * missing, empty, cut off, garbage, huge, a directory or a FIFO.  It is
 * opened O_NONBLOCK (a FIFO never blocks the start) and must be a regular
 * file no larger than the caller's limit; a line longer than the caller's
 * limit is skipped whole (never split into two lines), and so is a last
 * line without its newline (a cut-off file).  Each skipped line is logged
 * as PATH:LINE (the first STATEFILE_LOG_LINES of them, then a count).
 */
#ifndef PL_STATEFILE_H
#define PL_STATEFILE_H

#include <stddef.h>
#include <stdio.h>

#define STATEFILE_LOG_LINES 5

/* Write the whole content to f; 0, or -1 (errno, or the stream's error). */
typedef int (*statefile_writer_fn)(FILE *f, const void *arg);

/* Write PATH atomically (mode 0600).  Returns 0, or -1 with errno
 * (ENOSPC, EROFS, EACCES, ...); PATH.tmp is removed on failure. */
int statefile_save(const char *path, statefile_writer_fn fn, const void *arg);

/* One line without its newline (writable, NUL-terminated).  Return NULL
 * when it was taken, or why it was not ("not a MAC address"): the line is
 * then logged with its number and counted as bad. */
typedef const char *(*statefile_line_fn)(char *line, unsigned lineno,
					 void *arg);

struct statefile_stats {
	unsigned lines; /* lines read, the skipped ones included */
	unsigned bad;	/* lines skipped as long, cut off or malformed */
};

/*
 * Feed each line of PATH of at most max_line characters to fn (comments
 * "#..." and blank lines are not passed).  Returns 0, or -1 with errno
 * when the file cannot be used at all: ENOENT (not logged: a first start),
 * EINVAL (not a regular file), EFBIG (larger than max_bytes), EACCES or a
 * read error; every case but ENOENT is logged.  Lines read before a read
 * error have been passed.  stats may be NULL.
 */
int statefile_load(const char *path, size_t max_bytes, size_t max_line,
		   statefile_line_fn fn, void *arg,
		   struct statefile_stats *stats);

#endif
