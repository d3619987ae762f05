/*
 * control_reply.c - the text `pilotlight ctl status` and GET
 * /api/v1/status answer with: the site, the alarm and what silences it,
 * then each host and its checks, one a line.
 *
 *	ok: site critical
 *	alarm critical acknowledged
 *	maintenance 59m
 *	muted 9m
 *	host router critical
 *	  check router/ping critical: no reply
 */
#include <stdio.h>
#include <stdlib.h>

#include "control.h"
#include "lcd_pages.h"

static void put_left(FILE *f, const char *what, int64_t until_ns,
		     int64_t now_ns)
{
	char dur[16];

	if (until_ns <= now_ns)
		return;
	lcd_format_duration(dur, sizeof(dur), until_ns - now_ns);
	fprintf(f, "%s %s\n", what, dur);
}

char *control_status_text(const struct status *st, int64_t now_ns)
{
	const struct pl_config *cfg = st->cfg;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int c = 0;

	if (!f)
		return NULL;
	fprintf(f, "ok: site %s\n", state_name(st->overall));
	if (st->alarm)
		fprintf(f, "alarm %s%s\n", state_name(st->alarm_state),
			st->acknowledged ? " acknowledged" : "");
	else
		fprintf(f, "alarm none\n");
	put_left(f, "maintenance", st->maintenance_until_ns, now_ns);
	put_left(f, "muted", st->mute_until_ns, now_ns);
	if (st->config_error[0])
		fprintf(f, "config error %s\n", st->config_error);
	for (int h = 0; cfg && h < cfg->n_hosts; h++) {
		const struct host_cfg *hc = &cfg->hosts[h];

		fprintf(f, "host %s %s\n", hc->name,
			state_name(st->hosts[h].state));
		for (int i = 0; i < hc->n_checks; i++, c++)
			fprintf(f, "  check %s %s: %s\n", hc->checks[i].name,
				state_name(st->checks[c].state),
				st->checks[c].reason);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
