/*
 * httpd.c - libmicrohttpd driven from our loop: MHD_USE_EPOLL without an
 * internal thread, MHD's epoll fd watched by the loop, MHD_run() when it
 * is readable and when MHD_get_timeout() says so.
 *
 * The socket is bound here rather than by MHD, so a bind failure names
 * the address and errno exactly.  Hostile clients must not starve a
 * scrape, so a connection is checked at accept against metrics.allow and
 * then bounded: per_address_limit connections from one address (MHD
 * refuses more), 16 KiB of request headers (MHD answers 431 past that),
 * and request_timeout to send each request, counted from the connect or
 * from the previous answer (MHD's own idle timeout alone would let a
 * client that sends one byte a second hold a slot forever).  At
 * max_connections a new connection sheds an old one instead of being
 * refused: the one that has waited longest without a complete request
 * (the oldest of all when every one has one).  A scraper's request is
 * complete a round trip after its connect, so however many slow or idle
 * connections from however many addresses are open, it is served.  MHD's
 * own limit sits HTTPD_SHED_MARGIN above, for the shed connections MHD
 * has not closed yet.
 *
 * libmicrohttpd is called through mhd_dl.h's pointers: config_load()
 * loaded it for the config that enabled the endpoint, and httpd_open()
 * refuses (ELIBACC) while it is not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "exports_int.h"
#include "log.h"
#include "loop.h"
#include "mhd_dl.h"

/* A shed connection is closed on MHD's next run, and a flood may bring
 * more in before that: MHD's own limit is this far above ours. */
#define HTTPD_SHED_MARGIN 32
#define HTTPD_MEMORY	  (16 * 1024)
#define HTTPD_SWEEP_NS	  NS_PER_S
/* Room for a flood of connects while the loop is busy: past it Linux
 * drops handshakes, and a scraper's waits a second or more to retry. */
#define HTTPD_BACKLOG 128

struct httpd_conn {
	bool used, cut;
	bool busy; /* a complete request is being answered */
	int fd;
	int64_t since_ns; /* connected, or last request completed */
};

struct httpd {
	struct loop *l;
	struct MHD_Daemon *d;
	int epfd;
	int64_t timer, timer_due_ns;
	int n_conns, n_cut; /* open, and of those shut down by us */
	int max_conns, n_slots;
	int64_t request_ns;
	struct cidr allow[CFG_MAX_NETS];
	int n_allow;
	uint64_t drops[HTTPD_DROP_COUNT];
	httpd_render_fn render;
	httpd_api_fn api; /* /api/; NULL: not found */
	void *arg;
	struct xbuf out;
	struct httpd_conn *conns; /* n_slots */
};

enum httpd_page httpd_route(const char *method, const char *url)
{
	if (!method || !url)
		return HTTPD_NOT_FOUND;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return HTTPD_BAD_METHOD;
	if (strcmp(url, "/metrics") == 0)
		return HTTPD_METRICS;
	if (strcmp(url, "/healthz") == 0)
		return HTTPD_HEALTHZ;
	if (strcmp(url, "/") == 0)
		return HTTPD_STATUS;
	return HTTPD_NOT_FOUND;
}

/* ---- the listening socket --------------------------------------------- */

static int parse_listen(const char *s, struct sockaddr_storage *ss,
			socklen_t *len)
{
	char host[64];
	const char *colon;
	char *end;
	long port;
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		return -1;
	if (s[0] == '[' && colon > s + 1 && colon[-1] == ']') {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s - 2),
			 s + 1);
		if (inet_pton(AF_INET6, host, &v6->sin6_addr) != 1)
			return -1;
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
		return 0;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	if (inet_pton(AF_INET, host, &v4->sin_addr) != 1)
		return -1;
	v4->sin_family = AF_INET;
	v4->sin_port = htons((uint16_t)port);
	*len = sizeof(*v4);
	return 0;
}

int httpd_listen(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int fd, one = 1, saved;

	if (parse_listen(addr, &ss, &len) < 0) {
		errno = EINVAL;
		snprintf(err, errlen, "cannot listen on %s: bad address", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, HTTPD_BACKLOG) < 0)
		goto fail_fd;
	return fd;

fail_fd:
	saved = errno;
	close(fd);
	errno = saved;
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
	return -1;
}

