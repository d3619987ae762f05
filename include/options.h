/*
 * options.h - the command line.
 *
 *   pilotlight [-c FILE] [-f] [-t] [-u USER] [--panel=term|json|hw] [-V] [-h]
 *   pilotlight --replay FILE.pcap [--report json] [--max-hosts N] [-c FILE]
 *   pilotlight --hw-test | --hw-scan [-c FILE]
 *   pilotlight ctl ... (ctl_client.h; main() hands it over before this)
 */
#ifndef PL_OPTIONS_H
#define PL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define DEFAULT_CONFIG PL_SYSCONFDIR "/pilotlight/pilotlight.cfg"

enum options_action {
	OPT_RUN,
	OPT_CHECK_CONFIG, /* -t */
	OPT_VERSION,	  /* -V */
	OPT_HELP,	  /* -h */
	OPT_REPLAY,	  /* --replay FILE: report on a capture file */
	OPT_HW_TEST,	  /* --hw-test: lamp test, beep, LCD test page */
	OPT_HW_SCAN,	  /* --hw-scan: GPIO chips, I2C addresses */
};

enum options_report {
	REPORT_JSON, /* the only format so far */
};

struct options {
	enum options_action action;
	const char *config_path;
	bool config_given; /* -c was on the command line */
	bool foreground;
	const char *panel; /* backend name */
	const char *user;  /* -u: overrides daemon.user; NULL if not given */
	const char *replay_path; /* OPT_REPLAY */
	enum options_report report;
	size_t replay_max_hosts; /* 0: replay's default */
};

/* Parse argv.  Returns 0, or -1 after printing a usage error to stderr. */
int options_parse(int argc, char **argv, struct options *opt);

void options_usage(FILE *out);

#endif
