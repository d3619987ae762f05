/*
 * ping_bench.c - the ping engine against fping on 1000 loopback targets
 * (127.0.0.1 .. 127.0.3.232), each pinged once a second for N seconds:
 * CPU time per 1000 probes (getrusage: the engine's own process, fping as
 * a waited-for child) and the median RTT of each.  The engine runs with
 * raw sockets and, where ping_group_range allows, with ICMP datagram
 * sockets; then fping runs alone.  Built and run by tests/bench/ping,
 * inside a network namespace of its own.  Usage: ping_bench [SECONDS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "ping.h"

#define TARGETS	   1000
#define TICK_NS	   (NS_PER_S / TARGETS) /* one probe a millisecond */
#define TIMEOUT_MS 1000

struct result {
	const char *name;
	long sent, received;
	double cpu_ms;
	double median_rtt_us;
};

struct bench {
	struct loop *l;
	struct ping *p;
	struct sockaddr_in target[TARGETS];
	long total, started, finished;
	double *rtt_ms;
	long n_rtt;
	long received;
};

static void target_name(int i, char *buf, size_t len)
{
	int n = i + 1; /* 127.0.0.1 .. 127.0.3.232 */

	snprintf(buf, len, "127.0.%d.%d", n / 256, n % 256);
}

static double cpu_ms(const struct rusage *a, const struct rusage *b)
{
	double us = (double)(b->ru_utime.tv_sec - a->ru_utime.tv_sec) * 1e6 +
		    (double)(b->ru_utime.tv_usec - a->ru_utime.tv_usec) +
		    (double)(b->ru_stime.tv_sec - a->ru_stime.tv_sec) * 1e6 +
		    (double)(b->ru_stime.tv_usec - a->ru_stime.tv_usec);

	return us / 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, long n)
{
	if (n == 0)
		return -1;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void on_done(void *arg, const struct ping_stats *st)
{
	struct bench *b = arg;

	if (st->received > 0) {
		b->received += st->received;
		b->rtt_ms[b->n_rtt++] = st->rtt_avg_ms;
	}
	if (++b->finished == b->total)
		loop_stop(b->l);
}

/* One target per tick, round robin: each is probed once a second. */
static int64_t on_tick(struct loop *l, void *arg)
{
	static const struct ping_params pp = {
		.count = 1,
		.payload = 56,
		.timeout_ns = TIMEOUT_MS * NS_PER_MS,
	};
	struct bench *b = arg;
	const struct sockaddr_in *t = &b->target[b->started % TARGETS];

	(void)l;
	if (ping_start(b->p, (const struct sockaddr *)t, sizeof(*t), &pp,
		       on_done, b) < 0) {
		fprintf(stderr, "ping_start: %s\n", strerror(errno));
		b->finished++;
	}
	return ++b->started < b->total ? TICK_NS : LOOP_TIMER_DONE;
}

static int run_engine(bool force_raw, int seconds, struct result *r)
{
	struct bench b = { .total = (long)TARGETS * seconds };
	struct rusage r0, r1;
	char ip[32];

	b.rtt_ms = calloc((size_t)b.total, sizeof(double));
	b.l = loop_new();
	b.p = b.l ? ping_open(b.l, force_raw) : NULL;
	if (!b.rtt_ms || !b.p) {
		fprintf(stderr, "ping_open: %s\n", strerror(errno));
		return -1;
	}
	r->name = ping_socket_kind(b.p, AF_INET) == PING_SOCK_RAW
			  ? "engine raw"
			  : "engine dgram";
	for (int i = 0; i < TARGETS; i++) {
		b.target[i].sin_family = AF_INET;
		target_name(i, ip, sizeof(ip));
		inet_pton(AF_INET, ip, &b.target[i].sin_addr);
	}
	getrusage(RUSAGE_SELF, &r0);
	loop_add_timer(b.l, 0, on_tick, &b);
	loop_run(b.l);
	getrusage(RUSAGE_SELF, &r1);
	r->sent = b.total;
	r->received = b.received;
	r->cpu_ms = cpu_ms(&r0, &r1);
	r->median_rtt_us = median(b.rtt_ms, b.n_rtt) * 1000.0;
	ping_close(b.p);
	loop_free(b.l);
	free(b.rtt_ms);
	return 0;
}

/* fping -C prints "127.0.0.1 : 0.04 0.03 -" per target on stderr. */
static void parse_fping(FILE *f, struct result *r, double *rtt, long cap)
{
	char line[16384];
	long n = 0;

	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':'), *tok, *save = NULL;

		if (!p)
			continue;
		for (tok = strtok_r(p + 1, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save)) {
			char *end;
			double v = strtod(tok, &end);

			if (end == tok || *end)
				continue; /* "-": no reply */
			r->received++;
			if (n < cap)
				rtt[n++] = v;
		}
	}
	r->median_rtt_us = median(rtt, n) * 1000.0;
}

