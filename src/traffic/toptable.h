/*
 * toptable.h - a bounded counter table that keeps the heaviest keys
 * (private to src/traffic; hosts and services are both kept in one).
 *
 * Lifecycle: toptable_new(bound) at start → toptable_get() per frame →
 * toptable_foreach() to read → toptable_free().  Never allocates after
 * toptable_new().  Eviction rule: see toptable.c.
 */
#ifndef PL_TOPTABLE_H
#define PL_TOPTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Three words, built in registers by the callers (building a key byte by
 * byte and reading it back as words stalls store forwarding).  Hosts: w[0]
 * is the family, w[1..2] the address (IPv4 zero-padded).  Services: w[0]
 * is proto << 8 | port << 16, the rest zero. */
struct toptable_key {
	uint64_t w[3];
};

struct toptable_entry {
	struct toptable_key key;
	uint32_t pinned;	/* never evicted */
	uint64_t packets, bytes;
	int64_t last_seen_ns;	/* -1: never a source */
	const char *name;	/* the owner's; services: /etc/services name */
};

struct toptable;

/* A table of at least bound entries (rounded up to whole buckets).
 * Returns NULL with errno set.  Free with toptable_free(). */
struct toptable *toptable_new(size_t bound);
void toptable_free(struct toptable *t);

/* The entry for key, or NULL if absent. */
struct toptable_entry *toptable_find(const struct toptable *t,
				     const struct toptable_key *key);

/* The entry for key, inserting it (counters zero, last_seen -1) and
 * evicting another if needed; *inserted tells.  NULL only when every
 * entry of the key's bucket is pinned. */
struct toptable_entry *toptable_get(struct toptable *t,
				    const struct toptable_key *key,
				    bool *inserted);

/* Replacements made so far. */
uint64_t toptable_evictions(const struct toptable *t);

/* Unpin every entry (reload). */
void toptable_unpin_all(struct toptable *t);

void toptable_foreach(const struct toptable *t,
		      void (*fn)(const struct toptable_entry *e, void *ctx),
		      void *ctx);

#endif
