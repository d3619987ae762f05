/*
 * service.c - wires the modules into the loop: config, policy, panel,
 * signals, systemd readiness and watchdog.
 *
 * Reload is all-or-nothing: the new file is loaded into a fresh struct
 * pl_config; only when it is valid do the policy and the panel switch to
 * it, and only then is the old one freed.  A broken edit leaves the old
 * config running and puts FILE:LINE on the log and the LCD.
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "actions.h"
#include "alarmfile.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "exports.h"
#include "lcd_charset.h"
#include "log.h"
#include "loop.h"
#include "panel.h"
#include "policy.h"
#include "remotelog.h"
#include "scheduler.h"
#include "service.h"
#include "traffic.h"

struct service {
	struct options opt;
	struct pl_config *cfg;
	struct loop *loop;
	struct policy *policy;
	struct scheduler *scheduler;
	struct traffic *traffic;
	struct panel *panel;
	struct exports *exports;
	struct alarmfile *alarms;    /* the policy's memory in state_dir */
	struct remotelog *remotelog; /* logging.remote */
	struct actions *actions;
	struct control *control; /* pilotlight ctl; NULL when none */
	int64_t panel_timer;
	int exit_status;
};

static int local_minute(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm))
		return -1;
	return tm.tm_hour * 60 + tm.tm_min;
}

static void show_status(struct service *s)
{
	int64_t now = clock_now_ns();

	actions_update(s->actions, now);
	panel_set_local_minute(s->panel, local_minute());
	panel_update(s->panel, policy_status(s->policy), now);
	exports_notify(s->exports, policy_status(s->policy));
	alarmfile_sync(s->alarms, policy_memory(s->policy), now);
}

static void on_result(void *arg)
{
	show_status(arg);
}

/* For the policy: each result goes to the measurement stream. */
static void on_measurement(void *arg, const struct host_cfg *h,
			   const struct check_cfg *c,
			   const struct probe_result *r, enum pl_state state)
{
	struct service *s = arg;

	exports_measurement(s->exports, h, c, r, state);
}

/* A virtual panel writes to stdout: the measurement stream cannot.
 * Returns true after logging FILE:LINE. */
static bool stdout_taken(const struct pl_config *cfg, const char *panel,
			 const char *doing)
{
	if (strcmp(cfg->measurements.file, "-") != 0 ||
	    strcmp(panel, "hw") == 0)
		return false;
	log_always(LOG_ERR,
		   "%s%s:%d: measurements 'file' \"-\" is stdout, which "
		   "--panel=%s writes; give a file",
		   doing, cfg->path, cfg->measurements.line, panel);
	return true;
}

/* For the policy: when did host h last send on the capture port? */
static int64_t host_last_seen(void *arg, int h)
{
	struct service *s = arg;
	uint8_t addr[16];
	int family;

	if (scheduler_host_addr(s->scheduler, h, &family, addr) < 0)
		return -1;
	return traffic_last_seen(s->traffic, family, addr);
}

static unsigned long lcd_errors(void *arg)
{
	struct service *s = arg;
	unsigned long lcd, gpio;

	panel_errors(s->panel, &lcd, &gpio);
	return lcd;
}

static unsigned long gpio_errors(void *arg)
{
	struct service *s = arg;
	unsigned long lcd, gpio;

	panel_errors(s->panel, &lcd, &gpio);
	return gpio;
}

static int64_t on_panel_timer(struct loop *l, void *arg)
{
	struct service *s = arg;
	int64_t now = clock_now_ns();

	(void)l;
	if (policy_due(s->policy, now)) {
		policy_tick(s->policy, now);
		show_status(s);
	}
	alarmfile_sync(s->alarms, policy_memory(s->policy), now);
	panel_set_local_minute(s->panel, local_minute());
	return panel_tick(s->panel, now);
}

/* Scheduled maintenance windows: checked on each wall-clock minute, where
 * their edges fall.  A minute also bounds how long a wall-clock jump
 * (NTP stepping, a DST change is none: it moves no instant) goes
 * unnoticed; the loop itself runs on the monotonic clock. */
