/*
 * dl_fixture.h - what test_curl_dl and test_mhd_dl share: the checks
 * every library loaded on demand must pass, given its loader's calls in
 * a struct dl_api, and whether a file is mapped into this process.
 *
 * A library, once loaded, stays for the life of the process, so each
 * config is tried in a fresh child (dl_assert_config()); its exit status
 * carries the answer.  The failures in this process come before the load
 * that stays.  Include after <cmocka.h>.
 */
#ifndef DL_FIXTURE_H
#define DL_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"

/* One library's loader, as curl_dl.h and mhd_dl.h shape it. */
struct dl_api {
	int (*open)(void);
	int (*open_name)(const char *soname);
	bool (*loaded)(void);
	const char *(*error)(void);
	const char *package; /* as its messages name it */
	const char *first;   /* the first function it resolves */
};

/* Load text as a config in a child: whether it was accepted (its errors
 * go to stderr) and whether it loaded the library. */
static inline void dl_assert_config(const struct dl_api *api, const char *text,
				    bool valid, bool loads)
{
	char path[] = "/tmp/pl-dl-XXXXXX";
	int fd = mkstemp(path), status;
	pid_t pid;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct config_errors errs = { 0 };
		struct pl_config *cfg = config_load(path, &errs);

		config_errors_print(&errs, stderr);
		config_errors_clear(&errs);
		config_free(cfg);
		_exit((cfg ? 2 : 0) | (api->loaded() ? 1 : 0));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(path);
	assert_true(WIFEXITED(status));
	assert_int_equal((WEXITSTATUS(status) & 2) != 0, valid);
	assert_int_equal((WEXITSTATUS(status) & 1) != 0, loads);
}

/* A library that is not there: the loader's words, nothing loaded. */
static inline void dl_assert_missing(const struct dl_api *api)
{
	char want[256];

	assert_int_equal(api->open_name("libnotthere.so.9"), -1);
	assert_false(api->loaded());
	snprintf(want, sizeof(want),
		 "libnotthere.so.9: cannot open shared object file: No such "
		 "file or directory (install %s)",
		 api->package);
	assert_string_equal(api->error(), want);
}

/* A library without the functions stands for one too old to have them:
 * the first one missing is named. */
static inline void dl_assert_without_functions(const struct dl_api *api)
{
	char want[256];

	assert_int_equal(api->open_name("libc.so.6"), -1);
	assert_false(api->loaded());
	snprintf(want, sizeof(want),
		 "libc.so.6 has no %s: too old (install a newer %s)",
		 api->first, api->package);
	assert_string_equal(api->error(), want);
}

/* The real library loads; loading again, even by another name, is a
 * no-op. */
static inline void dl_assert_loads(const struct dl_api *api)
{
	assert_int_equal(api->open(), 0);
	assert_true(api->loaded());
	assert_string_equal(api->error(), "");
	assert_int_equal(api->open(), 0);
	assert_int_equal(api->open_name("libnotthere.so.9"), 0);
	assert_true(api->loaded());
}

/* Whether a file whose name ends like path's is mapped here. */
static inline bool mapped(const char *path)
{
	char line[PATH_MAX + 128];
	const char *base = strrchr(path, '/');
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, base ? base : path) != NULL;
	fclose(f);
	return found;
}

#endif
