/*
 * traffic.h - the live traffic side: capture → decode → accounting, new
 * devices, interface health and the capture alarms.
 *
 * Lifecycle: traffic_open() (opens the pcap handles: call it before
 * privileges are dropped) → runs from the loop (frames on readiness and a
 * flush timer, a tick a second) → traffic_reload() after policy_reload()
 * → traffic_close() (saves the known devices).
 *
 * Once a second the tick reads pcap and interface counters, judges every
 * capture alarm and reports the checks of the implicit host "capture"
 * ("capture/link" and "capture/NAME") to the policy, which alone decides
 * their states.  Every frame is also policy_add_activity() for the
 * activity LED.  The LCD and exports read the summary and the getters.
 */
#ifndef PL_TRAFFIC_H
#define PL_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "names.h"
#include "newdev.h"

struct loop;
struct policy;
struct traffic;
struct account;
struct capture_iface_stats;
struct ifstats;
struct rdns;

/* What the LCD's traffic page shows; refreshed by the tick. */
struct traffic_summary {
	bool valid;		/* a traffic module is running */
	int n_ifaces;		/* configured capture interfaces */
	int n_active;		/* capturing now */
	char problem[48];	/* "cap0: interface gone", "" if none */
	uint64_t frames;	/* since start */
	uint64_t drops;		/* kernel drops, all interfaces */
	double bps, pps;	/* all frames, the last second */
	double in_bps, out_bps; /* remote → local, local → remote */
	bool have_top;		/* the top talker (most bytes) */
	int top_family;
	uint8_t top_addr[16];
	char top_name[NAMES_LEN + 1]; /* its name (names.h), "" if none */
	uint64_t new_devices;	      /* new MAC/IP pairs since start */
	bool have_new;		      /* the newest of them */
	struct newdev_pair last_new;
	char new_name[NAMES_LEN + 1]; /* its name, "" if none */
	int64_t last_new_ns;	      /* monotonic time it was seen */
};

/* Called after the tick has reported to the policy. */
typedef void (*traffic_notify_fn)(void *arg);

/*
 * Returns NULL/errno only for lack of memory: interfaces that are missing
 * are retried, an unwritable state directory only logged.  cfg must stay
 * valid until reload or close.
 */
struct traffic *traffic_open(struct loop *l, struct policy *pol,
			     const struct pl_config *cfg);

/* Adopt cfg (the policy already has it).  Alarms whose rate, window and
 * filters did not change keep their windows.  Returns 0, or -1/errno with
 * the old setup running. */
int traffic_reload(struct traffic *t, const struct pl_config *cfg);

/* Accepts NULL.  Saves the known devices. */
void traffic_close(struct traffic *t);

void traffic_set_notify(struct traffic *t, traffic_notify_fn fn, void *arg);

/* ---- getters for the LCD, metrics and the policy ----------------------- */

/* The latest summary of the running module (one capture per process);
 * valid is false when none runs.  Never NULL. */
const struct traffic_summary *traffic_summary(void);
/* Used by traffic.c; tests publish their own. */
void traffic_summary_publish(const struct traffic_summary *s);

/* Capture interface i (config order): pcap frames, drops, state.  NULL
 * when out of range. */
const struct capture_iface_stats *traffic_capture(const struct traffic *t,
						  int i);
/* Its kernel counters and link state, read at the last tick. */
const struct ifstats *traffic_ifstats(const struct traffic *t, int i);
int traffic_iface_count(const struct traffic *t);

/* Rates, protocols, services, top talkers (account.h); NULL without
 * capture interfaces. */
const struct account *traffic_account(const struct traffic *t);

/* When addr last sent a frame on the mirror (monotonic ns), -1 if never
 * seen or no capture: lets the policy tell "ICMP blocked" from "down". */
int64_t traffic_last_seen(const struct traffic *t, int family,
			  const uint8_t *addr);

/* The names learned from the mirror (names.h); NULL without a module. */
const struct names *traffic_names(const struct traffic *t);

/* The reverse DNS channel (rdns.h); NULL when capture.reverse_dns is off. */
const struct rdns *traffic_rdns(const struct traffic *t);

void traffic_newdev_counts(const struct traffic *t, struct newdev_counts *out);

/* "812", "1.02k", "52.1M": three significant digits and an SI prefix. */
void traffic_fmt_si(double v, char *buf, size_t len);

#endif
