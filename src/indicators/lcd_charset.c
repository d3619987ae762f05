/*
 * lcd_charset.c - UTF-8 to HD44780 A00 ROM codes and back.
 *
 * Only the characters the pages need are mapped; everything else shows as
 * '?', on the glass and on the virtual panels alike.  The CGRAM codes 0..7
 * (aliased at 8..15) decode as bar levels ▁..█, the glyphs the hardware
 * backend is expected to load for graphs; no page uses them yet.
 */
#include <stdint.h>
#include <string.h>

#include "lcd_charset.h"

#define LCD_UNKNOWN '?'

/* Non-ASCII characters the ROM has, both ways. */
static const struct {
	uint32_t cp;
	uint8_t code;
	const char *utf8;
} charset_extra[] = {
	{ 0x00A5, 0x5C, "\u00a5" }, /* ¥ */
	{ 0x2192, 0x7E, "\u2192" }, /* → */
	{ 0x2190, 0x7F, "\u2190" }, /* ← */
	{ 0x00B0, 0xDF, "\u00b0" }, /* ° */
	{ 0x00B5, 0xE4, "\u00b5" }, /* µ (micro sign) */
	{ 0x03BC, 0xE4, NULL },	    /* μ (Greek mu), same glyph */
};
#define N_EXTRA (int)(sizeof(charset_extra) / sizeof(charset_extra[0]))

static const char *const charset_bars[8] = {
	"\u2581", "\u2582", "\u2583", "\u2584",
	"\u2585", "\u2586", "\u2587", "\u2588",
};

/* Printable ASCII as static one-character strings, for decode. */
static char charset_ascii[0x80][2];

/*
 * Decode one UTF-8 sequence at s.  Returns its length in bytes (>= 1) and
 * the code point in *cp, or 0xFFFFFFFF for an invalid sequence, of which
 * only the first byte is consumed so the next character resynchronises.
 */
static int charset_next(const unsigned char *s, uint32_t *cp)
{
	int n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		c = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		c = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		*cp = UINT32_MAX;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = UINT32_MAX;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms and surrogates are invalid too. */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || (c >= 0xD800 && c <= 0xDFFF) ||
	    c > 0x10FFFF)
		c = UINT32_MAX;
	*cp = c;
	return n;
}

static uint8_t charset_code(uint32_t cp)
{
	int i;

	if (cp == '\\')
		return '/';
	if (cp == '~')
		return '-';
	if (cp >= 0x20 && cp <= 0x7D)
		return (uint8_t)cp;
	for (i = 0; i < N_EXTRA; i++)
		if (charset_extra[i].cp == cp)
			return charset_extra[i].code;
	return LCD_UNKNOWN;
}

int lcd_charset_encode(const char *utf8, uint8_t *cells, int max)
{
	const unsigned char *s = (const unsigned char *)utf8;
	uint32_t cp;
	int n = 0;

	if (!s)
		return 0;
	while (*s && n < max) {
		s += charset_next(s, &cp);
		cells[n++] = charset_code(cp);
	}
	return n;
}

const char *lcd_charset_decode(uint8_t code)
{
	int i;

	if (code < 16)
		return charset_bars[code & 7];
	for (i = 0; i < N_EXTRA; i++)
		if (charset_extra[i].code == code && charset_extra[i].utf8)
			return charset_extra[i].utf8;
	if (code >= 0x20 && code <= 0x7D) {
		charset_ascii[code][0] = (char)code;
		return charset_ascii[code];
	}
	return "?";
}

size_t lcd_charset_decode_row(const uint8_t *cells, int n, char *buf,
			      size_t len)
{
	size_t used = 0, l;
	const char *s;
	int i;

	if (len == 0)
		return 0;
	for (i = 0; i < n; i++) {
		s = lcd_charset_decode(cells[i]);
		l = strlen(s);
		if (used + l >= len)
			break;
		memcpy(buf + used, s, l);
		used += l;
	}
	buf[used] = '\0';
	return used;
}
