/*
 * ports.c - the ports check: one non-blocking connect per listed port,
 * all in flight together under one deadline, then a verdict against the
 * expected open and closed lists.
 *
 * Only the handshake is used: a socket is closed as soon as its connect
 * resolves, nothing is sent.  Results known before the loop runs (an
 * immediate refusal) wait for a 0 ns timer, so done is never synchronous.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "probe_util.h"
#include "loop.h"
#include "ports_probe.h"

#define PORTS_MAX (2 * CFG_MAX_PORTS)

enum port_state {
	PORT_PENDING,
	PORT_OPEN,
	PORT_CLOSED,   /* refused */
	PORT_FILTERED, /* no answer by the deadline */
	PORT_ERROR,    /* unreachable and the like: err says which */
};

struct ports_probe;

struct ports_conn {
	struct ports_probe *p;
	int port;
	bool want_open;
	int fd; /* -1 once resolved */
	enum port_state st;
	int err;
	double connect_ms; /* open: time to connect */
};

struct ports_probe {
	struct loop *l;
	const struct check_cfg *c;
	probe_done_fn done;
	void *arg;
	int64_t timer; /* 0 when none */
	int64_t start_ns;
	int n, n_pending;
	struct ports_conn conn[PORTS_MAX];
	struct probe_result r;
};

static void ports_release(struct ports_probe *p)
{
	for (int i = 0; i < p->n; i++) {
		struct ports_conn *pc = &p->conn[i];

		if (pc->fd < 0)
			continue;
		loop_del_fd(p->l, pc->fd);
		close(pc->fd);
		pc->fd = -1;
	}
	if (p->timer > 0) {
		loop_del_timer(p->l, p->timer);
		p->timer = 0;
	}
}

static int ports_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* "open: 22 80" (sorted), "open: none"; also the slowest open connect. */
static void ports_list_open(struct ports_probe *p)
{
	int open[PORTS_MAX], n = 0;
	size_t used;
	double slowest = -1.0;

	for (int i = 0; i < p->n; i++) {
		if (p->conn[i].st != PORT_OPEN)
			continue;
		open[n++] = p->conn[i].port;
		if (p->conn[i].connect_ms > slowest)
			slowest = p->conn[i].connect_ms;
	}
	qsort(open, (size_t)n, sizeof(open[0]), ports_cmp);
	used = (size_t)snprintf(p->r.output, sizeof(p->r.output), "open:%s",
				n ? "" : " none");
	for (int i = 0; i < n && used < sizeof(p->r.output); i++)
		used += (size_t)snprintf(p->r.output + used,
					 sizeof(p->r.output) - used, " %d",
					 open[i]);
	if (slowest >= 0.0)
		p->r.value[METRIC_RESPONSE_TIME] = slowest;
}

static const char *ports_state_name(enum port_state st)
{
	switch (st) {
	case PORT_OPEN:
		return "open";
	case PORT_CLOSED:
		return "closed";
	case PORT_FILTERED:
		return "filtered";
	default:
		return "unreachable";
	}
}

/* Fill in the verdict: the first port (open list first, then closed, in
 * config order) that is not as expected, or all well. */
static void ports_judge(struct ports_probe *p)
{
	int answered = 0, hard_err = 0;

	ports_list_open(p);
	for (int i = 0; i < p->n; i++) {
		if (p->conn[i].st == PORT_OPEN || p->conn[i].st == PORT_CLOSED)
			answered++;
		else if (p->conn[i].st == PORT_ERROR && !hard_err)
			hard_err = p->conn[i].err;
	}
	/* Nothing answered and the network said why: the host, not its
	 * ports, is the problem, and nothing was learnt about them. */
	if (!answered && hard_err) {
		snprintf(p->r.reason, sizeof(p->r.reason), "%s",
			 probe_errno_reason(hard_err));
		return;
	}
	for (int i = 0; i < p->n; i++) {
		const struct ports_conn *pc = &p->conn[i];
		bool is_open = pc->st == PORT_OPEN;

		if (is_open == pc->want_open)
			continue;
		snprintf(p->r.reason, sizeof(p->r.reason),
			 "port %d %s, expected %s", pc->port,
			 ports_state_name(pc->st),
			 pc->want_open ? "open" : "closed");
		return;
	}
	p->r.ok = true;
	snprintf(p->r.reason, sizeof(p->r.reason), "%d port%s as expected",
		 p->n, p->n == 1 ? "" : "s");
}

