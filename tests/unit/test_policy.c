/*
 * test_policy.c - the roll-up from check results to what the panel shows:
 * start-up grace (its end, and reloads), parent dependencies, M-of-N groups,
 * the alarm and its acknowledgement, maintenance (both across a restart), the
 * event history (a flood of new
 * devices included) and reload.
 *
 * tests/configs/good/policy.cfg: router; nas (ping, tcp) a1 a2 a3 behind
 * the router; web (http, fail_after 1).  Flat check indices below.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"
#include "policy.h"

enum { ROUTER, NAS_PING, NAS_TCP, A1, A2, A3, WEB, N_CHECKS };

#define S(n) ((int64_t)(n)*NS_PER_S)

struct fixture {
	struct pl_config *cfg;
	struct policy *p;
	int64_t now;
};

static int setup(void **state)
{
	static struct fixture f;
	struct config_errors errs = { 0 };

	f.cfg = config_load("tests/configs/good/policy.cfg", &errs);
	if (!f.cfg) {
		config_errors_print(&errs, stderr);
		return -1;
	}
	f.now = S(100);
	f.p = policy_new(f.cfg, f.now);
	*state = &f;
	return f.p ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	policy_free(f->p);
	config_free(f->cfg);
	return 0;
}

static void report(struct fixture *f, int idx, bool ok, double rtt_ms)
{
	struct probe_result r;

	probe_result_init(&r);
	r.ok = ok;
	if (idx == WEB) {
		r.value[METRIC_RESPONSE_TIME] = 5;
	} else if (idx == NAS_TCP) {
		r.value[METRIC_RESPONSE_TIME] = ok ? 1 : NAN;
	} else {
		r.value[METRIC_RTT] = ok ? rtt_ms : NAN;
		r.value[METRIC_LOSS] = ok ? 0 : 100;
	}
	strcpy(r.reason, ok ? "fine" : "no reply");
	f->now += S(1);
	policy_report(f->p, idx, &r, f->now);
}

/* One round of results for every check; bad[] lists the failing ones. */
static void round_of(struct fixture *f, const int *bad, int n_bad)
{
	for (int i = 0; i < N_CHECKS; i++) {
		bool fail = false;

		for (int j = 0; j < n_bad; j++)
			fail |= bad[j] == i;
		report(f, i, !fail, 2);
	}
}

static const struct status *st(struct fixture *f)
{
	return policy_status(f->p);
}

static void grace_then_all_green(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(st(f)->n_checks, N_CHECKS);
	assert_int_equal(st(f)->overall, STATE_UNKNOWN);
	assert_string_equal(st(f)->checks[A1].reason,
			    "waiting for first result");
	assert_false(st(f)->alarm);
	round_of(f, NULL, 0);
	assert_int_equal(st(f)->overall, STATE_OK);
	assert_int_equal(st(f)->n_ok, 6);
	assert_int_equal(st(f)->groups[0], STATE_OK);
	assert_false(st(f)->alarm);
}

static void no_alarm_before_every_check_has_decided(void **state)
{
	struct fixture *f = *state;

	/* web fails from the start (fail_after 1): CRITICAL at once, but
	 * the others have not reported yet. */
	report(f, WEB, false, 0);
	assert_int_equal(st(f)->checks[WEB].state, STATE_CRITICAL);
	assert_false(st(f)->alarm);
	round_of(f, (const int[]){ WEB }, 1);
	assert_true(st(f)->alarm);
	assert_int_equal(st(f)->alarm_state, STATE_CRITICAL);
}

/* policy.cfg sets no grace: twice web's 10 s x 1 + 1 s, the fastest. */
#define GRACE S(22)

/* A check that never reports keeps the alarm silent only until grace
 * ends; then the alarm follows the site, the silent check UNKNOWN. */
