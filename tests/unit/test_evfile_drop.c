/*
 * test_evfile_drop.c - the file writer with the measurement stream's
 * policy (EVFILE_DROP), where it differs from the events file's: a
 * rotated path that cannot be created again drops and counts its lines,
 * holds none, and the next line after the directory is back lands at the
 * path; a newline inside a line cannot split it in two.
 */
#include <errno.h>
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

struct place {
	char dir[64], away[80], path[96], rotated[112];
};

static struct evfile *open_dropping(struct place *p)
{
	struct evfile_params ep = { .label = "test",
				    .policy = EVFILE_DROP,
				    .mode = 0644 };
	struct evfile *f;

	strcpy(p->dir, "/tmp/pl-evdrop-XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->away, sizeof(p->away), "%s.away", p->dir);
	snprintf(p->path, sizeof(p->path), "%s/m.jsonl", p->dir);
	snprintf(p->rotated, sizeof(p->rotated), "%s.1", p->path);
	ep.path = p->path;
	f = evfile_open_with(&ep);
	assert_non_null(f);
	return f;
}

static void put(struct evfile *f, const char *line)
{
	evfile_write(f, line, strlen(line), 0);
}

static void assert_content(const char *path, const char *want)
{
	char got[256] = "";
	FILE *in = fopen(path, "r");
	size_t n;

	assert_non_null(in);
	n = fread(got, 1, sizeof(got) - 1, in);
	got[n] = '\0';
	fclose(in);
	assert_string_equal(got, want);
}

static void test_uncreatable_path_drops_and_counts(void **state)
{
	struct evfile_counts c;
	struct place p;
	struct evfile *f;

	(void)state;
	f = open_dropping(&p);
	put(f, "one");
	assert_int_equal(rename(p.path, p.rotated), 0);
	assert_int_equal(rename(p.dir, p.away), 0);
	put(f, "two");
	put(f, "three");
	errno = 0;
	assert_int_equal(evfile_reopen(f, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(evfile_held(f), 0); /* nothing waits in memory */
	evfile_counts(f, &c);
	assert_int_equal(c.written, 1);
	assert_int_equal(c.dropped, 2);
	assert_int_equal(rename(p.away, p.dir), 0);
	put(f, "four");
	assert_content(p.rotated, "one\n");
	assert_content(p.path, "four\n");
	evfile_counts(f, &c);
	assert_int_equal(c.written, 2);
	assert_int_equal(c.dropped, 2);
	assert_int_equal(evfile_take_dropped(f), 2);
	assert_int_equal(evfile_take_dropped(f), 0);
	evfile_close(f);
	unlink(p.path);
	unlink(p.rotated);
	rmdir(p.dir);
}

static void test_newline_inside_a_line(void **state)
{
	struct evfile_counts c;
	struct place p;
	struct evfile *f;

	(void)state;
	f = open_dropping(&p);
	put(f, "a\nb");
	put(f, "c");
	assert_content(p.path, "a b\nc\n");
	evfile_counts(f, &c);
	assert_int_equal(c.written, 2);
	evfile_close(f);
	unlink(p.path);
	rmdir(p.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uncreatable_path_drops_and_counts),
		cmocka_unit_test(test_newline_inside_a_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
