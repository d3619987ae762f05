/*
 * ping.h - the ICMP echo engine for IPv4 and IPv6.
 *
 * Lifecycle: ping_open() (needs CAP_NET_RAW unless the unprivileged ICMP
 * datagram socket is allowed by net.ipv4.ping_group_range) → ping_start()
 * for each burst → results through the callback → ping_close().
 *
 * One non-blocking socket per address family serves every host; replies
 * are matched by sequence number and a per-engine random cookie in the
 * payload (and the identifier on raw sockets), so replies to other
 * programs' pings are ignored and no burst waits on another.  The engine
 * allocates its tables in ping_open(): at most PING_MAX_BURSTS bursts run
 * at once and PING_MAX_OUTSTANDING requests await an answer; a request
 * still unanswered PING_MAX_OUTSTANDING sequence numbers later gives its
 * place to the new one and counts as lost.
 */
#ifndef PL_PING_H
#define PL_PING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct loop;
struct ping;

#define PING_MAX_BURSTS	     2048
#define PING_MAX_OUTSTANDING 16384 /* 1000 targets x 16 requests */

/* One burst.  The payload opens with the engine's 8-byte cookie, so a
 * payload below 8 bytes is sent as 8. */
/* Between two echo requests of one burst: a ping check's 'spacing'
 * (config.h), its default and its range. */
#define PING_SPACING_MS	    100
#define PING_SPACING_MIN_MS 10
#define PING_SPACING_MAX_MS 1000

struct ping_params {
	int count;	    /* echo requests in the burst (1..100) */
	int payload;	    /* bytes (0..1472); 8 at least are sent */
	int64_t spacing_ns; /* between requests of one burst */
	int64_t timeout_ns; /* per reply, from its request */
	int ttl;	    /* 0: system default; trace sets 1..64 */
};

struct ping_stats {
	int sent;
	int received;
	/* Requests answered by an ICMP error (unreachable, TTL exceeded) or
	 * refused locally (no route): failed at once, not at the timeout. */
	int errors;
	/* RTT from the kernel's receive timestamp; NAN if nothing came back. */
	double rtt_min_ms, rtt_avg_ms, rtt_max_ms;
	/* Mean |rtt[i] - rtt[i-1]| over replies in arrival order (RFC 3550's
	 * |D| without its 1/16 smoothing); NAN with fewer than 2 replies. */
	double jitter_ms;
	double loss_pct; /* 100 * (sent - received) / sent */
	/* Address that sent the last ICMP error (trace: the hop), "" if
	 * none or if the error was local, and the error in words ("host
	 * unreachable"). */
	char error_from[46];
	char error[48];
};

typedef void (*ping_done_fn)(void *arg, const struct ping_stats *st);

/* Socket kinds available, for logs and tests. */
enum ping_socket_kind {
	PING_SOCK_NONE,
	PING_SOCK_DGRAM, /* unprivileged ICMP datagram socket */
	PING_SOCK_RAW,
};

/* Open the sockets (force_raw: skip the datagram attempt).  Returns NULL
 * with errno if neither family could be opened. */
struct ping *ping_open(struct loop *l, bool force_raw);

/* The socket kind in use for a family (AF_INET or AF_INET6). */
enum ping_socket_kind ping_socket_kind(const struct ping *p, int family);

/* Start a burst to addr.  Returns a burst id > 0, or -1/errno (EINVAL:
 * bad params; EAFNOSUPPORT: no socket for that family; ENOBUFS:
 * PING_MAX_BURSTS running).  The first request leaves at once.  done is
 * called exactly once, from the loop, unless the burst is cancelled; st is
 * only valid during the call. */
int ping_start(struct ping *p, const struct sockaddr *addr, socklen_t len,
	       const struct ping_params *params, ping_done_fn done, void *arg);

/* Cancel a burst; done will not be called.  Unknown or finished ids are
 * ignored. */
void ping_cancel(struct ping *p, int id);

/* Accepts NULL.  May be called from a done callback. */
void ping_close(struct ping *p);

/* Packets read and dropped - foreign, truncated, garbage, or answers to a
 * cancelled burst - summed over every engine since start: for tests. */
unsigned long ping_ignored(void);

#endif
