/*
 * dns_fixture.h - a tiny DNS server on 127.0.0.1 (ephemeral UDP port) that
 * runs in the test's own loop, for the resolver and dns check tests.
 *
 * It answers every question from a small table of records (A, AAAA, MX,
 * TXT) with NOERROR, or - by mode - with NXDOMAIN or SERVFAIL, with a
 * reply cut short inside its answer, with packets c-ares must ignore, with
 * "truncated, ask over TCP" (and answers on TCP), or not at all.  It counts
 * the questions it saw, so a test can tell that a literal address never
 * reached the network.
 */
#ifndef DNS_FIXTURE_H
#define DNS_FIXTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"

#define DF_T_A	   1
#define DF_T_MX	   15
#define DF_T_TXT   16
#define DF_T_AAAA  28
#define DF_MAX_RRS 16

enum df_mode {
	DF_ANSWER, /* NOERROR with the records of the asked type */
	DF_NXDOMAIN,
	DF_SERVFAIL,
	DF_TRUNCATED, /* NOERROR, one A record cut in the middle */
	DF_GARBAGE,   /* junk, wrong ids, a non-response: all ignorable */
	DF_SILENT,
	DF_TC, /* UDP: truncated (TC), so ask again over TCP */
};

struct df_rr {
	int type;
	unsigned char rdata[128];
	int rdlen;
};

struct dns_fixture {
	struct loop *l;
	int fd;	 /* UDP */
	int tfd; /* TCP listener on the same port */
	int cfd; /* the one TCP connection served, -1 */
	int port;
	char addr[32]; /* "127.0.0.1:PORT" for c-ares */
	enum df_mode mode;
	int n_queries; /* UDP and TCP */
	int n_tcp_queries;
	int last_qtype;
	char last_name[256];
	struct df_rr rrs[DF_MAX_RRS];
	int n_rrs;
};

static inline void df_add_rr(struct dns_fixture *d, int type, const void *rdata,
			     int rdlen)
{
	struct df_rr *rr;

	if (d->n_rrs == DF_MAX_RRS || rdlen > (int)sizeof(rr->rdata))
		abort(); /* the test asked for more than the fixture holds */
	rr = &d->rrs[d->n_rrs++];

	rr->type = type;
	memcpy(rr->rdata, rdata, (size_t)rdlen);
	rr->rdlen = rdlen;
}

static inline void df_add_a(struct dns_fixture *d, const char *text)
{
	unsigned char a[4];

	inet_pton(AF_INET, text, a);
	df_add_rr(d, DF_T_A, a, 4);
}

static inline void df_add_aaaa(struct dns_fixture *d, const char *text)
{
	unsigned char a[16];

	inet_pton(AF_INET6, text, a);
	df_add_rr(d, DF_T_AAAA, a, 16);
}

/* "mail.example" as DNS labels; returns the length written. */
static inline int df_encode_name(unsigned char *out, const char *name)
{
	int n = 0;

	while (*name) {
		size_t len = strcspn(name, ".");

		out[n++] = (unsigned char)len;
		memcpy(out + n, name, len);
		n += (int)len;
		name += len;
		if (*name == '.')
			name++;
	}
	out[n++] = 0;
	return n;
}

static inline void df_add_mx(struct dns_fixture *d, int pref, const char *host)
{
	unsigned char r[128] = { (unsigned char)(pref >> 8),
				 (unsigned char)pref };

	df_add_rr(d, DF_T_MX, r, 2 + df_encode_name(r + 2, host));
}

static inline void df_add_txt(struct dns_fixture *d, const char *text)
{
	unsigned char r[128];
	size_t len = strlen(text);

	r[0] = (unsigned char)len;
	memcpy(r + 1, text, len);
	df_add_rr(d, DF_T_TXT, r, (int)len + 1);
}

