/*
 * values.c - the syntax of single config values, without libconfig.
 *
 * Durations, names, addresses, networks, listen addresses and clock ranges
 * are strings inside the config; these functions decide whether such a
 * string is well formed and convert it.  They know nothing of files or
 * lines: the caller words the error and attaches the line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Past this a double no longer holds every millisecond exactly. */
#define DURATION_MAX_MS 1e15

static const struct {
	const char *name;
	int64_t ms;
} duration_units[] = {
	{ "ms", 1 },	   { "s", MS_PER_S },	{ "m", MS_PER_MIN },
	{ "h", MS_PER_H }, { "d", MS_PER_DAY },
};

#define N_UNITS (int)(sizeof(duration_units) / sizeof(duration_units[0]))

/* A plain decimal: digits, optionally '.' and more digits.  strtod alone
 * would also take signs, spaces, hex and exponents. */
static size_t decimal_span(const char *s)
{
	size_t i = 0;

	while (isdigit((unsigned char)s[i]))
		i++;
	if (i == 0)
		return 0;
	if (s[i] == '.') {
		if (!isdigit((unsigned char)s[i + 1]))
			return 0;
		i++;
		while (isdigit((unsigned char)s[i]))
			i++;
	}
	return i;
}

int cfg_parse_duration(const char *s, int64_t *ms)
{
	size_t span = decimal_span(s);
	const char *unit = s + span;
	char *end;
	double v, total;
	int i;

	if (span == 0)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end != unit || errno == ERANGE)
		return -1;
	if (*unit == '\0') {
		/* only zero needs no unit */
		if (v != 0)
			return -1;
		*ms = 0;
		return 0;
	}
	for (i = 0; i < N_UNITS; i++)
		if (strcmp(unit, duration_units[i].name) == 0)
			break;
	if (i == N_UNITS)
		return -1;
	total = v * (double)duration_units[i].ms;
	if (total > DURATION_MAX_MS)
		return -1;
	/* whole milliseconds only: "1.5s" yes, "0.5ms" no */
	if (total != (double)(int64_t)total)
		return -1;
	*ms = (int64_t)total;
	return 0;
}

void cfg_fmt_duration(int64_t ms, char *buf, size_t len)
{
	int i;

	if (ms == 0) {
		snprintf(buf, len, "0");
		return;
	}
	for (i = N_UNITS - 1; i > 0; i--)
		if (ms % duration_units[i].ms == 0)
			break;
	snprintf(buf, len, "%lld%s", (long long)(ms / duration_units[i].ms),
		 duration_units[i].name);
}

bool cfg_valid_name(const char *s, bool check_name)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= CFG_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '_' || c == '.' || c == '-')
			continue;
		if (check_name && (c == '/' || c == ':'))
			continue;
		return false;
	}
	return true;
}

