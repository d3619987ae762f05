/*
 * dns_probe.h - one DNS check: ask a server (or the system's resolvers)
 * one question and judge the reply's rcode and, optionally, its answers.
 *
 * Lifecycle: dns_probe_start() → the loop drives it → done is called once
 * with the result, after which the probe frees itself; or
 * dns_probe_cancel() before that, and done is never called.
 *
 * The check's timeout_ms bounds the whole exchange, retransmits included.
 * value[METRIC_RESPONSE_TIME] is the time to the reply in ms, set whenever
 * a reply came (a wrong rcode is still a measured answer).
 *
 * An expected answer is compared with each answer record of the asked type
 * written as text: A/AAAA an address (compared as an address, so "::1"
 * equals "0::1"); CNAME, NS, PTR a name ("nas.example."); MX "10
 * mail.example."; SRV "priority weight port target."; SOA "mname. rname.
 * serial refresh retry expire minimum"; TXT the record's strings joined
 * without separator, compared exactly.  Names compare without regard to
 * case or a final dot.  A/AAAA follow CNAMEs in the reply.
 */
#ifndef PL_DNS_PROBE_H
#define PL_DNS_PROBE_H

#include "config.h"
#include "probe.h"

struct loop;
struct dns_probe;

/* Start the check c (u.dns settings; u.dns.server may also carry a port,
 * "127.0.0.1:5353" or "[::1]:5353").  c must stay valid until done runs or
 * the probe is cancelled.  Returns NULL with errno only if the probe cannot
 * start (EINVAL for a bad qtype, rcode, query or server; ENOMEM); every
 * network outcome is reported through done, from the loop, never from
 * inside this call. */
struct dns_probe *dns_probe_start(struct loop *l, const struct check_cfg *c,
				  probe_done_fn done, void *arg);

/* Stop a running probe and free it; done will not be called.  Accepts
 * NULL.  Not for a probe whose done has already run (it is gone). */
void dns_probe_cancel(struct dns_probe *p);

#endif
