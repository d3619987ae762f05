/*
 * lcd_charset.h - text to and from the HD44780 A00 character ROM.
 *
 * The LCD does not speak UTF-8: it shows one ROM code per cell, and the
 * A00 ROM (the usual one on 1602/2004 modules) differs from ASCII at 0x5C
 * (¥) and 0x7E/0x7F (→ ←).  The pages encode their text here; the virtual
 * panels decode the cells back, so they show exactly what the glass would.
 */
#ifndef PL_LCD_CHARSET_H
#define PL_LCD_CHARSET_H

#include <stddef.h>
#include <stdint.h>

/* Encode UTF-8 text into at most max cells, one cell per character.
 * ASCII 0x20..0x7D maps to itself except '\' → '/' and '~' → '-' (the
 * ROM has ¥ and → there); '°' → 0xDF, 'µ' → 0xE4, '→' → 0x7E, '←' → 0x7F,
 * '¥' → 0x5C; anything else, including control characters and invalid
 * UTF-8, becomes '?'.  Returns the number of cells written (no padding,
 * no terminator). */
int lcd_charset_encode(const char *utf8, uint8_t *cells, int max);

/* What a person sees for a ROM code, as a static UTF-8 string: ASCII for
 * 0x20..0x7D, "¥" for 0x5C, "→"/"←" for 0x7E/0x7F, "°" for 0xDF, "µ" for
 * 0xE4, the bar glyphs "▁▂▃▄▅▆▇█" for the custom codes 0..7 (and their
 * aliases 8..15), "?" for everything else. */
const char *lcd_charset_decode(uint8_t code);

/* Decode n cells into buf as a NUL-terminated UTF-8 string (truncated at a
 * character boundary if len is too small).  Returns the string's length. */
size_t lcd_charset_decode_row(const uint8_t *cells, int n, char *buf,
			      size_t len);

#endif
