/*
 * test_evfile.c - the events file as logrotate and a careless admin treat
 * it: renamed away (create mode), deleted, copied and truncated
 * (copytruncate), its directory gone (the file cannot be created), a FIFO
 * in its place: no line is lost while the queue has room, each lands in
 * the file the path names when it is written, in order, and what a full
 * queue had to drop is counted and summarised in the events file.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/exports/exports_int.h"
#include "clock.h"

struct dir {
	char path[64];	   /* a fresh directory */
	char file[96];	   /* path/events.jsonl */
	char moved[96];	   /* path.moved: the directory renamed away */
	char rotated[112]; /* path/events.jsonl.1 */
};

static void dir_make(struct dir *d)
{
	strcpy(d->path, "/tmp/pl-evfile-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->file, sizeof(d->file), "%s/events.jsonl", d->path);
	snprintf(d->moved, sizeof(d->moved), "%s.moved", d->path);
	snprintf(d->rotated, sizeof(d->rotated), "%s.1", d->file);
}

static void rm_tree(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void dir_remove(struct dir *d)
{
	rm_tree(d->path);
	rm_tree(d->moved);
}

/* The whole file, "" when it does not exist; the caller frees. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1 << 20);

	assert_non_null(text);
	if (f) {
		size_t n = fread(text, 1, (1 << 20) - 1, f);

		text[n] = '\0';
		fclose(f);
	}
	return text;
}

static void assert_file(const char *path, const char *want)
{
	char *text = slurp(path);

	assert_string_equal(text, want);
	free(text);
}

static void put(struct evfile *f, const char *line, int64_t now)
{
	evfile_write(f, line, strlen(line), now);
}

/* A fresh directory and the events file open in it. */
static struct evfile *open_in(struct dir *d)
{
	struct evfile *f;

	dir_make(d);
	f = evfile_open(d->file, -1);
	assert_non_null(f);
	return f;
}

static void done(struct evfile *f, struct dir *d)
{
	evfile_close(f);
	dir_remove(d);
}

/* logrotate's create mode: the file is renamed, a SIGHUP may come later
 * or never.  The next line starts a new file at the path. */
static void test_rename(void **state)
{
	struct dir d;
	struct evfile *f;

	(void)state;
	f = open_in(&d);
	put(f, "one", 0);
	assert_int_equal(rename(d.file, d.rotated), 0);
	put(f, "two", 0);
	put(f, "three", 0);
	assert_file(d.rotated, "one\n");
	assert_file(d.file, "two\nthree\n");
	/* And the SIGHUP after it changes nothing. */
	assert_int_equal(rename(d.file, d.rotated), 0);
	evfile_reopen(f, 0);
	put(f, "four", 0);
	assert_file(d.rotated, "two\nthree\n");
	assert_file(d.file, "four\n");
	assert_int_equal(evfile_held(f), 0);
	done(f, &d);
}

static void test_unlink(void **state)
{
	struct dir d;
	struct evfile *f;
	struct stat st;

	(void)state;
	f = open_in(&d);
	put(f, "one", 0);
	assert_int_equal(unlink(d.file), 0);
	put(f, "two", 0);
	assert_file(d.file, "two\n");
	assert_int_equal(stat(d.file, &st), 0);
	assert_int_equal(st.st_mode & 0022, 0); /* 0640 less the umask */
	done(f, &d);
}

/* copytruncate: the content is copied, the file cut to 0 bytes while it
 * stays open.  O_APPEND writes at the new end: no hole of NULs. */
static void test_copytruncate(void **state)
{
	struct dir d;
	struct evfile *f;
	char *text;
	FILE *copy;

	(void)state;
	f = open_in(&d);
	put(f, "one", 0);
	put(f, "two", 0);
	text = slurp(d.file);
	copy = fopen(d.rotated, "w");
	assert_non_null(copy);
	fputs(text, copy);
	fclose(copy);
	free(text);
	assert_int_equal(truncate(d.file, 0), 0);
	put(f, "three", 0);
	assert_file(d.rotated, "one\ntwo\n");
	assert_file(d.file, "three\n");
	done(f, &d);
}

/* The path cannot be created (its directory is gone, as with one the
 * service user may not write): lines are held, retried with backoff,
 * and written in order once the directory is back. */
static void test_held_then_flushed(void **state)
{
	struct dir d;
	struct evfile *f;
	int64_t t = 1000 * NS_PER_S;

	(void)state;
	f = open_in(&d);
	put(f, "one", t);
	assert_int_equal(rename(d.path, d.moved), 0);
	put(f, "two", t);
	put(f, "three", t);
	assert_int_equal(evfile_held(f), 2);
	/* The first retry a second after the failure, then doubling. */
	assert_int_equal(evfile_retry(f, t), EVFILE_RETRY_MIN_NS);
	t += EVFILE_RETRY_MIN_NS;
	assert_int_equal(evfile_retry(f, t), 2 * EVFILE_RETRY_MIN_NS);
	assert_int_equal(evfile_held(f), 2);
	assert_int_equal(mkdir(d.path, 0750), 0);
	/* Not before it is due. */
	t += EVFILE_RETRY_MIN_NS;
	assert_int_equal(evfile_retry(f, t), EVFILE_RETRY_MIN_NS);
	assert_file(d.file, "");
	t += EVFILE_RETRY_MIN_NS;
	assert_int_equal(evfile_retry(f, t), -1);
	assert_int_equal(evfile_held(f), 0);
	assert_file(d.file, "two\nthree\n");
	put(f, "four", t);
	assert_file(d.file, "two\nthree\nfour\n");
	assert_int_equal(evfile_take_dropped(f), 0);
	done(f, &d);
}

/* A new line does not wait for the retry: held lines go first. */
static void test_new_line_writes_the_held_first(void **state)
{
	struct dir d;
	struct evfile *f;

	(void)state;
	f = open_in(&d);
	assert_int_equal(rename(d.path, d.moved), 0);
	put(f, "one", 0);
	assert_int_equal(mkdir(d.path, 0750), 0);
	put(f, "two", 0);
	assert_int_equal(evfile_held(f), 0);
	assert_file(d.file, "one\ntwo\n");
	done(f, &d);
}

/* A full queue drops the oldest and counts it. */
static void test_full_queue_drops_the_oldest(void **state)
{
	struct dir d;
	struct evfile *f;
	char line[32], *text, *p;

	(void)state;
	f = open_in(&d);
	assert_int_equal(rename(d.path, d.moved), 0);
	for (int i = 0; i < EVFILE_QUEUE_MAX + 3; i++) {
		snprintf(line, sizeof(line), "line %d", i);
		put(f, line, 0);
	}
	assert_int_equal(evfile_held(f), EVFILE_QUEUE_MAX);
	assert_int_equal(evfile_take_dropped(f), 3);
	assert_int_equal(evfile_take_dropped(f), 0);
	assert_int_equal(mkdir(d.path, 0750), 0);
	assert_int_equal(evfile_retry(f, 10 * NS_PER_S), -1);
	text = slurp(d.file);
	p = text;
	for (int i = 3; i < EVFILE_QUEUE_MAX + 3; i++) {
		snprintf(line, sizeof(line), "line %d\n", i);
		assert_memory_equal(p, line, strlen(line));
		p += strlen(line);
	}
	assert_string_equal(p, "");
	free(text);
	done(f, &d);
}

static struct pl_event state_event(uint64_t seq, enum pl_state to)
{
	struct pl_event e = { .seq = seq,
			      .kind = EVENT_STATE,
			      .old_state = to == STATE_OK ? STATE_CRITICAL
							  : STATE_OK,
			      .new_state = to,
			      .metric = METRIC_COUNT,
			      .value = NAN,
			      .threshold = NAN };

	snprintf(e.check, sizeof(e.check), "gw/tcp");
	snprintf(e.reason, sizeof(e.reason), "change %llu",
		 (unsigned long long)seq);
	return e;
}

/* Through the events writer: what the queue dropped is in the lost
 * counter and in a "suppressed" line once the file is back. */
static void test_events_count_what_was_dropped(void **state)
{
	struct events_cfg cfg = { .syslog = false };
	struct events_params p = { &cfg, NULL, NULL };
	struct events_counts n;
	struct events *ev;
	struct dir d;
	char err[128], *text;
	int64_t t = 100 * NS_PER_S;
	int total = EVFILE_QUEUE_MAX + 2;

	(void)state;
	dir_make(&d);
	snprintf(cfg.file, sizeof(cfg.file), "%s", d.file);
	ev = events_open(&p, err, sizeof(err));
	assert_non_null(ev);
	assert_int_equal(rename(d.path, d.moved), 0);
	for (int i = 1; i <= total; i++) {
		struct pl_event e = state_event(
			(uint64_t)i, i % 2 ? STATE_CRITICAL : STATE_OK);

		events_emit(ev, &e, t);
	}
	events_counts(ev, &n);
	assert_int_equal(n.lost, 2);
	assert_int_equal(mkdir(d.path, 0750), 0);
	/* The first summary is due at once: it goes after the held lines. */
	assert_int_equal(events_flush(ev, t), -1);
	text = slurp(d.file);
	assert_null(strstr(text, "\"reason\":\"change 2\""));
	assert_non_null(strstr(text, "\"reason\":\"change 3\""));
	assert_non_null(strstr(text, "\"reason\":\"change 130\""));
	assert_non_null(strstr(text, "\"kind\":\"suppressed\",\"count\":2,"
				     "\"new_devices\":0,\"lost\":2,"
				     "\"reason\":\"2 events not written (2 "
				     "lost: the file was not writable)\""));
	free(text);
	events_close(ev);
	dir_remove(&d);
}

/* A FIFO put at the path (no reader): held, the loop not blocked; the
 * path a file again: written. */
static void test_fifo_is_not_written(void **state)
{
	struct dir d;
	struct evfile *f;

	(void)state;
	f = open_in(&d);
	assert_int_equal(unlink(d.file), 0);
	assert_int_equal(mkfifo(d.file, 0640), 0);
	put(f, "one", 0);
	assert_int_equal(evfile_held(f), 1);
	assert_int_equal(unlink(d.file), 0);
	put(f, "two", 0);
	assert_file(d.file, "one\ntwo\n");
	done(f, &d);
}

static void test_open_error(void **state)
{
	(void)state;
	errno = 0;
	assert_null(evfile_open("/nonexistent-dir/events.jsonl", -1));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_unlink),
		cmocka_unit_test(test_copytruncate),
		cmocka_unit_test(test_held_then_flushed),
		cmocka_unit_test(test_new_line_writes_the_held_first),
		cmocka_unit_test(test_full_queue_drops_the_oldest),
		cmocka_unit_test(test_events_count_what_was_dropped),
		cmocka_unit_test(test_fifo_is_not_written),
		cmocka_unit_test(test_open_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
