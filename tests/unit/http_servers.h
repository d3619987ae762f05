/*
 * http_servers.h - the servers test_http_probe.c probes, all on 127.0.0.1
 * and started once for the whole group: a forked HTTP/1.1 server (a process
 * per connection, so a slow answer delays no other), `openssl s_server
 * -www` with a fresh self-signed certificate valid for CERT_DAYS days, a
 * port that listens but never accepts, and a bound port that refuses.
 * servers_up()/servers_down() are cmocka group fixtures; every child is in
 * its own process group and dies with the test (PR_SET_PDEATHSIG).
 * Include after <cmocka.h>: failures to start are test failures.
 *
 * Paths: /ok "service ready\n", /status/N, /redirect (302 to /ok), /loop
 * (302 to itself), /echo (the request as the body), /big (BIG_BYTES of
 * 'A' ending in "END"), /slow (SLOW_MS, then 200).
 */
#ifndef HTTP_SERVERS_H
#define HTTP_SERVERS_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CERT_DAYS 30
#define BIG_BYTES (8 * 1024 * 1024)
#define SLOW_MS	  1500

static struct {
	int http_port, tls_port, hang_port, refused_port;
	int hang_fd, refused_fd;
	pid_t http_pid, tls_pid;
	char dir[64];
	char cert[96], key[96];
} srv = { .hang_fd = -1, .refused_fd = -1 };

/* ---- the plain HTTP server (a forked child) -------------------------- */

static void send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			_exit(0);
		p += n;
		len -= (size_t)n;
	}
}

static void reply_head(int fd, int status, const char *phrase, const char *hdr,
		       size_t len)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n%s\r\n",
			 status, phrase, len, hdr);

	send_all(fd, head, (size_t)n);
}

static void reply(int fd, int status, const char *phrase, const char *hdr,
		  const char *body, size_t len)
{
	reply_head(fd, status, phrase, hdr, len);
	send_all(fd, body, len);
}

/* BIG_BYTES of 'A' whose last three are "END". */
static void reply_big(int fd)
{
	static char chunk[65536];
	size_t left = BIG_BYTES - 3;

	memset(chunk, 'A', sizeof(chunk));
	reply_head(fd, 200, "OK", "", BIG_BYTES);
	while (left > 0) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

		send_all(fd, chunk, n);
		left -= n;
	}
	send_all(fd, "END", 3);
}

static void serve(int fd)
{
	char req[4096];
	size_t n = 0;
	int code;

	while (n < sizeof(req) - 1) {
		ssize_t r = recv(fd, req + n, sizeof(req) - 1 - n, 0);

		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = '\0';
	if (strncmp(req, "GET /ok ", 8) == 0)
		reply(fd, 200, "OK", "", "service ready\n", 14);
	else if (sscanf(req, "GET /status/%d ", &code) == 1)
		reply(fd, code, "Internal Server Error", "", "oops\n", 5);
	else if (strncmp(req, "GET /redirect ", 14) == 0)
		reply(fd, 302, "Found", "Location: /ok\r\n", "moved\n", 6);
	else if (strncmp(req, "GET /loop ", 10) == 0)
		reply(fd, 302, "Found", "Location: /loop\r\n", "", 0);
	else if (strncmp(req, "GET /echo ", 10) == 0)
		reply(fd, 200, "OK", "", req, n);
	else if (strncmp(req, "GET /big ", 9) == 0)
		reply_big(fd);
	else if (strncmp(req, "GET /slow ", 10) == 0) {
		usleep(SLOW_MS * 1000);
		reply(fd, 200, "OK", "", "slow\n", 5);
	} else
		reply(fd, 404, "Not Found", "", "no\n", 3);
}

static void server_main(int lfd)
{
	signal(SIGCHLD, SIG_IGN); /* no zombies */
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(lfd);
			serve(fd);
			close(fd);
			_exit(0);
		}
		close(fd);
	}
}

/* A socket on 127.0.0.1 with a free port; listening if backlog > 0. */
static int loopback_socket(int backlog, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (backlog > 0)
		assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static pid_t start_http_server(int *port)
{
	int lfd = loopback_socket(64, port);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		server_main(lfd);
		_exit(0);
	}
	close(lfd);
	return pid;
}

/* ---- the TLS server (openssl) ---------------------------------------- */

/* Run argv with stdio on /dev/null; with wait, return its exit status. */
static pid_t spawn(char *const argv[], bool wait)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (!wait)
		return pid;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static pid_t start_tls_server(int *port)
{
	char days[16], accept_at[32];
	char *req[] = { "openssl", "req",   "-x509", "-newkey", "rsa:2048",
			"-nodes",  "-days", days,    "-subj",	"/CN=localhost",
			"-keyout", srv.key, "-out",  srv.cert,	NULL };
	char *serve_argv[] = { "openssl", "s_server", "-accept", accept_at,
			       "-cert",	  srv.cert,   "-key",	 srv.key,
			       "-www",	  "-quiet",   NULL };
	int fd = loopback_socket(0, port);
	pid_t pid;

	close(fd); /* a port free a moment ago: good enough on lo */
	snprintf(days, sizeof(days), "%d", CERT_DAYS);
	snprintf(accept_at, sizeof(accept_at), "127.0.0.1:%d", *port);
	if (spawn(req, true) != 0)
		fail_msg("cannot make a certificate: is openssl installed "
			 "(apt-get install openssl)?");
	pid = spawn(serve_argv, false);
	for (int i = 0; i < 100 && !port_open(*port); i++)
		usleep(50 * 1000);
	assert_true(port_open(*port));
	return pid;
}

static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int servers_up(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(srv.dir, sizeof(srv.dir), "/tmp/pl-http-test-XXXXXX");
	assert_non_null(mkdtemp(srv.dir));
	snprintf(srv.cert, sizeof(srv.cert), "%s/cert.pem", srv.dir);
	snprintf(srv.key, sizeof(srv.key), "%s/key.pem", srv.dir);
	srv.http_pid = start_http_server(&srv.http_port);
	srv.tls_pid = start_tls_server(&srv.tls_port);
	srv.hang_fd = loopback_socket(8, &srv.hang_port);
	srv.refused_fd = loopback_socket(0, &srv.refused_port);
	return 0;
}

static int servers_down(void **state)
{
	(void)state;
	stop(srv.http_pid);
	stop(srv.tls_pid);
	close(srv.hang_fd);
	close(srv.refused_fd);
	unlink(srv.cert);
	unlink(srv.key);
	rmdir(srv.dir);
	return 0;
}

#endif
