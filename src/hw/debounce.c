/*
 * debounce.c - accept a button level once it has been stable for the
 * debounce period (the daemon's debounce for libgpiod 1.x; 2.x asks the
 * kernel).  An edge followed by another within the period is a bounce.
 */
#include "debounce.h"

void debounce_init(struct debounce *d, int64_t period_ns, bool level,
		   int64_t now_ns)
{
	d->period_ns = period_ns > 0 ? period_ns : 0;
	d->stable = d->raw = level;
	d->raw_ns = now_ns;
}

int debounce_poll(struct debounce *d, int64_t now_ns, bool *accepted,
		  int64_t *since_ns)
{
	if (d->raw == d->stable || now_ns - d->raw_ns < d->period_ns)
		return 0;
	d->stable = d->raw;
	*accepted = d->stable;
	*since_ns = d->raw_ns;
	return 1;
}

int debounce_edge(struct debounce *d, bool level, int64_t ts_ns, bool *accepted,
		  int64_t *since_ns)
{
	int r = debounce_poll(d, ts_ns, accepted, since_ns);

	/* A repeated level means the opposite edge between was lost: the
	 * line still moved, so its stable time starts again. */
	d->raw = level;
	d->raw_ns = ts_ns;
	return r;
}

int64_t debounce_deadline(const struct debounce *d)
{
	return d->raw == d->stable ? INT64_MAX : d->raw_ns + d->period_ns;
}