static int64_t check_windows(struct service *s)
{
	int64_t wall = clock_wall_ns();

	if (policy_windows(s->policy, clock_now_ns(), wall / NS_PER_S))
		show_status(s);
	return 60 * NS_PER_S - wall % (60 * NS_PER_S);
}

static int64_t on_window_timer(struct loop *l, void *arg)
{
	(void)l;
	return check_windows(arg);
}

static int64_t on_watchdog(struct loop *l, void *arg)
{
	uint64_t usec = 0;

	(void)arg;
	(void)l;
	sd_notify(0, "WATCHDOG=1");
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return LOOP_TIMER_DONE;
	return (int64_t)usec * 1000 / 2;
}

static void on_button(struct panel *p, enum button_press press, void *arg)
{
	struct service *s = arg;
	const struct button_cfg *b = &s->cfg->indicators.button;
	int64_t now = clock_now_ns();

	if (press == BUTTON_LONG) {
		policy_maintenance(s->policy, now,
				   b->maintenance_ms * NS_PER_MS);
		log_always(LOG_NOTICE, "maintenance window for %lld minute%s",
			   (long long)(b->maintenance_ms / 60000),
			   b->maintenance_ms / 60000 == 1 ? "" : "s");
	} else if (policy_acknowledge(s->policy, now)) {
		log_always(LOG_NOTICE, "alarm acknowledged");
	} else {
		panel_next_page(p, now);
	}
	show_status(s);
}

/* Remember the acknowledgement and maintenance from before the start:
 * the file is rewritten at the first sync unless it was clean and all of
 * it still holds. */
static void restore_memory(struct service *s, int64_t now)
{
	struct policy_memory m;
	int taken, clean = alarmfile_load(s->alarms, &m);

	if (clean < 0)
		return;
	taken = policy_restore(s->policy, &m, now, clock_wall_ns() / NS_PER_S);
	if (taken == 1 && clean == 1)
		alarmfile_saved(s->alarms, policy_memory(s->policy)->gen);
	alarmfile_memory_free(&m);
}

/* A reload moved state_dir: the memory goes to the new one. */
static void move_alarms(struct service *s, const char *state_dir)
{
	struct alarmfile *af;

	if (strcmp(s->cfg->daemon.state_dir, state_dir) == 0)
		return;
	af = alarmfile_open(state_dir);
	if (!af)
		return;
	alarmfile_close(s->alarms, policy_memory(s->policy));
	s->alarms = af;
}

/* The remote syslog target of s->cfg; a failure leaves only the local
 * target, said once. */
static void open_remotelog(struct service *s)
{
	if (remotelog_configure(s->remotelog, &s->cfg->logging.remote) < 0)
		log_always(LOG_ERR, "remote syslog %s: %s",
			   s->cfg->logging.remote.address, strerror(errno));
}