/* ---- who may connect, and how many --------------------------------------- */

bool httpd_allowed(const struct cidr *allow, int n, const struct sockaddr *sa,
		   socklen_t len)
{
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
	const uint8_t *ip;

	if (n == 0)
		return true;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		ip = (const uint8_t *)&((const struct sockaddr_in *)sa)
			     ->sin_addr;
	else if (sa->sa_family == AF_INET6 && len >= sizeof(*v6))
		ip = v6->sin6_addr.s6_addr;
	else
		return false;
	for (int i = 0; i < n; i++) {
		if (cidr_contains(&allow[i], sa->sa_family, ip))
			return true;
		/* a dual-stack socket's IPv4 peer, ::ffff:a.b.c.d */
		if (sa->sa_family == AF_INET6 &&
		    IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) &&
		    cidr_contains(&allow[i], AF_INET, ip + 12))
			return true;
	}
	return false;
}

static void httpd_cut(struct httpd *h, struct httpd_conn *k,
		      enum httpd_drop why)
{
	shutdown(k->fd, SHUT_RDWR); /* MHD sees EOF and closes */
	k->cut = true;
	h->n_cut++;
	h->drops[why]++;
}

/* Make room: cut the connection that has waited longest without a
 * complete request, or the oldest if every one has one. */
static void httpd_shed(struct httpd *h)
{
	struct httpd_conn *victim = NULL;

	for (int i = 0; i < h->n_slots; i++) {
		struct httpd_conn *k = &h->conns[i];

		if (!k->used || k->cut)
			continue;
		if (!victim || (victim->busy && !k->busy) ||
		    (victim->busy == k->busy && k->since_ns < victim->since_ns))
			victim = k;
	}
	if (!victim)
		return;
	log_debug("metrics: %d connections open, shedding one %s",
		  h->n_conns - h->n_cut,
		  victim->busy ? "being answered" : "without a request");
	httpd_cut(h, victim, HTTPD_DROP_SHED);
}

static enum MHD_Result httpd_on_accept(void *cls, const struct sockaddr *sa,
				       socklen_t len)
{
	struct httpd *h = cls;
	char addr[INET6_ADDRSTRLEN] = "?";

	if (!httpd_allowed(h->allow, h->n_allow, sa, len)) {
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)sa)->sin_addr,
				  addr, sizeof(addr));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)sa)->sin6_addr,
				  addr, sizeof(addr));
		log_debug("metrics: refused %s: not in metrics.allow", addr);
		h->drops[HTTPD_DROP_NOT_ALLOWED]++;
		return MHD_NO;
	}
	if (h->n_conns - h->n_cut >= h->max_conns)
		httpd_shed(h);
	return MHD_YES;
}

/* The slot of c: busy while a complete request is answered. */
static void httpd_mark(struct MHD_Connection *c, bool busy)
{
	const union MHD_ConnectionInfo *ci;
	struct httpd_conn *slot;

	ci = sym_MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	slot = ci ? ci->socket_context : NULL;
	if (!slot)
		return;
	slot->busy = busy;
	if (!busy)
		slot->since_ns = clock_now_ns();
}

/* ---- requests ----------------------------------------------------------- */

