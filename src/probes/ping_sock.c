/*
 * ping_sock.c - the ping engine's two sockets, one per address family.
 *
 * Each is an unprivileged ICMP datagram socket where ping_group_range
 * allows one (the kernel then owns the echo identifier, hands us only our
 * own echo replies and queues ICMP errors on the socket's error queue),
 * else a raw socket (CAP_NET_RAW: every ICMP packet of the host, which a
 * socket filter narrows to echo replies and errors).  Both are
 * non-blocking and carry the kernel's receive time (SO_TIMESTAMPNS).  What
 * is read is matched to a request by sequence number and cookie, plus the
 * identifier and the quoted destination on raw sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "ping_int.h"

#define RX_VLEN	     16	       /* datagrams per recvmmsg() */
#define RX_ROUNDS    4	       /* recvmmsg() calls per wakeup at most */
#define RX_BUF	     2048      /* our replies, and errors quoting them */
#define RX_CTL	     256       /* timestamp, or extended error + offender */
#define RCVBUF_BYTES (1 << 20) /* 1000 replies arriving together */
/* linux/icmp.h's ICMP_FILTER (level SOL_RAW); that header's struct
 * icmphdr clashes with netinet/ip_icmp.h's. */
#define RAW_ICMP_FILTER 1

/* One datagram read, with what its control messages said. */
struct rx {
	const uint8_t *buf;
	size_t len;
	union ping_addr from; /* sender; for queued errors our destination */
	int64_t mono_ns;      /* when we read it */
	int64_t real_ns;      /* kernel receive time, 0 if none */
	bool has_ee;	      /* queued errors: the error and its sender */
	struct sock_extended_err ee;
	union ping_addr offender;
};

/* Buffers for one recvmmsg() batch, allocated with the sockets: one
 * system call reads what is queued and tells that the queue is empty. */
struct ping_rx {
	struct mmsghdr mm[RX_VLEN];
	struct iovec iov[RX_VLEN];
	union ping_addr from[RX_VLEN];
	union {
		struct cmsghdr align;
		char buf[RX_CTL];
	} ctl[RX_VLEN];
	uint8_t buf[RX_VLEN][RX_BUF];
};

static struct ping_sock *sock_of(struct ping *p, int family)
{
	return &p->sock[family == AF_INET ? 0 : 1];
}

/* Raw IPv4: pass echo replies and the errors we parse, nothing else. */
static int filter_raw4(int fd)
{
	uint32_t block = ~(
		uint32_t)(1u << ICMP_ECHOREPLY | 1u << ICMP_DEST_UNREACH |
			  1u << ICMP_TIME_EXCEEDED | 1u << ICMP_PARAMETERPROB);

	return setsockopt(fd, SOL_RAW, RAW_ICMP_FILTER, &block, sizeof(block));
}

static int filter_raw6(int fd)
{
	struct icmp6_filter f;

	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
	ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
	ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
	ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
	ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
	return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
}

