/*
 * control.c - the 'control' group: where `pilotlight ctl` finds the
 * daemon (a Unix socket owned by the service user and an admin group)
 * and whether the same actions are offered over HTTP on the metrics
 * listener, behind a bearer token read from a file.
 *
 * The token is read at load and at every reload; it never appears in a
 * message.  Its file must not be readable by everyone: a token anyone on
 * the Pi can read protects nothing.
 */
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define TOKEN_MIN 16 /* bytes: a guessable token is no lock */

static void read_socket(struct cfg_ctx *ctx, const struct cfg_node *g,
			struct control_cfg *c)
{
	const char *s;

	if (cfg_get_string(ctx, g, "socket", &s) <= 0)
		return;
	if (s[0] && (s[0] != '/' || strlen(s) >= sizeof(c->socket))) {
		cfg_key_error(ctx, g, "socket",
			      "'socket' must be \"\" (none) or an absolute "
			      "path of at most %zu bytes",
			      sizeof(c->socket) - 1);
		return;
	}
	snprintf(c->socket, sizeof(c->socket), "%s", s);
}

static void read_group(struct cfg_ctx *ctx, const struct cfg_node *g,
		       struct control_cfg *c)
{
	const char *s;

	if (cfg_get_string(ctx, g, "group", &s) <= 0)
		return;
	if (!cfg_valid_user(s) || strlen(s) >= sizeof(c->group)) {
		cfg_key_error(ctx, g, "group",
			      "'group' '%s' is not a valid group name", s);
		return;
	}
	if (!getgrnam(s)) {
		cfg_key_error(ctx, g, "group", "'group' '%s': no such group",
			      s);
		return;
	}
	snprintf(c->group, sizeof(c->group), "%s", s);
}

/* The token: printable, no blank (it travels in a header). */
static bool token_ok(const char *t)
{
	if (strlen(t) < TOKEN_MIN)
		return false;
	for (; *t; t++)
		if (*t < 0x21 || *t > 0x7e)
			return false;
	return true;
}

static void read_token(struct cfg_ctx *ctx, const struct cfg_node *g,
		       struct control_cfg *c)
{
	const char *path;
	struct stat st;

	if (cfg_get_string(ctx, g, "token_file", &path) <= 0) {
		cfg_key_error(ctx, g, "http",
			      "'http' = true needs a 'token_file'");
		return;
	}
	cfg_read_secret(ctx, g, "token_file", c->token, sizeof(c->token));
	if (!c->token[0])
		return;
	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH)) {
		cfg_key_error(ctx, g, "token_file",
			      "'token_file' '%s' is readable by everyone "
			      "(chmod o-r it)",
			      path);
	} else if (!token_ok(c->token)) {
		cfg_key_error(ctx, g, "token_file",
			      "'token_file' '%s' must hold at least %d "
			      "printable characters without blanks",
			      path, TOKEN_MIN);
	}
}

void cfg_read_control(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg)
{
	static const char *const keys[] = { "socket", "group", "http",
					    "token_file", NULL };
	struct control_cfg *c = &cfg->control;
	const struct cfg_node *g;

	snprintf(c->socket, sizeof(c->socket), "%s", CFG_CONTROL_SOCKET);
	snprintf(c->group, sizeof(c->group), "%s", CFG_CONTROL_GROUP);
	if (cfg_get_group(ctx, root, "control", &g) <= 0)
		return;
	c->line = cfg_node_line(g);
	cfg_check_keys(ctx, g, keys, "'control'");
	read_socket(ctx, g, c);
	read_group(ctx, g, c);
	cfg_get_bool(ctx, g, "http", &c->http);
	if (!c->http)
		return;
	if (!cfg->metrics.enabled)
		cfg_key_error(ctx, g, "http",
			      "'http' = true needs metrics.enabled: the API "
			      "is served on the metrics listener");
	read_token(ctx, g, c);
}
