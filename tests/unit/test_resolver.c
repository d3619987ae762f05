/*
 * test_resolver.c - host-name lookups through the resolver against a DNS
 * server this test runs on 127.0.0.1 (tests/unit/dns_fixture.h): names to
 * addresses, NXDOMAIN, a silent server, literal addresses that must never
 * reach the network, cancel and close with lookups in flight, the bound on
 * pending lookups.  Asserts what a user sees: address text and messages.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
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
#include "resolver.h"

struct fx;

/* One lookup's outcome. */
struct got {
	struct fx *f;
	int calls;
	struct resolver_answer a;
	int64_t done_ns;
};

struct fx {
	struct loop *l;
	struct dns_fixture d;
	struct resolver *r;
	int calls;   /* all lookups together */
	int stop_at; /* stop the loop after this many */
	bool close_in_done;
};

static void on_done(void *arg, const struct resolver_answer *a)
{
	struct got *g = arg;
	struct fx *f = g->f;

	g->calls++;
	g->a = *a;
	g->done_ns = clock_now_ns();
	if (++f->calls == f->stop_at)
		loop_stop(f->l);
	if (f->close_in_done) {
		resolver_close(f->r);
		f->r = NULL;
	}
}

static int64_t on_watchdog(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
	return LOOP_TIMER_DONE;
}

static void run_for(struct fx *f, int stop_at, int64_t watchdog_ms)
{
	int64_t wd = loop_add_timer(f->l, watchdog_ms * NS_PER_MS, on_watchdog,
				    NULL);

	f->stop_at = stop_at;
	loop_run(f->l);
	loop_del_timer(f->l, wd);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->l = loop_new();
	assert_non_null(f->l);
	assert_int_equal(df_open(&f->d, f->l), 0);
	df_add_a(&f->d, "10.77.0.5");
	df_add_aaaa(&f->d, "fd00::5");
	f->r = resolver_open_with_servers(f->l, f->d.addr);
	assert_non_null(f->r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	resolver_close(f->r);
	df_close(&f->d);
	loop_free(f->l);
	free(f);
	return 0;
}

static const char *addr_text(const struct resolver_answer *a, int i)
{
	static char buf[INET6_ADDRSTRLEN];
	const struct sockaddr *sa = (const struct sockaddr *)&a->addrs[i];

	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET,
				 &((const struct sockaddr_in *)sa)->sin_addr,
				 buf, sizeof(buf));
	return inet_ntop(AF_INET6,
			 &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			 sizeof(buf));
}

/* Look up, check it did not answer synchronously, run until answered. */
static void lookup(struct fx *f, struct got *g, const char *name, int family,
		   int64_t watchdog_ms)
{
	int id;

	g->f = f;
	id = resolver_lookup(f->r, name, family, on_done, g);
	assert_true(id > 0);
	assert_int_equal(g->calls, 0);
	run_for(f, f->calls + 1, watchdog_ms);
	assert_int_equal(g->calls, 1);
}

static void test_name_to_ipv4(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };

	lookup(f, &g, "nas.lan", AF_INET, 2000);
	assert_int_equal(g.a.status, RESOLVER_OK);
	assert_string_equal(g.a.error, "");
	assert_int_equal(g.a.n_addrs, 1);
	assert_string_equal(addr_text(&g.a, 0), "10.77.0.5");
	assert_int_equal(g.a.lens[0], sizeof(struct sockaddr_in));
	assert_string_equal(f->d.last_name, "nas.lan");
	assert_int_equal(f->d.n_queries, 1);
}

static void test_unspec_puts_ipv4_first(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };

	lookup(f, &g, "nas.lan", AF_UNSPEC, 2000);
	assert_int_equal(g.a.status, RESOLVER_OK);
	assert_int_equal(g.a.n_addrs, 2);
	assert_string_equal(addr_text(&g.a, 0), "10.77.0.5");
	assert_string_equal(addr_text(&g.a, 1), "fd00::5");
}

static void test_ipv6_only(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };

	lookup(f, &g, "nas.lan", AF_INET6, 2000);
	assert_int_equal(g.a.status, RESOLVER_OK);
	assert_int_equal(g.a.n_addrs, 1);
	assert_string_equal(addr_text(&g.a, 0), "fd00::5");
	assert_int_equal(f->d.last_qtype, DF_T_AAAA);
}

