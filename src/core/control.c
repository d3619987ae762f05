/*
 * control.c - the control socket: a Unix stream socket in the loop that
 * takes one request line per connection (control_request.c parses it),
 * hands it to the service's handler and writes the reply back.
 *
 * Who asked comes from SO_PEERCRED, never from the request.  Nothing
 * here blocks: the socket and the clients are non-blocking, a request is
 * at most CONTROL_REQUEST_MAX bytes, a client gets
 * CONTROL_CLIENT_TIMEOUT_MS to send it and read the reply, and at most
 * CONTROL_CLIENTS_MAX are served at once (a new one sheds the oldest idle
 * one, as the HTTP server does).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "log.h"

struct client {
	int fd; /* -1: free slot */
	char in[CONTROL_REQUEST_MAX + 1];
	size_t in_len;
	char *out; /* the reply being written, malloc'd */
	size_t out_len, out_off;
	int64_t deadline_ns;
	char who[CONTROL_WHO_MAX];
};

struct control {
	struct loop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client clients[CONTROL_CLIENTS_MAX];
	int64_t timer;
	control_fn fn;
	void *arg;
};

static void client_drop(struct control *c, struct client *cl)
{
	loop_del_fd(c->loop, cl->fd);
	close(cl->fd);
	free(cl->out);
	*cl = (struct client){ .fd = -1 };
}

/* "root (uid 0)", or "uid 1234" for a uid without a name. */
static void peer_name(int fd, char *buf, size_t len)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) {
		snprintf(buf, len, "unknown peer");
		return;
	}
	if (getpwuid_r(cred.uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
		snprintf(buf, len, "%s (uid %u)", res->pw_name,
			 (unsigned)cred.uid);
	else
		snprintf(buf, len, "uid %u", (unsigned)cred.uid);
}

/* Write what is left of the reply; drop the client once it is out. */
static void client_flush(struct control *c, struct client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = write(cl->fd, cl->out + cl->out_off,
				  cl->out_len - cl->out_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			loop_mod_fd(c->loop, cl->fd, EPOLLOUT);
			return;
		}
		if (n <= 0)
			break;
		cl->out_off += (size_t)n;
	}
	client_drop(c, cl);
}

static void client_reply(struct control *c, struct client *cl, char *reply)
{
	if (!reply)
		reply = strdup("error: out of memory\n");
	if (!reply) {
		client_drop(c, cl);
		return;
	}
	cl->out = reply;
	cl->out_len = strlen(reply);
	client_flush(c, cl);
}

static char *reply_error(const char *why)
{
	char *r;

	return asprintf(&r, "error: %s\n", why) < 0 ? NULL : r;
}

/* A whole line is in: parse it, run it, answer. */
static void client_request(struct control *c, struct client *cl,
			   size_t line_len)
{
	struct control_request rq;
	char why[160];

	cl->in[line_len] = '\0';
	if (line_len && cl->in[line_len - 1] == '\r')
		cl->in[line_len - 1] = '\0';
	if (control_parse(cl->in, &rq, why, sizeof(why)) < 0) {
		client_reply(c, cl, reply_error(why));
		return;
	}
	client_reply(c, cl, c->fn(c->arg, &rq, cl->who));
}

static void on_client(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct control *c = arg;
	struct client *cl = NULL;
	char *nl;
	ssize_t n;

	(void)l;
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (c->clients[i].fd == fd)
			cl = &c->clients[i];
	if (!cl)
		return;
	if (cl->out) {
		client_flush(c, cl);
		return;
	}
	n = read(fd, cl->in + cl->in_len, CONTROL_REQUEST_MAX - cl->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (events & EPOLLERR)) {
		client_drop(c, cl);
		return;
	}
	cl->in_len += (size_t)n;
	nl = memchr(cl->in, '\n', cl->in_len);
	if (nl)
		client_request(c, cl, (size_t)(nl - cl->in));
	else if (memchr(cl->in, '\0', cl->in_len))
		client_reply(c, cl, reply_error("NUL in request"));
	else if (cl->in_len == CONTROL_REQUEST_MAX)
		client_reply(c, cl, reply_error("request too long"));
}

/* All slots taken: the client that has waited longest without sending
 * its request makes way, so idle connections cannot lock out a person
 * typing pilotlight ctl.  NULL when every client is being answered. */
static struct client *shed_idle(struct control *c)
{
	struct client *old = NULL;

	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		struct client *cl = &c->clients[i];

		if (!cl->out && (!old || cl->deadline_ns < old->deadline_ns))
			old = cl;
	}
	if (old)
		client_drop(c, old);
	return old;
}

