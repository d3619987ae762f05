/*
 * config.h - the validated configuration, as plain structs.
 *
 * Lifecycle: config_load() → use → config_free().  Loading either returns a
 * complete, validated struct pl_config or NULL with every problem found
 * listed in a struct config_errors as FILE:LINE: message; nothing is ever
 * half applied.  A reload loads a second config and swaps only on success.
 * A valid config with http checks or webhooks also loads libcurl
 * (curl_dl.h), one that enables the metrics endpoint libmicrohttpd
 * (mhd_dl.h); if that fails, the config is rejected at the first http
 * check or webhook, or at metrics.enabled.
 *
 * src/config/ is the only code that includes <libconfig.h>.  Everything
 * else reads these structs.  Times are milliseconds (_ms), names are
 * bounded, cross references (parent, LED sources) are resolved to indices.
 */
#ifndef PL_CONFIG_H
#define PL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "state.h"
#include "log.h"

#define CFG_NAME_MAX	       32 /* bytes of a host/check/LED/group name, NUL incl. */
#define CFG_MAX_HOSTS	       1024
#define CFG_MAX_CHECKS	       16		       /* per host */
#define CFG_MAINTENANCE_MAX_MS (7 * INT64_C(86400000)) /* a week */
#define CFG_MAX_GROUPS	       32
#define CFG_MAX_LEDS	       16
#define CFG_MAX_IFACES	       4
#define CFG_MAX_NETS	       16
#define CFG_MAX_STATUS	       8 /* accepted HTTP status codes */
#define CFG_MAX_PORTS	       32
#define CFG_MAX_ARGS	       16
#define PIN_NONE	       (-1)
#define GPIO_MAX_PIN	       27 /* the 40-pin header's BCM 0..27 */

/* ---- checks ---------------------------------------------------------- */

enum check_type {
	CHECK_PING,
	CHECK_TCP,
	CHECK_HTTP,
	CHECK_DNS,
	CHECK_EXEC,
	CHECK_TRACE,
	CHECK_PORTS,
	/* Not written in a config: the loader adds one per capture alarm
	 * (and "capture/link") to the implicit host "capture"; the traffic
	 * module reports them, the scheduler never probes them. */
	CHECK_TRAFFIC,
	/* Also added by the loader: the implicit host "pi" watching the
	 * board the daemon runs on (src/config/pi.c, src/probes/pi_check.c). */
	CHECK_SYSTEM,
	CHECK_TYPE_COUNT,
};

/* Measured values that can have thresholds, in the units given. */
enum metric {
	METRIC_RTT,	      /* ms, ping round trip (avg of a burst) */
	METRIC_LOSS,	      /* percent of a burst */
	METRIC_JITTER,	      /* ms */
	METRIC_RESPONSE_TIME, /* ms, tcp/http/dns */
	METRIC_CERT_DAYS,     /* days left; lower is worse */
	METRIC_COUNT,
};

/* What a CHECK_SYSTEM check reads. */
enum pi_reading {
	PI_THROTTLED,	   /* firmware flags: undervoltage, throttling */
	PI_TEMPERATURE,	   /* SoC, degrees Celsius */
	PI_DISK,	   /* percent of a file system free */
	PI_MEMORY,	   /* percent of memory available */
	PI_STORAGE_ERRORS, /* kernel error counters of the storage */
	PI_READING_COUNT,
};

struct threshold {
	bool set;
	double warning;
	double critical;
};

struct check_cfg {
	char name[CFG_NAME_MAX]; /* unique across the config */
	enum check_type type;
	int line;
	int64_t interval_ms;
	int64_t timeout_ms;
	int fail_after;	   /* bad results before the state turns bad */
	int recover_after; /* good results before it returns to OK */
	struct threshold thr[METRIC_COUNT];
	union {
		struct {
			int count;	    /* echo requests per round */
			int payload;	    /* bytes of ICMP payload */
			int64_t spacing_ms; /* between two requests */
		} ping;
		struct {
			int port;
			char *send;   /* NULL: send nothing */
			char *expect; /* NULL: connecting is enough */
			bool expect_regex;
		} tcp;
		struct {
			char *url;
			int status[CFG_MAX_STATUS];
			int n_status; /* 0: any 2xx or 3xx */
			char *body;   /* NULL: body not checked */
			bool body_regex;
			bool follow_redirects;
			bool verify_tls;
		} http;
		struct {
			char *server; /* NULL: the system's resolvers */
			char *query;
			char qtype[8];	/* "A", "AAAA", "MX", ... */
			char rcode[12]; /* expected, "NOERROR" default */
			char *answer;	/* NULL: any answer */
		} dns;
		struct {
			char *argv[CFG_MAX_ARGS + 1]; /* NULL-terminated */
			int argc;
		} exec;
		struct {
			int max_hops;
		} trace;
		struct {
			int open[CFG_MAX_PORTS];
			int n_open;
			int closed[CFG_MAX_PORTS];
			int n_closed;
		} ports;
		struct {
			int alarm; /* into capture.alarms; -1: link */
		} traffic;
		struct {
			enum pi_reading what;
			/* owned: the file read (throttled, temperature,
			 * memory), the directory (disk) or the root the
			 * counters are found under (storage errors) */
			char *path;
			/* temperature: at or above; disk, memory: percent
			 * free at or below */
			double warning, critical;
		} system;
	} u;
};

