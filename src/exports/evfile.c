/*
 * evfile.c - the events file: lines appended so that log rotation,
 * deletion and a full or unwritable disk lose none of them.
 *
 * Before every write the open descriptor is compared with the path (device
 * and inode, and a link count of 0 for a deleted file): a file renamed
 * away (logrotate's create mode) or deleted is let go and the path opened
 * again with O_APPEND|O_CREAT, mode 0640, by the user the daemon runs as.
 * A copytruncate needs nothing: O_APPEND puts every write at the end of
 * what is there now.  A line that cannot be written (the directory not
 * writable, the disk full) waits in a queue of EVFILE_QUEUE_MAX lines,
 * allocated at open; the outage is logged once with what is at risk and
 * the queue is retried with backoff (EVFILE_RETRY_MIN_NS doubling to
 * EVFILE_RETRY_MAX_NS) and before each new line, oldest first.  When it
 * is full the oldest line is dropped and counted (evfile_take_dropped()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "exports_int.h"
#include "log.h"

struct slot {
	size_t len; /* newline included */
	char text[EVFILE_LINE_MAX + 1];
};

struct evfile {
	char *path; /* NULL: fd is written as it is, never reopened */
	int fd;	    /* -1: not open */
	dev_t dev;  /* of fd, to notice a rename or deletion */
	ino_t ino;
	struct slot *q;	  /* ring of EVFILE_QUEUE_MAX */
	size_t head, n;	  /* oldest, how many */
	size_t head_off;  /* bytes of q[head] already written */
	bool failing;	  /* the outage is logged */
	bool dropping;	  /* the overflow is logged */
	int attempt;	  /* retries since the outage began */
	int64_t retry_ns; /* next retry (monotonic) while n > 0 */
	uint64_t dropped; /* not yet taken */
};

