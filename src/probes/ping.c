/*
 * ping.c - the ICMP echo engine: bursts, the table of requests awaiting an
 * answer, and the one loop timer that drives them.
 *
 * Every request takes the next value of one 16-bit sequence counter and
 * the table slot seq % PING_MAX_OUTSTANDING.  Replies and ICMP errors find
 * their request through that slot (ping_sock.c reads the sockets).  The
 * counter skips the values whose slot lies beyond a window at the start
 * of the table, which doubles when its next slot is still waiting for an
 * answer, up to the whole table: so a few hosts keep using a few pages of
 * it, not all of them in turn.  All deadlines - a burst's next request, a
 * request's timeout, a finished burst waiting to report - sit in one
 * binary min-heap, and a single loop timer is kept armed for its top.
 * Callbacks run only from that timer, so ping_start() never reports
 * synchronously and reading a socket never re-enters the caller.  Tables
 * are allocated in ping_open(), none later, and left as calloc() gives
 * them: zero means free and out of the heap, so a page of a table is
 * touched only when a request or a burst first uses it (bursts are
 * handed out lowest first).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "ping_int.h"

#define SLOT_MASK (PING_MAX_OUTSTANDING - 1)
#define HEAP_CAP  (PING_MAX_OUTSTANDING + PING_MAX_BURSTS)
/* The first window: 32 KiB of slots; a sequence number comes back after
 * 4 x this many requests (after 65536 once the window is the table). */
#define WINDOW_MIN 1024
/* A realtime RTT more than this above the monotonic one means the wall
 * clock was stepped between send and receive. */
#define CLOCK_SLACK_NS NS_PER_MS

_Static_assert((PING_MAX_OUTSTANDING & SLOT_MASK) == 0 &&
		       65536 % PING_MAX_OUTSTANDING == 0,
	       "the slot index must be the low bits of the sequence");
_Static_assert((WINDOW_MIN & (WINDOW_MIN - 1)) == 0 &&
		       WINDOW_MIN <= PING_MAX_OUTSTANDING,
	       "the window doubles up to the table");

static unsigned long ignored_total;

unsigned long ping_ignored(void)
{
	return ignored_total;
}

void ping_ignore(void)
{
	ignored_total++;
}

/* ---- the deadline heap ---------------------------------------------- */

/* An event's ref: >= 0 a slot (request timeout), < 0 a burst (-1 - index:
 * its next request, or its report once finished).  Its heap_at is the
 * event's heap index + 1, 0 when it has none. */
static int32_t *event_at(struct ping *p, int32_t ref)
{
	return ref >= 0 ? &p->slots[ref].heap_at : &p->bursts[-1 - ref].heap_at;
}

static void heap_set(struct ping *p, int32_t i, struct ping_event ev)
{
	p->heap[i] = ev;
	*event_at(p, ev.ref) = i + 1;
}

