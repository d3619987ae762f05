/*
 * state.h - the four check states and their precedence.
 *
 * The values are the monitoring-plugins exit codes, so an exec check's exit
 * status is its state.  When states are combined (a group, a host, the whole
 * site) the worst wins, in this order:
 *
 *	CRITICAL > WARNING > UNKNOWN > OK
 *
 * (monitoring-plugins' max_state_alt()): a known problem outranks not
 * knowing, and not knowing outranks "all fine".
 */
#ifndef PL_STATE_H
#define PL_STATE_H

enum pl_state {
	STATE_OK = 0,
	STATE_WARNING = 1,
	STATE_CRITICAL = 2,
	STATE_UNKNOWN = 3,
};

#define STATE_COUNT 4

/* "OK", "WARNING", "CRITICAL", "UNKNOWN"; "?" for a value out of range. */
const char *state_name(enum pl_state s);

/* Lower-case name, as used in the config ("ok", "warning", ...). */
const char *state_key(enum pl_state s);

/* Parse a lower-case name; returns 0, or -1 if it is none of the four. */
int state_parse(const char *name, enum pl_state *out);

/* Severity rank under the precedence above: OK 0, UNKNOWN 1, WARNING 2,
 * CRITICAL 3. */
int state_rank(enum pl_state s);

/* The worse of two states. */
enum pl_state state_worst(enum pl_state a, enum pl_state b);

#endif