static void grace_ends_though_a_check_never_decides(void **state)
{
	struct fixture *f = *state;
	int64_t start = f->now;

	assert_int_equal(f->cfg->grace_ms * NS_PER_MS, GRACE);
	for (int i = 0; i < N_CHECKS; i++)
		if (i != A3)
			report(f, i, i != WEB, 2);
	assert_int_equal(st(f)->overall, STATE_CRITICAL);
	assert_false(st(f)->alarm);
	assert_false(policy_due(f->p, start + GRACE - 1));
	policy_tick(f->p, start + GRACE - 1);
	assert_false(st(f)->alarm);
	assert_true(policy_due(f->p, start + GRACE));
	policy_tick(f->p, start + GRACE);
	assert_true(st(f)->alarm);
	assert_int_equal(st(f)->alarm_state, STATE_CRITICAL);
	assert_false(policy_due(f->p, start + GRACE));
	assert_int_equal(st(f)->checks[A3].state, STATE_UNKNOWN);
	assert_string_equal(st(f)->checks[A3].reason,
			    "waiting for first result");
}

static struct pl_config *load_grace_cfg(void)
{
	struct config_errors errs = { 0 };
	struct pl_config *cfg;

	cfg = config_load("tests/configs/good/policy_grace.cfg", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->grace_ms, 30000);
	return cfg;
}

/* Grace is over: a reload that adds a check that has not decided does
 * not silence the alarm again. */
static void reload_does_not_restart_grace(void **state)
{
	struct fixture *f = *state;
	struct pl_config *next = load_grace_cfg();

	round_of(f, (const int[]){ WEB }, 1);
	assert_true(st(f)->alarm);
	assert_int_equal(policy_reload(f->p, next, f->now), 0);
	assert_false(st(f)->checks[1].have_result); /* late/ping */
	assert_true(st(f)->alarm);
	assert_int_equal(st(f)->alarm_state, STATE_CRITICAL);
	assert_int_equal(policy_reload(f->p, f->cfg, f->now), 0);
	config_free(next);
}

/* Reloaded during grace: the new grace, counted from the start. */
static void reload_in_grace_counts_from_the_start(void **state)
{
	struct fixture *f = *state;
	struct pl_config *next = load_grace_cfg();
	int64_t start = f->now;

	report(f, WEB, false, 0);
	assert_int_equal(policy_reload(f->p, next, f->now), 0);
	assert_int_equal(st(f)->grace_until_ns, start + S(30));
	policy_tick(f->p, start + S(30) - 1);
	assert_false(st(f)->alarm);
	policy_tick(f->p, start + S(30));
	assert_true(st(f)->alarm);
	assert_int_equal(policy_reload(f->p, f->cfg, f->now), 0);
	config_free(next);
}

static void router_down_makes_dependants_unreachable(void **state)
{
	struct fixture *f = *state;
	const int all_behind[] = { ROUTER, NAS_PING, NAS_TCP, A1, A2, A3 };
	uint64_t before;

	round_of(f, NULL, 0);
	before = st(f)->n_events;
	for (int i = 0; i < 3; i++)
		round_of(f, all_behind, 6);
	assert_int_equal(st(f)->hosts[0].state, STATE_CRITICAL);
	for (int h = 1; h <= 4; h++) {
		assert_int_equal(st(f)->hosts[h].state, STATE_UNKNOWN);
		assert_true(st(f)->hosts[h].unreachable);
	}
	assert_true(st(f)->checks[NAS_TCP].unreachable);
	assert_string_equal(st(f)->checks[NAS_TCP].reason,
			    "unreachable: router is down");
	/* One problem (the router), not a storm: one event, one bad host. */
	assert_int_equal(st(f)->n_events, before + 1);
	assert_string_equal(status_event(st(f), before + 1)->check,
			    "router/ping");
	assert_int_equal(st(f)->n_bad, 1);
	assert_int_equal(st(f)->overall, STATE_CRITICAL);
	assert_true(st(f)->alarm);

	/* It comes back: after recover_after rounds all is green. */
	round_of(f, NULL, 0);
	assert_int_equal(st(f)->hosts[0].state, STATE_CRITICAL);
	round_of(f, NULL, 0);
	assert_int_equal(st(f)->overall, STATE_OK);
	assert_false(st(f)->hosts[1].unreachable);
	assert_false(st(f)->alarm);
	/* ... and only the router's recovery is announced. */
	assert_int_equal(st(f)->n_events, before + 2);
	assert_string_equal(status_event(st(f), before + 2)->check,
			    "router/ping");
}

