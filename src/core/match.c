/*
 * match.c - regular expressions on PCRE2 with a bound on what a match
 * may cost; the one place that includes <pcre2.h>.
 *
 * PCRE2's match limit counts per start position, so on its own it lets a
 * pattern that fails at each of 64 KiB of start positions run for
 * seconds (a*b against "aaa...acb" is quadratic).  Patterns are compiled
 * with PCRE2_AUTO_CALLOUT instead: before each item of the pattern PCRE2
 * calls match_callout(), which now and then reads the monotonic clock
 * and abandons the match once the reply's budget is spent.  Between two
 * callouts PCRE2 does one item's work, at most a scan of the subject.
 * No JIT: it would need writable executable memory.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "match.h"

/* Work between two readings of the clock, in callouts plus bytes the
 * match moved over / MATCH_BYTES_PER_CALL: about 0.5 us of matching
 * here, where a reading costs ~20 ns.  Counting the bytes matters for
 * long subjects, where one item may scan the whole subject. */
#define MATCH_CLOCK_EVERY    16u
#define MATCH_BYTES_PER_CALL 64u
/* PCRE2's backtracking frames live on the heap, in the match data, and
 * stay there until match_free(): at most this, in KiB, per probe.  That
 * is 5000 or more nested iterations, more than the budget lets run. */
#define MATCH_HEAP_KIB 1024u
/* Nested backtracking, e.g. the iterations of (a|aa)+. */
#define MATCH_DEPTH_MAX 100000u

/* Never \C (it can split a character), never UTF or UCP (a reply is
 * bytes; invalid UTF-8 would be a match error): a pattern asking for
 * them with (*UTF) or (*UCP) does not compile. */
#define MATCH_OPTIONS                                                          \
	(PCRE2_AUTO_CALLOUT | PCRE2_NEVER_BACKSLASH_C | PCRE2_NEVER_UTF |      \
	 PCRE2_NEVER_UCP)

struct match {
	pcre2_code *code;
	pcre2_match_data *data;
	pcre2_match_context *mctx;
	int64_t deadline_ns; /* of the match running */
	size_t work;	     /* since the clock was last read */
	size_t last_pos;     /* subject offset at the last callout */
};

static int match_callout(pcre2_callout_block *b, void *arg)
{
	struct match *m = arg;
	size_t pos = b->current_position;

	m->work += 1 +
		   (pos > m->last_pos ? pos - m->last_pos : m->last_pos - pos) /
			   MATCH_BYTES_PER_CALL;
	m->last_pos = pos;
	if (m->work < MATCH_CLOCK_EVERY)
		return 0;
	m->work = 0;
	return clock_now_ns() > m->deadline_ns ? PCRE2_ERROR_CALLOUT : 0;
}

static pcre2_code *match_compile(const char *pattern, enum match_mode mode,
				 char *why, size_t why_len)
{
	pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
	uint32_t options = MATCH_OPTIONS;
	PCRE2_UCHAR msg[120];
	PCRE2_SIZE offset = 0;
	pcre2_code *code;
	int err;

	if (!cctx) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	options |= mode == MATCH_TEXT ? PCRE2_MULTILINE : PCRE2_DOTALL;
	pcre2_set_max_pattern_length(cctx, MATCH_PATTERN_MAX);
	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			     options, &err, &offset, cctx);
	pcre2_compile_context_free(cctx);
	if (!code) {
		if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", err);
		snprintf(why, why_len, "%s at offset %zu", (char *)msg,
			 (size_t)offset);
	}
	return code;
}

struct match *match_new(const char *pattern, enum match_mode mode, char *why,
			size_t why_len)
{
	char scratch[1];
	struct match *m;

	if (!why) {
		why = scratch;
		why_len = sizeof(scratch);
	}
	if (!pattern) {
		snprintf(why, why_len, "no pattern");
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		goto err_nomem;
	m->code = match_compile(pattern, mode, why, why_len);
	if (!m->code) {
		free(m);
		errno = EINVAL;
		return NULL;
	}
	m->data = pcre2_match_data_create(1, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	if (!m->data || !m->mctx)
		goto err_free;
	pcre2_set_callout(m->mctx, match_callout, m);
	pcre2_set_heap_limit(m->mctx, MATCH_HEAP_KIB);
	pcre2_set_depth_limit(m->mctx, MATCH_DEPTH_MAX);
	return m;

err_free:
	match_free(m);
err_nomem:
	snprintf(why, why_len, "out of memory");
	errno = ENOMEM;
	return NULL;
}

enum match_outcome match_run(struct match *m, const char *subject, size_t len,
			     int64_t *budget_ns)
{
	int64_t start_ns;
	int rc;

	if (*budget_ns <= 0)
		return MATCH_LIMIT;
	start_ns = clock_now_ns();
	m->deadline_ns = start_ns + *budget_ns;
	m->work = 0;
	m->last_pos = 0;
	rc = pcre2_match(m->code, (PCRE2_SPTR)(subject ? subject : ""),
			 subject ? len : 0, 0, 0, m->data, m->mctx);
	*budget_ns -= clock_now_ns() - start_ns;
	if (rc >= 0)
		return MATCH_FOUND;
	switch (rc) {
	case PCRE2_ERROR_NOMATCH:
		return MATCH_NONE;
	case PCRE2_ERROR_CALLOUT:
	case PCRE2_ERROR_MATCHLIMIT:
	case PCRE2_ERROR_DEPTHLIMIT:
	case PCRE2_ERROR_HEAPLIMIT:
		return MATCH_LIMIT;
	default:
		return MATCH_ERROR;
	}
}

const char *match_outcome_name(enum match_outcome o)
{
	switch (o) {
	case MATCH_NONE:
		return "no match";
	case MATCH_FOUND:
		return "matched";
	case MATCH_LIMIT:
		return "match limit exceeded";
	case MATCH_ERROR:
		break;
	}
	return "match failed";
}

void match_free(struct match *m)
{
	if (!m)
		return;
	pcre2_match_context_free(m->mctx);
	pcre2_match_data_free(m->data);
	pcre2_code_free(m->code);
	free(m);
}
