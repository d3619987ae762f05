/*
 * test_procself.c - /proc/PID/stat and statm as the process_* metrics
 * read them: command names with spaces and parentheses, short and
 * garbled lines, and a snapshot of a fixture directory (counts, units,
 * the start time from CLOCK_BOOTTIME).
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "procself.h"

/* proc(5): pid (comm) state ppid ... utime(14) stime(15) ... starttime(22)
 * vsize rss ... */
#define STAT_FMT                                                               \
	"%d (%s) S 1 1 1 0 -1 4194560 100 0 0 0 %llu %llu 0 0 20 0 1 0 "       \
	"%llu 10000000 300 18446744073709551615\n"

static void test_parse_stat(void **state)
{
	char line[512];
	uint64_t cpu, start;

	(void)state;
	snprintf(line, sizeof(line), STAT_FMT, 42, "pilotlight", 250ULL, 50ULL,
		 123456ULL);
	assert_int_equal(procself_parse_stat(line, &cpu, &start), 0);
	assert_true(cpu == 300);
	assert_true(start == 123456);
	/* a name with spaces and ')' does not shift the fields */
	snprintf(line, sizeof(line), STAT_FMT, 42, "a) b ) c", 7ULL, 8ULL,
		 99ULL);
	assert_int_equal(procself_parse_stat(line, &cpu, &start), 0);
	assert_true(cpu == 15);
	assert_true(start == 99);
}

static void test_parse_stat_bad(void **state)
{
	uint64_t cpu, start;

	(void)state;
	errno = 0;
	assert_int_equal(procself_parse_stat("42 (x) S 1 1", &cpu, &start), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(procself_parse_stat("no parenthesis", &cpu, &start),
			 -1);
	assert_int_equal(procself_parse_stat("42 (x) S 1 1 1 0 -1 4 1 0 0 0 "
					     "1x 2 0 0 20 0 1 0 5 6 7\n",
					     &cpu, &start),
			 -1);
	assert_int_equal(procself_parse_stat("", &cpu, &start), -1);
}

static void test_parse_statm(void **state)
{
	uint64_t pages;

	(void)state;
	assert_int_equal(
		procself_parse_statm("5000 1234 300 10 0 900 0\n", &pages), 0);
	assert_true(pages == 1234);
	assert_int_equal(procself_parse_statm("5000\n", &pages), -1);
	assert_int_equal(procself_parse_statm("5000 -3 1\n", &pages), -1);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A fixture /proc/self: 3 fds, 2 s of CPU, started "now". */
static void test_read_fixture(void **state)
{
	char dir[] = "/tmp/pl-procself-XXXXXX", path[256], line[512];
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct timespec boot, wall;
	struct procself p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &wall);
	snprintf(line, sizeof(line), STAT_FMT, 42, "pilotlight",
		 (unsigned long long)hz, (unsigned long long)hz,
		 (unsigned long long)boot.tv_sec * (unsigned long long)hz);
	write_file(dir, "stat", line);
	write_file(dir, "statm", "9000 2048 100 10 0 500 0\n");
	snprintf(path, sizeof(path), "%s/fd", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file(path, "0", "");
	write_file(path, "1", "");
	write_file(path, "2", "");
	assert_int_equal(procself_read(&p, dir), 0);
	assert_true(p.cpu_seconds == 2.0);
	assert_true(p.resident_bytes == 2048.0 * (double)page);
	assert_true(p.open_fds == 3);
	assert_true(p.max_fds > 0);
	/* started at boot.tv_sec after boot: within 2 s of wall time */
	assert_true(p.start_time_s > (double)wall.tv_sec - 2 &&
		    p.start_time_s < (double)wall.tv_sec + 2);
	/* garbled statm: the snapshot fails rather than reading zero */
	write_file(dir, "statm", "garbage\n");
	assert_int_equal(procself_read(&p, dir), -1);
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "%s/%d", path, i);
		unlink(line);
	}
	rmdir(path);
	snprintf(line, sizeof(line), "%s/stat", dir);
	unlink(line);
	snprintf(line, sizeof(line), "%s/statm", dir);
	unlink(line);
	assert_int_equal(rmdir(dir), 0);
}

/* The real thing: sane values for this very process. */
static void test_read_self(void **state)
{
	struct procself p;
	struct timespec wall;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &wall);
	assert_int_equal(procself_read(&p, NULL), 0);
	assert_true(p.resident_bytes > 1 << 20);
	assert_true(p.open_fds >= 3);
	assert_true(p.cpu_seconds >= 0);
	assert_true(p.start_time_s <= (double)wall.tv_sec + 1 &&
		    p.start_time_s > (double)wall.tv_sec - 3600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_stat_bad),
		cmocka_unit_test(test_parse_statm),
		cmocka_unit_test(test_read_fixture),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
