/*
 * exec.c - the exec check: posix_spawn a plugin in its own process group,
 * read its output from a non-blocking pipe in the loop, reap it through a
 * pidfd (or a short waitpid(WNOHANG) poll where pidfd_open is missing),
 * kill the whole group at the deadline: SIGTERM, then SIGKILL a second on.
 * The plugin's descendants that left its group (setsid) are signalled
 * with it, and whatever it leaves behind when it ends is the reaper's
 * (reaper.h): the plugin's pid is tracked while it runs, and a sweep
 * follows its end.
 *
 * done runs only once the child is reaped, so no result ever leaves a
 * zombie behind.  The exit code is the plugin's verdict (monitoring-plugins).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "exec_probe.h"
#include "probe_util.h"
#include "loop.h"
#include "reaper.h"

#define EXEC_POLL_NS	      (20 * NS_PER_MS) /* waitpid poll without pidfd */
#define EXEC_KILL_GRACE_NS    NS_PER_S	       /* SIGTERM → SIGKILL */
#define EXEC_READS_PER_WAKEUP 16	       /* bounds time spent per event */

struct exec_probe {
	struct loop *l;
	struct reaper *reaper;
	struct reaper_child tracked; /* while pid > 0 */
	const struct check_cfg *c;
	probe_done_fn done; /* NULL once cancelled */
	void *arg;
	pid_t pid;	    /* 0 once reaped or never started */
	int pidfd;	    /* -1 when polling or done */
	int out_fd;	    /* pipe read end, -1 once closed */
	int64_t timer;	    /* deadline / kill / delivery; 0 none */
	int64_t poll_timer; /* waitpid poll; 0 none */
	int64_t start_ns;
	int64_t run_ns; /* spawn to reap */
	bool timed_out;
	int spawn_err;	   /* posix_spawn failed with this */
	char *const *envp; /* during the start call only */
	int status;	   /* from waitpid */
	size_t n_out;
	char out[EXEC_PROBE_OUT_MAX];
	struct probe_result r;
};

static void exec_close_out(struct exec_probe *p)
{
	if (p->out_fd < 0)
		return;
	loop_del_fd(p->l, p->out_fd);
	close(p->out_fd);
	p->out_fd = -1;
}

/* Drop everything but the child itself (pid, pidfd, poll). */
static void exec_release_io(struct exec_probe *p)
{
	exec_close_out(p);
	if (p->timer > 0)
		loop_del_timer(p->l, p->timer);
	p->timer = 0;
}

static void exec_release(struct exec_probe *p)
{
	exec_release_io(p);
	if (p->pidfd >= 0) {
		loop_del_fd(p->l, p->pidfd);
		close(p->pidfd);
		p->pidfd = -1;
	}
	if (p->poll_timer > 0)
		loop_del_timer(p->l, p->poll_timer);
	p->poll_timer = 0;
}

/* Signal the child's descendants (while it lives they are found as
 * such, setsid or not), its group, and the child should it have left it. */
static void exec_kill(struct exec_probe *p, int sig)
{
	if (p->pid <= 0)
		return;
	reaper_kill_tree(p->pid, sig);
	kill(-p->pid, sig);
	kill(p->pid, sig);
}

/* The child has been reaped: what it left behind goes too. */
static void exec_reaped(struct exec_probe *p)
{
	p->pid = 0;
	reaper_untrack(p->reaper, &p->tracked);
	reaper_sweep(p->reaper);
}

/* Read what the pipe has, up to max_reads reads; keep the first
 * EXEC_PROBE_OUT_MAX bytes and drop the rest. */
static void exec_read(struct exec_probe *p, int max_reads)
{
	char scratch[4096];

	for (int i = 0; i < max_reads && p->out_fd >= 0; i++) {
		bool keep = p->n_out < sizeof(p->out);
		char *dst = keep ? p->out + p->n_out : scratch;
		size_t room =
			keep ? sizeof(p->out) - p->n_out : sizeof(scratch);
		ssize_t n = read(p->out_fd, dst, room);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			exec_close_out(p); /* EOF or a broken pipe */
			return;
		}
		if (keep)
			p->n_out += (size_t)n;
	}
}

static void exec_on_out(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	exec_read(arg, EXEC_READS_PER_WAKEUP);
}

