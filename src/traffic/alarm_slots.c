/*
 * alarm_slots.c - what feeds each capture alarm's window and how a reload
 * carries the windows over.
 *
 * Capture alarms count matching frames as they are decoded; interface
 * alarms (cfg interface set) count the difference of one kernel counter
 * between ticks, the first reading being the baseline, so counters since
 * boot are no burst.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "alarm_slots.h"

uint64_t alarm_slots_delta(uint64_t *prev, uint64_t now)
{
	uint64_t d = now >= *prev ? now - *prev : 0;

	*prev = now;
	return d;
}

static bool frame_matches(const struct traffic_alarm_cfg *c,
			  const struct frame_info *fi)
{
	size_t n = c->host_family == AF_INET ? 4 : 16;

	if (c->rate == RATE_BROADCAST_PPS && !fi->broadcast)
		return false;
	if (c->host_family &&
	    (fi->family != c->host_family ||
	     (memcmp(fi->src, c->host, n) && memcmp(fi->dst, c->host, n))))
		return false;
	if (c->service_proto &&
	    (fi->proto != c->service_proto || !fi->has_ports ||
	     (fi->sport != c->service_port && fi->dport != c->service_port)))
		return false;
	return true;
}

void alarm_slots_count_frame(struct alarm_slot *s, int n,
			     const struct frame_info *fi, int64_t now)
{
	for (int i = 0; i < n; i++) {
		const struct traffic_alarm_cfg *c = &s[i].ra.cfg;

		if (c->rate > RATE_BROADCAST_PPS || c->interface[0] ||
		    !frame_matches(c, fi))
			continue;
		rate_alarm_add(&s[i].ra, now,
			       c->rate == RATE_BPS ? (uint64_t)fi->wire_len * 8
						   : 1);
	}
}

void alarm_slots_count_interfaces(struct alarm_slot *slots, int n,
				  struct netdev_table *t, int64_t now)
{
	static const struct interfaces_cfg every = { .loopback = true };
	bool any = false, ok;
	int i;

	for (i = 0; i < n; i++)
		any |= slots[i].ra.cfg.interface[0] != '\0';
	if (!any)
		return;
	ok = netdev_read(t, &every, NULL) == 0;
	for (i = 0; i < n; i++) {
		struct alarm_slot *s = &slots[i];
		const struct traffic_alarm_cfg *c = &s->ra.cfg;
		const struct netdev_if *d;
		uint64_t v;

		if (!c->interface[0])
			continue;
		d = ok ? netdev_find(t, c->interface) : NULL;
		s->missing = !d;
		if (!d) {
			s->have_prev = false;
			continue;
		}
		v = netdev_counter(d, c->rate, c->dir);
		if (!s->have_prev) /* counters since boot are no burst */
			s->prev = v;
		s->have_prev = true;
		rate_alarm_add(&s->ra, now, alarm_slots_delta(&s->prev, v));
	}
}

void alarm_slots_eval(struct alarm_slot *s, int64_t now, struct probe_result *r)
{
	if (!s->missing) {
		rate_alarm_eval(&s->ra, now, r);
		return;
	}
	r->ok = false;
	r->has_state = true;
	r->state = STATE_UNKNOWN;
	snprintf(r->reason, sizeof(r->reason), "interface %s not found",
		 s->ra.cfg.interface);
}

void alarm_slots_find_checks(const struct pl_config *cfg, int *link,
			     struct alarm_slot *slots, int n)
{
	int h, c, flat = 0;

	*link = -1;
	for (int i = 0; i < n; i++)
		slots[i].check = -1;
	for (h = 0; h < cfg->n_hosts; h++) {
		for (c = 0; c < cfg->hosts[h].n_checks; c++, flat++) {
			const struct check_cfg *k = &cfg->hosts[h].checks[c];

			if (k->type != CHECK_TRAFFIC)
				continue;
			if (k->u.traffic.alarm < 0)
				*link = flat;
			else if (k->u.traffic.alarm < n)
				slots[k->u.traffic.alarm].check = flat;
		}
	}
}

void alarm_slots_unbuild(struct alarm_slot *old, int n_old,
			 struct alarm_slot *next, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < n_old; j++)
			if (!old[j].ra.bucket &&
			    rate_alarm_same_window(&old[j].ra.cfg,
						   &next[i].ra.cfg))
				break;
		if (j < n_old)
			old[j].ra.bucket = next[i].ra.bucket;
		else
			rate_alarm_free(&next[i].ra);
	}
}

int alarm_slots_build(struct alarm_slot *old, int n_old,
		      const struct capture_cfg *cap, struct alarm_slot *next,
		      int64_t now)
{
	int i, j;

	for (i = 0; i < cap->n_alarms; i++) {
		const struct traffic_alarm_cfg *c = &cap->alarms[i];

		for (j = 0; j < n_old; j++)
			if (old[j].ra.bucket &&
			    rate_alarm_same_window(&old[j].ra.cfg, c))
				break;
		if (j < n_old) {
			next[i] = old[j];
			old[j].ra.bucket = NULL;
			rate_alarm_retune(&next[i].ra, c);
		} else if (rate_alarm_init(&next[i].ra, c, now) < 0) {
			goto fail;
		}
	}
	return 0;
fail:
	alarm_slots_unbuild(old, n_old, next, i);
	errno = ENOMEM;
	return -1;
}
