/*
 * notify.c - a webhook's notification settings: the channel kinds beyond
 * plain HTTP receivers (Telegram, Pushover, Discord, Matrix, Teams,
 * email), the message template, reminders, recoveries and the secrets
 * read from files.
 *
 * Each kind is one row of kinds[]: its default url, the url schemes it
 * takes and the keys it requires; keys that only one kind understands
 * are refused on the others, so a typo cannot silently do nothing.
 * Secrets are read here, at load, so a missing or unreadable file is a
 * FILE:LINE error and a reload that cannot read it changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "source.h"
#include "template.h"

#define MAX_REMIND_MS (7 * MS_PER_DAY)

enum {
	NEED_TOKEN = 1 << 0,
	NEED_CHAT = 1 << 1,
	NEED_USER = 1 << 2,
	NEED_ROOM = 1 << 3,
	NEED_MAIL = 1 << 4,
	NEED_URL = 1 << 5,
};

struct kind_row {
	const char *default_url; /* NULL: url required */
	const char *schemes;	 /* "http" or "smtp" */
	unsigned needs;
};

static const struct kind_row kinds[WEBHOOK_FORMAT_COUNT] = {
	[WEBHOOK_GENERIC] = { NULL, "http", NEED_URL },
	[WEBHOOK_NTFY] = { NULL, "http", NEED_URL },
	[WEBHOOK_GOTIFY] = { NULL, "http", NEED_URL },
	[WEBHOOK_SLACK] = { NULL, "http", NEED_URL },
	[WEBHOOK_TELEGRAM] = { "https://api.telegram.org", "http",
			       NEED_TOKEN | NEED_CHAT },
	[WEBHOOK_PUSHOVER] = { "https://api.pushover.net/1/messages.json",
			       "http", NEED_TOKEN | NEED_USER },
	[WEBHOOK_DISCORD] = { NULL, "http", NEED_URL },
	[WEBHOOK_MATRIX] = { NULL, "http", NEED_URL | NEED_TOKEN | NEED_ROOM },
	[WEBHOOK_TEAMS] = { NULL, "http", NEED_URL },
	[WEBHOOK_EMAIL] = { NULL, "smtp", NEED_URL | NEED_MAIL },
};

/* Keys one kind alone understands. */
static const struct {
	const char *key;
	enum webhook_format only;
} own_keys[] = {
	{ "chat_id", WEBHOOK_TELEGRAM },
	{ "user", WEBHOOK_PUSHOVER },
	{ "room", WEBHOOK_MATRIX },
	{ "from", WEBHOOK_EMAIL },
	{ "to", WEBHOOK_EMAIL },
	{ "username", WEBHOOK_EMAIL },
	{ "password_file", WEBHOOK_EMAIL },
	{ "starttls", WEBHOOK_EMAIL },
};

static const char *const field_names[] = {
#define NAME(f) #f,
	NOTIFY_FIELDS(NAME)
#undef NAME
};

