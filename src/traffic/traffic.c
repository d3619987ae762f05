/*
 * traffic.c - wires capture, decode, accounting, new devices, interface
 * counters and the capture alarms together, and reports to the policy.
 *
 * Per frame (the hot path): decode, account, new-device lookup, the
 * alarms' counters and the activity count; nothing allocates.  Per second
 * (the tick, just after a second boundary so the alarm windows see whole
 * seconds): pcap and sysfs counters, error and drop deltas, the kernel
 * counters of interfaces alarms name (alarm_slots.c), one result per
 * "capture/..." check, the known-devices save and the LCD summary.
 * Everything is allocated at open and reload.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "account.h"
#include "alarm_slots.h"
#include "capture.h"
#include "clock.h"
#include "decode.h"
#include "ifstats.h"
#include "log.h"
#include "loop.h"
#include "names.h"
#include "netdev.h"
#include "policy.h"
#include "probe.h"
#include "rate_alarm.h"
#include "rdns.h"
#include "status.h"
#include "traffic.h"

/* Ticks run this long after each second boundary: late enough for the
 * flush timer to have handed over the second's last ring blocks. */
#define TICK_PHASE_NS (300 * NS_PER_MS)

struct traffic {
	struct loop *loop;
	struct policy *pol;
	const struct pl_config *cfg;
	struct capture *cap;
	struct account *acct;
	struct newdev *nd;
	struct names *names; /* kept across reloads */
	struct rdns *rdns;   /* NULL: capture.reverse_dns off */
	struct ifstats ifs[CFG_MAX_IFACES];
	uint64_t prev_errors[CFG_MAX_IFACES];
	uint64_t prev_drops[CFG_MAX_IFACES];
	bool have_prev[CFG_MAX_IFACES]; /* prev_* hold a first reading */
	struct alarm_slot alarms[CFG_MAX_TRAFFIC_ALARMS];
	int n_alarms;
	struct netdev_table netdev; /* read by ticks with interface alarms */
	int link_check;		    /* flat index of capture/link, -1 */
	int64_t tick_timer;
	int64_t wall_s; /* cached by the tick for new-device times */
	int64_t last_new_ns;
	uint64_t last_events;
	traffic_notify_fn notify;
	void *notify_arg;
};

/* ---- per frame ---------------------------------------------------------- */

/* The pair newdev just learned becomes the policy's event. */
static void announce_device(struct traffic *t, int64_t now)
{
	const struct newdev_pair *p = newdev_last(t->nd);
	char mac[18], ip[INET6_ADDRSTRLEN];
	const char *name;

	if (!p)
		return;
	newdev_fmt_mac(p->mac, mac, sizeof(mac));
	inet_ntop(p->family, p->ip, ip, sizeof(ip));
	name = names_find_device(t->names, p->mac, p->family, p->ip);
	/* a device newdev took is from the local networks: worth a PTR */
	if (!name && t->rdns)
		rdns_want(t->rdns, p->family, p->ip, now);
	policy_new_device(t->pol, mac, ip, name, now);
}

static void on_frame(void *arg, int iface, const uint8_t *data, uint32_t caplen,
		     uint32_t wire_len)
{
	struct traffic *t = arg;
	int64_t now = loop_now_ns(t->loop);
	struct frame_info fi;

	decode_frame(data, caplen, wire_len, &fi);
	/* before newdev, so that the event can name the device */
	names_frame(t->names, data, caplen, &fi, now);
	account_frame(t->acct, iface, &fi, now);
	if (newdev_frame(t->nd, &fi, now, t->wall_s) == 1)
		announce_device(t, now);
	alarm_slots_count_frame(t->alarms, t->n_alarms, &fi, now);
	policy_add_activity(t->pol, 1);
}

/* ---- per second --------------------------------------------------------- */

static void read_counters(struct traffic *t, int64_t now)
{
	uint64_t errors = 0, drops = 0;
	const struct capture_iface_stats *cs;
	int i;

	capture_poll_stats(t->cap);
	for (i = 0; i < capture_count(t->cap); i++) {
		ifstats_read(NULL, t->cfg->capture.interfaces[i], &t->ifs[i]);
		cs = capture_iface(t->cap, i);
		if (!t->have_prev[i]) {
			/* counters since boot are no burst */
			t->prev_errors[i] =
				t->ifs[i].rx_errors + t->ifs[i].tx_errors;
			t->prev_drops[i] = cs->drops + cs->ifdrops;
			t->have_prev[i] = true;
		}
		errors += alarm_slots_delta(&t->prev_errors[i],
					    t->ifs[i].rx_errors +
						    t->ifs[i].tx_errors);
		drops += alarm_slots_delta(&t->prev_drops[i],
					   cs->drops + cs->ifdrops);
	}
	for (i = 0; i < t->n_alarms; i++) {
		struct rate_alarm *ra = &t->alarms[i].ra;

		if (ra->cfg.interface[0])
			continue;
		if (ra->cfg.rate == RATE_ERRORS)
			rate_alarm_add(ra, now, errors);
		else if (ra->cfg.rate == RATE_DROPS)
			rate_alarm_add(ra, now, drops);
	}
}