/* End of the question (name + type + class) at 12, or -1. */
static inline int df_question_end(struct dns_fixture *d, const unsigned char *q,
				  int n)
{
	int o = 12, w = 0;

	while (o < n && q[o] != 0) {
		int len = q[o];

		if (o + 1 + len > n || w + len + 1 >= (int)sizeof(d->last_name))
			return -1;
		memcpy(d->last_name + w, q + o + 1, (size_t)len);
		w += len;
		d->last_name[w++] = '.';
		o += 1 + len;
	}
	d->last_name[w ? w - 1 : 0] = '\0';
	if (o + 5 > n)
		return -1;
	d->last_qtype = q[o + 1] << 8 | q[o + 2];
	return o + 5;
}

static inline void df_send(struct dns_fixture *d, const void *buf, int len,
			   const struct sockaddr_storage *to, socklen_t tolen)
{
	sendto(d->fd, buf, (size_t)len, 0, (const struct sockaddr *)to, tolen);
}

static inline void df_garbage(struct dns_fixture *d, const unsigned char *q,
			      int qend, const struct sockaddr_storage *to,
			      socklen_t tolen)
{
	unsigned char p[512];

	df_send(d, "\x12\x34\x81", 3, to, tolen); /* shorter than a header */
	memcpy(p, q, (size_t)qend);		  /* wrong id */
	p[0] ^= 0x5a;
	p[2] |= 0x80;
	df_send(d, p, qend, to, tolen);
	memcpy(p, q, 12); /* right id, no question */
	p[2] |= 0x80;
	p[4] = p[5] = 0;
	df_send(d, p, 12, to, tolen);
	memset(p + 12, 0xff, 40); /* right id, junk question */
	p[5] = 1;
	df_send(d, p, 52, to, tolen);
}

static inline int df_put16(unsigned char *p, int n, unsigned int v)
{
	p[n] = (unsigned char)(v >> 8);
	p[n + 1] = (unsigned char)v;
	return n + 2;
}

/* One resource record for the question's name (a pointer to offset 12). */
static inline int df_put_rr(unsigned char *p, int n, const struct df_rr *rr)
{
	n = df_put16(p, n, 0xc000 | 12);
	n = df_put16(p, n, (unsigned int)rr->type);
	n = df_put16(p, n, 1); /* IN */
	n = df_put16(p, n, 0); /* TTL 60 */
	n = df_put16(p, n, 60);
	n = df_put16(p, n, (unsigned int)rr->rdlen);
	memcpy(p + n, rr->rdata, (size_t)rr->rdlen);
	return n + rr->rdlen;
}

/* The reply to question q (qend bytes) as the mode says; over TCP the
 * full answer.  Returns its length, or -1 for no reply. */
static inline int df_reply(struct dns_fixture *d, const unsigned char *q,
			   int qend, unsigned char *p, bool tcp)
{
	static const struct df_rr cut = { .type = DF_T_A, .rdlen = 2 };
	int n = qend, an = 0, rcode = 0;

	if (d->mode == DF_NXDOMAIN)
		rcode = 3;
	else if (d->mode == DF_SERVFAIL)
		rcode = 2;
	memcpy(p, q, (size_t)qend);
	p[2] = (unsigned char)(0x84 | (q[2] & 0x01)); /* QR AA, RD as asked */
	p[3] = (unsigned char)(0x80 | rcode);	      /* RA */
	memset(p + 6, 0, 6);
	if (d->mode == DF_TC && !tcp) {
		p[2] |= 0x02; /* TC: use TCP */
		return n;
	}
	if (d->mode == DF_TRUNCATED) { /* claims 4 bytes of data, has 2 */
		n = df_put_rr(p, n, &cut);
		p[n - 3] = 4;
		df_put16(p, 6, 1);
		return n;
	}
	for (int i = 0; i < d->n_rrs && rcode == 0; i++) {
		if (d->rrs[i].type != d->last_qtype)
			continue;
		n = df_put_rr(p, n, &d->rrs[i]);
		an++;
	}
	df_put16(p, 6, (unsigned int)an);
	return n;
}

