/*
 * ctl_client.c - `pilotlight ctl`: connect to the control socket, send
 * one request line, print the reply.  The request is checked here with
 * control_parse() first, so a typo is a usage error (exit 2) without a
 * daemon.  When the socket cannot be reached the message says what to
 * check: is the daemon running, is the user in the socket's group.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "ctl_client.h"

#define REPLY_TIMEOUT_S 30 /* a reload may take a while */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pilotlight ctl [-c FILE | --socket PATH] COMMAND "
		"[ARGS]\n"
		"  status                          site, alarm, hosts, checks\n"
		"  ack                             acknowledge the alarm\n"
		"  mute DURATION                   silence the buzzer (10m)\n"
		"  maintenance DURATION            no alarms for a while\n"
		"  end-maintenance                 end it now\n"
		"  reload                          re-read the configuration\n"
		"  -c FILE                         the socket from FILE's "
		"control.socket\n"
		"  --socket PATH                   default %s\n",
		CFG_CONTROL_SOCKET);
}

/* Why connect failed, in words that say what to do. */
static void explain(const char *path, int err)
{
	struct stat st;
	struct group *gr;

	if (err == EACCES || err == EPERM) {
		gr = stat(path, &st) == 0 ? getgrgid(st.st_gid) : NULL;
		fprintf(stderr,
			"pilotlight ctl: %s: %s (are you in group %s?)\n", path,
			strerror(err), gr ? gr->gr_name : "of the socket");
		return;
	}
	fprintf(stderr, "pilotlight ctl: %s: %s (is pilotlight running?)\n",
		path, strerror(err));
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "pilotlight ctl: socket path too long\n");
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		explain(path, errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send line, copy the reply to stdout ("ok") or stderr ("error").
 * Returns the exit status. */
static int ctl_ask(const char *path, const char *line)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;
	FILE *out = stdout;
	int fd = ctl_connect(path);

	if (fd < 0)
		return 1;
	if (write(fd, line, strlen(line)) < 0) {
		fprintf(stderr, "pilotlight ctl: %s: %s\n", path,
			strerror(errno));
		close(fd);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (total == 0 && strncmp(buf, "ok", 2) != 0)
			out = stderr;
		fwrite(buf, 1, (size_t)n, out);
		total += (size_t)n;
	}
	close(fd);
	if (n < 0 || total == 0) {
		fprintf(stderr, "pilotlight ctl: %s: %s\n", path,
			n < 0 ? strerror(errno) : "closed without a reply");
		return 1;
	}
	return out == stdout ? 0 : 1;
}

/* control.socket from the config at path into buf; -1 after printing
 * the config's errors (a token file the caller may not read among them:
 * --socket needs no config). */
static int socket_from_config(const char *path, char *buf, size_t len)
{
	struct config_errors errs = { 0 };
	struct pl_config *cfg = config_load(path, &errs);

	if (!cfg) {
		config_errors_print(&errs, stderr);
		config_errors_clear(&errs);
		fprintf(stderr,
			"pilotlight ctl: cannot use %s; give --socket "
			"PATH\n",
			path);
		return -1;
	}
	snprintf(buf, len, "%s", cfg->control.socket);
	config_free(cfg);
	if (!buf[0]) {
		fprintf(stderr, "pilotlight ctl: %s has no control.socket\n",
			path);
		return -1;
	}
	return 0;
}

int ctl_client_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CFG_CONTROL_SOCKET, *config = NULL;
	char line[CONTROL_REQUEST_MAX], why[160], sock[108];
	struct control_request rq;
	size_t used = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		if (c == 's') {
			path = optarg;
		} else if (c == 'c') {
			config = optarg;
		} else {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	line[0] = '\0';
	for (int i = optind; i < argc; i++) {
		int w = snprintf(line + used, sizeof(line) - used, "%s%s",
				 used ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(line) - used - 1) {
			fprintf(stderr, "pilotlight ctl: request too long\n");
			return 2;
		}
		used += (size_t)w;
	}
	if (!used || control_parse(line, &rq, why, sizeof(why)) < 0) {
		fprintf(stderr, "pilotlight ctl: %s\n",
			used ? why : "which command?");
		usage(stderr);
		return 2;
	}
	snprintf(line + used, sizeof(line) - used, "\n");
	if (config) {
		if (socket_from_config(config, sock, sizeof(sock)) < 0)
			return 1;
		path = sock;
	}
	return ctl_ask(path, line);
}
