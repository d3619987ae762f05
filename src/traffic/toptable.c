/*
 * toptable.c - a bounded, set-associative table of byte counters.
 *
 * The table is an array of 8-way buckets with room for its bound at no
 * more than 3/4 load.  A key hashes to its home bucket; a new key takes
 * the first free way from there on, bucket after bucket, and every bucket
 * it passed counts it in its spill, so a lookup goes past its home only
 * while the bucket it looks at has spilled.  Nearly every key sits in its
 * home bucket, and a hit costs what it cost before spilling was possible.
 *
 * Eviction rule: a table evicts only when it holds its bound.  Then a new
 * key replaces the entry with the fewest bytes (ties: the one seen longest
 * ago, then the first found) among the first 16 unpinned entries found
 * from its home bucket on, whole buckets at a time (a table at its bound
 * is nearly 3/4 full: two or three buckets); if PROBE_MAX buckets hold no
 * unpinned entry, the key is not counted.  A window of entries, not of
 * buckets: where the table is sparse near the newcomer's home, a heavy
 * entry alone there would otherwise be the victim.  So heavy talkers stay,
 * a stream of new one-packet keys churns only the lightest, and an evicted
 * key seen again starts from zero.  The one exception below the bound: a
 * key whose PROBE_MAX buckets from home are all full evicts as if at the
 * bound, so keys aimed at a known seed cost their own hosts their counts
 * instead of costing every frame a long search.  Random keys do not get
 * there: at 3/4 load, 1 000 000 of them (three kinds, five seeds; see
 * test_toptable.c for the kinds) never sat more than 25 buckets from home.
 *
 * The live table draws its hash seed from getrandom() at start, so a
 * sender cannot aim addresses at one bucket; replay fixes the seed so the
 * same file always makes the same table.  A bucket is 8 adjacent 64-byte
 * entries; a lookup compares whole keys way by way (a zero first word
 * marks a free way: no key has one), which measured faster than a separate
 * fingerprint row.  The daemon allocates the whole table at start; replay
 * starts small and doubles (rehashing everything) as the table passes 3/4
 * load, so its memory follows the hosts it has seen.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "toptable.h"

#define WAYS	   TOPTABLE_WAYS
#define GROW_START 512 /* buckets of a growing table at first */
#define PROBE_MAX  128 /* buckets an insert searches for a free way */
#define EVICT_SEEN 16  /* entries an eviction chooses from, at least */

static bool way_free(const struct toptable_entry *e)
{
	return e->key.w[0] == 0;
}

/* Buckets that hold entries at no more than 3/4 load: 6 a bucket. */
static size_t buckets_for(size_t entries)
{
	return (entries + 5) / 6;
}

/* Bucket b + d, round the end; d < n_buckets. */
static size_t wrap(const struct toptable *t, size_t b, size_t d)
{
	return b + d < t->n_buckets ? b + d : b + d - t->n_buckets;
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
	t->n_buckets = n;
	return 0;
}

static void seed_table(struct toptable *t, uint64_t seed)
{
	if (seed == 0 &&
	    getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)(uintptr_t)t ^ UINT64_C(0x9e3779b97f4a7c15);
	/* splitmix64 steps: three unrelated words from one. */
	for (int i = 0; i < 3; i++) {
		uint64_t z = (seed += UINT64_C(0x9e3779b97f4a7c15));

		z = (z ^ z >> 30) * UINT64_C(0xbf58476d1ce4e5b9);
		z = (z ^ z >> 27) * UINT64_C(0x94d049bb133111eb);
		t->seed[i] = z ^ z >> 31;
	}
}

struct toptable *toptable_new(size_t bound, bool grow, uint64_t seed)
{
	struct toptable *t;
	size_t n;