int httpd_reply(struct MHD_Connection *c, unsigned code, const char *type,
		const char *body, size_t len, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = sym_MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
						MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	sym_MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	sym_MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				    "no-store");
	sym_MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		sym_MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (strncmp(type, "text/html", 9) == 0)
		sym_MHD_add_response_header(r, "Content-Security-Policy",
					    "default-src 'none'; "
					    "style-src 'unsafe-inline'");
	ret = sym_MHD_queue_response(c, code, r);
	sym_MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result httpd_on_request(void *cls, struct MHD_Connection *c,
					const char *url, const char *method,
					const char *version, const char *upload,
					size_t *upload_len, void **req)
{
	struct httpd *h = cls;
	enum httpd_page page = httpd_route(method, url);
	const char *type;

	(void)version;
	(void)upload;
	/* Answer once the request is complete (a body is read and thrown
	 * away): queued earlier, MHD would close a keep-alive connection. */
	if (!*req) {
		*req = h;
		httpd_mark(c, true);
		return MHD_YES;
	}
	if (*upload_len) {
		*upload_len = 0;
		return MHD_YES;
	}
	if (h->api && url && strncmp(url, "/api/", 5) == 0)
		return (enum MHD_Result)h->api(h->arg, c, method, url);
	if (page == HTTPD_BAD_METHOD)
		return httpd_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				   "method not allowed\n", 19, "GET, HEAD");
	if (page == HTTPD_NOT_FOUND)
		return httpd_reply(c, MHD_HTTP_NOT_FOUND, "text/plain",
				   "not found\n", 10, NULL);
	xbuf_reset(&h->out);
	type = h->render(h->arg, page, &h->out);
	if (h->out.oom)
		return httpd_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "text/plain", "out of memory\n", 14, NULL);
	return httpd_reply(c, MHD_HTTP_OK, type, h->out.p ? h->out.p : "",
			   h->out.len, NULL);
}

/* ---- connection slots (the request deadline) ------------------------- */

static void httpd_on_connection(void *cls, struct MHD_Connection *c,
				void **socket_ctx,
				enum MHD_ConnectionNotificationCode toe)
{
	struct httpd *h = cls;
	struct httpd_conn *slot = *socket_ctx;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (slot) {
			h->n_cut -= slot->cut;
			slot->used = false;
			h->n_conns--;
		}
		*socket_ctx = NULL;
		return;
	}
	ci = sym_MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	for (int i = 0; i < h->n_slots && ci; i++) {
		if (h->conns[i].used)
			continue;
		h->conns[i] = (struct httpd_conn){ .used = true,
						   .fd = ci->connect_fd,
						   .since_ns = clock_now_ns() };
		h->n_conns++;
		*socket_ctx = &h->conns[i];
		return;
	}
}

static void httpd_on_completed(void *cls, struct MHD_Connection *c, void **req,
			       enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)req;
	(void)toe;
	httpd_mark(c, false);
}

/* Shut down connections past their deadline. */
static void httpd_sweep(struct httpd *h, int64_t now_ns)
{
	for (int i = 0; i < h->n_slots; i++) {
		struct httpd_conn *k = &h->conns[i];

		if (k->used && !k->cut && now_ns - k->since_ns >= h->request_ns)
			httpd_cut(h, k, HTTPD_DROP_TIMEOUT);
	}
}

static void httpd_on_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("metrics: %s", msg);
}

/* ---- on the loop ------------------------------------------------------ */

static int64_t httpd_on_timer(struct loop *l, void *arg);

/* Make sure MHD runs again when it wants to, and every HTTPD_SWEEP_NS
 * while connections are open. */
static void httpd_schedule(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	int64_t delay = h->n_conns > 0 ? HTTPD_SWEEP_NS : -1, now;

	if (!h->l)
		return;
	if (sym_MHD_get_timeout(h->d, &ms) == MHD_YES &&
	    (delay < 0 || (int64_t)ms < delay / NS_PER_MS))
		delay = (int64_t)ms * NS_PER_MS;
	if (delay < 0)
		return;
	now = clock_now_ns();
	if (h->timer > 0 && h->timer_due_ns <= now + delay)
		return;
	if (h->timer > 0)
		loop_del_timer(h->l, h->timer);
	h->timer = loop_add_timer(h->l, delay, httpd_on_timer, h);
	if (h->timer < 0) {
		h->timer = 0;
		log_err("metrics: cannot add a timer: %m");
		return;
	}
	h->timer_due_ns = now + delay;
}

void httpd_poll(struct httpd *h)
{
	sym_MHD_run(h->d);
	httpd_sweep(h, clock_now_ns());
}

static int64_t httpd_on_timer(struct loop *l, void *arg)
{
	struct httpd *h = arg;

	(void)l;
	h->timer = 0;
	httpd_poll(h);
	httpd_schedule(h);
	return LOOP_TIMER_DONE;
}

static void httpd_on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct httpd *h = arg;

	(void)l;
	(void)fd;
	(void)events;
	sym_MHD_run(h->d);
	httpd_schedule(h);
}

