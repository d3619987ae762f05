/*
 * test_exec_probe.c - the exec check running small shell scripts written
 * to a temporary directory: exit codes to states, the first output line
 * as reason and output, timeouts that kill the whole process group (and
 * leave no process or zombie behind), children that left it with setsid()
 * killed at the timeout, at the plugin's end and at shutdown (the reaper),
 * bounded output, commands that cannot
 * run, the waitpid poll used when pidfd_open is refused, and Debian's
 * check_dummy when monitoring-plugins-basic is installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "exec_probe.h"
#include "loop_fixture.h"
#include "reaper.h"

#define CHECK_DUMMY "/usr/lib/nagios/plugins/check_dummy"

static struct probe_run run;
static struct reaper *reaper;
static char dir[64]; /* the test's scripts and pid files */

/* Write an executable script dir/name; returns its path (static). */
static const char *script(const char *name, const char *body)
{
	static char path[2][128];
	static int which;
	char *p = path[which++ % 2];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(p, 0755), 0);
	return p;
}

static pid_t read_pid(const char *name)
{
	char path[128];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

/* A process this test spawned indirectly is gone: not running, and if it
 * was orphaned to us (we are a subreaper) it died of SIGKILL/SIGTERM. */
static void assert_gone(pid_t pid)
{
	int st;

	for (int i = 0; i < 200; i++) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid) {
			assert_true(WIFSIGNALED(st));
			return;
		}
		if (w < 0 && kill(pid, 0) < 0 && errno == ESRCH)
			return;
		usleep(10000);
	}
	fail_msg("process %d is still there", (int)pid);
}

static struct check_cfg exec_cfg(int64_t timeout_ms, const char *a0,
				 const char *a1, const char *a2)
{
	struct check_cfg c;
	const char *args[3] = { a0, a1, a2 };

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "exec");
	c.type = CHECK_EXEC;
	c.interval_ms = 60000;
	c.timeout_ms = timeout_ms;
	for (int i = 0; i < 3 && args[i]; i++) {
		c.u.exec.argv[i] = (char *)(uintptr_t)args[i];
		c.u.exec.argc = i + 1;
	}
	return c;
}

/* Run one probe to completion (guard: timeout + 5 s); elapsed ms. */
static double run_probe(const struct check_cfg *c)
{
	struct exec_probe *p;

	probe_run_begin(&run);
	p = exec_probe_start(run.l, reaper, c, probe_run_done, &run);
	assert_non_null(p);
	return probe_run_finish(&run, c->timeout_ms + 5000);
}

static void exit_codes_are_states(void **state)
{
	static const char *const words[] = { "DISK OK", "DISK WARNING",
					     "DISK CRITICAL", "DISK UNKNOWN" };
	const char *s = script("disk", "echo \"$1 - free 50% | /=50%;80;90\"\n"
				       "echo 'second line'\n"
				       "exit $2");
	char code[4], out[128];

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct check_cfg c;

		snprintf(code, sizeof(code), "%d", i);
		c = exec_cfg(5000, s, words[i], code);
		run_probe(&c);
		assert_true(run.r.has_state);
		assert_int_equal(run.r.state, i);
		assert_int_equal(run.r.ok, i == 0);
		snprintf(out, sizeof(out), "%s - free 50%%", words[i]);
		assert_string_equal(run.r.reason, out);
		snprintf(out, sizeof(out), "%s - free 50%% | /=50%%;80;90",
			 words[i]);
		assert_string_equal(run.r.output, out);
		assert_true(run.r.value[METRIC_RESPONSE_TIME] >= 0.0);
		assert_true(run.r.value[METRIC_RESPONSE_TIME] < 5000.0);
	}
}

static void stderr_counts_and_stdin_is_empty(void **state)
{
	const char *s =
		script("stderr", "cat\necho 'PROC CRITICAL: 0 sshd' >&2\n"
				 "exit 2");
	struct check_cfg c = exec_cfg(5000, s, NULL, NULL);

	(void)state;
	run_probe(&c); /* cat returns at once: stdin is /dev/null */
	assert_int_equal(run.r.state, STATE_CRITICAL);
	assert_string_equal(run.r.reason, "PROC CRITICAL: 0 sshd");
}