static void ports_deliver(struct ports_probe *p)
{
	ports_release(p);
	ports_judge(p);
	p->done(p->arg, &p->r);
	free(p);
}

static void ports_resolve(struct ports_conn *pc, int err)
{
	pc->err = err;
	if (err == 0) {
		pc->st = PORT_OPEN;
		pc->connect_ms =
			probe_elapsed_ms(pc->p->start_ns, clock_now_ns());
	} else if (err == ECONNREFUSED) {
		pc->st = PORT_CLOSED;
	} else if (err == ETIMEDOUT) {
		pc->st = PORT_FILTERED;
	} else {
		pc->st = PORT_ERROR;
	}
	if (pc->fd >= 0) {
		loop_del_fd(pc->p->l, pc->fd);
		close(pc->fd);
		pc->fd = -1;
	}
	pc->p->n_pending--;
}

static int64_t ports_on_timer(struct loop *l, void *arg)
{
	struct ports_probe *p = arg;

	(void)l;
	p->timer = 0;
	for (int i = 0; i < p->n; i++)
		if (p->conn[i].st == PORT_PENDING)
			ports_resolve(&p->conn[i], ETIMEDOUT);
	ports_deliver(p);
	return LOOP_TIMER_DONE;
}

static void ports_on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ports_conn *pc = arg;
	struct ports_probe *p = pc->p;
	int err = 0;
	socklen_t elen = sizeof(err);

	(void)l;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		err = errno;
	if (err == 0 && !(events & EPOLLOUT))
		return;
	ports_resolve(pc, err);
	if (p->n_pending == 0)
		ports_deliver(p);
}

/* Connect pc to addr with its port.  Returns 0 (in flight or already
 * resolved), or -1/errno if no socket could be had. */
static int ports_connect(struct ports_conn *pc,
			 const struct sockaddr_storage *addr, socklen_t len)
{
	struct sockaddr_storage sa = *addr;

	if (sa.ss_family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port =
			htons((uint16_t)pc->port);
	else
		((struct sockaddr_in6 *)&sa)->sin6_port =
			htons((uint16_t)pc->port);
	pc->fd = socket(sa.ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pc->fd < 0)
		return -1;
	pc->p->n_pending++;
	if (connect(pc->fd, (struct sockaddr *)&sa, len) < 0 &&
	    errno != EINPROGRESS) {
		ports_resolve(pc, errno);
		return 0;
	}
	return loop_add_fd(pc->p->l, pc->fd, EPOLLOUT, ports_on_fd, pc);
}

static void ports_add(struct ports_probe *p, const int *ports, int n,
		      bool want_open)
{
	for (int i = 0; i < n && p->n < PORTS_MAX; i++)
		p->conn[p->n++] = (struct ports_conn){
			.p = p,
			.port = ports[i],
			.want_open = want_open,
			.fd = -1,
		};
}

static int ports_launch(struct ports_probe *p, const struct sockaddr *addr,
			socklen_t len)
{
	struct sockaddr_storage sa;
	int64_t delay_ns = 0;

	memset(&sa, 0, sizeof(sa));
	memcpy(&sa, addr, len);
	p->start_ns = clock_now_ns();
	for (int i = 0; i < p->n; i++)
		if (ports_connect(&p->conn[i], &sa, len) < 0)
			return -1;
	/* All known already (refused at once): deliver on the next round. */
	if (p->n_pending)
		delay_ns = p->c->timeout_ms * NS_PER_MS;
	p->timer = loop_add_timer(p->l, delay_ns, ports_on_timer, p);
	return p->timer > 0 ? 0 : -1;
}

struct ports_probe *ports_probe_start(struct loop *l,
				      const struct sockaddr *addr,
				      socklen_t len, const struct check_cfg *c,
				      probe_done_fn done, void *arg)
{
	struct ports_probe *p;
	int err;

	if (!l || !addr || !c || !done || c->timeout_ms <= 0 ||
	    len > sizeof(struct sockaddr_storage) ||
	    (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->l = l;
	p->c = c;
	p->done = done;
	p->arg = arg;
	probe_result_init(&p->r);
	ports_add(p, c->u.ports.open, c->u.ports.n_open, true);
	ports_add(p, c->u.ports.closed, c->u.ports.n_closed, false);
	if (ports_launch(p, addr, len) < 0)
		goto err_release;
	return p;

err_release:
	err = errno;
	ports_release(p);
	free(p);
	errno = err;
	return NULL;
}

void ports_probe_cancel(struct ports_probe *p)
{
	if (!p)
		return;
	ports_release(p);
	free(p);
}
