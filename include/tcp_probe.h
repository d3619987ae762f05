/*
 * tcp_probe.h - one TCP service check: connect, optionally send a string,
 * optionally read the reply and match it (substring or POSIX ERE).
 *
 * Lifecycle: tcp_probe_start() → the loop drives it → done is called once
 * with the result, after which the probe frees itself; or
 * tcp_probe_cancel() before that, and done is never called.
 *
 * The check's timeout_ms is the deadline for the whole exchange.  At most
 * TCP_PROBE_RX_MAX bytes of the reply are read, so a server that sends
 * megabytes costs no more than one that sends a banner.
 */
#ifndef PL_TCP_PROBE_H
#define PL_TCP_PROBE_H

#include <sys/socket.h>

#include "config.h"
#include "probe.h"

#define TCP_PROBE_RX_MAX 4096

struct loop;
struct tcp_probe;

/* Start probing addr (port included) with c's u.tcp settings.  c must stay
 * valid until done runs or the probe is cancelled.  Returns NULL with errno
 * only if the probe cannot even start (no memory, no socket, bad
 * arguments); every network outcome, including an immediate refusal, is
 * reported through done, from the loop, never from inside this call. */
struct tcp_probe *tcp_probe_start(struct loop *l, const struct sockaddr *addr,
				  socklen_t len, const struct check_cfg *c,
				  probe_done_fn done, void *arg);

/* Stop a running probe and free it; done will not be called.  Accepts
 * NULL.  Not for a probe whose done has already run (it is gone). */
void tcp_probe_cancel(struct tcp_probe *p);

#endif
