/*
 * newdev.h - new devices on the LAN, in the manner of arpwatch.
 *
 * Lifecycle: newdev_open() loads the known MAC/IP pairs from the state
 * file → newdev_frame() for every decoded frame → newdev_tick() once a
 * second (saves when due) → newdev_close() saves and frees.
 *
 * A pair is taken from ARP sender fields and from the source MAC and
 * source address of IPv4/IPv6 frames from the local networks.  A pair not
 * seen before is an event: logged (at most NEWDEV_LOG_PER_MIN lines a
 * minute, the rest summed up), counted and kept as "the last new device"
 * for the LCD.  There is no learning period: the first run with an empty
 * file reports every device once, and the log limit keeps that quiet.
 *
 * The known pairs persist in STATE_DIR/known-devices.tsv, one pair a line:
 * "MAC<TAB>IP<TAB>FIRST_SEEN<TAB>LAST_SEEN\n" (epoch seconds; a line
 * without LAST_SEEN, as written by hand, is read with LAST_SEEN =
 * FIRST_SEEN).  Lines are read safely whatever their length: one longer
 * than NEWDEV_LINE_MAX or malformed is skipped whole, logged as FILE:LINE.
 * The file is written whole and atomically (statefile.h), at most once
 * per save interval while something new has been seen, and at close.  A
 * failed save is logged once with the number of pairs at risk and retried
 * from the tick with backoff (NEWDEV_RETRY_MIN_S doubling up to the save
 * interval); detection goes on in memory.  A save failing at close is
 * always logged: "N known devices not saved: FILE: REASON".
 */
#ifndef PL_NEWDEV_H
#define PL_NEWDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode.h"

#define NEWDEV_MAX_PAIRS       4096
#define NEWDEV_SAVE_INTERVAL_S 60
#define NEWDEV_LOG_PER_MIN     10
#define NEWDEV_FILE	       "known-devices.tsv"
#define NEWDEV_LINE_MAX	       255	   /* characters; longer: skipped */
#define NEWDEV_FILE_MAX	       (16u << 20) /* bytes; larger: ignored */
#define NEWDEV_RETRY_MIN_S     2	   /* first retry of a failed save */

struct newdev_pair {
	uint8_t mac[6];
	int family;	    /* AF_INET or AF_INET6 */
	uint8_t ip[16];	    /* IPv4 in the first 4 bytes */
	int64_t first_seen; /* wall clock, epoch seconds */
	int64_t last_seen;
};

struct newdev_params {
	const char *state_dir;	       /* NULL: memory only */
	size_t max_pairs;	       /* 0: NEWDEV_MAX_PAIRS */
	int save_interval_s;	       /* 0: NEWDEV_SAVE_INTERVAL_S */
	const struct cidr *local_nets; /* copied */
	int n_local_nets;
};

struct newdev_counts {
	size_t known;	   /* pairs in the table */
	uint64_t events;   /* new pairs since start */
	uint64_t evicted;  /* pairs dropped to make room */
	uint64_t saves;	   /* files written */
	size_t unsaved;	   /* pairs not in the file yet (lost at a crash) */
	bool save_failing; /* the last save failed */
};

struct newdev;

/*
 * Allocate the table and load the state file (a missing file is an empty
 * table; unreadable lines are skipped and counted in the log).  Returns
 * NULL/errno only when out of memory or on bad parameters.  Table
 * eviction when full: the pair seen longest ago makes room (it is an
 * event again should it come back): the oldest last_seen, and of pairs
 * last seen in the same second the one seen first.  After a step back of
 * the wall clock it is still the pair the daemon saw longest ago,
 * whatever time it carries.  A file with more pairs than the table keeps
 * those with the newest last_seen.
 */
struct newdev *newdev_open(const struct newdev_params *p);

/* Accepts NULL.  Saves first if anything changed since the last save. */
void newdev_close(struct newdev *nd, int64_t now_ns);

/* Replace the local networks (config reload).  Returns 0 or -1/EINVAL. */
int newdev_set_local_networks(struct newdev *nd, const struct cidr *nets,
			      int n);

/* Take the pair of one frame, if it has one.  Returns 1 when it was new
 * (an event), else 0.  now_ns is monotonic (the log limit), wall_s the
 * epoch seconds stored with the pair. */
int newdev_frame(struct newdev *nd, const struct frame_info *fi, int64_t now_ns,
		 int64_t wall_s);

/* The table primitive behind newdev_frame(), no filtering: 1 new, 0 known. */
int newdev_seen(struct newdev *nd, const uint8_t mac[6], int family,
		const uint8_t *ip, int64_t now_ns, int64_t wall_s);

/* Save if something is new and the interval has passed since the last
 * attempt.  Once a second. */
void newdev_tick(struct newdev *nd, int64_t now_ns);

/* Write the file now.  Returns 0, or -1/errno (also when memory only,
 * with ENOENT). */
int newdev_save(struct newdev *nd, int64_t now_ns);

/* The newest new pair since start, or NULL. */
const struct newdev_pair *newdev_last(const struct newdev *nd);

/* The known pair of mac and ip, or NULL. */
const struct newdev_pair *newdev_find(const struct newdev *nd,
				      const uint8_t mac[6], int family,
				      const uint8_t *ip);

void newdev_counts(const struct newdev *nd, struct newdev_counts *out);

/* "aa:bb:cc:dd:ee:ff" into buf (>= 18 bytes). */
void newdev_fmt_mac(const uint8_t mac[6], char *buf, size_t len);

#endif
