/*
 * test_toptable.c - the bounded table holds its bound and evicts only
 * there: filled to exactly its bound with keys that collided under the
 * old hash (IPv4 in sequence, IPv6 pairs that cancel in the mix) or that
 * share one home bucket, every key is found and nothing is evicted; one
 * more evicts the lightest of the first 16 entries from the newcomer's
 * home bucket on (the rule in toptable.c), pinned ones never; a fixed seed makes the
 * same table and the same evictions every time; a growing table keeps
 * every key across its doublings; a small table churned by evictions
 * still finds what it holds, and a lookup ends after one round even where
 * every bucket has spilled (the fuzzer once timed out in such a search).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../../src/traffic/toptable.h"

#define SEED UINT64_C(0x1234567887654321)

/* Keys of three kinds: IPv4 addresses in sequence; IPv6 addresses whose
 * halves cancel in w[1] ^ rot(w[2]) (one bucket for the old hash, seed
 * or no seed); IPv6 addresses that differ in their high bits only. */
static struct toptable_key key_of(int kind, uint64_t i)
{
	struct toptable_key k = { { AF_INET6, 0, 0 } };

	switch (kind) {
	case 0:
		k.w[0] = AF_INET;
		k.w[1] = i + 1;
		break;
	case 1:
		k.w[1] = i;
		k.w[2] = ((i ^ 0x5a5a) >> 1) | ((i ^ 0x5a5a) << 63);
		break;
	default:
		k.w[1] = 0x20010db8;
		k.w[2] = (i + 1) << 40;
		break;
	}
	return k;
}

/* Put key in with bytes counted; the entry or NULL. */
static struct toptable_entry *add(struct toptable *t,
				  const struct toptable_key *k, uint64_t bytes)
{
	bool inserted;
	struct toptable_entry *e = toptable_get(t, k, &inserted);

	if (e) {
		assert_true(inserted);
		e->bytes = bytes;
		e->packets = 1;
		e->last_seen_ns = (int64_t)bytes;
	}
	return e;
}

static void count_entry(const struct toptable_entry *e, void *ctx)
{
	(void)e;
	(*(size_t *)ctx)++;
}

static size_t entries(const struct toptable *t)
{
	size_t n = 0;

	toptable_foreach(t, count_entry, &n);
	return n;
}

/* The entry the rule says a new key of home b evicts: the lightest of the
 * first 16 unpinned entries from bucket b on, whole buckets (ties: the one
 * seen longest ago, then the first found). */
static const struct toptable_entry *expected_victim(const struct toptable *t,
						    size_t b)
{
	const struct toptable_entry *best = NULL;
	size_t seen = 0;

	for (size_t d = 0; seen < 16 && d < t->n_buckets; d++) {
		const struct toptable_entry *e =
			&t->entries[((b + d) % t->n_buckets) * TOPTABLE_WAYS];

		for (int w = 0; w < TOPTABLE_WAYS; w++) {
			if (e[w].key.w[0] == 0 || e[w].pinned)
				continue;
			seen++;
			if (!best || e[w].bytes < best->bytes ||
			    (e[w].bytes == best->bytes &&
			     e[w].last_seen_ns < best->last_seen_ns))
				best = &e[w];
		}
	}
	return best;
}

static void fill_and_overflow(size_t bound, bool grow, int kind)
{
	struct toptable *t = toptable_new(bound, grow, SEED);
	struct toptable_key k, gone;
	const struct toptable_entry *v;
	size_t i;

	assert_non_null(t);
	/* Distinct byte counts, shuffled against the insertion order. */
	for (i = 0; i < bound; i++) {
		k = key_of(kind, i);
		assert_non_null(add(t, &k, (i * 7919) % bound + 1));
	}
	assert_int_equal(toptable_evictions(t), 0);
	assert_int_equal(entries(t), bound);
	for (i = 0; i < bound; i++) {
		k = key_of(kind, i);
		assert_non_null(toptable_find(t, &k));
	}
	/* One more: the rule picks the victim, and only it goes. */
	k = key_of(kind, bound);
	v = expected_victim(t, toptable_bucket(t, &k));
	assert_non_null(v);
	gone = v->key;
	assert_non_null(add(t, &k, 1000000));
	assert_int_equal(toptable_evictions(t), 1);
	assert_null(toptable_find(t, &gone));
	assert_non_null(toptable_find(t, &k));
	assert_int_equal(entries(t), bound);
	toptable_free(t);
}

static void full_to_the_bound_without_eviction(void **state)
{
	static const size_t bounds[] = { 1, 7, 8, 9, 1000, 4096, 100000 };

	(void)state;
	for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++)
		for (int kind = 0; kind < 3; kind++) {
			fill_and_overflow(bounds[b], false, kind);
			fill_and_overflow(bounds[b], true, kind);
		}
}

/* 200 000 keys into a growing table: every doubling keeps them all. */
static void growing_table_keeps_every_key(void **state)
{
	(void)state;
	fill_and_overflow(200000, true, 0);
}

/* Keys found by trying: all with the same home bucket. */
static size_t aimed_keys(const struct toptable *t, size_t home,
			 struct toptable_key *out, size_t n)
{
	size_t got = 0;

