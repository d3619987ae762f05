/*
 * log.h - logging to stderr (foreground) or syslog/journal (service).
 *
 * Lifecycle: log_open() once after the config is read (until then messages
 * go to stderr), log_reconfigure() on reload, log_close() at exit.
 *
 * Only state changes are logged, never per sample: SD cards wear out.  A
 * token bucket (burst LOG_BURST, then LOG_RATE_PER_S a second) bounds what
 * a misbehaving network can make us write; what is dropped is counted and
 * reported in one line when logging resumes.
 */
#ifndef PL_LOG_H
#define PL_LOG_H

#include <stdbool.h>
#include <syslog.h>

#define LOG_BURST      50
#define LOG_RATE_PER_S 5

enum log_target {
	LOG_TARGET_AUTO, /* syslog when not on a terminal and -f not given */
	LOG_TARGET_STDERR,
	LOG_TARGET_SYSLOG,
};

/* Start logging.  level is a syslog priority (LOG_ERR .. LOG_DEBUG);
 * foreground selects stderr for LOG_TARGET_AUTO. */
void log_open(const char *ident, enum log_target target, int level,
	      bool foreground);

/* Change target and level (config reload). */
void log_reconfigure(enum log_target target, int level);

void log_close(void);

/* Log one message at a syslog priority, subject to the rate limit. */
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Messages that must never be dropped (start-up, shutdown, reload). */
void log_always(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A second target (remotelog.h): fn gets every line that is written, at
 * its priority, after the level and rate checks.  NULL removes it. */
typedef void (*log_sink_fn)(void *arg, int prio, const char *msg);
void log_set_sink(log_sink_fn fn, void *arg);

/* Number of messages dropped by the rate limit since start. */
unsigned long log_dropped(void);

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
