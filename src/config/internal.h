/*
 * internal.h - what the files of src/config/ share, and nothing else uses.
 *
 * config.c drives the load: it reads the file, asks reader.c to parse it,
 * then hands the root to one reader per section (sections.c, hosts.c,
 * checks.c, indicators.c, lcd.c).  values.c holds the pure parsers for the
 * value syntaxes (durations, names, addresses, CIDRs, clock ranges) so the
 * unit tests can reach them without a file.
 */
#ifndef PL_CONFIG_INTERNAL_H
#define PL_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "reader.h"

#define MS_PER_S   1000LL
#define MS_PER_MIN (60 * MS_PER_S)
#define MS_PER_H   (60 * MS_PER_MIN)
#define MS_PER_DAY (24 * MS_PER_H)

/* What a check inherits from the 'defaults' and 'thresholds' sections. */
struct cfg_defaults {
	int64_t interval_ms;
	int64_t timeout_ms;
	int fail_after;
	int recover_after;
	/* 0: not set, derived from the checks */
	int64_t grace_ms;
	struct threshold thr[METRIC_COUNT];
};

/* ---- config.c: the names written in the config, indexed by enum ------ */

extern const char *const cfg_check_type_names[CHECK_TYPE_COUNT];
extern const char *const cfg_led_color_names[LED_COLOR_COUNT];
extern const char *const cfg_led_pattern_names[PAT_COUNT];
extern const char *const cfg_buzzer_pattern_names[BUZ_COUNT];
extern const char *const cfg_metric_names[METRIC_COUNT];

/* ---- values.c -------------------------------------------------------- */

/* "250ms", "5s", "1.5m", "2h", "1d" or "0" → ms; 0 or -1 on bad syntax,
 * a negative or a value past 10^15 ms. */
int cfg_parse_duration(const char *s, int64_t *ms);
/* The largest unit that shows ms exactly: "250ms", "90s", "2m", "1d". */
void cfg_fmt_duration(int64_t ms, char *buf, size_t len);

/* 1..CFG_NAME_MAX-1 of [A-Za-z0-9_.-]; with check_name also '/' and ':'. */
bool cfg_valid_name(const char *s, bool check_name);
/* Unix user name: [a-z_][a-z0-9_-]*, optionally ending in '$', <= 31. */
bool cfg_valid_user(const char *s);
/* An IPv4/IPv6 literal or a DNS name; with underscore, '_' is allowed in
 * labels (SRV and TXT owners).  Returns NULL or why it is bad. */
const char *cfg_check_address(const char *s, bool underscore);
bool cfg_is_ip_literal(const char *s);
/* "ADDR/PREFIX"; returns NULL or why it is bad. */
const char *cfg_parse_cidr(const char *s, struct cidr *out);
/* "ADDR/PREFIX", or "ADDR" alone for that one address (/32, /128). */
const char *cfg_parse_net(const char *s, struct cidr *out);
/* "ADDR:PORT" or "[V6]:PORT". */
bool cfg_valid_listen(const char *s);
/* "HH:MM" (00:00..23:59) → minutes after midnight, or -1. */
int cfg_parse_clock(const char *s);
/* "HH:MM-HH:MM" → minutes after midnight; returns NULL or why bad. */
const char *cfg_parse_clock_range(const char *s, int *from, int *to);

/* Index of s in names[0..n), or -1. */
int cfg_lookup(const char *s, const char *const *names, int n);
/* names joined with ", " into buf, for "(one of ...)" messages. */
void cfg_join(const char *const *names, int n, char *buf, size_t len);

/* The group n (an http check, a webhook, 'metrics') needs lib, loaded
 * once the whole file is valid.  A failed load is reported at n's key,
 * starting with what ("http checks need"); the first group counts. */
void cfg_need_lib(struct cfg_ctx *ctx, enum cfg_lib lib,
		  const struct cfg_node *n, const char *key, const char *what);

/* strdup() that records "out of memory" against n on failure. */
char *cfg_strdup(struct cfg_ctx *ctx, const struct cfg_node *n, const char *s);

/* ---- section readers (each records its own errors) -------------------- */

/* sections.c */
void cfg_read_daemon(struct cfg_ctx *ctx, const struct cfg_node *root,
		     struct pl_config *cfg);
void cfg_read_logging(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg);
void cfg_read_capture(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg);
void cfg_read_interfaces(struct cfg_ctx *ctx, const struct cfg_node *root,
			 struct pl_config *cfg);
/* An interface name the kernel could have: 1..15, no '/', ':' or blank. */
bool cfg_valid_ifname(const char *s);
void cfg_read_metrics(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg);

/* traffic.c: capture.alarms from the capture group g, then the implicit
 * host "capture" with its CHECK_TRAFFIC checks when interfaces are set. */
void cfg_read_traffic(struct cfg_ctx *ctx, const struct cfg_node *g,
		      struct pl_config *cfg);

