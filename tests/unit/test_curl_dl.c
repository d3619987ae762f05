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

#include <cmocka.h>

#include "config.h"
#include "curl_dl.h"
#include "dl_fixture.h"

static const struct dl_api curl = {
	.open = curl_dl_open,
	.open_name = curl_dl_open_name,
	.loaded = curl_dl_loaded,
	.error = curl_dl_error,
	.package = "libcurl4",
	.first = "curl_global_init",
};

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

static void test_config_without_http_does_not_load(void **state)
{
	(void)state;
	dl_assert_config(&curl, no_http, true, false);
}

static void test_http_check_loads(void **state)
{
	(void)state;
	dl_assert_config(&curl, with_http, true, true);
}

static void test_webhook_loads(void **state)
{
	(void)state;
	dl_assert_config(&curl, with_webhook, true, true);
}

static void test_rejected_config_does_not_load(void **state)
{
	(void)state;
	dl_assert_config(&curl, http_but_broken, false, false);
}

static void test_missing_library(void **state)
{
	(void)state;
	dl_assert_missing(&curl);
	assert_null(sym_curl_easy_init);
}

static void test_library_without_symbols(void **state)
{
	(void)state;
	dl_assert_without_functions(&curl);
	assert_null(sym_curl_global_init);
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
	dl_assert_loads(&curl);
#define CHECK_SYM(sym) assert_non_null(sym_##sym);
	CURL_DL_SYMBOLS(CHECK_SYM)
#undef CHECK_SYM
	v = sym_curl_version_info(CURLVERSION_NOW);
	assert_non_null(v);
	assert_true(v->version_num >= 0x075500); /* 7.85.0, as Depends */
	assert_string_equal(sym_curl_easy_strerror(CURLE_OK), "No error");
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
	};
	const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;

	snprintf(old_lib, sizeof(old_lib), "%.*s/libcurl-old.so",
		 slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