bool cfg_valid_user(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 31)
		return false;
	if (!(islower((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (islower(c) || isdigit(c) || c == '_' || c == '-')
			continue;
		if (c == '$' && i == n - 1)
			continue;
		return false;
	}
	return true;
}

bool cfg_is_ip_literal(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

/* One DNS label of n bytes at s. */
static bool valid_label(const char *s, size_t n, bool underscore)
{
	size_t i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '-' && !(underscore && c == '_'))
			return false;
	}
	return true;
}

const char *cfg_check_address(const char *s, bool underscore)
{
	size_t n = strlen(s);
	const char *p, *dot;

	if (n == 0)
		return "is empty";
	if (n > 253)
		return "is longer than 253 characters";
	if (cfg_is_ip_literal(s))
		return NULL;
	if (strchr(s, ':'))
		return "is not an IPv6 address";
	if (strspn(s, "0123456789.") == n)
		return "is not an IPv4 address";
	if (s[n - 1] == '.')
		n--; /* a fully qualified name */
	for (p = s; p < s + n; p = dot + 1) {
		dot = memchr(p, '.', (size_t)(s + n - p));
		if (!dot)
			dot = s + n;
		if (!valid_label(p, (size_t)(dot - p), underscore))
			return "is not a valid host name";
	}
	return NULL;
}

/* Clears the bits past prefix; returns whether any were set. */
static bool host_bits_set(uint8_t *addr, int len, int prefix)
{
	bool set = false;
	int i;

	for (i = 0; i < len; i++) {
		int keep = prefix - 8 * i;
		uint8_t mask;

		if (keep >= 8)
			continue;
		mask = keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
		if (addr[i] & ~mask)
			set = true;
		addr[i] &= mask;
	}
	return set;
}

const char *cfg_parse_cidr(const char *s, struct cidr *out)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen;
	char *end;
	long prefix;
	int max;

	if (!slash)
		return "needs a /PREFIX";
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(addr))
		return "is not an address/prefix";
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, out->addr) == 1)
		out->family = AF_INET6;
	else
		return "is not an address/prefix";
	max = out->family == AF_INET ? 32 : 128;
	if (!isdigit((unsigned char)slash[1]))
		return max == 32 ? "prefix must be 0..32"
				 : "prefix must be 0..128";
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (*end != '\0' || errno || prefix < 0 || prefix > max)
		return max == 32 ? "prefix must be 0..32"
				 : "prefix must be 0..128";
	out->prefix = (int)prefix;
	if (host_bits_set(out->addr, max / 8, out->prefix))
		return "has host bits set";
	return NULL;
}

const char *cfg_parse_net(const char *s, struct cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 4];

	if (strchr(s, '/'))
		return cfg_parse_cidr(s, out);
	if (strlen(s) >= INET6_ADDRSTRLEN)
		return "is not an address/prefix";
	snprintf(buf, sizeof(buf), "%s/%d", s, strchr(s, ':') ? 128 : 32);
	return cfg_parse_cidr(buf, out);
}

bool cidr_contains(const struct cidr *c, int family, const uint8_t *ip)
{
	int full = c->prefix / 8, bits = c->prefix % 8;

	if (c->family != family)
		return false;
	if (memcmp(c->addr, ip, (size_t)full) != 0)
		return false;
	return !bits || ((c->addr[full] ^ ip[full]) >> (8 - bits)) == 0;
}

static bool valid_port(const char *s)
{
	char *end;
	long port;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	port = strtol(s, &end, 10);
	return *end == '\0' && errno == 0 && port >= 1 && port <= 65535;
}

bool cfg_valid_listen(const char *s)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned char buf[16];
	const char *colon, *a = s;
	size_t alen;
	int family = AF_INET;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return false;
		a = s + 1;
		alen = (size_t)(close - a);
		colon = close + 1;
		family = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		alen = (size_t)(colon - s);
	}
	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	return inet_pton(family, addr, buf) == 1 && valid_port(colon + 1);
}

/* "HH:MM" at s (exactly five characters) → minutes, or -1. */
int cfg_parse_clock(const char *s)
{
	int h, m;

	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != ':' || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

const char *cfg_parse_clock_range(const char *s, int *from, int *to)
{
	if (strlen(s) != 11 || s[5] != '-')
		return "must be HH:MM-HH:MM";
	*from = cfg_parse_clock(s);
	*to = cfg_parse_clock(s + 6);
	if (*from < 0 || *to < 0)
		return "must be HH:MM-HH:MM with HH 00..23 and MM 00..59";
	if (*from == *to)
		return "is empty (start equals end)";
	return NULL;
}

int cfg_lookup(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void cfg_join(const char *const *names, int n, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 names[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

char *cfg_strdup(struct cfg_ctx *ctx, const struct cfg_node *n, const char *s)
{
	char *d = strdup(s);

	if (!d)
		cfg_node_error(ctx, n, "out of memory");
	return d;
}

int config_parse_duration(const char *s, int64_t *ms)
{
	return cfg_parse_duration(s, ms);
}
