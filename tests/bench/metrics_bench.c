/*
 * metrics_bench.c - CPU time to render /metrics for a big site: the
 * config given (tests/bench/metrics writes one with 1000 hosts and 200
 * checks), every check with a full result fed through the real policy.
 *
 *   metrics_bench CONFIG [RENDERS]
 *
 * Prints the CPU time per render (CLOCK_PROCESS_CPUTIME_ID), the size
 * and the number of series; exits 1 if a render takes 5 ms or more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/exports/exports_int.h"
#include "clock.h"
#include "policy.h"

#define BUDGET_MS 5.0

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void feed(struct policy *p, const struct pl_config *cfg)
{
	int idx = 0;

	for (int h = 0; h < cfg->n_hosts; h++) {
		for (int c = 0; c < cfg->hosts[h].n_checks; c++, idx++) {
			struct probe_result r;

			probe_result_init(&r);
			r.ok = idx % 7 != 0;
			r.value[METRIC_RTT] = 0.5 + idx * 0.013;
			r.value[METRIC_LOSS] = r.ok ? 0 : 100;
			r.value[METRIC_JITTER] = 0.021 * (idx % 5);
			r.value[METRIC_RESPONSE_TIME] = 3.25 + idx;
			r.rtt_min_ms = 0.4;
			r.rtt_max_ms = 0.9 + idx * 0.01;
			snprintf(r.reason, sizeof(r.reason), "round %d", idx);
			policy_report(p, idx, &r, clock_now_ns());
		}
	}
}

int main(int argc, char **argv)
{
	struct config_errors errs = { 0 };
	struct pl_config *cfg;
	struct policy *p;
	struct xbuf b = { 0 };
	struct metrics_self self = { 0 };
	int renders = argc > 2 ? atoi(argv[2]) : 200;
	size_t series = 0;
	double t0, per;

	if (argc < 2 || renders <= 0) {
		fprintf(stderr, "usage: metrics_bench CONFIG [RENDERS]\n");
		return 2;
	}
	cfg = config_load(argv[1], &errs);
	if (!cfg) {
		config_errors_print(&errs, stderr);
		return 2;
	}
	p = policy_new(cfg, clock_now_ns());
	if (!p)
		return 2;
	feed(p, cfg);
	self.now_ns = clock_now_ns();
	self.wall_ns = clock_wall_ns();
	metrics_render(&b, policy_status(p), &self); /* warm the buffer */
	t0 = cpu_ms();
	for (int i = 0; i < renders; i++) {
		xbuf_reset(&b);
		metrics_render(&b, policy_status(p), &self);
	}
	per = (cpu_ms() - t0) / renders;
	for (size_t i = 0; i < b.len; i++)
		if (b.p[i] == '\n' && i + 1 < b.len && b.p[i + 1] != '#')
			series++;
	printf("render /metrics: %d hosts, %d checks: %.3f ms CPU per render "
	       "(%zu bytes, %zu series; budget %.0f ms)\n",
	       cfg->n_hosts, policy_status(p)->n_checks, per, b.len, series,
	       BUDGET_MS);
	xbuf_free(&b);
	policy_free(p);
	config_free(cfg);
	return per < BUDGET_MS ? 0 : 1;
}
