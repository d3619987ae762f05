/*
 * exec_probe.h - one run of a monitoring-plugins-compatible command.
 *
 * Lifecycle: exec_probe_start() spawns the check's argv in a process group
 * of its own → the loop reads its output and watches for its exit → done
 * is called once with the verdict, after the process has been reaped, and
 * the probe frees itself; or exec_probe_cancel() before that: no callback.
 *
 * Exit 0/1/2/3 is OK/WARNING/CRITICAL/UNKNOWN; any other exit, a signal,
 * a command that cannot be run and the timeout are UNKNOWN.  At the
 * check's timeout_ms the group, and every descendant that left it with
 * setsid(), get SIGTERM, and SIGKILL a second later.  Whatever is left of
 * them when the plugin has ended is SIGKILLed and reaped by the reaper.
 * stdin is /dev/null; stdout and stderr share one pipe, of which the first
 * EXEC_PROBE_OUT_MAX bytes are kept and the rest read and dropped.
 */
#ifndef PL_EXEC_PROBE_H
#define PL_EXEC_PROBE_H

#include "config.h"
#include "probe.h"

#define EXEC_PROBE_OUT_MAX 4096

struct loop;
struct exec_probe;
struct reaper;

/* Run c's u.exec.argv (argv[0] an absolute path), its pid tracked by
 * reaper (NULL: nothing cleans up after it).  c must stay valid until
 * done runs or the probe is cancelled.  Returns NULL with errno only if
 * nothing could be set up (bad arguments, no memory, no descriptors); a
 * command that cannot be executed is reported through done ("cannot run
 * ..."), from the loop, never from inside this call.
 *
 * Children are reaped through a pidfd, or by polling waitpid(WNOHANG) on
 * kernels without pidfd_open; the caller must not reap them itself (no
 * SIGCHLD set to SIG_IGN, no waitpid(-1)). */
struct exec_probe *exec_probe_start(struct loop *l, struct reaper *reaper,
				    const struct check_cfg *c,
				    probe_done_fn done, void *arg);

/* The same with envp as the command's environment instead of the
 * daemon's (NULL: the daemon's); envp is used only during the call. */
struct exec_probe *exec_probe_start_env(struct loop *l, struct reaper *reaper,
					const struct check_cfg *c,
					char *const *envp, probe_done_fn done,
					void *arg);

/* Kill the command, its group and its descendants (SIGKILL), reap it and
 * forget the probe: done is not called.  Accepts NULL; not for a probe
 * whose done has run. */
void exec_probe_cancel(struct exec_probe *p);

#endif