/* The first line as output, the part before '|' (trimmed) as reason. */
static void exec_output_line(struct exec_probe *p)
{
	char *bar;
	size_t n;

	probe_copy_line(p->r.output, sizeof(p->r.output), p->out, p->n_out);
	n = probe_copy_line(p->r.reason, sizeof(p->r.reason), p->out, p->n_out);
	bar = strchr(p->r.reason, '|');
	if (bar)
		n = (size_t)(bar - p->r.reason);
	while (n > 0 && p->r.reason[n - 1] == ' ')
		n--;
	p->r.reason[n] = '\0';
}

/* Turn what happened into the result. */
static void exec_judge(struct exec_probe *p)
{
	struct probe_result *r = &p->r;
	int code = WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1;

	r->has_state = true;
	r->state = STATE_UNKNOWN;
	if (p->spawn_err) {
		snprintf(r->output, sizeof(r->output), "cannot run %s: %s",
			 p->c->u.exec.argv[0], strerror(p->spawn_err));
		snprintf(r->reason, sizeof(r->reason), "cannot run %s: %s",
			 p->c->u.exec.argv[0], strerror(p->spawn_err));
		return;
	}
	r->value[METRIC_RESPONSE_TIME] = (double)p->run_ns / NS_PER_MS;
	if (!p->timed_out && WIFEXITED(p->status))
		r->exit_code = code;
	exec_output_line(p);
	/* A timeout is UNKNOWN, not CRITICAL: the plugin never gave its
	 * verdict, so nothing is known about the service itself. */
	if (p->timed_out) {
		snprintf(r->reason, sizeof(r->reason), "timeout after %lld ms",
			 (long long)p->c->timeout_ms);
	} else if (WIFSIGNALED(p->status)) {
		snprintf(r->reason, sizeof(r->reason), "killed by signal %d",
			 WTERMSIG(p->status));
	} else if (code < STATE_OK || code > STATE_UNKNOWN) {
		snprintf(r->reason, sizeof(r->reason), "exit status %d", code);
	} else {
		r->state = (enum pl_state)code;
		r->ok = code == STATE_OK;
		if (r->reason[0] == '\0')
			snprintf(r->reason, sizeof(r->reason),
				 "exit status %d, no output", code);
	}
}

static void exec_finish(struct exec_probe *p)
{
	exec_release(p);
	if (p->done) {
		exec_judge(p);
		p->done(p->arg, &p->r);
	}
	free(p);
}

/* Reap the child if it has exited; then take the output it left in the
 * pipe (bounded: a grandchild may hold the pipe open) and finish. */
static void exec_try_reap(struct exec_probe *p)
{
	siginfo_t si = { .si_pid = 0 };
	pid_t w;

	/* Look first, reap after: a timed-out leader may leave stragglers
	 * in its group, and while it is an unreaped zombie its pid, the
	 * group's id, cannot be recycled, so killing the group is safe. */
	if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		si.si_pid = p->pid; /* let waitpid tell */
	if (si.si_pid == 0)
		return;
	if (p->timed_out)
		kill(-p->pid, SIGKILL);
	do
		w = waitpid(p->pid, &p->status, WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w == 0)
		return;
	if (w < 0) /* ECHILD: reaped elsewhere (SIGCHLD ignored?) */
		p->status = 0xff << 8;
	p->run_ns = clock_now_ns() - p->start_ns;
	exec_reaped(p);
	if (p->done)
		exec_read(p, 256);
	exec_finish(p);
}

static void exec_on_pidfd(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	exec_try_reap(arg);
}

static int64_t exec_on_poll(struct loop *l, void *arg)
{
	struct exec_probe *p = arg;

	(void)l;
	exec_try_reap(p);
	/* Still here means not yet reaped (p is freed otherwise). */
	return EXEC_POLL_NS;
}

/* Deadline: SIGTERM to the group, then SIGKILL after the grace period.
 * Also delivers a spawn failure on the loop's first round. */
static int64_t exec_on_timer(struct loop *l, void *arg)
{
	struct exec_probe *p = arg;

	(void)l;
	if (p->spawn_err) {
		p->timer = 0;
		exec_finish(p);
		return LOOP_TIMER_DONE;
	}
	if (!p->timed_out) {
		p->timed_out = true;
		exec_kill(p, SIGTERM);
		return EXEC_KILL_GRACE_NS;
	}
	p->timer = 0;
	exec_kill(p, SIGKILL);
	return LOOP_TIMER_DONE;
}

/* posix_spawn argv with stdin /dev/null and stdout+stderr to wr, in a new
 * process group, with default signal handling and nothing blocked (the
 * loop blocks the signals it reads from a signalfd). */
