/*
 * reaper.c - the daemon as the subreaper of everything its checks start.
 *
 * A plugin's own process group is not enough: setsid() leaves it, and a
 * double fork leaves the plugin's tree.  With PR_SET_CHILD_SUBREAPER the
 * kernel hands every orphan below the daemon to the daemon instead of to
 * init, so "every child that is not a running plugin" is exactly what the
 * checks left behind, and it can be killed and reaped by pid: a child's
 * pid cannot be recycled until its parent reaps it, so the kill never
 * hits a stranger.  Children are listed from /proc/PID/task/TID/children,
 * or, on a kernel built without it, by scanning every /proc/N/stat.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "reaper.h"

#define REAPER_MAX	  1024		   /* pids handled per pass */
#define REAPER_RETRY_NS	  (10 * NS_PER_MS) /* a killed child not yet gone */
#define REAPER_CLOSE_NS	  (2 * NS_PER_S)   /* shutdown waits at most */
#define REAPER_CLOSE_STEP (5 * NS_PER_MS)

struct reaper {
	struct loop *l;
	struct reaper_child *tracked;
	int64_t timer; /* retry, 0 none */
};

struct pids {
	pid_t v[REAPER_MAX];
	size_t n;
};

static void pids_add(struct pids *p, long pid)
{
	if (pid > 0 && p->n < REAPER_MAX)
		p->v[p->n++] = (pid_t)pid;
}

/* Space-separated pids from one children file; -1 if it cannot be read. */
static int read_children_file(const char *path, struct pids *out)
{
	char buf[4096], *s, *end;
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (s = buf;; s = end) {
		long pid = strtol(s, &end, 10);

		if (end == s)
			break;
		pids_add(out, pid);
	}
	return 0;
}

/* The children of parent from the children file of each of its threads;
 * -1 when the kernel has no such files. */
static int children_by_task(pid_t parent, struct pids *out)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)parent);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -1; /* parent gone: none */
	while ((d = readdir(dir)) && rc == 0) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
			 (int)parent, d->d_name);
		if (read_children_file(path, out) < 0 && errno == ENOENT)
			rc = -1;
	}
	closedir(dir);
	return rc;
}

/* Is /proc the proc of our own pid namespace?  Run from a new pid
 * namespace with the old /proc still mounted, a pid read there names
 * someone else here; then nothing is listed (and nothing killed). */
static bool proc_is_ours(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strtol(buf, NULL, 10) == (long)getpid();
}

/* Field n (1-based, as proc(5) numbers them; n >= 3) of /proc/PID/stat,
 * or -1: 4 is the parent pid, 22 the start time in clock ticks. */
static long long stat_field(const char *pid, int n)
{
	char path[64], buf[512], *p, *end, *save = NULL;
	long long v = -1;
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%.16s/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strrchr(buf, ')'); /* the name may hold spaces and parens */
	if (!p)
		return -1;
	p = strtok_r(p + 1, " ", &save); /* field 3, the state */
	for (int i = 3; i < n && p; i++)
		p = strtok_r(NULL, " ", &save);
	if (p) {
		errno = 0;
		v = strtoll(p, &end, 10);
		if (errno || end == p)
			v = -1;
	}
	return v;
}

static long long start_ticks(pid_t pid)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", (int)pid);
	return stat_field(s, 22);
}

static void children_of(pid_t parent, struct pids *out)
{
	struct dirent *d;
	DIR *dir;

	if (!proc_is_ours())
		return;
	if (children_by_task(parent, out) == 0)
		return;
	dir = opendir("/proc");
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9' &&
		    stat_field(d->d_name, 4) == parent)
			pids_add(out, strtol(d->d_name, NULL, 10));
	closedir(dir);
}

void reaper_kill_tree(pid_t root, int sig)
{
	struct pids *tree = malloc(sizeof(*tree));

	if (!tree) /* no memory: the sweeps get them once root is gone */
		return;
	tree->n = 0;
	children_of(root, tree);
	for (size_t i = 0; i < tree->n; i++)
		children_of(tree->v[i], tree);
	for (size_t i = 0; i < tree->n; i++)
		kill(tree->v[i], sig);
	free(tree);
}