/* Why interface i is not watching the mirror, or NULL. */
static const char *iface_problem(const struct traffic *t, int i)
{
	const struct capture_iface_stats *cs = capture_iface(t->cap, i);

	if (!cs->active)
		return cs->gone ? "interface gone" : cs->error;
	if (t->ifs[i].present && !t->ifs[i].link_up)
		return "link down";
	return NULL;
}

/* Bad when an interface is not capturing; UNKNOWN, not CRITICAL, when
 * the only reason is a missing permission (a normal user's demo): that
 * says nothing about the link, as a ping without an ICMP socket. */
static void link_result(const struct traffic *t, struct probe_result *r)
{
	int i, n = capture_count(t->cap), bad = 0, denied = 0, first = -1;
	const char *why = NULL;

	for (i = 0; i < n; i++) {
		const char *w = iface_problem(t, i);

		if (w && capture_iface(t->cap, i)->denied)
			denied++;
		if (w && !bad++) {
			first = i;
			why = w;
		}
	}
	r->ok = bad == 0;
	if (bad && denied == bad) {
		r->has_state = true;
		r->state = STATE_UNKNOWN;
	}
	if (bad)
		snprintf(r->reason, sizeof(r->reason), "capture %.15s: %.30s%s",
			 t->cfg->capture.interfaces[first], why,
			 bad > 1 ? " (+more)" : "");
	else
		snprintf(r->reason, sizeof(r->reason), "%d of %d capturing", n,
			 n);
}

static void report(struct traffic *t, int64_t now)
{
	struct probe_result r;

	if (t->link_check >= 0) {
		probe_result_init(&r);
		link_result(t, &r);
		policy_report(t->pol, t->link_check, &r, now);
	}
	for (int i = 0; i < t->n_alarms; i++) {
		probe_result_init(&r);
		alarm_slots_eval(&t->alarms[i], now, &r);
		if (t->alarms[i].check >= 0)
			policy_report(t->pol, t->alarms[i].check, &r, now);
	}
}

static void sum_rates(const struct traffic *t, struct traffic_summary *s)
{
	static const enum account_dir dirs[] = {
		ACCOUNT_DIR_ALL,
		ACCOUNT_DIR_IN,
		ACCOUNT_DIR_OUT,
	};
	double *bps[] = { &s->bps, &s->in_bps, &s->out_bps };
	struct account_stats st;
	struct account_host top[8];
	const char *name;
	size_t i, n;

	for (int k = 0; k < capture_count(t->cap); k++) {
		for (int d = 0; d < 3; d++) {
			if (account_iface_stats(t->acct, k, dirs[d], &st) < 0)
				continue;
			*bps[d] += st.bps;
			if (d == 0)
				s->pps += st.pps;
		}
	}
	/* a talker sends: skip broadcast and other pure destinations */
	n = t->acct ? account_top_hosts(t->acct, top, 8) : 0;
	for (i = 0; i < n && top[i].last_seen_ns < 0; i++)
		;
	if (i < n) {
		s->have_top = true;
		s->top_family = top[i].family;
		memcpy(s->top_addr, top[i].addr, sizeof(s->top_addr));
		name = names_find(t->names, top[i].family, top[i].addr);
		snprintf(s->top_name, sizeof(s->top_name), "%s",
			 name ? name : "");
	}
}

static void publish(struct traffic *t, int64_t now)
{
	struct traffic_summary s = { .valid = true };
	const struct newdev_pair *last = newdev_last(t->nd);
	struct newdev_counts nc;
	const char *why, *name;

	s.n_ifaces = capture_count(t->cap);
	for (int i = 0; i < s.n_ifaces; i++) {
		const struct capture_iface_stats *cs = capture_iface(t->cap, i);

		s.n_active += cs->active;
		s.frames += cs->frames;
		s.drops += cs->drops + cs->ifdrops;
		why = iface_problem(t, i);
		if (why && !s.problem[0])
			snprintf(s.problem, sizeof(s.problem), "%.15s: %.30s",
				 cs->name, why);
	}
	sum_rates(t, &s);
	newdev_counts(t->nd, &nc);
	if (nc.events != t->last_events)
		t->last_new_ns = now;
	t->last_events = nc.events;
	s.new_devices = nc.events;
	if (last) {
		s.have_new = true;
		s.last_new = *last;
		s.last_new_ns = t->last_new_ns;
		name = names_find_device(t->names, last->mac, last->family,
					 last->ip);
		snprintf(s.new_name, sizeof(s.new_name), "%s",
			 name ? name : "");
	}
	traffic_summary_publish(&s);
}