static int sock_setup(struct ping_sock *s)
{
	int one = 1, rcvbuf = RCVBUF_BYTES;
	bool v4 = s->family == AF_INET;

	/* Without timestamps the RTT falls back to the monotonic clock. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		log_warn("ping: no kernel receive timestamps: %s",
			 strerror(errno));
	/* FORCE passes rmem_max with CAP_NET_ADMIN; else take what we get. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	if (s->kind == PING_SOCK_DGRAM)
		return setsockopt(s->fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
				  v4 ? IP_RECVERR : IPV6_RECVERR, &one,
				  sizeof(one));
	return v4 ? filter_raw4(s->fd) : filter_raw6(s->fd);
}

static int sock_open(struct ping_sock *s, int family, bool force_raw)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
	int err;

	s->family = family;
	s->ttl = -1;
	s->kind = PING_SOCK_DGRAM;
	s->fd = force_raw ? -1 : socket(family, SOCK_DGRAM | flags, proto);
	if (s->fd < 0) {
		s->kind = PING_SOCK_RAW;
		s->fd = socket(family, SOCK_RAW | flags, proto);
	}
	if (s->fd < 0)
		goto fail;
	if (sock_setup(s) < 0)
		goto fail_close;
	return 0;
fail_close:
	err = errno;
	close(s->fd);
	errno = err;
	s->fd = -1;
fail:
	s->kind = PING_SOCK_NONE;
	return -1;
}

static void on_readable(struct loop *l, int fd, uint32_t events, void *arg);

int ping_sock_open(struct ping *p, bool force_raw)
{
	int err = 0, n = 0;

	p->sock[0].fd = p->sock[1].fd = -1;
	p->rx = calloc(1, sizeof(*p->rx));
	if (!p->rx)
		return -1;
	for (int i = 0; i < 2; i++) {
		struct ping_sock *s = &p->sock[i];

		if (sock_open(s, i ? AF_INET6 : AF_INET, force_raw) < 0) {
			/* Remember the IPv4 reason: it is the likelier
			 * one to matter (EPERM without CAP_NET_RAW). */
			if (!err)
				err = errno;
			continue;
		}
		if (loop_add_fd(p->loop, s->fd, EPOLLIN, on_readable, p) < 0) {
			err = errno;
			ping_sock_close(p);
			errno = err;
			return -1;
		}
		n++;
	}
	if (n == 0) {
		ping_sock_close(p);
		errno = err;
		return -1;
	}
	return 0;
}

void ping_sock_close(struct ping *p)
{
	for (int i = 0; i < 2; i++) {
		struct ping_sock *s = &p->sock[i];

		if (s->fd < 0)
			continue;
		loop_del_fd(p->loop, s->fd);
		close(s->fd);
		s->fd = -1;
		s->kind = PING_SOCK_NONE;
	}
	free(p->rx);
	p->rx = NULL;
}

/* The engine is single-threaded, so setting the TTL on the shared socket
 * right before sendto() applies to exactly that request. */
static int sock_set_ttl(struct ping_sock *s, int ttl)
{
	int want = ttl > 0 ? ttl : -1; /* -1: the system's default */

	if (want == s->ttl)
		return 0;
	if (setsockopt(s->fd, s->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
		       s->family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS, &want,
		       sizeof(want)))
		return -1;
	s->ttl = want;
	return 0;
}

