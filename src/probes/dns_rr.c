/*
 * dns_rr.c - answer records of a raw DNS reply turned into text.
 *
 * A, AAAA, MX, SRV, TXT and SOA go through c-ares' ares_parse_*_reply().
 * CNAME, NS and PTR are read by a small walker over the answer section
 * with ares_expand_name() for the names: c-ares 1.18 has no CNAME parser,
 * and its NS/PTR parsers return hostents that mix owner names, aliases and
 * targets.  Names are written fully qualified ("mail.example.").
 */
#include <arpa/inet.h>
#include <ares.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns_rr.h"

#define T_A_	 1
#define T_NS_	 2
#define T_CNAME_ 5
#define T_SOA_	 6
#define T_PTR_	 12
#define T_MX_	 15
#define T_TXT_	 16
#define T_AAAA_	 28
#define T_SRV_	 33

#define NAME_TEXT 272 /* a 253-byte name, escapes, numbers */

static const struct {
	const char *name;
	int code;
} qtypes[] = {
	{ "A", T_A_ },	   { "AAAA", T_AAAA_ }, { "CNAME", T_CNAME_ },
	{ "MX", T_MX_ },   { "NS", T_NS_ },	{ "PTR", T_PTR_ },
	{ "SOA", T_SOA_ }, { "SRV", T_SRV_ },	{ "TXT", T_TXT_ },
};

static const char *const rcodes[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};

int dns_qtype_code(const char *name)
{
	for (size_t i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++)
		if (strcasecmp(name, qtypes[i].name) == 0)
			return qtypes[i].code;
	return -1;
}

int dns_rcode_code(const char *name)
{
	for (size_t i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); i++)
		if (strcasecmp(name, rcodes[i]) == 0)
			return (int)i;
	return -1;
}

const char *dns_rcode_name(int rcode, char *buf, size_t len)
{
	if (rcode >= 0 && (size_t)rcode < sizeof(rcodes) / sizeof(rcodes[0]))
		snprintf(buf, len, "%s", rcodes[rcode]);
	else
		snprintf(buf, len, "RCODE%d", rcode);
	return buf;
}

/* c-ares gives names without the final dot and the root as "". */
static void rr_emit_name(dns_rr_fn fn, void *ctx, const char *prefix,
			 const char *name)
{
	char t[NAME_TEXT];
	int n = snprintf(t, sizeof(t), "%s%s.", prefix, *name ? name : "");

	if (n >= (int)sizeof(t))
		n = (int)sizeof(t) - 1;
	fn(ctx, t, (size_t)n);
}

/* ares_parse_*: no record of the type is an empty answer, not an error. */
static int rr_status(int st, int n)
{
	if (st == ARES_SUCCESS)
		return n;
	return st == ARES_ENODATA ? 0 : -1;
}

static int rr_addrs(const unsigned char *abuf, int alen, int qtype,
		    dns_rr_fn fn, void *ctx)
{
	struct ares_addrttl v4[DNS_RR_MAX];
	struct ares_addr6ttl v6[DNS_RR_MAX];
	char t[INET6_ADDRSTRLEN];
	int n = DNS_RR_MAX, st;

	if (qtype == T_A_)
		st = ares_parse_a_reply(abuf, alen, NULL, v4, &n);
	else
		st = ares_parse_aaaa_reply(abuf, alen, NULL, v6, &n);
	if (st != ARES_SUCCESS)
		return rr_status(st, 0);
	for (int i = 0; i < n; i++) {
		if (qtype == T_A_)
			inet_ntop(AF_INET, &v4[i].ipaddr, t, sizeof(t));
		else
			inet_ntop(AF_INET6, &v6[i].ip6addr, t, sizeof(t));
		fn(ctx, t, strlen(t));
	}
	return n;
}

static int rr_mx(const unsigned char *abuf, int alen, dns_rr_fn fn, void *ctx)
{
	struct ares_mx_reply *mx = NULL;
	char pre[8];
	int n = 0, st = ares_parse_mx_reply(abuf, alen, &mx);

	for (struct ares_mx_reply *m = mx; st == ARES_SUCCESS && m;
	     m = m->next, n++) {
		snprintf(pre, sizeof(pre), "%u ", m->priority);
		rr_emit_name(fn, ctx, pre, m->host);
	}
	if (mx)
		ares_free_data(mx);
	return rr_status(st, n);
}

static int rr_srv(const unsigned char *abuf, int alen, dns_rr_fn fn, void *ctx)
{
	struct ares_srv_reply *srv = NULL;
	char pre[24];
	int n = 0, st = ares_parse_srv_reply(abuf, alen, &srv);

	for (struct ares_srv_reply *s = srv; st == ARES_SUCCESS && s;
	     s = s->next, n++) {
		snprintf(pre, sizeof(pre), "%u %u %u ", s->priority, s->weight,
			 s->port);
		rr_emit_name(fn, ctx, pre, s->host);
	}
	if (srv)
		ares_free_data(srv);
	return rr_status(st, n);
}

static int rr_soa(const unsigned char *abuf, int alen, dns_rr_fn fn, void *ctx)
{
	struct ares_soa_reply *soa = NULL;
	char t[2 * NAME_TEXT + 64];
	int n, st = ares_parse_soa_reply(abuf, alen, &soa);

	if (st != ARES_SUCCESS)
		return rr_status(st, 0);
	n = snprintf(t, sizeof(t), "%s. %s. %u %u %u %u %u", soa->nsname,
		     soa->hostmaster, soa->serial, soa->refresh, soa->retry,
		     soa->expire, soa->minttl);
	ares_free_data(soa);
	if (n >= (int)sizeof(t))
		n = (int)sizeof(t) - 1;
	fn(ctx, t, (size_t)n);
	return 1;
}