static void heap_up(struct ping *p, int32_t i)
{
	struct ping_event ev = p->heap[i];

	while (i > 0 && p->heap[(i - 1) / 2].due_ns > ev.due_ns) {
		heap_set(p, i, p->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(p, i, ev);
}

static void heap_down(struct ping *p, int32_t i)
{
	struct ping_event ev = p->heap[i];

	for (;;) {
		int32_t c = 2 * i + 1;

		if (c >= p->heap_n)
			break;
		if (c + 1 < p->heap_n &&
		    p->heap[c + 1].due_ns < p->heap[c].due_ns)
			c++;
		if (p->heap[c].due_ns >= ev.due_ns)
			break;
		heap_set(p, i, p->heap[c]);
		i = c;
	}
	heap_set(p, i, ev);
}

/* Each slot and each burst has at most one event, so HEAP_CAP holds. */
static void heap_push(struct ping *p, int32_t ref, int64_t due_ns)
{
	p->heap[p->heap_n] = (struct ping_event){ due_ns, ref };
	heap_up(p, p->heap_n++);
}

static void heap_del(struct ping *p, int32_t i)
{
	*event_at(p, p->heap[i].ref) = 0;
	if (i == --p->heap_n)
		return;
	heap_set(p, i, p->heap[p->heap_n]);
	heap_down(p, i);
	heap_up(p, i);
}

static int64_t on_timer(struct loop *l, void *arg);

/* Keep the loop timer armed no later than the heap's top.  The timer is
 * one-shot: it re-arms itself for the next deadline when it has run. */
static void timer_arm(struct ping *p)
{
	int64_t due, now;

	if (p->heap_n == 0 || p->closing)
		return;
	due = p->heap[0].due_ns;
	if (p->timer_id > 0 && p->timer_due_ns <= due)
		return;
	if (p->timer_id > 0)
		loop_del_timer(p->loop, p->timer_id);
	now = clock_now_ns();
	p->timer_id =
		loop_add_timer(p->loop, due > now ? due - now : 0, on_timer, p);
	p->timer_due_ns = due;
	if (p->timer_id < 0) {
		log_err("ping: cannot arm a timer: %s", strerror(errno));
		p->timer_id = 0;
	}
}

/* ---- bursts ------------------------------------------------------------ */

static int32_t burst_ref(const struct ping *p, const struct ping_burst *b)
{
	return -1 - (int32_t)(b - p->bursts);
}

struct ping_burst *ping_burst_find(struct ping *p, int id)
{
	struct ping_burst *b;

	if (id <= 0)
		return NULL;
	b = &p->bursts[(id - 1) % PING_MAX_BURSTS];
	return b->id == id ? b : NULL;
}

/* A freed burst first, else one never used: the table is touched from
 * its start only as far as the most bursts that ever ran at once. */
static struct ping_burst *burst_alloc(struct ping *p)
{
	struct ping_burst *b;
	int idx = p->free_burst;

	if (idx >= 0)
		p->free_burst = p->bursts[idx].next_free;
	else if (p->bursts_used < PING_MAX_BURSTS)
		idx = p->bursts_used++;
	else
		return NULL;
	b = &p->bursts[idx];
	/* id encodes the index; the generation tells reuses apart. */
	p->generation = (p->generation + 1) % (INT32_MAX / PING_MAX_BURSTS);
	memset(b, 0, sizeof(*b));
	b->id = p->generation * PING_MAX_BURSTS + idx + 1;
	return b;
}

/* Requests still in the table keep the old id and are dropped when they
 * are answered or time out. */
static void burst_free(struct ping *p, struct ping_burst *b)
{
	if (b->heap_at)
		heap_del(p, b->heap_at - 1);
	b->id = 0;
	b->next_free = p->free_burst;
	p->free_burst = (int)(b - p->bursts);
}

static void burst_summarise(struct ping_burst *b)
{
	struct ping_stats *st = &b->st;

	st->rtt_avg_ms = NAN;
	st->rtt_min_ms = NAN;
	st->rtt_max_ms = NAN;
	st->jitter_ms = NAN;
	if (st->received > 0) {
		st->rtt_avg_ms = b->rtt_sum_ms / st->received;
		st->rtt_min_ms = b->rtt_min;
		st->rtt_max_ms = b->rtt_max;
	}
	if (st->received > 1)
		st->jitter_ms = b->jitter_sum_ms / (st->received - 1);
	st->loss_pct =
		st->sent ? 100.0 * (st->sent - st->received) / st->sent : 100.0;
}

/* Every request sent and none waiting: report from the timer. */
static void burst_check_done(struct ping *p, struct ping_burst *b)
{
	if (b->finished || b->sent < b->params.count || b->outstanding > 0)
		return;
	burst_summarise(b);
	b->finished = true;
	heap_push(p, burst_ref(p, b), clock_now_ns());
	timer_arm(p);
}

static void burst_report(struct ping *p, struct ping_burst *b)
{
	struct ping_stats st = b->st;
	ping_done_fn done = b->done;
	void *arg = b->arg;

	burst_free(p, b);
	done(arg, &st);
}

/* ---- requests ---------------------------------------------------------- */

static void slot_release(struct ping *p, struct ping_slot *sl)
{
	if (sl->heap_at)
		heap_del(p, sl->heap_at - 1);
	sl->burst_id = 0;
}

/* A request that will get no answer: timed out, or its slot was taken. */
static void slot_lost(struct ping *p, struct ping_slot *sl)
{
	struct ping_burst *b = ping_burst_find(p, sl->burst_id);

	slot_release(p, sl);
	if (!b)
		return;
	b->outstanding--;
	burst_check_done(p, b);
}

static void request_failed(struct ping *p, struct ping_burst *b,
			   const char *error, const char *from)
{
	b->st.errors++;
	snprintf(b->st.error, sizeof(b->st.error), "%s", error);
	snprintf(b->st.error_from, sizeof(b->st.error_from), "%s", from);
	burst_check_done(p, b);
}

/* The next sequence number whose slot is in the window.  A slot still
 * waiting for an answer widens the window (the slots beyond it were never
 * used, so the new half's first is free); only a full-table window gives
 * a waiting slot away. */
static uint16_t seq_take(struct ping *p)
{
	unsigned seq = p->next_seq;

	while (p->slots[seq & SLOT_MASK].burst_id &&
	       p->window < PING_MAX_OUTSTANDING) {
		seq = (seq & ~(unsigned)SLOT_MASK) | (unsigned)p->window;
		p->window *= 2;
	}
	p->next_seq = (uint16_t)(seq + 1);
	if ((p->next_seq & SLOT_MASK) >= p->window)
		p->next_seq = (uint16_t)((seq | SLOT_MASK) + 1);
	return (uint16_t)seq;
}

static void burst_send(struct ping *p, struct ping_burst *b)
{
	uint16_t seq = seq_take(p);
	struct ping_slot *sl = &p->slots[seq & SLOT_MASK];
	int64_t tx_mono_ns, tx_real_ns;

	if (sl->burst_id)
		slot_lost(p, sl);
	b->sent++;
	b->st.sent++;
	if (ping_sock_send(p, b, seq, &tx_mono_ns, &tx_real_ns) < 0) {
		request_failed(p, b, ping_wire_errno(errno), "");
		return;
	}
	sl->burst_id = b->id;
	sl->seq = seq;
	sl->tx_mono_ns = tx_mono_ns;
	sl->tx_real_ns = tx_real_ns;
	heap_push(p, (int32_t)(sl - p->slots),
		  tx_mono_ns + b->params.timeout_ns);
	b->outstanding++;
	timer_arm(p);
}

/* The slot's burst if this answer belongs to a request waiting in it. */
struct ping_burst *ping_slot_match(struct ping *p, uint16_t seq,
				   struct ping_slot **slp)
{
	struct ping_slot *sl = &p->slots[seq & SLOT_MASK];
	struct ping_burst *b;

	if (!sl->burst_id || sl->seq != seq)
		return NULL;
	b = ping_burst_find(p, sl->burst_id);
	if (!b) {
		/* Its burst was cancelled: ours, but nobody waits. */
		slot_release(p, sl);
		return NULL;
	}
	*slp = sl;
	return b;
}

/* Both ends of the RTT come from CLOCK_REALTIME: the kernel stamps
 * packets (SO_TIMESTAMPNS) with it, so the send time must be taken from
 * the same clock, right before sendto().  A step of the wall clock in
 * between shows as an RTT below zero or above the monotonic one; then the
 * monotonic RTT (which includes our own latency) is used instead. */
static double rtt_ms(const struct ping_slot *sl, int64_t rx_mono_ns,
		     int64_t rx_real_ns)
{
	int64_t mono = rx_mono_ns - sl->tx_mono_ns;
	int64_t rtt = mono;

	if (rx_real_ns) {
		int64_t real = rx_real_ns - sl->tx_real_ns;

		if (real >= 0 && real <= mono + CLOCK_SLACK_NS)
			rtt = real;
	}
	return (double)rtt / NS_PER_MS;
}

void ping_got_reply(struct ping *p, struct ping_burst *b, struct ping_slot *sl,
		    int64_t rx_mono_ns, int64_t rx_real_ns)
{
	double rtt = rtt_ms(sl, rx_mono_ns, rx_real_ns);

	slot_release(p, sl);
	b->outstanding--;
	if (b->st.received == 0) {
		b->rtt_min = rtt;
		b->rtt_max = rtt;
	} else {
		b->rtt_min = fmin(b->rtt_min, rtt);
		b->rtt_max = fmax(b->rtt_max, rtt);
		b->jitter_sum_ms += fabs(rtt - b->last_rtt);
	}
	b->last_rtt = rtt;
	b->rtt_sum_ms += rtt;
	b->st.received++;
	burst_check_done(p, b);
}

void ping_got_error(struct ping *p, struct ping_burst *b, struct ping_slot *sl,
		    const char *error, const char *from)
{
	slot_release(p, sl);
	b->outstanding--;
	request_failed(p, b, error, from);
}

/* ---- the timer --------------------------------------------------------- */

static void burst_event(struct ping *p, struct ping_burst *b, int64_t due_ns,
			int64_t now_ns)
{
	int64_t next;

	if (b->finished) {
		burst_report(p, b);
		return;
	}
	burst_send(p, b);
	if (b->sent < b->params.count) {
		/* Keep the cadence unless we fell a whole spacing behind. */
		next = due_ns + b->params.spacing_ns;
		heap_push(p, burst_ref(p, b), next < now_ns ? now_ns : next);
	}
	burst_check_done(p, b);
}

static void ping_free(struct ping *p);

static int64_t on_timer(struct loop *l, void *arg)
{
	struct ping *p = arg;
	int64_t now = clock_now_ns();

	(void)l;
	p->timer_id = 0;
	p->dispatching = true;
	while (p->heap_n > 0 && p->heap[0].due_ns <= now && !p->closing) {
		struct ping_event ev = p->heap[0];

		heap_del(p, 0);
		if (ev.ref >= 0)
			slot_lost(p, &p->slots[ev.ref]);
		else
			burst_event(p, &p->bursts[-1 - ev.ref], ev.due_ns, now);
	}
	p->dispatching = false;
	if (p->closing)
		ping_free(p);
	else
		timer_arm(p);
	return LOOP_TIMER_DONE;
}

/* ---- the API ------------------------------------------------------------ */

static void random_bytes(uint8_t *buf, size_t len)
{
	uint64_t x;

	if (getrandom(buf, len, GRND_NONBLOCK) == (ssize_t)len)
		return;
	/* Early boot without entropy: the cookie only has to differ from
	 * other programs', not to be secret. */
	x = (uint64_t)clock_now_ns() ^ ((uint64_t)getpid() << 32);
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
}

static int tables_alloc(struct ping *p)
{
	p->slots = calloc(PING_MAX_OUTSTANDING, sizeof(*p->slots));
	p->bursts = calloc(PING_MAX_BURSTS, sizeof(*p->bursts));
	p->heap = calloc(HEAP_CAP, sizeof(*p->heap));
	if (!p->slots || !p->bursts || !p->heap)
		return -1;
	p->free_burst = -1;
	return 0;
}

struct ping *ping_open(struct loop *l, bool force_raw)
{
	struct ping *p = calloc(1, sizeof(*p));
	uint8_t rnd[4];

	if (!p)
		return NULL;
	p->loop = l;
	if (tables_alloc(p) < 0)
		goto fail;
	random_bytes(p->cookie, sizeof(p->cookie));
	random_bytes(rnd, sizeof(rnd));
	p->ident = (uint16_t)(rnd[0] << 8 | rnd[1]);
	p->window = WINDOW_MIN;
	p->next_seq = (uint16_t)(rnd[2] << 8 | rnd[3]);
	p->next_seq &= (uint16_t)~SLOT_MASK | (WINDOW_MIN - 1);
	ping_wire_fill(p->txbuf);
	if (ping_sock_open(p, force_raw) < 0)
		goto fail;
	return p;
fail:
	ping_free(p);
	return NULL;
}

enum ping_socket_kind ping_socket_kind(const struct ping *p, int family)
{
	if (!p)
		return PING_SOCK_NONE;
	for (int i = 0; i < 2; i++)
		if (p->sock[i].family == family)
			return p->sock[i].kind;
	return PING_SOCK_NONE;
}

static bool params_valid(const struct ping_params *pp, const void *addr,
			 ping_done_fn done)
{
	return pp && addr && done && pp->count >= 1 && pp->count <= 100 &&
	       pp->payload >= 0 && pp->payload <= PING_PAYLOAD_MAX &&
	       pp->spacing_ns >= 0 && pp->timeout_ns > 0 && pp->ttl >= 0 &&
	       pp->ttl <= 255;
}

static int burst_set_addr(struct ping_burst *b, const struct sockaddr *addr,
			  socklen_t len)
{
	socklen_t need = addr->sa_family == AF_INET
				 ? sizeof(struct sockaddr_in)
				 : sizeof(struct sockaddr_in6);

	if ((addr->sa_family != AF_INET && addr->sa_family != AF_INET6) ||
	    len < need) {
		errno = EINVAL;
		return -1;
	}
	memcpy(&b->addr, addr, need);
	/* ICMP has no ports; a resolver's leftover must not matter. */
	if (addr->sa_family == AF_INET)
		b->addr.in.sin_port = 0;
	else
		b->addr.in6.sin6_port = 0;
	b->addr_len = need;
	b->family = addr->sa_family;
	return 0;
}

int ping_start(struct ping *p, const struct sockaddr *addr, socklen_t len,
	       const struct ping_params *params, ping_done_fn done, void *arg)
{
	struct ping_burst *b;

	if (!p || !params_valid(params, addr, done)) {
		errno = EINVAL;
		return -1;
	}
	if (ping_socket_kind(p, addr->sa_family) == PING_SOCK_NONE) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	b = burst_alloc(p);
	if (!b) {
		errno = ENOBUFS;
		return -1;
	}
	if (burst_set_addr(b, addr, len) < 0) {
		burst_free(p, b);
		return -1;
	}
	b->params = *params;
	b->done = done;
	b->arg = arg;
	burst_send(p, b);
	if (b->sent < b->params.count)
		heap_push(p, burst_ref(p, b),
			  clock_now_ns() + b->params.spacing_ns);
	burst_check_done(p, b);
	timer_arm(p);
	return b->id;
}

void ping_cancel(struct ping *p, int id)
{
	struct ping_burst *b = p ? ping_burst_find(p, id) : NULL;

	if (b)
		burst_free(p, b);
}

static void ping_free(struct ping *p)
{
	free(p->slots);
	free(p->bursts);
	free(p->heap);
	free(p);
}

void ping_close(struct ping *p)
{
	if (!p)
		return;
	ping_sock_close(p);
	if (p->timer_id > 0)
		loop_del_timer(p->loop, p->timer_id);
	p->timer_id = 0;
	/* From a done callback: on_timer frees once it unwinds. */
	if (p->dispatching)
		p->closing = true;
	else
		ping_free(p);
}
