/*
 * toptable.h - a bounded counter table that keeps the heaviest keys
 * (private to src/traffic; hosts and services are both kept in one).
 *
 * Lifecycle: toptable_new(bound) at start → toptable_get() per frame →
 * toptable_foreach() to read → toptable_free().  Never allocates after
 * toptable_new().  Eviction rule: see toptable.c.  The lookup is inline
 * here because it runs two or three times for every frame captured; the
 * rest is in toptable.c.
 */
#ifndef PL_TOPTABLE_H
#define PL_TOPTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPTABLE_WAYS 8

/* Three words, built in registers by the callers.  Hosts: w[0] is the
 * family, w[1..2] the address (IPv4 zero-padded).  Services: w[0] is
 * proto << 8 | port << 16, the rest zero.  w[0] is never 0: that marks a
 * free way. */
struct toptable_key {
	uint64_t w[3];
};

struct toptable_entry {
	struct toptable_key key;
	uint16_t pinned; /* never evicted */
	uint16_t tag;	 /* the owner's; hosts: the address is local */
	uint32_t spill;	 /* way 0 only: keys stored past this bucket whose
			  * probe began here or before (0 elsewhere) */
	uint64_t packets, bytes;
	int64_t last_seen_ns; /* -1: never a source */
	const char *name;     /* the owner's; services: /etc/services name */
};

struct toptable {
	struct toptable_entry *entries; /* n_buckets * TOPTABLE_WAYS */
	uint64_t *used;			/* a bit per bucket ever used */
	size_t n_buckets;
	size_t max_buckets;  /* room for bound at 3/4 load */
	size_t bound, count; /* entries: most, now */
	bool grow;
	uint64_t seed[3];
	uint64_t evictions;
};

/* A table that holds bound entries, all allocated now; with grow, one that
 * starts small and doubles as it fills (replay).  seed 0 draws a random
 * hash seed (live traffic); any other value fixes it, so that the same
 * keys in the same order make the same table and evict the same keys.
 * Returns NULL with errno set.  Free with toptable_free(). */
struct toptable *toptable_new(size_t bound, bool grow, uint64_t seed);
void toptable_free(struct toptable *t);

/* Put key (not there yet) in the table, its home bucket b, evicting only
 * when it holds bound entries; NULL only when every entry it may evict is
 * pinned.  A growing table may move every entry.  Use toptable_get(). */
struct toptable_entry *toptable_insert(struct toptable *t, size_t b,
				       const struct toptable_key *key);

/* The rest of a lookup whose home bucket b spilled into the next ones. */
struct toptable_entry *toptable_lookup_far(const struct toptable *t, size_t b,
					   const struct toptable_key *key);

/* Every word goes through a seeded multiply and a fold, so two keys meet
 * in a bucket by the seed's chance only; the high bits are scaled onto the
 * buckets, of which there may be any number. */
static inline size_t toptable_bucket(const struct toptable *t,
				     const struct toptable_key *k)
{
	uint64_t h = (k->w[1] ^ t->seed[0]) * UINT64_C(0x9e3779b97f4a7c15);

	h = (h ^ h >> 32 ^ k->w[2] ^ t->seed[1]) * UINT64_C(0xd6e8feb86659fd93);
	h = (h ^ h >> 29 ^ k->w[0] ^ t->seed[2]) * UINT64_C(0xbf58476d1ce4e5b9);
	return (size_t)(((h >> 32) * (uint64_t)t->n_buckets) >> 32);
}

static inline bool toptable_key_equal(const struct toptable_key *a,
				      const struct toptable_key *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) |
		(a->w[2] ^ b->w[2])) == 0;
}

/* The entry for key, whose home bucket is b, or NULL.  Nearly every key
 * sits in its home bucket; only when it spilled does the search go on. */
static inline struct toptable_entry *
toptable_lookup(const struct toptable *t, size_t b,
		const struct toptable_key *key)
{
	struct toptable_entry *e = &t->entries[b * TOPTABLE_WAYS];
	int w;

	for (w = 0; w < TOPTABLE_WAYS; w++) {
		if (toptable_key_equal(&e[w].key, key))
			return &e[w];
	}
	return e[0].spill ? toptable_lookup_far(t, b, key) : NULL;
}

/* The entry for key, or NULL if absent. */
static inline struct toptable_entry *
toptable_find(const struct toptable *t, const struct toptable_key *key)
{
	return toptable_lookup(t, toptable_bucket(t, key), key);
}

/* Start loading key's bucket into the cache; changes nothing.  A caller
 * with several keys to look up prefetches them all first, so their cache
 * misses overlap. */
static inline void toptable_prefetch(const struct toptable *t,
				     const struct toptable_key *key)
{
	__builtin_prefetch(
		&t->entries[toptable_bucket(t, key) * TOPTABLE_WAYS]);
}

/* The entry for key, inserting it (counters zero, last_seen -1) and
 * evicting another if the table is full; *inserted tells.  NULL only when
 * every entry it may evict is pinned. */
static inline struct toptable_entry *
toptable_get(struct toptable *t, const struct toptable_key *key, bool *inserted)
{
	size_t b = toptable_bucket(t, key);
	struct toptable_entry *e = toptable_lookup(t, b, key);

	*inserted = e == NULL;
	return e ? e : toptable_insert(t, b, key);
}

/* Replacements made so far (when, see toptable.c). */
uint64_t toptable_evictions(const struct toptable *t);

/* Unpin every entry (reload). */
void toptable_unpin_all(struct toptable *t);

/* Every entry in the table, in no particular order. */
void toptable_foreach(const struct toptable *t,
		      void (*fn)(const struct toptable_entry *e, void *ctx),
		      void *ctx);

/* The same, allowed to change an entry's tag and pinned fields. */
void toptable_walk(struct toptable *t,
		   void (*fn)(struct toptable_entry *e, void *ctx), void *ctx);

#endif