static char **fping_argv(int seconds, char *count)
{
	static char names[TARGETS][20];
	static char *argv[TARGETS + 16];
	int a = 0;

	snprintf(count, 16, "%d", seconds);
	argv[a++] = "fping";
	argv[a++] = "-q";
	argv[a++] = "-C";
	argv[a++] = count;
	argv[a++] = "-p";
	argv[a++] = "1000";
	argv[a++] = "-i";
	argv[a++] = "1";
	argv[a++] = "-t";
	argv[a++] = "1000";
	for (int i = 0; i < TARGETS; i++) {
		target_name(i, names[i], sizeof(names[i]));
		argv[a++] = names[i];
	}
	argv[a] = NULL;
	return argv;
}

static int run_fping(int seconds, struct result *r)
{
	char count[16];
	char **argv = fping_argv(seconds, count);
	FILE *out = tmpfile();
	struct rusage ru = { 0 }, zero = { 0 };
	double *rtt = calloc((size_t)TARGETS * seconds, sizeof(double));
	int status;
	pid_t pid;

	if (!out || !rtt)
		return -1;
	r->name = "fping";
	pid = fork();
	if (pid == 0) {
		dup2(fileno(out), STDERR_FILENO);
		dup2(fileno(out), STDOUT_FILENO);
		execvp("fping", argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
		return -1;
	/* fping exits 1 when some target did not answer. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
		fprintf(stderr, "fping failed (status %d)\n", status);
		return -1;
	}
	r->sent = (long)TARGETS * seconds;
	r->cpu_ms = cpu_ms(&zero, &ru);
	rewind(out);
	parse_fping(out, r, rtt, (long)TARGETS * seconds);
	fclose(out);
	free(rtt);
	return 0;
}

static double per_1000(const struct result *r)
{
	return r->sent ? r->cpu_ms * 1000.0 / (double)r->sent : 0;
}

static void print_table(const struct result *res, int n,
			const struct result *fp)
{
	printf("%-14s %8s %8s %12s %9s %10s %10s\n", "", "probes", "replies",
	       "CPU ms/1000", "vs fping", "median RTT", "vs fping");
	for (int i = 0; i < n; i++) {
		const struct result *r = &res[i];

		printf("%-14s %8ld %8ld %12.1f %8.2fx %8.1f us %+8.1f us\n",
		       r->name, r->sent, r->received, per_1000(r),
		       per_1000(fp) > 0 ? per_1000(r) / per_1000(fp) : 0,
		       r->median_rtt_us, r->median_rtt_us - fp->median_rtt_us);
	}
}

int main(int argc, char **argv)
{
	struct result res[3] = { { 0 } };
	int seconds = 10, n = 0;
	char *end;

	if (argc > 1) {
		long v = strtol(argv[1], &end, 10);

		if (*end || v < 1 || v > 600) {
			fprintf(stderr, "usage: ping_bench [SECONDS 1..600]\n");
			return 2;
		}
		seconds = (int)v;
	}
	printf("%d targets x %d s, 1 probe per target per second\n", TARGETS,
	       seconds);
	fflush(stdout);
	if (run_engine(true, seconds, &res[n++]) < 0)
		return 1;
	if (run_engine(false, seconds, &res[n]) < 0)
		return 1;
	if (strcmp(res[n].name, "engine dgram") == 0)
		n++;
	if (run_fping(seconds, &res[n]) < 0)
		return 1;
	print_table(res, n + 1, &res[n]);
	return 0;
}
