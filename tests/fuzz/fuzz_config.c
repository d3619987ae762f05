/*
 * fuzz_config.c - libFuzzer target: any bytes as /etc/pilotlight's file,
 * through config_load() (libconfig, then every section reader and
 * validator: durations, addresses, BPF filters, regular expressions) and
 * config_free().
 *
 * Each input is written to a file in a private temporary directory and
 * loaded from there; the leak checker sees that a failed load frees its
 * error list and a good one its config.  Inputs may @include: the loader
 * reads regular files only, bounded in size, depth and count
 * (src/config/source.h), so /dev/zero or a FIFO is an error, not a hang.
 * Built by `make fuzz` (Makefile end) with clang -fsanitize=fuzzer,address.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define FUZZ_MAX_INPUT (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig (1.5 on bookworm, 1.7 on trixie) leaks a string token's
 * buffer when a syntax error follows it (hyperrealm/libconfig#142,
 * grammar.y lacks a %destructor): bounded, and only for a broken file.
 * Which frame the leak report shows first depends on the token
 * (strbuf_append, the scanner, the parser), so everything allocated
 * inside config_read_string() is libconfig's own and is suppressed; a
 * leak of ours (a config, or a libconfig document not destroyed) is
 * allocated outside it and still fails the run. */
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\n"
	       "leak:libconfig_yylex\n"
	       "leak:libconfig_yyparse\n"
	       "leak:config_read_string\n";
}

static char path[64];

static void remove_dir(void)
{
	char dir[sizeof(path)];

	unlink(path);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
}

static int setup(void)
{
	char dir[] = "/tmp/pl-fuzz-config-XXXXXX";

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/pilotlight.cfg", dir);
	atexit(remove_dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs = { 0 };
	struct pl_config *cfg;
	FILE *f;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	if (!path[0] && setup() < 0)
		abort();
	f = fopen(path, "we");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	cfg = config_load(path, &errs);
	if (cfg) {
		/* A config that loads has no errors to report. */
		if (errs.n)
			abort();
		config_free(cfg);
	} else if (!errs.n) {
		abort(); /* a failed load always says why */
	}
	config_errors_clear(&errs);
	return 0;
}