static void test_nxdomain(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };

	f->d.mode = DF_NXDOMAIN;
	lookup(f, &g, "nas.lan", AF_INET, 2000);
	assert_int_equal(g.a.status, RESOLVER_NOT_FOUND);
	assert_string_equal(g.a.error, "nas.lan: Domain name not found");
	assert_int_equal(g.a.n_addrs, 0);
}

static void test_no_address_of_family(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };

	f->d.n_rrs = 1; /* the A record only */
	lookup(f, &g, "nas.lan", AF_INET6, 2000);
	assert_int_equal(g.a.status, RESOLVER_NOT_FOUND);
	assert_string_equal(g.a.error, "nas.lan: no IPv6 address");
}

/* 1 s for the first try, 2 s for the second: timeout within ~3 s. */
static void test_silent_server_times_out(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };
	int64_t start = clock_now_ns();
	double ms;

	f->d.mode = DF_SILENT;
	lookup(f, &g, "nas.lan", AF_INET, 6000);
	ms = (double)(g.done_ns - start) / (double)NS_PER_MS;
	assert_int_equal(g.a.status, RESOLVER_TIMEOUT);
	assert_string_equal(g.a.error, "nas.lan: timeout");
	assert_true(ms >= 2900.0); /* both tries waited for */
	assert_int_equal(f->d.n_queries, RESOLVER_TRIES);
}

static void test_literals_never_touch_network(void **state)
{
	struct fx *f = *state;
	struct got v4 = { .f = f }, v6 = { .f = f }, scoped = { .f = f };
	const struct sockaddr_in6 *sin6;

	assert_true(resolver_lookup(f->r, "192.0.2.7", AF_UNSPEC, on_done,
				    &v4) > 0);
	assert_true(resolver_lookup(f->r, "2001:db8::7", AF_INET6, on_done,
				    &v6) > 0);
	assert_true(resolver_lookup(f->r, "fe80::1%lo", AF_UNSPEC, on_done,
				    &scoped) > 0);
	assert_int_equal(f->calls, 0); /* never synchronously */
	run_for(f, 3, 500);
	assert_int_equal(v4.calls, 1);
	assert_int_equal(v4.a.status, RESOLVER_OK);
	assert_int_equal(v4.a.n_addrs, 1);
	assert_string_equal(addr_text(&v4.a, 0), "192.0.2.7");
	assert_int_equal(v6.a.status, RESOLVER_OK);
	assert_string_equal(addr_text(&v6.a, 0), "2001:db8::7");
	assert_int_equal(v6.a.lens[0], sizeof(struct sockaddr_in6));
	assert_int_equal(scoped.a.status, RESOLVER_OK);
	sin6 = (const struct sockaddr_in6 *)&scoped.a.addrs[0];
	assert_int_equal(sin6->sin6_scope_id, if_nametoindex("lo"));
	assert_int_equal(f->d.n_queries, 0);
}

static void test_literal_of_other_family(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };

	lookup(f, &g, "192.0.2.7", AF_INET6, 500);
	assert_int_equal(g.a.status, RESOLVER_NOT_FOUND);
	assert_string_equal(g.a.error, "192.0.2.7: not an IPv6 address");
	assert_int_equal(f->d.n_queries, 0);
}

static void test_cancel_no_callback(void **state)
{
	struct fx *f = *state;
	struct got a = { .f = f }, lit = { .f = f }, other = { .f = f };
	int id_a, id_lit;

	id_a = resolver_lookup(f->r, "nas.lan", AF_INET, on_done, &a);
	id_lit = resolver_lookup(f->r, "192.0.2.7", AF_INET, on_done, &lit);
	assert_true(resolver_lookup(f->r, "other.lan", AF_INET, on_done,
				    &other) > 0);
	assert_true(id_a > 0 && id_lit > 0 && id_a != id_lit);
	resolver_cancel(f->r, id_a);
	resolver_cancel(f->r, id_lit);
	resolver_cancel(f->r, 999999); /* unknown: ignored */
	run_for(f, 1, 2000);
	run_for(f, 2, 200); /* give stragglers a chance */
	assert_int_equal(a.calls, 0);
	assert_int_equal(lit.calls, 0);
	assert_int_equal(other.calls, 1);
	assert_string_equal(addr_text(&other.a, 0), "10.77.0.5");
}

