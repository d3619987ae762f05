/*
 * options.c - parse the command line into struct options.
 *
 * The virtual panels (term, json) write to the terminal, so choosing one
 * implies -f; the hardware panel is the default and runs as a service.
 * --replay reads a capture file instead of running the daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

enum {
	LONG_REPLAY = 256,
	LONG_REPORT,
	LONG_MAX_HOSTS,
	LONG_HW_TEST,
	LONG_HW_SCAN,
};

void options_usage(FILE *out)
{
	fprintf(out,
		"usage: pilotlight [-c FILE] [-f] [-t] [-u USER] "
		"[--panel=term|json|hw] [-V] [-h]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"  -f, --foreground    log to stderr instead of syslog\n"
		"  -t, --test          check the configuration and exit\n"
		"  -u, --user USER     run as USER once the devices are open "
		"(default:\n"
		"                      daemon.user; root keeps root)\n"
		"      --panel=NAME    term: LEDs and LCD drawn in the "
		"terminal;\n"
		"                      json: one JSON line per panel change;\n"
		"                      hw: GPIO LEDs, buzzer, button, I2C LCD "
		"(default)\n"
		"      --hw-test       lamp test, a short beep and an LCD test "
		"page, then exit\n"
		"      --hw-scan       list GPIO chips and the I2C addresses "
		"that "
		"answer\n"
		"                      on the configured bus (bus 1 without "
		"a\n"
		"                      configuration file), then exit\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          print this help and exit\n"
		"      --replay FILE   count the traffic in a pcap file, print "
		"a report\n"
		"                      and exit (local networks from -c FILE "
		"if given)\n"
		"      --report json   the report's format (json, the "
		"default)\n"
		"      --max-hosts N   hosts table bound for --replay "
		"(default 1048576)\n"
		"usage: pilotlight ctl [-c FILE | --socket PATH] status | ack "
		"| mute DURATION |\n"
		"                      maintenance DURATION | end-maintenance "
		"| reload\n",
		DEFAULT_CONFIG);
}

/* The --replay family.  Returns 0, or -1 after printing why. */
static int parse_replay_option(int c, const char *arg, struct options *opt)
{
	char *end;
	unsigned long long n;

	switch (c) {
	case LONG_REPLAY:
		opt->action = OPT_REPLAY;
		opt->replay_path = arg;
		return 0;
	case LONG_REPORT:
		if (strcmp(arg, "json") != 0) {
			fprintf(stderr, "pilotlight: --report must be json\n");
			return -1;
		}
		opt->report = REPORT_JSON;
		return 0;
	default:
		errno = 0;
		n = strtoull(arg, &end, 10);
		if (!*arg || *end || errno || n < 1 || n > (1ULL << 28) ||
		    arg[0] == '-') {
			fprintf(stderr, "pilotlight: --max-hosts must be "
					"1..268435456\n");
			return -1;
		}
		opt->replay_max_hosts = (size_t)n;
		return 0;
	}
}

/* Options that only mean something with --replay. */
static int check_replay(const struct options *opt, bool replay_only)
{
	if (replay_only && opt->action != OPT_REPLAY) {
		fprintf(stderr,
			"pilotlight: --report and --max-hosts need --replay\n");
		return -1;
	}
	return 0;
}

int options_parse(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "test", no_argument, NULL, 't' },
		{ "panel", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "replay", required_argument, NULL, LONG_REPLAY },
		{ "report", required_argument, NULL, LONG_REPORT },
		{ "max-hosts", required_argument, NULL, LONG_MAX_HOSTS },
		{ "hw-test", no_argument, NULL, LONG_HW_TEST },
		{ "hw-scan", no_argument, NULL, LONG_HW_SCAN },
		{ NULL, 0, NULL, 0 },
	};
	bool replay_only = false;
	int c;

	*opt = (struct options){
		.action = OPT_RUN,
		.config_path = DEFAULT_CONFIG,
		.panel = "hw",
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:ftu:Vh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			opt->config_path = optarg;
			opt->config_given = true;
			break;
		case 'f':
			opt->foreground = true;
			break;
		case 't':
			opt->action = OPT_CHECK_CONFIG;
			break;
		case 'p':
			if (strcmp(optarg, "term") != 0 &&
			    strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "hw") != 0) {
				fprintf(stderr,
					"pilotlight: unknown panel '%s' "
					"(term, json or hw)\n",
					optarg);
				return -1;
			}
			opt->panel = optarg;
			break;
		case 'u':
			opt->user = optarg;
			break;
		case 'V':
			opt->action = OPT_VERSION;
			break;
		case 'h':
			opt->action = OPT_HELP;
			break;
		case LONG_HW_TEST:
			opt->action = OPT_HW_TEST;
			break;
		case LONG_HW_SCAN:
			opt->action = OPT_HW_SCAN;
			break;
		case LONG_REPLAY:
		case LONG_REPORT:
		case LONG_MAX_HOSTS:
			replay_only |= c != LONG_REPLAY;
			if (parse_replay_option(c, optarg, opt) < 0)
				return -1;
			break;
		default:
			options_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pilotlight: unexpected argument '%s'\n",
			argv[optind]);
		options_usage(stderr);
		return -1;
	}
	if (check_replay(opt, replay_only) < 0)
		return -1;
	if (strcmp(opt->panel, "hw") != 0)
		opt->foreground = true;
	return 0;
}
