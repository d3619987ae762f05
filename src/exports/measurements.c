/*
 * measurements.c - the measurement stream: every result of every check as
 * one JSON line, to a file or stdout, for tools of the user's own.
 *
 * Unlike the events file this writes samples, not changes, so it holds
 * no line back.  It writes through evfile.c, as the events file does, and
 * so follows log rotation the same way (renamed, removed, copytruncated),
 * but with EVFILE_DROP: what cannot be written - a full disk, a reader
 * gone, a rotated path that cannot be created again - is dropped and
 * counted (pilotlight_measurements_dropped_total), and on stdout only
 * what a pipe cannot take at once waits, in EVFILE_PENDING_MAX bytes,
 * until the loop says it is writable.
 *
 * A line (values null where the check does not measure them):
 *
 *   {"time":"2026-11-22T01:23:45.123Z","epoch":1795310625.123,"seq":7,
 *    "host":"router","check":"router/ping","type":"ping","state":"OK",
 *    "ok":true,"rtt_ms":0.31,"rtt_min_ms":0.2,"rtt_max_ms":0.4,
 *    "jitter_ms":0.05,"loss_pct":0,"response_time_ms":null,
 *    "cert_days":null,"reason":"rtt 0.31 ms loss 0%"}
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exports_int.h"
#include "json.h"
#include "probe.h"

struct measurements {
	char file[CFG_PATH_MAX];   /* the config value: "", "-" or a path */
	struct evfile *out;	   /* NULL: nothing configured */
	uint64_t lines;		   /* results offered: the last line's seq */
	struct evfile_counts base; /* carried over, less out's own counts */
};

/* ---- formatting ------------------------------------------------------- */

size_t measurements_format(char *buf, size_t len, uint64_t seq,
			   const struct measurement *m)
{
	const struct probe_result *r = m->r;
	struct json_line l = { buf, len, 0 };
	bool has_rtt = isfinite(r->value[METRIC_RTT]);

	json_line_head(&l, m->wall_ns);
	json_line_printf(&l, ",\"seq\":%" PRIu64, seq);
	json_line_string(&l, "host", m->host);
	json_line_string(&l, "check", m->check);
	json_line_string(&l, "type", m->type);
	json_line_string(&l, "state", state_name(m->state));
	json_line_printf(&l, ",\"ok\":%s", r->ok ? "true" : "false");
	json_line_number(&l, "rtt_ms", r->value[METRIC_RTT]);
	/* only a ping with replies has them; other probes leave them 0 */
	json_line_number(&l, "rtt_min_ms", has_rtt ? r->rtt_min_ms : NAN);
	json_line_number(&l, "rtt_max_ms", has_rtt ? r->rtt_max_ms : NAN);
	json_line_number(&l, "jitter_ms", r->value[METRIC_JITTER]);
	json_line_number(&l, "loss_pct", r->value[METRIC_LOSS]);
	json_line_number(&l, "response_time_ms",
			 r->value[METRIC_RESPONSE_TIME]);
	json_line_number(&l, "cert_days", r->value[METRIC_CERT_DAYS]);
	json_line_string(&l, "reason", r->reason);
	json_line_printf(&l, "}");
	return l.used;
}

/* ---- the API ----------------------------------------------------------- */

void measurements_write(struct measurements *m, const struct measurement *ms)
{
	char line[EVFILE_LINE_MAX + 1];
	size_t n;

	if (!m || !m->out)
		return;
	n = measurements_format(line, sizeof(line), ++m->lines, ms);
	if (n >= sizeof(line))
		n = sizeof(line) - 1; /* reasons are short: never in practice */
	evfile_write(m->out, line, n, clock_now_ns());
}

struct measurements *measurements_open(struct loop *l, const char *file,
				       char *err, size_t errlen)
{
	struct evfile_params p = { .label = "measurements",
				   .policy = EVFILE_DROP,
				   .mode = 0644,
				   .loop = l };
	struct measurements *m = calloc(1, sizeof(*m));

	if (!m) {
		snprintf(err, errlen, "measurements: %s", strerror(errno));
		return NULL;
	}
	snprintf(m->file, sizeof(m->file), "%s", file);
	if (!file[0])
		return m;
	if (strcmp(file, "-") == 0)
		p.fd = EVFILE_STDOUT;
	else
		p.path = file;
	m->out = evfile_open_with(&p);
	if (!m->out) {
		snprintf(err, errlen, "measurements: cannot open %s: %s",
			 p.path ? file : "stdout", strerror(errno));
		free(m);
		return NULL;
	}
	return m;
}

int measurements_reopen(struct measurements *m)
{
	return m ? evfile_reopen(m->out, clock_now_ns()) : 0;
}

bool measurements_same(const struct measurements *m, const char *file)
{
	return strcmp(m ? m->file : "", file) == 0;
}

void measurements_counts(const struct measurements *m,
			 struct measurements_counts *c)
{
	struct evfile_counts w;

	evfile_counts(m ? m->out : NULL, &w);
	*c = (struct measurements_counts){ 0 };
	if (!m)
		return;
	c->lines = m->lines;
	c->written = m->base.written + w.written;
	c->dropped = m->base.dropped + w.dropped;
}

void measurements_set_counts(struct measurements *m,
			     const struct measurements_counts *c)
{
	struct evfile_counts w;

	if (!m)
		return;
	evfile_counts(m->out, &w);
	m->lines = c->lines;
	/* modulo 2^64, so that base + w is c exactly */
	m->base.written = c->written - w.written;
	m->base.dropped = c->dropped - w.dropped;
}

void measurements_render(struct xbuf *b, const struct measurements_counts *c)
{
	prom_family(b, "pilotlight_measurements_written_total", "counter",
		    "Result lines written to the measurement stream.");
	prom_sample1(b, "pilotlight_measurements_written_total", NULL, NULL,
		     (double)c->written);
	prom_family(b, "pilotlight_measurements_dropped_total", "counter",
		    "Result lines the measurement stream dropped: its reader "
		    "too slow, the disk full or a write error.");
	prom_sample1(b, "pilotlight_measurements_dropped_total", NULL, NULL,
		     (double)c->dropped);
}

void measurements_close(struct measurements *m)
{
	if (!m)
		return;
	evfile_close(m->out);
	free(m);
}
