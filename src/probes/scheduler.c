/*
 * scheduler.c - one slot per configured check: a loop timer at the
 * check's interval, the probe it has in flight, and the host address it
 * probes.  Results go to the policy and then to whoever asked to hear.
 *
 * Engines shared by all slots (the ICMP sockets, the resolver, libcurl's
 * multi handle, the reaper of what exec checks leave behind) are opened
 * once and survive reloads; the slots are rebuilt from the new config.  The http engine waits for the first
 * config with http checks, the only kind that loads libcurl.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns_probe.h"
#include "exec_probe.h"
#include "http_probe.h"
#include "log.h"
#include "loop.h"
#include "pi_check.h"
#include "ping.h"
#include "policy.h"
#include "ports_probe.h"
#include "probe.h"
#include "reaper.h"
#include "resolver.h"
#include "scheduler.h"
#include "tcp_probe.h"
#include "trace.h"

struct host_addr {
	struct scheduler *s;
	int host;
	struct sockaddr_storage ss;
	socklen_t len;
	bool literal; /* an address in the config: never resolved */
	bool valid;
	int lookup; /* resolver id in flight, 0 none */
	int64_t resolved_ns;
	char error[RESOLVER_ERROR_MAX + 20];
};

struct slot {
	struct scheduler *s;
	int idx; /* flat check index */
	int host;
	const struct check_cfg *c;
	int64_t timer;
	bool busy;
	int ping_id;
	struct tcp_probe *tcp;
	struct ports_probe *ports;
	struct exec_probe *exec;
	struct http_probe *http;
	struct dns_probe *dns;
	struct pi_check *pi; /* the Pi's own checks */
	struct trace *trace; /* trace checks: handle and last path */
	struct trace_path *path;
	bool have_path;
};

struct scheduler {
	struct loop *loop;
	struct policy *pol;
	const struct pl_config *cfg;
	scheduler_result_fn fn;
	void *arg;
	struct ping *ping;
	char ping_error[96];
	struct resolver *resolver;
	struct http_engine *http;
	struct reaper *reaper; /* what exec checks leave behind */
	struct host_addr *hosts;
	struct slot *slots;
	int n_slots;
};

static void resolve(struct scheduler *s, int h);

static void deliver(struct slot *sl, const struct probe_result *r)
{
	struct scheduler *s = sl->s;
	struct host_addr *ha = &s->hosts[sl->host];

	sl->busy = false;
	policy_report(s->pol, sl->idx, r, clock_now_ns());
	if (s->fn)
		s->fn(s->arg);
	/* A failure may mean the name now points elsewhere: look it up
	 * again, at most once per interval, keeping the old address until
	 * the answer comes. */
	if (!r->ok &&
	    clock_now_ns() - ha->resolved_ns >= sl->c->interval_ms * NS_PER_MS)
		resolve(s, sl->host);
}

static void on_probe_done(void *arg, const struct probe_result *r)
{
	struct slot *sl = arg;

	sl->tcp = NULL;
	sl->ports = NULL;
	sl->exec = NULL;
	sl->http = NULL;
	sl->dns = NULL;
	deliver(sl, r);
}

static void ping_to_result(const struct ping_stats *st, struct probe_result *r)
{
	probe_result_init(r);
	r->ok = st->received > 0;
	r->value[METRIC_LOSS] = st->loss_pct;
	r->rtt_min_ms = st->received > 0 ? st->rtt_min_ms : NAN;
	r->rtt_max_ms = st->received > 0 ? st->rtt_max_ms : NAN;
	if (st->received > 0) {
		r->value[METRIC_RTT] = st->rtt_avg_ms;
		/* One reply has no jitter: measured, it is zero. */
		r->value[METRIC_JITTER] =
			isnan(st->jitter_ms) ? 0 : st->jitter_ms;
		snprintf(r->reason, sizeof(r->reason),
			 "rtt %.2f ms loss %.0f%%", st->rtt_avg_ms,
			 st->loss_pct);
	} else if (st->error[0] && st->error_from[0]) {
		snprintf(r->reason, sizeof(r->reason), "%.24s from %.33s",
			 st->error, st->error_from);
	} else if (st->error[0]) {
		snprintf(r->reason, sizeof(r->reason), "%s", st->error);
	} else {
		snprintf(r->reason, sizeof(r->reason), "no reply (%d sent)",
			 st->sent);
	}
}

