/*
 * rate_alarm.c - the window arithmetic and the words of a traffic alarm.
 *
 * Buckets are indexed by whole seconds of the monotonic clock, so a late
 * tick (a busy loop) never stretches a second: the seconds it skipped are
 * simply empty or hold what was counted in them.  Advancing by more than
 * the ring clears it once instead of second by second.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "rate_alarm.h"
#include "traffic.h"

static const char *const rate_label[RATE_COUNT] = {
	[RATE_BPS] = "",
	[RATE_PPS] = "",
	[RATE_BROADCAST_PPS] = "broadcast ",
	[RATE_ERRORS] = "errors ",
	[RATE_DROPS] = "drops ",
	[RATE_OVERRUNS] = "overruns ",
};

/* What a count counts. */
static const char *const count_label[RATE_COUNT] = {
	[RATE_BPS] = "bits ",
	[RATE_PPS] = "frames ",
	[RATE_BROADCAST_PPS] = "broadcast ",
	[RATE_ERRORS] = "errors ",
	[RATE_DROPS] = "drops ",
	[RATE_OVERRUNS] = "overruns ",
};

/* Appended to a number: "52.1Mb/s", "812 pps", "errors 3/s". */
static const char *const rate_unit[RATE_COUNT] = {
	[RATE_BPS] = "b/s",
	[RATE_PPS] = " pps",
	[RATE_BROADCAST_PPS] = " pps",
	[RATE_ERRORS] = "/s",
	[RATE_DROPS] = "/s",
	[RATE_OVERRUNS] = "/s",
};

static const char *const dir_label[] = {
	[TRAFFIC_DIR_BOTH] = "",
	[TRAFFIC_DIR_RX] = "rx ",
	[TRAFFIC_DIR_TX] = "tx ",
};

static int64_t second_of(int64_t ns)
{
	return ns / NS_PER_S;
}

int rate_alarm_init(struct rate_alarm *a, const struct traffic_alarm_cfg *c,
		    int64_t now_ns)
{
	int w = (int)(c->window_ms / 1000);

	memset(a, 0, sizeof(*a));
	if (w < 1)
		w = 1;
	a->bucket = calloc((size_t)w + 1, sizeof(*a->bucket));
	if (!a->bucket) {
		errno = ENOMEM;
		return -1;
	}
	a->cfg = *c;
	a->w = w;
	a->cur_s = second_of(now_ns);
	a->start_s = a->cur_s;
	a->value = NAN;
	return 0;
}

void rate_alarm_free(struct rate_alarm *a)
{
	free(a->bucket);
	a->bucket = NULL;
}

bool rate_alarm_same_window(const struct traffic_alarm_cfg *a,
			    const struct traffic_alarm_cfg *b)
{
	return strcmp(a->name, b->name) == 0 && a->rate == b->rate &&
	       a->window_ms == b->window_ms &&
	       a->host_family == b->host_family &&
	       memcmp(a->host, b->host, sizeof(a->host)) == 0 &&
	       a->service_proto == b->service_proto &&
	       a->service_port == b->service_port &&
	       strcmp(a->interface, b->interface) == 0 && a->dir == b->dir;
}

void rate_alarm_retune(struct rate_alarm *a, const struct traffic_alarm_cfg *b)
{
	a->cfg = *b;
}

static void advance(struct rate_alarm *a, int64_t now_ns)
{
	int64_t s = second_of(now_ns), n = a->w + 1;

	if (s <= a->cur_s)
		return;
	if (s - a->cur_s >= n) {
		memset(a->bucket, 0, (size_t)n * sizeof(*a->bucket));
	} else {
		for (int64_t k = a->cur_s + 1; k <= s; k++)
			a->bucket[k % n] = 0;
	}
	a->cur_s = s;
}

void rate_alarm_add(struct rate_alarm *a, int64_t now_ns, uint64_t n)
{
	if (!a->bucket || !n)
		return;
	advance(a, now_ns);
	a->bucket[a->cur_s % (a->w + 1)] += n;
}

/* Events of the last w complete seconds. */
static uint64_t window_sum(const struct rate_alarm *a)
{
	uint64_t sum = 0;
	int n = a->w + 1;

	for (int i = 0; i < n; i++)
		if (i != a->cur_s % n)
			sum += a->bucket[i];
	return sum;
}

static void fmt_reason(const struct rate_alarm *a, bool holds, bool filling,
		       char *buf, size_t len)
{
	const struct traffic_alarm_cfg *c = &a->cfg;
	const char *label = rate_label[c->rate], *unit = rate_unit[c->rate];
	char v[16], lim[16];
	int n = 0;

	/* an interface alarm names it: "eth0 tx errors 51 > 50 in 60s" */
	if (c->interface[0]) {
		n = snprintf(buf, len, "%s %s", c->interface,
			     dir_label[c->dir]);
		if (n < 0 || (size_t)n >= len)
			return;
		buf += n;
		len -= (size_t)n;
	}
	traffic_fmt_si(a->value, v, sizeof(v));
	traffic_fmt_si(c->limit, lim, sizeof(lim));
	if (c->cond == TRAFFIC_COUNT && holds)
		snprintf(buf, len, "%s%s > %s in %ds", count_label[c->rate], v,
			 lim, a->w);
	else if (c->cond == TRAFFIC_COUNT)
		snprintf(buf, len, "%s%s in %ds", count_label[c->rate], v,
			 a->w);
	else if (filling)
		snprintf(buf, len, "%s%s%s (filling %ds)", label, v, unit,
			 a->w);
	else if (holds)
		snprintf(buf, len, "%s%s%s %c %s%s (%ds)", label, v, unit,
			 c->cond == TRAFFIC_ABOVE ? '>' : '<', lim, unit, a->w);
	else
		snprintf(buf, len, "%s%s%s (%ds)", label, v, unit, a->w);
}

bool rate_alarm_eval(struct rate_alarm *a, int64_t now_ns,
		     struct probe_result *r)
{
	const struct traffic_alarm_cfg *c = &a->cfg;
	bool filling = false, holds;
	uint64_t sum;

	advance(a, now_ns);
	sum = window_sum(a);
	/* below needs w complete seconds: the first one was partial */
	if (c->cond == TRAFFIC_BELOW && a->cur_s - a->start_s - 1 < a->w)
		filling = true;
	a->value = c->cond == TRAFFIC_COUNT ? (double)sum : (double)sum / a->w;
	if (c->cond == TRAFFIC_ABOVE)
		holds = a->value > c->limit;
	else if (c->cond == TRAFFIC_BELOW)
		holds = !filling && a->value < c->limit;
	else
		holds = a->value > c->limit;
	a->active = holds;
	r->ok = !holds || c->level == STATE_WARNING;
	if (holds && c->level == STATE_WARNING) {
		r->has_state = true;
		r->state = STATE_WARNING;
	}
	fmt_reason(a, holds, filling, r->reason, sizeof(r->reason));
	return holds;
}
