/*
 * test_config_source.c - what a user sees for a config that is hostile as
 * a file: an @include of a directory, a FIFO nobody writes, a device that
 * never ends, a socket; files too large, includes nested too deep or in
 * a cycle, NUL bytes, a 1 MB path.  Each is one exact FILE:LINE: message
 * and config_load() returns (a hang here is a failure of the run).
 * Also that the line map keeps every other message at its FILE:LINE
 * across @include, and that -t refuses an events file start cannot open.
 *
 * The files are made in a fresh directory under /tmp for each test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "../../src/config/source.h"

struct fixture {
	char dir[64];
	char path[128];	 /* dir/NAME of the last put() or mkpath() */
	char first[512]; /* the first error of the last load_errors() */
	size_t n;	 /* errors of the last load_errors() */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pl-cfgsrc-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static const char *mkpath(struct fixture *f, const char *name)
{
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
	return f->path;
}

/* Write len bytes of text to dir/name; returns the path. */
static const char *put_bytes(struct fixture *f, const char *name,
			     const char *text, size_t len)
{
	FILE *fp = fopen(mkpath(f, name), "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return f->path;
}

static const char *put(struct fixture *f, const char *name, const char *text)
{
	return put_bytes(f, name, text, strlen(text));
}

/* Load dir/name, which must fail; f->first and f->n get the outcome. */
static void load_errors(struct fixture *f, const char *name)
{
	struct config_errors errs = { 0 };

	assert_null(config_load(mkpath(f, name), &errs));
	f->n = errs.n;
	config_errors_first(&errs, f->first, sizeof(f->first));
	config_errors_clear(&errs);
}

/* The first error must be dir/FILE:LINE: msg (or dir/FILE: msg). */
static void expect(struct fixture *f, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void expect(struct fixture *f, size_t n, const char *fmt, ...)
{
	char want[512], rel[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(want, sizeof(want), "%s/%s", f->dir, rel);
	assert_string_equal(f->first, want);
	assert_int_equal(f->n, n);
}

static const char TOP[] = "hosts = ();\n"
			  "@include \"frag\"\n"
			  "logging = { level = \"info\"; };\n";

static void test_include_directory(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mkdir(mkpath(f, "frag"), 0700), 0);
	put(f, "top.cfg", TOP);
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:2: @include \"frag\": is a directory");
}

static void test_include_fifo(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mkfifo(mkpath(f, "frag"), 0600), 0);
	put(f, "top.cfg", TOP);
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:2: @include \"frag\": is a FIFO");
	/* the top file itself */
	load_errors(f, "frag");
	expect(f, 1, "frag: is a FIFO");
}

static void test_include_device(void **state)
{
	struct fixture *f = *state;

	put(f, "top.cfg", "hosts = ();\n\n@include \"/dev/zero\"\n");
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:3: @include \"/dev/zero\": is a device");
}