/* Our side of the limits: m's allow list, timeout and slot table. */
static struct httpd *httpd_new(const struct metrics_cfg *m)
{
	struct httpd *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->max_conns = m->max_connections;
	h->n_slots = m->max_connections + HTTPD_SHED_MARGIN;
	h->request_ns = m->request_timeout_ms * NS_PER_MS;
	h->n_allow = m->n_allow;
	memcpy(h->allow, m->allow, sizeof(h->allow));
	h->conns = calloc((size_t)h->n_slots, sizeof(*h->conns));
	if (!h->conns) {
		free(h);
		return NULL;
	}
	return h;
}

static void httpd_free(struct httpd *h)
{
	xbuf_free(&h->out);
	free(h->conns);
	free(h);
}

void httpd_set_api(struct httpd *h, httpd_api_fn fn)
{
	h->api = fn;
}

struct httpd *httpd_open(struct loop *l, int listen_fd,
			 const struct metrics_cfg *m, httpd_render_fn fn,
			 void *arg)
{
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	/* MHD counts whole seconds of inactivity; ours is the finer one */
	unsigned idle_s = (unsigned)((m->request_timeout_ms + 999) / 1000);
	const union MHD_DaemonInfo *di;
	struct httpd *h;

	if (!mhd_dl_loaded()) {
		errno = ELIBACC;
		goto fail_fd;
	}
	h = httpd_new(m);
	if (!h)
		goto fail_fd;
	h->l = l;
	h->render = fn;
	h->arg = arg;
	/* Without a socket MHD refuses MHD_OPTION_LISTEN_SOCKET: pass an
	 * option it ignores in its place. */
	if (listen_fd < 0)
		flags |= MHD_USE_NO_LISTEN_SOCKET;
	/* one option and its value a line */
	/* clang-format off */
	h->d = sym_MHD_start_daemon(
		flags, 0, httpd_on_accept, h, httpd_on_request, h,
		listen_fd >= 0 ? MHD_OPTION_LISTEN_SOCKET
			       : MHD_OPTION_LISTEN_BACKLOG_SIZE,
		listen_fd >= 0 ? (MHD_socket)listen_fd : HTTPD_BACKLOG,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)h->n_slots,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)m->per_address_limit,
		MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_MEMORY,
		MHD_OPTION_NOTIFY_CONNECTION, httpd_on_connection, h,
		MHD_OPTION_NOTIFY_COMPLETED, httpd_on_completed, h,
		MHD_OPTION_EXTERNAL_LOGGER, httpd_on_log, h,
		MHD_OPTION_END);
	/* clang-format on */
	if (!h->d) {
		/* MHD may or may not have closed listen_fd: leave it. */
		httpd_free(h);
		errno = EINVAL;
		return NULL;
	}
	di = sym_MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->epfd = di ? di->epoll_fd : -1;
	if (l && (h->epfd < 0 ||
		  loop_add_fd(l, h->epfd, EPOLLIN, httpd_on_fd, h) < 0))
		goto fail_d;
	return h;

fail_d:
	sym_MHD_stop_daemon(h->d); /* closes listen_fd */
	httpd_free(h);
	return NULL;
fail_fd:
	if (listen_fd >= 0)
		close(listen_fd);
	return NULL;
}

void httpd_add_drops(const struct httpd *h, uint64_t sum[HTTPD_DROP_COUNT])
{
	for (int i = 0; h && i < HTTPD_DROP_COUNT; i++)
		sum[i] += h->drops[i];
}

int httpd_add_connection(struct httpd *h, int fd)
{
	struct sockaddr_in peer = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (sym_MHD_add_connection(h->d, fd, (struct sockaddr *)&peer,
				   sizeof(peer)) != MHD_YES)
		return -1;
	httpd_schedule(h);
	return 0;
}

void httpd_close(struct httpd *h)
{
	if (!h)
		return;
	if (h->l) {
		loop_del_fd(h->l, h->epfd);
		if (h->timer > 0)
			loop_del_timer(h->l, h->timer);
	}
	sym_MHD_stop_daemon(h->d);
	httpd_free(h);
}