static int64_t next_tick_delay(int64_t now)
{
	int64_t d = NS_PER_S - now % NS_PER_S + TICK_PHASE_NS;

	return d > NS_PER_S + NS_PER_S / 2 ? d - NS_PER_S : d;
}

static int64_t on_tick(struct loop *l, void *arg)
{
	struct traffic *t = arg;
	int64_t now;

	(void)l;
	capture_flush(t->cap);
	now = clock_now_ns();
	t->wall_s = clock_wall_ns() / NS_PER_S;
	read_counters(t, now);
	alarm_slots_count_interfaces(t->alarms, t->n_alarms, &t->netdev, now);
	if (t->acct)
		account_tick(t->acct, now);
	report(t, now);
	newdev_tick(t->nd, now);
	rdns_tick(t->rdns, now);
	publish(t, now);
	if (t->notify)
		t->notify(t->notify_arg);
	return next_tick_delay(clock_now_ns());
}

/* ---- configuration ------------------------------------------------------ */

static struct account *new_account(const struct capture_cfg *cap)
{
	struct account_params p = {
		.n_ifaces = cap->n_interfaces,
		.local_nets = cap->local_networks,
		.n_local_nets = cap->n_local_networks,
	};

	return cap->n_interfaces ? account_new(&p) : NULL;
}

static struct newdev *new_newdev(const struct pl_config *cfg)
{
	struct newdev_params p = {
		.state_dir = cfg->daemon.state_dir,
		.local_nets = cfg->capture.local_networks,
		.n_local_nets = cfg->capture.n_local_networks,
	};

	return newdev_open(&p);
}

struct traffic *traffic_open(struct loop *l, struct policy *pol,
			     const struct pl_config *cfg)
{
	struct traffic *t = calloc(1, sizeof(*t));
	int64_t now = clock_now_ns();

	if (!t)
		return NULL;
	t->loop = l;
	t->pol = pol;
	t->cfg = cfg;
	t->wall_s = clock_wall_ns() / NS_PER_S;
	t->link_check = -1;
	t->names = names_new();
	if (!t->names) {
		free(t);
		return NULL;
	}
	if (cfg->capture.n_interfaces == 0)
		return t; /* nothing to watch until a reload adds some */
	t->acct = new_account(&cfg->capture);
	t->nd = new_newdev(cfg);
	if (!t->acct || !t->nd ||
	    names_rdns_open(t->names, l, &cfg->capture, &t->rdns) < 0 ||
	    alarm_slots_build(NULL, 0, &cfg->capture, t->alarms, now) < 0)
		goto fail;
	t->n_alarms = cfg->capture.n_alarms;
	alarm_slots_find_checks(cfg, &t->link_check, t->alarms, t->n_alarms);
	t->cap = capture_open(l, &cfg->capture, on_frame, t);
	if (!t->cap)
		goto fail;
	t->tick_timer = loop_add_timer(l, next_tick_delay(now), on_tick, t);
	if (t->tick_timer < 0)
		goto fail;
	return t;
fail:
	traffic_close(t);
	errno = ENOMEM;
	return NULL;
}

static bool same_interfaces(const struct capture_cfg *a,
			    const struct capture_cfg *b)
{
	if (a->n_interfaces != b->n_interfaces)
		return false;
	for (int i = 0; i < a->n_interfaces; i++)
		if (strcmp(a->interfaces[i], b->interfaces[i]) != 0)
			return false;
	return true;
}

