/*
 * capture.h - libpcap on the configured interfaces, driven from the loop.
 *
 * Lifecycle: capture_open() (needs CAP_NET_RAW: call it before privileges
 * are dropped; systemd keeps the capability ambient for reopening) →
 * frames reach the callback from the loop → capture_poll_stats() once a
 * second → capture_reload() on a new config → capture_close().
 *
 * Each interface gets a TPACKET_V3 ring (no immediate mode: the kernel
 * hands over whole blocks, when full or after CAPTURE_TIMEOUT_MS), read
 * non-blocking when its fd is readable and from a CAPTURE_FLUSH_MS timer
 * so a quiet link still delivers.  An interface that is missing at start
 * or vanishes later (a USB adapter unplugged) is reopened with backoff,
 * 1 s doubling to 30 s; capture_iface() says why it is not capturing.
 */
#ifndef PL_CAPTURE_H
#define PL_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define CAPTURE_TIMEOUT_MS 100 /* TPACKET_V3 block retire timeout */
#define CAPTURE_FLUSH_MS   150 /* dispatch even without readiness */
#define CAPTURE_ERROR_MAX  96

struct loop;
struct capture;

/* One frame of interface iface (index into cfg interfaces); data holds
 * caplen bytes (<= wire_len, <= snaplen).  Valid only during the call. */
typedef void (*capture_frame_fn)(void *arg, int iface, const uint8_t *data,
				 uint32_t caplen, uint32_t wire_len);

struct capture_iface_stats {
	const char *name;	       /* the config's string */
	bool active;		       /* a handle is capturing */
	bool gone;		       /* the interface does not exist */
	bool denied;		       /* no permission (not a link fault) */
	char error[CAPTURE_ERROR_MAX]; /* why not active, "" when active */
	uint64_t frames;	       /* delivered to the callback */
	uint64_t bytes;		       /* their wire lengths */
	uint64_t drops;	  /* ring full (pcap ps_drop), all handles */
	uint64_t ifdrops; /* dropped by the interface (ps_ifdrop) */
	uint64_t reopens; /* successful opens after the first */
};

/* Returns NULL/errno only when out of memory: interfaces that cannot be
 * opened are retried.  cfg must stay valid until reload or close. */
struct capture *capture_open(struct loop *l, const struct capture_cfg *cfg,
			     capture_frame_fn fn, void *arg);

/* Adopt cfg.  Interfaces whose settings did not change keep their
 * handles and counters; the others are (re)opened.  Returns 0, or
 * -1/ENOMEM with the old setup left running. */
int capture_reload(struct capture *c, const struct capture_cfg *cfg);

/* Read what every ring holds now. */
void capture_flush(struct capture *c);

/* Update the drop counters from pcap_stats(); once a second. */
void capture_poll_stats(struct capture *c);

int capture_count(const struct capture *c);
/* NULL when i is out of range; valid until the next capture call. */
const struct capture_iface_stats *capture_iface(const struct capture *c, int i);

/* Accepts NULL. */
void capture_close(struct capture *c);

#endif
