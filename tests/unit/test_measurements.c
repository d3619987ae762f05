/*
 * test_measurements.c - the measurement stream as its reader sees it: the
 * exact line of a ping and of a failed tcp result, reasons escaped, a
 * file renamed or removed by log rotation (the next line lands in a new
 * file, none lost), and a pipe on stdout that is not read: lines wait in
 * the bounded buffer, the rest are dropped and counted, nothing blocks,
 * and what waited arrives whole once the reader reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/exports/exports_int.h"
#include "clock.h"
#include "loop.h"
#include "probe.h"

/* 2026-11-18T11:06:40.250Z */
#define WALL_NS (INT64_C(1795000000) * NS_PER_S + 250 * NS_PER_MS)

static struct probe_result ping_result(void)
{
	struct probe_result r;

	probe_result_init(&r);
	r.ok = true;
	r.value[METRIC_RTT] = 0.5;
	r.value[METRIC_LOSS] = 0;
	r.value[METRIC_JITTER] = 0.125;
	r.rtt_min_ms = 0.25;
	r.rtt_max_ms = 0.75;
	snprintf(r.reason, sizeof(r.reason), "rtt 0.50 ms loss 0%%");
	return r;
}

static struct measurement meas(const struct probe_result *r, const char *check,
			       const char *type, enum pl_state s)
{
	return (struct measurement){ .wall_ns = WALL_NS,
				     .host = "router",
				     .check = check,
				     .type = type,
				     .state = s,
				     .r = r };
}

static void test_format_ping(void **state)
{
	struct probe_result r = ping_result();
	struct measurement m = meas(&r, "router/ping", "ping", STATE_OK);
	char buf[1024];
	size_t n;

	(void)state;
	n = measurements_format(buf, sizeof(buf), 7, &m);
	assert_string_equal(
		buf,
		"{\"time\":\"2026-11-18T11:06:40.250Z\",\"epoch\":1795000000."
		"250,"
		"\"seq\":7,\"host\":\"router\",\"check\":\"router/ping\","
		"\"type\":\"ping\",\"state\":\"OK\",\"ok\":true,\"rtt_ms\":0.5,"
		"\"rtt_min_ms\":0.25,\"rtt_max_ms\":0.75,\"jitter_ms\":0.125,"
		"\"loss_pct\":0,\"response_time_ms\":null,\"cert_days\":null,"
		"\"reason\":\"rtt 0.50 ms loss 0%\"}");
	assert_int_equal(n, strlen(buf));
	/* cut short, it still says how much it needs */
	assert_int_equal(measurements_format(buf, 10, 7, &m), n);
	assert_int_equal(strlen(buf), 9);
}

/* A failed tcp connect: no values at all, rtt_min/max null although the
 * probe leaves them 0, and a reason with quotes, a backslash, a control
 * character and a byte that is not UTF-8. */
static void test_format_failure_escaped(void **state)
{
	struct probe_result r;
	struct measurement m;
	char buf[1024];

	(void)state;
	probe_result_init(&r);
	r.rtt_min_ms = r.rtt_max_ms = 0;
	snprintf(r.reason, sizeof(r.reason), "said \"no\" \\ \x01 \xff");
	m = meas(&r, "router/tcp:22", "tcp", STATE_CRITICAL);
	measurements_format(buf, sizeof(buf), 1, &m);
	assert_string_equal(
		buf,
		"{\"time\":\"2026-11-18T11:06:40.250Z\",\"epoch\":1795000000."
		"250,"
		"\"seq\":1,\"host\":\"router\",\"check\":\"router/tcp:22\","
		"\"type\":\"tcp\",\"state\":\"CRITICAL\",\"ok\":false,"
		"\"rtt_ms\":null,\"rtt_min_ms\":null,\"rtt_max_ms\":null,"
		"\"jitter_ms\":null,\"loss_pct\":null,\"response_time_ms\":"
		"null,"
		"\"cert_days\":null,"
		"\"reason\":\"said \\\"no\\\" \\\\ \\u0001 \xef\xbf\xbd\"}");
}

