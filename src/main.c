/*
 * main.c - pilotlight: network health on LEDs, a character LCD and a
 * buzzer.  Read this file as the table of contents: arguments, config,
 * open what needs privileges, drop them, run the loop, stop in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl_client.h"
#include "hwtools.h"
#include "log.h"
#include "options.h"
#include "privdrop.h"
#include "replay.h"
#include "service.h"

/* Load the config or print every error as FILE:LINE: message. */
static struct pl_config *load_config(const char *path)
{
	struct config_errors errs = { 0 };
	struct pl_config *cfg = config_load(path, &errs);

	if (!cfg) {
		config_errors_print(&errs, stderr);
		config_errors_clear(&errs);
	}
	return cfg;
}

/* --replay: the traffic pipeline over a capture file, a report on stdout.
 * The config is optional; it only supplies capture.local_networks. */
static int replay(const struct options *opt)
{
	struct pl_config *cfg = NULL;
	int status;

	if (opt->config_given) {
		cfg = load_config(opt->config_path);
		if (!cfg)
			return 1;
	}
	status = replay_run(opt->replay_path, cfg ? &cfg->capture : NULL,
			    opt->replay_max_hosts, stdout);
	config_free(cfg);
	return status;
}

/* --hw-test and --hw-scan, saying which configuration gave the pins.  A
 * scan needs none: without -c and the default file it scans the Pi's
 * usual bus and address. */
static int hw_tool(const struct options *opt)
{
	struct pl_config *cfg;
	int status;

	if (opt->action == OPT_HW_SCAN && !opt->config_given &&
	    access(opt->config_path, F_OK) != 0) {
		printf("no %s (%s): scanning I2C bus 1 for the LCD at 0x27; "
		       "-c FILE for your configuration's\n",
		       opt->config_path, strerror(errno));
		return hw_scan(NULL);
	}
	cfg = load_config(opt->config_path);
	if (!cfg)
		return 1;
	printf("configuration %s\n", opt->config_path);
	status = opt->action == OPT_HW_TEST ? hw_test(cfg) : hw_scan(cfg);
	config_free(cfg);
	return status;
}

int main(int argc, char **argv)
{
	struct options opt;
	struct pl_config *cfg;
	struct service *svc;
	int status;

	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return ctl_client_main(argc - 1, argv + 1);
	if (options_parse(argc, argv, &opt) < 0)
		return 2;
	switch (opt.action) {
	case OPT_HELP:
		options_usage(stdout);
		return 0;
	case OPT_VERSION:
		printf("pilotlight %s\n", PL_VERSION);
		return 0;
	case OPT_CHECK_CONFIG:
		cfg = load_config(opt.config_path);
		if (!cfg)
			return 1;
		printf("configuration OK\n");
		config_free(cfg);
		return 0;
	case OPT_REPLAY:
		return replay(&opt);
	case OPT_HW_TEST:
	case OPT_HW_SCAN:
		return hw_tool(&opt);
	case OPT_RUN:
		break;
	}

	cfg = load_config(opt.config_path);
	if (!cfg)
		return 1;
	log_open("pilotlight", cfg->logging.target, cfg->logging.level,
		 opt.foreground);
	svc = service_open(cfg, &opt);
	if (!svc)
		return 1;
	/* cfg belongs to svc now, and is not replaced before service_run. */
	if (privdrop_apply(opt.user ? opt.user : cfg->daemon.user) < 0)
		status = 1;
	else
		status = service_run(svc);
	service_close(svc);
	log_close();
	return status;
}