/* Hosts back from their parent's outage start over undecided; the alarm
 * for the rest of the site does not pause meanwhile. */
static void a_parent_back_does_not_silence_the_site(void **state)
{
	struct fixture *f = *state;
	const int all[] = { ROUTER, NAS_PING, NAS_TCP, A1, A2, A3, WEB };

	round_of(f, NULL, 0);
	for (int i = 0; i < 3; i++)
		round_of(f, all, 7);
	assert_true(st(f)->hosts[1].unreachable);
	assert_true(st(f)->alarm);
	report(f, ROUTER, true, 2);
	report(f, ROUTER, true, 2); /* recover_after 2 */
	assert_int_equal(st(f)->hosts[0].state, STATE_OK);
	assert_false(st(f)->hosts[1].unreachable);
	assert_int_equal(st(f)->checks[NAS_PING].state, STATE_UNKNOWN);
	assert_false(st(f)->checks[NAS_PING].have_result);
	assert_int_equal(st(f)->checks[WEB].state, STATE_CRITICAL);
	assert_true(st(f)->alarm);
	assert_int_equal(st(f)->alarm_state, STATE_CRITICAL);
}

static void two_of_three_anchors(void **state)
{
	struct fixture *f = *state;

	round_of(f, NULL, 0);
	for (int i = 0; i < 3; i++)
		round_of(f, (const int[]){ A1 }, 1);
	assert_int_equal(st(f)->hosts[2].state, STATE_CRITICAL);
	assert_int_equal(st(f)->groups[0], STATE_WARNING);
	for (int i = 0; i < 3; i++)
		round_of(f, (const int[]){ A1, A2 }, 2);
	assert_int_equal(st(f)->groups[0], STATE_CRITICAL);
}

static void acknowledge_holds_until_a_new_problem(void **state)
{
	struct fixture *f = *state;

	round_of(f, NULL, 0);
	assert_false(policy_acknowledge(f->p, f->now)); /* nothing to ack */
	report(f, NAS_PING, true, 200);			/* rtt warning */
	report(f, NAS_PING, true, 200);
	report(f, NAS_PING, true, 200);
	assert_true(st(f)->alarm);
	assert_int_equal(st(f)->alarm_state, STATE_WARNING);
	assert_true(policy_acknowledge(f->p, f->now));
	assert_true(st(f)->acknowledged);
	assert_int_equal(st(f)->checks[NAS_PING].state, STATE_WARNING);
	report(f, NAS_PING, true, 200); /* same problem */
	assert_true(st(f)->acknowledged);
	report(f, WEB, false, 0); /* a new one */
	assert_true(st(f)->alarm);
	assert_false(st(f)->acknowledged);
	assert_int_equal(st(f)->alarm_state, STATE_CRITICAL);
}

static void maintenance_silences_until_it_ends(void **state)
{
	struct fixture *f = *state;

	round_of(f, (const int[]){ WEB }, 1);
	assert_true(st(f)->alarm);
	policy_maintenance(f->p, f->now, S(3600));
	assert_false(st(f)->alarm);
	assert_int_equal(st(f)->checks[WEB].state, STATE_CRITICAL);
	f->now += S(3601);
	policy_tick(f->p, f->now);
	assert_true(st(f)->alarm);
}

/* From afar (operator.c): the event names who, maintenance ends early
 * and is forgotten on disk, a mute leaves the alarm standing. */
