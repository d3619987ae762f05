/*
 * state.c - names and precedence of the four check states.
 *
 * The enum values are the monitoring-plugins exit codes (OK 0, WARNING 1,
 * CRITICAL 2, UNKNOWN 3), so numeric order is not severity order: UNKNOWN
 * ranks between OK and WARNING.  Every combination of states (host, group,
 * site) goes through state_worst() so that rule lives in one place.
 */
#include <string.h>

#include "state.h"

static const char *const state_names[STATE_COUNT] = {
	[STATE_OK] = "OK",
	[STATE_WARNING] = "WARNING",
	[STATE_CRITICAL] = "CRITICAL",
	[STATE_UNKNOWN] = "UNKNOWN",
};

static const char *const state_keys[STATE_COUNT] = {
	[STATE_OK] = "ok",
	[STATE_WARNING] = "warning",
	[STATE_CRITICAL] = "critical",
	[STATE_UNKNOWN] = "unknown",
};

/* Severity under CRITICAL > WARNING > UNKNOWN > OK. */
static const int state_ranks[STATE_COUNT] = {
	[STATE_OK] = 0,
	[STATE_UNKNOWN] = 1,
	[STATE_WARNING] = 2,
	[STATE_CRITICAL] = 3,
};

static int state_valid(enum pl_state s)
{
	return (int)s >= 0 && (int)s < STATE_COUNT;
}

const char *state_name(enum pl_state s)
{
	return state_valid(s) ? state_names[s] : "?";
}

const char *state_key(enum pl_state s)
{
	return state_valid(s) ? state_keys[s] : "?";
}

int state_parse(const char *name, enum pl_state *out)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < STATE_COUNT; i++) {
		if (strcmp(name, state_keys[i]) == 0) {
			*out = (enum pl_state)i;
			return 0;
		}
	}
	return -1;
}

/* An out-of-range value is treated as UNKNOWN: not knowing, not fine. */
int state_rank(enum pl_state s)
{
	return state_valid(s) ? state_ranks[s] : state_ranks[STATE_UNKNOWN];
}

enum pl_state state_worst(enum pl_state a, enum pl_state b)
{
	if (!state_valid(a))
		a = STATE_UNKNOWN;
	if (!state_valid(b))
		b = STATE_UNKNOWN;
	return state_rank(b) > state_rank(a) ? b : a;
}
