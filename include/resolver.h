/*
 * resolver.h - asynchronous host-name lookups for the probes.
 *
 * Lifecycle: resolver_open() once → resolver_lookup() per name → done runs
 * exactly once, from the loop and never from inside resolver_lookup() →
 * resolver_close().  resolver_cancel() withdraws one lookup.
 *
 * One c-ares channel with the system's configuration (/etc/resolv.conf,
 * /etc/hosts as c-ares reads them at open) is driven from the loop, so a
 * slow DNS server never blocks it.  Literal addresses ("10.0.0.5",
 * "fe80::1%eth0") are answered without touching the network.  At most
 * RESOLVER_MAX_PENDING lookups are in flight; a lookup beyond that fails.
 */
#ifndef PL_RESOLVER_H
#define PL_RESOLVER_H

#include <sys/socket.h>

#define RESOLVER_MAX_ADDRS   8
#define RESOLVER_MAX_PENDING 1024
#define RESOLVER_ERROR_MAX   128
/* c-ares waits this long for the first try of each server and doubles it
 * for the second: a dead server costs 3 s per configured server. */
#define RESOLVER_TIMEOUT_MS 1000
#define RESOLVER_TRIES	    2

struct loop;
struct resolver;

enum resolver_status {
	RESOLVER_OK = 0,
	RESOLVER_NOT_FOUND, /* no such name, or no address of the family */
	RESOLVER_TIMEOUT,   /* no server answered */
	RESOLVER_ERROR,	    /* refused, server failure, bad name, ... */
};

struct resolver_answer {
	enum resolver_status status;
	/* "" when ok, else "NAME: what went wrong": "nas.lan: Domain name
	 * not found", "nas.lan: timeout". */
	char error[RESOLVER_ERROR_MAX];
	int n_addrs;
	/* IPv4 addresses first, then IPv6, without duplicates; port 0. */
	struct sockaddr_storage addrs[RESOLVER_MAX_ADDRS];
	socklen_t lens[RESOLVER_MAX_ADDRS];
};

/* a is only valid during the call.  done may call any resolver function,
 * resolver_close() included. */
typedef void (*resolver_done_fn)(void *arg, const struct resolver_answer *a);

/* Returns NULL with errno if the channel cannot be set up.  Free with
 * resolver_close(). */
struct resolver *resolver_open(struct loop *l);

/* Like resolver_open(), but ask only servers ("127.0.0.1:5353", comma
 * separated, as ares_set_servers_ports_csv() takes them) and use no search
 * domains: for tests and tools. */
struct resolver *resolver_open_with_servers(struct loop *l,
					    const char *servers);

/* Look name up; family is AF_UNSPEC, AF_INET or AF_INET6.  Returns an id
 * > 0, or -1 with errno: EINVAL (no name, bad family), EAGAIN (already
 * RESOLVER_MAX_PENDING lookups), ENOMEM.  Every DNS outcome goes to done. */
int resolver_lookup(struct resolver *r, const char *name, int family,
		    resolver_done_fn done, void *arg);

/* done will not be called for id.  Unknown or finished ids are ignored. */
void resolver_cancel(struct resolver *r, int id);

/* Cancels every pending lookup silently.  Accepts NULL. */
void resolver_close(struct resolver *r);

#endif