static void test_include_socket(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	mkpath(f, "frag");
	assert_true(strlen(f->path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, f->path, strlen(f->path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	put(f, "top.cfg", TOP);
	load_errors(f, "top.cfg");
	close(fd);
	expect(f, 1, "top.cfg:2: @include \"frag\": is a socket");
}

/* A directory as the config itself: no line, the path and what it is. */
static void test_top_directory(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mkdir(mkpath(f, "conf.d"), 0700), 0);
	load_errors(f, "conf.d");
	expect(f, 1, "conf.d: is a directory");
}

/* A file of exactly n bytes of comment lines. */
static void put_comment(struct fixture *f, const char *name, size_t n)
{
	char *buf = malloc(n);

	assert_non_null(buf);
	memset(buf, '#', n);
	for (size_t i = 79; i < n; i += 80)
		buf[i] = '\n';
	put_bytes(f, name, buf, n);
	free(buf);
}

static void test_file_size(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { 0 };
	struct pl_config *cfg;

	put_comment(f, "frag", CFG_FILE_MAX);
	put(f, "top.cfg", TOP);
	cfg = config_load(f->path, &errs);
	assert_non_null(cfg);
	assert_int_equal(errs.n, 0);
	config_free(cfg);

	put_comment(f, "frag", CFG_FILE_MAX + 1);
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:2: @include \"frag\": file larger than 1 MiB");
	load_errors(f, "frag");
	expect(f, 1, "frag: file larger than 1 MiB");
}

static void test_total_size(void **state)
{
	struct fixture *f = *state;

	put_comment(f, "frag", CFG_FILE_MAX);
	put(f, "top.cfg",
	    "hosts = ();\n@include \"frag\"\n@include \"frag\"\n"
	    "@include \"frag\"\n@include \"frag\"\n");
	load_errors(f, "top.cfg");
	expect(f, 1,
	       "top.cfg:5: @include \"frag\": the files of the configuration "
	       "exceed 4 MiB");
}

/* top includes i1, i1 includes i2 ...: 8 levels are fine, a 9th not. */
static void test_nesting(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { 0 };
	struct pl_config *cfg;
	char name[16], text[64];

	for (int i = 1; i <= CFG_DEPTH_MAX + 1; i++) {
		snprintf(name, sizeof(name), "i%d", i);
		snprintf(text, sizeof(text), "# level %d\n@include \"i%d\"\n",
			 i, i + 1);
		put(f, name, i == CFG_DEPTH_MAX ? "# the last\n" : text);
	}
	put(f, "top.cfg", "hosts = ();\n@include \"i1\"\n");
	cfg = config_load(f->path, &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	config_free(cfg);

	snprintf(text, sizeof(text), "# level %d\n@include \"i%d\"\n",
		 CFG_DEPTH_MAX, CFG_DEPTH_MAX + 1);
	put(f, "i8", text);
	load_errors(f, "top.cfg");
	expect(f, 1, "i8:2: @include \"i9\": nested deeper than 8");
}

static void test_cycle(void **state)
{
	struct fixture *f = *state;

	put(f, "top.cfg", "hosts = ();\n@include \"a.inc\"\n");
	put(f, "a.inc", "# a\n@include \"b.inc\"\n");
	put(f, "b.inc", "# b\n\n@include \"a.inc\"\n");
	load_errors(f, "top.cfg");
	expect(f, 1,
	       "b.inc:3: @include \"a.inc\": a cycle: %s/a.inc is "
	       "being read already",
	       f->dir);
	put(f, "self.cfg", "hosts = ();\n@include \"self.cfg\"\n");
	load_errors(f, "self.cfg");
	expect(f, 1,
	       "self.cfg:2: @include \"self.cfg\": a cycle: %s/self.cfg "
	       "is being read already",
	       f->dir);
}

static void test_too_many_files(void **state)
{
	struct fixture *f = *state;
	char text[CFG_FILES_MAX * 20] = "hosts = ();\n";

	put(f, "frag", "# empty\n");
	for (int i = 1; i < CFG_FILES_MAX + 1; i++)
		strcat(text, "@include \"frag\"\n");
	put(f, "top.cfg", text);
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:65: @include \"frag\": more than 64 files");
}

static void test_nul_bytes(void **state)
{
	struct fixture *f = *state;
	static const char raw[] = "hosts = ();\n\n# a\0b\n";

	put_bytes(f, "top.cfg", raw, sizeof(raw) - 1);
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:3: a NUL byte in the file");
	put_bytes(f, "frag", raw, sizeof(raw) - 1);
	put(f, "top.cfg", TOP);
	load_errors(f, "top.cfg");
	expect(f, 1, "frag:3: a NUL byte in the file");
	/* libconfig would drop the byte: "/var/lib/x\x00y" became ".../xy" */
	put(f, "top.cfg",
	    "hosts = ();\n"
	    "daemon = { state_dir = \"/var/lib/x\\x00y\"; };\n");
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:2: \"\\x00\" (a NUL byte) in a string");
}

/* A 1 MB path fits in a file but not in a value. */
static void test_long_value(void **state)
{
	struct fixture *f = *state;
	size_t n = 1000 * 1000;
	char *text = malloc(n + 64);

	assert_non_null(text);
	strcpy(text, "hosts = ();\n\nevents = { file = \"/");
	memset(text + strlen(text), 'a', n);
	strcpy(text + strlen("hosts = ();\n\nevents = { file = \"/") + n,
	       "\"; };\n");
	put(f, "top.cfg", text);
	free(text);
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:3: 'file' is longer than 4095 bytes");
}

