/*
 * evfile.c - a file of lines (the events file, the measurement stream)
 * appended so that log rotation, deletion and a full or unwritable disk
 * never stop the loop and lose no line unnoticed.  events.c and
 * measurements.c differ only in the policy they open it with.
 *
 * Before every write the open descriptor is compared with the path (device
 * and inode, and a link count of 0 for a deleted file): a file renamed
 * away (logrotate's create mode) or deleted is let go and the path opened
 * again with O_APPEND|O_CREAT by the user the daemon runs as.  A
 * copytruncate needs nothing: O_APPEND puts every write at the end of
 * what is there now.  Only a regular file is written; O_NONBLOCK: a FIFO
 * put at the path must not stop the loop.
 *
 * Lines wait whole and in order in one buffer allocated at open.  A line
 * that cannot be written is, by policy: EVFILE_HOLD, held (at most
 * EVFILE_QUEUE_MAX, the oldest dropped beyond), the outage logged once,
 * retried with backoff (EVFILE_RETRY_MIN_NS doubling to
 * EVFILE_RETRY_MAX_NS) and before each new line; EVFILE_DROP, dropped at
 * once, only what a non-blocking pipe cannot take yet waiting (at most
 * EVFILE_PENDING_MAX bytes, the new line dropped beyond) until the loop
 * says the pipe is writable.  Both count what they drop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "exports_int.h"
#include "log.h"
#include "loop.h"

_Static_assert(EVFILE_PENDING_MAX > EVFILE_LINE_MAX,
	       "a dropping writer's buffer holds a whole line");

struct evfile {
	const char *label; /* "events": starts each log message */
	enum evfile_policy policy;
	char *path;	  /* NULL: fd is never reopened */
	const char *name; /* in messages: the path, "stdout" */
	int fd;		  /* -1: not open */
	bool own_fd;	  /* closed by evfile_close() */
	mode_t mode;	  /* of a file created at path */
	dev_t dev;	  /* of fd, to notice a rename or deletion */
	ino_t ino;
	struct loop *loop;	/* watches fd for room in a full pipe */
	bool watching;		/* armed for EPOLLOUT (one-shot) */
	char *buf;		/* waiting lines, '\n' ended, at start */
	size_t cap, start, end; /* bytes: allocated, first, past last */
	size_t n, max;		/* lines waiting, at most */
	size_t head_off;	/* bytes of the first already written */
	bool failing;		/* the outage is logged */
	bool dropping;		/* the overflow is logged */
	int attempt;		/* retries since the outage began */
	int64_t retry_ns;	/* next retry (monotonic), HOLD only */
	struct evfile_counts total;
	uint64_t dropped_taken; /* by evfile_take_dropped() */
};

/* ---- the descriptor ---------------------------------------------------- */