static void reload(struct service *s)
{
	struct config_errors errs = { 0 };
	struct pl_config *next;
	int64_t now = clock_now_ns();
	char first[256];

	sd_notify(0, "RELOADING=1");
	next = config_load(s->cfg->path, &errs);
	if (!next) {
		config_errors_first(&errs, first, sizeof(first));
		for (size_t i = 0; i < errs.n; i++) {
			if (errs.v[i].line > 0)
				log_always(LOG_ERR, "reload failed: %s:%d: %s",
					   errs.v[i].file, errs.v[i].line,
					   errs.v[i].msg);
			else /* the file itself: "site.cfg: is a FIFO" */
				log_always(LOG_ERR, "reload failed: %s: %s",
					   errs.v[i].file, errs.v[i].msg);
		}
		log_always(LOG_ERR, "keeping the running configuration");
		config_errors_clear(&errs);
		policy_set_config_error(s->policy, first);
		goto out;
	}
	if (stdout_taken(next, s->opt.panel, "reload failed: ")) {
		policy_set_config_error(s->policy,
					"measurements: stdout taken");
		config_free(next);
		goto out;
	}
	if (policy_reload(s->policy, next, now) < 0 ||
	    scheduler_reload(s->scheduler, next) < 0 ||
	    traffic_reload(s->traffic, next) < 0 ||
	    panel_reload(s->panel, next, now) < 0 ||
	    exports_reload(s->exports, next) < 0) {
		log_always(LOG_ERR,
			   "reload failed: %s; keeping the running "
			   "configuration",
			   strerror(errno));
		/* Some modules may already point at next: put them back. */
		policy_reload(s->policy, s->cfg, now);
		scheduler_reload(s->scheduler, s->cfg);
		traffic_reload(s->traffic, s->cfg);
		panel_reload(s->panel, s->cfg, now);
		config_free(next);
		goto out;
	}
	move_alarms(s, next->daemon.state_dir);
	actions_reload(s->actions, next, now);
	config_free(s->cfg);
	s->cfg = next;
	check_windows(s);
	policy_set_config_error(s->policy, NULL);
	log_reconfigure(next->logging.target, next->logging.level);
	open_remotelog(s);
	log_always(LOG_NOTICE, "configuration reloaded from %s (%016llx)",
		   next->path, (unsigned long long)next->fingerprint);
out:
	show_status(s);
	sd_notify(0, "READY=1");
}

static void dump_state(struct service *s)
{
	const struct status *st = policy_status(s->policy);
	const struct panel_view *v = panel_view(s->panel);
	int c = 0;

	log_always(LOG_INFO, "state: site %s, %d hosts ok, %d bad, alarm %s%s",
		   state_name(st->overall), st->n_ok, st->n_bad,
		   st->alarm ? state_name(st->alarm_state) : "none",
		   st->acknowledged ? " (acknowledged)" : "");
	for (int h = 0; h < s->cfg->n_hosts; h++) {
		const struct host_cfg *hc = &s->cfg->hosts[h];

		log_always(LOG_INFO, "host %s: %s", hc->name,
			   state_name(st->hosts[h].state));
		for (int i = 0; i < hc->n_checks; i++, c++)
			log_always(LOG_INFO, "  check %s: %s%s (%s)",
				   hc->checks[i].name,
				   state_name(st->checks[c].state),
				   st->checks[c].flapping ? ", flapping" : "",
				   st->checks[c].reason);
	}
	for (int i = 0; i < v->n_leds; i++)
		log_always(LOG_INFO, "led %s: %s %s", v->leds[i].name,
			   led_color_name(v->leds[i].color),
			   led_pattern_name(v->leds[i].pattern));
	for (int r = 0; r < v->rows; r++) {
		char row[LCD_MAX_COLS * 4 + 1] = "";

		for (int col = 0; col < v->cols; col++)
			strcat(row, lcd_charset_decode(v->lcd[r][col]));
		log_always(LOG_INFO, "lcd %d: |%s|", r, row);
	}
}

static int64_t on_reload_timer(struct loop *l, void *arg)
{
	(void)l;
	reload(arg);
	return LOOP_TIMER_DONE;
}

