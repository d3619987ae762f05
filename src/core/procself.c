/*
 * procself.c - /proc/self's stat, statm and fd/ as the numbers the
 * Prometheus process collector reports.
 *
 * Files are read whole into a small buffer (stat is one line of a few
 * hundred bytes) and parsed with strtoull and end pointers; a field that
 * is missing or not a number makes the file unreadable rather than zero.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "procself.h"

/* Fields of /proc/PID/stat counted from the state, the first after the
 * command name (proc(5) numbers them from 1: state is 3, utime 14). */
#define STAT_UTIME     11
#define STAT_STIME     12
#define STAT_STARTTIME 19

/* The n-th space-separated unsigned field after s; 0 or -1. */
static int field_u64(const char *s, int n, uint64_t *out)
{
	char *end;

	for (int i = 0; i < n; i++) {
		s = strchr(s, ' ');
		if (!s)
			return -1;
		s++;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -1;
	return 0;
}

int procself_parse_stat(const char *text, uint64_t *cpu_ticks,
			uint64_t *start_ticks)
{
	const char *s = strrchr(text, ')');
	uint64_t ut, st;

	if (!s || s[1] != ' ' || field_u64(s + 2, STAT_UTIME, &ut) < 0 ||
	    field_u64(s + 2, STAT_STIME, &st) < 0 ||
	    field_u64(s + 2, STAT_STARTTIME, start_ticks) < 0) {
		errno = EINVAL;
		return -1;
	}
	*cpu_ticks = ut + st;
	return 0;
}

int procself_parse_statm(const char *text, uint64_t *resident_pages)
{
	if (field_u64(text, 1, resident_pages) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* root/name into buf, NUL-terminated; 0 or -1. */
static int read_text(const char *root, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, name) >=
	    sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static double count_fds(const char *root)
{
	char path[PATH_MAX];
	struct dirent *de;
	double n = 0;
	DIR *d;

	if ((size_t)snprintf(path, sizeof(path), "%s/fd", root) >= sizeof(path))
		return -1;
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Unix time of a moment start_ticks after boot. */
static double boot_to_wall(uint64_t start_ticks, long hz)
{
	struct timespec wall, boot;
	double since;

	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	since = (double)boot.tv_sec + boot.tv_nsec / 1e9 -
		(double)start_ticks / (double)hz;
	return (double)wall.tv_sec + wall.tv_nsec / 1e9 - since;
}

int procself_read(struct procself *out, const char *root)
{
	char buf[1024];
	uint64_t cpu, start, pages;
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;

	if (!root)
		root = PROCSELF_ROOT;
	if (hz <= 0 || page <= 0 || read_text(root, "stat", buf, sizeof(buf)) ||
	    procself_parse_stat(buf, &cpu, &start) ||
	    read_text(root, "statm", buf, sizeof(buf)) ||
	    procself_parse_statm(buf, &pages)) {
		if (!errno)
			errno = EINVAL;
		return -1;
	}
	out->cpu_seconds = (double)cpu / (double)hz;
	out->resident_bytes = (double)pages * (double)page;
	out->open_fds = count_fds(root);
	out->max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
				       rl.rlim_cur != RLIM_INFINITY
			       ? (double)rl.rlim_cur
			       : -1;
	out->start_time_s = boot_to_wall(start, hz);
	return 0;
}