static void on_ping_done(void *arg, const struct ping_stats *st)
{
	struct slot *sl = arg;
	struct probe_result r;

	sl->ping_id = 0;
	ping_to_result(st, &r);
	deliver(sl, &r);
}

static void on_trace_done(void *arg, const struct trace_path *path)
{
	struct slot *sl = arg;
	struct probe_result r;
	char was[TRACE_MAX_HOPS * 4], now[TRACE_MAX_HOPS * 4];

	probe_result_init(&r);
	r.ok = path->reached;
	trace_path_format(path, now, sizeof(now));
	snprintf(r.output, sizeof(r.output), "%s", now);
	if (path->reached)
		snprintf(r.reason, sizeof(r.reason), "%d hops", path->n_hops);
	else
		snprintf(r.reason, sizeof(r.reason),
			 "not reached after %d hops%s%.32s", path->n_hops,
			 path->error[0] ? ": " : "", path->error);
	if (sl->have_path && !trace_path_equal(sl->path, path)) {
		trace_path_format(sl->path, was, sizeof(was));
		policy_route_changed(sl->s->pol, sl->idx, was, now,
				     clock_now_ns());
	}
	*sl->path = *path;
	sl->have_path = true;
	deliver(sl, &r);
}

static void fail_now(struct slot *sl, bool unknown, const char *fmt,
		     const char *what)
{
	struct probe_result r;

	probe_result_init(&r);
	if (unknown) {
		r.has_state = true;
		r.state = STATE_UNKNOWN;
	}
	snprintf(r.reason, sizeof(r.reason), fmt, what);
	deliver(sl, &r);
}

static void start_ping(struct slot *sl, const struct host_addr *ha)
{
	struct ping_params pp = {
		.count = sl->c->u.ping.count,
		.payload = sl->c->u.ping.payload,
		.spacing_ns = sl->c->u.ping.spacing_ms * NS_PER_MS,
		.timeout_ns = sl->c->timeout_ms * NS_PER_MS,
	};

	if (!sl->s->ping) {
		fail_now(sl, true, "%.63s", sl->s->ping_error);
		return;
	}
	sl->ping_id = ping_start(sl->s->ping, (const struct sockaddr *)&ha->ss,
				 ha->len, &pp, on_ping_done, sl);
	if (sl->ping_id < 0) {
		sl->ping_id = 0;
		fail_now(sl, false, "ping: %s", strerror(errno));
	}
}

static void start_http(struct slot *sl, const struct host_addr *ha)
{
	char ip[INET6_ADDRSTRLEN] = "";
	const void *a =
		ha->ss.ss_family == AF_INET
			? (const void *)&((const struct sockaddr_in *)&ha->ss)
				  ->sin_addr
			: (const void *)&((const struct sockaddr_in6 *)&ha->ss)
				  ->sin6_addr;

	if (!sl->s->http) {
		fail_now(sl, true, "%s", "http engine unavailable");
		return;
	}
	inet_ntop(ha->ss.ss_family, a, ip, sizeof(ip));
	sl->http = http_probe_start(sl->s->http, sl->c, ip, on_probe_done, sl);
	if (!sl->http)
		fail_now(sl, false, "http: %s", strerror(errno));
}

