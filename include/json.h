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

#endif