/* The open descriptor is still what the path names. */
static bool same_file(const struct evfile *f)
{
	struct stat a, b;

	return fstat(f->fd, &a) == 0 && a.st_nlink > 0 &&
	       stat(f->path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The path opened for appending; -1 with errno, EINVAL for what is not a
 * regular file. */
static int open_regular(const char *path, mode_t mode, struct stat *st)
{
	int fd = open(path,
		      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY |
			      O_NONBLOCK,
		      mode);
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
	fd = open_regular(f->path, f->mode, &st);
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

/* A descriptor of stdout's own, so O_NONBLOCK does not reach the panel's
 * or a shell's: reopening /proc/self/fd/1 makes a new open file
 * description for a pipe, a terminal or a file.  A socket (the journal)
 * cannot be reopened; its duplicate is made non-blocking instead. */
static int open_stdout(void)
{
	int fd = open("/proc/self/fd/1",
		      O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd >= 0)
		return fd;
	fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (fd >= 0 && fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The descriptor sits in the loop one-shot: armed for EPOLLOUT only
 * while lines wait, so a reader that hung up cannot wake the loop again
 * and again. */
static void watch(struct evfile *f, bool on)
{
	if (!f->loop || on == f->watching)
		return;
	if (loop_mod_fd(f->loop, f->fd,
			EPOLLONESHOT | (on ? (uint32_t)EPOLLOUT : 0)) == 0)
		f->watching = on;
}

/* ---- the waiting lines ------------------------------------------------- */

static size_t first_len(const struct evfile *f)
{
	const char *s = f->buf + f->start;
	const char *nl = memchr(s, '\n', f->end - f->start);

	return (size_t)(nl - s) + 1;
}

/* The first line leaves the buffer; returns its length. */
static size_t pop(struct evfile *f)
{
	size_t len = first_len(f);

	f->start += len;
	if (--f->n == 0)
		f->start = f->end = 0;
	return len;
}

/* w more bytes went out: the lines they complete are written. */
static void consumed(struct evfile *f, size_t w)
{
	f->head_off += w;
	while (f->n > 0 && f->head_off >= first_len(f)) {
		f->head_off -= pop(f);
		f->total.written++;
	}
}

static void drop_all(struct evfile *f)
{
	f->total.dropped += f->n;
	f->n = f->start = f->end = f->head_off = 0;
}

static size_t room(const struct evfile *f)
{
	return f->n < f->max ? f->cap - (f->end - f->start) : 0;
}

/* A line found no room: said once an outage. */
static void overflowed(struct evfile *f)
{
	if (f->dropping)
		return;
	if (f->policy == EVFILE_HOLD)
		log_always(LOG_WARNING,
			   "%s: %d %s held for %s: dropping the oldest",
			   f->label, EVFILE_QUEUE_MAX, f->label, f->name);
	else
		log_always(LOG_WARNING,
			   "%s: %s is not read fast enough; dropping lines",
			   f->label, f->name);
	f->dropping = true;
}

/* Room for len bytes, the oldest lines dropped for it (HOLD); false:
 * the new line is dropped (DROP). */
static bool make_room(struct evfile *f, size_t len)
{
	while (room(f) < len) {
		overflowed(f);
		f->total.dropped++;
		if (f->policy == EVFILE_DROP)
			return false;
		pop(f);
		f->head_off = 0;
	}
	if (f->end + len > f->cap) {
		memmove(f->buf, f->buf + f->start, f->end - f->start);
		f->end -= f->start;
		f->start = 0;
	}
	return true;
}

/* ---- writing ----------------------------------------------------------- */

static int64_t backoff_ns(int attempt)
{
	int64_t ns = EVFILE_RETRY_MIN_NS;

	while (attempt-- > 0 && ns < EVFILE_RETRY_MAX_NS)
		ns *= 2;
	return ns < EVFILE_RETRY_MAX_NS ? ns : EVFILE_RETRY_MAX_NS;
}

/* The waiting lines cannot be written (errno says why). */
static void failed(struct evfile *f, int64_t now_ns)
{
	if (f->policy == EVFILE_DROP) {
		if (!f->failing)
			log_always(LOG_WARNING,
				   "%s: cannot write %s: %s; dropping lines",
				   f->label, f->name, strerror(errno));
		drop_all(f);
		f->failing = true;
		return;
	}
	if (!f->failing)
		log_always(LOG_WARNING,
			   "%s: cannot write %s: %s; holding up to %d "
			   "%s in memory and retrying",
			   f->label, f->name, strerror(errno), EVFILE_QUEUE_MAX,
			   f->label);
	/* A new line tries at once; only the timer's tries back off. */
	if (!f->failing || now_ns >= f->retry_ns)
		f->retry_ns = now_ns + backoff_ns(f->attempt++);
	f->failing = true;
}

static void recovered(struct evfile *f, size_t written)
{
	if (!f->failing && !f->dropping)
		return;
	if (f->policy == EVFILE_HOLD)
		log_always(LOG_NOTICE,
			   "%s: writing %s again, %zu %s written from memory",
			   f->label, f->name, written, f->label);
	else
		log_always(LOG_NOTICE, "%s: writing %s again", f->label,
			   f->name);
	f->failing = f->dropping = false;
	f->attempt = 0;
}

/* Write the waiting lines out, oldest first.  0 when none is left, else
 * -1 with errno (the rest waits). */
static int drain(struct evfile *f)
{
	while (f->n > 0) {
		ssize_t w;

		if (ensure_open(f) < 0)
			return -1;
		w = write(f->fd, f->buf + f->start + f->head_off,
			  f->end - f->start - f->head_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		consumed(f, (size_t)w);
	}
	return 0;
}

static void flush(struct evfile *f, int64_t now_ns)
{
	size_t before = f->n;

	if (before == 0)
		return;
	if (drain(f) == 0)
		recovered(f, before);
	else if (f->policy == EVFILE_HOLD ||
		 (errno != EAGAIN && errno != EWOULDBLOCK))
		failed(f, now_ns);
	/* else a full pipe: the rest waits for room */
	watch(f, f->n > 0);
}

static void on_writable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct evfile *f = arg;

	(void)l;
	(void)fd;
	(void)events;
	f->watching = false; /* one-shot: disarmed by this event */
	flush(f, clock_now_ns());
}

/* The line and its newline after the others; make_room() made room. */
static void append(struct evfile *f, const char *line, size_t len)
{
	char *s = f->buf + f->end;

	memcpy(s, line, len);
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n') /* the queue finds its lines by their ends */
			s[i] = ' ';
	s[len] = '\n';
	f->end += len + 1;
	f->n++;
}

void evfile_write(struct evfile *f, const char *line, size_t len,
		  int64_t now_ns)
{
	if (!f)
		return;
	if (len > EVFILE_LINE_MAX)
		len = EVFILE_LINE_MAX;
	if (room(f) <= len)
		flush(f, now_ns); /* make room if the file is back */
	if (make_room(f, len + 1))
		append(f, line, len);
	flush(f, now_ns);
}

int evfile_reopen(struct evfile *f, int64_t now_ns)
{
	int e;

	if (!f)
		return 0;
	if (ensure_open(f) < 0) {
		e = errno;
		failed(f, now_ns);
		errno = e;
		return -1;
	}
	flush(f, now_ns);
	return 0;
}

int64_t evfile_retry(struct evfile *f, int64_t now_ns)
{
	if (!f || f->n == 0 || f->policy != EVFILE_HOLD)
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
	uint64_t n;

	if (!f)
		return 0;
	n = f->total.dropped - f->dropped_taken;
	f->dropped_taken = f->total.dropped;
	return n;
}

void evfile_counts(const struct evfile *f, struct evfile_counts *c)
{
	*c = f ? f->total : (struct evfile_counts){ 0 };
}

/* ---- lifecycle --------------------------------------------------------- */

/* A rotated or deleted file is created again in its directory: say at
 * once if that will fail (access() checks the real uid, which is the
 * service user's once privileges are dropped). */
static void check_dir(const struct evfile *f)
{
	const char *slash = strrchr(f->path, '/');
	char dir[CFG_PATH_MAX];

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 slash == f->path ? 1 : (int)(slash - f->path),
			 f->path);
	if (access(dir, W_OK | X_OK) < 0)
		log_always(LOG_WARNING,
			   "%s: cannot create files in %s (%s): %s "
			   "cannot be created again after a rotation",
			   f->label, dir, strerror(errno), f->path);
}

/* The descriptor p names, opened; -1 with errno. */
static int open_target(struct evfile *f, const struct evfile_params *p)
{
	if (p->path) {
		f->path = strdup(p->path);
		if (!f->path || ensure_open(f) < 0)
			return -1;
		f->name = f->path;
		check_dir(f);
	} else if (p->fd == EVFILE_STDOUT) {
		f->fd = open_stdout();
		if (f->fd < 0)
			return -1;
		f->name = "stdout";
	} else {
		f->fd = p->fd;
		f->name = "the output";
		return 0;
	}
	f->own_fd = true;
	return 0;
}

struct evfile *evfile_open_with(const struct evfile_params *p)
{
	struct evfile *f = calloc(1, sizeof(*f));
	bool hold = p->policy == EVFILE_HOLD;

	if (!f)
		return NULL;
	f->label = p->label;
	f->policy = p->policy;
	f->mode = p->mode;
	f->fd = -1;
	f->max = hold ? EVFILE_QUEUE_MAX : SIZE_MAX;
	f->cap = hold ? EVFILE_QUEUE_MAX * (EVFILE_LINE_MAX + 1)
		      : EVFILE_PENDING_MAX;
	f->buf = malloc(f->cap);
	if (!f->buf || open_target(f, p) < 0)
		goto fail;
	/* stdout redirected to a file cannot be polled (EPERM): like a
	 * file, it never makes a write wait. */
	if (p->loop && !p->path && p->fd == EVFILE_STDOUT) {
		if (loop_add_fd(p->loop, f->fd, EPOLLONESHOT, on_writable, f) ==
		    0)
			f->loop = p->loop;
		else if (errno != EPERM)
			goto fail;
	}
	return f;

fail:
	evfile_close(f);
	return NULL;
}

struct evfile *evfile_open(const char *path, int fd)
{
	struct evfile_params p = { .label = "events",
				   .policy = EVFILE_HOLD,
				   .path = path,
				   .fd = fd,
				   .mode = 0640 };

	return evfile_open_with(&p);
}

void evfile_close(struct evfile *f)
{
	int e = errno;

	if (!f)
		return;
	if (f->n > 0 && drain(f) < 0)
		log_always(LOG_WARNING, "%s: %zu %s not written to %s",
			   f->label, f->n, f->label, f->name);
	drop_all(f);
	if (f->loop)
		loop_del_fd(f->loop, f->fd);
	if (f->own_fd)
		close(f->fd);
	free(f->path);
	free(f->buf);
	free(f);
	errno = e;
}
