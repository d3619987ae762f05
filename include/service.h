/*
 * service.h - the running daemon: the loop and everything plugged into it.
 *
 * Lifecycle: service_open() opens what may need privileges (the panel's
 * devices, later sockets and capture) → service_run() dispatches until
 * SIGTERM/SIGINT → service_close() turns the panel off and frees all.
 *
 * Signals are handled in the loop: SIGHUP reloads the config (swapped in
 * only when valid), SIGUSR1 logs the current state, SIGTERM/SIGINT stop.
 */
#ifndef PL_SERVICE_H
#define PL_SERVICE_H

#include "config.h"
#include "options.h"

struct service;

/* Takes ownership of cfg.  Returns NULL after logging why. */
struct service *service_open(struct pl_config *cfg, const struct options *opt);

/* Returns the process exit status: 0 after an orderly stop. */
int service_run(struct service *s);

/* Accepts NULL. */
void service_close(struct service *s);

#endif
