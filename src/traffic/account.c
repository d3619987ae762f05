/*
 * account.c - add decoded frames up: totals, per interface and direction,
 * per protocol, per service, per host.
 *
 * Everything is allocated in account_new(); account_frame() only adds.
 * Hosts and services live in bounded toptables (eviction rule in
 * toptable.c).  A frame counts for its source and its destination host
 * (once when they are equal; unspecified addresses are not hosts); ARP
 * counts for its sender and target protocol addresses, so a host that
 * drops ICMP but answers ARP still shows as seen.  last_seen is moved
 * only by frames a host sends.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "account.h"
#include "account_int.h"
#include "clock.h"
#include "services.h"
#include "toptable.h"

/* ---- local networks and direction ------------------------------------ */

static inline uint32_t load32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t load64(const uint8_t *p)
{
	return (uint64_t)load32(p) << 32 | load32(p + 4);
}

static uint64_t prefix_mask64(int bits)
{
	if (bits <= 0)
		return 0;
	return bits >= 64 ? UINT64_MAX : ~(UINT64_MAX >> bits);
}

/* Configured local, or an address that never leaves the link:
 * unspecified, broadcast, multicast, link-local. */
static inline bool is_local4(const struct account *a, const uint8_t *addr)
{
	uint32_t x = load32(addr);
	int i;

	if (x == 0 || x == UINT32_MAX || (x >> 28) == 0xe ||
	    (x >> 16) == 0xa9fe)
		return true;
	for (i = 0; i < a->n4; i++) {
		if ((x & a->v4[i].mask) == a->v4[i].net)
			return true;
	}
	return false;
}

static inline bool is_local6(const struct account *a, const uint8_t *addr)
{
	uint64_t hi = load64(addr), lo = load64(addr + 8);
	int i;

	if ((hi == 0 && lo == 0) || addr[0] == 0xff ||
	    (hi >> 54) == (0xfe80 >> 6))
		return true;
	for (i = 0; i < a->n6; i++) {
		if ((hi & a->v6[i].mask[0]) == a->v6[i].net[0] &&
		    (lo & a->v6[i].mask[1]) == a->v6[i].net[1])
			return true;
	}
	return false;
}

bool account_key_is_local(const struct account *a, const struct toptable_key *k)
{
	const uint8_t *addr = (const uint8_t *)&k->w[1];

	return k->w[0] == AF_INET ? is_local4(a, addr) : is_local6(a, addr);
}

static void retag(struct toptable_entry *e, void *ctx)
{
	e->tag = account_key_is_local(ctx, &e->key);
}

/* Hosts remember whether they are local (tag), so the direction of a
 * frame costs no prefix matching; a reload re-tags them. */
static void retag_hosts(struct account *a)
{
	if (a->hosts)
		toptable_walk(a->hosts, retag, a);
}

int account_set_local_networks(struct account *a, const struct cidr *nets,
			       int n)
{
	int i;

	if (n < 0 || n > CFG_MAX_NETS || (n > 0 && !nets)) {
		errno = EINVAL;
		return -1;
	}
	a->n4 = a->n6 = 0;
	for (i = 0; i < n; i++) {
		const struct cidr *c = &nets[i];

		if (c->family == AF_INET) {
			struct net4 *v = &a->v4[a->n4++];

			v->mask = (uint32_t)(prefix_mask64(c->prefix) >> 32);
			v->net = load32(c->addr) & v->mask;
		} else if (c->family == AF_INET6) {
			struct net6 *v = &a->v6[a->n6++];

			v->mask[0] = prefix_mask64(c->prefix);
			v->mask[1] = prefix_mask64(c->prefix - 64);
			v->net[0] = load64(c->addr) & v->mask[0];
			v->net[1] = load64(c->addr + 8) & v->mask[1];
		}
	}
	retag_hosts(a);
	a->conv.valid = false;
	return 0;
}

/* ---- rates ----------------------------------------------------------- */

static inline void rate_add(struct rate *r, uint32_t bytes)
{
	r->p_packets++;
	r->p_bytes += bytes;
}

