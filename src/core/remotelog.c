/*
 * remotelog.c - log lines to a remote syslog server (see remotelog.h).
 *
 * UDP: a connected non-blocking datagram socket, one message per send.
 * TCP: a non-blocking connect from the loop; framed messages ("LEN SP
 * MSG", RFC 6587 3.4.1) wait in a byte queue and are written when the
 * socket takes them.  When the connection fails the frame it was in the
 * middle of is sent again whole on the next one, so the server never sees
 * half a message; the reconnect waits 1 s, doubling to 60 s, and the wait
 * starts over once a connection has been made.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "remotelog.h"

#define FACILITY_DAEMON	 3
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS	 60000

struct remotelog {
	struct loop *loop;
	struct remote_log_cfg cfg;
	struct sockaddr_storage ss;
	socklen_t ss_len;
	int fd;
	bool connected; /* TCP: connect finished */
	int64_t timer;	/* TCP: reconnect pending */
	int64_t backoff_ms;
	char host[256];
	char q[REMOTELOG_QUEUE_BYTES];
	size_t q_len, q_off;   /* queued bytes, of them already written */
	uint64_t dropped;      /* lines lost: queue full, datagram refused */
	int err;	       /* TCP: the last failure; 0 closed by peer */
	bool down_said;	       /* the outage is in the local log */
	uint64_t dropped_said; /* dropped when the outage was logged */
};

/* ---- the message ------------------------------------------------------- */

/* Copy a header field: PRINTUSASCII only, at most max bytes, "-" empty. */
static size_t put_field(char *dst, const char *src, size_t max)
{
	size_t n = 0;

	for (; src && *src && n < max; src++, n++) {
		unsigned char ch = (unsigned char)*src;

		dst[n] = ch >= 33 && ch <= 126 ? (char)ch : '_';
	}
	if (n == 0)
		dst[n++] = '-';
	return n;
}