static void operator_actions_name_who(void **state)
{
	struct fixture *f = *state;
	const struct pl_event *e;

	round_of(f, (const int[]){ WEB }, 1);
	assert_false(policy_end_maintenance(f->p, f->now, "alice"));
	policy_mute(f->p, f->now, S(60), "bob (uid 1001)");
	assert_true(st(f)->alarm); /* only the buzzer is silenced */
	assert_int_equal(st(f)->mute_until_ns, f->now + S(60));
	e = status_event(st(f), st(f)->n_events);
	assert_int_equal(e->kind, EVENT_MUTE);
	assert_string_equal(e->detail, "by bob (uid 1001)");
	assert_true(policy_operator_ack(f->p, f->now, "carol"));
	e = status_event(st(f), st(f)->n_events);
	assert_int_equal(e->kind, EVENT_ACK);
	assert_string_equal(e->detail, "by carol");
	assert_false(policy_operator_ack(f->p, f->now, "carol"));
	policy_operator_maintenance(f->p, f->now, S(3600), "dave");
	assert_false(st(f)->alarm);
	assert_true(policy_memory(f->p)->maintenance_end_s > 0);
	e = status_event(st(f), st(f)->n_events);
	assert_int_equal(e->kind, EVENT_MAINTENANCE);
	assert_string_equal(e->detail, "by dave");
	f->now += S(10);
	assert_true(policy_end_maintenance(f->p, f->now, "erin"));
	assert_true(st(f)->alarm);
	assert_int_equal(policy_memory(f->p)->maintenance_end_s, 0);
	e = status_event(st(f), st(f)->n_events);
	assert_int_equal(e->kind, EVENT_MAINTENANCE_END);
	assert_string_equal(e->detail, "by erin");
	assert_false(policy_end_maintenance(f->p, f->now, "erin"));
}

static void every_change_is_an_event(void **state)
{
	struct fixture *f = *state;
	const struct pl_event *e;
	uint64_t first;

	round_of(f, NULL, 0);
	first = st(f)->n_events;
	report(f, NAS_PING, true, 600);
	report(f, NAS_PING, true, 600);
	assert_int_equal(st(f)->n_events, first);
	report(f, NAS_PING, true, 600);
	assert_int_equal(st(f)->n_events, first + 1);
	e = status_event(st(f), first + 1);
	assert_non_null(e);
	assert_int_equal(e->kind, EVENT_STATE);
	assert_string_equal(e->check, "nas/ping");
	assert_int_equal(e->old_state, STATE_OK);
	assert_int_equal(e->new_state, STATE_CRITICAL);
	assert_int_equal(e->metric, METRIC_RTT);
	assert_true(e->value == 600 && e->threshold == 500);
	/* The ring is bounded: old events fall out. */
	for (int i = 0; i < STATUS_EVENTS; i++)
		policy_set_config_error(f->p, NULL);
	assert_null(status_event(st(f), first + 1));
}

static void reload_keeps_states_by_check_name(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { 0 };
	struct pl_config *next;

	round_of(f, (const int[]){ WEB }, 1);
	next = config_load("tests/configs/good/minimal.cfg", &errs);
	assert_non_null(next);
	assert_int_equal(policy_reload(f->p, next, f->now), 0);
	/* minimal.cfg has only the implicit host "pi" */
	assert_int_equal(next->n_hosts, 1);
	assert_int_equal(st(f)->n_checks, next->hosts[0].n_checks);
	assert_int_equal(policy_reload(f->p, f->cfg, f->now), 0);
	config_free(next);
	/* Back on the first config: web's state was not carried through a
	 * config without it, so it starts over. */
	assert_int_equal(st(f)->checks[WEB].state, STATE_UNKNOWN);
	round_of(f, (const int[]){ WEB }, 1);
	assert_int_equal(st(f)->checks[WEB].state, STATE_CRITICAL);
	assert_int_equal(policy_reload(f->p, f->cfg, f->now), 0);
	assert_int_equal(st(f)->checks[WEB].state, STATE_CRITICAL);
}

/* 10 000 new devices at 1 000 a second with 3 state changes among them,
 * read once a second as the traffic tick does: new devices take at most
 * STATUS_DEVICES_PER_S ring slots a second, the rest are counted, and no
 * state change falls out of the ring before it is read. */
