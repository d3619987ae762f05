/*
 * test_rdns.c - reverse DNS for the hosts on the mirror against a DNS
 * server this test runs on 127.0.0.1 (tests/unit/dns_fixture.h): the
 * name a PTR gives, the lookups a tick may start, answers and failures
 * remembered (the server is not asked again), the bound on queued
 * lookups, and closing with lookups in flight.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "dns_fixture.h"
#include "loop.h"
#include "rdns.h"

#define DF_T_PTR 12

struct fx {
	struct loop *l;
	struct dns_fixture d;
	struct rdns *r;
	int calls;
	char last[256];
	char last_ip[INET6_ADDRSTRLEN];
};

static void on_name(void *arg, int family, const uint8_t *ip, const char *name)
{
	struct fx *f = arg;

	f->calls++;
	snprintf(f->last, sizeof(f->last), "%s", name);
	inet_ntop(family, ip, f->last_ip, sizeof(f->last_ip));
}

static int64_t on_watchdog(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
	return LOOP_TIMER_DONE;
}

/* Let the loop carry queries and answers for ms. */
static void run_ms(struct fx *f, int64_t ms)
{
	loop_add_timer(f->l, ms * NS_PER_MS, on_watchdog, NULL);
	loop_run(f->l);
}

/* Until the server saw n queries (a generous 5 s at most). */
static void wait_queries(struct fx *f, int n)
{
	for (int i = 0; i < 500 && f->d.n_queries < n; i++)
		run_ms(f, 10);
	assert_int_equal(f->d.n_queries, n);
}

/* Tick a second at a time, the loop running between, until done was
 * called n times in all (5 s at most). */
static void tick_until_calls(struct fx *f, int n, int64_t *now)
{
	for (int i = 0; i < 500 && f->calls < n; i++) {
		run_ms(f, 10);
		*now += NS_PER_S;
		rdns_tick(f->r, *now);
	}
	assert_int_equal(f->calls, n);
}

static const uint8_t *v4(const char *s)
{
	static uint8_t b[4][16];
	static int k;
	uint8_t *p = b[k++ % 4];

	assert_int_equal(inet_pton(AF_INET, s, p), 1);
	return p;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	unsigned char name[64];

	assert_non_null(f);
	f->l = loop_new();
	assert_non_null(f->l);
	assert_int_equal(df_open(&f->d, f->l), 0);
	df_add_rr(&f->d, DF_T_PTR, name, df_encode_name(name, "laptop-9.lab"));
	f->r = rdns_open(f->l, f->d.addr, 1, on_name, f);
	assert_non_null(f->r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rdns_close(f->r);
	df_close(&f->d);
	loop_free(f->l);
	free(f);
	return 0;
}

static void test_name_paced_and_remembered(void **state)
{
	struct fx *f = *state;
	struct rdns_counts c;
	int64_t now = NS_PER_S;

	assert_int_equal(rdns_want(f->r, AF_INET, v4("10.77.0.62"), 1), 0);
	assert_int_equal(rdns_want(f->r, AF_INET, v4("10.77.0.63"), 2), 0);
	/* wanted twice, queued once */
	assert_int_equal(rdns_want(f->r, AF_INET, v4("10.77.0.62"), 3), 0);
	rdns_tick(f->r, now); /* one lookup a second */
	wait_queries(f, 1);
	assert_string_equal(f->d.last_name, "62.0.77.10.in-addr.arpa");
	assert_int_equal(f->calls, 0); /* answers wait for a tick */
	tick_until_calls(f, 1, &now);
	assert_string_equal(f->last, "laptop-9.lab");
	assert_string_equal(f->last_ip, "10.77.0.62");
	tick_until_calls(f, 2, &now);
	assert_string_equal(f->last_ip, "10.77.0.63");
	assert_int_equal(f->d.n_queries, 2);
	/* remembered: not asked again within the TTL */
	assert_int_equal(rdns_want(f->r, AF_INET, v4("10.77.0.62"), now), 0);
	rdns_tick(f->r, now + NS_PER_S);
	run_ms(f, 100);
	assert_int_equal(f->d.n_queries, 2);
	/* asked again once it expired */
	now += (RDNS_POSITIVE_TTL_S + 10) * NS_PER_S;
	assert_int_equal(rdns_want(f->r, AF_INET, v4("10.77.0.62"), now), 0);
	rdns_tick(f->r, now);
	wait_queries(f, 3);
	rdns_counts(f->r, &c);
	assert_int_equal(c.lookups, 3);
	assert_int_equal(c.answered, 2);
	assert_int_equal(c.failed, 0);
}

static void test_nxdomain_remembered(void **state)
{
	struct fx *f = *state;
	struct rdns_counts c = { 0 };
	int64_t now = NS_PER_S;

	f->d.mode = DF_NXDOMAIN;
	rdns_want(f->r, AF_INET, v4("10.77.0.64"), 1);
	rdns_tick(f->r, now);
	wait_queries(f, 1);
	for (int i = 0; i < 500 && c.failed == 0; i++) {
		run_ms(f, 10);
		rdns_tick(f->r, now += NS_PER_S);
		rdns_counts(f->r, &c);
	}
	assert_int_equal(c.failed, 1);
	assert_int_equal(f->calls, 0);
	rdns_want(f->r, AF_INET, v4("10.77.0.64"), now);
	rdns_tick(f->r, now + NS_PER_S);
	run_ms(f, 100);
	assert_int_equal(f->d.n_queries, 1);
}

static void test_queue_bound(void **state)
{
	struct fx *f = *state;
	uint8_t ip[4] = { 10, 78, 0, 0 };
	struct rdns_counts c;

	for (int i = 0; i < RDNS_MAX; i++) {
		ip[2] = (uint8_t)(i >> 8);
		ip[3] = (uint8_t)i;
		assert_int_equal(rdns_want(f->r, AF_INET, ip, i), 0);
	}
	ip[2] = 9;
	errno = 0;
	assert_int_equal(rdns_want(f->r, AF_INET, ip, RDNS_MAX), -1);
	assert_int_equal(errno, ENOSPC);
	rdns_counts(f->r, &c);
	assert_int_equal(c.dropped, 1);
}

static void test_close_in_flight(void **state)
{
	struct fx *f = *state;

	f->d.mode = DF_SILENT;
	rdns_want(f->r, AF_INET, v4("10.77.0.65"), 1);
	rdns_tick(f->r, NS_PER_S);
	wait_queries(f, 1);
	rdns_close(f->r);
	f->r = NULL;
	run_ms(f, 50);
	assert_int_equal(f->calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_name_paced_and_remembered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nxdomain_remembered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_queue_bound, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_in_flight, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