static void rate_close(struct rate *r, double dt_s, double alpha)
{
	r->pps = (double)r->p_packets / dt_s;
	r->bps = (double)r->p_bytes * 8 / dt_s;
	if (!r->primed) {
		r->pps_smooth = r->pps;
		r->bps_smooth = r->bps;
		r->primed = true;
	} else {
		r->pps_smooth += alpha * (r->pps - r->pps_smooth);
		r->bps_smooth += alpha * (r->bps - r->bps_smooth);
	}
	r->c_packets += r->p_packets;
	r->c_bytes += r->p_bytes;
	r->p_packets = r->p_bytes = 0;
}

void account_tick(struct account *a, int64_t now_ns)
{
	double dt_s, alpha;
	int i, d;

	if (!a->started || now_ns < a->period_start_ns) {
		a->started = true;
		a->period_start_ns = now_ns;
		return;
	}
	if (now_ns - a->period_start_ns < NS_PER_S)
		return;
	dt_s = (double)(now_ns - a->period_start_ns) / NS_PER_S;
	alpha = 1.0 - exp(-dt_s / a->smooth_s);
	for (i = 0; i < a->n_ifaces; i++) {
		for (d = 0; d <= ACCOUNT_DIR_COUNT; d++)
			rate_close(&a->iface[i][d], dt_s, alpha);
	}
	for (i = 0; i < ACCOUNT_PROTO_COUNT; i++)
		rate_close(&a->proto[i], dt_s, alpha);
	a->period_start_ns = now_ns;
}

/* ---- hosts and services ---------------------------------------------- */

/* Entries are never NULL here: a host or service that is not counted (an
 * unspecified address, a full table where every host it may evict is
 * watched, the source again as the destination) adds to a->sink, which
 * nothing reads. */
static inline void entry_add(struct toptable_entry *e, uint32_t bytes)
{
	e->packets++;
	e->bytes += bytes;
}

/* A host's entry, inserted if new; a->sink when the table is full and
 * every host it may evict is watched.  *local tells whether the host is local.  An insert may move
 * or replace other entries, so it forgets the last conversation. */
static struct toptable_entry *
host_entry(struct account *a, const struct toptable_key *k, bool *local)
{
	bool inserted;
	struct toptable_entry *e = toptable_get(a->hosts, k, &inserted);

	if (inserted) {
		a->conv.valid = false;
		if (e) {
			e->tag = account_key_is_local(a, k);
			a->t.hosts_evicted = toptable_evictions(a->hosts);
		}
	}
	if (!e) {
		*local = account_key_is_local(a, k);
		return &a->sink;
	}
	*local = e->tag;
	return e;
}

/* Count source and destination into c->src and c->dst and set c->dir.
 * An unspecified address is no host, and counts as local. */
static void count_hosts(struct account *a, const struct frame_info *fi,
			int64_t sent_ns, struct conv *c)
{
	struct toptable_key s, d;
	bool has_s = host_key(&s, fi->family, fi->src);
	bool has_d = host_key(&d, fi->family, fi->dst);
	bool ls = true, ld = true;

	if (has_s)
		toptable_prefetch(a->hosts, &s);
	if (has_d)
		toptable_prefetch(a->hosts, &d);
	c->src = c->dst = &a->sink;
	if (has_s)
		c->src = host_entry(a, &s, &ls);
	entry_add(c->src, fi->wire_len);
	c->src->last_seen_ns = sent_ns;
	if (has_d && has_s && s.w[1] == d.w[1] && s.w[2] == d.w[2])
		ld = ls;
	else if (has_d)
		c->dst = host_entry(a, &d, &ld);
	entry_add(c->dst, fi->wire_len);
	if (ls)
		c->dir = ld ? ACCOUNT_DIR_INTERNAL : ACCOUNT_DIR_OUT;
	else
		c->dir = ld ? ACCOUNT_DIR_IN : ACCOUNT_DIR_EXTERNAL;
}

/* The service a TCP or UDP frame counts for (the decoder sets ports for
 * those only). */
static inline uint16_t service_key(const struct account *a,
				   const struct frame_info *fi,
				   struct toptable_key *k)
{
	uint16_t port =
		services_pick_port(a->names, fi->proto, fi->sport, fi->dport);