static void test_close_with_pending(void **state)
{
	struct fx *f = *state;
	struct got a = { .f = f }, lit = { .f = f };

	f->d.mode = DF_SILENT;
	assert_true(resolver_lookup(f->r, "nas.lan", AF_INET, on_done, &a) > 0);
	assert_true(resolver_lookup(f->r, "10.0.0.1", AF_INET, on_done, &lit) >
		    0);
	run_for(f, 99, 50); /* the question is out */
	assert_int_equal(f->d.n_queries, 1);
	assert_int_equal(lit.calls, 1);
	assert_true(resolver_lookup(f->r, "10.0.0.2", AF_INET, on_done, &lit) >
		    0);
	resolver_close(f->r);
	f->r = NULL;
	resolver_close(NULL);
	run_for(f, 99, 1500);
	assert_int_equal(a.calls, 0);
	assert_int_equal(lit.calls, 1);
}

/* done may close the resolver with other answers waiting. */
static void test_close_from_callback(void **state)
{
	struct fx *f = *state;
	struct got g[3] = { { .f = f }, { .f = f }, { .f = f } };

	f->close_in_done = true;
	for (int i = 0; i < 3; i++)
		assert_true(resolver_lookup(f->r, "10.0.0.1", AF_INET, on_done,
					    &g[i]) > 0);
	run_for(f, 99, 200);
	assert_null(f->r);
	assert_int_equal(f->calls, 1);
}

static void test_pending_lookups_bounded(void **state)
{
	struct fx *f = *state;
	static struct got g[RESOLVER_MAX_PENDING + 1];
	struct got again = { .f = f };

	for (int i = 0; i < RESOLVER_MAX_PENDING; i++) {
		g[i] = (struct got){ .f = f };
		assert_true(resolver_lookup(f->r, "192.0.2.1", AF_INET, on_done,
					    &g[i]) > 0);
	}
	errno = 0;
	assert_int_equal(resolver_lookup(f->r, "192.0.2.1", AF_INET, on_done,
					 &g[RESOLVER_MAX_PENDING]),
			 -1);
	assert_int_equal(errno, EAGAIN);
	run_for(f, RESOLVER_MAX_PENDING, 2000);
	assert_int_equal(f->calls, RESOLVER_MAX_PENDING);
	assert_int_equal(g[RESOLVER_MAX_PENDING].calls, 0);
	lookup(f, &again, "192.0.2.2", AF_INET, 500);
	assert_string_equal(addr_text(&again.a, 0), "192.0.2.2");
}

static void test_bad_arguments(void **state)
{
	struct fx *f = *state;
	struct got g = { .f = f };

	errno = 0;
	assert_int_equal(resolver_lookup(f->r, "", AF_INET, on_done, &g), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(resolver_lookup(f->r, "nas", AF_PACKET, on_done, &g),
			 -1);
	assert_int_equal(resolver_lookup(f->r, NULL, AF_INET, on_done, &g), -1);
	assert_int_equal(resolver_lookup(NULL, "nas", AF_INET, on_done, &g),
			 -1);
	assert_null(resolver_open_with_servers(f->l, "not a server list"));
	assert_null(resolver_open(NULL));
}

/* The system configuration opens; a literal then needs no server at all. */
static void test_system_resolver_opens(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };

	resolver_close(f->r);
	f->r = resolver_open(f->l);
	assert_non_null(f->r);
	lookup(f, &g, "127.0.0.1", AF_UNSPEC, 500);
	assert_string_equal(addr_text(&g.a, 0), "127.0.0.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_name_to_ipv4, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unspec_puts_ipv4_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nxdomain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_address_of_family,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_server_times_out,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_literals_never_touch_network, setup, teardown),
		cmocka_unit_test_setup_teardown(test_literal_of_other_family,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_no_callback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_with_pending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_from_callback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pending_lookups_bounded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_system_resolver_opens,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