/* Told "busy" in one non-blocking write, then closed. */
static void refuse_busy(int fd)
{
	static const char msg[] = "error: busy, try again\n";

	if (write(fd, msg, sizeof(msg) - 1) < 0) {
		/* the client will see the close */
	}
	close(fd);
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct control *c = arg;
	struct client *cl = NULL;
	int cfd;

	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return;
	for (int i = 0; i < CONTROL_CLIENTS_MAX && !cl; i++)
		if (c->clients[i].fd < 0)
			cl = &c->clients[i];
	if (!cl)
		cl = shed_idle(c);
	if (!cl || loop_add_fd(l, cfd, EPOLLIN, on_client, c) < 0) {
		refuse_busy(cfd);
		return;
	}
	*cl = (struct client){
		.fd = cfd,
		.deadline_ns =
			clock_now_ns() + CONTROL_CLIENT_TIMEOUT_MS * NS_PER_MS,
	};
	peer_name(cfd, cl->who, sizeof(cl->who));
}

/* Drop the clients past their deadline; run again at the next one. */
static int64_t on_timer(struct loop *l, void *arg)
{
	struct control *c = arg;
	int64_t now = loop_now_ns(l);
	int64_t next = CONTROL_CLIENT_TIMEOUT_MS * NS_PER_MS;

	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		struct client *cl = &c->clients[i];

		if (cl->fd < 0)
			continue;
		if (now >= cl->deadline_ns)
			client_drop(c, cl);
		else if (cl->deadline_ns - now < next)
			next = cl->deadline_ns - now;
	}
	return next;
}

/* Is a daemon answering on path?  A stale socket file refuses. */
static bool socket_alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ||
		errno == EAGAIN;
	close(fd);
	return alive;
}

/* Make way for the socket: nothing there, or a stale socket removed. */
static int clear_path(const struct sockaddr_un *sa)
{
	struct stat st;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	if (socket_alive(sa)) {
		errno = EADDRINUSE;
		return -1;
	}
	return unlink(sa->sun_path);
}

/* The service user and the admin group own it, mode 0660. */
static int set_owner(const char *path, const char *group, int uid)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(group, &gr, buf, sizeof(buf), &res) != 0 || !res) {
		errno = ENOENT;
		log_always(LOG_ERR, "control: group '%s' does not exist",
			   group);
		return -1;
	}
	if (chmod(path, 0660) < 0 || chown(path, (uid_t)uid, res->gr_gid) < 0) {
		log_always(LOG_ERR,
			   "control: %s: owner %d, group %s: %s (is the "
			   "service user in group %s?)",
			   path, uid, group, strerror(errno), group);
		return -1;
	}
	return 0;
}

static int socket_bind(struct control *c, const struct control_cfg *cfg,
		       int uid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", cfg->socket);
	snprintf(c->path, sizeof(c->path), "%s", cfg->socket);
	if (clear_path(&sa) < 0) {
		log_always(LOG_ERR, "control: %s: %s", cfg->socket,
			   errno == EADDRINUSE ? "another daemon answers there"
			   : errno == EEXIST   ? "exists and is not a socket"
					       : strerror(errno));
		return -1;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_always(LOG_ERR, "control: %s: %s", cfg->socket,
			   strerror(errno));
		return -1;
	}
	if (set_owner(cfg->socket, cfg->group, uid) < 0 ||
	    listen(c->fd, CONTROL_CLIENTS_MAX) < 0) {
		unlink(cfg->socket);
		return -1;
	}
	return 0;
}

struct control *control_open(struct loop *l, const struct control_cfg *cfg,
			     int uid, control_fn fn, void *arg)
{
	struct control *c;

	if (!cfg->socket[0]) {
		errno = 0;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_always(LOG_ERR, "control: %s", strerror(errno));
		return NULL;
	}
	*c = (struct control){ .loop = l, .fd = -1, .fn = fn, .arg = arg };
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		c->clients[i].fd = -1;
	if (socket_bind(c, cfg, uid) < 0)
		goto fail;
	if (loop_add_fd(l, c->fd, EPOLLIN, on_accept, c) < 0)
		goto fail_unlink;
	c->timer = loop_add_timer(l, CONTROL_CLIENT_TIMEOUT_MS * NS_PER_MS,
				  on_timer, c);
	if (c->timer < 0)
		goto fail_fd;
	return c;

fail_fd:
	loop_del_fd(l, c->fd);
fail_unlink:
	log_always(LOG_ERR, "control: %s: %s", cfg->socket, strerror(errno));
	unlink(cfg->socket);
fail:
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return NULL;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (c->clients[i].fd >= 0)
			client_drop(c, &c->clients[i]);
	loop_del_timer(c->loop, c->timer);
	loop_del_fd(c->loop, c->fd);
	close(c->fd);
	unlink(c->path);
	free(c);
}
