/*
 * replay.h - run the traffic pipeline over a capture file at full speed.
 *
 *   pilotlight --replay FILE.pcap [--report json] [--max-hosts N] [-c CFG]
 *
 * The frames go through decode_frame() and account_frame() exactly as live
 * ones do, with the capture's timestamps as the clock; the totals come out
 * as one JSON document (keys in replay.c).
 */
#ifndef PL_REPLAY_H
#define PL_REPLAY_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

#define REPLAY_MAX_HOSTS_DEFAULT ((size_t)1 << 20)

/* Replay path and write the report to out.  cap supplies local_networks
 * (NULL: RFC 1918 and fc00::/7); max_hosts bounds the hosts table (0: the
 * default above).  The tables grow with what the capture holds up to their
 * bounds, so counts are exact below them; past a bound hosts are evicted
 * as live (a warning says so).
 * Returns the exit status: 0, or 1 after a one-line message on stderr when
 * the file is not an Ethernet capture or ends inside a record (the report
 * of what was read is still printed then). */
int replay_run(const char *path, const struct capture_cfg *cap,
	       size_t max_hosts, FILE *out);

#endif
