/*
 * test_alarmfile.c - STATE_DIR/alarm-state: what is saved is what is
 * loaded; a damaged file gives what is still readable in it and never
 * more; a failed save is retried after its backoff and not before.
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

#include "alarmfile.h"
#include "clock.h"

#define STATEDIR_FILE ALARMFILE_NAME
#include "statedir_fixture.h"

#define S_NOW (100 * NS_PER_S)

static void put(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int load(struct policy_memory *m)
{
	struct alarmfile *af = alarmfile_open(dir);
	int rc;

	assert_non_null(af);
	rc = alarmfile_load(af, m);
	alarmfile_close(af, NULL);
	return rc;
}

static void what_is_saved_is_loaded(void **state)
{
	struct policy_acked acked[] = { { "nas/ping", STATE_WARNING },
					{ "web/http", STATE_CRITICAL } };
	struct policy_memory m = { .maintenance_end_s = 1800000000,
				   .acked_level = STATE_CRITICAL,
				   .acked = acked,
				   .n_acked = 2,
				   .gen = 7 },
			     back;
	struct alarmfile *af = alarmfile_open(dir);

	(void)state;
	alarmfile_sync(af, &m, 0);
	alarmfile_close(af, &m);
	assert_int_equal(load(&back), 1);
	assert_int_equal(back.maintenance_end_s, 1800000000);
	assert_int_equal(back.acked_level, STATE_CRITICAL);
	assert_int_equal(back.n_acked, 2);
	assert_string_equal(back.acked[0].check, "nas/ping");
	assert_int_equal(back.acked[0].state, STATE_WARNING);
	assert_string_equal(back.acked[1].check, "web/http");
	assert_int_equal(back.acked[1].state, STATE_CRITICAL);
	alarmfile_memory_free(&back);
}

static void bad_lines_are_skipped_and_the_rest_kept(void **state)
{
	struct policy_memory m;

	(void)state;
	put("maintenance_end\tsoon\n"
	    "acknowledged\tcritical\n"
	    "acked\tweb/http\tok\n"
	    "acked\tnas/ping\twarning\n"
	    "acked\ta-check-name-that-is-far-too-long-to-be-one\tcritical\n"
	    "volume\t11\n"
	    "acked\trouter/ping\tcrit");
	assert_int_equal(load(&m), 0);
	assert_int_equal(m.maintenance_end_s, 0);
	assert_int_equal(m.acked_level, STATE_CRITICAL);
	assert_int_equal(m.n_acked, 1);
	assert_string_equal(m.acked[0].check, "nas/ping");
	alarmfile_memory_free(&m);
}

static void acked_checks_need_a_level(void **state)
{
	struct policy_memory m;

	(void)state;
	put("acked\tnas/ping\twarning\n");
	assert_int_equal(load(&m), 0);
	assert_int_equal(m.acked_level, STATE_OK);
	alarmfile_memory_free(&m);
}

static void unusable_files_are_nothing_remembered(void **state)
{
	struct policy_memory m;
	FILE *f;

	(void)state;
	assert_int_equal(load(&m), 1); /* missing: a first start */
	assert_int_equal(m.acked_level, STATE_OK);
	assert_int_equal(m.maintenance_end_s, 0);
	put("");
	assert_int_equal(load(&m), 1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(load(&m), 0);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(load(&m), 0);
	assert_int_equal(unlink(path), 0);
	/* over the size limit, though every line is good */
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i <= ALARMFILE_MAX_BYTES / 63; i++)
		fprintf(f, "%-62s\n", "maintenance_end 1800000000");
	fclose(f);
	assert_int_equal(load(&m), 0);
	assert_int_equal(m.maintenance_end_s, 0);
}

/* The state directory comes back: the retry after the backoff saves. */
static void a_failed_save_is_retried_after_its_backoff(void **state)
{
	char sub[96];
	struct policy_memory m = { .maintenance_end_s = 1800000000, .gen = 1 };
	struct alarmfile *af;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/later", dir);
	af = alarmfile_open(sub);
	alarmfile_sync(af, &m, S_NOW);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s", sub, ALARMFILE_NAME);
	alarmfile_sync(af, &m, S_NOW + NS_PER_S / 2); /* too soon */
	assert_int_equal(access(path, F_OK), -1);
	alarmfile_sync(af, &m, S_NOW + ALARMFILE_RETRY_MIN_S * NS_PER_S);
	assert_int_equal(access(path, F_OK), 0);
	alarmfile_close(af, &m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(what_is_saved_is_loaded),
		T(bad_lines_are_skipped_and_the_rest_kept),
		T(acked_checks_need_a_level),
		T(unusable_files_are_nothing_remembered),
		T(a_failed_save_is_retried_after_its_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