/* Start the probes that need the host's address. */
static void start_addressed(struct slot *sl, const struct host_addr *ha)
{
	const struct sockaddr *sa = (const struct sockaddr *)&ha->ss;
	const char *what = check_type_name(sl->c->type);

	switch (sl->c->type) {
	case CHECK_PING:
		start_ping(sl, ha);
		return;
	case CHECK_TRACE:
		if (!sl->trace) {
			fail_now(sl, true, "%.63s", sl->s->ping_error);
			return;
		}
		if (trace_start(sl->trace, sa, ha->len, sl->c->u.trace.max_hops,
				sl->c->timeout_ms * NS_PER_MS, on_trace_done,
				sl) == 0)
			return;
		break;
	case CHECK_HTTP:
		start_http(sl, ha);
		return;
	case CHECK_TCP: {
		struct sockaddr_storage to = ha->ss;

		/* The host's address has no port; the check has. */
		if (to.ss_family == AF_INET)
			((struct sockaddr_in *)&to)->sin_port =
				htons((uint16_t)sl->c->u.tcp.port);
		else
			((struct sockaddr_in6 *)&to)->sin6_port =
				htons((uint16_t)sl->c->u.tcp.port);
		sl->tcp = tcp_probe_start(sl->s->loop,
					  (const struct sockaddr *)&to, ha->len,
					  sl->c, on_probe_done, sl);
		if (sl->tcp)
			return;
		break;
	}
	case CHECK_PORTS:
		sl->ports = ports_probe_start(sl->s->loop, sa, ha->len, sl->c,
					      on_probe_done, sl);
		if (sl->ports)
			return;
		break;
	default:
		fail_now(sl, true, "%s checks are not supported", what);
		return;
	}
	fail_now(sl, false, "cannot start: %s", strerror(errno));
}

static void start_round(struct slot *sl)
{
	struct host_addr *ha = &sl->s->hosts[sl->host];

	sl->busy = true;
	if (sl->c->type == CHECK_EXEC) {
		sl->exec = exec_probe_start(sl->s->loop, sl->s->reaper, sl->c,
					    on_probe_done, sl);
		if (!sl->exec)
			fail_now(sl, true, "cannot run: %s", strerror(errno));
		return;
	}
	if (sl->c->type == CHECK_SYSTEM) {
		struct probe_result r;

		pi_check_run(sl->pi, &r);
		deliver(sl, &r);
		return;
	}
	if (sl->c->type == CHECK_DNS) {
		sl->dns =
			dns_probe_start(sl->s->loop, sl->c, on_probe_done, sl);
		if (!sl->dns)
			fail_now(sl, false, "dns: %s", strerror(errno));
		return;
	}
	if (!ha->valid) {
		if (!ha->lookup)
			resolve(sl->s, sl->host);
		/* Still waiting for the first answer: nothing is known yet.
		 * A name that does not resolve is a failure. */
		if (ha->lookup && !ha->error[0])
			fail_now(sl, true, "%s", "resolving the address");
		else
			fail_now(sl, false, "%.63s",
				 ha->error[0] ? ha->error : "no address");
		return;
	}
	start_addressed(sl, ha);
}

static int64_t on_slot_timer(struct loop *l, void *arg)
{
	struct slot *sl = arg;

	(void)l;
	/* Timeouts are below the interval, so a busy slot means a probe
	 * that is still legitimately running (a long ping burst): skip. */
	if (!sl->busy)
		start_round(sl);
	return sl->c->interval_ms * NS_PER_MS;
}

/* ---- name resolution ------------------------------------------------- */

static void on_resolved(void *arg, const struct resolver_answer *a)
{
	struct host_addr *ha = arg;
	const struct host_cfg *hc = &ha->s->cfg->hosts[ha->host];

	ha->lookup = 0;
	ha->resolved_ns = clock_now_ns();
	if (a->status == 0 && a->n_addrs > 0) {
		memcpy(&ha->ss, &a->addrs[0], sizeof(ha->ss));
		ha->len = ha->ss.ss_family == AF_INET
				  ? sizeof(struct sockaddr_in)
				  : sizeof(struct sockaddr_in6);
		if (!ha->valid && ha->error[0])
			log_notice("%s: %s resolves again", hc->name,
				   hc->address);
		ha->valid = true;
		ha->error[0] = '\0';
	} else {
		if (!ha->error[0])
			log_warn("%s: cannot resolve %s", hc->name, a->error);
		snprintf(ha->error, sizeof(ha->error), "cannot resolve %.*s",
			 RESOLVER_ERROR_MAX - 1, a->error);
		ha->valid = false;
	}
}

