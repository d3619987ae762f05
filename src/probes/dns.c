/*
 * dns.c - the dns check: one question to one server (or the system's
 * resolvers) over a c-ares channel of its own, judged on the raw reply.
 *
 * ares_send() hands back the reply as received: the rcode comes from its
 * header (ARES_FLAG_NOCHECKRESP stops c-ares from hiding SERVFAIL or
 * REFUSED behind a retry), the answers from dns_rr.c.  c-ares retries once
 * within the budget (a third of timeout_ms, then two thirds); one loop
 * timer at timeout_ms is the hard deadline whatever the number of servers.
 * Results are recorded inside c-ares callbacks and delivered after c-ares
 * returned (settle) or from that timer re-armed at 0 ns, so done never
 * runs inside c-ares nor inside dns_probe_start().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cares_loop.h"
#include "clock.h"
#include "dns_probe.h"
#include "dns_rr.h"
#include "loop.h"
#include "probe_util.h"

#define DNS_CLASS_IN 1
#define DNS_TRIES    2

struct dns_probe {
	struct cares_loop cl;
	struct loop *l;
	const struct check_cfg *c;
	probe_done_fn done;
	void *arg;
	int qtype;
	int want_rcode;
	int64_t timer; /* deadline (or 0 ns delivery); 0 when none */
	int64_t start_ns;
	bool finished; /* r holds the result; c-ares is ignored */
	char server[INET6_ADDRSTRLEN + 8];
	struct probe_result r;
};

/* What the answer records of the reply said, collected for the verdict. */
struct dns_found {
	int qtype;
	const char *want; /* NULL: any answer will do */
	int n;
	bool matched;
	char first[STATUS_REASON_MAX];
	char list[PROBE_OUTPUT_MAX];
};

static void dns_release(struct dns_probe *p)
{
	p->finished = true; /* ARES_EDESTRUCTION callbacks are ignored */
	if (p->timer > 0) {
		loop_del_timer(p->l, p->timer);
		p->timer = 0;
	}
	cares_loop_close(&p->cl);
}

/* Hand the result over and free the probe; only ever from the loop. */
static void dns_deliver(struct dns_probe *p)
{
	dns_release(p);
	p->done(p->arg, &p->r);
	free(p);
}

static void dns_settle(void *arg)
{
	struct dns_probe *p = arg;

	if (p->finished)
		dns_deliver(p);
}

static void dns_timeout(struct dns_probe *p)
{
	p->r.ok = false;
	p->r.value[METRIC_RESPONSE_TIME] = NAN;
	snprintf(p->r.reason, sizeof(p->r.reason), "timeout after %lld ms",
		 (long long)p->c->timeout_ms);
}

static int64_t dns_on_timer(struct loop *l, void *arg)
{
	struct dns_probe *p = arg;

	(void)l;
	p->timer = 0;
	if (!p->finished)
		dns_timeout(p);
	dns_deliver(p);
	return LOOP_TIMER_DONE;
}

static void dns_found_add(void *ctx, const char *text, size_t len)
{
	struct dns_found *f = ctx;
	size_t used = strlen(f->list);

	f->n++;
	if (f->want && !f->matched &&
	    dns_rr_equal(f->qtype, text, len, f->want))
		f->matched = true;
	if (f->n == 1)
		probe_copy_line(f->first, sizeof(f->first), text, len);
	if (used > 0 && used + 2 < sizeof(f->list)) {
		memcpy(f->list + used, ", ", 3);
		used += 2;
	}
	probe_copy_line(f->list + used, sizeof(f->list) - used, text, len);
}

static void dns_mismatch(struct dns_probe *p, const struct dns_found *f)
{
	const char *want = p->c->u.dns.answer;

	p->r.ok = false;
	/* The reason is short (LCD); the output has the whole story. */
	if (f->n == 0)
		snprintf(p->r.reason, sizeof(p->r.reason),
			 "no %s answer, expected %.30s", p->c->u.dns.qtype,
			 want);
	else
		snprintf(p->r.reason, sizeof(p->r.reason),
			 "answer %.22s, expected %.22s", f->first, want);
	snprintf(p->r.output, sizeof(p->r.output), "got %.160s; expected %.80s",
		 f->n ? f->list : "nothing", want);
}

/* A reply came: judge its rcode and answers.  ms is the response time. */
static void dns_judge(struct dns_probe *p, const unsigned char *abuf, int alen,
		      double ms)
{
	struct dns_found f = { .qtype = p->qtype, .want = p->c->u.dns.answer };
	char rc[16], want_rc[16], t[16];
	int rcode, ancount;

	p->r.value[METRIC_RESPONSE_TIME] = ms;
	if (!abuf || alen < DNS_HEADER_LEN || !(abuf[2] & 0x80)) {
		snprintf(p->r.reason, sizeof(p->r.reason),
			 "malformed reply (%d bytes)", abuf ? alen : 0);
		return;
	}
	rcode = abuf[3] & 0x0f;
	ancount = abuf[6] << 8 | abuf[7];
	dns_rcode_name(rcode, rc, sizeof(rc));
	if (rcode != p->want_rcode) {
		snprintf(p->r.reason, sizeof(p->r.reason),
			 "rcode %s, expected %s", rc,
			 dns_rcode_name(p->want_rcode, want_rc,
					sizeof(want_rc)));
		return;
	}
	if (ancount > 0 &&
	    dns_rr_each(abuf, alen, p->qtype, dns_found_add, &f) < 0) {
		snprintf(p->r.reason, sizeof(p->r.reason),
			 "malformed reply (%d bytes)", alen);
		return;
	}
	if (f.want && !f.matched) {
		dns_mismatch(p, &f);
		return;
	}
	probe_fmt_ms(t, sizeof(t), ms);
	p->r.ok = true;
	snprintf(p->r.reason, sizeof(p->r.reason), "%s %d answer%s in %s ms",
		 rc, ancount, ancount == 1 ? "" : "s", t);
	snprintf(p->r.output, sizeof(p->r.output), "%s", f.list);
}

