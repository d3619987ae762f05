/*
 * regex_bench.c - what the worst reply costs the loop in matching: classic
 * catastrophic patterns against runs of 'a' (2000 bytes and 1 MiB, with
 * and without a "cb" tail that defeats PCRE2's look for a required 'b'),
 * through match.h as the probes call it, and a few everyday patterns on a
 * 64 KiB JSON-ish body to show what the bound costs when nothing is
 * hostile.  Each line: the wall time of one match (CLOCK_MONOTONIC, the
 * time the loop is held; worst of RUNS) and the outcome.  For contrast,
 * the quadratic a*b on 64 KiB once through PCRE2 with its default limits
 * alone.  Exits 1 if any match through match.h takes 50 ms or more.
 *
 *   regex_bench [RUNS]
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match.h"

#define LIMIT_MS 50.0
#define MIB	 (1024 * 1024)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *const hostile[] = {
	"(a+)+\\1b",	  "(a+)+b",	     "(a|aa)+b", "(a|a?)+b",
	"(a*)*b",	  "(.*a){20}b",	     "^(a+)+$x", "a*b",
	"(?:a{65535}|b)", "((a+)*)+\\2\\1b", NULL,
};

static const char *const everyday[] = {
	"\"status\":\\s*\"ok\"",
	"^OK$",
	".*ok",
	"[a-z]+-[0-9]+\", \"rtt\": 9\\.99",
	"\"state\": \"(up|down)\"[^\\n]*\"status\"",
	NULL,
};

static char *run_of_a(size_t n, const char *tail, size_t *len)
{
	size_t t = strlen(tail);
	char *s = malloc(n + t + 1);

	if (!s)
		exit(2);
	memset(s, 'a', n);
	memcpy(s + n, tail, t + 1);
	*len = n + t;
	return s;
}

static char *json_body(size_t *len)
{
	size_t cap = 64 * 1024, n = 0;
	char *s = malloc(cap + 64);

	if (!s)
		exit(2);
	for (int i = 0; n < cap - 200; i++)
		n += (size_t)snprintf(s + n, cap - n,
				      "{\"id\": %d, \"name\": \"host-%d\", "
				      "\"rtt\": %d.%03d, \"state\": \"up\"},\n",
				      i, i, i % 10, (i * 37) % 1000);
	n += (size_t)snprintf(s + n, cap + 64 - n, "\"status\": \"ok\"\nOK\n");
	*len = n;
	return s;
}

/* Worst wall time of runs matches of pattern against s; prints a line. */
static double bench_one(const char *pattern, const char *what, const char *s,
			size_t len, int runs)
{
	char why[160];
	struct match *m = match_new(pattern, MATCH_TEXT, why, sizeof(why));
	enum match_outcome o = MATCH_ERROR;
	double worst = 0;

	if (!m) {
		printf("  %-22s %s\n", pattern, why);
		return 0;
	}
	for (int i = 0; i < runs; i++) {
		int64_t budget_ns = MATCH_BUDGET_NS;
		double t0 = now_ms(), dt;

		o = match_run(m, s, len, &budget_ns);
		dt = now_ms() - t0;
		if (dt > worst)
			worst = dt;
	}
	match_free(m);
	printf("  %-22s %-18s %8.3f ms  %s%s\n", pattern, what, worst,
	       match_outcome_name(o), worst >= LIMIT_MS ? "  OVER 50 ms" : "");
	return worst;
}

/* PCRE2 with its default limits and no callout: what the bound saves. */
static void bench_unbounded(const char *pattern, const char *s, size_t len)
{
	pcre2_code *re;
	pcre2_match_data *md;
	PCRE2_SIZE off;
	double t0;
	int err, rc;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			   PCRE2_MULTILINE, &err, &off, NULL);
	md = pcre2_match_data_create(1, NULL);
	if (!re || !md)
		exit(2);
	t0 = now_ms();
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
	printf("  %-22s %-18s %8.1f ms  rc %d (PCRE2 default limits, no "
	       "budget)\n",
	       pattern, "64 KiB a + cb", now_ms() - t0, rc);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
}

int main(int argc, char **argv)
{
	static const struct {
		size_t n;
		const char *tail, *what;
	} subjects[] = {
		{ 2000, "", "2000 a" },
		{ 2000, "cb", "2000 a + cb" },
		{ MIB, "", "1 MiB a" },
		{ MIB, "cb", "1 MiB a + cb" },
	};
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 3;
	double worst = 0, w;
	size_t len;
	char *s;

	if (runs < 1)
		runs = 1;
	printf("regex: one match through match.h, worst of %d; budget %lld "
	       "ms, limit %.0f ms\n",
	       runs, (long long)(MATCH_BUDGET_NS / 1000000), LIMIT_MS);
	for (size_t k = 0; k < sizeof(subjects) / sizeof(subjects[0]); k++) {
		s = run_of_a(subjects[k].n, subjects[k].tail, &len);
		for (int i = 0; hostile[i]; i++) {
			w = bench_one(hostile[i], subjects[k].what, s, len,
				      runs);
			worst = w > worst ? w : worst;
		}
		free(s);
	}
	s = json_body(&len);
	printf("everyday patterns on a %zu-byte JSON-ish body:\n", len);
	for (int i = 0; everyday[i]; i++) {
		w = bench_one(everyday[i], "64 KiB body", s, len, runs);
		worst = w > worst ? w : worst;
	}
	free(s);
	s = run_of_a(64 * 1024, "cb", &len);
	bench_unbounded("a*b", s, len);
	free(s);
	printf("worst: %.3f ms (limit %.0f ms): %s\n", worst, LIMIT_MS,
	       worst < LIMIT_MS ? "ok" : "OVER");
	return worst < LIMIT_MS ? 0 : 1;
}
