/*
 * reaper.h - no process a check starts outlives its check or the daemon.
 *
 * Lifecycle: reaper_open() makes the daemon the child subreaper
 * (PR_SET_CHILD_SUBREAPER), so whatever a plugin leaves behind, setsid()
 * or double fork included, becomes the daemon's child when its parent
 * dies → each exec probe tracks its plugin's pid while it runs →
 * reaper_sweep() SIGKILLs and reaps every other child (SIGCHLD and the
 * end of every check run one) → reaper_close() at shutdown kills and
 * reaps every child left.
 *
 * A tracked plugin is its probe's to reap (through its pidfd); the
 * reaper never waits for it.  Every child of the daemon that is not a
 * running plugin was left behind by a check, since nothing else in the
 * daemon forks.
 */
#ifndef PL_REAPER_H
#define PL_REAPER_H

#include <sys/types.h>

struct loop;
struct reaper;

/* A running plugin, embedded in its probe. */
struct reaper_child {
	pid_t pid;
	struct reaper_child *next;
};

/* Returns NULL with errno on failure.  Close with reaper_close() before
 * freeing l: the SIGCHLD handler it adds to l stays there. */
struct reaper *reaper_open(struct loop *l);

/* SIGKILL and reap every child of the daemon that is not tracked (wait
 * at most about two seconds for them).  Accepts NULL. */
void reaper_close(struct reaper *r);

/* c->pid is a plugin its probe reaps: leave it alone until untracked.
 * Accept a NULL r (no reaper: nothing tracked). */
void reaper_track(struct reaper *r, struct reaper_child *c, pid_t pid);
void reaper_untrack(struct reaper *r, struct reaper_child *c);

/* Send sig to every descendant of root (not to root), found by walking
 * /proc: the processes that left root's process group with setsid() are
 * still its descendants while root lives. */
void reaper_kill_tree(pid_t root, int sig);

/* SIGKILL every untracked child and reap those already gone; retried
 * from the loop until all are reaped.  Accepts NULL. */
void reaper_sweep(struct reaper *r);

#endif
