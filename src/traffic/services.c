/*
 * services.c - /etc/services parsed once into a bitmap per protocol (the
 * per-frame question "does this port have a name?" is one bit test) and a
 * sorted array for the name itself, looked up only when a service enters
 * the accounting table.  Like getservbyport(), the first line naming a
 * port/protocol wins.  Only tcp and udp lines are kept.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

#define PORTS	  65536
#define WORD_BITS 64

struct service_name {
	uint8_t proto;
	uint16_t port;
	unsigned line; /* file order, for "first wins" */
	char *name;
};

struct services {
	uint64_t tcp[PORTS / WORD_BITS];
	uint64_t udp[PORTS / WORD_BITS];
	struct service_name *names; /* sorted by proto, port */
	size_t n, cap;
};

static uint64_t *proto_bits(struct services *s, uint8_t proto)
{
	return proto == IPPROTO_TCP ? s->tcp : s->udp;
}

static int name_cmp(const void *a, const void *b)
{
	const struct service_name *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->port != y->port)
		return x->port - y->port;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* "name port/proto aliases... # comment".  Returns 1 with the fields
 * filled, 0 for a line to skip. */
static int parse_line(char *line, char **name, long *port, uint8_t *proto)
{
	char *save = NULL, *pp, *slash, *end;

	line[strcspn(line, "#\n")] = '\0';
	*name = strtok_r(line, " \t", &save);
	pp = strtok_r(NULL, " \t", &save);
	if (!*name || !pp)
		return 0;
	slash = strchr(pp, '/');
	if (!slash || !isdigit((unsigned char)pp[0]))
		return 0;
	*slash = '\0';
	errno = 0;
	*port = strtol(pp, &end, 10);
	if (*end != '\0' || errno || *port < 0 || *port >= PORTS)
		return 0;
	if (strcmp(slash + 1, "tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(slash + 1, "udp") == 0)
		*proto = IPPROTO_UDP;
	else
		return 0;
	return 1;
}

static int services_add(struct services *s, const char *name, uint16_t port,
			uint8_t proto, unsigned line)
{
	struct service_name *sn;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;

		sn = realloc(s->names, cap * sizeof(*sn));
		if (!sn)
			return -1;
		s->names = sn;
		s->cap = cap;
	}
	sn = &s->names[s->n];
	sn->name = strdup(name);
	if (!sn->name)
		return -1;
	sn->proto = proto;
	sn->port = port;
	sn->line = line;
	s->n++;
	proto_bits(s, proto)[port / WORD_BITS] |= UINT64_C(1)
						  << port % WORD_BITS;
	return 0;
}

static int services_read(struct services *s, FILE *f)
{
	char *buf = NULL, *name;
	size_t len = 0;
	unsigned line = 0;
	long port;
	uint8_t proto;
	int r = 0;

	while (r == 0 && getline(&buf, &len, f) >= 0) {
		line++;
		if (parse_line(buf, &name, &port, &proto))
			r = services_add(s, name, (uint16_t)port, proto, line);
	}
	free(buf);
	return r;
}

struct services *services_load(const char *path)
{
	struct services *s = calloc(1, sizeof(*s));
	FILE *f;

	if (!s)
		return NULL;
	f = fopen(path ? path : "/etc/services", "re");
	if (!f)
		return s;
	if (services_read(s, f) < 0) {
		fclose(f);
		services_free(s);
		errno = ENOMEM;
		return NULL;
	}
	fclose(f);
	if (s->n)
		qsort(s->names, s->n, sizeof(*s->names), name_cmp);
	return s;
}

void services_free(struct services *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->names[i].name);
	free(s->names);
	free(s);
}

bool services_named(const struct services *s, uint8_t proto, uint16_t port)
{
	const uint64_t *bits = proto == IPPROTO_TCP ? s->tcp : s->udp;

	return bits[port / WORD_BITS] >> (port % WORD_BITS) & 1;
}

const char *services_name(const struct services *s, uint8_t proto,
			  uint16_t port)
{
	size_t lo = 0, hi = s->n;

	/* The first entry not less than (proto, port, line 0). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct service_name *m = &s->names[mid];

		if (m->proto < proto || (m->proto == proto && m->port < port))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->names[lo].proto == proto &&
	    s->names[lo].port == port)
		return s->names[lo].name;
	return NULL;
}

uint16_t services_pick_port(const struct services *s, uint8_t proto,
			    uint16_t sport, uint16_t dport)
{
	bool ns = services_named(s, proto, sport);
	bool nd = services_named(s, proto, dport);
	uint16_t lower = sport < dport ? sport : dport;

	if (ns != nd)
		return ns ? sport : dport;
	return lower;
}
