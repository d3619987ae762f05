/*
 * match.h - regular expressions whose matching cost is bounded (PCRE2).
 *
 *   match_new()  compile a pattern once (config load, probe start)
 *   match_run()  test a reply against it, spending from a time budget
 *   match_free() release it
 *
 * A backtracking engine can take exponential time on a pattern such as
 * (a+)+\1b, and quadratic time on any pattern whose match fails at each
 * of many start positions.  So every match runs against a budget of
 * monotonic time, checked from PCRE2 callouts between the pattern's
 * items: a reply that would take longer ends as MATCH_LIMIT, never as a
 * held loop.  PCRE2's own match, depth and heap limits bound the rest.
 */
#ifndef PL_MATCH_H
#define PL_MATCH_H

#include <stddef.h>
#include <stdint.h>

/* What one reply may cost the loop in matching, in total: a tcp probe
 * matches each piece of a reply as it arrives and spends from one
 * budget.  The loop is held for at most this plus one callout interval
 * (microseconds; tests/bench/regex measures it). */
#define MATCH_BUDGET_NS (20 * INT64_C(1000000))

/* Longest pattern accepted, in bytes. */
#define MATCH_PATTERN_MAX 1024

/* How match_new() reads the pattern. */
enum match_mode {
	MATCH_TEXT,  /* ^ and $ match at line breaks; '.' stops at one */
	MATCH_BYTES, /* ^ and $: the whole subject; '.' matches a newline */
};

enum match_outcome {
	MATCH_NONE,  /* the subject does not match */
	MATCH_FOUND, /* it matches */
	MATCH_LIMIT, /* the budget or a PCRE2 limit ran out: undecided */
	MATCH_ERROR, /* anything else (out of memory) */
};

struct match;

/* Compile pattern.  On error returns NULL and, when why is not NULL,
 * writes PCRE2's message and the offset of the error into why:
 * "missing closing parenthesis at offset 6".  Free with match_free(). */
struct match *match_new(const char *pattern, enum match_mode mode, char *why,
			size_t why_len);

/* Match len bytes of subject (NULs allowed), spending from *budget_ns,
 * which starts at MATCH_BUDGET_NS for a reply.  When *budget_ns is
 * spent, returns MATCH_LIMIT without trying. */
enum match_outcome match_run(struct match *m, const char *subject, size_t len,
			     int64_t *budget_ns);

/* "match limit exceeded", "out of memory", ...: a few words for a
 * reason. */
const char *match_outcome_name(enum match_outcome o);

void match_free(struct match *m);

#endif