	/* Bucket numbers are 32-bit; on a 32-bit size_t the allocation
	 * limit comes first. */
	if (bound == 0 || bound / WAYS > UINT32_MAX / 4) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->bound = bound;
	t->grow = grow;
	t->max_buckets = buckets_for(bound);
	n = grow && GROW_START < t->max_buckets ? GROW_START : t->max_buckets;
	if (table_alloc(t, n) < 0) {
		free(t);
		return NULL;
	}
	seed_table(t, seed);
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

static struct toptable_entry *bucket_of(const struct toptable *t, size_t b)
{
	return &t->entries[b * WAYS];
}

struct toptable_entry *toptable_lookup_far(const struct toptable *t, size_t b,
					   const struct toptable_key *key)
{
	/* Once round at most: after evictions every bucket may have spilled
	 * (spill is not undone by freeing a way, only by moving its key). */
	for (size_t d = 1; d < t->n_buckets && bucket_of(t, b)->spill; d++) {
		struct toptable_entry *e;

		b = wrap(t, b, 1);
		e = bucket_of(t, b);
		for (int w = 0; w < WAYS; w++)
			if (toptable_key_equal(&e[w].key, key))
				return &e[w];
	}
	return NULL;
}

/* The first free way within limit buckets from b (and once round at
 * most): its bucket's distance from b in *dist, the way returned; -1 if
 * there is none. */
static int find_free(const struct toptable *t, size_t b, size_t limit,
		     size_t *dist)
{
	for (size_t d = 0; d < limit && d < t->n_buckets; d++) {
		const struct toptable_entry *e = bucket_of(t, wrap(t, b, d));

		for (int w = 0; w < WAYS; w++)
			if (way_free(&e[w])) {
				*dist = d;
				return w;
			}
	}
	return -1;
}

/* Key into way w of the bucket dist after its home b; the buckets passed
 * count it in their spill. */
static struct toptable_entry *place(struct toptable *t, size_t b, size_t dist,
				    int w, const struct toptable_key *key)
{
	size_t at = wrap(t, b, dist);
	struct toptable_entry *e = &bucket_of(t, at)[w];
	uint32_t spill = e->spill;

	for (size_t d = 0; d < dist; d++)
		bucket_of(t, wrap(t, b, d))->spill++;
	t->used[at / 64] |= UINT64_C(1) << (at % 64);
	*e = (struct toptable_entry){ .key = *key,
				      .last_seen_ns = -1,
				      .spill = spill };
	t->count++;
	return e;
}

/* Empty way w of bucket at, undoing the spill its key made. */
static void take_out(struct toptable *t, size_t at, int w)
{
	struct toptable_entry *e = &bucket_of(t, at)[w];
	uint32_t spill = e->spill;

	for (size_t b = toptable_bucket(t, &e->key); b != at; b = wrap(t, b, 1))
		bucket_of(t, b)->spill--;
	*e = (struct toptable_entry){ .spill = spill };
	t->count--;
}

/* Whether a should be evicted before b: fewer bytes, else seen longer
 * ago; a tie keeps the one found first. */
static bool lighter(const struct toptable_entry *a,
		    const struct toptable_entry *b)
{
	return a->bytes < b->bytes ||
	       (a->bytes == b->bytes && a->last_seen_ns < b->last_seen_ns);
}

/* Evict by the rule for a key whose home is b: the lightest of the first
 * EVICT_SEEN unpinned entries from b on, whole buckets at a time.
 * Returns 0, or -1 when PROBE_MAX buckets hold no unpinned entry. */
static int evict_for(struct toptable *t, size_t b)
{
	struct toptable_entry *best = NULL;
	size_t best_at = 0, seen = 0;

	for (size_t d = 0;
	     d < PROBE_MAX && d < t->n_buckets && seen < EVICT_SEEN; d++) {
		size_t at = wrap(t, b, d);
		struct toptable_entry *e = bucket_of(t, at);

		for (int w = 0; w < WAYS; w++) {
			if (way_free(&e[w]) || e[w].pinned)
				continue;
			seen++;
			if (!best || lighter(&e[w], best)) {
				best = &e[w];
				best_at = at;
			}
		}
	}
	if (!best)
		return -1;
	take_out(t, best_at, (int)(best - bucket_of(t, best_at)));
	t->evictions++;
	return 0;
}

/* Twice the buckets (at most the bound's), every entry placed again in
 * index order.  Returns 0,
 * or -1 (no memory: the old table is kept). */
static int table_grow(struct toptable *t)
{
	struct toptable old = *t;
	size_t i, n = old.n_buckets * WAYS;
	size_t twice = old.n_buckets * 2;

	if (table_alloc(t, twice < t->max_buckets ? twice : t->max_buckets) < 0)
		return -1;
	t->count = 0;
	for (i = 0; i < n; i++) {
		const struct toptable_entry *e = &old.entries[i];
		struct toptable_entry *moved;
		size_t b, dist = 0;
		uint32_t spill;
		int w;

		if (way_free(e))
			continue;
		b = toptable_bucket(t, &e->key);
		w = find_free(t, b, t->n_buckets, &dist); /* room is there */
		moved = place(t, b, dist, w, &e->key);
		spill = moved->spill;
		*moved = *e;
		moved->spill = spill;
	}
	free(old.entries);
	free(old.used);
	return 0;
}

/* Below the bound a key takes a free way near its home, the table growing
 * first when it may; at the bound, or when no way is free near its home
 * (see the rule above), it takes the place of the entry evicted. */
struct toptable_entry *toptable_insert(struct toptable *t, size_t b,
				       const struct toptable_key *key)
{
	bool can_grow = t->grow && t->n_buckets < t->max_buckets;
	size_t dist = 0;
	int w = -1;

	if (can_grow && t->count >= t->n_buckets * 6 && table_grow(t) == 0)
		b = toptable_bucket(t, key);
	if (t->count < t->bound)
		w = find_free(t, b, PROBE_MAX, &dist);
	while (w < 0 && t->count < t->bound && can_grow && table_grow(t) == 0) {
		b = toptable_bucket(t, key);
		w = find_free(t, b, PROBE_MAX, &dist);
		can_grow = t->n_buckets < t->max_buckets;
	}
	if (w < 0) {
		if (evict_for(t, b) < 0)
			return NULL;
		w = find_free(t, b, PROBE_MAX, &dist);
	}
	return place(t, b, dist, w, key);
}

uint64_t toptable_evictions(const struct toptable *t)
{
	return t->evictions;
}

/* The first occupied entry at index *i or later, moving *i past it; NULL
 * at the end.  Buckets never used are skipped by their bit. */
static struct toptable_entry *next_entry(const struct toptable *t, size_t *i)
{
	size_t n = t->n_buckets * WAYS;

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
