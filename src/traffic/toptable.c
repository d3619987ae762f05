/*
 * toptable.c - a bounded, set-associative table of byte counters.
 *
 * Eviction rule: the table is an array of 8-way buckets; a key hashes to
 * one bucket.  A new key takes a free way, else it replaces the way with
 * the fewest bytes (ties: the one seen longest ago), pinned ways excepted.
 * So heavy talkers stay, and a stream of new one-packet keys churns only
 * the lightest way of each bucket; an evicted key seen again starts from
 * zero.  The hash is seeded from getrandom() at start, so a sender cannot
 * aim addresses at one bucket to push a chosen host out.  Each bucket
 * keeps 32-bit fingerprints in one cache line ahead of the entries, so a
 * lookup reads two cache lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "toptable.h"

#define WAYS 8


struct bucket {
	uint32_t fp[WAYS];	/* 0: free way */
};

struct toptable {
	struct bucket *buckets;
	struct toptable_entry *entries;	/* n_buckets * WAYS */
	size_t mask;			/* n_buckets - 1 */
	uint64_t seed;
	uint64_t evictions;
};

static uint64_t key_hash(const struct toptable *t,
			 const struct toptable_key *k)
{
	uint64_t h = (k->w[0] ^ t->seed) * UINT64_C(0x9e3779b97f4a7c15);

	h = (h ^ k->w[1] ^ (k->w[2] << 1 | k->w[2] >> 63)) *
	    UINT64_C(0xd6e8feb86659fd93);
	return h ^ h >> 29;
}

static bool key_equal(const struct toptable_key *a,
		      const struct toptable_key *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) |
		(a->w[2] ^ b->w[2])) == 0;
}

static uint32_t fingerprint(uint64_t h)
{
	uint32_t fp = (uint32_t)(h >> 32);

	return fp ? fp : 1;
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
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets)
		goto err_table;
	t->entries = calloc(n * WAYS, sizeof(*t->entries));
	if (!t->entries)
		goto err_buckets;
	t->mask = n - 1;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) !=
	    sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ UINT64_C(0x9e3779b97f4a7c15);
	return t;

err_buckets:
	free(t->buckets);
err_table:
	free(t);
	return NULL;
}

void toptable_free(struct toptable *t)
{
	if (!t)
		return;
	free(t->entries);
	free(t->buckets);
	free(t);
}

/* The way holding key in bucket b, or -1.  The fingerprints are matched
 * into a bit mask without branches; a key compare follows a hit. */
static int bucket_find(const struct toptable *t, size_t b, uint32_t fp,
		       const struct toptable_key *key)
{
	const struct bucket *bk = &t->buckets[b];
	unsigned hits = 0;
	int w;

	for (w = 0; w < WAYS; w++)
		hits |= (unsigned)(bk->fp[w] == fp) << w;
	while (hits) {
		w = __builtin_ctz(hits);
		if (key_equal(&t->entries[b * WAYS + w].key, key))
			return w;
		hits &= hits - 1;
	}
	return -1;
}

struct toptable_entry *toptable_find(const struct toptable *t,
				     const struct toptable_key *key)
{
	uint64_t h = key_hash(t, key);
	size_t b = h & t->mask;
	int w = bucket_find(t, b, fingerprint(h), key);

	return w < 0 ? NULL : &t->entries[b * WAYS + w];
}

/* A free way, else the lightest unpinned one; -1 if all are pinned. */
static int bucket_victim(const struct toptable *t, size_t b)
{
	const struct toptable_entry *e = &t->entries[b * WAYS];
	int w, best = -1;

	for (w = 0; w < WAYS; w++) {
		if (t->buckets[b].fp[w] == 0)
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

struct toptable_entry *toptable_get(struct toptable *t,
				    const struct toptable_key *key,
				    bool *inserted)
{
	uint64_t h = key_hash(t, key);
	size_t b = h & t->mask;
	uint32_t fp = fingerprint(h);
	int w = bucket_find(t, b, fp, key);
	struct toptable_entry *e;

	*inserted = false;
	if (w >= 0)
		return &t->entries[b * WAYS + w];
	w = bucket_victim(t, b);
	if (w < 0)
		return NULL;
	if (t->buckets[b].fp[w] != 0)
		t->evictions++;
	t->buckets[b].fp[w] = fp;
	e = &t->entries[b * WAYS + w];
	*e = (struct toptable_entry){ .key = *key, .last_seen_ns = -1 };
	*inserted = true;
	return e;
}

uint64_t toptable_evictions(const struct toptable *t)
{
	return t->evictions;
}

void toptable_unpin_all(struct toptable *t)
{
	size_t i, n = (t->mask + 1) * WAYS;

	for (i = 0; i < n; i++)
		t->entries[i].pinned = 0;
}

void toptable_foreach(const struct toptable *t,
		      void (*fn)(const struct toptable_entry *e, void *ctx),
		      void *ctx)
{
	size_t b;
	int w;

	for (b = 0; b <= t->mask; b++) {
		for (w = 0; w < WAYS; w++) {
			if (t->buckets[b].fp[w] != 0)
				fn(&t->entries[b * WAYS + w], ctx);
		}
	}
}
