/*
 * alarmfile.c - the acknowledged alarm and the maintenance window in
 * STATE_DIR/alarm-state (format and rules in alarmfile.h).  The policy
 * decides what to remember; this file only moves it to and from the disk.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarmfile.h"
#include "clock.h"
#include "log.h"
#include "statefile.h"

/* Checks a file may name: every check a config can have. */
#define MAX_ACKED ((size_t)CFG_MAX_HOSTS * CFG_MAX_CHECKS)

struct alarmfile {
	char *path;
	uint64_t saved_gen; /* the generation on disk */
	bool have_saved;    /* saved_gen means something */
	bool failing;	    /* the last save failed */
	int64_t retry_ns;   /* wait after a failure, doubling */
	int64_t next_try_ns;
};

struct alarmfile *alarmfile_open(const char *state_dir)
{
	struct alarmfile *af = calloc(1, sizeof(*af));

	if (!af ||
	    asprintf(&af->path, "%s/%s", state_dir, ALARMFILE_NAME) < 0) {
		free(af);
		errno = ENOMEM;
		return NULL;
	}
	return af;
}

/* ---- reading ------------------------------------------------------------ */

static int parse_epoch(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

static bool is_alarm(enum pl_state s)
{
	return s == STATE_WARNING || s == STATE_CRITICAL;
}

static const char *parse_level(const char *s, enum pl_state *out)
{
	enum pl_state level;

	if (state_parse(s, &level) < 0 || !is_alarm(level))
		return "level is not warning or critical";
	*out = level;
	return NULL;
}

static const char *add_acked(struct policy_memory *m, const char *check,
			     const char *state)
{
	struct policy_acked *a;
	enum pl_state s;
	const char *why = parse_level(state, &s);

	if (why)
		return why;
	if (strlen(check) >= CFG_NAME_MAX)
		return "check name too long";
	if (m->n_acked >= MAX_ACKED)
		return "more acked checks than a config can have";
	/* grow by powers of two: n_acked is the capacity's lower bound */
	if ((m->n_acked & (m->n_acked - 1)) == 0) {
		a = realloc(m->acked,
			    (m->n_acked ? m->n_acked * 2 : 4) * sizeof(*a));
		if (!a)
			return "out of memory";
		m->acked = a;
	}
	a = &m->acked[m->n_acked++];
	snprintf(a->check, sizeof(a->check), "%s", check);
	a->state = s;
	return NULL;
}

/* One line (statefile_line_fn): NULL when taken, else why not. */
static const char *load_line(char *line, unsigned lineno, void *arg)
{
	struct policy_memory *m = arg;
	char *f[4], *save = NULL;
	int n = 0;

	(void)lineno;
	for (char *t = strtok_r(line, " \t", &save); t && n < 4;
	     t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	if (n == 2 && strcmp(f[0], "maintenance_end") == 0)
		return parse_epoch(f[1], &m->maintenance_end_s) < 0
			       ? "not a time in epoch seconds"
			       : NULL;
	if (n == 2 && strcmp(f[0], "acknowledged") == 0)
		return parse_level(f[1], &m->acked_level);
	if (n == 3 && strcmp(f[0], "acked") == 0)
		return add_acked(m, f[1], f[2]);
	return "not 'maintenance_end TIME', 'acknowledged LEVEL' or "
	       "'acked CHECK STATE'";
}

int alarmfile_load(struct alarmfile *af, struct policy_memory *m)
{
	struct statefile_stats st;
	int rc;

	*m = (struct policy_memory){ .acked_level = STATE_OK };
	rc = statefile_load(af->path, ALARMFILE_MAX_BYTES, ALARMFILE_LINE_MAX,
			    load_line, m, &st);
	if (rc < 0 && errno == ENOMEM) {
		alarmfile_memory_free(m);
		return -1;
	}
	if (m->acked_level == STATE_OK && m->n_acked) {
		log_warn("%s: acked checks without an 'acknowledged' line; "
			 "ignored",
			 af->path);
		st.bad++;
	}
	if (rc < 0 && errno == ENOENT)
		return 1;
	return rc == 0 && st.bad == 0;
}

void alarmfile_memory_free(struct policy_memory *m)
{
	free(m->acked);
	m->acked = NULL;
	m->n_acked = 0;
}

/* ---- writing ------------------------------------------------------------ */

static int write_memory(FILE *f, const void *arg)
{
	const struct policy_memory *m = arg;

	fprintf(f, "# pilotlight alarm state, written by the daemon: the "
		   "maintenance window's end\n# (epoch s) and the "
		   "acknowledged alarm with the checks bad then\n");
	if (m->maintenance_end_s)
		fprintf(f, "maintenance_end\t%lld\n",
			(long long)m->maintenance_end_s);
	if (is_alarm(m->acked_level)) {
		fprintf(f, "acknowledged\t%s\n", state_key(m->acked_level));
		for (size_t i = 0; i < m->n_acked; i++)
			fprintf(f, "acked\t%s\t%s\n", m->acked[i].check,
				state_key(m->acked[i].state));
	}
	return ferror(f) ? -1 : 0;
}

void alarmfile_saved(struct alarmfile *af, uint64_t gen)
{
	af->saved_gen = gen;
	af->have_saved = true;
}

static int save(struct alarmfile *af, const struct policy_memory *m,
		int64_t now_ns)
{
	if (statefile_save(af->path, write_memory, m) < 0) {
		int err = errno;

		if (!af->failing)
			log_warn("alarm state: cannot write %s: %s; the "
				 "acknowledgement and maintenance would not "
				 "survive a restart, retrying",
				 af->path, strerror(err));
		af->failing = true;
		af->retry_ns = af->retry_ns ? af->retry_ns * 2
					    : ALARMFILE_RETRY_MIN_S * NS_PER_S;
		if (af->retry_ns > 60 * NS_PER_S)
			af->retry_ns = 60 * NS_PER_S;
		af->next_try_ns = now_ns + af->retry_ns;
		errno = err;
		return -1;
	}
	if (af->failing)
		log_notice("alarm state: saved to %s again", af->path);
	af->failing = false;
	af->retry_ns = 0;
	alarmfile_saved(af, m->gen);
	return 0;
}

static bool unsaved(const struct alarmfile *af, const struct policy_memory *m)
{
	return !af->have_saved || af->saved_gen != m->gen;
}

void alarmfile_sync(struct alarmfile *af, const struct policy_memory *m,
		    int64_t now_ns)
{
	if (!af || !unsaved(af, m) || (af->failing && now_ns < af->next_try_ns))
		return;
	save(af, m, now_ns);
}

void alarmfile_close(struct alarmfile *af, const struct policy_memory *m)
{
	if (!af)
		return;
	if (m && unsaved(af, m) && save(af, m, clock_now_ns()) < 0)
		log_always(LOG_WARNING,
			   "alarm state not saved: %s: %s; the file keeps an "
			   "older state",
			   af->path, strerror(errno));
	free(af->path);
	free(af);
}
