/*
 * json.c - JSON string escaping and timestamps, for the JSON virtual panel
 * and the exports.
 *
 * One escaper writes to either a stream or a buffer through a tiny sink,
 * so both entry points escape exactly alike.  Output is always valid
 * UTF-8: bytes that are not well-formed UTF-8 become U+FFFD.  The
 * json_line calls build one JSON-lines object in a fixed buffer: the
 * lines of the events file and of the measurement stream, which share
 * their head.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"

struct json_sink {
	FILE *out; /* stream, or NULL for the buffer */
	char *buf;
	size_t len, used; /* used counts what the whole needs */
	bool err;
};

static void sink_put(struct json_sink *k, const char *s, size_t n)
{
	size_t room;

	if (k->out) {
		if (fwrite(s, 1, n, k->out) != n)
			k->err = true;
		return;
	}
	if (k->len > 0 && k->used < k->len - 1) {
		room = k->len - 1 - k->used;
		memcpy(k->buf + k->used, s, n < room ? n : room);
	}
	k->used += n;
}

/* Length of the well-formed UTF-8 sequence at s, 0 if it is not one. */
static size_t json_utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t c;

	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, c = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		n = 3, c = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	return n;
}

static void json_escape_to(struct json_sink *k, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char esc[8];
	size_t n;

	sink_put(k, "\"", 1);
	while (*s) {
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*s;
			sink_put(k, esc, 2);
			s++;
		} else if (*s < 0x20 || *s == 0x7F) {
			switch (*s) {
			case '\n':
				sink_put(k, "\\n", 2);
				break;
			case '\r':
				sink_put(k, "\\r", 2);
				break;
			case '\t':
				sink_put(k, "\\t", 2);
				break;
			default:
				snprintf(esc, sizeof(esc), "\\u%04x", *s);
				sink_put(k, esc, 6);
			}
			s++;
		} else if (*s < 0x80) {
			sink_put(k, (const char *)s, 1);
			s++;
		} else if ((n = json_utf8_len(s)) > 0) {
			sink_put(k, (const char *)s, n);
			s += n;
		} else {
			sink_put(k, "\xef\xbf\xbd", 3); /* U+FFFD */
			s++;
		}
	}
	sink_put(k, "\"", 1);
}

int json_write_string(FILE *out, const char *s)
{
	struct json_sink k = { .out = out };

	if (!s)
		return fputs("null", out) < 0 ? -1 : 0;
	json_escape_to(&k, s);
	return k.err ? -1 : 0;
}

size_t json_escape(char *buf, size_t len, const char *s)
{
	struct json_sink k = { .buf = buf, .len = len };

	if (!s)
		s = "";
	json_escape_to(&k, s);
	if (len > 0)
		buf[k.used < len ? k.used : len - 1] = '\0';
	return k.used;
}

void json_format_time(char *buf, size_t len, int64_t wall_ns)
{
	time_t secs = (time_t)(wall_ns / 1000000000);
	int ms = (int)(wall_ns % 1000000000 / 1000000);
	struct tm tm;

	if (ms < 0) {
		ms += 1000;
		secs--;
	}
	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, len, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ms);
}

void json_line_printf(struct json_line *l, const char *fmt, ...)
{
	size_t room = l->used < l->len ? l->len - l->used : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? l->buf + l->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->used += (size_t)n;
}

void json_line_string(struct json_line *l, const char *key, const char *s)
{
	size_t room;

	if (!s) {
		json_line_printf(l, ",\"%s\":null", key);
		return;
	}
	json_line_printf(l, ",\"%s\":", key);
	room = l->used < l->len ? l->len - l->used : 0;
	l->used += json_escape(room ? l->buf + l->used : NULL, room, s);
}

void json_line_number(struct json_line *l, const char *key, double v)
{
	if (isfinite(v))
		json_line_printf(l, ",\"%s\":%.15g", key, v);
	else
		json_line_printf(l, ",\"%s\":null", key);
}

void json_line_head(struct json_line *l, int64_t wall_ns)
{
	char when[JSON_TIME_LEN];
	int64_t ms = wall_ns / 1000000;

	json_format_time(when, sizeof(when), wall_ns);
	json_line_printf(l, "{\"time\":\"%s\",\"epoch\":%" PRId64 ".%03" PRId64,
			 when, ms / 1000, ms % 1000);
}