/* pi.c: the 'pi' section and the implicit host "pi" with its
 * CHECK_SYSTEM checks (unless pi.enabled = false); after the hosts and
 * daemon.state_dir, before the groups and LEDs that may name it. */
void cfg_read_pi(struct cfg_ctx *ctx, const struct cfg_node *root,
		 struct pl_config *cfg);

/* exports.c: the 'events' group and the 'webhooks' list. */
void cfg_read_exports(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg);
/* A string member copied into buf; too long is an error naming the key.
 * 1 read, 0 absent, -1 error. */
int cfg_copy_string(struct cfg_ctx *ctx, const struct cfg_node *g,
		    const char *key, char *buf, size_t len);

/* notify.c: a webhook's url (after its format is known: some kinds have
 * a default) and its channel, template, reminder and secret keys. */
void cfg_notify_url(struct cfg_ctx *ctx, const struct cfg_node *n,
		    struct webhook_cfg *w);
void cfg_read_notify(struct cfg_ctx *ctx, const struct cfg_node *n,
		     struct webhook_cfg *w);

/* notify.c: a secret file's one line (the path at key, absolute, a
 * regular file) into buf; the secret never appears in a message. */
void cfg_read_secret(struct cfg_ctx *ctx, const struct cfg_node *n,
		     const char *key, char *buf, size_t len);

/* control.c: the 'control' group (socket, group, http, token_file). */
void cfg_read_control(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg);

/* hosts.c */
void cfg_read_defaults(struct cfg_ctx *ctx, const struct cfg_node *root,
		       struct cfg_defaults *def);
void cfg_read_hosts(struct cfg_ctx *ctx, const struct cfg_node *root,
		    const struct cfg_defaults *def, struct pl_config *cfg);
/* cfg->grace_ms: defaults.grace, or derived from the hosts' fastest
 * check (README "States"); call after cfg_read_hosts(). */
void cfg_set_grace(const struct cfg_defaults *def, struct pl_config *cfg);
void cfg_read_groups(struct cfg_ctx *ctx, const struct cfg_node *root,
		     struct pl_config *cfg);
int cfg_find_host(const struct pl_config *cfg, const char *name);
int cfg_find_group(const struct pl_config *cfg, const char *name);
/* Flat index over all hosts' checks in order, or -1; *host gets its host. */
int cfg_find_check(const struct pl_config *cfg, const char *name, int *host);

/* checks.c */
/* Reads the threshold sub-groups of grp (a check or 'thresholds') for the
 * metrics in mask (1 << METRIC_x) over thr; others are "does not apply"
 * errors naming what (e.g. "a tcp check"). */
void cfg_read_thresholds(struct cfg_ctx *ctx, const struct cfg_node *grp,
			 unsigned mask, const char *what,
			 struct threshold thr[METRIC_COUNT]);
/* The list key of n (1..CFG_MAX_ARGS strings, the first an absolute
 * path) into argv[], *argc set; 0, or -1 with the error recorded. */
int cfg_read_argv(struct cfg_ctx *ctx, const struct cfg_node *n,
		  const char *key, char **argv, int *argc);
/* Reads one check of host into c; returns 0 or -1 (errors recorded). */
int cfg_read_check(struct cfg_ctx *ctx, const struct cfg_node *n,
		   const struct host_cfg *host, const struct cfg_defaults *def,
		   struct check_cfg *c);
void cfg_check_free(struct check_cfg *c);

/* indicators.c: GPIO pins are claimed as they are read; once all are,
 * cfg_pins_check() reports a clash at its second use, naming the first,
 * and a pin an enabled LCD's I2C bus needs. */
struct pin_claims;
struct pin_claims *cfg_pins_new(void);
void cfg_pins_check(struct cfg_ctx *ctx, struct pin_claims *claims,
		    const struct lcd_cfg *lcd);
void cfg_pins_free(struct pin_claims *claims);
/* Reads pin key of g (0..GPIO_MAX_PIN) into *pin and claims it for user
 * ("the buzzer"); 1 read, 0 absent, -1 error. */
int cfg_read_pin(struct cfg_ctx *ctx, const struct cfg_node *g, const char *key,
		 struct pin_claims *claims, const char *user, int *pin);

/* windows.c: the 'maintenance' list of scheduled windows; after the
 * hosts and groups it names. */
void cfg_read_windows(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg);

/* indicators.c, lcd.c */
void cfg_read_indicators(struct cfg_ctx *ctx, const struct cfg_node *root,
			 struct pl_config *cfg, struct pin_claims *claims);
void cfg_read_lcd(struct cfg_ctx *ctx, const struct cfg_node *ind,
		  struct lcd_cfg *lcd);

/* actions.c: the 'actions' list; after hosts and groups. */
void cfg_read_actions(struct cfg_ctx *ctx, const struct cfg_node *root,
		      struct pl_config *cfg, struct pin_claims *claims);

#endif
