/*
 * measurements.c - the measurement stream: every result of every check as
 * one JSON line, to a file or stdout, for tools of the user's own.
 *
 * Unlike the events file this writes samples, not changes.  It must never
 * hold the loop up: a file gets small O_APPEND writes, and a pipe on
 * stdout is written through a non-blocking descriptor of its own, lines
 * it cannot take at once waiting in a bounded buffer (MEAS_PENDING_MAX)
 * that drains when the loop says the pipe is writable.  What does not
 * fit, or meets a write error (a full disk, a reader gone), is dropped
 * and counted (pilotlight_measurements_dropped_total), logged once until
 * a write succeeds again.  A file renamed or removed away (logrotate) is
 * noticed before the next line, by comparing the path's device and inode
 * with the open descriptor's, and created anew; copytruncate works as is
 * thanks to O_APPEND.  The events writer (events.c) has the same needs:
 * the two should share this file logic.
 *
 * A line (values null where the check does not measure them):
 *
 *   {"time":"2026-11-22T01:23:45.123Z","epoch":1795310625.123,"seq":7,
 *    "host":"router","check":"router/ping","type":"ping","state":"OK",
 *    "ok":true,"rtt_ms":0.31,"rtt_min_ms":0.2,"rtt_max_ms":0.4,
 *    "jitter_ms":0.05,"loss_pct":0,"response_time_ms":null,
 *    "cert_days":null,"reason":"rtt 0.31 ms loss 0%"}
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "exports_int.h"
#include "json.h"
#include "log.h"
#include "loop.h"
#include "probe.h"

#define MEAS_LINE_MAX 1024

struct measurements {
	struct loop *loop;	 /* NULL: no writability watch (tests) */
	char path[CFG_PATH_MAX]; /* "" for stdout */
	int fd;			 /* -1: nothing configured */
	dev_t dev;		 /* of the file fd has open */
	ino_t ino;
	bool watching;	     /* fd is in the loop for EPOLLOUT */
	bool failing;	     /* a write failed; logged once */
	bool reopen_failing; /* the rotated path cannot be created */
	char pend[MEAS_PENDING_MAX];
	size_t pend_len;
	struct measurements_counts n;
};

/* ---- formatting ------------------------------------------------------- */

size_t measurements_format(char *buf, size_t len, uint64_t seq,
			   const struct measurement *m)
{
	const struct probe_result *r = m->r;
	struct json_line l = { buf, len, 0 };
	bool has_rtt = isfinite(r->value[METRIC_RTT]);

	json_line_head(&l, m->wall_ns);
	json_line_printf(&l, ",\"seq\":%" PRIu64, seq);
	json_line_string(&l, "host", m->host);
	json_line_string(&l, "check", m->check);
	json_line_string(&l, "type", m->type);
	json_line_string(&l, "state", state_name(m->state));
	json_line_printf(&l, ",\"ok\":%s", r->ok ? "true" : "false");
	json_line_number(&l, "rtt_ms", r->value[METRIC_RTT]);
	/* only a ping with replies has them; other probes leave them 0 */
	json_line_number(&l, "rtt_min_ms", has_rtt ? r->rtt_min_ms : NAN);
	json_line_number(&l, "rtt_max_ms", has_rtt ? r->rtt_max_ms : NAN);
	json_line_number(&l, "jitter_ms", r->value[METRIC_JITTER]);
	json_line_number(&l, "loss_pct", r->value[METRIC_LOSS]);
	json_line_number(&l, "response_time_ms",
			 r->value[METRIC_RESPONSE_TIME]);
	json_line_number(&l, "cert_days", r->value[METRIC_CERT_DAYS]);
	json_line_string(&l, "reason", r->reason);
	json_line_printf(&l, "}");
	return l.used;
}

/* ---- the descriptor ---------------------------------------------------- */

static int open_file(struct measurements *m)
{
	struct stat st;
	int fd = open(m->path,
		      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY |
			      O_NONBLOCK,
		      0644);

	if (fd < 0)
		return -1;
	/* a FIFO or a device put at the path must not stop the loop */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	m->fd = fd;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	return 0;
}

/* A descriptor of stdout's own, so O_NONBLOCK does not reach the panel's
 * or a shell's: reopening /proc/self/fd/1 makes a new open file
 * description for a pipe, a terminal or a file.  A socket (the journal)
 * cannot be reopened; its duplicate is made non-blocking instead. */
static int open_stdout(struct measurements *m)
{
	int fd = open("/proc/self/fd/1",
		      O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0 || fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND) < 0) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
	}
	m->fd = fd;
	return 0;
}

/* The descriptor sits in the loop one-shot: armed for EPOLLOUT only
 * while lines wait, so a reader that hung up cannot wake the loop again
 * and again. */
static void watch(struct measurements *m, bool on)
{
	if (!m->loop || on == m->watching)
		return;
	if (loop_mod_fd(m->loop, m->fd,
			EPOLLONESHOT | (on ? (uint32_t)EPOLLOUT : 0)) == 0)
		m->watching = on;
}