	*k = (struct toptable_key){
		{ (uint64_t)fi->proto << 8 | (uint64_t)port << 16, 0, 0 }
	};
	return port;
}

static struct toptable_entry *count_service(struct account *a,
					    const struct frame_info *fi,
					    const struct toptable_key *k,
					    uint16_t port)
{
	struct toptable_entry *e;
	bool inserted;

	e = toptable_get(a->svcs, k, &inserted);
	if (inserted) {
		a->conv.valid = false;
		if (e) {
			e->name = services_name(a->names, fi->proto, port);
			a->t.services_evicted = toptable_evictions(a->svcs);
		}
	}
	if (!e)
		e = &a->sink;
	entry_add(e, fi->wire_len);
	return e;
}

static enum account_proto proto_of(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return ACCOUNT_PROTO_TCP;
	case IPPROTO_UDP:
		return ACCOUNT_PROTO_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return ACCOUNT_PROTO_ICMP;
	default:
		return ACCOUNT_PROTO_OTHER;
	}
}

/* ---- the last conversation -------------------------------------------- */

/* Family, protocol and ports in one word; the addresses are the rest of
 * the key. */
static inline uint64_t conv_word(const struct frame_info *fi)
{
	return (uint64_t)fi->family | (uint64_t)fi->proto << 8 |
	       (uint64_t)fi->has_ports << 16 | (uint64_t)fi->sport << 32 |
	       (uint64_t)fi->dport << 48;
}

