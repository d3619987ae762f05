/*
 * options.c - parse the command line into struct options.
 *
 * The virtual panels (term, json) write to the terminal, so choosing one
 * implies -f; the hardware panel is the default and runs as a service.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

void options_usage(FILE *out)
{
	fprintf(out,
		"usage: pilotlight [-c FILE] [-f] [-t] [--panel=term|json|hw] "
		"[-V] [-h]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"  -f, --foreground    log to stderr instead of syslog\n"
		"  -t, --test          check the configuration and exit\n"
		"      --panel=NAME    term: LEDs and LCD drawn in the terminal;\n"
		"                      json: one JSON line per panel change;\n"
		"                      hw: GPIO LEDs, buzzer, button, I2C LCD "
		"(default)\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          print this help and exit\n",
		DEFAULT_CONFIG);
}

int options_parse(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "test", no_argument, NULL, 't' },
		{ "panel", required_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*opt = (struct options){
		.action = OPT_RUN,
		.config_path = DEFAULT_CONFIG,
		.panel = "hw",
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:ftVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt->config_path = optarg;
			break;
		case 'f':
			opt->foreground = true;
			break;
		case 't':
			opt->action = OPT_CHECK_CONFIG;
			break;
		case 'p':
			opt->panel = optarg;
			break;
		case 'V':
			opt->action = OPT_VERSION;
			break;
		case 'h':
			opt->action = OPT_HELP;
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
	if (strcmp(opt->panel, "hw") != 0)
		opt->foreground = true;
	return 0;
}
