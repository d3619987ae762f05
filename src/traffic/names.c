/*
 * names.c - the bounded table of host names and its precedence rule.
 *
 * NAMES_MAX entries in one array allocated at names_new(), found by a
 * linear scan: only DHCP and mDNS frames, the per-second summary, a new
 * device and /metrics look names up, never an ordinary frame, and 256
 * compares are cheaper than keeping a hash in step with evictions.  An
 * entry is keyed by its address; a DHCP client's entry is also found by
 * its MAC, so the ACK that binds an address finds the name its REQUEST
 * gave.  An address has one entry: binding it to another entry merges
 * the two by the precedence rule.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "names.h"

struct names {
	struct names_entry v[NAMES_MAX]; /* source NAMES_NONE: free */
	struct names_counts counts;
};

static const char *const source_names[] = {
	[NAMES_NONE] = "none",
	[NAMES_RDNS] = "rdns",
	[NAMES_MDNS] = "mdns",
	[NAMES_DHCP] = "dhcp",
};

const char *names_source_name(enum names_source s)
{
	return s >= NAMES_NONE && s <= NAMES_DHCP ? source_names[s] : "none";
}

static bool name_char_ok(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

size_t names_sanitize(const uint8_t *raw, size_t len, char *out)
{
	size_t i, n = 0;
	bool alnum = false;

	for (i = 0; i < len && n < NAMES_LEN; i++) {
		uint8_t c = raw[i];

		if (c == '\0' && i == len - 1)
			break; /* a C string's terminator, as some send */
		out[n++] = name_char_ok(c) ? (char)c : '_';
		alnum = alnum ||
			(name_char_ok(c) && c != '-' && c != '.' && c != '_');
	}
	while (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	if (!alnum) {
		out[0] = '\0';
		return 0;
	}
	return n;
}

struct names *names_new(void)
{
	return calloc(1, sizeof(struct names));
}

void names_free(struct names *n)
{
	free(n);
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* The index of addr's entry, -1 if none. */
static int by_addr(const struct names *n, int family, const uint8_t *ip)
{
	if (family != AF_INET && family != AF_INET6)
		return -1;
	for (int i = 0; i < NAMES_MAX; i++) {
		const struct names_entry *e = &n->v[i];

		if (e->source != NAMES_NONE && e->family == family &&
		    memcmp(e->ip, ip, addr_len(family)) == 0)
			return i;
	}
	return -1;
}

/* The DHCP entry of mac (a client names itself once, whatever address),
 * -1 if none. */
static int by_mac(const struct names *n, const uint8_t mac[6])
{
	for (int i = 0; i < NAMES_MAX; i++) {
		const struct names_entry *e = &n->v[i];

		if (e->source == NAMES_DHCP && e->have_mac &&
		    memcmp(e->mac, mac, 6) == 0)
			return i;
	}
	return -1;
}

/* A free slot, or the one learned longest ago made free. */
static struct names_entry *slot_new(struct names *n)
{
	struct names_entry *old = &n->v[0];

	for (size_t i = 0; i < NAMES_MAX; i++) {
		if (n->v[i].source == NAMES_NONE) {
			n->counts.entries++;
			return &n->v[i];
		}
		if (n->v[i].learned_ns < old->learned_ns)
			old = &n->v[i];
	}
	n->counts.evicted++;
	return old;
}

static void slot_drop(struct names *n, struct names_entry *e)
{
	memset(e, 0, sizeof(*e));
	n->counts.entries--;
}

/* Give e the fact's name if its source is at least as strong. */
static int take_name(struct names_entry *e, const struct names_fact *f)
{
	if (!f->name[0] || f->source < e->source)
		return 0;
	if (f->source == e->source && strcmp(e->name, f->name) == 0)
		return 0;
	e->source = f->source;
	memcpy(e->name, f->name, sizeof(e->name));
	return 1;
}

/* Bind the fact's address to the DHCP client entry c: an entry that held
 * the address already is merged into c, the stronger name winning. */
static int bind_addr(struct names *n, struct names_entry *c,
		     const struct names_fact *f)
{
	int i = by_addr(n, f->family, f->ip);
	struct names_entry *old = i >= 0 ? &n->v[i] : NULL;
	int changed = c->family != f->family ||
		      memcmp(c->ip, f->ip, addr_len(f->family)) != 0;

	if (old && old != c) {
		if (old->source > c->source) {
			c->source = old->source;
			memcpy(c->name, old->name, sizeof(c->name));
		}
		slot_drop(n, old);
	}
	c->family = f->family;
	memset(c->ip, 0, sizeof(c->ip));
	memcpy(c->ip, f->ip, addr_len(f->family));
	return changed;
}

/* A DHCP fact for an address whose name another client's DHCP gave: the
 * lease went to a new device, and the old name with it. */
static bool stale_lease(const struct names_entry *e, const struct names_fact *f)
{
	return f->source == NAMES_DHCP && f->have_mac &&
	       e->source == NAMES_DHCP && e->have_mac &&
	       memcmp(e->mac, f->mac, 6) != 0;
}

int names_learn(struct names *n, const struct names_fact *f, int64_t now_ns)
{
	struct names_entry *e = NULL;
	int changed, i = -1;

	if (!n || !f || f->source <= NAMES_NONE || f->source > NAMES_DHCP)
		return 0;
	if (f->source == NAMES_DHCP && f->have_mac)
		i = by_mac(n, f->mac);
	if (i < 0 && f->family)
		i = by_addr(n, f->family, f->ip);
	if (i >= 0 && stale_lease(&n->v[i], f)) {
		slot_drop(n, &n->v[i]);
		i = -1;
	}
	if (i >= 0) {
		e = &n->v[i];
	} else if (f->name[0]) {
		e = slot_new(n);
		memset(e, 0, sizeof(*e));
	} else {
		return 0; /* an address alone names nothing */
	}
	changed = take_name(e, f);
	if (e->source == NAMES_DHCP && f->source == NAMES_DHCP && f->have_mac) {
		e->have_mac = true;
		memcpy(e->mac, f->mac, 6);
	}
	if (f->family && e->source == f->source)
		changed |= bind_addr(n, e, f) && e->name[0];
	e->learned_ns = now_ns;
	n->counts.learned += (uint64_t)changed;
	return changed;
}

const char *names_find(const struct names *n, int family, const uint8_t *addr)
{
	int i = n && addr ? by_addr(n, family, addr) : -1;

	return i >= 0 ? n->v[i].name : NULL;
}

const char *names_find_device(const struct names *n, const uint8_t mac[6],
			      int family, const uint8_t *addr)
{
	const char *s = names_find(n, family, addr);
	int i;

	if (s || !n || !mac)
		return s;
	i = by_mac(n, mac);
	return i >= 0 && n->v[i].family == 0 ? n->v[i].name : NULL;
}

bool names_get(const struct names *n, size_t i, struct names_entry *out)
{
	if (!n || i >= NAMES_MAX || n->v[i].source == NAMES_NONE)
		return false;
	*out = n->v[i];
	return true;
}

void names_counts(const struct names *n, struct names_counts *out)
{
	if (!n) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = n->counts;
}

struct learning {
	struct names *n;
	int64_t now_ns;
	int learned;
};

static void learn_cb(void *ctx, const struct names_fact *f)
{
	struct learning *l = ctx;

	l->learned += names_learn(l->n, f, l->now_ns);
}

/* A message that did not parse because the snaplen cut it: counted
 * apart, and said once, since the fix is in the config. */
static void count_bad(struct names *n, const struct frame_info *fi,
		      uint32_t caplen)
{
	if (caplen >= fi->wire_len ||
	    fi->payload_off + fi->payload_len < caplen) {
		n->counts.bad++;
		return;
	}
	if (!n->counts.truncated++)
		log_notice("names: DHCP/mDNS messages are cut at %u bytes: "
			   "capture.snaplen 600 or more reads their names",
			   (unsigned)caplen);
}

int names_frame(struct names *n, const uint8_t *frame, uint32_t caplen,
		const struct frame_info *fi, int64_t now_ns)
{
	struct learning l = { n, now_ns, 0 };
	const uint8_t *p;
	int r;

	if (!n || fi->proto != IPPROTO_UDP || !fi->payload_len)
		return 0;
	p = frame + fi->payload_off;
	if ((fi->sport == 67 && fi->dport == 68) ||
	    (fi->sport == 68 && fi->dport == 67))
		r = names_parse_dhcp(p, fi->payload_len, learn_cb, &l);
	else if (fi->sport == 5353)
		r = names_parse_mdns(p, fi->payload_len, learn_cb, &l);
	else
		return 0;
	if (r < 0)
		count_bad(n, fi, caplen);
	return l.learned;
}