static inline uint64_t load_word(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Is key the conversation word from addresses a to b? */
static inline bool key_match(const uint64_t *key, uint64_t word,
			     const uint8_t *a, const uint8_t *b)
{
	return ((key[0] ^ word) | (key[1] ^ load_word(a)) |
		(key[2] ^ load_word(a + 8)) | (key[3] ^ load_word(b)) |
		(key[4] ^ load_word(b + 8))) == 0;
}

/* The conversation word turned round: ports swapped. */
static inline uint64_t word_turned(uint64_t word)
{
	return (word & 0xffffffff) | (word >> 48) << 32 |
	       (word >> 32 & 0xffff) << 48;
}

/* Add a frame of the remembered conversation: src and dst are where its
 * source and destination count. */
static inline void conv_add(const struct conv *c, struct toptable_entry *src,
			    struct toptable_entry *dst,
			    const struct frame_info *fi, int64_t sent_ns)
{
	entry_add(src, fi->wire_len);
	src->last_seen_ns = sent_ns;
	entry_add(dst, fi->wire_len);
	entry_add(c->svc, fi->wire_len);
	rate_add(c->proto, fi->wire_len);
}

/* Hosts, service and protocol of an IP frame not like the last one: the
 * last turned round (the ACKs of a TCP sender), else looked up, and
 * remembered when no lookup inserted.  Returns the direction.  Out of
 * line, so the common case in account_frame() stays small. */
__attribute__((noinline)) static enum account_dir
count_ip_new(struct account *a, const struct frame_info *fi, int64_t sent_ns,
	     uint64_t word)
{
	static const enum account_dir turned[ACCOUNT_DIR_COUNT] = {
		[ACCOUNT_DIR_IN] = ACCOUNT_DIR_OUT,
		[ACCOUNT_DIR_OUT] = ACCOUNT_DIR_IN,
		[ACCOUNT_DIR_INTERNAL] = ACCOUNT_DIR_INTERNAL,
		[ACCOUNT_DIR_EXTERNAL] = ACCOUNT_DIR_EXTERNAL,
	};
	struct conv *c = &a->conv;
	struct toptable_key k;
	uint16_t port = 0;

	if (c->valid && c->turns &&
	    key_match(c->key, word_turned(word), fi->dst, fi->src)) {
		conv_add(c, c->dst, c->src, fi, sent_ns);
		return turned[c->dir];
	}
	if (fi->has_ports) { /* its bucket loads while the hosts are found */
		port = service_key(a, fi, &k);
		toptable_prefetch(a->svcs, &k);
	}
	c->valid = true; /* unless a lookup below inserts */
	count_hosts(a, fi, sent_ns, c);
	c->svc = fi->has_ports ? count_service(a, fi, &k, port) : &a->sink;
	c->proto = &a->proto[proto_of(fi->proto)];
	rate_add(c->proto, fi->wire_len);
	c->key[0] = word;
	memcpy(&c->key[1], fi->src, 16);
	memcpy(&c->key[3], fi->dst, 16);
	c->turns = c->key[1] != c->key[3] || c->key[2] != c->key[4];
	return c->dir;
}

/* An IP frame: a frame of the same conversation as the last one
 * (addresses, protocol, ports) adds to the entries that one found. */
static inline enum account_dir
count_ip(struct account *a, const struct frame_info *fi, int64_t now_ns)
{
	struct conv *c = &a->conv;
	int64_t sent_ns = now_ns < 0 ? 0 : now_ns;
	uint64_t word = conv_word(fi);

	if (!c->valid || !key_match(c->key, word, fi->src, fi->dst))
		return count_ip_new(a, fi, sent_ns, word);
	conv_add(c, c->src, c->dst, fi, sent_ns);
	return c->dir;
}

/* ARP counts for its sender and target protocol addresses.  Out of line
 * like count_ip_new(). */
__attribute__((noinline)) static void
count_arp(struct account *a, const struct frame_info *fi, int64_t now_ns)
{
	struct conv arp;

	if (fi->family == AF_INET)
		count_hosts(a, fi, now_ns < 0 ? 0 : now_ns, &arp);
}

/* ---- per frame ------------------------------------------------------- */

void account_frame(struct account *a, int iface, const struct frame_info *fi,
		   int64_t now_ns)
{
	struct rate *ifr = iface >= 0 && iface < a->n_ifaces ? a->iface[iface]
							     : a->no_iface;
	enum account_dir dir = ACCOUNT_DIR_INTERNAL; /* non-IP stays on link */

	a->t.frames++;
	a->t.bytes += fi->wire_len;
	a->t.vlan += fi->vlans > 0;
	rate_add(&ifr[ACCOUNT_DIR_ALL], fi->wire_len);
	if (fi->malformed) {
		a->t.malformed++;
		return;
	}
	switch (fi->l3) {
	case L3_IPV4:
	case L3_IPV6:
		a->t.ipv4 += fi->l3 == L3_IPV4;
		a->t.ipv6 += fi->l3 == L3_IPV6;
		dir = count_ip(a, fi, now_ns);
		break;
	case L3_ARP:
		a->t.arp++;
		count_arp(a, fi, now_ns);
		break;
	default:
		break;
	}
	rate_add(&ifr[dir], fi->wire_len);
}

/* ---- lifecycle ------------------------------------------------------- */

struct account *account_new(const struct account_params *p)
{
	struct account *a;
	size_t nh = p->max_hosts ? p->max_hosts : ACCOUNT_HOSTS_LIVE;
	size_t ns = p->max_services ? p->max_services : ACCOUNT_SERVICES_LIVE;

	if (p->n_ifaces < 1 || p->n_ifaces > ACCOUNT_MAX_IFACES ||
	    p->smooth_s < 0) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->n_ifaces = p->n_ifaces;
	a->smooth_s = p->smooth_s ? p->smooth_s : ACCOUNT_SMOOTH_S_DEFAULT;
	if (account_set_local_networks(a, p->local_nets, p->n_local_nets) < 0)
		goto err_account;
	a->names = services_load(p->services_path);
	if (!a->names)
		goto err_account;
	a->hosts = toptable_new(nh, p->grow, p->seed);
	if (!a->hosts)
		goto err_names;
	a->svcs = toptable_new(ns, p->grow, p->seed);
	if (!a->svcs)
		goto err_hosts;
	return a;

err_hosts:
	toptable_free(a->hosts);
err_names:
	services_free(a->names);
err_account:
	free(a);
	return NULL;
}

void account_free(struct account *a)
{
	if (!a)
		return;
	toptable_free(a->svcs);
	toptable_free(a->hosts);
	services_free(a->names);
	free(a);
}