struct host_cfg {
	char name[CFG_NAME_MAX];
	char *address; /* literal IPv4/IPv6 or a name to resolve */
	int line;
	int parent;    /* index into hosts, -1 for none */
	bool implicit; /* added by the loader ("capture"), not a
				   * machine: left out of host counts */
	struct check_cfg checks[CFG_MAX_CHECKS];
	int n_checks;
};

/* A group shows the worst state of its hosts, or with min_failed > 0 is
 * CRITICAL only when at least min_failed of them are bad ("2 of 3"). */
struct group_cfg {
	char name[CFG_NAME_MAX];
	int line;
	int hosts[CFG_MAX_HOSTS / 8];
	int n_hosts;
	int min_failed;
};

/* A scheduled maintenance window (README "Maintenance windows"): on each
 * weekday in days (bit tm_wday: 0 Sunday) the local wall clock from
 * from_min up to (not including) to_min minutes after midnight; with
 * to_min <= from_min it runs on into the next day.  It keeps the alarm
 * quiet for the hosts listed (groups are resolved to their hosts), or for
 * the whole site when n_hosts is 0. */
#define CFG_MAX_WINDOWS 32
struct window_cfg {
	char name[CFG_NAME_MAX];
	int line;
	unsigned days;
	int from_min; /* 0..1439 */
	int to_min;   /* 0..1440, != from_min */
	int hosts[CFG_MAX_HOSTS / 8];
	int n_hosts;
};

/* ---- indicators ------------------------------------------------------ */

enum led_color {
	LED_RED,
	LED_GREEN,
	LED_YELLOW,
	LED_BLUE,
	LED_WHITE,
	LED_COLOR_COUNT,
};

enum led_pattern {
	PAT_OFF,
	PAT_ON,
	PAT_SLOW_BLINK, /* 1 Hz, 50 % */
	PAT_FAST_BLINK, /* 4 Hz, 50 % */
	PAT_HEARTBEAT,	/* two short flashes a second */
	PAT_ACTIVITY,	/* a 50 ms flash per burst of traffic */
	PAT_COUNT,
};

/* What an LED shows. */
enum led_source {
	SRC_ALL,       /* worst state of everything */
	SRC_HOST,      /* worst state of one host's checks */
	SRC_CHECK,     /* one check */
	SRC_GROUP,     /* a group's rule */
	SRC_HEARTBEAT, /* the daemon is alive */
	SRC_ACTIVITY,  /* traffic seen on the capture port */
};

struct led_cfg {
	char name[CFG_NAME_MAX];
	int line;
	enum led_source source;
	int target;		  /* host, group or flat check index; -1 */
	int target_host;	  /* SRC_CHECK: host index of the check */
	int pin[LED_COLOR_COUNT]; /* BCM line per colour, PIN_NONE */
	bool active_low;
	enum led_pattern pattern[STATE_COUNT]; /* per state */
};

enum buzzer_pattern {
	BUZ_OFF,
	BUZ_CHIRP,  /* one 80 ms chirp */
	BUZ_BEEP,   /* three 150 ms beeps */
	BUZ_REPEAT, /* 200 ms on / 800 ms off until acknowledged */
	BUZ_CONTINUOUS,
	BUZ_COUNT,
};

struct buzzer_cfg {
	int pin; /* PIN_NONE: no buzzer */
	int line;
	bool active_low;
	bool mute;
	enum buzzer_pattern pattern[STATE_COUNT];
	int64_t reminder_ms; /* repeat while a problem lasts; 0 never */
	int quiet_from_min;  /* minutes after local midnight; -1 none */
	int quiet_to_min;
};

struct button_cfg {
	int pin; /* PIN_NONE: no button */
	int line;
	int64_t debounce_ms;
	int64_t long_press_ms;
	int64_t maintenance_ms; /* 1 min .. CFG_MAINTENANCE_MAX_MS */
};

