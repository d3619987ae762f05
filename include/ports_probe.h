/*
 * ports_probe.h - the ports check: are exactly the expected ports open?
 *
 * Lifecycle: ports_probe_start() → the loop drives one non-blocking
 * connect per listed port, all at once → done is called once with the
 * verdict, after which the probe frees itself; or ports_probe_cancel()
 * before that, and done is never called.
 *
 * A connect that succeeds is open, a refusal is closed, no answer by the
 * check's timeout_ms is filtered; filtered and unreachable count as "not
 * open", so they satisfy the closed list and fail the open list.
 */
#ifndef PL_PORTS_PROBE_H
#define PL_PORTS_PROBE_H

#include <sys/socket.h>

#include "config.h"
#include "probe.h"

struct loop;
struct ports_probe;

/* Probe the host at addr (AF_INET or AF_INET6; its port is ignored) for
 * c's u.ports lists.  c must stay valid until done runs or the probe is
 * cancelled.  Returns NULL with errno only if the probe cannot start (bad
 * arguments, no memory, out of descriptors); every network outcome is
 * reported through done, from the loop, never from inside this call. */
struct ports_probe *ports_probe_start(struct loop *l,
				      const struct sockaddr *addr,
				      socklen_t len, const struct check_cfg *c,
				      probe_done_fn done, void *arg);

/* Stop a running probe and free it; done will not be called.  Accepts
 * NULL.  Not for a probe whose done has already run (it is gone). */
void ports_probe_cancel(struct ports_probe *p);

#endif