	for (uint64_t i = 0; got < n; i++) {
		struct toptable_key k = key_of(0, i);

		if (toptable_bucket(t, &k) == home)
			out[got++] = k;
	}
	return got;
}

/* Keys aimed at one bucket (a seed that leaked): they spill over the next
 * buckets and are all kept while they fit in PROBE_MAX (128) buckets; past
 * that each further one evicts near its home instead of searching on, and
 * every key still in the table is found. */
static void keys_aimed_at_one_bucket(void **state)
{
	struct toptable *t = toptable_new(8192, false, SEED);
	struct toptable_key *k = calloc(1300, sizeof(*k));
	size_t i, found = 0;

	(void)state;
	assert_non_null(t);
	assert_non_null(k);
	aimed_keys(t, 5, k, 1300);
	for (i = 0; i < 1000; i++)
		assert_non_null(add(t, &k[i], i + 1));
	assert_int_equal(toptable_evictions(t), 0);
	for (i = 0; i < 1000; i++)
		assert_non_null(toptable_find(t, &k[i]));
	for (i = 1000; i < 1300; i++)
		assert_non_null(add(t, &k[i], i + 1));
	assert_int_equal(toptable_evictions(t), 1300 - 128 * TOPTABLE_WAYS);
	for (i = 0; i < 1300; i++)
		found += toptable_find(t, &k[i]) != NULL;
	assert_int_equal(found, 128 * TOPTABLE_WAYS);
	assert_int_equal(entries(t), 128 * TOPTABLE_WAYS);
	free(k);
	toptable_free(t);
}

/* A full table whose near entries are all pinned takes no newcomer there;
 * a pinned entry is never the victim. */
static void pinned_entries_stay(void **state)
{
	struct toptable *t = toptable_new(16, false, SEED);
	struct toptable_key k;
	bool inserted;
	size_t i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 16; i++) {
		k = key_of(0, i);
		add(t, &k, 1)->pinned = 1;
	}
	k = key_of(0, 16);
	assert_null(toptable_get(t, &k, &inserted));
	assert_int_equal(toptable_evictions(t), 0);
	toptable_unpin_all(t);
	assert_non_null(add(t, &k, 5));
	assert_int_equal(toptable_evictions(t), 1);
	toptable_free(t);
}

/* A small table churned by evictions: every key it holds is found, no
 * absent one is, and it holds exactly its bound.  Then every bucket is
 * marked spilled by hand (frees leave spill behind, so the state can
 * arise): a lookup of an absent key still ends, after one round. */
static void churned_small_table(void **state)
{
	struct toptable *t = toptable_new(16, false, SEED);
	struct toptable_key k, absent;
	size_t n;

	(void)state;
	assert_non_null(t);
	for (uint64_t i = 0; i < 20000; i++) {
		k = key_of(0, i * 40503);
		assert_non_null(add(t, &k, (i * 131) % 97 + 1));
		absent = key_of(2, i);
		assert_null(toptable_find(t, &absent));
	}
	n = entries(t);
	assert_int_equal(n, 16);
	assert_int_equal(toptable_evictions(t), 20000 - 16);
	for (uint64_t i = 0; i < 20000; i++) {
		k = key_of(0, i * 40503);
		n -= toptable_find(t, &k) != NULL;
	}
	assert_int_equal(n, 0);
	for (size_t b = 0; b < t->n_buckets; b++)
		t->entries[b * TOPTABLE_WAYS].spill++;
	absent = key_of(2, 1);
	assert_null(toptable_find(t, &absent));
	toptable_free(t);
}

struct trace {
	uint64_t sum;
	size_t n;
};

static void fold_entry(const struct toptable_entry *e, void *ctx)
{
	struct trace *tr = ctx;

	tr->sum = (tr->sum ^ e->key.w[1] ^ e->bytes) * 1099511628211u;
	tr->n++;
}

/* The same seed and keys make the same table, evictions included. */
static void fixed_seed_same_table(void **state)
{
	struct trace tr[2] = { { 0, 0 }, { 0, 0 } };

	(void)state;
	for (int run = 0; run < 2; run++) {
		struct toptable *t = toptable_new(3000, true, SEED);

		assert_non_null(t);
		for (uint64_t i = 0; i < 10000; i++) {
			struct toptable_key k = key_of(0, i * 2654435761u);

			add(t, &k, (i * 31) % 977 + 1);
		}
		assert_int_equal(toptable_evictions(t), 7000);
		toptable_foreach(t, fold_entry, &tr[run]);
		toptable_free(t);
	}
	assert_int_equal(tr[0].n, 3000);
	assert_int_equal(tr[0].n, tr[1].n);
	assert_int_equal(tr[0].sum, tr[1].sum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_to_the_bound_without_eviction),
		cmocka_unit_test(growing_table_keeps_every_key),
		cmocka_unit_test(keys_aimed_at_one_bucket),
		cmocka_unit_test(pinned_entries_stay),
		cmocka_unit_test(churned_small_table),
		cmocka_unit_test(fixed_seed_same_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