static void send_times(int64_t *tx_mono_ns, int64_t *tx_real_ns)
{
	struct timespec ts;

	*tx_mono_ns = clock_now_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	*tx_real_ns = (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int ping_sock_send(struct ping *p, const struct ping_burst *b, uint16_t seq,
		   int64_t *tx_mono_ns, int64_t *tx_real_ns)
{
	struct ping_sock *s = sock_of(p, b->family);
	size_t len;

	if (sock_set_ttl(s, b->params.ttl) < 0)
		return -1;
	len = ping_wire_build(p->txbuf, b->family, p->ident, seq, p->cookie,
			      b->params.payload);
	send_times(tx_mono_ns, tx_real_ns);
	if (sendto(s->fd, p->txbuf, len, 0, &b->addr.sa, b->addr_len) >= 0)
		return 0;
	/* An ICMP error queued on a datagram socket also sets its pending
	 * error, which the next send reports (and clears) instead of
	 * sending; the error itself waits on the error queue.  A real local
	 * failure fails again. */
	if (s->kind != PING_SOCK_DGRAM || errno == EAGAIN || errno == ENOBUFS)
		return -1;
	send_times(tx_mono_ns, tx_real_ns);
	if (sendto(s->fd, p->txbuf, len, 0, &b->addr.sa, b->addr_len) >= 0)
		return 0;
	return -1;
}

/* ---- receiving ---------------------------------------------------------- */

static bool same_host(const union ping_addr *a, const union ping_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	return !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr,
		       sizeof(struct in6_addr));
}

static bool quoted_dst_is(const struct ping_wire_msg *m,
			  const union ping_addr *a)
{
	if (m->dst_family != a->sa.sa_family)
		return false;
	if (m->dst_family == AF_INET)
		return m->dst.v4.s_addr == a->in.sin_addr.s_addr;
	return !memcmp(&m->dst.v6, &a->in6.sin6_addr, sizeof(m->dst.v6));
}

static void addr_text(const union ping_addr *a, char *buf, size_t len)
{
	const void *src = a->sa.sa_family == AF_INET
				  ? (const void *)&a->in.sin_addr
				  : (const void *)&a->in6.sin6_addr;

	if ((a->sa.sa_family != AF_INET && a->sa.sa_family != AF_INET6) ||
	    !inet_ntop(a->sa.sa_family, src, buf, (socklen_t)len))
		buf[0] = '\0';
}

/* Find m's request, or count the packet as not ours. */
static struct ping_burst *match(struct ping *p, const struct ping_sock *s,
				const struct ping_wire_msg *m,
				struct ping_slot **sl)
{
	struct ping_burst *b;

	if (s->kind == PING_SOCK_RAW && m->id != p->ident)
		goto foreign;
	/* An error may quote too little to hold the cookie; a reply may not. */
	if (m->cookie ? memcmp(m->cookie, p->cookie, PING_COOKIE_LEN) != 0
		      : m->what == PING_WIRE_REPLY)
		goto foreign;
	b = ping_slot_match(p, m->seq, sl);
	if (!b || b->family != s->family)
		goto foreign;
	if (m->has_dst && !quoted_dst_is(m, &b->addr))
		goto foreign;
	return b;
foreign:
	ping_ignore();
	return NULL;
}

static void handle(struct ping *p, const struct ping_sock *s,
		   const struct rx *rx)
{
	struct ping_wire_msg m;
	struct ping_slot *sl;
	struct ping_burst *b;
	char from[INET6_ADDRSTRLEN];

	if (ping_wire_parse(rx->buf, rx->len, s->family,
			    s->kind == PING_SOCK_RAW && s->family == AF_INET,
			    &m) < 0) {
		ping_ignore();
		return;
	}
	b = match(p, s, &m, &sl);
	if (!b)
		return;
	if (m.what == PING_WIRE_REPLY) {
		if (!same_host(&rx->from, &b->addr)) {
			ping_ignore();
			return;
		}
		ping_got_reply(p, b, sl, rx->mono_ns, rx->real_ns);
		return;
	}
	addr_text(&rx->from, from, sizeof(from));
	ping_got_error(p, b, sl, m.error, from);
}

static void read_cmsgs(struct msghdr *mh, struct rx *rx)
{
	const size_t ee_len = sizeof(struct sock_extended_err);

	rx->real_ns = 0;
	rx->has_ee = false;
	memset(&rx->offender, 0, sizeof(rx->offender));
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		const uint8_t *data = CMSG_DATA(c);
		struct timespec ts;

		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(ts))) {
			memcpy(&ts, data, sizeof(ts));
			rx->real_ns =
				(int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
		} else if (((c->cmsg_level == IPPROTO_IP &&
			     c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == IPPROTO_IPV6 &&
			     c->cmsg_type == IPV6_RECVERR)) &&
			   c->cmsg_len >= CMSG_LEN(ee_len)) {
			/* The offender (SO_EE_OFFENDER) follows the error,
			 * when the kernel had room for it. */
			size_t room = c->cmsg_len - CMSG_LEN(ee_len);

			memcpy(&rx->ee, data, ee_len);
			memcpy(&rx->offender, data + ee_len,
			       room < sizeof(rx->offender)
				       ? room
				       : sizeof(rx->offender));
			rx->has_ee = true;
		}
	}
}

/* Point message i of the batch at its buffers again (the kernel shrinks
 * the lengths to what it wrote). */
static struct msghdr *rx_msg(struct ping_rx *b, int i)
{
	struct msghdr *mh = &b->mm[i].msg_hdr;

	b->iov[i] = (struct iovec){ b->buf[i], RX_BUF };
	memset(&b->from[i], 0, sizeof(b->from[i]));
	*mh = (struct msghdr){
		.msg_name = &b->from[i],
		.msg_namelen = sizeof(b->from[i]),
		.msg_iov = &b->iov[i],
		.msg_iovlen = 1,
		.msg_control = b->ctl[i].buf,
		.msg_controllen = RX_CTL,
	};
	return mh;
}

