/*
 * actions.c - the 'actions' list: what to do when a host or group stays
 * bad (README "Actions").
 *
 * An action names its target ("host:NAME" or "group:NAME", resolved to an
 * index), the state that triggers it, how long that must last, its rate
 * limit and exactly one of a command (read like an exec check's, and kept
 * as one so that the exec probe runs it) or a relay pulse on a GPIO line,
 * whose pin is claimed beside the indicators' so that a clash with an LED,
 * the buzzer, the button or the LCD's I2C pins is reported.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define ACTION_TIMEOUT_MAX_MS (10 * MS_PER_MIN)

static void action_name(struct cfg_ctx *ctx, const struct cfg_node *n,
			const struct pl_config *cfg, struct action_cfg *a)
{
	const char *name;
	int r = cfg_get_string(ctx, n, "name", &name);

	if (r == 0)
		cfg_node_error(ctx, n, "action needs a 'name'");
	if (r <= 0)
		return;
	if (!cfg_valid_name(name, false)) {
		cfg_key_error(
			ctx, n, "name",
			"bad action name '%s' (1..%d of A-Z a-z 0-9 _ . -)",
			name, CFG_NAME_MAX - 1);
		return;
	}
	for (int i = 0; i < cfg->n_actions; i++) {
		if (strcmp(cfg->actions[i].name, name) == 0) {
			cfg_key_error(ctx, n, "name",
				      "duplicate action name '%s' (first at "
				      "line %d)",
				      name, cfg->actions[i].line);
			return;
		}
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
}

/* on = "host:NAME" | "group:NAME" */
static void action_target(struct cfg_ctx *ctx, const struct cfg_node *n,
			  const struct pl_config *cfg, struct action_cfg *a)
{
	const char *on;
	int r = cfg_get_string(ctx, n, "on", &on);

	if (r == 0)
		cfg_node_error(ctx, n,
			       "action '%s' needs 'on' (host:NAME or "
			       "group:NAME)",
			       a->name);
	if (r <= 0)
		return;
	if (strncmp(on, "host:", 5) == 0) {
		a->target = cfg_find_host(cfg, on + 5);
	} else if (strncmp(on, "group:", 6) == 0) {
		a->on_group = true;
		a->target = cfg_find_group(cfg, on + 6);
	} else {
		cfg_key_error(ctx, n, "on",
			      "'on' '%s' is not host:NAME or group:NAME", on);
		return;
	}
	if (a->target < 0)
		cfg_key_error(ctx, n, "on", "action '%s' is on unknown %s",
			      a->name, on);
}

static void action_pulse(struct cfg_ctx *ctx, const struct cfg_node *n,
			 struct action_cfg *a, struct pin_claims *claims)
{
	static const char *const keys[] = {
		"line",
		"active_low",
		"duration",
		NULL,
	};
	const struct cfg_node *g;
	char user[CFG_NAME_MAX + 16];

	if (cfg_get_group(ctx, n, "pulse", &g) <= 0)
		return;
	cfg_check_keys(ctx, g, keys, "'pulse'");
	snprintf(user, sizeof(user), "action '%s'", a->name);
	if (cfg_read_pin(ctx, g, "line", claims, user, &a->pin) == 0)
		cfg_node_error(ctx, g, "'pulse' needs a 'line'");
	cfg_get_bool(ctx, g, "active_low", &a->active_low);
	cfg_get_duration(ctx, g, "duration", 100, 10 * MS_PER_MIN, false,
			 &a->duration_ms);
}

/* Exactly one of command and pulse. */
static void action_what(struct cfg_ctx *ctx, const struct cfg_node *n,
			struct action_cfg *a, struct pin_claims *claims)
{
	bool cmd = cfg_node_member(n, "command") != NULL;
	bool pulse = cfg_node_member(n, "pulse") != NULL;

	if (cmd == pulse) {
		cfg_node_error(ctx, n,
			       "action '%s' needs exactly one of 'command' "
			       "and 'pulse'",
			       a->name);
		return;
	}
	if (pulse) {
		if (cfg_node_member(n, "timeout"))
			cfg_key_error(ctx, n, "timeout",
				      "'timeout' is for a 'command', not a "
				      "'pulse'");
		action_pulse(ctx, n, a, claims);
		return;
	}
	cfg_read_argv(ctx, n, "command", a->cmd.u.exec.argv,
		      &a->cmd.u.exec.argc);
	cfg_get_duration(ctx, n, "timeout", 100, ACTION_TIMEOUT_MAX_MS, false,
			 &a->cmd.timeout_ms);
}

static void read_action(struct cfg_ctx *ctx, const struct cfg_node *n,
			const struct pl_config *cfg, struct action_cfg *a,
			struct pin_claims *claims)
{
	static const char *const keys[] = {
		"name", "on",	   "state",   "after", "max",
		"per",	"command", "timeout", "pulse", NULL,
	};
	static const char *const states[] = { "warning", "critical" };
	int st = 1;

	*a = (struct action_cfg){ .line = cfg_node_line(n),
				  .target = -1,
				  .state = STATE_CRITICAL,
				  .after_ms = 5 * MS_PER_MIN,
				  .max = 3,
				  .per_ms = MS_PER_H,
				  .pin = PIN_NONE,
				  .duration_ms = 5 * MS_PER_S };
	a->cmd.type = CHECK_EXEC;
	a->cmd.timeout_ms = 30 * MS_PER_S;
	if (cfg_node_kind(n) != CFG_K_GROUP) {
		cfg_node_error(ctx, n, "an action must be a group { ... }");
		return;
	}
	action_name(ctx, n, cfg, a);
	snprintf(a->cmd.name, sizeof(a->cmd.name), "%s", a->name);
	cfg_check_keys(ctx, n, keys, "an action");
	action_target(ctx, n, cfg, a);
	cfg_get_enum(ctx, n, "state", states, 2, &st);
	a->state = st == 0 ? STATE_WARNING : STATE_CRITICAL;
	cfg_get_duration(ctx, n, "after", 0, MS_PER_DAY, true, &a->after_ms);
	cfg_get_int(ctx, n, "max", 1, CFG_ACTION_MAX_RUNS, &a->max);
	cfg_get_duration(ctx, n, "per", MS_PER_MIN, 7 * MS_PER_DAY, false,
			 &a->per_ms);
	action_what(ctx, n, a, claims);
}

void cfg_read_actions(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg, struct pin_claims *claims)
{
	const struct cfg_node *list;
	int count;

	if (cfg_get_list(ctx, root, "actions", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count > CFG_MAX_ACTIONS) {
		cfg_node_error(ctx, list, "%d actions, at most %d", count,
			       CFG_MAX_ACTIONS);
		return;
	}
	for (int i = 0; i < count; i++, cfg->n_actions++)
		read_action(ctx, cfg_node_elem(list, i), cfg, &cfg->actions[i],
			    claims);
}
