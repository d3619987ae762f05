/*
 * log.c - one place that writes log lines: stderr in the foreground,
 * syslog (and so the journal) as a service.
 *
 * A token bucket limits how much any storm of events can write: LOG_BURST
 * messages at once, refilled at LOG_RATE_PER_S.  Dropped messages are
 * counted and summarised in one line once tokens are back.  log_always()
 * bypasses the bucket for the few lines that must be seen (start, stop,
 * reload).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static struct {
	const char *ident;
	bool use_syslog;
	int level;
	double tokens;
	int64_t refill_ns;
	unsigned long dropped, dropped_total;
	log_sink_fn sink;
	void *sink_arg;
} lg = { .ident = "pilotlight", .level = LOG_INFO, .tokens = LOG_BURST };

static const char *prio_name(int prio)
{
	static const char *const names[] = {
		"emerg",   "alert",  "crit", "error",
		"warning", "notice", "info", "debug",
	};

	return names[prio & 7];
}

static void emit(int prio, const char *fmt, va_list ap)
{
	if (lg.sink) {
		char line[1024];
		va_list copy;

		va_copy(copy, ap);
		vsnprintf(line, sizeof(line), fmt, copy);
		va_end(copy);
		lg.sink(lg.sink_arg, prio, line);
	}
	if (lg.use_syslog) {
		vsyslog(prio, fmt, ap);
		return;
	}
	fprintf(stderr, "%s: %s: ", lg.ident, prio_name(prio));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void emit_line(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit_line(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(prio, fmt, ap);
	va_end(ap);
}

static void apply_target(enum log_target target, bool foreground)
{
	bool want = target == LOG_TARGET_SYSLOG ||
		    (target == LOG_TARGET_AUTO && !foreground);

	if (want && !lg.use_syslog)
		openlog(lg.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!want && lg.use_syslog)
		closelog();
	lg.use_syslog = want;
}

static bool foreground_mode;

void log_open(const char *ident, enum log_target target, int level,
	      bool foreground)
{
	lg.ident = ident;
	lg.level = level;
	foreground_mode = foreground;
	apply_target(target, foreground);
}

void log_reconfigure(enum log_target target, int level)
{
	lg.level = level;
	apply_target(target, foreground_mode);
}

void log_close(void)
{
	if (lg.use_syslog)
		closelog();
	lg.use_syslog = false;
}

static bool take_token(void)
{
	int64_t now = clock_now_ns();

	if (lg.refill_ns == 0)
		lg.refill_ns = now;
	lg.tokens += (double)(now - lg.refill_ns) * LOG_RATE_PER_S / NS_PER_S;
	lg.refill_ns = now;
	if (lg.tokens > LOG_BURST)
		lg.tokens = LOG_BURST;
	if (lg.tokens < 1.0)
		return false;
	lg.tokens -= 1.0;
	return true;
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > lg.level)
		return;
	if (!take_token()) {
		lg.dropped++;
		lg.dropped_total++;
		return;
	}
	if (lg.dropped) {
		emit_line(LOG_WARNING, "log rate limit: %lu messages dropped",
			  lg.dropped);
		lg.dropped = 0;
	}
	va_start(ap, fmt);
	emit(prio, fmt, ap);
	va_end(ap);
}

void log_always(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(prio, fmt, ap);
	va_end(ap);
}

void log_set_sink(log_sink_fn fn, void *arg)
{
	lg.sink = fn;
	lg.sink_arg = arg;
}

unsigned long log_dropped(void)
{
	return lg.dropped_total;
}
