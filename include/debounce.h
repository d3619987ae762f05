/*
 * debounce.h - a push button's contacts bounce for a few milliseconds;
 * accept a level only once it has been stable for a period.
 *
 * Lifecycle: debounce_init() with the level read at start →
 * debounce_edge() for every edge the line reports → debounce_poll() at
 * debounce_deadline() (a timer) and whenever convenient.  A pure state
 * machine over timestamps and a caller-supplied now (monotonic ns), so it
 * is tested on a fake clock.  Used with libgpiod 1.x, which has no kernel
 * debounce (src/hw/gpio.c).
 */
#ifndef PL_DEBOUNCE_H
#define PL_DEBOUNCE_H

#include <stdbool.h>
#include <stdint.h>

/* Levels are logical: true = active (pressed).  A period of 0 accepts
 * every change at once. */
struct debounce {
	int64_t period_ns;
	bool stable;	/* the accepted level */
	bool raw;	/* the level after the last edge */
	int64_t raw_ns; /* time of the last edge */
};

void debounce_init(struct debounce *d, int64_t period_ns, bool level,
		   int64_t now_ns);

/* An edge to level at ts_ns.  Returns 1 with *accepted and *since_ns
 * (when that level began) if the level before this edge had been stable
 * for the period and so is accepted now, else 0 (it was a bounce).  The
 * new level is then pending. */
int debounce_edge(struct debounce *d, bool level, int64_t ts_ns, bool *accepted,
		  int64_t *since_ns);

/* Returns 1 with the pending level if it has been stable for the period
 * at now_ns, else 0. */
int debounce_poll(struct debounce *d, int64_t now_ns, bool *accepted,
		  int64_t *since_ns);

/* When debounce_poll() may accept the pending level; INT64_MAX if
 * nothing is pending. */
int64_t debounce_deadline(const struct debounce *d);

#endif
