/*
 * template.h - text with {name} placeholders, for notification messages.
 *
 * Lifecycle: template_check() once when the config is read (an unknown
 * placeholder is a config error) → template_render() for each message.
 * "{{" and "}}" stand for a literal brace.  Pure functions, no I/O.
 */
#ifndef PL_TEMPLATE_H
#define PL_TEMPLATE_H

#include <stddef.h>

/* 0 when every placeholder of tpl is one of names[0..n); else -1 with
 * the offending text ("{nme}", or "{" for an unclosed brace) in bad. */
int template_check(const char *tpl, const char *const *names, int n, char *bad,
		   size_t badlen);

/* tpl into buf (always NUL-terminated when len > 0) with each {names[i]}
 * replaced by values[i]; an unknown placeholder is copied as it is.
 * Returns the length the whole text needs, as snprintf() does. */
size_t template_render(char *buf, size_t len, const char *tpl,
		       const char *const *names, const char *const *values,
		       int n);

#endif
