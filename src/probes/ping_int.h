/*
 * ping_int.h - what the files of the ping engine share, and nothing else
 * uses.
 *
 * ping.c owns the bursts, the request table and the timer; ping_sock.c
 * owns the two sockets: it sends a burst's next request and turns what it
 * reads into ping_got_reply()/ping_got_error() calls; ping_wire.c knows the
 * packet layouts.  One engine is single-threaded, like the loop it runs in.
 */
#ifndef PL_PING_INT_H
#define PL_PING_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "ping.h"
#include "ping_wire.h"

/* A request awaiting its answer, at index seq % PING_MAX_OUTSTANDING. */
struct ping_slot {
	int burst_id;	 /* 0: free; may name a cancelled burst */
	int32_t heap_at; /* its timeout's heap index + 1, 0 if none */
	uint16_t seq;
	int64_t tx_mono_ns; /* CLOCK_MONOTONIC at send */
	int64_t tx_real_ns; /* CLOCK_REALTIME at send, see rtt_ms() */
};

union ping_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct ping_burst {
	int id;		 /* 0: free */
	int next_free;	 /* free list while free */
	int32_t heap_at; /* next request or report: heap index + 1, 0 none */
	int family;
	union ping_addr addr;
	socklen_t addr_len;
	struct ping_params params;
	ping_done_fn done;
	void *arg;
	int sent;
	int outstanding; /* requests in the table */
	bool finished;	 /* waiting in the heap to report */
	struct ping_stats st;
	double rtt_sum_ms, rtt_min, rtt_max, last_rtt, jitter_sum_ms;
};

struct ping_event {
	int64_t due_ns; /* CLOCK_MONOTONIC */
	int32_t ref;	/* >= 0 a slot, < 0 burst number -1 - ref */
};

struct ping_sock {
	int fd; /* -1: family not available */
	int family;
	enum ping_socket_kind kind;
	int ttl; /* set on the socket now, -1 system default */
};

struct ping {
	struct loop *loop;
	struct ping_sock sock[2]; /* AF_INET, AF_INET6 */
	uint16_t ident;		  /* echo id on raw sockets */
	uint16_t next_seq;	  /* its slot is below window */
	int window;		  /* slots in use, see seq_take() */
	uint8_t cookie[PING_COOKIE_LEN];
	int64_t timer_id; /* 0: not armed */
	int64_t timer_due_ns;
	bool dispatching; /* inside on_timer() */
	bool closing;	  /* ping_close() from a callback */
	int generation;
	int free_burst;	 /* freed bursts, linked by next_free; -1: none */
	int bursts_used; /* bursts[bursts_used..] have never been used */
	struct ping_slot *slots;   /* PING_MAX_OUTSTANDING */
	struct ping_burst *bursts; /* PING_MAX_BURSTS */
	struct ping_event *heap;
	int32_t heap_n;
	struct ping_rx *rx; /* receive buffers, ping_sock.c */
	uint8_t txbuf[PING_PACKET_MAX];
};

struct ping_rx;

/* ping_sock.c: open both families' sockets and add them to the loop
 * (0, or -1/errno when neither opens); close them.  Both also own p->rx. */
int ping_sock_open(struct ping *p, bool force_raw);
void ping_sock_close(struct ping *p);
/* Send b's request seq; the send times go to *tx_mono_ns, *tx_real_ns.
 * Returns 0 or -1/errno. */
int ping_sock_send(struct ping *p, const struct ping_burst *b, uint16_t seq,
		   int64_t *tx_mono_ns, int64_t *tx_real_ns);

/* ping.c, for ping_sock.c. */
struct ping_burst *ping_burst_find(struct ping *p, int id);
struct ping_burst *ping_slot_match(struct ping *p, uint16_t seq,
				   struct ping_slot **slp);
void ping_got_reply(struct ping *p, struct ping_burst *b, struct ping_slot *sl,
		    int64_t rx_mono_ns, int64_t rx_real_ns);
void ping_got_error(struct ping *p, struct ping_burst *b, struct ping_slot *sl,
		    const char *error, const char *from);
void ping_ignore(void);

#endif
