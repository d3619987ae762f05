/*
 * control_request.c - the words of a control request, shared by the
 * Unix socket (`pilotlight ctl`) and the HTTP control API, and the
 * constant-time token compare the API uses.
 *
 * A request is "CMD [ARGS]": status, ack, mute DURATION, maintenance
 * DURATION [HOST|GROUP], end-maintenance, reload.  Durations take the
 * config's syntax (config_parse_duration()) and lie in 1 ms ..
 * CFG_MAINTENANCE_MAX_MS.
 */
#include <stdio.h>
#include <string.h>

#include "control.h"

struct cmd_row {
	const char *name;
	int min_args, max_args;
};

static const struct cmd_row cmds[CTL_CMD_COUNT] = {
	[CTL_STATUS] = { "status", 0, 0 },
	[CTL_ACK] = { "ack", 0, 0 },
	[CTL_MUTE] = { "mute", 1, 1 },
	[CTL_MAINTENANCE] = { "maintenance", 1, 2 },
	[CTL_END_MAINTENANCE] = { "end-maintenance", 0, 0 },
	[CTL_RELOAD] = { "reload", 0, 0 },
};

const char *control_cmd_name(enum control_cmd cmd)
{
	return (int)cmd >= 0 && cmd < CTL_CMD_COUNT ? cmds[cmd].name : "?";
}

/* Split line at single spaces into at most n words (copied into w).
 * Returns the count, or -1 if a word is empty, too long or too many. */
static int split_words(const char *line, char w[][CFG_NAME_MAX], int n)
{
	int count = 0;
	size_t len;

	for (;;) {
		len = strcspn(line, " ");
		if (len == 0 || len >= CFG_NAME_MAX || count == n)
			return -1;
		memcpy(w[count], line, len);
		w[count++][len] = '\0';
		if (!line[len])
			return count;
		line += len + 1;
	}
}

static int parse_duration(const char *s, int64_t *ms)
{
	return config_parse_duration(s, ms) < 0 || *ms < 1 ||
			       *ms > CFG_MAINTENANCE_MAX_MS
		       ? -1
		       : 0;
}

int control_parse(const char *line, struct control_request *rq, char *why,
		  size_t why_len)
{
	char w[4][CFG_NAME_MAX];
	int n, c;

	*rq = (struct control_request){ .cmd = CTL_CMD_COUNT };
	for (const char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(why, why_len, "control character in request");
			return -1;
		}
	n = split_words(line, w, 4);
	if (n < 0) {
		snprintf(why, why_len,
			 "bad request (words of 1..%d "
			 "characters, single spaces)",
			 CFG_NAME_MAX - 1);
		return -1;
	}
	for (c = 0; c < CTL_CMD_COUNT; c++)
		if (!strcmp(w[0], cmds[c].name))
			break;
	if (c == CTL_CMD_COUNT) {
		snprintf(why, why_len, "unknown command '%s'", w[0]);
		return -1;
	}
	if (n - 1 < cmds[c].min_args || n - 1 > cmds[c].max_args) {
		snprintf(why, why_len, "usage: %s%s", cmds[c].name,
			 c == CTL_MUTE		? " DURATION"
			 : c == CTL_MAINTENANCE ? " DURATION [HOST|GROUP]"
						: "");
		return -1;
	}
	rq->cmd = (enum control_cmd)c;
	if (n > 1 && parse_duration(w[1], &rq->duration_ms) < 0) {
		snprintf(why, why_len,
			 "bad duration '%s' (e.g. 90s, 10m, 2h; at most 7d)",
			 w[1]);
		return -1;
	}
	if (n > 2)
		snprintf(rq->target, sizeof(rq->target), "%s", w[2]);
	return 0;
}

bool control_token_equal(const char *given, size_t given_len, const char *token)
{
	size_t len = strlen(token);
	volatile unsigned char diff = given_len != len;

	/* Walk the token's full length whatever was given; read given
	 * only within its bounds (its first byte stands in beyond). */
	for (size_t i = 0; i < len; i++) {
		unsigned char g =
			given_len ? (unsigned char)given[i < given_len ? i : 0]
				  : 0;

		diff |= g ^ (unsigned char)token[i];
	}
	return len > 0 && diff == 0;
}
