/*
 * cares_loop.c - the glue between a c-ares channel and the event loop.
 *
 * c-ares tells us which sockets it wants watched and for what; we mirror
 * that into the loop and hand readiness back through ares_process_fd().
 * Retransmits and timeouts need no socket event, so one loop timer is kept
 * at the channel's next deadline (ares_timeout()) and re-armed after every
 * round of processing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "cares_loop.h"
#include "clock.h"
#include "log.h"
#include "loop.h"

static void cl_settle(struct cares_loop *cl)
{
	void (*settle)(void *arg) = cl->settle;

	cares_loop_kick(cl);
	/* Last: settle may close the channel and free its owner (and cl). */
	if (settle)
		settle(cl->arg);
}

static void cl_on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct cares_loop *cl = arg;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	(void)l;
	/* An error (ICMP refused) surfaces as a failing read in c-ares. */
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rfd = fd;
	if (events & EPOLLOUT)
		wfd = fd;
	ares_process_fd(cl->ch, rfd, wfd);
	cl_settle(cl);
}

static int64_t cl_on_timer(struct loop *l, void *arg)
{
	struct cares_loop *cl = arg;

	(void)l;
	cl->timer = 0;
	ares_process_fd(cl->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	cl_settle(cl);
	return LOOP_TIMER_DONE;
}

/* c-ares opens, retargets and closes its sockets; (0, 0) means closing. */
static void cl_sock_state(void *data, ares_socket_t fd, int readable,
			  int writable)
{
	struct cares_loop *cl = data;
	uint32_t ev = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);

	if (ev == 0) {
		loop_del_fd(cl->l, fd);
		return;
	}
	if (loop_mod_fd(cl->l, fd, ev) == 0)
		return;
	if (errno == ENOENT && loop_add_fd(cl->l, fd, ev, cl_on_fd, cl) == 0)
		return;
	/* The query then ends by its timeout, which needs no socket. */
	log_warn("dns: cannot watch socket %d: %s", fd, strerror(errno));
}

void cares_loop_kick(struct cares_loop *cl)
{
	struct timeval tv;
	int64_t ns;

	if (cl->timer > 0) {
		loop_del_timer(cl->l, cl->timer);
		cl->timer = 0;
	}
	if (!cl->ch || !ares_timeout(cl->ch, NULL, &tv))
		return; /* nothing pending */
	ns = (int64_t)tv.tv_sec * NS_PER_S + (int64_t)tv.tv_usec * 1000;
	cl->timer = loop_add_timer(cl->l, ns, cl_on_timer, cl);
	if (cl->timer < 0) {
		cl->timer = 0;
		log_warn("dns: cannot arm retransmit timer: %s",
			 strerror(errno));
	}
}

/* One bare address: the csv parser would read "fe80::1" as ADDR:PORT. */
static int cl_set_one_server(ares_channel ch, const char *s)
{
	struct ares_addr_port_node n = { .next = NULL };

	if (inet_pton(AF_INET, s, &n.addr.addr4) == 1)
		n.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &n.addr.addr6) == 1)
		n.family = AF_INET6;
	else
		return ares_set_servers_ports_csv(ch, s);
	return ares_set_servers_ports(ch, &n);
}

static int cl_errno(int status)
{
	switch (status) {
	case ARES_ENOMEM:
		return ENOMEM;
	case ARES_EBADSTR:
	case ARES_ENODATA:
	case ARES_EBADFAMILY:
		return EINVAL;
	default:
		return EIO;
	}
}

int cares_loop_open(struct cares_loop *cl, struct loop *l,
		    struct ares_options *o, int optmask, const char *servers,
		    void (*settle)(void *arg), void *arg)
{
	int st;

	*cl = (struct cares_loop){ .l = l, .settle = settle, .arg = arg };
	st = ares_library_init(ARES_LIB_INIT_ALL);
	if (st != ARES_SUCCESS)
		goto err;
	o->sock_state_cb = cl_sock_state;
	o->sock_state_cb_data = cl;
	st = ares_init_options(&cl->ch, o, optmask | ARES_OPT_SOCK_STATE_CB);
	if (st != ARES_SUCCESS)
		goto err_lib;
	if (servers) {
		st = cl_set_one_server(cl->ch, servers);
		if (st != ARES_SUCCESS)
			goto err_channel;
	}
	return 0;

err_channel:
	ares_destroy(cl->ch);
	cl->ch = NULL;
err_lib:
	ares_library_cleanup();
err:
	errno = cl_errno(st);
	return -1;
}

void cares_loop_close(struct cares_loop *cl)
{
	if (!cl->ch)
		return;
	if (cl->timer > 0)
		loop_del_timer(cl->l, cl->timer);
	cl->timer = 0;
	/* Closes the sockets, so cl_sock_state takes them out of the loop. */
	ares_destroy(cl->ch);
	cl->ch = NULL;
	ares_library_cleanup();
}
