/*
 * remotelog.h - the log's second target: a remote syslog server, RFC 5424
 * messages over UDP (one per datagram, RFC 5426) or TCP (octet-counting
 * framing, RFC 6587), beside the local journal or stderr.
 *
 * Lifecycle: remotelog_new() once the loop exists → remotelog_configure()
 * with each config (start and reload) → log.c hands it every line it
 * writes through log_set_sink(remotelog_sink, rl) → remotelog_free().
 *
 * Nothing blocks the loop: sockets are non-blocking, a TCP connection is
 * made from the loop and remade after a failure with a backoff (1 s
 * doubling to 60 s); lines wait in a bounded queue (REMOTELOG_QUEUE_BYTES)
 * while it is down, and the newest are dropped when it is full.  UDP
 * lines the kernel will not take are lost.  An outage is said once in the
 * local log when the first retry is due, the reconnection with the number
 * of lines dropped meanwhile.
 */
#ifndef PL_REMOTELOG_H
#define PL_REMOTELOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

#define REMOTELOG_LINE_MAX    2048 /* RFC 5424 6.1: receivers SHOULD take it */
#define REMOTELOG_QUEUE_BYTES 65536
#define REMOTELOG_APP_NAME    "pilotlight"

struct loop;
struct remotelog;

/* Returns NULL/errno (ENOMEM). */
struct remotelog *remotelog_new(struct loop *l);

/* Adopt cfg's target: keep the connection when address and transport are
 * unchanged, else drop it (and its queue) and start over; an empty
 * address turns remote logging off.  Returns 0 or -1/errno. */
int remotelog_configure(struct remotelog *rl, const struct remote_log_cfg *cfg);

/* A log_sink_fn (log.h): queue or send one line at syslog priority prio.
 * Never logs itself and never blocks. */
void remotelog_sink(void *arg, int prio, const char *msg);

/* Accepts NULL. */
void remotelog_free(struct remotelog *rl);

/*
 * One RFC 5424 message without framing into buf:
 * "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG", PRI = facility
 * daemon (3) * 8 + severity (prio & 7), TIMESTAMP in UTC with
 * microseconds.  Header fields keep PRINTUSASCII (other bytes become '_',
 * an empty field "-"); control characters in msg become spaces so one
 * message stays one line; what does not fit is cut.  Returns the length
 * (< len), or 0 when len is too small for a header.
 */
size_t remotelog_format(char *buf, size_t len, int prio,
			const struct timespec *wall, const char *hostname,
			const char *app, long pid, const char *msg);

#endif