enum lcd_preset {
	LCD_PRESET_YWROBOT, /* also DFRobot, SainSmart */
	LCD_PRESET_LCM1602,
	LCD_PRESET_MJKDZ,
	LCD_PRESET_CUSTOM,
};

/* PCF8574 bit (0..7) of each HD44780 signal. */
struct lcd_map {
	int rs, rw, en, bl, d4, d5, d6, d7;
	bool bl_active_low;
};

enum lcd_page {
	PAGE_SUMMARY,
	PAGE_HOSTS,
	PAGE_TRAFFIC,
	PAGE_ALARMS,
	PAGE_SYSTEM,
	PAGE_COUNT,
};

struct lcd_cfg {
	bool enabled;
	int line;
	int bus;	/* /dev/i2c-N */
	int address;	/* 7-bit */
	int cols, rows; /* 16x2 or 20x4 */
	enum lcd_preset preset;
	struct lcd_map map;
	enum lcd_page pages[PAGE_COUNT];
	int n_pages;
	int64_t page_interval_ms;
	int64_t reinit_interval_ms; /* 0: only after errors */
};

struct indicators_cfg {
	char chip[64]; /* "" = find the header by label */
	bool lamp_test;
	struct led_cfg leds[CFG_MAX_LEDS];
	int n_leds;
	struct buzzer_cfg buzzer;
	struct button_cfg button;
	struct lcd_cfg lcd;
};

/* ---- capture, metrics, logging, daemon ------------------------------- */

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int prefix;
};

/* Whether ip (4 bytes for AF_INET, 16 for AF_INET6) is inside c. */
bool cidr_contains(const struct cidr *c, int family, const uint8_t *ip);

/* What a traffic alarm watches, per second. */
enum traffic_rate {
	RATE_BPS,	    /* bits */
	RATE_PPS,	    /* frames */
	RATE_BROADCAST_PPS, /* broadcast frames */
	RATE_ERRORS,	    /* interface rx + tx errors */
	RATE_DROPS,	    /* frames the capture lost; with an
				   * interface, the kernel's drops */
	RATE_OVERRUNS,	    /* an interface's FIFO overruns */
	RATE_COUNT,
};

enum traffic_dir {
	TRAFFIC_DIR_BOTH,
	TRAFFIC_DIR_RX,
	TRAFFIC_DIR_TX,
};

enum traffic_cond {
	TRAFFIC_ABOVE, /* mean rate over window_ms > limit */
	TRAFFIC_BELOW, /* mean rate over a full window < limit */
	TRAFFIC_COUNT, /* more than limit events within window_ms */
};

/* capture.alarms: one becomes the check "capture/NAME". */
#define CFG_MAX_TRAFFIC_ALARMS (CFG_MAX_CHECKS - 1) /* + capture/link */

struct traffic_alarm_cfg {
	char name[CFG_NAME_MAX]; /* as written; the check adds "capture/" */
	int line;
	enum traffic_rate rate;
	enum traffic_cond cond;
	double limit;	      /* per second, or events for COUNT */
	int64_t window_ms;    /* whole seconds */
	enum pl_state level;  /* STATE_WARNING or STATE_CRITICAL */
	int host_family;      /* 0: any host; else AF_INET/AF_INET6 */
	uint8_t host[16];     /* frames from or to this address */
	int service_proto;    /* 0: any; IPPROTO_TCP or IPPROTO_UDP */
	int service_port;     /* source or destination port */
	char interface[16];   /* "": the capture (frames, pcap); else
				   * this interface's kernel counters */
	enum traffic_dir dir; /* with interface: rx, tx or both */
};

struct capture_cfg {
	char *interfaces[CFG_MAX_IFACES];
	int n_interfaces; /* 0: no capture */
	char *filter;	  /* BPF, NULL for none; compiled at load */
	int snaplen;
	bool promiscuous;
	int buffer_kib;
	struct cidr local_networks[CFG_MAX_NETS];
	int n_local_networks;
	struct traffic_alarm_cfg alarms[CFG_MAX_TRAFFIC_ALARMS];
	int n_alarms;
	bool reverse_dns;	     /* PTR lookups for new devices (rdns.h) */
	char reverse_dns_server[48]; /* an IP literal; "": the system's */
	int reverse_dns_rate;	     /* lookups started a second, 1..50 */
};

/* interfaces: which ones /metrics and the LCD's system page list. */
#define CFG_MAX_IF_EXCLUDE 8
#define CFG_IF_PATTERN_MAX 32

