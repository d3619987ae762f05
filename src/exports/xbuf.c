/*
 * xbuf.c - the growable buffer every export renders into.
 *
 * One buffer lives as long as the HTTP server and is reset per request,
 * so after the first few scrapes rendering no longer allocates.  Appends
 * never fail loudly: on ENOMEM the buffer remembers it (oom) and the
 * server answers 500 instead of a cut page.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exports_int.h"

#define XBUF_MIN 4096

static bool xbuf_reserve(struct xbuf *b, size_t more)
{
	size_t need = b->len + more + 1, cap;
	char *p;

	if (b->oom)
		return false;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : XBUF_MIN;
	while (cap < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void xbuf_reset(struct xbuf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->p)
		b->p[0] = '\0';
}

void xbuf_free(struct xbuf *b)
{
	free(b->p);
	*b = (struct xbuf){ 0 };
}

void xbuf_put(struct xbuf *b, const char *s, size_t n)
{
	if (!xbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void xbuf_puts(struct xbuf *b, const char *s)
{
	xbuf_put(b, s, strlen(s));
}

void xbuf_printf(struct xbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!xbuf_reserve(b, 128))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->p[b->len] = '\0';
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (!xbuf_reserve(b, (size_t)n)) {
			b->p[b->len] = '\0';
			return;
		}
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void xbuf_u64(struct xbuf *b, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	xbuf_put(b, tmp + i, sizeof(tmp) - (size_t)i);
}

void xbuf_html(struct xbuf *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *ent;

		switch (*s) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		xbuf_put(b, run, (size_t)(s - run));
		xbuf_puts(b, ent);
		run = s + 1;
	}
	xbuf_put(b, run, (size_t)(s - run));
}
