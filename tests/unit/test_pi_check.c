/*
 * test_pi_check.c - the Pi's own readings: the firmware's throttled bits,
 * thermal millidegrees, /proc/meminfo, free-space percentages and the
 * levels they give; then whole runs against files in a temporary tree,
 * including storage error counters rising after the first reading.
 */
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

#include "pi_check.h"

static void test_throttled_parse(void **st)
{
	unsigned long f = 0;

	(void)st;
	assert_int_equal(pi_parse_throttled("50005\n", &f), 0);
	assert_int_equal(f, 0x50005);
	assert_int_equal(pi_parse_throttled("0x0", &f), 0);
	assert_int_equal(f, 0);
	assert_int_equal(pi_parse_throttled("", &f), -1);
	assert_int_equal(pi_parse_throttled("zz", &f), -1);
	assert_int_equal(pi_parse_throttled("5 x", &f), -1);
	assert_int_equal(pi_parse_throttled("-1", &f), -1);
}

static void test_throttled_state(void **st)
{
	char why[64];

	(void)st;
	assert_int_equal(pi_throttled_state(0x50005, why, sizeof(why)),
			 STATE_CRITICAL);
	assert_string_equal(why, "undervoltage (0x50005)");
	assert_int_equal(pi_throttled_state(0x4, why, sizeof(why)),
			 STATE_WARNING);
	assert_string_equal(why, "throttled (0x4)");
	assert_int_equal(pi_throttled_state(0x8, why, sizeof(why)),
			 STATE_WARNING);
	assert_string_equal(why, "soft temperature limit (0x8)");
	assert_int_equal(pi_throttled_state(0x10000, why, sizeof(why)),
			 STATE_WARNING);
	assert_string_equal(why, "undervoltage since boot (0x10000)");
	assert_int_equal(pi_throttled_state(0, why, sizeof(why)), STATE_OK);
	assert_string_equal(why, "not throttled (0x0)");
	/* bits the firmware may add later are not a problem */
	assert_int_equal(pi_throttled_state(0x100000, why, sizeof(why)),
			 STATE_OK);
}

static void test_millidegrees(void **st)
{
	double c = 0;

	(void)st;
	assert_int_equal(pi_parse_millidegrees("85000\n", &c), 0);
	assert_true(fabs(c - 85.0) < 1e-9);
	assert_int_equal(pi_parse_millidegrees("-5500", &c), 0);
	assert_true(fabs(c + 5.5) < 1e-9);
	assert_int_equal(pi_parse_millidegrees("", &c), -1);
	assert_int_equal(pi_parse_millidegrees("42.5", &c), -1);
	assert_int_equal(pi_parse_millidegrees("99999999999", &c), -1);
}

static void test_meminfo(void **st)
{
	static const char ok[] = "MemTotal:        1000 kB\n"
				 "MemFree:          100 kB\n"
				 "MemAvailable:      75 kB\n"
				 "Buffers:           10 kB\n";
	double pct = 0;

	(void)st;
	assert_int_equal(pi_parse_meminfo(ok, &pct), 0);
	assert_true(fabs(pct - 7.5) < 1e-9);
	/* kernels before 3.14 have no MemAvailable: not a guess */
	assert_int_equal(pi_parse_meminfo("MemTotal: 1000 kB\n", &pct), -1);
	assert_int_equal(
		pi_parse_meminfo("MemTotal: 0 kB\nMemAvailable: 0 kB\n", &pct),
		-1);
	assert_int_equal(
		pi_parse_meminfo("MemTotalX: 9 kB\nMemAvailable: 1 kB\n", &pct),
		-1);
	assert_int_equal(pi_parse_meminfo("", &pct), -1);
}

static void test_levels(void **st)
{
	(void)st;
	assert_true(fabs(pi_free_pct(1000, 30) - 3.0) < 1e-9);
	assert_true(pi_free_pct(0, 0) < 0);
	assert_true(fabs(pi_free_pct(10, 20) - 100.0) < 1e-9);
	assert_int_equal(pi_level(3.0, 10, 5, true), STATE_CRITICAL);
	assert_int_equal(pi_level(5.0, 10, 5, true), STATE_CRITICAL);
	assert_int_equal(pi_level(7.0, 10, 5, true), STATE_WARNING);
	assert_int_equal(pi_level(10.5, 10, 5, true), STATE_OK);
	assert_int_equal(pi_level(69.9, 70, 80, false), STATE_OK);
	assert_int_equal(pi_level(70.0, 70, 80, false), STATE_WARNING);
	assert_int_equal(pi_level(85.0, 70, 80, false), STATE_CRITICAL);
}