/* A descriptor opened without O_CLOEXEC stays out of the plugin. */
static void no_descriptor_leaks_into_the_plugin(void **state)
{
	const char *s = script("fds", "if [ -e \"/dev/fd/$1\" ]; then\n"
				      "  echo \"LEAK - fd $1 open\"; exit 2\n"
				      "fi\n"
				      "echo 'FDS OK'");
	int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
	char num[16];
	struct check_cfg c;

	(void)state;
	assert_true(fd > STDERR_FILENO);
	snprintf(num, sizeof(num), "%d", fd);
	c = exec_cfg(5000, s, num, NULL);
	run_probe(&c);
	close(fd);
	assert_string_equal(run.r.reason, "FDS OK");
}

static void other_exits_are_unknown(void **state)
{
	const char *s = script("odd", "exit 42");
	const char *q = script("quiet", "exit 0");
	struct check_cfg c = exec_cfg(5000, s, NULL, NULL);

	(void)state;
	run_probe(&c);
	assert_int_equal(run.r.state, STATE_UNKNOWN);
	assert_false(run.r.ok);
	assert_string_equal(run.r.reason, "exit status 42");

	c = exec_cfg(5000, q, NULL, NULL);
	run_probe(&c);
	assert_int_equal(run.r.state, STATE_OK);
	assert_true(run.r.ok);
	assert_string_equal(run.r.reason, "exit status 0, no output");
}

/* Also shows the child gets default signal handling although this
 * process ignores SIGPIPE (as the daemon does). */
static void signals_are_unknown(void **state)
{
	const char *s = script("sig9", "echo 'about to go'\nkill -9 $$");
	const char *pipe = script("sigpipe", "kill -PIPE $$\necho survived");
	struct check_cfg c = exec_cfg(5000, s, NULL, NULL);

	(void)state;
	run_probe(&c);
	assert_int_equal(run.r.state, STATE_UNKNOWN);
	assert_string_equal(run.r.reason, "killed by signal 9");
	assert_string_equal(run.r.output, "about to go");

	c = exec_cfg(5000, pipe, NULL, NULL);
	run_probe(&c);
	assert_string_equal(run.r.reason, "killed by signal 13");
}

/* SIGTERM ends it although SIGTERM is blocked here (the loop blocks the
 * signals it reads through a signalfd; children must not inherit that). */
