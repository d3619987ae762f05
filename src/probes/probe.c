/*
 * probe.c - what all probes share: the empty result every round starts
 * from, and the few words a failed socket or a received line turn into.
 * "Not measured" is NAN, so the policy can tell a value of 0 from a value
 * that was never taken.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "probe_util.h"
#include "probe.h"

void probe_result_init(struct probe_result *r)
{
	memset(r, 0, sizeof(*r));
	r->ok = false;
	r->has_state = false;
	r->state = STATE_UNKNOWN;
	r->exit_code = -1;
	for (int i = 0; i < METRIC_COUNT; i++)
		r->value[i] = NAN;
}

size_t probe_copy_line(char *dst, size_t dst_len, const char *src,
		       size_t src_len)
{
	size_t n = 0;

	if (dst_len == 0)
		return 0;
	for (size_t i = 0; i < src_len && n + 1 < dst_len; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (ch == '\n' || ch == '\r')
			break;
		dst[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[n] = '\0';
	return n;
}

const char *probe_errno_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return "connection refused";
	case EHOSTUNREACH:
		return "no route to host";
	case ENETUNREACH:
		return "network unreachable";
	case ECONNRESET:
	case EPIPE:
		return "connection reset";
	case ETIMEDOUT:
		return "connection timed out";
	case EADDRNOTAVAIL:
		return "no local address";
	case EAFNOSUPPORT:
		return "address family not supported";
	default:
		return strerror(err);
	}
}

double probe_elapsed_ms(int64_t from_ns, int64_t to_ns)
{
	return (double)(to_ns - from_ns) / (double)NS_PER_MS;
}

void probe_fmt_ms(char *buf, size_t len, double ms)
{
	if (ms < 0.1)
		snprintf(buf, len, "%.2f", ms);
	else if (ms < 100.0)
		snprintf(buf, len, "%.1f", ms);
	else
		snprintf(buf, len, "%.0f", ms);
}