/* An operator action, carried out: the event names who asked. */
static char *control_act(struct service *s, const struct control_request *rq,
			 const char *who, int64_t now)
{
	int64_t dur_ns = rq->duration_ms * NS_PER_MS;
	char *r = NULL;

	switch (rq->cmd) {
	case CTL_ACK:
		return strdup(policy_operator_ack(s->policy, now, who)
				      ? "ok: alarm acknowledged\n"
				      : "error: no alarm to acknowledge\n");
	case CTL_MUTE:
		policy_mute(s->policy, now, dur_ns, who);
		return strdup("ok: buzzer muted\n");
	case CTL_MAINTENANCE:
		if (rq->target[0])
			return strdup("error: maintenance of one host or "
				      "group is not supported; leave out the "
				      "target for the whole site\n");
		policy_operator_maintenance(s->policy, now, dur_ns, who);
		return strdup("ok: maintenance started\n");
	case CTL_END_MAINTENANCE:
		return strdup(policy_end_maintenance(s->policy, now, who)
				      ? "ok: maintenance ended\n"
				      : "error: no maintenance running\n");
	case CTL_RELOAD:
		if (rq->deferred) {
			if (loop_add_timer(s->loop, 0, on_reload_timer, s) < 0)
				return strdup("error: cannot schedule the "
					      "reload\n");
			return strdup("ok: reload scheduled; see status\n");
		}
		reload(s);
		if (policy_status(s->policy)->config_error[0] &&
		    asprintf(&r, "error: reload failed: %s\n",
			     policy_status(s->policy)->config_error) < 0)
			return NULL;
		return r ? r : strdup("ok: configuration reloaded\n");
	default:
		return control_status_text(policy_status(s->policy), now);
	}
}

static char *on_control(void *arg, const struct control_request *rq,
			const char *who)
{
	struct service *s = arg;
	char *reply;

	if (rq->cmd != CTL_STATUS)
		log_always(LOG_NOTICE, "ctl: %s%s%s by %s",
			   control_cmd_name(rq->cmd), rq->target[0] ? " " : "",
			   rq->target, who);
	reply = control_act(s, rq, who, clock_now_ns());
	if (rq->cmd != CTL_STATUS && rq->cmd != CTL_RELOAD)
		show_status(s);
	return reply;
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	struct service *s = arg;

	switch (signo) {
	case SIGHUP:
		reload(s);
		break;
	case SIGUSR1:
		dump_state(s);
		break;
	default:
		log_always(LOG_NOTICE, "%s: stopping", strsignal(signo));
		sd_notify(0, "STOPPING=1");
		loop_stop(l);
		break;
	}
}

static struct exports *open_exports(struct service *s)
{
	unsigned long lcd, gpio;
	struct exports_sources src = {
		.panel = s->panel,
		.traffic = s->traffic,
		.hw_arg = s,
		.control = on_control,
		.control_arg = s,
	};

	/* Error counters exist only where there is hardware. */
	if (panel_errors(s->panel, &lcd, &gpio)) {
		src.lcd_errors = lcd_errors;
		src.gpio_errors = gpio_errors;
	}
	return exports_open(s->loop, s->cfg, &src);
}

/* The control socket belongs to the user the daemon will run as (root
 * drops to it after service_open()).  Without it the daemon still
 * monitors: the failure is logged, `pilotlight ctl` cannot connect. */
static void open_control(struct service *s)
{
	const char *user = s->opt.user ? s->opt.user : s->cfg->daemon.user;
	struct passwd *pw = NULL;

	if (geteuid() == 0 && strcmp(user, "root") != 0)
		pw = getpwnam(user);
	s->control = control_open(s->loop, &s->cfg->control,
				  pw ? (int)pw->pw_uid : -1, on_control, s);
	if (!s->control && s->cfg->control.socket[0])
		log_always(LOG_ERR, "control: no control socket; "
				    "pilotlight ctl will not work");
}

static int add_signals(struct service *s)
{
	static const int sigs[] = { SIGHUP, SIGUSR1, SIGTERM, SIGINT };

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (loop_add_signal(s->loop, sigs[i], on_signal, s) < 0)
			return -1;
	return 0;
}

struct service *service_open(struct pl_config *cfg, const struct options *opt)
{
	struct service *s = calloc(1, sizeof(*s));
	const struct panel_backend_ops *ops;
	int64_t now = clock_now_ns();