static void dns_failed(struct dns_probe *p, int status)
{
	p->r.ok = false;
	switch (status) {
	case ARES_ETIMEOUT:
		dns_timeout(p);
		break;
	case ARES_ECONNREFUSED:
		snprintf(p->r.reason, sizeof(p->r.reason),
			 "server %.36s: connection refused", p->server);
		break;
	case ARES_ENOMEM:
		snprintf(p->r.reason, sizeof(p->r.reason), "out of memory");
		break;
	default:
		snprintf(p->r.reason, sizeof(p->r.reason),
			 "server %.24s: %.30s", p->server,
			 ares_strerror(status));
		break;
	}
}

/* Inside c-ares: record the verdict only; settle or the timer delivers. */
static void dns_on_reply(void *arg, int status, int timeouts,
			 unsigned char *abuf, int alen)
{
	struct dns_probe *p = arg;

	(void)timeouts;
	if (p->finished)
		return;
	p->finished = true;
	if (status == ARES_SUCCESS)
		dns_judge(p, abuf, alen,
			  probe_elapsed_ms(p->start_ns, clock_now_ns()));
	else
		dns_failed(p, status);
}

static int dns_open_channel(struct dns_probe *p)
{
	/* A first try and one retransmit at twice the wait fill timeout_ms
	 * for a single server; the deadline timer cuts off the rest. */
	int64_t per_try_ms = p->c->timeout_ms / 3;
	struct ares_options o = { .flags = ARES_FLAG_NOCHECKRESP,
				  .tries = DNS_TRIES };
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;

	if (per_try_ms < 1)
		per_try_ms = 1;
	o.timeout = per_try_ms > INT_MAX ? INT_MAX : (int)per_try_ms;
	return cares_loop_open(&p->cl, p->l, &o, mask, p->c->u.dns.server,
			       dns_settle, p);
}

/* The server named in reasons: as configured, or the first system one. */
static void dns_server_label(struct dns_probe *p)
{
	struct ares_addr_port_node *list = NULL;

	snprintf(p->server, sizeof(p->server), "%s",
		 p->c->u.dns.server ? p->c->u.dns.server : "none");
	if (p->c->u.dns.server ||
	    ares_get_servers_ports(p->cl.ch, &list) != ARES_SUCCESS || !list)
		return;
	if (!inet_ntop(list->family, &list->addr, p->server, sizeof(p->server)))
		snprintf(p->server, sizeof(p->server), "system");
	ares_free_data(list);
}

/* Queue the question; a result known at once waits for a 0 ns timer. */
static int dns_send(struct dns_probe *p)
{
	unsigned char *q = NULL;
	int qlen = 0;

	if (ares_create_query(p->c->u.dns.query, DNS_CLASS_IN, p->qtype, 0, 1,
			      &q, &qlen, 0) != ARES_SUCCESS) {
		errno = EINVAL;
		return -1;
	}
	p->timer = loop_add_timer(p->l, p->c->timeout_ms * NS_PER_MS,
				  dns_on_timer, p);
	if (p->timer < 0) {
		p->timer = 0;
		ares_free_string(q);
		return -1;
	}
	p->start_ns = clock_now_ns();
	ares_send(p->cl.ch, q, qlen, dns_on_reply, p);
	ares_free_string(q);
	if (!p->finished) {
		cares_loop_kick(&p->cl);
		return 0;
	}
	loop_del_timer(p->l, p->timer);
	p->timer = loop_add_timer(p->l, 0, dns_on_timer, p);
	if (p->timer < 0) {
		p->timer = 0;
		return -1;
	}
	return 0;
}

struct dns_probe *dns_probe_start(struct loop *l, const struct check_cfg *c,
				  probe_done_fn done, void *arg)
{
	struct dns_probe *p;
	int err;

	if (!l || !c || !done || !c->u.dns.query || c->timeout_ms <= 0 ||
	    c->timeout_ms > INT64_MAX / NS_PER_MS ||
	    dns_qtype_code(c->u.dns.qtype) < 0 ||
	    dns_rcode_code(c->u.dns.rcode[0] ? c->u.dns.rcode : "NOERROR") <
		    0) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	*p = (struct dns_probe){ .l = l, .c = c, .done = done, .arg = arg };
	p->qtype = dns_qtype_code(c->u.dns.qtype);
	p->want_rcode =
		dns_rcode_code(c->u.dns.rcode[0] ? c->u.dns.rcode : "NOERROR");
	probe_result_init(&p->r);
	if (dns_open_channel(p) < 0)
		goto err_free;
	dns_server_label(p);
	if (dns_send(p) < 0)
		goto err_release;
	return p;

err_release:
	err = errno;
	dns_release(p);
	errno = err;
err_free:
	free(p);
	return NULL;
}

void dns_probe_cancel(struct dns_probe *p)
{
	if (!p)
		return;
	dns_release(p);
	free(p);
}