size_t remotelog_format(char *buf, size_t len, int prio,
			const struct timespec *wall, const char *hostname,
			const char *app, long pid, const char *msg)
{
	char head[512], stamp[32];
	struct tm tm;
	size_t n, h = 0;

	if (!gmtime_r(&wall->tv_sec, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(stamp, sizeof(stamp), "-");
	h = (size_t)snprintf(head, sizeof(head), "<%d>1 %s.%06ldZ ",
			     FACILITY_DAEMON * 8 + (prio & 7), stamp,
			     wall->tv_nsec / 1000);
	h += put_field(head + h, hostname, 255);
	head[h++] = ' ';
	h += put_field(head + h, app, 48);
	h += (size_t)snprintf(head + h, sizeof(head) - h, " %ld - - ", pid);
	if (h >= len)
		return 0;
	memcpy(buf, head, h);
	for (n = h; *msg && n + 1 < len; msg++) {
		unsigned char ch = (unsigned char)*msg;

		buf[n++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	buf[n] = '\0';
	return n;
}

/* ---- the connection ---------------------------------------------------- */

static void tcp_connect(struct remotelog *rl);

/* Said from the loop, never from inside the sink: a log line comes back
 * here through log_set_sink(), and is queued like any other. */
static int64_t on_retry(struct loop *l, void *arg)
{
	struct remotelog *rl = arg;

	(void)l;
	rl->timer = 0;
	if (!rl->down_said) {
		log_warn("remote syslog %s: %s; keeping lines until it is back",
			 rl->cfg.address,
			 rl->err ? strerror(rl->err)
				 : "connection closed by the server");
		rl->down_said = true;
		rl->dropped_said = rl->dropped;
	}
	tcp_connect(rl);
	return LOOP_TIMER_DONE;
}

static void tcp_connected(struct remotelog *rl)
{
	rl->connected = true;
	rl->backoff_ms = BACKOFF_FIRST_MS;
	if (!rl->down_said)
		return;
	rl->down_said = false;
	log_notice("remote syslog %s: connected again, %llu lines dropped "
		   "meanwhile",
		   rl->cfg.address,
		   (unsigned long long)(rl->dropped - rl->dropped_said));
}

/* Where the frame holding byte off starts. */
static size_t frame_start(const struct remotelog *rl, size_t off)
{
	size_t at = 0;

	while (at < rl->q_len) {
		char *end;
		unsigned long n = strtoul(rl->q + at, &end, 10);
		size_t next = (size_t)(end - rl->q) + 1 + n;

		if (off < next)
			break;
		at = next;
	}
	return at;
}

static void drop_socket(struct remotelog *rl)
{
	if (rl->fd < 0)
		return;
	loop_del_fd(rl->loop, rl->fd);
	close(rl->fd);
	rl->fd = -1;
	rl->connected = false;
}

static void tcp_failed(struct remotelog *rl, int err)
{
	rl->err = err;
	drop_socket(rl);
	rl->q_off = frame_start(rl, rl->q_off);
	rl->timer = loop_add_timer(rl->loop, rl->backoff_ms * NS_PER_MS,
				   on_retry, rl);
	if (rl->timer < 0)
		rl->timer = 0;
	rl->backoff_ms *= 2;
	if (rl->backoff_ms > BACKOFF_MAX_MS)
		rl->backoff_ms = BACKOFF_MAX_MS;
}

static void tcp_flush(struct remotelog *rl)
{
	while (rl->connected && rl->q_off < rl->q_len) {
		ssize_t n = send(rl->fd, rl->q + rl->q_off,
				 rl->q_len - rl->q_off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (errno == EAGAIN)
				break;
			continue;
		}
		if (n <= 0) {
			tcp_failed(rl, n < 0 ? errno : 0);
			return;
		}
		rl->q_off += (size_t)n;
	}
	if (rl->q_off == rl->q_len)
		rl->q_off = rl->q_len = 0;
	if (rl->connected)
		loop_mod_fd(rl->loop, rl->fd,
			    EPOLLIN | (rl->q_len ? EPOLLOUT : 0u));
}

static void on_tcp(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct remotelog *rl = arg;
	char junk[256];
	int err = 0;
	socklen_t elen = sizeof(err);

	(void)l;
	if (!rl->connected) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err) {
			tcp_failed(rl, err);
			return;
		}
		tcp_connected(rl);
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		/* A server has nothing to say: data is read away, end of
		 * stream or an error means the connection is gone. */
		ssize_t n = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			tcp_failed(rl, n == 0 ? 0 : errno);
			return;
		}
	}
	tcp_flush(rl);
}

static void tcp_connect(struct remotelog *rl)
{
	rl->fd = socket(rl->ss.ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (rl->fd < 0 ||
	    (connect(rl->fd, (struct sockaddr *)&rl->ss, rl->ss_len) < 0 &&
	     errno != EINPROGRESS) ||
	    loop_add_fd(rl->loop, rl->fd, EPOLLOUT, on_tcp, rl) < 0) {
		int err = errno;

		if (rl->fd >= 0)
			close(rl->fd);
		rl->fd = -1;
		tcp_failed(rl, err);
	}
}

static int udp_open(struct remotelog *rl)
{
	rl->fd = socket(rl->ss.ss_family,
			SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (rl->fd < 0)
		return -1;
	if (connect(rl->fd, (struct sockaddr *)&rl->ss, rl->ss_len) < 0) {
		close(rl->fd);
		rl->fd = -1;
		return -1;
	}
	return 0;
}

/* "ADDR:PORT" or "[V6]:PORT", validated by the config loader. */
static int parse_address(struct remotelog *rl, const char *s)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	char host[64];
	const char *colon = strrchr(s, ':');
	int skip = s[0] == '[';

	if (!colon || colon - s - 2 * skip <= 0 ||
	    (size_t)(colon - s) >= sizeof(host))
		return errno = EINVAL, -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s - 2 * skip),
		 s + skip);
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return errno = EINVAL, -1;
	memcpy(&rl->ss, ai->ai_addr, ai->ai_addrlen);
	rl->ss_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* ---- lifecycle ----------------------------------------------------------- */

static void stop(struct remotelog *rl)
{
	drop_socket(rl);
	if (rl->timer > 0)
		loop_del_timer(rl->loop, rl->timer);
	rl->timer = 0;
	rl->q_len = rl->q_off = 0;
	rl->cfg.address[0] = '\0';
	rl->down_said = false;
}

struct remotelog *remotelog_new(struct loop *l)
{
	struct remotelog *rl = calloc(1, sizeof(*rl));

	if (!rl)
		return NULL;
	rl->loop = l;
	rl->fd = -1;
	if (gethostname(rl->host, sizeof(rl->host) - 1) < 0)
		rl->host[0] = '\0';
	return rl;
}

int remotelog_configure(struct remotelog *rl, const struct remote_log_cfg *cfg)
{
	if (strcmp(rl->cfg.address, cfg->address) == 0 &&
	    rl->cfg.transport == cfg->transport)
		return 0;
	stop(rl);
	if (!cfg->address[0])
		return 0;
	if (parse_address(rl, cfg->address) < 0)
		return -1;
	rl->cfg = *cfg;
	rl->backoff_ms = BACKOFF_FIRST_MS;
	if (cfg->transport == REMOTE_UDP)
		return udp_open(rl);
	tcp_connect(rl);
	return 0;
}

static void queue_frame(struct remotelog *rl, const char *line, size_t n)
{
	char len[16];
	int l = snprintf(len, sizeof(len), "%zu ", n);

	if (rl->q_off > 0 && rl->q_len + (size_t)l + n > sizeof(rl->q)) {
		memmove(rl->q, rl->q + rl->q_off, rl->q_len - rl->q_off);
		rl->q_len -= rl->q_off;
		rl->q_off = 0;
	}
	if (rl->q_len + (size_t)l + n > sizeof(rl->q)) {
		rl->dropped++;
		return;
	}
	memcpy(rl->q + rl->q_len, len, (size_t)l);
	memcpy(rl->q + rl->q_len + (size_t)l, line, n);
	rl->q_len += (size_t)l + n;
	tcp_flush(rl);
}

void remotelog_sink(void *arg, int prio, const char *msg)
{
	struct remotelog *rl = arg;
	char line[REMOTELOG_LINE_MAX];
	struct timespec wall;
	size_t n;

	if (!rl || !rl->cfg.address[0])
		return;
	clock_gettime(CLOCK_REALTIME, &wall);
	n = remotelog_format(line, sizeof(line), prio, &wall, rl->host,
			     REMOTELOG_APP_NAME, (long)getpid(), msg);
	if (n == 0)
		return;
	if (rl->cfg.transport == REMOTE_TCP) {
		queue_frame(rl, line, n);
		return;
	}
	/* a refused datagram (no server: ECONNREFUSED) is lost, as UDP is */
	if (rl->fd < 0 || send(rl->fd, line, n, MSG_DONTWAIT) < 0)
		rl->dropped++;
}

void remotelog_free(struct remotelog *rl)
{
	if (!rl)
		return;
	stop(rl);
	free(rl);
}