static void a_flood_of_new_devices_pushes_no_state_change_out(void **state)
{
	struct fixture *f = *state;
	struct probe_result r;
	uint64_t read;
	int states = 0, listed = 0;
	char mac[18], ip[16];

	round_of(f, NULL, 0);
	read = st(f)->n_events;
	for (int i = 0; i < 10000; i++) {
		snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x", i >> 8,
			 i & 0xff);
		snprintf(ip, sizeof(ip), "10.9.%d.%d", i >> 8, i & 0xff);
		f->now += NS_PER_MS;
		policy_new_device(f->p, mac, ip, NULL, f->now);
		if (i == 10 || i == 5000 || i == 9990) {
			probe_result_init(&r);
			r.ok = i == 5000;
			r.value[METRIC_RESPONSE_TIME] = 5;
			policy_report(f->p, WEB, &r, f->now);
		}
		if ((i + 1) % 1000)
			continue;
		for (uint64_t q = read + 1; q <= st(f)->n_events; q++) {
			const struct pl_event *e = status_event(st(f), q);

			assert_non_null(e);
			states += e->kind == EVENT_STATE;
			listed += e->kind == EVENT_NEW_DEVICE;
		}
		read = st(f)->n_events;
	}
	assert_int_equal(states, 3);
	assert_int_equal(listed, 10 * STATUS_DEVICES_PER_S);
	assert_int_equal(st(f)->devices_unlisted, 10000 - listed);
	assert_string_equal(st(f)->device_unlisted,
			    "02:00:00:00:27:0f 10.9.39.15");
	assert_true(st(f)->device_unlisted_ns == f->now);
	assert_int_equal(st(f)->checks[WEB].state, STATE_CRITICAL);
}

static int64_t seen_nas(void *arg, int host)
{
	struct fixture *f = arg;

	/* nas sent something 0.5 s ago, during the failed burst; a1 last
	 * sent 3 s ago (its replies to the last good burst). */
	if (host == 1)
		return f->now - S(1) / 2;
	return host == 3 ? f->now - S(3) : -1;
}

static void failing_pings_from_a_host_seen_sending_are_icmp_blocked(void **s)
{
	struct fixture *f = *s;

	round_of(f, NULL, 0);
	policy_set_last_seen(f->p, seen_nas, f);
	for (int i = 0; i < 3; i++)
		round_of(f, (const int[]){ NAS_PING, A1 }, 2);
	assert_int_equal(st(f)->checks[NAS_PING].state, STATE_WARNING);
	assert_string_equal(st(f)->checks[NAS_PING].reason,
			    "ICMP blocked: no reply, but sending");
	/* A host not seen since before the burst is down as usual. */
	assert_int_equal(st(f)->checks[A1].state, STATE_CRITICAL);
}

/* Stop and start again as the daemon does with state_dir (a reboot: the
 * monotonic clock starts over): a new policy given the old one's memory,
 * copied first since the old one is freed. */
static int restart(struct fixture *f, int64_t wall_s)
{
	const struct policy_memory *m = policy_memory(f->p);
	struct policy_acked acked[N_CHECKS];
	struct policy_memory kept = *m;

	assert_true(m->n_acked <= N_CHECKS);
	for (size_t i = 0; i < m->n_acked; i++)
		acked[i] = m->acked[i];
	kept.acked = acked;
	policy_free(f->p);
	f->now = S(5);
	f->p = policy_new(f->cfg, f->now);
	assert_non_null(f->p);
	return policy_restore(f->p, &kept, f->now, wall_s);
}

static void an_acknowledged_alarm_stays_so_across_a_restart(void **state)
{
	struct fixture *f = *state;
	const struct policy_memory *m;

	round_of(f, (const int[]){ WEB }, 1);
	assert_true(policy_acknowledge(f->p, f->now));
	m = policy_memory(f->p);
	assert_int_equal(m->acked_level, STATE_CRITICAL);
	assert_int_equal(m->n_acked, 1);
	assert_string_equal(m->acked[0].check, "web/http");
	assert_int_equal(m->acked[0].state, STATE_CRITICAL);

	assert_int_equal(restart(f, 1700000000), 1);
	round_of(f, (const int[]){ WEB }, 1);
	assert_true(st(f)->alarm);
	assert_int_equal(st(f)->alarm_state, STATE_CRITICAL);
	assert_true(st(f)->acknowledged); /* the same problem */
	assert_int_equal(policy_memory(f->p)->acked_level, STATE_CRITICAL);

	for (int i = 0; i < 3; i++) /* a new one sounds */
		round_of(f, (const int[]){ WEB, NAS_TCP }, 2);
	assert_true(st(f)->alarm);
	assert_false(st(f)->acknowledged);
	assert_int_equal(policy_memory(f->p)->acked_level, STATE_OK);
}

