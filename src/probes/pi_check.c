/*
 * pi_check.c - one reading of the Pi's own health per run: the firmware's
 * throttled flags, the SoC temperature, statvfs() of a file system,
 * /proc/meminfo, and the kernel's storage error counters (ext4's
 * errors_count, SCSI/USB ioerr_cnt).  The file names come from the check
 * (the loader prefixed them, see src/config/pi.c); nothing is cached but
 * the error count seen at the first run, the baseline new errors are
 * counted against.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "pi_check.h"

#define PI_FILE_MAX 4096 /* /proc/meminfo is ~1.5 KiB */

struct pi_check {
	const struct check_cfg *c;
	bool have_base;
	unsigned long long base_errors;
};

/* ---- pure parts -------------------------------------------------------- */

int pi_parse_throttled(const char *text, unsigned long *flags)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 16);
	if (errno || end == text || *text == '-')
		return -1;
	while (*end == '\n' || *end == ' ')
		end++;
	if (*end)
		return -1;
	*flags = v;
	return 0;
}

enum pl_state pi_throttled_state(unsigned long flags, char *reason, size_t len)
{
	static const struct {
		unsigned long bit;
		enum pl_state state;
		const char *words;
	} rules[] = {
		{ PI_UNDERVOLTAGE_NOW, STATE_CRITICAL, "undervoltage" },
		{ PI_THROTTLED_NOW, STATE_WARNING, "throttled" },
		{ PI_FREQ_CAPPED_NOW, STATE_WARNING, "frequency capped" },
		{ PI_SOFT_TEMP_NOW, STATE_WARNING, "soft temperature limit" },
		{ PI_UNDERVOLTAGE_SINCE, STATE_WARNING,
		  "undervoltage since boot" },
		{ PI_THROTTLED_SINCE, STATE_WARNING, "throttled since boot" },
		{ PI_FREQ_CAPPED_SINCE, STATE_WARNING,
		  "frequency capped since boot" },
		{ PI_SOFT_TEMP_SINCE, STATE_WARNING,
		  "soft temperature limit since boot" },
	};

	/* The table is ordered worst first: the first match names it. */
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (!(flags & rules[i].bit))
			continue;
		snprintf(reason, len, "%s (0x%lx)", rules[i].words, flags);
		return rules[i].state;
	}
	snprintf(reason, len, "not throttled (0x%lx)", flags);
	return STATE_OK;
}

int pi_parse_millidegrees(const char *text, double *celsius)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n'))
		return -1;
	if (v < -273150 || v > 1000000)
		return -1;
	*celsius = (double)v / 1000.0;
	return 0;
}

/* The kB value of "Key:   123 kB" in text, or -1. */
static long long meminfo_kib(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p;
	     p = strchr(p, '\n'), p = p ? p + 1 : p) {
		char *end;
		long long v;

		if (strncmp(p, key, n) != 0 || p[n] != ':')
			continue;
		errno = 0;
		v = strtoll(p + n + 1, &end, 10);
		if (errno || end == p + n + 1 || v < 0)
			return -1;
		return v;
	}
	return -1;
}

int pi_parse_meminfo(const char *text, double *avail_pct)
{
	long long total = meminfo_kib(text, "MemTotal");
	long long avail = meminfo_kib(text, "MemAvailable");

	if (total <= 0 || avail < 0 || avail > total)
		return -1;
	*avail_pct = 100.0 * (double)avail / (double)total;
	return 0;
}

double pi_free_pct(uint64_t blocks, uint64_t bavail)
{
	if (blocks == 0)
		return -1;
	if (bavail > blocks)
		bavail = blocks;
	return 100.0 * (double)bavail / (double)blocks;
}

enum pl_state pi_level(double v, double warning, double critical,
		       bool lower_worse)
{
	if (lower_worse ? v <= critical : v >= critical)
		return STATE_CRITICAL;
	if (lower_worse ? v <= warning : v >= warning)
		return STATE_WARNING;
	return STATE_OK;
}

/* ---- readings --------------------------------------------------------- */

