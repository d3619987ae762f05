/*
 * pi_bench.c - what one reading of each of the Pi's own checks costs the
 * loop (they run synchronously in the scheduler's timer), on this
 * machine's real /sys and /proc: median and worst of N readings, in
 * microseconds.  A reading whose file this machine does not have is said
 * and skipped.  Also the cost of formatting one RFC 5424 line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "pi_check.h"
#include "remotelog.h"

#define RUNS 2000

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, int64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof(*ns), cmp_i64);
	printf("%-26s median %7.2f us   worst %8.2f us   (%d runs)\n", what,
	       ns[n / 2] / 1e3, ns[n - 1] / 1e3, n);
}

static void bench_check(const char *what, enum pi_reading r, char *path)
{
	static int64_t ns[RUNS];
	struct check_cfg c = { .type = CHECK_SYSTEM };
	struct probe_result res;
	struct pi_check *pc;

	if (r != PI_DISK && r != PI_STORAGE_ERRORS && access(path, R_OK) != 0) {
		printf("%-26s (no %s here)\n", what, path);
		return;
	}
	c.u.system.what = r;
	c.u.system.path = path;
	c.u.system.warning = 10;
	c.u.system.critical = 5;
	pc = pi_check_new(&c);
	for (int i = 0; i < RUNS; i++) {
		int64_t t0 = clock_now_ns();

		pi_check_run(pc, &res);
		ns[i] = clock_now_ns() - t0;
	}
	pi_check_free(pc);
	report(what, ns, RUNS);
	printf("%-26s last: %s %s\n", "", state_name(res.state), res.reason);
}

int main(void)
{
	static int64_t ns[RUNS];
	char line[REMOTELOG_LINE_MAX];
	struct timespec wall;

	bench_check("pi/throttled", PI_THROTTLED,
		    "/sys/devices/platform/soc/soc:firmware/get_throttled");
	bench_check("pi/temperature", PI_TEMPERATURE,
		    "/sys/class/thermal/thermal_zone0/temp");
	bench_check("pi/disk_root", PI_DISK, "/");
	bench_check("pi/memory", PI_MEMORY, "/proc/meminfo");
	bench_check("pi/storage_errors", PI_STORAGE_ERRORS, "");
	clock_gettime(CLOCK_REALTIME, &wall);
	for (int i = 0; i < RUNS; i++) {
		int64_t t0 = clock_now_ns();

		remotelog_format(line, sizeof(line), 4, &wall, "pi4",
				 "pilotlight", 812,
				 "event: gw/ping: OK -> CRITICAL (no reply)");
		ns[i] = clock_now_ns() - t0;
	}
	report("RFC 5424 line", ns, RUNS);
	return 0;
}
