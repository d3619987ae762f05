/*
 * test_config_stream.c - a ping check's 'spacing' and the 'measurements'
 * group as a person writes them: the edges of the spacing range, a burst
 * that cannot end before the next round, and the stream's file, each
 * refused with FILE:LINE and the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char path[64];

/* Load text from a file; the first error (or "") goes to first. */
static struct pl_config *load(const char *text, char *first, size_t len)
{
	struct config_errors errs = { 0 };
	struct pl_config *cfg;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/pl-stream-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	cfg = config_load(path, &errs);
	first[0] = '\0';
	if (!cfg)
		config_errors_first(&errs, first, len);
	config_errors_clear(&errs);
	unlink(path);
	return cfg;
}

/* The error expected at line, with the file's name in front. */
static void assert_error(const char *first, int line, const char *msg)
{
	char want[512];

	snprintf(want, sizeof(want), "%s:%d: %s", path, line, msg);
	assert_string_equal(first, want);
}

static const char *ping_cfg(char *buf, size_t len, const char *keys)
{
	snprintf(buf, len,
		 "hosts = ( { name = \"a\"; address = \"127.0.0.1\";\n"
		 "  checks = ( { type = \"ping\"; %s } ); } );\n",
		 keys);
	return buf;
}

static void test_spacing_range(void **state)
{
	char text[512], first[512];
	struct pl_config *cfg;

	(void)state;
	cfg = load(ping_cfg(text, sizeof(text), "spacing = \"10ms\";"), first,
		   sizeof(first));
	assert_non_null(cfg);
	assert_int_equal(cfg->hosts[0].checks[0].u.ping.spacing_ms, 10);
	config_free(cfg);

	cfg = load(ping_cfg(text, sizeof(text), "spacing = \"1s\";"), first,
		   sizeof(first));
	assert_non_null(cfg);
	assert_int_equal(cfg->hosts[0].checks[0].u.ping.spacing_ms, 1000);
	config_free(cfg);

	assert_null(load(ping_cfg(text, sizeof(text), "spacing = \"9ms\";"),
			 first, sizeof(first)));
	assert_error(first, 2, "'spacing' 9ms out of range 10ms..1s");

	assert_null(load(ping_cfg(text, sizeof(text), "spacing = \"1001ms\";"),
			 first, sizeof(first)));
	assert_error(first, 2, "'spacing' 1001ms out of range 10ms..1s");

	assert_null(load(ping_cfg(text, sizeof(text), "spacing = 20;"), first,
			 sizeof(first)));
	assert_error(first, 2, "'spacing' 20s out of range 10ms..1s");
}

/* Unchanged behaviour without the key: 100 ms, as before. */
static void test_spacing_default(void **state)
{
	char text[512], first[512];
	struct pl_config *cfg;

	(void)state;
	cfg = load(ping_cfg(text, sizeof(text), "count = 3;"), first,
		   sizeof(first));
	assert_non_null(cfg);
	assert_int_equal(cfg->hosts[0].checks[0].u.ping.spacing_ms, 100);
	config_free(cfg);
}

static void test_burst_fits_interval(void **state)
{
	char text[512], first[512];
	struct pl_config *cfg;

	(void)state;
	/* 19 x 50ms + 1s = 1950ms < 2s: fits */
	cfg = load(
		ping_cfg(text, sizeof(text),
			 "count = 20; spacing = \"50ms\"; interval = \"2s\";"),
		first, sizeof(first));
	assert_non_null(cfg);
	config_free(cfg);

	/* 19 x 60ms + 1s = 2140ms */
	assert_null(load(ping_cfg(text, sizeof(text),
				  "count = 20; spacing = \"60ms\"; "
				  "interval = \"2s\";"),
			 first, sizeof(first)));
	assert_error(first, 2,
		     "a burst of 20 pings 60ms apart plus the timeout (1s) "
		     "takes 2140ms, must be below interval (2s)");

	/* the default spacing, a long burst: named on 'count' */
	assert_null(load(ping_cfg(text, sizeof(text),
				  "count = 100; interval = \"10s\";"),
			 first, sizeof(first)));
	assert_error(first, 2,
		     "a burst of 100 pings 100ms apart plus the timeout (1s) "
		     "takes 10900ms, must be below interval (10s)");

	/* 'spacing' is a ping key */
	snprintf(text, sizeof(text),
		 "hosts = ( { name = \"a\"; address = \"127.0.0.1\";\n"
		 "  checks = ( { type = \"tcp\"; port = 22;\n"
		 "    spacing = \"20ms\"; } ); } );\n");
	assert_null(load(text, first, sizeof(first)));
	assert_error(first, 3, "key 'spacing' does not apply to a tcp check");
}

/* A 'measurements' group on line 2 and the error it gets. */
static const struct {
	const char *group, *error;
} bad_files[] = {
	{ "{ file = \"m.jsonl\"; }",
	  "'file' must be an absolute path, \"-\" (stdout) or \"\" (none), "
	  "not 'm.jsonl'" },
	{ "{ file = \"/nonexistent-dir/m.jsonl\"; }",
	  "'file' '/nonexistent-dir/m.jsonl': no directory '/nonexistent-dir' "
	  "to create it in" },
	{ "{ file = \"/tmp\"; }",
	  "'file' '/tmp' is a directory, not a regular file" },
	{ "{ file = \"/tmp/m\"; rotate = true; }",
	  "unknown key 'rotate' in 'measurements'" },
	{ "{ file = 7; }", "'file' must be a string" },
};

static void test_measurements_file(void **state)
{
	char text[512], first[512];
	struct pl_config *cfg;

	(void)state;
	snprintf(text, sizeof(text),
		 "hosts = ( { name = \"a\"; address = \"127.0.0.1\";\n"
		 "  checks = ( { type = \"ping\"; } ); } );\n"
		 "measurements = {\n"
		 "  file = \"-\";\n"
		 "};\n");
	cfg = load(text, first, sizeof(first));
	assert_non_null(cfg);
	assert_string_equal(cfg->measurements.file, "-");
	assert_int_equal(cfg->measurements.line, 4);
	config_free(cfg);

	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		snprintf(text, sizeof(text),
			 "hosts = ();\nmeasurements = %s;\n",
			 bad_files[i].group);
		assert_null(load(text, first, sizeof(first)));
		assert_error(first, 2, bad_files[i].error);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spacing_range),
		cmocka_unit_test(test_spacing_default),
		cmocka_unit_test(test_burst_fits_interval),
		cmocka_unit_test(test_measurements_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