static int exec_spawn(struct exec_probe *p, int devnull, int wr)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return ENOMEM;
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return ENOMEM;
	}
	posix_spawn_file_actions_adddup2(&fa, devnull, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, wr, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, wr, STDERR_FILENO);
#ifdef __GLIBC__
#if __GLIBC_PREREQ(2, 34)
	/* Belt and braces: a descriptor someone opened without O_CLOEXEC
	 * must not leak into a plugin (and keep a socket alive). */
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif
#endif
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
						POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	p->start_ns = clock_now_ns();
	rc = posix_spawn(&p->pid, p->c->u.exec.argv[0], &fa, &attr,
			 p->c->u.exec.argv, p->envp ? p->envp : environ);
	if (rc != 0)
		p->pid = 0;
	else
		reaper_track(p->reaper, &p->tracked, p->pid);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Watch the child's exit: a pidfd if the kernel has one, else a poll. */
static int exec_watch(struct exec_probe *p)
{
	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->pidfd >= 0) {
		if (loop_add_fd(p->l, p->pidfd, EPOLLIN, exec_on_pidfd, p) == 0)
			return 0;
		close(p->pidfd);
		p->pidfd = -1;
	}
	p->poll_timer = loop_add_timer(p->l, EXEC_POLL_NS, exec_on_poll, p);
	return p->poll_timer > 0 ? 0 : -1;
}

/* Spawn and hook the child into the loop.  Returns 0 (running, or a spawn
 * failure waiting for delivery) or -1/errno with nothing left running. */
static int exec_launch(struct exec_probe *p)
{
	int pfd[2], devnull, rc;

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		return -1;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		goto err_null;
	/* Only our end is non-blocking: the plugin writes as usual. */
	p->out_fd = pfd[0];
	if (fcntl(p->out_fd, F_SETFL, O_NONBLOCK) < 0)
		goto err_pipe;
	rc = exec_spawn(p, devnull, pfd[1]);
	close(pfd[1]);
	close(devnull);
	if (rc != 0) {
		p->spawn_err = rc;
		p->timer = loop_add_timer(p->l, 0, exec_on_timer, p);
		return p->timer > 0 ? 0 : -1;
	}
	p->timer = loop_add_timer(p->l, p->c->timeout_ms * NS_PER_MS,
				  exec_on_timer, p);
	if (p->timer < 0 || exec_watch(p) < 0 ||
	    loop_add_fd(p->l, p->out_fd, EPOLLIN, exec_on_out, p) < 0)
		return -1;
	return 0;

err_pipe:
	close(pfd[1]);
err_null:
	close(devnull);
	return -1;
}

struct exec_probe *exec_probe_start(struct loop *l, struct reaper *reaper,
				    const struct check_cfg *c,
				    probe_done_fn done, void *arg)
{
	return exec_probe_start_env(l, reaper, c, NULL, done, arg);
}

struct exec_probe *exec_probe_start_env(struct loop *l, struct reaper *reaper,
					const struct check_cfg *c,
					char *const *envp, probe_done_fn done,
					void *arg)
{
	struct exec_probe *p;
	int err;

	if (!l || !c || !done || c->timeout_ms <= 0 || c->u.exec.argc < 1 ||
	    !c->u.exec.argv[0]) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	*p = (struct exec_probe){ .l = l,
				  .reaper = reaper,
				  .c = c,
				  .done = done,
				  .arg = arg,
				  .pidfd = -1,
				  .out_fd = -1,
				  .envp = envp };
	probe_result_init(&p->r);
	if (exec_launch(p) == 0) {
		p->envp = NULL;
		return p;
	}
	err = errno;
	exec_release(p);
	if (p->pid > 0) {
		/* Set-up failed after the spawn: the child must not outlive
		 * the probe.  SIGKILL is prompt; this wait is short. */
		exec_kill(p, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		exec_reaped(p);
	}
	free(p);
	errno = err;
	return NULL;
}

void exec_probe_cancel(struct exec_probe *p)
{
	if (!p)
		return;
	p->done = NULL;
	if (p->pid <= 0) { /* nothing running: a spawn failure */
		exec_release(p);
		free(p);
		return;
	}
	/* Cancelling happens at reload and shutdown, when the loop may not
	 * run again to reap it: kill and reap now.  A SIGKILLed process is
	 * gone in microseconds, so this wait is short. */
	exec_kill(p, SIGKILL);
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
	exec_reaped(p);
	exec_release(p);
	free(p);
}