/* Only hosts with a probe to run need an address: the implicit
 * "capture" host's address is an interface name. */
static bool needs_address(const struct host_cfg *hc)
{
	for (int c = 0; c < hc->n_checks; c++)
		if (hc->checks[c].type != CHECK_TRAFFIC &&
		    hc->checks[c].type != CHECK_EXEC &&
		    hc->checks[c].type != CHECK_SYSTEM)
			return true;
	return false;
}

static void resolve(struct scheduler *s, int h)
{
	struct host_addr *ha = &s->hosts[h];

	if (ha->literal || ha->lookup || !s->resolver ||
	    !needs_address(&s->cfg->hosts[h]))
		return;
	ha->lookup = resolver_lookup(s->resolver, s->cfg->hosts[h].address,
				     AF_UNSPEC, on_resolved, ha);
	if (ha->lookup < 0) {
		snprintf(ha->error, sizeof(ha->error), "cannot resolve %s: %s",
			 s->cfg->hosts[h].address, strerror(errno));
		ha->lookup = 0;
	}
}

static bool parse_literal(const char *text, struct host_addr *ha)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ha->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ha->ss;

	memset(&ha->ss, 0, sizeof(ha->ss));
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		ha->len = sizeof(*v4);
		return true;
	}
	if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		ha->len = sizeof(*v6);
		return true;
	}
	return false;
}

/* ---- slots ----------------------------------------------------------- */

static void slot_cancel(struct slot *sl)
{
	if (sl->timer > 0)
		loop_del_timer(sl->s->loop, sl->timer);
	if (sl->ping_id > 0)
		ping_cancel(sl->s->ping, sl->ping_id);
	tcp_probe_cancel(sl->tcp);
	ports_probe_cancel(sl->ports);
	exec_probe_cancel(sl->exec);
	http_probe_cancel(sl->http);
	dns_probe_cancel(sl->dns);
	trace_free(sl->trace);
	pi_check_free(sl->pi);
	free(sl->path);
}

static void slots_free(struct scheduler *s)
{
	for (int i = 0; i < s->n_slots; i++)
		slot_cancel(&s->slots[i]);
	for (int h = 0; s->hosts && h < s->cfg->n_hosts; h++)
		if (s->hosts[h].lookup > 0)
			resolver_cancel(s->resolver, s->hosts[h].lookup);
	free(s->slots);
	free(s->hosts);
	s->slots = NULL;
	s->hosts = NULL;
	s->n_slots = 0;
}

/* First run of slot i of n: spread evenly over the first interval.  The
 * Pi's own readings cost microseconds: taken at once, the start-up grace
 * is not spent waiting for them. */
static int64_t first_delay(const struct slot *sl, int i, int n)
{
	if (sl->c->type == CHECK_SYSTEM)
		return 0;
	return sl->c->interval_ms * NS_PER_MS / n * i;
}