/* Lines of a file, and the seq of each. */
static int read_seqs(const char *path, unsigned long *seq, int max)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "\"seq\":");

		assert_non_null(p);
		assert_int_equal(line[strlen(line) - 2], '}');
		if (n < max)
			seq[n] = strtoul(p + 6, NULL, 10);
		n++;
	}
	fclose(f);
	return n;
}

static void write_n(struct measurements *ms, int n)
{
	struct probe_result r = ping_result();
	struct measurement m = meas(&r, "router/ping", "ping", STATE_OK);

	for (int i = 0; i < n; i++)
		measurements_write(ms, &m);
}

static void test_file_rotation(void **state)
{
	char dir[] = "/tmp/pl-meas-XXXXXX", path[64], old[80], err[128];
	unsigned long seq[16];
	struct measurements_counts c;
	struct measurements *ms;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.jsonl", dir);
	snprintf(old, sizeof(old), "%s/m.jsonl.1", dir);
	ms = measurements_open(NULL, path, err, sizeof(err));
	assert_non_null(ms);
	write_n(ms, 3);
	assert_int_equal(rename(path, old), 0);
	write_n(ms, 2); /* logrotate's rename: a new file */
	assert_int_equal(read_seqs(old, seq, 16), 3);
	assert_int_equal(seq[2], 3);
	assert_int_equal(read_seqs(path, seq, 16), 2);
	assert_int_equal(seq[0], 4);
	assert_int_equal(seq[1], 5);
	assert_int_equal(unlink(path), 0);
	write_n(ms, 1); /* removed: created again */
	assert_int_equal(read_seqs(path, seq, 16), 1);
	assert_int_equal(seq[0], 6);
	assert_int_equal(truncate(path, 0), 0);
	write_n(ms, 1); /* copytruncate: O_APPEND writes at the new end */
	assert_int_equal(read_seqs(path, seq, 16), 1);
	assert_int_equal(seq[0], 7);
	/* SIGHUP: the same path opened anew */
	assert_int_equal(rename(path, old), 0);
	assert_int_equal(measurements_reopen(ms), 0);
	write_n(ms, 1);
	assert_int_equal(read_seqs(path, seq, 16), 1);
	assert_int_equal(seq[0], 8);
	measurements_counts(ms, &c);
	assert_int_equal(c.lines, 8);
	assert_int_equal(c.written, 8);
	assert_int_equal(c.dropped, 0);
	measurements_close(ms);
	unlink(path);
	unlink(old);
	rmdir(dir);
}

/* A file that cannot be written (a full disk; here the file size limit,
 * which fails the same write() with EFBIG) drops and counts, never stops,
 * and writes again once it can. */
static void test_disk_full(void **state)
{
	char dir[] = "/tmp/pl-meas-XXXXXX", path[64], err[128];
	struct rlimit was, lim;
	struct measurements_counts c;
	struct measurements *ms;
	unsigned long seq[8];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.jsonl", dir);
	ms = measurements_open(NULL, path, err, sizeof(err));
	assert_non_null(ms);
	write_n(ms, 2);
	assert_int_equal(stat(path, &st), 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &was);
	lim = was;
	lim.rlim_cur = (rlim_t)st.st_size;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	write_n(ms, 3);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	measurements_counts(ms, &c);
	assert_int_equal(c.written, 2);
	assert_int_equal(c.dropped, 3);
	write_n(ms, 1);
	assert_int_equal(read_seqs(path, seq, 8), 3);
	assert_int_equal(seq[1], 2);
	assert_int_equal(seq[2], 6);
	measurements_counts(ms, &c);
	assert_int_equal(c.written, 3);
	measurements_close(ms);
	unlink(path);
	rmdir(dir);
}

/* A FIFO at the path (put there after a rotation) would block the
 * loop's writes: refused, like anything but a regular file. */