	if (!s)
		goto fail_cfg;
	s->opt = *opt;
	s->cfg = cfg;
	ops = panel_backend_find(opt->panel);
	if (!ops) {
		log_always(LOG_ERR, "unknown panel '%s' (term, json or hw)",
			   opt->panel);
		goto fail_s;
	}
	if (stdout_taken(cfg, opt->panel, ""))
		goto fail_s;
	s->loop = loop_new();
	if (!s->loop || add_signals(s) < 0) {
		log_always(LOG_ERR, "event loop: %s", strerror(errno));
		goto fail_loop;
	}
	s->remotelog = remotelog_new(s->loop);
	if (!s->remotelog)
		goto fail_loop;
	log_set_sink(remotelog_sink, s->remotelog);
	open_remotelog(s);
	s->policy = policy_new(cfg, now);
	if (!s->policy)
		goto fail_loop;
	s->alarms = alarmfile_open(cfg->daemon.state_dir);
	if (!s->alarms)
		goto fail_policy;
	restore_memory(s, now);
	s->panel = panel_open(cfg, ops, s->loop, now);
	if (!s->panel)
		goto fail_policy;
	panel_set_button_handler(s->panel, on_button, s);
	s->scheduler = scheduler_open(s->loop, s->policy, cfg, on_result, s);
	if (!s->scheduler) {
		log_always(LOG_ERR, "probes: %s", strerror(errno));
		goto fail_panel;
	}
	s->traffic = traffic_open(s->loop, s->policy, cfg);
	if (!s->traffic) {
		log_always(LOG_ERR, "capture: %s", strerror(errno));
		goto fail_scheduler;
	}
	traffic_set_notify(s->traffic, on_result, s);
	policy_set_last_seen(s->policy, host_last_seen, s);
	s->exports = open_exports(s);
	if (!s->exports)
		goto fail_traffic;
	policy_set_result_hook(s->policy, on_measurement, s);
	s->actions = actions_open(s->loop, scheduler_reaper(s->scheduler),
				  s->policy, s->panel, cfg, on_result, s);
	if (!s->actions) {
		log_always(LOG_ERR, "actions: %s", strerror(errno));
		goto fail_exports;
	}
	open_control(s);
	return s;

fail_exports:
	exports_close(s->exports);
fail_traffic:
	traffic_close(s->traffic);
fail_scheduler:
	scheduler_close(s->scheduler);
fail_panel:
	panel_close(s->panel, now);
fail_policy:
	alarmfile_close(s->alarms, NULL);
	policy_free(s->policy);
fail_loop:
	log_set_sink(NULL, NULL);
	remotelog_free(s->remotelog);
	loop_free(s->loop);
fail_s:
	free(s);
fail_cfg:
	config_free(cfg);
	return NULL;
}

int service_run(struct service *s)
{
	if (exports_start(s->exports) < 0)
		return 1;
	show_status(s);
	s->panel_timer = loop_add_timer(s->loop, 0, on_panel_timer, s);
	if (s->panel_timer < 0 ||
	    loop_add_timer(s->loop, 0, on_watchdog, s) < 0 ||
	    loop_add_timer(s->loop, 0, on_window_timer, s) < 0) {
		log_always(LOG_ERR, "timers: %s", strerror(errno));
		return 1;
	}
	sd_notify(0, "READY=1");
	log_always(LOG_NOTICE,
		   "pilotlight %s running: %d hosts, panel %s, start-up "
		   "grace %gs",
		   PL_VERSION, s->cfg->n_hosts, s->opt.panel,
		   (double)s->cfg->grace_ms / 1000);
	if (loop_run(s->loop) < 0) {
		log_always(LOG_ERR, "event loop: %s", strerror(errno));
		return 1;
	}
	return s->exit_status;
}

void service_close(struct service *s)
{
	if (!s)
		return;
	actions_close(s->actions, clock_now_ns());
	control_close(s->control);
	exports_close(s->exports);
	traffic_close(s->traffic);
	scheduler_close(s->scheduler);
	panel_close(s->panel, clock_now_ns());
	alarmfile_close(s->alarms, policy_memory(s->policy));
	policy_free(s->policy);
	log_set_sink(NULL, NULL);
	remotelog_free(s->remotelog);
	loop_free(s->loop);
	config_free(s->cfg);
	free(s);
}
