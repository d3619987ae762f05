/*
 * statedir_fixture.h - a fresh state directory for each test of the
 * state_dir files (statefile, alarmfile): dir is made by the setup and
 * removed with all in it by the teardown; path is dir/STATEDIR_FILE
 * (define it before including, after <cmocka.h>).
 */
#ifndef STATEDIR_FIXTURE_H
#define STATEDIR_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

static char dir[64], path[128];

static int statedir_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pl-statedir-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, STATEDIR_FILE);
	return 0;
}

static int statedir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define T(fn)                                                                  \
	cmocka_unit_test_setup_teardown(fn, statedir_setup, statedir_teardown)

#endif
