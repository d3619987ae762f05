/*
 * json.h - the little JSON writing the daemon needs: strings and times.
 *
 * No DOM and no allocation: callers print their objects with fprintf and
 * use these for the parts that need care.  Strings come out as valid JSON
 * whatever the input: quotes, backslashes and control characters escaped,
 * invalid UTF-8 bytes replaced by U+FFFD.
 */
#ifndef PL_JSON_H
#define PL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Write s as a JSON string literal, quotes included.  NULL writes null.
 * Returns 0, or -1 if the stream reported an error. */
int json_write_string(FILE *out, const char *s);

/* The same into buf (always NUL-terminated when len > 0).  Returns the
 * length the whole literal needs, as snprintf() does. */
size_t json_escape(char *buf, size_t len, const char *s);

/* Wall-clock time as ISO 8601 UTC with milliseconds,
 * "2026-11-22T01:23:45.123Z" (24 characters; JSON_TIME_LEN with the NUL). */
#define JSON_TIME_LEN 25
void json_format_time(char *buf, size_t len, int64_t wall_ns);

/*
 * A JSON object built into a caller's buffer, member by member, as
 * snprintf() would: used counts what the whole needs even when buf is
 * too small (the text is cut, still NUL-terminated).  Start with
 * { buf, len, 0 } and json_line_head(), end with json_line_printf(l, "}").
 */
struct json_line {
	char *buf;
	size_t len, used;
};

void json_line_printf(struct json_line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* ,"key":"s" escaped; NULL writes null. */
void json_line_string(struct json_line *l, const char *key, const char *s);
/* ,"key":v with 15 significant digits; null when not finite. */
void json_line_number(struct json_line *l, const char *key, double v);
/* {"time":"...Z","epoch":S.mmm for wall_ns (CLOCK_REALTIME). */
void json_line_head(struct json_line *l, int64_t wall_ns);

#endif
