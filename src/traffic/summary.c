/*
 * summary.c - the traffic summary the LCD reads, and the number format it
 * and the alarm reasons share.
 *
 * One capture runs per process, so its once-a-second summary is kept here
 * as a copy rather than reached through a handle: the LCD pages need no
 * pointer threaded through the panel, and a test publishes its own.
 */
#include <math.h>
#include <stdio.h>

#include "traffic.h"

static struct traffic_summary current;

const struct traffic_summary *traffic_summary(void)
{
	return &current;
}

void traffic_summary_publish(const struct traffic_summary *s)
{
	current = *s;
}

void traffic_fmt_si(double v, char *buf, size_t len)
{
	static const char prefix[] = " kMGTP";
	int p = 0;

	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return;
	}
	while (fabs(v) >= 999.5 && p < 5) {
		v /= 1000;
		p++;
	}
	if (p)
		snprintf(buf, len, "%.3g%c", v, prefix[p]);
	else
		snprintf(buf, len, "%.3g", v);
}
