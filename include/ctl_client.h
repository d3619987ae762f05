/*
 * ctl_client.h - `pilotlight ctl CMD [ARGS] [-c FILE | --socket PATH]`:
 * the client side of the control socket (control.h), in the same binary.
 *
 * It checks the request with the daemon's own parser, sends one line,
 * prints the reply and exits 0 (ok), 1 (refused, failed, or no daemon to
 * ask: the message says why) or 2 (usage).
 */
#ifndef PL_CTL_CLIENT_H
#define PL_CTL_CLIENT_H

/* argv[0] is "ctl".  Returns the exit status. */
int ctl_client_main(int argc, char **argv);

#endif