/* Read a question; returns the end of its question section, or -1. */
static inline int df_question(struct dns_fixture *d, const unsigned char *q,
			      ssize_t n)
{
	if (n < 12)
		return -1;
	d->n_queries++;
	return df_question_end(d, q, (int)n);
}

static inline void df_on_query(struct loop *l, int fd, uint32_t events,
			       void *arg)
{
	struct dns_fixture *d = arg;
	unsigned char q[512], p[2048];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	int qend, len;

	(void)l;
	(void)events;
	qend = df_question(d, q,
			   recvfrom(fd, q, sizeof(q), MSG_DONTWAIT,
				    (struct sockaddr *)&from, &flen));
	if (qend < 0 || d->mode == DF_SILENT)
		return;
	if (d->mode == DF_GARBAGE) {
		df_garbage(d, q, qend, &from, flen);
		return;
	}
	len = df_reply(d, q, qend, p, false);
	df_send(d, p, len, &from, flen);
}

/* TCP: two length bytes, then the message; one question per connection
 * is all c-ares sends here. */
static inline void df_on_tcp_data(struct loop *l, int fd, uint32_t events,
				  void *arg)
{
	struct dns_fixture *d = arg;
	unsigned char q[514], p[2050];
	ssize_t n = recv(fd, q, sizeof(q), MSG_DONTWAIT);
	int qend, len;

	(void)events;
	if (n < 2 || n < 2 + (q[0] << 8 | q[1])) {
		loop_del_fd(l, fd); /* closed, or split: not served */
		close(fd);
		d->cfd = -1;
		return;
	}
	d->n_tcp_queries++;
	qend = df_question(d, q + 2, n - 2);
	if (qend < 0)
		return;
	len = df_reply(d, q + 2, qend, p + 2, true);
	df_put16(p, 0, (unsigned int)len);
	send(fd, p, (size_t)len + 2, MSG_NOSIGNAL);
}

static inline void df_on_accept(struct loop *l, int lfd, uint32_t events,
				void *arg)
{
	struct dns_fixture *d = arg;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)events;
	if (fd < 0)
		return;
	if (d->cfd >= 0 || loop_add_fd(l, fd, EPOLLIN, df_on_tcp_data, d) < 0) {
		close(fd);
		return;
	}
	d->cfd = fd;
}

static inline int df_socket(int type, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int one = 1,
	    fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* UDP and TCP on one ephemeral port of 127.0.0.1, served from l. */
static inline int df_open(struct dns_fixture *d, struct loop *l)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	memset(d, 0, sizeof(*d));
	d->l = l;
	d->tfd = d->cfd = -1;
	for (int tries = 0; tries < 20 && d->tfd < 0; tries++) {
		sin.sin_port = 0;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		d->fd = df_socket(SOCK_DGRAM, &sin);
		if (d->fd < 0)
			return -1;
		d->tfd = df_socket(SOCK_STREAM, &sin); /* the same port */
		if (d->tfd < 0)
			close(d->fd);
	}
	if (d->tfd < 0)
		return -1;
	d->port = ntohs(sin.sin_port);
	snprintf(d->addr, sizeof(d->addr), "127.0.0.1:%d", d->port);
	if (loop_add_fd(l, d->fd, EPOLLIN, df_on_query, d) < 0 ||
	    loop_add_fd(l, d->tfd, EPOLLIN, df_on_accept, d) < 0)
		return -1;
	return 0;
}

static inline void df_close_fd(struct dns_fixture *d, int *fd)
{
	if (*fd < 0)
		return;
	loop_del_fd(d->l, *fd);
	close(*fd);
	*fd = -1;
}

static inline void df_close(struct dns_fixture *d)
{
	df_close_fd(d, &d->cfd);
	df_close_fd(d, &d->tfd);
	df_close_fd(d, &d->fd);
}

/* A UDP port on 127.0.0.1 with nobody listening (bound, then closed). */
static inline int df_closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port = -1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

#endif
