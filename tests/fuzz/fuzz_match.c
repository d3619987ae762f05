/*
 * fuzz_match.c - libFuzzer target: any pattern against any reply through
 * match.h, as a config (the pattern) and a checked server (the reply)
 * would hand them over.
 *
 * Input: one byte for the mode (even: MATCH_TEXT, odd: MATCH_BYTES), the
 * pattern up to the first NUL, the rest is the reply (NULs allowed).  A
 * pattern that does not compile must leave a message; one that compiles
 * is run against the reply with a fresh budget and must end in one of
 * the four outcomes, and a second run on the spent budget must not even
 * try.  A hang shows as libFuzzer's -timeout.  Built by `make fuzz`
 * (Makefile end) with clang -fsanitize=fuzzer,address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum match_mode mode;
	const uint8_t *nul;
	char *pattern, why[160] = "";
	struct match *m;
	int64_t budget_ns = MATCH_BUDGET_NS;
	enum match_outcome o;
	size_t n;

	if (size < 1)
		return 0;
	mode = data[0] & 1 ? MATCH_BYTES : MATCH_TEXT;
	data++;
	size--;
	nul = memchr(data, 0, size);
	n = nul ? (size_t)(nul - data) : size;
	pattern = malloc(n + 1);
	if (!pattern)
		return 0;
	memcpy(pattern, data, n);
	pattern[n] = '\0';
	m = match_new(pattern, mode, why, sizeof(why));
	free(pattern);
	if (!m) {
		if (why[0] == '\0')
			abort();
		return 0;
	}
	data += nul ? n + 1 : n;
	size -= nul ? n + 1 : n;
	o = match_run(m, (const char *)data, size, &budget_ns);
	if (o != MATCH_NONE && o != MATCH_FOUND && o != MATCH_LIMIT)
		abort();
	budget_ns = 0;
	if (match_run(m, (const char *)data, size, &budget_ns) != MATCH_LIMIT)
		abort();
	match_free(m);
	return 0;
}
