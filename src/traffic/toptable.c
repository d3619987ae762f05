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
 *
 * The daemon allocates the whole bound at start.  Replay may instead ask
 * for a table that starts small and doubles (rehashing everything) when a
 * bucket is full, up to the bound, and evicts only then: its counts stay
 * exact and its memory dense, in proportion to the hosts it has seen.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "toptable.h"

#define WAYS	   TOPTABLE_WAYS
#define GROW_START 512 /* buckets of a growing table at first */

static bool way_free(const struct toptable_entry *e)
{
	return e->key.w[0] == 0;
}

static size_t buckets_for(size_t entries)
{
	size_t n = 1;

	while (n * WAYS < entries)
		n *= 2;
	return n;
}

/* Fresh, empty arrays for n buckets into t.  Returns 0 or -1. */
static int table_alloc(struct toptable *t, size_t n)
{
	struct toptable_entry *entries = calloc(n * WAYS, sizeof(*entries));
	uint64_t *used = calloc((n + 63) / 64, sizeof(*used));

	if (!entries || !used) {
		free(entries);
		free(used);
		return -1;
	}
	t->entries = entries;
	t->used = used;
	t->mask = n - 1;
	return 0;
}

struct toptable *toptable_new(size_t bound, bool grow)
{
	struct toptable *t;
	size_t n;

	/* Bucket numbers are 32-bit; on a 32-bit size_t the allocation
	 * limit comes first. */
	if (bound == 0 || bound / WAYS > UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->max_buckets = buckets_for(bound);
	n = grow && GROW_START < t->max_buckets ? GROW_START : t->max_buckets;
	if (table_alloc(t, n) < 0) {
		free(t);
		return NULL;
	}
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) !=
	    sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ UINT64_C(0x9e3779b97f4a7c15);
	return t;
}

void toptable_free(struct toptable *t)
{
	if (!t)
		return;
	free(t->used);
	free(t->entries);
	free(t);
}

/* A free way, else the lightest unpinned one; -1 if all are pinned.
 * *full tells whether taking it evicts. */
static int bucket_victim(const struct toptable *t, size_t b, bool *full)
{
	const struct toptable_entry *e = &t->entries[b * WAYS];
	int w, best = -1;

	*full = false;
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
	*full = true;
	return best;
}

static struct toptable_entry *place(struct toptable *t, size_t b, int w)
{
	t->used[b / 64] |= UINT64_C(1) << (b % 64);
	return &t->entries[b * WAYS + w];
}

/* Twice the buckets, every entry rehashed.  Returns 0, or -1 (no memory,
 * or an entry found no room: then the old table is kept). */
static int table_grow(struct toptable *t)
{
	struct toptable old = *t;
	size_t i, n = (old.mask + 1) * WAYS;

	if (table_alloc(t, (old.mask + 1) * 2) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct toptable_entry *e = &old.entries[i];
		size_t b;
		bool full;
		int w;

		if (way_free(e))
			continue;
		b = toptable_bucket(t, &e->key);
		w = bucket_victim(t, b, &full);
		if (full) { /* 9 keys in 8 ways: keep what we had */
			free(t->entries);
			free(t->used);
			*t = old;
			return -1;
		}
		*place(t, b, w) = *e;
	}
	free(old.entries);
	free(old.used);
	return 0;
}

struct toptable_entry *toptable_insert(struct toptable *t, size_t b,
				       const struct toptable_key *key)
{
	bool full;
	int w = bucket_victim(t, b, &full);
	struct toptable_entry *e;

	while (full && t->mask + 1 < t->max_buckets && table_grow(t) == 0) {
		b = toptable_bucket(t, key);
		w = bucket_victim(t, b, &full);
	}
	if (w < 0)
		return NULL;
	t->evictions += full;
	e = place(t, b, w);
	*e = (struct toptable_entry){ .key = *key, .last_seen_ns = -1 };
	return e;
}

uint64_t toptable_evictions(const struct toptable *t)
{
	return t->evictions;
}

/* The first occupied entry at index *i or later, moving *i past it; NULL
 * at the end.  Buckets never used are skipped by their bit. */
static struct toptable_entry *next_entry(const struct toptable *t, size_t *i)
{
	size_t n = (t->mask + 1) * WAYS;

	while (*i < n) {
		size_t b = *i / WAYS;
		uint64_t bits = t->used[b / 64] >> (b % 64);

		if (bits == 0) { /* to the next word of the bitmap */
			*i = (b / 64 + 1) * 64 * WAYS;
			continue;
		}
		if ((bits & 1) == 0) { /* to the next used bucket */
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
