/*
 * toptable.c - a bounded, set-associative table of byte counters.
 *
 * Eviction rule: the table is an array of 8-way buckets; a key hashes to
 * one bucket.  A new key takes a free way, else it replaces the way with
 * the fewest bytes (ties: the one seen longest ago), pinned ways excepted.
 * So heavy talkers stay, and a stream of new one-packet keys churns only
 * the lightest way of each bucket; an evicted key seen again starts from
 * zero.  The hash is seeded from getrandom() at start, so a sender cannot
 * aim addresses at one bucket to push a chosen host out.  A bucket is 8
 * adjacent 64-byte entries; a lookup compares whole keys way by way (a
 * zero first word marks a free way: no key has one), which measured
 * faster than a separate fingerprint row.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "toptable.h"

#define WAYS TOPTABLE_WAYS

static bool way_free(const struct toptable_entry *e)
{
	return e->key.w[0] == 0;
}

struct toptable *toptable_new(size_t bound)
{
	struct toptable *t;
	size_t n = 1;

	if (bound == 0 || bound > (SIZE_MAX / 2) / sizeof(*t->entries)) {
		errno = EINVAL;
		return NULL;
	}
	while (n * WAYS < bound)
		n *= 2;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->entries = calloc(n * WAYS, sizeof(*t->entries));
	if (!t->entries)
		goto err_table;
	t->used = calloc((n + 63) / 64, sizeof(*t->used));
	if (!t->used)
		goto err_entries;
	t->mask = n - 1;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) !=
	    sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ UINT64_C(0x9e3779b97f4a7c15);
	return t;

err_entries:
	free(t->entries);
err_table:
	free(t);
	return NULL;
}

void toptable_free(struct toptable *t)
{
	if (!t)
		return;
	free(t->used);
	free(t->entries);
	free(t);
}

/* A free way, else the lightest unpinned one; -1 if all are pinned. */
static int bucket_victim(const struct toptable *t, size_t b)
{
	const struct toptable_entry *e = &t->entries[b * WAYS];
	int w, best = -1;

	for (w = 0; w < WAYS; w++) {
		if (way_free(&e[w]))
			return w;
		if (e[w].pinned)
			continue;
		if (best < 0 || e[w].bytes < e[best].bytes ||
		    (e[w].bytes == e[best].bytes &&
		     e[w].last_seen_ns < e[best].last_seen_ns))
			best = w;
	}
	return best;
}

struct toptable_entry *toptable_insert(struct toptable *t, size_t b,
				       const struct toptable_key *key)
{
	int w = bucket_victim(t, b);
	struct toptable_entry *e;

	if (w < 0)
		return NULL;
	e = &t->entries[b * WAYS + w];
	if (!way_free(e))
		t->evictions++;
	t->used[b / 64] |= UINT64_C(1) << (b % 64);
	*e = (struct toptable_entry){ .key = *key, .last_seen_ns = -1 };
	return e;
}

uint64_t toptable_evictions(const struct toptable *t)
{
	return t->evictions;
}

/* The first occupied entry at index *i or later, moving *i past it; NULL
 * at the end.  Buckets never used are skipped by their bit, so a
 * replay's large table, mostly untouched memory, is never read. */
static struct toptable_entry *next_entry(const struct toptable *t, size_t *i)
{
	size_t n = (t->mask + 1) * WAYS;

	while (*i < n) {
		size_t b = *i / WAYS;
		uint64_t bits = t->used[b / 64] >> (b % 64);

		if (bits == 0) {	/* to the next word of the bitmap */
			*i = (b / 64 + 1) * 64 * WAYS;
			continue;
		}
		if ((bits & 1) == 0) {	/* to the next used bucket */
			*i = (b + (size_t)__builtin_ctzll(bits)) * WAYS;
			continue;
		}
		if (!way_free(&t->entries[(*i)++]))
			return &t->entries[*i - 1];
	}
	return NULL;
}

void toptable_unpin_all(struct toptable *t)
{
	struct toptable_entry *e;
	size_t i = 0;

	while ((e = next_entry(t, &i)))
		e->pinned = 0;
}

void toptable_walk(struct toptable *t,
		   void (*fn)(struct toptable_entry *e, void *ctx), void *ctx)
{
	struct toptable_entry *e;
	size_t i = 0;

	while ((e = next_entry(t, &i)))
		fn(e, ctx);
}

void toptable_foreach(const struct toptable *t,
		      void (*fn)(const struct toptable_entry *e, void *ctx),
		      void *ctx)
{
	const struct toptable_entry *e;
	size_t i = 0;

	while ((e = next_entry(t, &i)))
		fn(e, ctx);
}