static size_t count_lines(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

/* err 0: the buffer is full, the reader too slow. */
static void write_failed(struct measurements *m, int err, size_t lines)
{
	const char *to = m->path[0] ? m->path : "stdout";

	m->n.dropped += lines;
	if (m->failing)
		return;
	if (err)
		log_warn("measurements: cannot write %s: %s; dropping lines",
			 to, strerror(err));
	else
		log_warn("measurements: %s is not read fast enough; dropping "
			 "lines",
			 to);
	m->failing = true;
}

static void write_ok(struct measurements *m, size_t lines)
{
	m->n.written += lines;
	if (m->failing)
		log_notice("measurements: writing %s again",
			   m->path[0] ? m->path : "stdout");
	m->failing = false;
}

/* Hand what waits to the kernel; 0 when all went, -1 when some waits. */
static int flush_pending(struct measurements *m)
{
	ssize_t w;

	while (m->pend_len > 0) {
		w = write(m->fd, m->pend, m->pend_len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			watch(m, true);
			return -1;
		}
		if (w <= 0) {
			write_failed(m, w < 0 ? errno : ENOSPC,
				     count_lines(m->pend, m->pend_len));
			m->pend_len = 0;
			break;
		}
		write_ok(m, count_lines(m->pend, (size_t)w));
		memmove(m->pend, m->pend + w, m->pend_len - (size_t)w);
		m->pend_len -= (size_t)w;
	}
	watch(m, false);
	return 0;
}

static void on_writable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct measurements *m = arg;

	(void)l;
	(void)fd;
	(void)events;
	m->watching = false; /* one-shot: disarmed by this event */
	flush_pending(m);
}

/* The path names another file now (renamed, removed, replaced): write to
 * a new one there.  Until it can be created the old descriptor stays. */
static void follow_rotation(struct measurements *m)
{
	struct stat st;
	int old = m->fd;

	if (stat(m->path, &st) == 0 && st.st_dev == m->dev &&
	    st.st_ino == m->ino)
		return;
	flush_pending(m); /* what waits belongs to the old file */
	if (open_file(m) < 0) {
		if (!m->reopen_failing)
			log_warn("measurements: cannot create %s: %s; still "
				 "writing the old file",
				 m->path, strerror(errno));
		m->reopen_failing = true;
		return;
	}
	m->reopen_failing = false;
	close(old);
}

/* ---- the API ----------------------------------------------------------- */

void measurements_write(struct measurements *m, const struct measurement *ms)
{
	char line[MEAS_LINE_MAX];
	size_t n;
	ssize_t w = 0;

	if (!m || m->fd < 0)
		return;
	n = measurements_format(line, sizeof(line) - 1, ++m->n.lines, ms);
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2; /* reasons are short: never in practice */
	line[n++] = '\n';
	if (m->path[0])
		follow_rotation(m);
	if (flush_pending(m) == 0) {
		do
			w = write(m->fd, line, n);
		while (w < 0 && errno == EINTR);
		if (w == (ssize_t)n) {
			write_ok(m, 1);
			return;
		}
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			write_failed(m, errno, 1);
			return;
		}
		w = w < 0 ? 0 : w;
	}
	if (m->pend_len + n - (size_t)w > sizeof(m->pend)) {
		write_failed(m, 0, 1);
		return;
	}
	memcpy(m->pend + m->pend_len, line + w, n - (size_t)w);
	m->pend_len += n - (size_t)w;
	watch(m, true);
}

struct measurements *measurements_open(struct loop *l, const char *file,
				       char *err, size_t errlen)
{
	struct measurements *m = calloc(1, sizeof(*m));
	int r = 0;

	if (!m) {
		snprintf(err, errlen, "measurements: %s", strerror(errno));
		return NULL;
	}
	m->fd = -1;
	if (strcmp(file, "-") == 0)
		r = open_stdout(m);
	else if (file[0]) {
		snprintf(m->path, sizeof(m->path), "%s", file);
		r = open_file(m);
	}
	if (r < 0) {
		snprintf(err, errlen, "measurements: cannot open %s: %s",
			 file[0] == '-' ? "stdout" : file, strerror(errno));
		free(m);
		return NULL;
	}
	/* stdout redirected to a file cannot be polled (EPERM): like a
	 * file, it never makes a write wait. */
	if (l && m->fd >= 0 && !m->path[0]) {
		if (loop_add_fd(l, m->fd, EPOLLONESHOT, on_writable, m) == 0)
			m->loop = l;
		else if (errno != EPERM) {
			snprintf(err, errlen, "measurements: %s",
				 strerror(errno));
			measurements_close(m);
			return NULL;
		}
	}
	return m;
}

int measurements_reopen(struct measurements *m)
{
	int old;

	if (!m || !m->path[0])
		return 0;
	old = m->fd;
	flush_pending(m);
	if (open_file(m) < 0)
		return -1;
	close(old);
	m->reopen_failing = false;
	return 0;
}

bool measurements_same(const struct measurements *m, const char *file)
{
	if (!m)
		return !file[0];
	if (m->fd < 0)
		return !file[0];
	return m->path[0] ? strcmp(m->path, file) == 0 : strcmp(file, "-") == 0;
}

void measurements_counts(const struct measurements *m,
			 struct measurements_counts *c)
{
	*c = m ? m->n : (struct measurements_counts){ 0 };
}

void measurements_set_counts(struct measurements *m,
			     const struct measurements_counts *c)
{
	if (m)
		m->n = *c;
}

void measurements_render(struct xbuf *b, const struct measurements_counts *c)
{
	prom_family(b, "pilotlight_measurements_written_total", "counter",
		    "Result lines written to the measurement stream.");
	prom_sample1(b, "pilotlight_measurements_written_total", NULL, NULL,
		     (double)c->written);
	prom_family(b, "pilotlight_measurements_dropped_total", "counter",
		    "Result lines the measurement stream dropped: its reader "
		    "too slow, the disk full or a write error.");
	prom_sample1(b, "pilotlight_measurements_dropped_total", NULL, NULL,
		     (double)c->dropped);
}

void measurements_close(struct measurements *m)
{
	if (!m)
		return;
	if (m->fd >= 0) {
		flush_pending(m);
		m->n.dropped += count_lines(m->pend, m->pend_len);
		if (m->loop)
			loop_del_fd(m->loop, m->fd);
		close(m->fd);
	}
	free(m);
}
