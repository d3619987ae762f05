/*
 * probe_util.h - helpers the probes in src/probes/ share (text for the LCD
 * and the log); not part of any public header.  Implemented in probe.c.
 */
#ifndef PL_PROBE_UTIL_H
#define PL_PROBE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Copy the first line of src (up to '\r' or '\n') into dst, every byte
 * that is not printable ASCII replaced by '?', truncated to dst_len - 1
 * bytes and always NUL-terminated.  Returns the length written. */
size_t probe_copy_line(char *dst, size_t dst_len, const char *src,
		       size_t src_len);

/* A socket error in a few lower-case words: "connection refused",
 * "no route to host", ...  Never NULL. */
const char *probe_errno_reason(int err);

/* Milliseconds between two monotonic times, as a double. */
double probe_elapsed_ms(int64_t from_ns, int64_t to_ns);

/* ms as a person reads it: "0.04", "0.4", "12.3", "1234". */
void probe_fmt_ms(char *buf, size_t len, double ms);

#endif
