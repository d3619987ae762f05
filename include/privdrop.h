/*
 * privdrop.h - run unprivileged once the privileged things are open.
 *
 * Lifecycle: service_open() opens the capture handles, ICMP sockets, GPIO
 * chip, I2C bus and listen socket → privdrop_apply() → service_run().
 *
 * Two ways to run, one result (uid/gid of the service user, its groups,
 * CapEff = CapPrm = CapBnd = CAP_NET_RAW, no ambient set, no_new_privs):
 *  - started as root (a shell, SysV init, a container): privdrop_apply()
 *    switches to daemon.user with initgroups/setgid/setuid and keeps only
 *    CAP_NET_RAW;
 *  - started unprivileged by systemd (User=pilotlight, AmbientCapabilities=
 *    CAP_NET_RAW): nothing to switch; it only trims what is left.
 * CAP_NET_RAW stays because a vanished capture interface is reopened at
 * run time and a reload may add ping/trace checks that open new ICMP
 * sockets; nothing else needs a capability after start.
 */
#ifndef PL_PRIVDROP_H
#define PL_PRIVDROP_H

/* Switch to user (daemon.user, or -u) if started as root, then trim
 * capabilities.  Returns -1 after logging why, e.g. "user 'NAME' does
 * not exist (create it or set daemon.user)"; the caller must then exit,
 * it may be half-way.  The user "root" (uid 0) keeps root and logs a
 * warning. */
int privdrop_apply(const char *user);

#endif