/* ---- whole runs on files ------------------------------------------------ */

struct tree {
	char root[64];
	char file[128];
};

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int tree_setup(void **st)
{
	struct tree *t = calloc(1, sizeof(*t));

	snprintf(t->root, sizeof(t->root), "/tmp/pl-pi-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->file, sizeof(t->file), "%s/f", t->root);
	*st = t;
	return 0;
}

static int tree_teardown(void **st)
{
	struct tree *t = *st;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

static void system_cfg(struct check_cfg *c, enum pi_reading what, char *path,
		       double warning, double critical)
{
	c->u.system.what = what;
	c->u.system.path = path;
	c->u.system.warning = warning;
	c->u.system.critical = critical;
}

static struct probe_result run_once(struct check_cfg *c)
{
	struct pi_check *pc = pi_check_new(c);
	struct probe_result r;

	assert_non_null(pc);
	pi_check_run(pc, &r);
	pi_check_free(pc);
	return r;
}

static void test_run_temperature(void **st)
{
	struct tree *t = *st;
	struct check_cfg c = { .type = CHECK_SYSTEM };
	struct probe_result r;

	system_cfg(&c, PI_TEMPERATURE, t->file, 70, 80);
	put(t->file, "85000\n");
	r = run_once(&c);
	assert_true(r.has_state);
	assert_int_equal(r.state, STATE_CRITICAL);
	assert_string_equal(r.reason, "85.0 C (>= 80 C)");
	put(t->file, "45123\n");
	r = run_once(&c);
	assert_int_equal(r.state, STATE_OK);
	assert_string_equal(r.reason, "45.1 C");
	put(t->file, "garbage\n");
	r = run_once(&c);
	assert_int_equal(r.state, STATE_UNKNOWN);
	unlink(t->file);
	r = run_once(&c);
	assert_int_equal(r.state, STATE_UNKNOWN);
	assert_non_null(strstr(r.reason, "No such file"));
}

static void test_run_disk_missing_dir(void **st)
{
	struct tree *t = *st;
	struct check_cfg c = { .type = CHECK_SYSTEM };
	char dir[128];
	struct probe_result r;

	/* not made yet: the file system it will be made on */
	snprintf(dir, sizeof(dir), "%s/not/yet", t->root);
	system_cfg(&c, PI_DISK, dir, 0.001, 0.0005);
	r = run_once(&c);
	assert_int_not_equal(r.state, STATE_UNKNOWN);
	assert_non_null(strstr(r.reason, "% free"));
	/* 100% free would be needed: always critical */
	c.u.system.warning = 100;
	c.u.system.critical = 100;
	r = run_once(&c);
	assert_int_equal(r.state, STATE_CRITICAL);
	assert_non_null(strstr(r.reason, "(<= 100%)"));
}

static void test_run_storage_errors(void **st)
{
	struct tree *t = *st;
	struct check_cfg c = { .type = CHECK_SYSTEM };
	struct pi_check *pc;
	struct probe_result r;
	char p[256];

	snprintf(p, sizeof(p),
		 "mkdir -p '%s/sys/fs/ext4/mmcblk0p2' "
		 "'%s/sys/block/sda/device'",
		 t->root, t->root);
	assert_int_equal(system(p), 0);
	snprintf(p, sizeof(p), "%s/sys/fs/ext4/mmcblk0p2/errors_count",
		 t->root);
	put(p, "0\n");
	snprintf(p, sizeof(p), "%s/sys/block/sda/device/ioerr_cnt", t->root);
	put(p, "0x0\n");
	system_cfg(&c, PI_STORAGE_ERRORS, t->root, 0, 0);
	pc = pi_check_new(&c);
	pi_check_run(pc, &r);
	assert_int_equal(r.state, STATE_OK);
	assert_string_equal(r.reason, "no errors (2 counters)");
	put(p, "0x3\n");
	pi_check_run(pc, &r);
	assert_int_equal(r.state, STATE_CRITICAL);
	assert_string_equal(r.reason, "3 new storage errors");
	pi_check_free(pc);
	/* a new start takes errors already counted as a warning */
	pc = pi_check_new(&c);
	pi_check_run(pc, &r);
	assert_int_equal(r.state, STATE_WARNING);
	assert_string_equal(r.reason, "3 storage errors before start");
	pi_check_free(pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_throttled_parse),
		cmocka_unit_test(test_throttled_state),
		cmocka_unit_test(test_millidegrees),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_levels),
		cmocka_unit_test_setup_teardown(test_run_temperature,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_run_disk_missing_dir,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_run_storage_errors,
						tree_setup, tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