static void test_fifo_refused(void **state)
{
	char dir[] = "/tmp/pl-meas-XXXXXX", path[64], err[128], want[128];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.jsonl", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(measurements_open(NULL, path, err, sizeof(err)));
	/* no reader: ENXIO at once, never a wait */
	snprintf(want, sizeof(want), "measurements: cannot open %s: ", path);
	assert_memory_equal(err, want, strlen(want));
	unlink(path);
	rmdir(dir);
}

struct reader {
	struct loop *l;
	struct measurements *ms;
	int rfd;
	char *got;
	size_t len, cap;
	int rounds;
};

/* Read what the pipe has; stop once every line is written or dropped. */
static int64_t on_read(struct loop *l, void *arg)
{
	struct reader *rd = arg;
	struct measurements_counts c;
	ssize_t n;

	while ((n = read(rd->rfd, rd->got + rd->len, rd->cap - rd->len)) > 0)
		rd->len += (size_t)n;
	measurements_counts(rd->ms, &c);
	if (c.written + c.dropped == c.lines || ++rd->rounds > 5000) {
		loop_stop(l);
		return LOOP_TIMER_DONE;
	}
	return NS_PER_MS;
}

static void test_pipe_never_blocks(void **state)
{
	struct measurements_counts c;
	struct reader rd = { .cap = 1 << 20 };
	int p[2], saved = dup(STDOUT_FILENO);
	char err[128];
	size_t lines = 0;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK); /* the reader's end only */
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	assert_int_equal(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
	rd.l = loop_new();
	rd.ms = measurements_open(rd.l, "-", err, sizeof(err));
	assert_non_null(rd.ms);
	rd.rfd = p[0];
	rd.got = malloc(rd.cap);
	/* Nobody reads: 4 KiB in the pipe, 64 KiB waiting, the rest
	 * dropped, and the calls return at once. */
	write_n(rd.ms, 1000);
	measurements_counts(rd.ms, &c);
	assert_int_equal(c.lines, 1000);
	assert_true(c.dropped > 700);
	assert_true(c.dropped < 1000);
	/* stdout itself stayed blocking: only our own descriptor is not */
	assert_false(fcntl(STDOUT_FILENO, F_GETFL) & O_NONBLOCK);
	/* The reader reads: the loop drains what waited. */
	loop_add_timer(rd.l, 0, on_read, &rd);
	loop_run(rd.l);
	measurements_counts(rd.ms, &c);
	assert_int_equal(c.written + c.dropped, 1000);
	for (size_t i = 0; i < rd.len; i++)
		lines += rd.got[i] == '\n';
	assert_int_equal(lines, c.written);
	assert_int_equal(rd.got[0], '{');
	assert_int_equal(rd.got[rd.len - 1], '\n');
	assert_int_equal(rd.got[rd.len - 2], '}');
	measurements_close(rd.ms);
	loop_free(rd.l);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(p[0]);
	close(p[1]);
	free(rd.got);
}

static void test_render(void **state)
{
	struct measurements_counts c = { .lines = 9,
					 .written = 7,
					 .dropped = 2 };
	struct xbuf b = { 0 };

	(void)state;
	measurements_render(&b, &c);
	assert_string_equal(
		b.p,
		"# HELP pilotlight_measurements_written_total Result lines "
		"written to the measurement stream.\n"
		"# TYPE pilotlight_measurements_written_total counter\n"
		"pilotlight_measurements_written_total 7\n"
		"# HELP pilotlight_measurements_dropped_total Result lines the "
		"measurement stream dropped: its reader too slow, the disk "
		"full "
		"or a write error.\n"
		"# TYPE pilotlight_measurements_dropped_total counter\n"
		"pilotlight_measurements_dropped_total 2\n");
	xbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_ping),
		cmocka_unit_test(test_format_failure_escaped),
		cmocka_unit_test(test_file_rotation),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_pipe_never_blocks),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