static void timeout_kills_the_process(void **state)
{
	const char *s = script("hang", "echo \"$$\" >\"$0.pid\"\n"
				       "echo 'still thinking'\n"
				       "exec sleep 100");
	struct check_cfg c = exec_cfg(300, s, NULL, NULL);
	double ms;
	pid_t pid;

	(void)state;
	ms = run_probe(&c);
	assert_true(run.r.has_state);
	assert_int_equal(run.r.state, STATE_UNKNOWN);
	assert_false(run.r.ok);
	assert_string_equal(run.r.reason, "timeout after 300 ms");
	assert_string_equal(run.r.output, "still thinking");
	assert_true(ms >= 299.0); /* not before the timeout */
	pid = read_pid("hang.pid");
	/* Reaped by the probe: not even a zombie is left. */
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

/* A script and its child that both ignore SIGTERM get SIGKILL 1 s on. */
static void sigterm_ignored_gets_sigkill(void **state)
{
	const char *s = script("stubborn", "trap '' TERM\n"
					   "echo \"$$\" >\"$0.pid\"\n"
					   "sleep 100 &\n"
					   "echo \"$!\" >\"$0.child\"\n"
					   "wait");
	struct check_cfg c = exec_cfg(300, s, NULL, NULL);
	double ms;

	(void)state;
	ms = run_probe(&c);
	assert_string_equal(run.r.reason, "timeout after 300 ms");
	assert_true(ms >= 1250.0); /* the grace was given */
	assert_int_equal(kill(read_pid("stubborn.pid"), 0), -1);
	assert_gone(read_pid("stubborn.child"));
}

/* The script dies of SIGTERM but leaves a child that ignores it: the
 * group is killed when the leader goes, without waiting for the grace. */
static void timeout_kills_stragglers(void **state)
{
	const char *s = script("straggler", "(trap '' TERM; exec sleep 100) &\n"
					    "echo \"$!\" >\"$0.child\"\n"
					    "wait");
	struct check_cfg c = exec_cfg(300, s, NULL, NULL);
	double ms;

	(void)state;
	ms = run_probe(&c);
	assert_string_equal(run.r.reason, "timeout after 300 ms");
	/* Before the 1 s grace would have ended with SIGKILL: the only way
	 * to tell "when the leader went" from "after the grace". */
	assert_true(ms < 1300.0);
	assert_gone(read_pid("straggler.child"));
}

/* Detached children: setsid'd in the background, and setsid'd from a
 * subshell that exits at once (a double fork: orphaned while the plugin
 * still runs).  Each writes its own pid (setsid(1) may fork). */
/* Orphans come to this process only where the kernel lets it be a
 * subreaper: qemu-user refuses the prctl (the daemon then says so and
 * goes on), so the tests of what a plugin detaches skip there. */
static bool subreaper_ok; /* setup() could make us the subreaper */

static void need_subreaper(void)
{
	int on = 0;

	if (!subreaper_ok || prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0) < 0 ||
	    on != 1)
		skip();
}

#define DETACH                                                                 \
	"setsid sh -c 'echo $$ >\"$1\"; exec sleep 1000' sh \"$0.a\" &\n"      \
	"(setsid sh -c 'echo $$ >\"$1\"; exec sleep 1000' sh \"$0.b\" &)\n"    \
	"while [ ! -s \"$0.a\" ] || [ ! -s \"$0.b\" ]; do sleep 0.02; done\n"

static void setsid_children_die_at_the_timeout(void **state)
{
	const char *s = script("detach_hang", DETACH "exec sleep 100");
	struct check_cfg c = exec_cfg(1000, s, NULL, NULL);

	need_subreaper();
	(void)state;
	run_probe(&c);
	assert_int_equal(run.r.state, STATE_UNKNOWN);
	assert_string_equal(run.r.reason, "timeout after 1000 ms");
	assert_gone(read_pid("detach_hang.a"));
	assert_gone(read_pid("detach_hang.b"));
}

static void setsid_children_die_when_the_plugin_ends(void **state)
{
	const char *s = script("detach_ok", DETACH "echo 'DETACH OK'");
	struct check_cfg c = exec_cfg(20000, s, NULL, NULL);

	need_subreaper();
	(void)state;
	run_probe(&c);
	assert_int_equal(run.r.state, STATE_OK);
	assert_string_equal(run.r.reason, "DETACH OK");
	assert_gone(read_pid("detach_ok.a"));
	assert_gone(read_pid("detach_ok.b"));
}

static void megabytes_of_output_are_bounded(void **state)
{
	const char *s = script("chatty", "yes | head -c 20000000\nexit 1");
	const char *w = script("wide", "head -c 10000 /dev/zero | tr '\\0' x\n"
				       "echo\nexit 0");
	struct check_cfg c = exec_cfg(20000, s, NULL, NULL);

	(void)state;
	run_probe(&c);
	assert_int_equal(run.r.state, STATE_WARNING);
	assert_string_equal(run.r.reason, "y"); /* finished, not timed out */

	/* One 10000-byte line: cut to fit, never overflowing. */
	c = exec_cfg(5000, w, NULL, NULL);
	run_probe(&c);
	assert_int_equal(run.r.state, STATE_OK);
	assert_int_equal(strlen(run.r.reason), STATUS_REASON_MAX - 1);
	assert_int_equal(strlen(run.r.output), PROBE_OUTPUT_MAX - 1);
	assert_int_equal(strspn(run.r.output, "x"), PROBE_OUTPUT_MAX - 1);
}

