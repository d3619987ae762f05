/*
 * template.c - {name} placeholders in notification text (template.h).
 *
 * Both calls walk the template with the same scanner, so what the config
 * accepts is exactly what the renderer replaces.
 */
#include <string.h>

#include "template.h"

/* At tpl[i] == '{': the length of "{name}" and the index of name in
 * names, -1 when unknown; 0 when there is no closing brace. */
static size_t placeholder(const char *tpl, const char *const *names, int n,
			  int *which)
{
	const char *end = strchr(tpl + 1, '}');
	size_t len;

	*which = -1;
	if (!end)
		return 0;
	len = (size_t)(end - tpl - 1);
	for (int k = 0; k < n; k++)
		if (strlen(names[k]) == len && !strncmp(tpl + 1, names[k], len))
			*which = k;
	return len + 2;
}

int template_check(const char *tpl, const char *const *names, int n, char *bad,
		   size_t badlen)
{
	int which;

	for (size_t i = 0; tpl[i]; i++) {
		size_t len;

		if ((tpl[i] == '{' && tpl[i + 1] == '{') ||
		    (tpl[i] == '}' && tpl[i + 1] == '}')) {
			i++;
			continue;
		}
		if (tpl[i] != '{')
			continue;
		len = placeholder(tpl + i, names, n, &which);
		if (len == 0 || which < 0) {
			size_t show = len ? len : 1;

			if (badlen) {
				show = show < badlen ? show : badlen - 1;
				memcpy(bad, tpl + i, show);
				bad[show] = '\0';
			}
			return -1;
		}
		i += len - 1;
	}
	return 0;
}

static void put(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
	if (*at < len) {
		size_t room = len - 1 - *at;

		memcpy(buf + *at, s, n < room ? n : room);
	}
	*at += n;
}

size_t template_render(char *buf, size_t len, const char *tpl,
		       const char *const *names, const char *const *values,
		       int n)
{
	size_t at = 0, plen;
	int which;

	for (size_t i = 0; tpl[i]; i++) {
		if ((tpl[i] == '{' && tpl[i + 1] == '{') ||
		    (tpl[i] == '}' && tpl[i + 1] == '}')) {
			put(buf, len, &at, tpl + i++, 1);
			continue;
		}
		plen = tpl[i] == '{' ? placeholder(tpl + i, names, n, &which)
				     : 0;
		if (plen == 0 || which < 0) {
			put(buf, len, &at, tpl + i, 1);
			continue;
		}
		put(buf, len, &at, values[which], strlen(values[which]));
		i += plen - 1;
	}
	if (len)
		buf[at < len ? at : len - 1] = '\0';
	return at;
}