static bool tracked(const struct reaper *r, pid_t pid)
{
	for (const struct reaper_child *c = r->tracked; c; c = c->next)
		if (c->pid == pid)
			return true;
	return false;
}

/* The start time of the oldest plugin still tracked, or -1. */
static long long oldest_plugin(const struct reaper *r)
{
	long long oldest = -1;

	for (const struct reaper_child *c = r->tracked; c; c = c->next) {
		long long t = start_ticks(c->pid);

		if (t >= 0 && (oldest < 0 || t < oldest))
			oldest = t;
	}
	return oldest;
}

/* One pass: reap every untracked child that is gone, SIGKILL the others.
 * Returns how many untracked children there were: a pass that found none
 * is the last (a reaped child's own children come to us before it can be
 * reaped, so they show up in the next pass). */
static size_t sweep_once(struct reaper *r)
{
	struct pids *kids = malloc(sizeof(*kids));
	long long oldest;
	size_t seen = 0;

	if (!kids)
		return 1; /* try again */
	kids->n = 0;
	oldest = oldest_plugin(r);
	children_of(getpid(), kids);
	for (size_t i = 0; i < kids->n; i++) {
		pid_t pid = kids->v[i];

		siginfo_t si = { .si_pid = 0 };

		if (tracked(r, pid))
			continue;
		/* Only a child of ours: waitid() refuses any other pid. */
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) <
		    0)
			continue;
		/* Started after a plugin that still runs: it may be that
		 * plugin's helper, detached but waited for.  It goes when
		 * the plugin ends or times out (the sweep then comes again). */
		if (si.si_pid == 0 && oldest >= 0 && start_ticks(pid) >= oldest)
			continue;
		seen++;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			continue; /* had exited: reaped */
		if (kill(pid, SIGKILL) == 0)
			log_info("killed process %d left behind by a check",
				 (int)pid);
		waitpid(pid, NULL, WNOHANG);
	}
	free(kids);
	return seen;
}

static int64_t on_retry(struct loop *l, void *arg)
{
	struct reaper *r = arg;

	(void)l;
	if (sweep_once(r) > 0)
		return REAPER_RETRY_NS;
	r->timer = 0;
	return LOOP_TIMER_DONE;
}

void reaper_sweep(struct reaper *r)
{
	if (!r || sweep_once(r) == 0 || r->timer > 0)
		return;
	r->timer = loop_add_timer(r->l, REAPER_RETRY_NS, on_retry, r);
	if (r->timer < 0)
		r->timer = 0; /* the next SIGCHLD or check end sweeps */
}

static void on_sigchld(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	reaper_sweep(arg);
}

struct reaper *reaper_open(struct loop *l)
{
	struct reaper *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->l = l;
	if (loop_add_signal(l, SIGCHLD, on_sigchld, r) < 0) {
		free(r);
		return NULL;
	}
	/* Without it (qemu-user refuses the prctl) a plugin's tree is still
	 * killed at its timeout, but what it detached and left behind when
	 * it ended goes to init: said once, not fatal. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		log_warn("cannot be the subreaper of exec checks (%s): a "
			 "process a check detaches may outlive it",
			 strerror(errno));
	return r;
}

void reaper_close(struct reaper *r)
{
	int64_t deadline = clock_now_ns() + REAPER_CLOSE_NS;
	struct timespec step = { 0, REAPER_CLOSE_STEP };
	size_t left;

	if (!r)
		return;
	if (r->timer > 0)
		loop_del_timer(r->l, r->timer);
	/* Each pass may orphan grandchildren to us: until none is left. */
	while ((left = sweep_once(r)) > 0 && clock_now_ns() < deadline)
		nanosleep(&step, NULL);
	if (left > 0)
		log_always(LOG_WARNING,
			   "%zu processes started by checks did not exit",
			   left);
	free(r);
}

void reaper_track(struct reaper *r, struct reaper_child *c, pid_t pid)
{
	if (!r)
		return;
	c->pid = pid;
	c->next = r->tracked;
	r->tracked = c;
}

void reaper_untrack(struct reaper *r, struct reaper_child *c)
{
	if (!r)
		return;
	for (struct reaper_child **pp = &r->tracked; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}
