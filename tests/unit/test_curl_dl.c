/*
 * test_curl_dl.c - libcurl is loaded only for a config that needs it: a
 * config with an http check or a webhook loads it, one without, or one
 * rejected for another reason, does not (each loaded in a child process,
 * whose answer is whether libcurl got mapped).  In this process: a
 * library that is not there, one without libcurl's symbols and one older
 * than 7.85.0 (BUILD/tests/libcurl-old.so, tests/fakes/dl/curl_old.c, from
 * beside this binary) fail with the words a user sees; the real one
 * resolves every symbol and answers.  The binary itself does not link
 * libcurl (the Makefile's PKGS_DL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <limits.h>

#include "config.h"
#include "curl_dl.h"

static const char no_http[] =
	"hosts = ( { name = \"gw\"; address = \"127.0.0.1\";\n"
	"  checks = ( { type = \"tcp\"; port = 22; } ); } );\n";

static const char with_http[] =
	"hosts = ( { name = \"web\"; address = \"127.0.0.1\";\n"
	"  checks = ( { type = \"tcp\"; port = 22; },\n"
	"             { type = \"http\"; url = \"http://127.0.0.1/\"; } ); } "
	");\n";

static const char with_webhook[] = "hosts = ();\n"
				   "webhooks = ( { name = \"phone\"; url = "
				   "\"http://127.0.0.1:1/\"; } );\n";

/* An http check, and a typo elsewhere: rejected, so nothing is loaded. */
static const char http_but_broken[] =
	"hosts = ( { name = \"web\"; address = \"127.0.0.1\";\n"
	"  checks = ( { type = \"http\"; url = \"http://127.0.0.1/\"; } ); } "
	");\n"
	"daemon = { usr = \"nobody\"; };\n";

/* BUILD/tests/libcurl-old.so, found from argv[0]. */
static char old_lib[PATH_MAX];

/* Load text as a config in a child: 1 if libcurl got loaded, 0 if not;
 * *valid says whether the config was accepted. */
static int child_loads_curl(const char *text, bool *valid)
{
	char path[] = "/tmp/pl-curl-dl-XXXXXX";
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
		_exit((cfg ? 2 : 0) | (curl_dl_loaded() ? 1 : 0));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(path);
	assert_true(WIFEXITED(status));
	*valid = WEXITSTATUS(status) & 2;
	return WEXITSTATUS(status) & 1;
}

static void test_config_without_http_does_not_load(void **state)
{
	bool valid;

	(void)state;
	assert_int_equal(child_loads_curl(no_http, &valid), 0);
	assert_true(valid);
}

static void test_http_check_loads(void **state)
{
	bool valid;

	(void)state;
	assert_int_equal(child_loads_curl(with_http, &valid), 1);
	assert_true(valid);
}

static void test_webhook_loads(void **state)
{
	bool valid;

	(void)state;
	assert_int_equal(child_loads_curl(with_webhook, &valid), 1);
	assert_true(valid);
}

static void test_rejected_config_does_not_load(void **state)
{
	bool valid;

	(void)state;
	assert_int_equal(child_loads_curl(http_but_broken, &valid), 0);
	assert_false(valid);
}

static void test_missing_library(void **state)
{
	(void)state;
	assert_int_equal(curl_dl_open_name("libnotthere.so.9"), -1);
	assert_false(curl_dl_loaded());
	assert_string_equal(curl_dl_error(),
			    "libnotthere.so.9: cannot open shared object file: "
			    "No such file or directory (install libcurl4)");
	assert_null(sym_curl_easy_init);
}

/* A library without libcurl's symbols stands for one too old to have
 * them: the first one missing is named, none is left set. */
static void test_library_without_symbols(void **state)
{
	(void)state;
	assert_int_equal(curl_dl_open_name("libc.so.6"), -1);
	assert_false(curl_dl_loaded());
	assert_string_equal(curl_dl_error(),
			    "libc.so.6 has no curl_global_init: too old "
			    "(install a newer libcurl4)");
	assert_null(sym_curl_global_init);
}

static bool mapped(const char *path)
{
	char line[PATH_MAX + 128];
	const char *base = strrchr(path, '/');
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, base) != NULL;
	fclose(f);
	return found;
}

/* 7.84.0 lacks CURLOPT_PROTOCOLS_STR: refused, named with its version,
 * closed again, nothing set. */
static void test_too_old_library(void **state)
{
	char want[PATH_MAX + 128];

	(void)state;
	assert_int_equal(curl_dl_open_name(old_lib), -1);
	assert_false(curl_dl_loaded());
	snprintf(want, sizeof(want),
		 "%s is libcurl 7.84.0, pilotlight needs 7.85.0 or newer "
		 "(install a newer libcurl4)",
		 old_lib);
	assert_string_equal(curl_dl_error(), want);
	assert_null(sym_curl_version_info);
	assert_null(sym_curl_global_init);
	assert_false(mapped(old_lib));
}

static void test_loads_and_resolves_everything(void **state)
{
	const curl_version_info_data *v;

	(void)state;
	assert_int_equal(curl_dl_open(), 0);
	assert_true(curl_dl_loaded());
	assert_string_equal(curl_dl_error(), "");
#define CHECK_SYM(sym) assert_non_null(sym_##sym);
	CURL_DL_SYMBOLS(CHECK_SYM)
#undef CHECK_SYM
	v = sym_curl_version_info(CURLVERSION_NOW);
	assert_non_null(v);
	assert_true(v->version_num >= 0x075500); /* 7.85.0, as Depends */
	assert_string_equal(sym_curl_easy_strerror(CURLE_OK), "No error");
}

static void test_loading_again_is_a_no_op(void **state)
{
	(void)state;
	assert_int_equal(curl_dl_open(), 0);
	/* Loaded: another name is not even looked at. */
	assert_int_equal(curl_dl_open_name("libnotthere.so.9"), 0);
	assert_true(curl_dl_loaded());
}

int main(int argc, char **argv)
{
	/* In order: the failures before the load that stays for good. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_without_http_does_not_load),
		cmocka_unit_test(test_http_check_loads),
		cmocka_unit_test(test_webhook_loads),
		cmocka_unit_test(test_rejected_config_does_not_load),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_library_without_symbols),
		cmocka_unit_test(test_too_old_library),
		cmocka_unit_test(test_loads_and_resolves_everything),
		cmocka_unit_test(test_loading_again_is_a_no_op),
	};
	const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;

	snprintf(old_lib, sizeof(old_lib), "%.*s/libcurl-old.so",
		 slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
