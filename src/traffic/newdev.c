/*
 * newdev.c - the known MAC/IP pairs: a bounded hash table, its state file
 * and the "new device" events.
 *
 * Entries sit in one array allocated at open; buckets chain them by index,
 * and a doubly-linked list orders them by when they were last seen, the
 * oldest first: a pair seen goes to the newest end, and when the array is
 * full the oldest is unlinked and reused, all in constant time (a flood of
 * new hosts meets a full table with every frame).  The list is the order
 * of last_seen while the wall clock runs forward; after a step back it
 * keeps the order in which pairs were seen (the one seen longest ago still
 * goes first, whatever time it carries).  A loaded file is put in
 * last_seen order.  Times in the table are wall-clock epoch seconds
 * because people read them from the file; the save and log rate limits
 * use the monotonic clock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "newdev.h"
#include "statefile.h"

#define NIL (-1)

struct entry {
	struct newdev_pair pair;
	int32_t next;	      /* in its bucket, NIL */
	int32_t older, newer; /* the age list, NIL at its ends */
};

struct newdev {
	struct entry *v;
	size_t cap, n;
	int32_t oldest, newest; /* the age list's ends, NIL when empty */
	int32_t *bucket;
	size_t n_buckets; /* a power of two */
	char *path;	  /* NULL: memory only */
	int64_t save_interval_ns;
	int64_t last_save_ns; /* last attempt; INT64_MIN: none */
	int64_t retry_ns;     /* wait after a failed save, doubling */
	size_t unsaved;	      /* pairs added since the last good save */
	bool dirty;	      /* a pair was added or dropped */
	bool touched;	      /* a last_seen moved (saved at close only) */
	struct cidr nets[CFG_MAX_NETS];
	int n_nets;
	int32_t last;	       /* the newest new pair, NIL */
	int64_t log_window_ns; /* start of the current log minute */
	unsigned logged;       /* lines in it */
	unsigned unlogged;     /* events beyond the limit in it */
	struct newdev_counts counts;
};

/* ---- the table ---------------------------------------------------------- */