static bool same_dir(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Open or reload the capture for cfg; 0 or -1/errno. */
static int reload_capture(struct traffic *t, const struct pl_config *cfg)
{
	int64_t now = clock_now_ns();

	if (t->cap)
		return capture_reload(t->cap, &cfg->capture);
	if (cfg->capture.n_interfaces == 0)
		return 0;
	t->cap = capture_open(t->loop, &cfg->capture, on_frame, t);
	if (!t->cap)
		return -1;
	t->tick_timer =
		loop_add_timer(t->loop, next_tick_delay(now), on_tick, t);
	if (t->tick_timer > 0)
		return 0;
	capture_close(t->cap);
	t->cap = NULL;
	return -1;
}

/* Swap in what traffic_reload() prepared; nothing fails from here. */
static void commit(struct traffic *t, const struct pl_config *cfg,
		   struct alarm_slot *next, struct account *acct,
		   struct newdev *nd, struct rdns *rd)
{
	const struct capture_cfg *cap = &cfg->capture;

	for (int i = 0; i < t->n_alarms; i++)
		rate_alarm_free(&t->alarms[i].ra);
	memcpy(t->alarms, next, sizeof(t->alarms));
	t->n_alarms = cap->n_alarms;
	if (acct != t->acct) {
		account_free(t->acct);
		t->acct = acct;
		memset(t->have_prev, 0, sizeof(t->have_prev));
	} else if (acct) {
		account_set_local_networks(acct, cap->local_networks,
					   cap->n_local_networks);
	}
	if (nd != t->nd) {
		newdev_close(t->nd, clock_now_ns());
		t->nd = nd;
	} else if (nd) {
		newdev_set_local_networks(nd, cap->local_networks,
					  cap->n_local_networks);
	}
	if (rd != t->rdns) {
		rdns_close(t->rdns);
		t->rdns = rd;
	}
	t->cfg = cfg;
	alarm_slots_find_checks(cfg, &t->link_check, t->alarms, t->n_alarms);
}

int traffic_reload(struct traffic *t, const struct pl_config *cfg)
{
	struct alarm_slot next[CFG_MAX_TRAFFIC_ALARMS];
	const struct capture_cfg *cap = &cfg->capture;
	struct account *acct = t->acct;
	struct newdev *nd = t->nd;
	struct rdns *rd = t->rdns;
	int64_t now = clock_now_ns();

	memset(next, 0, sizeof(next));
	if (alarm_slots_build(t->alarms, t->n_alarms, cap, next, now) < 0)
		return -1;
	if (!same_interfaces(&t->cfg->capture, cap) &&
	    !(acct = new_account(cap)) && cap->n_interfaces)
		goto fail_alarms;
	if ((!nd ||
	     !same_dir(t->cfg->daemon.state_dir, cfg->daemon.state_dir)) &&
	    cap->n_interfaces && !(nd = new_newdev(cfg)))
		goto fail_account;
	if (!names_rdns_same(&t->cfg->capture, cap) &&
	    names_rdns_open(t->names, t->loop, cap, &rd) < 0)
		goto fail_newdev;
	if (reload_capture(t, cfg) < 0)
		goto fail_rdns;
	commit(t, cfg, next, acct, nd, rd);
	return 0;
fail_rdns:
	if (rd != t->rdns)
		rdns_close(rd);
fail_newdev:
	if (nd != t->nd)
		newdev_close(nd, now);
fail_account:
	if (acct != t->acct)
		account_free(acct);
fail_alarms:
	alarm_slots_unbuild(t->alarms, t->n_alarms, next, cap->n_alarms);
	errno = ENOMEM;
	return -1;
}

void traffic_close(struct traffic *t)
{
	struct traffic_summary none = { .valid = false };

	if (!t)
		return;
	if (t->tick_timer > 0)
		loop_del_timer(t->loop, t->tick_timer);
	capture_close(t->cap);
	account_free(t->acct);
	newdev_close(t->nd, clock_now_ns());
	rdns_close(t->rdns);
	names_free(t->names);
	for (int i = 0; i < t->n_alarms; i++)
		rate_alarm_free(&t->alarms[i].ra);
	free(t);
	traffic_summary_publish(&none);
}

void traffic_set_notify(struct traffic *t, traffic_notify_fn fn, void *arg)
{
	t->notify = fn;
	t->notify_arg = arg;
}

const struct capture_iface_stats *traffic_capture(const struct traffic *t,
						  int i)
{
	return t ? capture_iface(t->cap, i) : NULL;
}

const struct ifstats *traffic_ifstats(const struct traffic *t, int i)
{
	if (!t || i < 0 || i >= capture_count(t->cap))
		return NULL;
	return &t->ifs[i];
}

int traffic_iface_count(const struct traffic *t)
{
	return t ? capture_count(t->cap) : 0;
}

const struct account *traffic_account(const struct traffic *t)
{
	return t ? t->acct : NULL;
}

int64_t traffic_last_seen(const struct traffic *t, int family,
			  const uint8_t *addr)
{
	if (!t || !t->acct)
		return -1;
	return account_last_seen(t->acct, family, addr);
}

const struct names *traffic_names(const struct traffic *t)
{
	return t ? t->names : NULL;
}

const struct rdns *traffic_rdns(const struct traffic *t)
{
	return t ? t->rdns : NULL;
}

void traffic_newdev_counts(const struct traffic *t, struct newdev_counts *out)
{
	newdev_counts(t ? t->nd : NULL, out);
}