struct interfaces_cfg {
	bool loopback; /* list "lo" too; default false */
	char exclude[CFG_MAX_IF_EXCLUDE][CFG_IF_PATTERN_MAX]; /* fnmatch */
	int n_exclude;
};

struct metrics_cfg {
	bool enabled;
	char listen[64]; /* "ADDR:PORT" or "[V6]:PORT" */
	int top_hosts;	 /* top-talker series on /metrics, 0..100 */
	struct cidr allow[CFG_MAX_NETS]; /* who may connect */
	int n_allow;			 /* 0: every address */
	int max_connections;	    /* open at once; a new one sheds an old */
	int per_address_limit;	    /* connections from one address */
	int64_t request_timeout_ms; /* to send each request */
};

/* ---- exports: events and webhooks (src/config/exports.c) ------------- */

#define CFG_PATH_MAX  256
#define CFG_URL_MAX   512
#define CFG_TOKEN_MAX 256

/* ---- control: pilotlight ctl and the HTTP API (src/config/control.c) - */

#define CFG_CONTROL_SOCKET "/run/pilotlight/control.sock"
#define CFG_CONTROL_GROUP  "adm"

struct control_cfg {
	char socket[108];	   /* sun_path; "" no socket */
	char group[32];		   /* owns the socket with the service user */
	bool http;		   /* /api/v1/ on the metrics listener */
	char token[CFG_TOKEN_MAX]; /* from token_file; never logged */
	int line;		   /* the group's line, 0 when absent */
};
#define CFG_MAX_WEBHOOKS 8

struct events_cfg {
	char file[CFG_PATH_MAX]; /* "" none, "-" stdout, else absolute */
	bool syslog;
	int rate_limit; /* events a minute, then summarised; 0 none */
};

/* Every result as a JSON line (README "Measurement stream"). */
struct measurements_cfg {
	char file[CFG_PATH_MAX]; /* "" none, "-" stdout, else absolute */
	int line;		 /* of 'file', for errors found at start */
};

enum webhook_format {
	WEBHOOK_GENERIC, /* the event JSON line */
	WEBHOOK_NTFY,
	WEBHOOK_GOTIFY,
	WEBHOOK_SLACK,
	WEBHOOK_TELEGRAM, /* the notification channels: one row */
	WEBHOOK_PUSHOVER, /* each in src/config/notify.c and */
	WEBHOOK_DISCORD,  /* src/exports/webhook_body.c */
	WEBHOOK_MATRIX,
	WEBHOOK_TEAMS,
	WEBHOOK_EMAIL,
	WEBHOOK_FORMAT_COUNT,
};

#define CFG_TEMPLATE_MAX  256
#define CFG_MAIL_ADDR_MAX 128
#define CFG_MAIL_RCPT_MAX 8

/* A message template's placeholders, as {name} (README "Notifications");
 * the order is that of the values webhook_body.c renders. */
/* clang-format lays this X-macro list out differently on each run. */
/* clang-format off */
#define NOTIFY_FIELDS(X)                                                       \
	X(state) X(was) X(host) X(check) X(metric) X(value) X(threshold)       \
	X(reason) X(kind)
/* clang-format on */

struct webhook_cfg {
	char name[CFG_NAME_MAX];
	int line;
	char url[CFG_URL_MAX]; /* http:// or https:// */
	enum webhook_format format;
	enum pl_state min_state;   /* by state_rank(): unknown..critical */
	char token[CFG_TOKEN_MAX]; /* "" none */
	int64_t retry_ms;	   /* first retry; doubles, capped */
	int max_retries;
	char tmpl[CFG_TEMPLATE_MAX];  /* "" the built-in message */
	int64_t remind_ms;	      /* while a problem lasts; 0 never */
	bool recovery;		      /* tell the return to OK */
	char ca_file[CFG_PATH_MAX];   /* "" the system's CAs */
	char chat_id[64];	      /* telegram */
	char user[64];		      /* pushover user or group key */
	char room[128];		      /* matrix room id, "!x:server" */
	char from[CFG_MAIL_ADDR_MAX]; /* email */
	char to[CFG_MAIL_RCPT_MAX][CFG_MAIL_ADDR_MAX];
	int n_to;
	char username[128];	      /* SMTP AUTH, "" none */
	char password[CFG_TOKEN_MAX]; /* from password_file */
	bool starttls;
};

enum remote_transport {
	REMOTE_UDP,
	REMOTE_TCP,
};