static uint32_t pair_hash(const uint8_t mac[6], int family, const uint8_t *ip)
{
	uint32_t h = 2166136261u;
	int i, n = family == AF_INET ? 4 : 16;

	for (i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	for (i = 0; i < n; i++)
		h = (h ^ ip[i]) * 16777619u;
	return h ^ (uint32_t)family;
}

static bool pair_is(const struct newdev_pair *p, const uint8_t mac[6],
		    int family, const uint8_t *ip)
{
	return p->family == family && memcmp(p->mac, mac, 6) == 0 &&
	       memcmp(p->ip, ip, family == AF_INET ? 4 : 16) == 0;
}

static int32_t *chain_of(struct newdev *nd, const struct newdev_pair *p)
{
	return &nd->bucket[pair_hash(p->mac, p->family, p->ip) &
			   (nd->n_buckets - 1)];
}

static int32_t find(const struct newdev *nd, const uint8_t mac[6], int family,
		    const uint8_t *ip)
{
	int32_t i =
		nd->bucket[pair_hash(mac, family, ip) & (nd->n_buckets - 1)];

	while (i != NIL && !pair_is(&nd->v[i].pair, mac, family, ip))
		i = nd->v[i].next;
	return i;
}

static void age_unlink(struct newdev *nd, int32_t i)
{
	struct entry *e = &nd->v[i];

	if (e->older != NIL)
		nd->v[e->older].newer = e->newer;
	else
		nd->oldest = e->newer;
	if (e->newer != NIL)
		nd->v[e->newer].older = e->older;
	else
		nd->newest = e->older;
}

/* Link i in after `after` (NIL: as the oldest). */
static void age_link_after(struct newdev *nd, int32_t i, int32_t after)
{
	struct entry *e = &nd->v[i];

	e->older = after;
	e->newer = after != NIL ? nd->v[after].newer : nd->oldest;
	if (e->newer != NIL)
		nd->v[e->newer].older = i;
	else
		nd->newest = i;
	if (after != NIL)
		nd->v[after].newer = i;
	else
		nd->oldest = i;
}

/* Free the slot of the pair seen longest ago; returns it.  Chains are
 * short (twice as many buckets as entries), so finding its link is too. */
static int32_t evict_oldest(struct newdev *nd)
{
	int32_t old = nd->oldest, *link;

	age_unlink(nd, old);
	link = chain_of(nd, &nd->v[old].pair);
	while (*link != old)
		link = &nd->v[*link].next;
	*link = nd->v[old].next;
	if (nd->last == old)
		nd->last = NIL;
	nd->counts.evicted++;
	return old;
}

/* Into the table as the newest (the caller may move it: load()). */
static int32_t insert(struct newdev *nd, const struct newdev_pair *p)
{
	int32_t i, *chain;

	i = nd->n < nd->cap ? (int32_t)nd->n++ : evict_oldest(nd);
	nd->v[i].pair = *p;
	chain = chain_of(nd, p);
	nd->v[i].next = *chain;
	*chain = i;
	age_link_after(nd, i, nd->newest);
	nd->dirty = true;
	return i;
}

/* ---- events -------------------------------------------------------------- */

void newdev_fmt_mac(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

/* Close the log minute if it is over: one line for what was held back. */
static void log_window(struct newdev *nd, int64_t now_ns)
{
	if (now_ns - nd->log_window_ns < 60 * NS_PER_S)
		return;
	if (nd->unlogged)
		log_notice("new devices: %u more in the last minute",
			   nd->unlogged);
	nd->log_window_ns = now_ns;
	nd->logged = nd->unlogged = 0;
}

/* At most NEWDEV_LOG_PER_MIN lines a minute; the rest in one line. */
static void log_event(struct newdev *nd, const struct newdev_pair *p,
		      int64_t now_ns)
{
	char mac[18], ip[INET6_ADDRSTRLEN];

	log_window(nd, now_ns);
	if (nd->logged >= NEWDEV_LOG_PER_MIN) {
		nd->unlogged++;
		return;
	}
	nd->logged++;
	newdev_fmt_mac(p->mac, mac, sizeof(mac));
	inet_ntop(p->family, p->ip, ip, sizeof(ip));
	/* With the events module writing the policy's events to the log,
	 * this line would say the same again: keep it for debugging. */
	log_debug("new device: %s %s", mac, ip);
}

int newdev_seen(struct newdev *nd, const uint8_t mac[6], int family,
		const uint8_t *ip, int64_t now_ns, int64_t wall_s)
{
	struct newdev_pair p = { .family = family };
	int32_t i = find(nd, mac, family, ip);

	if (i != NIL) {
		nd->v[i].pair.last_seen = wall_s;
		nd->touched = true;
		if (i != nd->newest) {
			age_unlink(nd, i);
			age_link_after(nd, i, nd->newest);
		}
		return 0;
	}
	memcpy(p.mac, mac, 6);
	memcpy(p.ip, ip, family == AF_INET ? 4 : 16);
	p.first_seen = p.last_seen = wall_s;
	nd->last = insert(nd, &p);
	nd->unsaved++;
	nd->counts.events++;
	log_event(nd, &p, now_ns);
	return 1;
}

static bool is_local(const struct newdev *nd, int family, const uint8_t *ip)
{
	for (int i = 0; i < nd->n_nets; i++)
		if (cidr_contains(&nd->nets[i], family, ip))
			return true;
	return false;
}

static bool usable_mac(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

int newdev_frame(struct newdev *nd, const struct frame_info *fi, int64_t now_ns,
		 int64_t wall_s)
{
	static const uint8_t any[16];

	if (!nd || fi->malformed || fi->family == 0)
		return 0;
	if (fi->l3 == L3_ARP) {
		/* a probe's sender 0.0.0.0 claims nothing yet */
		if (!usable_mac(fi->arp_sha) || memcmp(fi->src, any, 4) == 0)
			return 0;
		return newdev_seen(nd, fi->arp_sha, AF_INET, fi->src, now_ns,
				   wall_s);
	}
	if ((fi->l3 != L3_IPV4 && fi->l3 != L3_IPV6) ||
	    !usable_mac(fi->src_mac) || !is_local(nd, fi->family, fi->src))
		return 0;
	return newdev_seen(nd, fi->src_mac, fi->family, fi->src, now_ns,
			   wall_s);
}

/* ---- the state file ---------------------------------------------------- */

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int n = 0;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &n) != 6 ||
	    n != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int parse_epoch(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* One line "MAC\tIP\tFIRST[\tLAST]" (newline removed); 0 or -1. */
static int parse_line(char *line, struct newdev_pair *p)
{
	char *f[5], *save = NULL;
	int n = 0;

	for (char *t = strtok_r(line, "\t", &save); t && n < 5;
	     t = strtok_r(NULL, "\t", &save))
		f[n++] = t;
	if (n < 3 || n > 4 || parse_mac(f[0], p->mac) < 0 ||
	    parse_epoch(f[2], &p->first_seen) < 0)
		return -1;
	p->last_seen = p->first_seen;
	if (n == 4 && parse_epoch(f[3], &p->last_seen) < 0)
		return -1;
	p->family = strchr(f[1], ':') ? AF_INET6 : AF_INET;
	return inet_pton(p->family, f[1], p->ip) == 1 ? 0 : -1;
}

/* last_seen, then the place in the file (in newer while sorting). */
static int by_age(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->pair.last_seen != y->pair.last_seen)
		return x->pair.last_seen < y->pair.last_seen ? -1 : 1;
	return (x->newer > y->newer) - (x->newer < y->newer);
}

/* The pairs loaded so far, in file order, into last_seen order: the
 * array, the age list along it and the chains anew. */
static void sort_by_age(struct newdev *nd)
{
	int32_t i, n = (int32_t)nd->n, *chain;

	for (i = 0; i < n; i++)
		nd->v[i].newer = i;
	qsort(nd->v, nd->n, sizeof(*nd->v), by_age);
	for (size_t b = 0; b < nd->n_buckets; b++)
		nd->bucket[b] = NIL;
	nd->oldest = nd->newest = NIL;
	for (i = 0; i < n; i++) {
		chain = chain_of(nd, &nd->v[i].pair);
		nd->v[i].next = *chain;
		*chain = i;
		age_link_after(nd, i, nd->newest);
	}
}

/* A pair of a file with more than the table holds, into the sorted
 * table: it goes to its place by last_seen and the oldest makes room, so
 * the newest pairs stay (a pair older than all of them is dropped). */
static void load_beyond_cap(struct newdev *nd, const struct newdev_pair *p)
{
	int32_t i, at;

	if (p->last_seen < nd->v[nd->oldest].pair.last_seen) {
		nd->counts.evicted++;
		return;
	}
	i = insert(nd, p);
	at = nd->v[i].older;
	while (at != NIL && nd->v[at].pair.last_seen > p->last_seen)
		at = nd->v[at].older;
	if (at != nd->v[i].older) {
		age_unlink(nd, i);
		age_link_after(nd, i, at);
	}
}

struct loading {
	struct newdev *nd;
	bool sorted; /* the table is full and in last_seen order */
};

/* One line of the file into the table (statefile_line_fn). */
static const char *load_line(char *line, unsigned lineno, void *arg)
{
	struct loading *ld = arg;
	struct newdev *nd = ld->nd;
	struct newdev_pair p;

	(void)lineno;
	memset(&p, 0, sizeof(p));
	if (parse_line(line, &p) < 0)
		return "not MAC<TAB>IP<TAB>FIRST_SEEN[<TAB>LAST_SEEN]";
	if (find(nd, p.mac, p.family, p.ip) != NIL)
		return NULL;
	if (nd->n < nd->cap) {
		insert(nd, &p);
		return NULL;
	}
	if (!ld->sorted)
		sort_by_age(nd);
	ld->sorted = true;
	load_beyond_cap(nd, &p);
	return NULL;
}

/* Lines of any length are read safely; one over NEWDEV_LINE_MAX or
 * malformed is skipped whole and logged with its number. */
static void load(struct newdev *nd)
{
	struct loading ld = { .nd = nd };
	struct statefile_stats st;

	statefile_load(nd->path, NEWDEV_FILE_MAX, NEWDEV_LINE_MAX, load_line,
		       &ld, &st);
	if (!ld.sorted)
		sort_by_age(nd);
	/* rewrite a file that had to be cleaned up or cut down */
	nd->dirty = st.bad > 0 || nd->counts.evicted > 0;
	nd->counts.evicted = 0;
}

/* The whole table (statefile_writer_fn). */
static int write_pairs(FILE *f, const void *arg)
{
	const struct newdev *nd = arg;
	char mac[18], ip[INET6_ADDRSTRLEN];
	const struct newdev_pair *p;

	fprintf(f, "# pilotlight known devices: mac, ip, first and last "
		   "seen (epoch s)\n");
	for (size_t i = 0; i < nd->n; i++) {
		p = &nd->v[i].pair;
		newdev_fmt_mac(p->mac, mac, sizeof(mac));
		inet_ntop(p->family, p->ip, ip, sizeof(ip));
		fprintf(f, "%s\t%s\t%lld\t%lld\n", mac, ip,
			(long long)p->first_seen, (long long)p->last_seen);
	}
	return ferror(f) ? -1 : 0;
}

/* The next attempt after a failure: NEWDEV_RETRY_MIN_S, doubling up to
 * the save interval. */
static void backoff(struct newdev *nd)
{
	if (!nd->retry_ns)
		nd->retry_ns = NEWDEV_RETRY_MIN_S * NS_PER_S;
	else if (nd->retry_ns < nd->save_interval_ns / 2)
		nd->retry_ns *= 2;
	else
		nd->retry_ns = nd->save_interval_ns;
}

static size_t at_risk(const struct newdev *nd)
{
	return nd->unsaved < nd->n ? nd->unsaved : nd->n;
}

int newdev_save(struct newdev *nd, int64_t now_ns)
{
	nd->last_save_ns = now_ns;
	if (!nd->path) {
		errno = ENOENT;
		return -1;
	}
	if (statefile_save(nd->path, write_pairs, nd) < 0) {
		int err = errno;

		backoff(nd);
		if (!nd->counts.save_failing)
			log_warn("known devices: cannot write %s: %s; %zu "
				 "device%s at risk, kept in memory, retrying",
				 nd->path, strerror(err), at_risk(nd),
				 at_risk(nd) == 1 ? "" : "s");
		nd->counts.save_failing = true;
		errno = err;
		return -1;
	}
	if (nd->counts.save_failing)
		log_notice("known devices: saved to %s again", nd->path);
	nd->counts.save_failing = false;
	nd->counts.saves++;
	nd->retry_ns = 0;
	nd->unsaved = 0;
	nd->dirty = nd->touched = false;
	return 0;
}

/* Due: the save interval after the last save, or after a failure the
 * backoff (for last_seen changes too: they are lost otherwise). */
void newdev_tick(struct newdev *nd, int64_t now_ns)
{
	int64_t wait_ns;

	if (!nd)
		return;
	if (nd->unlogged)
		log_window(nd, now_ns);
	if (!nd->path || !(nd->dirty || (nd->touched && nd->retry_ns)))
		return;
	wait_ns = nd->retry_ns ? nd->retry_ns : nd->save_interval_ns;
	if (nd->last_save_ns != INT64_MIN &&
	    now_ns - nd->last_save_ns < wait_ns)
		return;
	newdev_save(nd, now_ns);
}

/* ---- lifecycle ----------------------------------------------------------- */

int newdev_set_local_networks(struct newdev *nd, const struct cidr *nets, int n)
{
	if (n < 0 || n > CFG_MAX_NETS || (n > 0 && !nets)) {
		errno = EINVAL;
		return -1;
	}
	if (n > 0)
		memcpy(nd->nets, nets, (size_t)n * sizeof(*nets));
	nd->n_nets = n;
	return 0;
}

static int alloc_tables(struct newdev *nd, size_t cap)
{
	nd->cap = cap;
	nd->n_buckets = 1;
	while (nd->n_buckets < cap * 2)
		nd->n_buckets <<= 1;
	nd->v = calloc(cap, sizeof(*nd->v));
	nd->bucket = malloc(nd->n_buckets * sizeof(*nd->bucket));
	if (!nd->v || !nd->bucket)
		return -1;
	for (size_t i = 0; i < nd->n_buckets; i++)
		nd->bucket[i] = NIL;
	return 0;
}

struct newdev *newdev_open(const struct newdev_params *p)
{
	size_t cap = p->max_pairs ? p->max_pairs : NEWDEV_MAX_PAIRS;
	struct newdev *nd;

	if (cap > INT32_MAX / 4) {
		errno = EINVAL;
		return NULL;
	}
	nd = calloc(1, sizeof(*nd));
	if (!nd)
		return NULL;
	nd->last = nd->oldest = nd->newest = NIL;
	nd->last_save_ns = INT64_MIN;
	nd->log_window_ns = INT64_MIN / 2;
	nd->save_interval_ns =
		(int64_t)(p->save_interval_s ? p->save_interval_s
					     : NEWDEV_SAVE_INTERVAL_S) *
		NS_PER_S;
	if (alloc_tables(nd, cap) < 0 ||
	    newdev_set_local_networks(nd, p->local_nets, p->n_local_nets) < 0)
		goto fail;
	if (p->state_dir &&
	    asprintf(&nd->path, "%s/%s", p->state_dir, NEWDEV_FILE) < 0) {
		nd->path = NULL;
		goto fail;
	}
	if (nd->path)
		load(nd);
	return nd;
fail:
	newdev_close(nd, 0);
	errno = errno == EINVAL ? EINVAL : ENOMEM;
	return NULL;
}

/* A failed last save is always logged: what it loses is said. */
void newdev_close(struct newdev *nd, int64_t now_ns)
{
	if (!nd)
		return;
	if ((nd->dirty || nd->touched) && nd->path &&
	    newdev_save(nd, now_ns) < 0) {
		if (at_risk(nd))
			log_always(LOG_WARNING,
				   "%zu known devices not saved: %s: %s",
				   at_risk(nd), nd->path, strerror(errno));
		else
			log_always(LOG_WARNING,
				   "known devices: last-seen times not saved: "
				   "%s: %s",
				   nd->path, strerror(errno));
	}
	free(nd->path);
	free(nd->v);
	free(nd->bucket);
	free(nd);
}

const struct newdev_pair *newdev_last(const struct newdev *nd)
{
	return nd && nd->last != NIL ? &nd->v[nd->last].pair : NULL;
}

const struct newdev_pair *newdev_find(const struct newdev *nd,
				      const uint8_t mac[6], int family,
				      const uint8_t *ip)
{
	int32_t i = nd ? find(nd, mac, family, ip) : NIL;

	return i == NIL ? NULL : &nd->v[i].pair;
}

void newdev_counts(const struct newdev *nd, struct newdev_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (!nd)
		return;
	*out = nd->counts;
	out->known = nd->n;
	out->unsaved = at_risk(nd);
}
