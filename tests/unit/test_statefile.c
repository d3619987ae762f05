/*
 * test_statefile.c - the files in state_dir: an atomic save leaves the new
 * file whole and no temporary behind, a failed one the old file; a load
 * survives every kind of bad file (missing, empty, a directory, a FIFO,
 * too big, long lines, NUL bytes, cut off) and names the bad lines.
 */
#include <errno.h>
#include <fcntl.h>
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

#define STATEDIR_FILE "state"
#include "statedir_fixture.h"

#include "statefile.h"

static void put(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *p)
{
	static char buf[4096];
	FILE *f = fopen(p, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int write_text(FILE *f, const void *arg)
{
	fputs(arg, f);
	return 0;
}

static int write_fails(FILE *f, const void *arg)
{
	(void)arg;
	fputs("half", f);
	errno = EIO;
	return -1;
}

/* What the loader passed on, one "LINENO:TEXT\n" each. */
struct seen {
	char text[4096];
};

static const char *take(char *line, unsigned lineno, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	if (strncmp(line, "bad", 3) == 0)
		return "starts with bad";
	snprintf(s->text + n, sizeof(s->text) - n, "%u:%s\n", lineno, line);
	return NULL;
}

static int load(struct seen *s, struct statefile_stats *st)
{
	memset(s, 0, sizeof(*s));
	return statefile_load(path, 1024, 16, take, s, st);
}

static void save_is_whole_and_leaves_no_temporary(void **state)
{
	char tmp[160];
	struct stat sb;

	(void)state;
	assert_int_equal(statefile_save(path, write_text, "one\ntwo\n"), 0);
	assert_string_equal(slurp(path), "one\ntwo\n");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);

	/* A writer that fails: the old file stays, the temporary goes. */
	errno = 0;
	assert_int_equal(statefile_save(path, write_fails, NULL), -1);
	assert_int_equal(errno, EIO);
	assert_string_equal(slurp(path), "one\ntwo\n");
	assert_int_equal(access(tmp, F_OK), -1);
}

static void save_reports_why_it_failed(void **state)
{
	char missing[160];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/no/such/dir/state", dir);
	errno = 0;
	assert_int_equal(statefile_save(missing, write_text, "x\n"), -1);
	assert_int_equal(errno, ENOENT);
}

static void load_passes_good_lines_with_their_numbers(void **state)
{
	struct statefile_stats st;
	struct seen s;

	(void)state;
	put("# comment\n\nalpha\r\nbad one\nbeta\n", 31);
	assert_int_equal(load(&s, &st), 0);
	assert_string_equal(s.text, "3:alpha\n5:beta\n");
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.bad, 1);
}

/* A line over the limit is skipped whole: its tail is not a line. */
static void a_long_line_is_skipped_whole(void **state)
{
	const char text[] = "first\n0123456789abcdefTAIL\nlast\n";
	struct statefile_stats st;
	struct seen s;

	(void)state;
	put(text, sizeof(text) - 1);
	assert_int_equal(load(&s, &st), 0);
	assert_string_equal(s.text, "1:first\n3:last\n");
	assert_int_equal(st.bad, 1);
	/* exactly at the limit is fine */
	put("0123456789abcdef\n", 17);
	assert_int_equal(load(&s, &st), 0);
	assert_string_equal(s.text, "1:0123456789abcdef\n");
	assert_int_equal(st.bad, 0);
}

static void nul_bytes_and_a_cut_off_end_are_skipped(void **state)
{
	const char text[] = "one\nt\0o\nthree\nfou";
	struct statefile_stats st;
	struct seen s;

	(void)state;
	put(text, sizeof(text) - 1);
	assert_int_equal(load(&s, &st), 0);
	assert_string_equal(s.text, "1:one\n3:three\n");
	assert_int_equal(st.lines, 4);
	assert_int_equal(st.bad, 2);
}

static void missing_and_empty_files_are_nothing(void **state)
{
	struct statefile_stats st;
	struct seen s;

	(void)state;
	errno = 0;
	assert_int_equal(load(&s, &st), -1);
	assert_int_equal(errno, ENOENT);
	put("", 0);
	assert_int_equal(load(&s, &st), 0);
	assert_int_equal(st.lines, 0);
	assert_string_equal(s.text, "");
}

static void directory_fifo_and_huge_files_are_refused(void **state)
{
	char big[2048];
	struct seen s;

	(void)state;
	assert_int_equal(mkdir(path, 0700), 0);
	errno = 0;
	assert_int_equal(load(&s, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(rmdir(path), 0);

	/* A FIFO with no writer: opening or reading would block for ever. */
	assert_int_equal(mkfifo(path, 0600), 0);
	errno = 0;
	assert_int_equal(load(&s, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(unlink(path), 0);

	memset(big, 'x', sizeof(big));
	put(big, sizeof(big));
	errno = 0;
	assert_int_equal(load(&s, NULL), -1);
	assert_int_equal(errno, EFBIG);
	assert_string_equal(s.text, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(save_is_whole_and_leaves_no_temporary),
		T(save_reports_why_it_failed),
		T(load_passes_good_lines_with_their_numbers),
		T(a_long_line_is_skipped_whole),
		T(nul_bytes_and_a_cut_off_end_are_skipped),
		T(missing_and_empty_files_are_nothing),
		T(directory_fifo_and_huge_files_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