static void rx_view(struct ping_rx *b, int i, size_t len, int64_t now,
		    struct rx *rx)
{
	rx->buf = b->buf[i];
	rx->len = len;
	rx->from = b->from[i];
	rx->mono_ns = now;
	read_cmsgs(&b->mm[i].msg_hdr, rx);
}

/* An ICMP error queued on a datagram socket: the data is our request as
 * quoted, the name its destination, the offender who sent the error. */
static void handle_queued(struct ping *p, const struct ping_sock *s,
			  const struct rx *rx)
{
	struct ping_wire_msg m;
	struct ping_slot *sl;
	struct ping_burst *b;
	char from[INET6_ADDRSTRLEN];
	uint8_t origin =
		s->family == AF_INET ? SO_EE_ORIGIN_ICMP : SO_EE_ORIGIN_ICMP6;

	/* Local errors (SO_EE_ORIGIN_LOCAL) were already sendto()'s. */
	if (!rx->has_ee || rx->ee.ee_origin != origin ||
	    ping_wire_parse_quote(rx->buf, rx->len, s->family, &m) < 0) {
		ping_ignore();
		return;
	}
	m.error = ping_wire_error(s->family, rx->ee.ee_type, rx->ee.ee_code);
	if (rx->from.sa.sa_family == s->family) {
		m.has_dst = true;
		m.dst_family = s->family;
		if (s->family == AF_INET)
			m.dst.v4 = rx->from.in.sin_addr;
		else
			m.dst.v6 = rx->from.in6.sin6_addr;
	}
	b = match(p, s, &m, &sl);
	if (!b)
		return;
	addr_text(&rx->offender, from, sizeof(from));
	ping_got_error(p, b, sl, m.error, from);
}

/* The error queue, one message at a time (errors are rare). */
static void read_errqueue(struct ping *p, const struct ping_sock *s)
{
	struct rx rx;

	for (int i = 0; i < RX_VLEN * RX_ROUNDS; i++) {
		struct msghdr *mh = rx_msg(p->rx, 0);
		ssize_t n = recvmsg(s->fd, mh, MSG_ERRQUEUE | MSG_DONTWAIT);

		if (n < 0)
			return;
		/* A quote is truncated by nature: MSG_TRUNC is fine. */
		rx_view(p->rx, 0, (size_t)n, clock_now_ns(), &rx);
		handle_queued(p, s, &rx);
	}
}

/* Returns how many datagrams one recvmmsg() read. */
static int read_batch(struct ping *p, const struct ping_sock *s)
{
	struct ping_rx *b = p->rx;
	struct rx rx;
	int64_t now;
	int n;

	for (int i = 0; i < RX_VLEN; i++)
		rx_msg(b, i);
	n = recvmmsg(s->fd, b->mm, RX_VLEN, MSG_DONTWAIT, NULL);
	if (n <= 0)
		/* EAGAIN: empty.  Else a datagram socket's pending error,
		 * now read and cleared: worth another try. */
		return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK
			       ? RX_VLEN
			       : 0;
	now = clock_now_ns();
	for (int i = 0; i < n; i++) {
		if (b->mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			ping_ignore();
			continue;
		}
		rx_view(b, i, b->mm[i].msg_len, now, &rx);
		handle(p, s, &rx);
	}
	return n;
}

/* Bounded rounds keep one busy socket from starving the loop; epoll is
 * level-triggered, so what is left wakes us again. */
static void on_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ping *p = arg;
	const struct ping_sock *s =
		p->sock[0].fd == fd ? &p->sock[0] : &p->sock[1];

	(void)l;
	if ((events & EPOLLERR) && s->kind == PING_SOCK_DGRAM)
		read_errqueue(p, s);
	for (int i = 0; i < RX_ROUNDS; i++)
		if (read_batch(p, s) < RX_VLEN)
			break;
}