/* logging.remote: a syslog server beside the local target. */
struct remote_log_cfg {
	char address[64]; /* "" none; "ADDR:PORT" or "[V6]:PORT" */
	enum remote_transport transport;
};

/* ---- actions (src/config/actions.c, README "Actions") ----------------- */

#define CFG_MAX_ACTIONS	    8
#define CFG_ACTION_MAX_RUNS 100 /* 'max' per 'per' window */

/* Run a command or pulse a relay once a host or group has been at state
 * or worse for after_ms; at most max runs in any per_ms; never during
 * maintenance. */
struct action_cfg {
	char name[CFG_NAME_MAX];
	int line;
	bool on_group;	     /* target is a group, else a host */
	int target;	     /* index into hosts or groups */
	enum pl_state state; /* WARNING or CRITICAL */
	int64_t after_ms;
	int max;
	int64_t per_ms;
	/* The command as an exec check (type CHECK_EXEC, name and
	 * timeout_ms set; argc 0: no command) so that the exec probe runs
	 * it; pin PIN_NONE: no pulse.  Exactly one of the two. */
	struct check_cfg cmd;
	int pin;
	bool active_low;
	int64_t duration_ms;
};

struct logging_cfg {
	int level; /* syslog priority */
	enum log_target target;
	struct remote_log_cfg remote;
};

struct daemon_cfg {
	char user[CFG_NAME_MAX];
	char *state_dir;
};

/* Start-up grace (README "States"): no alarm until every check has
 * decided or grace_ms has passed.  defaults.grace is within
 * CFG_GRACE_MIN_MS..CFG_GRACE_MAX_MS; unset, it is twice the fastest
 * check's interval x fail_after + timeout, within the DEFAULT bounds. */
#define CFG_GRACE_MIN_MS	 1000LL
#define CFG_GRACE_MAX_MS	 (10 * 60 * 1000LL)
#define CFG_GRACE_DEFAULT_MIN_MS (10 * 1000LL)
#define CFG_GRACE_DEFAULT_MAX_MS (5 * 60 * 1000LL)

struct pl_config {
	char *path;
	uint64_t fingerprint; /* FNV-1a of the file's bytes, then its
				   * @include files', in the order read */
	struct daemon_cfg daemon;
	/* start-up grace, set or derived */
	int64_t grace_ms;
	struct logging_cfg logging;
	struct host_cfg *hosts;
	int n_hosts;
	struct group_cfg groups[CFG_MAX_GROUPS];
	int n_groups;
	struct window_cfg windows[CFG_MAX_WINDOWS];
	int n_windows;
	struct capture_cfg capture;
	struct interfaces_cfg interfaces;
	struct indicators_cfg indicators;
	struct metrics_cfg metrics;
	struct control_cfg control;
	struct events_cfg events;
	struct measurements_cfg measurements;
	struct webhook_cfg webhooks[CFG_MAX_WEBHOOKS];
	int n_webhooks;
	struct action_cfg actions[CFG_MAX_ACTIONS];
	int n_actions;
};

/* ---- loading --------------------------------------------------------- */

struct config_error {
	char *file; /* may differ from the top file (@include) */
	int line;   /* 0 when the problem has no line */
	char msg[240];
};

struct config_errors {
	struct config_error *v;
	size_t n;
	size_t cap;
};

/* Read and validate path.  Returns a config to free with config_free(), or
 * NULL with errs holding every problem found (errno ENOMEM if even that
 * failed).  errs must be zeroed or cleared by the caller. */
/* A duration as written in the config ("250ms", "5s", "1.5m", "2h",
 * "1d") into ms: for `pilotlight ctl` and the control API, which take
 * the same syntax.  Returns 0, or -1 on bad syntax or a value past
 * 10^15 ms. */
int config_parse_duration(const char *s, int64_t *ms);

struct pl_config *config_load(const char *path, struct config_errors *errs);

/* Accepts NULL. */
void config_free(struct pl_config *cfg);

/* Print each error as "FILE:LINE: message\n" ("FILE: message" without a
 * line). */
void config_errors_print(const struct config_errors *errs, FILE *out);

/* The first error, formatted as above into buf (for the LCD and log). */
void config_errors_first(const struct config_errors *errs, char *buf,
			 size_t len);

void config_errors_clear(struct config_errors *errs);

/* Names for enums, as written in the config. */
const char *check_type_name(enum check_type t);
const char *led_color_name(enum led_color c);
const char *led_pattern_name(enum led_pattern p);
const char *buzzer_pattern_name(enum buzzer_pattern p);
const char *metric_name(enum metric m);
const char *webhook_format_name(enum webhook_format f);

#endif