static void a_worse_level_after_a_restart_sounds(void **state)
{
	struct fixture *f = *state;

	round_of(f, NULL, 0);
	for (int i = 0; i < 3; i++)
		report(f, NAS_PING, true, 200); /* rtt warning */
	assert_true(policy_acknowledge(f->p, f->now));
	assert_int_equal(policy_memory(f->p)->acked_level, STATE_WARNING);
	restart(f, 1700000000);
	round_of(f, NULL, 0);
	for (int i = 0; i < 3; i++)
		report(f, NAS_PING, true, 600); /* now critical */
	assert_int_equal(st(f)->alarm_state, STATE_CRITICAL);
	assert_false(st(f)->acknowledged);
}

static void an_ack_is_forgotten_when_the_problem_is_gone(void **state)
{
	struct fixture *f = *state;

	round_of(f, (const int[]){ WEB }, 1);
	assert_true(policy_acknowledge(f->p, f->now));
	restart(f, 1700000000);
	round_of(f, NULL, 0); /* all fine after the start */
	assert_int_equal(policy_memory(f->p)->acked_level, STATE_OK);
	round_of(f, (const int[]){ WEB }, 1); /* so this is new */
	assert_true(st(f)->alarm);
	assert_false(st(f)->acknowledged);
}

static void maintenance_survives_a_reboot_until_its_wall_end(void **state)
{
	struct fixture *f = *state;
	int64_t end, wall = time(NULL);

	round_of(f, (const int[]){ WEB }, 1);
	policy_maintenance(f->p, f->now, S(3600));
	end = policy_memory(f->p)->maintenance_end_s;
	assert_true(end >= wall + 3600 && end <= time(NULL) + 3601);

	assert_int_equal(restart(f, end - 600), 1); /* 10 min left */
	assert_true(st(f)->maintenance_until_ns == f->now + S(600));
	round_of(f, (const int[]){ WEB }, 1);
	assert_false(st(f)->alarm);
	f->now += S(601);
	policy_tick(f->p, f->now);
	assert_true(st(f)->alarm);
	assert_int_equal(st(f)->maintenance_until_ns, 0);
	assert_int_equal(policy_memory(f->p)->maintenance_end_s, 0);
}

static void maintenance_over_or_absurd_is_not_in_force(void **state)
{
	struct fixture *f = *state;
	int64_t end;

	policy_maintenance(f->p, f->now, S(3600));
	end = policy_memory(f->p)->maintenance_end_s;
	assert_int_equal(restart(f, end + 1), 0); /* ended while off */
	assert_int_equal(st(f)->maintenance_until_ns, 0);
	assert_int_equal(policy_memory(f->p)->maintenance_end_s, 0);
	round_of(f, (const int[]){ WEB }, 1);
	assert_true(st(f)->alarm);

	policy_maintenance(f->p, f->now, S(3600));
	end = policy_memory(f->p)->maintenance_end_s;
	/* a clock eight days behind: more than the longest window left */
	assert_int_equal(restart(f, end - 8 * 86400), 0);
	assert_int_equal(st(f)->maintenance_until_ns, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(grace_then_all_green),
		T(no_alarm_before_every_check_has_decided),
		T(grace_ends_though_a_check_never_decides),
		T(reload_does_not_restart_grace),
		T(reload_in_grace_counts_from_the_start),
		T(router_down_makes_dependants_unreachable),
		T(a_parent_back_does_not_silence_the_site),
		T(two_of_three_anchors),
		T(acknowledge_holds_until_a_new_problem),
		T(maintenance_silences_until_it_ends),
		T(operator_actions_name_who),
		T(every_change_is_an_event),
		T(a_flood_of_new_devices_pushes_no_state_change_out),
		T(reload_keeps_states_by_check_name),
		T(failing_pings_from_a_host_seen_sending_are_icmp_blocked),
		T(an_acknowledged_alarm_stays_so_across_a_restart),
		T(a_worse_level_after_a_restart_sounds),
		T(an_ack_is_forgotten_when_the_problem_is_gone),
		T(maintenance_survives_a_reboot_until_its_wall_end),
		T(maintenance_over_or_absurd_is_not_in_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