/* The open descriptor is still what the path names. */
static bool same_file(const struct evfile *f)
{
	struct stat a, b;

	return fstat(f->fd, &a) == 0 && a.st_nlink > 0 &&
	       stat(f->path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The path opened for appending; -1 with errno, EINVAL for what is not a
 * regular file.  O_NONBLOCK: a FIFO put there must not stop the loop. */
static int open_regular(const char *path, struct stat *st)
{
	int fd = open(path,
		      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY |
			      O_NONBLOCK,
		      0640);
	int e;

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		e = errno;
	else if (!S_ISREG(st->st_mode))
		e = EINVAL;
	else
		return fd;
	close(fd);
	errno = e;
	return -1;
}

/* An open descriptor for the path, reopened if the file was renamed or
 * deleted.  -1 with errno. */
static int ensure_open(struct evfile *f)
{
	struct stat st;
	int fd;

	if (!f->path)
		return 0;
	if (f->fd >= 0 && same_file(f))
		return 0;
	fd = open_regular(f->path, &st);
	if (fd < 0)
		return -1;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->head_off = 0; /* a line cut short there is written whole here */
	return 0;
}

static const char *name(const struct evfile *f)
{
	return f->path ? f->path : "the output";
}

static int64_t backoff_ns(int attempt)
{
	int64_t ns = EVFILE_RETRY_MIN_NS;

	while (attempt-- > 0 && ns < EVFILE_RETRY_MAX_NS)
		ns *= 2;
	return ns < EVFILE_RETRY_MAX_NS ? ns : EVFILE_RETRY_MAX_NS;
}

static void failed(struct evfile *f, int64_t now_ns)
{
	if (!f->failing)
		log_always(LOG_WARNING,
			   "events: cannot write %s: %s; holding up to %d "
			   "events in memory and retrying",
			   name(f), strerror(errno), EVFILE_QUEUE_MAX);
	/* A new line tries at once; only the timer's tries back off. */
	if (!f->failing || now_ns >= f->retry_ns)
		f->retry_ns = now_ns + backoff_ns(f->attempt++);
	f->failing = true;
}

static void recovered(struct evfile *f, size_t written)
{
	if (f->failing)
		log_always(LOG_NOTICE,
			   "events: writing %s again, %zu events written "
			   "from memory",
			   name(f), written);
	f->failing = f->dropping = false;
	f->attempt = 0;
}

/* Write the queue out, oldest first.  0 when it is empty, else -1 with
 * errno (the rest stays queued). */
static int drain(struct evfile *f)
{
	while (f->n > 0) {
		const struct slot *s = &f->q[f->head];
		ssize_t w;

		if (ensure_open(f) < 0)
			return -1;
		w = write(f->fd, s->text + f->head_off, s->len - f->head_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		f->head_off += (size_t)w;
		if (f->head_off < s->len)
			continue;
		f->head_off = 0;
		f->head = (f->head + 1) % EVFILE_QUEUE_MAX;
		f->n--;
	}
	return 0;
}

static void flush(struct evfile *f, int64_t now_ns)
{
	size_t before = f->n;

	if (drain(f) < 0)
		failed(f, now_ns);
	else
		recovered(f, before);
}

static void push(struct evfile *f, const char *line, size_t len)
{
	struct slot *s;

	if (len > EVFILE_LINE_MAX)
		len = EVFILE_LINE_MAX;
	if (f->n == EVFILE_QUEUE_MAX) {
		if (!f->dropping)
			log_always(LOG_WARNING,
				   "events: %d events held for %s: dropping "
				   "the oldest",
				   EVFILE_QUEUE_MAX, name(f));
		f->dropping = true;
		f->head = (f->head + 1) % EVFILE_QUEUE_MAX;
		f->head_off = 0;
		f->n--;
		f->dropped++;
	}
	s = &f->q[(f->head + f->n) % EVFILE_QUEUE_MAX];
	memcpy(s->text, line, len);
	s->text[len] = '\n';
	s->len = len + 1;
	f->n++;
}

void evfile_write(struct evfile *f, const char *line, size_t len,
		  int64_t now_ns)
{
	if (!f)
		return;
	if (f->n == EVFILE_QUEUE_MAX)
		flush(f, now_ns); /* make room if the file is back */
	push(f, line, len);
	flush(f, now_ns);
}

void evfile_reopen(struct evfile *f, int64_t now_ns)
{
	if (!f)
		return;
	if (ensure_open(f) < 0)
		failed(f, now_ns);
	else if (f->n > 0)
		flush(f, now_ns);
}

int64_t evfile_retry(struct evfile *f, int64_t now_ns)
{
	if (!f || f->n == 0)
		return -1;
	if (now_ns >= f->retry_ns)
		flush(f, now_ns);
	if (f->n == 0)
		return -1;
	return f->retry_ns > now_ns ? f->retry_ns - now_ns : 0;
}

size_t evfile_held(const struct evfile *f)
{
	return f ? f->n : 0;
}

uint64_t evfile_take_dropped(struct evfile *f)
{
	uint64_t n = f ? f->dropped : 0;

	if (f)
		f->dropped = 0;
	return n;
}

/* A rotated or deleted file is created again in its directory: say at
 * once if that will fail (access() checks the real uid, which is the
 * service user's once privileges are dropped). */
static void check_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[CFG_PATH_MAX];

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 slash == path ? 1 : (int)(slash - path), path);
	if (access(dir, W_OK | X_OK) < 0)
		log_always(LOG_WARNING,
			   "events: cannot create files in %s (%s): %s "
			   "cannot be created again after a rotation",
			   dir, strerror(errno), path);
}

struct evfile *evfile_open(const char *path, int fd)
{
	struct evfile *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->fd = fd;
	f->q = calloc(EVFILE_QUEUE_MAX, sizeof(*f->q));
	if (!f->q)
		goto fail;
	if (path) {
		f->fd = -1;
		f->path = strdup(path);
		if (!f->path || ensure_open(f) < 0)
			goto fail;
		check_dir(path);
	}
	return f;

fail:
	evfile_close(f);
	return NULL;
}

void evfile_close(struct evfile *f)
{
	int e = errno;

	if (!f)
		return;
	if (f->n > 0 && drain(f) < 0)
		log_always(LOG_WARNING, "events: %zu events not written to %s",
			   f->n, name(f));
	if (f->path && f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f->q);
	free(f);
	errno = e;
}