/* What chars a value may hold besides alphanumerics. */
static bool only(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A secret file: one line (a final newline is dropped), no NUL or other
 * line break, readable now.  The secret never appears in a message. */
void cfg_read_secret(struct cfg_ctx *ctx, const struct cfg_node *n,
		     const char *key, char *buf, size_t len)
{
	char path[CFG_PATH_MAX];
	struct stat st;
	ssize_t got;
	int fd;

	if (cfg_copy_string(ctx, n, key, path, sizeof(path)) <= 0)
		return;
	if (path[0] != '/') {
		cfg_key_error(ctx, n, key, "'%s' must be an absolute path",
			      key);
		return;
	}
	/* Not even opened unless a regular file: opening some devices
	 * (a watchdog) acts. */
	if (stat(path, &st) == 0 && cfg_file_kind(st.st_mode)) {
		cfg_key_error(ctx, n, key,
			      "'%s' '%s' is %s, not a regular file", key, path,
			      cfg_file_kind(st.st_mode));
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		cfg_key_error(ctx, n, key, "'%s' '%s': %s", key, path,
			      strerror(errno));
		return;
	}
	got = read(fd, buf, len);
	close(fd);
	if (got > 0 && buf[got - 1] == '\n')
		got--;
	if (got > 0 && buf[got - 1] == '\r')
		got--;
	if (got <= 0 || (size_t)got >= len || memchr(buf, '\0', (size_t)got) ||
	    memchr(buf, '\n', (size_t)got) || memchr(buf, '\r', (size_t)got)) {
		cfg_key_error(ctx, n, key,
			      "'%s' '%s' must hold one line of 1..%zu bytes",
			      key, path, len - 1);
		buf[0] = '\0';
		return;
	}
	buf[got] = '\0';
}

void cfg_notify_url(struct cfg_ctx *ctx, const struct cfg_node *n,
		    struct webhook_cfg *w)
{
	const struct kind_row *k = &kinds[w->format];
	bool smtp = !strcmp(k->schemes, "smtp");
	const char *u = w->url;
	int r = cfg_copy_string(ctx, n, "url", w->url, sizeof(w->url));

	if (r == 0 && k->default_url)
		snprintf(w->url, sizeof(w->url), "%s", k->default_url);
	else if (r == 0)
		cfg_node_error(ctx, n, "webhook '%s' needs a 'url'", w->name);
	if (r <= 0)
		return;
	if (smtp && (strncmp(u, "smtp://", 7) || !u[7]) &&
	    (strncmp(u, "smtps://", 8) || !u[8]))
		cfg_key_error(ctx, n, "url",
			      "'url' '%s' must start with smtp:// or smtps://",
			      u);
	else if (!smtp && (strncmp(u, "http://", 7) || !u[7]) &&
		 (strncmp(u, "https://", 8) || !u[8]))
		cfg_key_error(ctx, n, "url",
			      "'url' '%s' must start with http:// or https://",
			      u);
	else if (strpbrk(u, " \t\r\n"))
		cfg_key_error(ctx, n, "url", "'url' '%s' contains blanks", u);
}

static void read_template(struct cfg_ctx *ctx, const struct cfg_node *n,
			  struct webhook_cfg *w)
{
	char bad[64];

	if (cfg_copy_string(ctx, n, "template", w->tmpl, sizeof(w->tmpl)) <= 0)
		return;
	if (has_control(w->tmpl))
		cfg_key_error(ctx, n, "template",
			      "'template' contains a control character");
	else if (template_check(
			 w->tmpl, field_names,
			 (int)(sizeof(field_names) / sizeof(field_names[0])),
			 bad, sizeof(bad)) < 0)
		cfg_key_error(ctx, n, "template",
			      "'template': unknown placeholder '%s' (known: "
			      "{state} {was} {host} {check} {metric} {value} "
			      "{threshold} {reason} {kind}; {{ and }} for "
			      "braces)",
			      bad);
}

/* A mail address as SMTP and the headers carry it: local@domain, no
 * blanks, angle brackets, commas or control characters. */
static bool mail_address(const char *s)
{
	const char *at = strchr(s, '@');

	return at && at != s && at[1] && !strchr(at + 1, '@') &&
	       !strpbrk(s, " \t<>,;\"()[]\\") && !has_control(s);
}

static void read_mail(struct cfg_ctx *ctx, const struct cfg_node *n,
		      struct webhook_cfg *w)
{
	const struct cfg_node *list;
	const char *s;
	int count;

	if (cfg_copy_string(ctx, n, "from", w->from, sizeof(w->from)) > 0 &&
	    !mail_address(w->from))
		cfg_key_error(ctx, n, "from",
			      "'from' '%s' is not a mail "
			      "address (local@domain)",
			      w->from);
	if (cfg_get_list(ctx, n, "to", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count < 1 || count > CFG_MAIL_RCPT_MAX) {
		cfg_key_error(ctx, n, "to", "'to' needs 1..%d addresses",
			      CFG_MAIL_RCPT_MAX);
		return;
	}
	for (int i = 0; i < count; i++) {
		if (cfg_elem_string(ctx, list, i, &s) < 0)
			continue;
		if (!mail_address(s) || strlen(s) >= CFG_MAIL_ADDR_MAX)
			cfg_key_error(ctx, n, "to",
				      "'to' '%s' is not a mail "
				      "address (local@domain)",
				      s);
		else
			snprintf(w->to[w->n_to++], CFG_MAIL_ADDR_MAX, "%s", s);
	}
}

static void read_auth(struct cfg_ctx *ctx, const struct cfg_node *n,
		      struct webhook_cfg *w)
{
	w->starttls = true;
	cfg_get_bool(ctx, n, "starttls", &w->starttls);
	if (cfg_copy_string(ctx, n, "username", w->username,
			    sizeof(w->username)) > 0 &&
	    has_control(w->username))
		cfg_key_error(ctx, n, "username",
			      "'username' contains a control character");
	cfg_read_secret(ctx, n, "password_file", w->password,
			sizeof(w->password));
	if (w->password[0] && !w->starttls && !strncmp(w->url, "smtp://", 7))
		cfg_key_error(ctx, n, "password_file",
			      "a password over smtp:// needs starttls = true "
			      "(or an smtps:// url)");
	if (!w->username[0] != !w->password[0])
		cfg_node_error(ctx, n,
			       "webhook '%s': 'username' and "
			       "'password_file' go together",
			       w->name);
}

static void read_ids(struct cfg_ctx *ctx, const struct cfg_node *n,
		     struct webhook_cfg *w)
{
	if (cfg_copy_string(ctx, n, "chat_id", w->chat_id, sizeof(w->chat_id)) >
		    0 &&
	    !only(w->chat_id, "-_@"))
		cfg_key_error(ctx, n, "chat_id",
			      "bad 'chat_id' '%s' (a number "
			      "or @channel)",
			      w->chat_id);
	if (cfg_copy_string(ctx, n, "user", w->user, sizeof(w->user)) > 0 &&
	    !only(w->user, ""))
		cfg_key_error(ctx, n, "user",
			      "bad 'user' '%s' (letters and "
			      "digits)",
			      w->user);
	if (cfg_copy_string(ctx, n, "room", w->room, sizeof(w->room)) > 0 &&
	    (w->room[0] != '!' || !strchr(w->room, ':') ||
	     !only(w->room + 1, ":.-_=")))
		cfg_key_error(ctx, n, "room",
			      "bad 'room' '%s' (a room id, "
			      "!opaque:server)",
			      w->room);
}

static void check_needs(struct cfg_ctx *ctx, const struct cfg_node *n,
			const struct webhook_cfg *w)
{
	unsigned needs = kinds[w->format].needs;
	const char *fmt = webhook_format_name(w->format);

	for (size_t i = 0; i < sizeof(own_keys) / sizeof(own_keys[0]); i++)
		if (own_keys[i].only != w->format &&
		    cfg_node_member(n, own_keys[i].key))
			cfg_key_error(ctx, n, own_keys[i].key,
				      "'%s' is for format \"%s\" only",
				      own_keys[i].key,
				      webhook_format_name(own_keys[i].only));
	if ((needs & NEED_TOKEN) && !w->token[0] &&
	    !cfg_node_member(n, "token_file")) /* its error is told */
		cfg_node_error(ctx, n,
			       "format \"%s\" needs 'token_file' (or "
			       "'token')",
			       fmt);
	if ((needs & NEED_CHAT) && !w->chat_id[0])
		cfg_node_error(ctx, n, "format \"%s\" needs 'chat_id'", fmt);
	if ((needs & NEED_USER) && !w->user[0])
		cfg_node_error(ctx, n, "format \"%s\" needs 'user'", fmt);
	if ((needs & NEED_ROOM) && !w->room[0])
		cfg_node_error(ctx, n, "format \"%s\" needs 'room'", fmt);
	if ((needs & NEED_MAIL) && (!w->from[0] || !w->n_to))
		cfg_node_error(ctx, n, "format \"%s\" needs 'from' and 'to'",
			       fmt);
}

void cfg_read_notify(struct cfg_ctx *ctx, const struct cfg_node *n,
		     struct webhook_cfg *w)
{
	w->recovery = true;
	if (cfg_node_member(n, "token_file")) {
		if (w->token[0])
			cfg_key_error(ctx, n, "token_file",
				      "'token' and "
				      "'token_file' exclude each other");
		else
			cfg_read_secret(ctx, n, "token_file", w->token,
					sizeof(w->token));
	}
	read_template(ctx, n, w);
	cfg_get_duration(ctx, n, "remind", MS_PER_S, MAX_REMIND_MS, true,
			 &w->remind_ms);
	cfg_get_bool(ctx, n, "recovery", &w->recovery);
	if (cfg_copy_string(ctx, n, "ca_file", w->ca_file, sizeof(w->ca_file)) >
		    0 &&
	    w->ca_file[0] != '/')
		cfg_key_error(ctx, n, "ca_file",
			      "'ca_file' must be an absolute path");
	read_ids(ctx, n, w);
	if (w->format == WEBHOOK_EMAIL) {
		read_mail(ctx, n, w);
		read_auth(ctx, n, w);
	}
	check_needs(ctx, n, w);
}