static int slots_build(struct scheduler *s, const struct pl_config *cfg)
{
	size_t n = 0;
	int idx = 0;

	for (int h = 0; h < cfg->n_hosts; h++)
		n += (size_t)cfg->hosts[h].n_checks;
	s->cfg = cfg;
	s->hosts = calloc(cfg->n_hosts ? (size_t)cfg->n_hosts : 1,
			  sizeof(*s->hosts));
	s->slots = calloc(n ? n : 1, sizeof(*s->slots));
	if (!s->hosts || !s->slots)
		goto fail;
	s->n_slots = (int)n;
	for (int h = 0; h < cfg->n_hosts; h++) {
		struct host_addr *ha = &s->hosts[h];

		*ha = (struct host_addr){ .s = s, .host = h };
		ha->literal = ha->valid =
			parse_literal(cfg->hosts[h].address, ha);
		for (int c = 0; c < cfg->hosts[h].n_checks; c++, idx++)
			s->slots[idx] = (struct slot){
				.s = s,
				.idx = idx,
				.host = h,
				.c = &cfg->hosts[h].checks[c],
			};
	}
	for (int h = 0; h < cfg->n_hosts; h++)
		resolve(s, h);
	for (int i = 0; i < s->n_slots; i++) {
		struct slot *sl = &s->slots[i];

		/* Traffic alarms are evaluated by the traffic module. */
		if (sl->c->type == CHECK_TRAFFIC)
			continue;
		if (sl->c->type == CHECK_TRACE && s->ping) {
			sl->trace = trace_new(s->ping);
			sl->path = calloc(1, sizeof(*sl->path));
			if (!sl->trace || !sl->path)
				goto fail;
		}
		if (sl->c->type == CHECK_SYSTEM &&
		    !(sl->pi = pi_check_new(sl->c)))
			goto fail;

		sl->timer =
			loop_add_timer(s->loop, first_delay(sl, i, s->n_slots),
				       on_slot_timer, sl);
		if (sl->timer < 0)
			goto fail;
	}
	return 0;
fail:
	slots_free(s);
	errno = ENOMEM;
	return -1;
}

static void open_engines(struct scheduler *s)
{
	s->ping = ping_open(s->loop, false);
	if (!s->ping) {
		snprintf(s->ping_error, sizeof(s->ping_error),
			 "no ICMP socket: %s (needs CAP_NET_RAW or "
			 "net.ipv4.ping_group_range)",
			 strerror(errno));
		log_warn("%s", s->ping_error);
	}
	s->resolver = resolver_open(s->loop);
	if (!s->resolver)
		log_warn("resolver: %s; only literal addresses work",
			 strerror(errno));
}

/* The http engine runs on libcurl, which config_load() loads only for a
 * config with http checks: open it for the first such config, keep it
 * across later reloads. */
static void open_http(struct scheduler *s, const struct pl_config *cfg)
{
	bool need = false;

	for (int h = 0; h < cfg->n_hosts && !need; h++)
		for (int c = 0; c < cfg->hosts[h].n_checks; c++)
			need |= cfg->hosts[h].checks[c].type == CHECK_HTTP;
	if (!need || s->http)
		return;
	s->http = http_engine_open(s->loop);
	if (!s->http)
		log_warn("http checks unavailable: %s", strerror(errno));
}

struct scheduler *scheduler_open(struct loop *l, struct policy *pol,
				 const struct pl_config *cfg,
				 scheduler_result_fn fn, void *arg)
{
	struct scheduler *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	*s = (struct scheduler){ .loop = l, .pol = pol, .fn = fn, .arg = arg };
	s->reaper = reaper_open(l);
	if (!s->reaper) {
		free(s);
		return NULL;
	}
	open_engines(s);
	open_http(s, cfg);
	if (slots_build(s, cfg) < 0) {
		scheduler_close(s);
		return NULL;
	}
	return s;
}

int scheduler_reload(struct scheduler *s, const struct pl_config *cfg)
{
	slots_free(s);
	open_http(s, cfg);
	return slots_build(s, cfg);
}

int scheduler_host_addr(const struct scheduler *s, int h, int *family,
			uint8_t addr[16])
{
	const struct host_addr *ha;

	if (!s || h < 0 || h >= s->cfg->n_hosts || !s->hosts[h].valid)
		return -1;
	ha = &s->hosts[h];
	*family = ha->ss.ss_family;
	if (*family == AF_INET)
		memcpy(addr, &((const struct sockaddr_in *)&ha->ss)->sin_addr,
		       4);
	else
		memcpy(addr, &((const struct sockaddr_in6 *)&ha->ss)->sin6_addr,
		       16);
	return 0;
}

struct reaper *scheduler_reaper(struct scheduler *s)
{
	return s->reaper;
}

void scheduler_close(struct scheduler *s)
{
	if (!s)
		return;
	slots_free(s);
	reaper_close(s->reaper);
	ping_close(s->ping);
	resolver_close(s->resolver);
	http_engine_close(s->http);
	free(s);
}