static void command_that_cannot_run(void **state)
{
	char path[128];
	struct check_cfg c =
		exec_cfg(5000, "/nonexistent/check_foo", NULL, NULL);
	FILE *f;

	(void)state;
	if (getenv("PL_QEMU")) {
		/* qemu-user runs posix_spawn's CLONE_VM|CLONE_VFORK child as
		 * a plain fork, so the exec error never reaches the parent
		 * (the plugin "exits 127").  A real Pi reports it. */
		print_message("skipped: exec errors are not reported under "
			      "qemu-user (make test-cross)\n");
		skip();
	}
	run_probe(&c);
	assert_true(run.r.has_state);
	assert_int_equal(run.r.state, STATE_UNKNOWN);
	assert_false(run.r.ok);
	assert_string_equal(run.r.reason, "cannot run /nonexistent/check_foo: "
					  "No such file or directory");

	/* Not executable: refused even to root. */
	snprintf(path, sizeof(path), "%s/noexec", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	c = exec_cfg(5000, path, NULL, NULL);
	run_probe(&c);
	assert_int_equal(run.r.state, STATE_UNKNOWN);
	assert_non_null(strstr(run.r.output, "Permission denied"));
}

static void monitoring_plugins_check_dummy(void **state)
{
	struct check_cfg c = exec_cfg(5000, CHECK_DUMMY, "1", "hello");

	(void)state;
	if (access(CHECK_DUMMY, X_OK) != 0)
		skip(); /* Debian: monitoring-plugins-basic */
	run_probe(&c);
	assert_int_equal(run.r.state, STATE_WARNING);
	assert_false(run.r.ok);
	assert_string_equal(run.r.reason, "WARNING: hello");
}

static int64_t cancel_probe(struct loop *l, void *arg)
{
	(void)l;
	exec_probe_cancel(arg);
	return LOOP_TIMER_DONE;
}

/* Cancelled: no callback, and the process is still killed and reaped. */
static void cancel_kills_and_reaps(void **state)
{
	const char *s = script("cancelled", "echo \"$$\" >\"$0.pid\"\n"
					    "exec sleep 100");
	struct check_cfg c = exec_cfg(5000, s, NULL, NULL);
	struct check_cfg bad = exec_cfg(5000, "/nonexistent/x", NULL, NULL);
	struct exec_probe *p;
	pid_t pid;

	(void)state;
	run.calls = 0;
	p = exec_probe_start(run.l, reaper, &c, probe_run_done, &run);
	assert_non_null(p);
	exec_probe_cancel(
		exec_probe_start(run.l, reaper, &bad, probe_run_done, &run));
	exec_probe_cancel(NULL);
	loop_add_timer(run.l, 200 * NS_PER_MS, cancel_probe, p);
	loop_add_timer(run.l, 500 * NS_PER_MS, probe_run_on_guard, NULL);
	loop_run(run.l);
	assert_int_equal(run.calls, 0);
	pid = read_pid("cancelled.pid");
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

/* Cancelled while its detached children run: they go with it. */
static void cancel_kills_setsid_children(void **state)
{
	const char *s =
		script("detach_cancel", DETACH "echo \"$$\" >\"$0.pid\"\n"
					       "exec sleep 100");
	struct check_cfg c = exec_cfg(20000, s, NULL, NULL);
	char path[128];
	struct exec_probe *p;

	need_subreaper();
	(void)state;
	run.calls = 0;
	p = exec_probe_start(run.l, reaper, &c, probe_run_done, &run);
	assert_non_null(p);
	snprintf(path, sizeof(path), "%s/detach_cancel.pid", dir);
	for (int i = 0; i < 500 && access(path, F_OK) != 0; i++)
		usleep(10000);
	usleep(50000); /* the pid written whole */
	exec_probe_cancel(p);
	assert_int_equal(run.calls, 0);
	assert_gone(read_pid("detach_cancel.pid"));
	assert_gone(read_pid("detach_cancel.a"));
	assert_gone(read_pid("detach_cancel.b"));
}

/* At shutdown every child left is killed and reaped, whoever made it. */
static void close_kills_every_child_left(void **state)
{
	struct loop *l = loop_new();
	struct reaper *r;
	pid_t pid;
	int st;

	need_subreaper();
	(void)state;
	assert_non_null(l);
	r = reaper_open(l);
	assert_non_null(r);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sleep", "sleep", "1000", (char *)NULL);
		_exit(127);
	}
	reaper_close(r);
	assert_int_equal(waitpid(pid, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(kill(pid, 0), -1);
	loop_free(l);
}

static void bad_arguments_do_not_start(void **state)
{
	struct check_cfg c = exec_cfg(5000, NULL, NULL, NULL);

	(void)state;
	assert_null(exec_probe_start(run.l, reaper, &c, probe_run_done, &run));
	assert_int_equal(errno, EINVAL);
}

/* Make pidfd_open fail with ENOSYS, as on kernels before 5.3 or under a
 * seccomp policy that does not know it.  Irreversible: run this last. */
static int refuse_pidfd_open(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
				   .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void without_pidfd_waitpid_is_polled(void **state)
{
	const char *ok = script("poll_ok", "echo 'LOAD OK - 0.10'\nexit 0");
	const char *hang = script("poll_hang", "echo \"$$\" >\"$0.pid\"\n"
					       "exec sleep 100");
	struct check_cfg c = exec_cfg(5000, ok, NULL, NULL);

	(void)state;
	if (refuse_pidfd_open() < 0)
		skip();
	assert_int_equal(syscall(SYS_pidfd_open, getpid(), 0), -1);
	assert_int_equal(errno, ENOSYS);
	run_probe(&c);
	assert_int_equal(run.r.state, STATE_OK);
	assert_string_equal(run.r.reason, "LOAD OK - 0.10");

	c = exec_cfg(300, hang, NULL, NULL);
	run_probe(&c);
	assert_string_equal(run.r.reason, "timeout after 300 ms");
	assert_int_equal(kill(read_pid("poll_hang.pid"), 0), -1);
}

static int setup(void **state)
{
	sigset_t term;

	(void)state;
	/* As in the daemon: SIGPIPE ignored, SIGTERM read via signalfd
	 * (blocked).  Orphans come to us so the tests can check them. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	subreaper_ok = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
	strcpy(dir, "/tmp/pl-exec-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	run.l = loop_new();
	if (!run.l)
		return -1;
	reaper = reaper_open(run.l);
	return reaper ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	reaper_close(reaper);
	loop_free(run.l);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_codes_are_states),
		cmocka_unit_test(stderr_counts_and_stdin_is_empty),
		cmocka_unit_test(no_descriptor_leaks_into_the_plugin),
		cmocka_unit_test(other_exits_are_unknown),
		cmocka_unit_test(signals_are_unknown),
		cmocka_unit_test(timeout_kills_the_process),
		cmocka_unit_test(sigterm_ignored_gets_sigkill),
		cmocka_unit_test(timeout_kills_stragglers),
		cmocka_unit_test(setsid_children_die_at_the_timeout),
		cmocka_unit_test(setsid_children_die_when_the_plugin_ends),
		cmocka_unit_test(megabytes_of_output_are_bounded),
		cmocka_unit_test(command_that_cannot_run),
		cmocka_unit_test(monitoring_plugins_check_dummy),
		cmocka_unit_test(cancel_kills_and_reaps),
		cmocka_unit_test(cancel_kills_setsid_children),
		cmocka_unit_test(close_kills_every_child_left),
		cmocka_unit_test(bad_arguments_do_not_start),
		cmocka_unit_test(without_pidfd_waitpid_is_polled),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
