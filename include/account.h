/*
 * account.h - traffic accounting: what the decoded frames add up to.
 *
 * Lifecycle: account_new() at start (every table is allocated there) →
 * account_frame() for each decoded frame → account_tick() at least once a
 * second to close the rate period → read with the getters → account_free().
 * On reload account_set_local_networks() changes what counts as local.
 *
 * Counted: totals; per interface and direction (inbound, outbound,
 * internal, external) with rates; per protocol with rates; per service
 * ("tcp/443"); per host in a bounded top-talkers table (see account.c for
 * the eviction rule).  Times are the caller's clock in nanoseconds
 * (CLOCK_MONOTONIC live, capture timestamps in replay).  Nothing here
 * allocates, logs or blocks after account_new().
 */
#ifndef PL_ACCOUNT_H
#define PL_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode.h"

#define ACCOUNT_MAX_IFACES	 CFG_MAX_IFACES
#define ACCOUNT_HOSTS_LIVE	 4096 /* default top-talkers bound */
#define ACCOUNT_SERVICES_LIVE	 1024 /* default service-table bound */
#define ACCOUNT_SMOOTH_S_DEFAULT 10   /* EWMA time constant */

/* Direction relative to the local networks.  Addresses that never leave
 * the link (link-local, multicast, broadcast, unspecified) count as local.
 * Non-IP frames (ARP, other EtherTypes) count as internal. */
enum account_dir {
	ACCOUNT_DIR_IN,	      /* remote → local */
	ACCOUNT_DIR_OUT,      /* local → remote */
	ACCOUNT_DIR_INTERNAL, /* local → local */
	ACCOUNT_DIR_EXTERNAL, /* remote → remote (transit) */
	ACCOUNT_DIR_COUNT,
	ACCOUNT_DIR_ALL = ACCOUNT_DIR_COUNT, /* getter: every frame */
};

enum account_proto {
	ACCOUNT_PROTO_TCP,
	ACCOUNT_PROTO_UDP,
	ACCOUNT_PROTO_ICMP,  /* ICMP and ICMPv6 */
	ACCOUNT_PROTO_OTHER, /* any other IP protocol */
	ACCOUNT_PROTO_COUNT,
};

struct account_params {
	int n_ifaces;		       /* 1..ACCOUNT_MAX_IFACES */
	const struct cidr *local_nets; /* copied; NULL with n == 0 */
	int n_local_nets;
	size_t max_hosts;	   /* 0: ACCOUNT_HOSTS_LIVE */
	size_t max_services;	   /* 0: ACCOUNT_SERVICES_LIVE */
	bool grow;		   /* replay: tables start small and
					 * double as they fill, up to the
					 * bounds (the daemon allocates
					 * them whole at start) */
	uint64_t seed;		   /* hash seed; 0: random (live, so
					 * senders cannot aim at a bucket);
					 * replay fixes one: the same file
					 * evicts the same hosts */
	int smooth_s;		   /* 0: ACCOUNT_SMOOTH_S_DEFAULT */
	const char *services_path; /* NULL: "/etc/services" */
};

/* A counter with its rates.  bps/pps cover the last closed period (about
 * one second); the _smooth values are an exponentially weighted moving
 * average with time constant smooth_s. */
struct account_stats {
	uint64_t packets, bytes; /* wire bytes */
	double bps, pps;
	double bps_smooth, pps_smooth;
};

/* Whole-run totals.  A malformed frame counts in frames, bytes, vlan and
 * malformed only. */
struct account_totals {
	uint64_t frames, bytes, malformed;
	uint64_t vlan; /* frames with at least one tag */
	uint64_t arp, ipv4, ipv6;
	uint64_t hosts_evicted; /* top-talkers replacements */
	uint64_t services_evicted;
};

struct account_host {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint64_t packets, bytes;
	int64_t last_seen_ns; /* last frame it sent; -1: none */
};

struct account_service {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
	const char *name; /* /etc/services name or NULL; owned
					 * by the account */
	uint64_t packets, bytes;
};

struct account;

/* Allocate every table.  Returns NULL and sets errno on failure (bad
 * parameters: EINVAL).  A missing services file is not an error: services
 * are then unnamed and keyed by the lower port. */
struct account *account_new(const struct account_params *p);
void account_free(struct account *a);

/* Replace the local networks (config reload); counters are kept. */
int account_set_local_networks(struct account *a, const struct cidr *nets,
			       int n);

/* Keep a host in the table whatever the traffic (the hosts the policy
 * watches): its entry is never evicted, so account_last_seen() keeps
 * answering under a flood of new hosts.  Returns 0, or -1 with errno
 * EINVAL (bad address) or ENOSPC (the table is full and every host
 * it may evict for this one is watched). */
int account_watch_host(struct account *a, int family, const uint8_t *addr);

/* Forget every watch (before re-watching on reload); counts are kept. */
void account_unwatch_all(struct account *a);

/* Count one decoded frame seen on interface iface at now_ns. */
void account_frame(struct account *a, int iface, const struct frame_info *fi,
		   int64_t now_ns);

/* Close the rate period if at least a second has passed since it began.
 * The first call only starts the clock. */
void account_tick(struct account *a, int64_t now_ns);

/* Owned by a, valid until account_free(). */
const struct account_totals *account_totals(const struct account *a);

/* Interface iface in direction dir (ACCOUNT_DIR_ALL for every frame).
 * Returns 0, or -1 with errno EINVAL for an index out of range. */
int account_iface_stats(const struct account *a, int iface,
			enum account_dir dir, struct account_stats *out);

/* One protocol over every interface. */
int account_proto_stats(const struct account *a, enum account_proto proto,
			struct account_stats *out);

/* When a host last sent a frame (the caller's clock), or -1 if it is not
 * in the table or has only been a destination. */
int64_t account_last_seen(const struct account *a, int family,
			  const uint8_t *addr);

/* Call fn for every host / service in the table, in no particular order.
 * The pointer is valid only during the call. */
void account_foreach_host(const struct account *a,
			  void (*fn)(const struct account_host *h, void *ctx),
			  void *ctx);
void account_foreach_service(const struct account *a,
			     void (*fn)(const struct account_service *s,
					void *ctx),
			     void *ctx);

/* The n hosts with the most bytes, most first, into out[0..n).  Returns
 * how many were written (fewer when the table holds fewer). */
size_t account_top_hosts(const struct account *a, struct account_host *out,
			 size_t n);

const char *account_dir_name(enum account_dir dir);
const char *account_proto_name(enum account_proto proto);

#endif
