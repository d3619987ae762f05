/*
 * names_rdns.c - reverse DNS (rdns.h) as a source of the names table: the
 * channel capture.reverse_dns asks for, and its answers, sanitized, into
 * the table with the weakest precedence.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "log.h"
#include "names.h"
#include "rdns.h"

static void on_answer(void *arg, int family, const uint8_t *ip,
		      const char *name)
{
	struct names_fact f = { .source = NAMES_RDNS, .family = family };

	memcpy(f.ip, ip, family == AF_INET ? 4 : 16);
	if (names_sanitize((const uint8_t *)name, strlen(name), f.name))
		names_learn(arg, &f, clock_now_ns());
}

int names_rdns_open(struct names *n, struct loop *l,
		    const struct capture_cfg *cap, struct rdns **out)
{
	const char *server = cap->reverse_dns_server;

	*out = NULL;
	if (!cap->reverse_dns || cap->n_interfaces == 0)
		return 0;
	*out = rdns_open(l, server[0] ? server : NULL, cap->reverse_dns_rate,
			 on_answer, n);
	if (*out)
		return 0;
	log_err("capture: reverse DNS: %s", strerror(errno));
	return -1;
}

bool names_rdns_same(const struct capture_cfg *a, const struct capture_cfg *b)
{
	return a->reverse_dns == b->reverse_dns &&
	       a->reverse_dns_rate == b->reverse_dns_rate &&
	       strcmp(a->reverse_dns_server, b->reverse_dns_server) == 0 &&
	       (a->n_interfaces > 0) == (b->n_interfaces > 0);
}
