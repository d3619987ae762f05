/*
 * netns_fixture.h - network namespaces for the ping and trace tests, which
 * send traffic only to loopback or to namespaces they create themselves.
 *
 * Names end in the test's pid: nsx_reap() deletes those a crashed run left
 * behind.  nsx_create() makes a namespace (loopback up) and deletes a stale
 * one of the same name first; nsx_enter()/nsx_leave() move the test process in
 * and out with setns(); nsx_delete() removes it (its veths go with it).
 * Needs root, iproute2 and, for the rules, iptables.  nsx_run() runs a loop
 * until the test stops it or a watchdog fires.
 */
#ifndef NETNS_FIXTURE_H
#define NETNS_FIXTURE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

/* Run a shell command (output hidden); returns its exit status. */
static inline int nsx_sh(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int nsx_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 16, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd) - 16)
		return -1;
	strcat(cmd, " >/dev/null 2>&1");
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

/* Delete namespaces named PREFIX<pid>... whose process is gone. */
static inline void nsx_reap(const char *prefix)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	size_t n = strlen(prefix);

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(e->d_name, prefix, n) != 0)
			continue;
		pid = strtol(e->d_name + n, &end, 10);
		if (end == e->d_name + n || pid <= 0 ||
		    (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
			nsx_sh("ip netns del %s", e->d_name);
	}
	closedir(d);
}

static inline int nsx_create(const char *name)
{
	nsx_sh("ip netns del %s", name);
	if (nsx_sh("ip netns add %s", name) != 0)
		return -1;
	return nsx_sh("ip -n %s link set lo up", name) == 0 ? 0 : -1;
}

static inline void nsx_delete(const char *name)
{
	nsx_sh("ip netns del %s", name);
}

/* Enter namespace name; *saved gets the one to go back to. */
static inline int nsx_enter(const char *name, int *saved)
{
	char path[128];
	int fd, rc;

	*saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*saved < 0 || fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

static inline void nsx_leave(int *saved)
{
	if (*saved < 0)
		return;
	setns(*saved, CLONE_NEWNET);
	close(*saved);
	*saved = -1;
}

/* Read or write a /proc/sys file of the namespace we are in. */
static inline int nsx_sysctl_get(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *ok;

	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f);
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static inline int nsx_sysctl_set(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -1;
	rc = fputs(value, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static inline int64_t nsx_watchdog(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
	return LOOP_TIMER_DONE;
}

/* Run l until a callback stops it or limit_ns passes. */
static inline void nsx_run(struct loop *l, int64_t limit_ns)
{
	int64_t id = loop_add_timer(l, limit_ns, nsx_watchdog, NULL);

	loop_run(l);
	loop_del_timer(l, id);
}

#endif