/* The whole of a small file, NUL terminated; 0 or -1/errno. */
static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;
	size_t got = 0;

	int err = ENODATA; /* an empty file */

	if (fd < 0)
		return -1;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			got = 0;
			break;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	if (got == 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* A reading that could not be taken: UNKNOWN, "what: why". */
static void unknown(struct probe_result *r, const char *what, const char *why)
{
	r->state = STATE_UNKNOWN;
	snprintf(r->reason, sizeof(r->reason), "%.20s: %.40s", what, why);
}

/* The check's file into buf, or false with r UNKNOWN. */
static bool read_input(const struct check_cfg *c, struct probe_result *r,
		       char *buf, size_t len, const char *what)
{
	if (read_small(c->u.system.path, buf, len) == 0)
		return true;
	unknown(r, what, strerror(errno));
	return false;
}

static void run_throttled(const struct check_cfg *c, struct probe_result *r,
			  char *buf, size_t len)
{
	unsigned long flags;

	if (!read_input(c, r, buf, len, "throttled flags"))
		return;
	if (pi_parse_throttled(buf, &flags) < 0) {
		unknown(r, "throttled flags", "not hexadecimal");
		return;
	}
	r->state = pi_throttled_state(flags, r->reason, sizeof(r->reason));
}

static void run_temperature(const struct check_cfg *c, struct probe_result *r,
			    char *buf, size_t len)
{
	double t;

	if (!read_input(c, r, buf, len, "temperature"))
		return;
	if (pi_parse_millidegrees(buf, &t) < 0) {
		unknown(r, "temperature", "not millidegrees");
		return;
	}
	r->state =
		pi_level(t, c->u.system.warning, c->u.system.critical, false);
	snprintf(r->reason, sizeof(r->reason), "%.1f C", t);
	if (r->state != STATE_OK)
		snprintf(r->reason, sizeof(r->reason), "%.1f C (>= %g C)", t,
			 r->state == STATE_CRITICAL ? c->u.system.critical
						    : c->u.system.warning);
}

static void run_percent(const struct check_cfg *c, struct probe_result *r,
			double pct, const char *what)
{
	r->state =
		pi_level(pct, c->u.system.warning, c->u.system.critical, true);
	snprintf(r->reason, sizeof(r->reason), "%.1f%% %s", pct, what);
	if (r->state != STATE_OK)
		snprintf(r->reason, sizeof(r->reason), "%.1f%% %s (<= %g%%)",
			 pct, what,
			 r->state == STATE_CRITICAL ? c->u.system.critical
						    : c->u.system.warning);
}

/* statvfs() of dir, or of its nearest existing parent: a state_dir not
 * made yet will be made on that file system.  0 or -1/errno. */
static int statvfs_up(const char *dir, struct statvfs *st)
{
	char p[PATH_MAX];
	char *slash;

	snprintf(p, sizeof(p), "%s", dir);
	while (statvfs(p, st) < 0) {
		if (errno != ENOENT || strcmp(p, "/") == 0 ||
		    !(slash = strrchr(p, '/')))
			return -1;
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	return 0;
}

static void run_disk(const struct check_cfg *c, struct probe_result *r)
{
	struct statvfs st;
	double pct;

	if (statvfs_up(c->u.system.path, &st) < 0) {
		unknown(r, "statvfs", strerror(errno));
		return;
	}
	pct = pi_free_pct(st.f_blocks, st.f_bavail);
	if (pct < 0) {
		unknown(r, "statvfs", "a file system of no blocks");
		return;
	}
	run_percent(c, r, pct, "free");
}

static void run_memory(const struct check_cfg *c, struct probe_result *r,
		       char *buf, size_t len)
{
	double pct;

	if (!read_input(c, r, buf, len, "meminfo"))
		return;
	if (pi_parse_meminfo(buf, &pct) < 0) {
		unknown(r, "meminfo", "no MemTotal or MemAvailable");
		return;
	}
	run_percent(c, r, pct, "available");
}

/* Sum of the counters matching root + pattern; how many were read. */
static int sum_counters(const char *root, const char *pattern,
			unsigned long long *sum, char *buf, size_t len)
{
	char pat[PATH_MAX];
	glob_t g;
	int n = 0;

	snprintf(pat, sizeof(pat), "%s%s", root, pattern);
	if (glob(pat, GLOB_NOSORT, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *end;
		unsigned long long v;

		if (read_small(g.gl_pathv[i], buf, len) < 0)
			continue;
		errno = 0;
		v = strtoull(buf, &end, 0); /* ioerr_cnt is "0x..." */
		if (errno || end == buf || *buf == '-')
			continue;
		*sum += v;
		n++;
	}
	globfree(&g);
	return n;
}

static void run_storage(struct pi_check *pc, struct probe_result *r, char *buf,
			size_t len)
{
	const char *root = pc->c->u.system.path;
	unsigned long long sum = 0;
	int n;

	n = sum_counters(root, "/sys/fs/ext4/*/errors_count", &sum, buf, len);
	n += sum_counters(root, "/sys/block/*/device/ioerr_cnt", &sum, buf,
			  len);
	if (!pc->have_base) {
		pc->base_errors = sum;
		pc->have_base = true;
	}
	r->state = STATE_OK;
	if (sum > pc->base_errors) {
		r->state = STATE_CRITICAL;
		snprintf(r->reason, sizeof(r->reason),
			 "%llu new storage errors", sum - pc->base_errors);
	} else if (sum > 0) {
		r->state = STATE_WARNING;
		snprintf(r->reason, sizeof(r->reason),
			 "%llu storage errors before start", sum);
	} else {
		snprintf(r->reason, sizeof(r->reason),
			 "no errors (%d counters)", n);
	}
}

struct pi_check *pi_check_new(const struct check_cfg *c)
{
	struct pi_check *pc = calloc(1, sizeof(*pc));

	if (pc)
		pc->c = c;
	return pc;
}

void pi_check_run(struct pi_check *pc, struct probe_result *r)
{
	char buf[PI_FILE_MAX];

	probe_result_init(r);
	r->ok = true;
	r->has_state = true;
	switch (pc->c->u.system.what) {
	case PI_THROTTLED:
		run_throttled(pc->c, r, buf, sizeof(buf));
		break;
	case PI_TEMPERATURE:
		run_temperature(pc->c, r, buf, sizeof(buf));
		break;
	case PI_DISK:
		run_disk(pc->c, r);
		break;
	case PI_MEMORY:
		run_memory(pc->c, r, buf, sizeof(buf));
		break;
	case PI_STORAGE_ERRORS:
	case PI_READING_COUNT:
		run_storage(pc, r, buf, sizeof(buf));
		break;
	}
}

void pi_check_free(struct pi_check *pc)
{
	free(pc);
}
