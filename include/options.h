/*
 * options.h - the command line.
 *
 *   pilotlight [-c FILE] [-f] [-t] [--panel=term|json|hw] [-V] [-h]
 */
#ifndef PL_OPTIONS_H
#define PL_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#define DEFAULT_CONFIG PL_SYSCONFDIR "/pilotlight/pilotlight.cfg"

enum options_action {
	OPT_RUN,
	OPT_CHECK_CONFIG,  /* -t */
	OPT_VERSION,	   /* -V */
	OPT_HELP,	   /* -h */
};

struct options {
	enum options_action action;
	const char *config_path;
	bool foreground;
	const char *panel;	/* backend name */
};

/* Parse argv.  Returns 0, or -1 after printing a usage error to stderr. */
int options_parse(int argc, char **argv, struct options *opt);

void options_usage(FILE *out);

#endif