/* A TXT record is one or more strings; joined, up to DNS_TXT_MAX - 1. */
static int rr_txt(const unsigned char *abuf, int alen, dns_rr_fn fn, void *ctx)
{
	struct ares_txt_ext *txt = NULL;
	char t[DNS_TXT_MAX];
	size_t used = 0;
	int n = 0, st = ares_parse_txt_reply_ext(abuf, alen, &txt);

	for (struct ares_txt_ext *x = txt; st == ARES_SUCCESS && x;
	     x = x->next) {
		size_t take = x->length;

		if (x->record_start && n > 0)
			fn(ctx, t, used);
		if (x->record_start) {
			used = 0;
			n++;
		}
		if (take > sizeof(t) - 1 - used)
			take = sizeof(t) - 1 - used;
		if (take)
			memcpy(t + used, x->txt, take);
		used += take;
		t[used] = '\0';
	}
	if (st == ARES_SUCCESS && n > 0)
		fn(ctx, t, used);
	if (txt)
		ares_free_data(txt);
	return rr_status(st, n);
}

static unsigned int rd16(const unsigned char *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* Step over a (possibly compressed) name at *off. */
static int rr_skip_name(const unsigned char *abuf, int alen, int *off)
{
	int o = *off;

	while (o < alen) {
		unsigned int len = abuf[o];

		if ((len & 0xc0) == 0xc0) {
			if (alen - o < 2)
				return -1;
			*off = o + 2;
			return 0;
		}
		if (len & 0xc0)
			return -1; /* reserved label types */
		o += 1 + (int)len;
		if (len == 0) {
			*off = o;
			return 0;
		}
	}
	return -1;
}

static int rr_name_at(const unsigned char *abuf, int alen, int off,
		      unsigned int rdlen, dns_rr_fn fn, void *ctx)
{
	char *s = NULL;
	long enclen = 0;

	if (ares_expand_name(abuf + off, abuf, alen, &s, &enclen) !=
	    ARES_SUCCESS)
		return -1;
	if (enclen < 0 || (unsigned long)enclen > rdlen) {
		ares_free_string(s);
		return -1;
	}
	rr_emit_name(fn, ctx, "", s);
	ares_free_string(s);
	return 0;
}

/* CNAME, NS, PTR: records whose data is one name. */
static int rr_names(const unsigned char *abuf, int alen, int qtype,
		    dns_rr_fn fn, void *ctx)
{
	unsigned int qd = rd16(abuf + 4), an = rd16(abuf + 6);
	int off = DNS_HEADER_LEN, n = 0;

	for (unsigned int i = 0; i < qd; i++) {
		if (rr_skip_name(abuf, alen, &off) < 0 || alen - off < 4)
			return -1;
		off += 4;
	}
	for (unsigned int i = 0; i < an; i++) {
		unsigned int type, rdlen;

		if (rr_skip_name(abuf, alen, &off) < 0 || alen - off < 10)
			return -1;
		type = rd16(abuf + off);
		rdlen = rd16(abuf + off + 8);
		off += 10;
		if ((unsigned int)(alen - off) < rdlen)
			return -1;
		if (type == (unsigned int)qtype) {
			if (rr_name_at(abuf, alen, off, rdlen, fn, ctx) < 0)
				return -1;
			n++;
		}
		off += (int)rdlen;
	}
	return n;
}

int dns_rr_each(const unsigned char *abuf, int alen, int qtype, dns_rr_fn fn,
		void *ctx)
{
	if (!abuf || alen < DNS_HEADER_LEN)
		return -1;
	switch (qtype) {
	case T_A_:
	case T_AAAA_:
		return rr_addrs(abuf, alen, qtype, fn, ctx);
	case T_MX_:
		return rr_mx(abuf, alen, fn, ctx);
	case T_SRV_:
		return rr_srv(abuf, alen, fn, ctx);
	case T_SOA_:
		return rr_soa(abuf, alen, fn, ctx);
	case T_TXT_:
		return rr_txt(abuf, alen, fn, ctx);
	case T_CNAME_:
	case T_NS_:
	case T_PTR_:
		return rr_names(abuf, alen, qtype, fn, ctx);
	default:
		return -1;
	}
}

/* Space-separated words; names match without case or a final dot. */
static bool rr_words_equal(const char *a, const char *b)
{
	for (;;) {
		size_t la, lb, ka, kb;

		a += strspn(a, " \t");
		b += strspn(b, " \t");
		if (!*a || !*b)
			return !*a && !*b;
		la = strcspn(a, " \t");
		lb = strcspn(b, " \t");
		ka = la > 1 && a[la - 1] == '.' ? la - 1 : la;
		kb = lb > 1 && b[lb - 1] == '.' ? lb - 1 : lb;
		if (ka != kb || strncasecmp(a, b, ka) != 0)
			return false;
		a += la;
		b += lb;
	}
}

bool dns_rr_equal(int qtype, const char *got, size_t len, const char *want)
{
	unsigned char g[16], w[16];
	int af = qtype == T_A_ ? AF_INET : qtype == T_AAAA_ ? AF_INET6 : 0;

	if (qtype == T_TXT_)
		return strlen(want) == len && memcmp(got, want, len) == 0;
	if (af && inet_pton(af, want, w) == 1)
		return inet_pton(af, got, g) == 1 &&
		       memcmp(g, w, af == AF_INET ? 4 : 16) == 0;
	return rr_words_equal(got, want);
}
