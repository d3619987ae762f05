/*
 * statefile.c - atomic writes and distrustful reads of the files in
 * daemon.state_dir (statefile.h has the rules).
 *
 * Lines are read a byte at a time through stdio's buffer into a buffer of
 * the caller's limit, so a line of any length (or a file without a single
 * newline) costs no memory beyond it, and a NUL byte cannot hide the end
 * of a line from strlen().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "statefile.h"

/* fsync the directory holding path, so the rename itself is durable. */
static int sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	int fd, rc;

	if (n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!slash)
		strcpy(dir, ".");
	else if (n == 0)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* The writer's output, flushed and on the disk; keeps the first errno. */
static int write_all(int fd, statefile_writer_fn fn, const void *arg)
{
	FILE *f = fdopen(fd, "w");
	int err;

	if (!f) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	errno = 0;
	if (fn(f, arg) < 0 || fflush(f) != 0 || ferror(f) || fsync(fd) < 0) {
		err = errno ? errno : EIO;
		fclose(f);
		errno = err;
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

int statefile_save(const char *path, statefile_writer_fn fn, const void *arg)
{
	char tmp[PATH_MAX];
	int fd, err;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, fn, arg) < 0 || rename(tmp, path) < 0)
		goto fail;
	/* The new file is in place; a directory that cannot be synced
	 * (some FUSE file systems) only makes it less durable. */
	sync_dir(path);
	return 0;
fail:
	err = errno;
	unlink(tmp);
	errno = err;
	return -1;
}

struct reader {
	const char *path;
	FILE *f;
	char *buf;
	size_t max_line;
	struct statefile_stats st;
	char too_long[48];
};

static void skip(struct reader *r, unsigned lineno, const char *why)
{
	if (r->st.bad++ < STATEFILE_LOG_LINES)
		log_warn("%s:%u: %s; line skipped", r->path, lineno, why);
}

/* Read the next line into r->buf.  Returns 1 with *why NULL for a good
 * line, 1 with *why set for one to skip, 0 at the end, -1 on error. */
static int next_line(struct reader *r, const char **why)
{
	size_t n = 0;
	bool nul = false;
	int c;

	*why = NULL;
	while ((c = getc(r->f)) != EOF && c != '\n') {
		if (c == '\0')
			nul = true;
		if (n < r->max_line)
			r->buf[n] = (char)c;
		n++;
	}
	if (ferror(r->f))
		return -1;
	if (c == EOF && n == 0)
		return 0;
	r->buf[n < r->max_line ? n : r->max_line] = '\0';
	if (n > 0 && n <= r->max_line && r->buf[n - 1] == '\r')
		r->buf[n - 1] = '\0';
	if (n > r->max_line)
		*why = r->too_long;
	else if (nul)
		*why = "a NUL byte in it";
	else if (c == EOF)
		*why = "no newline at its end (the file is cut off)";
	return 1;
}

static int read_lines(struct reader *r, statefile_line_fn fn, void *arg)
{
	const char *why;
	int rc;

	while ((rc = next_line(r, &why)) > 0) {
		r->st.lines++;
		if (!why && (r->buf[0] == '#' || r->buf[0] == '\0'))
			continue;
		if (!why)
			why = fn(r->buf, r->st.lines, arg);
		if (why)
			skip(r, r->st.lines, why);
	}
	if (r->st.bad > STATEFILE_LOG_LINES)
		log_warn("%s: %u more bad lines skipped", r->path,
			 r->st.bad - STATEFILE_LOG_LINES);
	return rc;
}

/* Open path for reading without blocking and check what it is. */
static FILE *open_regular(const char *path, size_t max_bytes)
{
	struct stat sb;
	FILE *f;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("%s: cannot read: %s; ignored", path,
				 strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) < 0)
		goto fail;
	if (!S_ISREG(sb.st_mode)) {
		log_warn("%s: not a regular file; ignored", path);
		errno = EINVAL;
		goto fail;
	}
	if ((unsigned long long)sb.st_size > max_bytes) {
		log_warn("%s: %lld bytes, more than %zu; ignored", path,
			 (long long)sb.st_size, max_bytes);
		errno = EFBIG;
		goto fail;
	}
	f = fdopen(fd, "r");
	if (f)
		return f;
fail : {
	int err = errno;

	close(fd);
	errno = err;
}
	return NULL;
}

int statefile_load(const char *path, size_t max_bytes, size_t max_line,
		   statefile_line_fn fn, void *arg,
		   struct statefile_stats *stats)
{
	struct reader r = { .path = path, .max_line = max_line };
	int rc, err;

	snprintf(r.too_long, sizeof(r.too_long), "longer than %zu characters",
		 max_line);
	if (stats)
		*stats = r.st;
	r.f = open_regular(path, max_bytes);
	if (!r.f)
		return -1;
	r.buf = malloc(max_line + 1);
	if (!r.buf) {
		fclose(r.f);
		errno = ENOMEM;
		return -1;
	}
	rc = read_lines(&r, fn, arg);
	err = errno;
	if (rc < 0)
		log_warn("%s:%u: read error: %s; the rest ignored", path,
			 r.st.lines + 1, strerror(err));
	free(r.buf);
	fclose(r.f);
	if (stats)
		*stats = r.st;
	errno = err;
	return rc < 0 ? -1 : 0;
}