/* -t and start agree: what start would fail to open is refused at load. */
static void test_events_file(void **state)
{
	struct fixture *f = *state;
	char text[256];

	snprintf(text, sizeof(text),
		 "hosts = ();\nevents = { file = \"/etc\"; };\n");
	put(f, "top.cfg", text);
	load_errors(f, "top.cfg");
	expect(f, 1,
	       "top.cfg:2: 'file' '/etc' is a directory, not a regular file");

	assert_int_equal(mkfifo(mkpath(f, "events.fifo"), 0600), 0);
	snprintf(text, sizeof(text),
		 "hosts = ();\n\nevents = { file = \"%s\"; };\n", f->path);
	put(f, "top.cfg", text);
	load_errors(f, "top.cfg");
	expect(f, 1,
	       "top.cfg:3: 'file' '%s/events.fifo' is a FIFO, not a "
	       "regular file",
	       f->dir);

	snprintf(text, sizeof(text),
		 "hosts = ();\nevents = { file = \"%s/no/e.jsonl\"; };\n",
		 f->dir);
	put(f, "top.cfg", text);
	load_errors(f, "top.cfg");
	expect(f, 1,
	       "top.cfg:2: 'file' '%s/no/e.jsonl': no directory "
	       "'%s/no' to create it in",
	       f->dir, f->dir);
}

/* Errors keep their FILE:LINE on both sides of an @include, libconfig's
 * syntax errors included, and text after the name still counts. */
static void test_line_map(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { 0 };

	put(f, "frag", "# fragment\n\nlogging = { levle = \"info\"; };\n");
	put(f, "top.cfg",
	    "hosts = ();\n"
	    "@include \"frag\" daemon = { usr = \"x\"; };\n"
	    "/* @include \"no-such\"\n"
	    "@include \"no-such\" */ # @include \"no-such\"\n"
	    "capture = { snaplen = 1; };\n");
	assert_null(config_load(mkpath(f, "top.cfg"), &errs));
	assert_int_equal(errs.n, 3);
	assert_string_equal(errs.v[0].file, f->path);
	assert_int_equal(errs.v[0].line, 2);
	assert_string_equal(errs.v[0].msg, "unknown key 'usr' in 'daemon'");
	assert_string_equal(errs.v[1].file, f->path);
	assert_int_equal(errs.v[1].line, 5);
	assert_string_equal(errs.v[1].msg,
			    "'snaplen' 1 out of range 64..65535");
	assert_string_equal(errs.v[2].file, mkpath(f, "frag"));
	assert_int_equal(errs.v[2].line, 3);
	assert_string_equal(errs.v[2].msg, "unknown key 'levle' in 'logging'");
	config_errors_clear(&errs);

	put(f, "frag", "# fragment\nhosts = (\n");
	put(f, "top.cfg", "@include \"frag\"\n\n\ndaemon = { };\n");
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:4: syntax error");
}

static void test_bad_directive(void **state)
{
	struct fixture *f = *state;

	put(f, "top.cfg", "hosts = ();\n@include \"frag\n");
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:2: bad @include: no closing quote on the line");
	put(f, "top.cfg", "hosts = ();\n  @include \"\"\n");
	load_errors(f, "top.cfg");
	expect(f, 1, "top.cfg:2: bad @include: empty file name");
	put(f, "top.cfg", "hosts = ();\n@include \"a\\b\"\n");
	load_errors(f, "top.cfg");
	expect(f, 1,
	       "top.cfg:2: bad @include: only \\\\ and \\\" may follow "
	       "a backslash");
}

/* The fingerprint covers the included files: editing one changes it. */
static void test_fingerprint(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { 0 };
	struct pl_config *a, *b;

	put(f, "frag", "logging = { level = \"info\"; };\n");
	put(f, "top.cfg", "hosts = ();\n@include \"frag\"\n");
	a = config_load(f->path, &errs);
	put(f, "frag", "logging = { level = \"debug\"; };\n");
	b = config_load(mkpath(f, "top.cfg"), &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a->fingerprint != b->fingerprint);
	config_free(a);
	config_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_include_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_include_fifo, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_include_device, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_include_socket, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_top_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_total_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nul_bytes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_long_value, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_events_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_line_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_directive, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
