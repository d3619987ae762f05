/*
 * procself.h - the daemon's own resource use, as every Prometheus client
 * library exports it (process_cpu_seconds_total, _resident_memory_bytes,
 * _open_fds, _max_fds, _start_time_seconds).
 *
 * procself_read() takes one snapshot from /proc/self (stat, statm, fd/)
 * and getrlimit(); it is called per scrape, nothing is cached.  The
 * parsers are separate for the tests.
 */
#ifndef PL_PROCSELF_H
#define PL_PROCSELF_H

#include <stdint.h>

#define PROCSELF_ROOT "/proc/self"

struct procself {
	double cpu_seconds;    /* user + system since start */
	double resident_bytes; /* RSS */
	double open_fds;       /* entries of fd/ (-1: unreadable) */
	double max_fds;	       /* RLIMIT_NOFILE soft limit (-1: unlimited) */
	double start_time_s;   /* Unix time the process started */
};

/* From the text of /proc/PID/stat: utime + stime and starttime, in clock
 * ticks.  The command name may hold spaces and ')': fields are counted
 * after the last ')'.  Returns 0, or -1/EINVAL. */
int procself_parse_stat(const char *text, uint64_t *cpu_ticks,
			uint64_t *start_ticks);

/* From the text of /proc/PID/statm: resident pages.  0 or -1/EINVAL. */
int procself_parse_statm(const char *text, uint64_t *resident_pages);

/* Snapshot root (NULL: PROCSELF_ROOT) into out.  The start time is the
 * wall clock now minus CLOCK_BOOTTIME since starttime (not /proc/stat's
 * btime, which the unit's ProcSubset=pid hides).  Returns 0, or -1 with
 * errno when stat or statm cannot be read or parsed. */
int procself_read(struct procself *out, const char *root);

#endif
