/*
 * loop_fixture.h - what the probe tests (tcp, ports, dns, exec) share:
 * one probe's run on a test loop and a loopback socket to aim it at.
 *
 * probe_run_new() in setup, probe_run_begin() before the probe starts,
 * probe_run_done as its done callback (it records the result and stops
 * the loop), then probe_run_finish() (or probe_run_loop()) runs the loop
 * until the probe reported or a guard timer fired.  The test asserts what
 * came back in run->r.  Include after <cmocka.h>.
 */
#ifndef LOOP_FIXTURE_H
#define LOOP_FIXTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "probe.h"

struct probe_run {
	struct loop *l;
	int calls;
	struct probe_result r;
	int64_t start_ns, done_ns;
};

/* A run on a loop of its own; NULL if out of memory.  Free with
 * probe_run_free(), which accepts NULL. */
static inline struct probe_run *probe_run_new(void)
{
	struct probe_run *run = calloc(1, sizeof(*run));

	if (run && !(run->l = loop_new())) {
		free(run);
		return NULL;
	}
	return run;
}

static inline void probe_run_free(struct probe_run *run)
{
	if (!run)
		return;
	loop_free(run->l);
	free(run);
}

/* probe_done_fn: arg is the struct probe_run. */
static inline void probe_run_done(void *arg, const struct probe_result *r)
{
	struct probe_run *run = arg;

	run->calls++;
	run->r = *r;
	run->done_ns = clock_now_ns();
	loop_stop(run->l);
}

static inline int64_t probe_run_on_guard(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
	return LOOP_TIMER_DONE;
}

/* Forget the last result and take the start time. */
static inline void probe_run_begin(struct probe_run *run)
{
	memset(&run->r, 0, sizeof(run->r));
	run->calls = 0;
	run->start_ns = clock_now_ns();
}

/* Run the loop until the probe reports or guard_ms pass; returns what
 * loop_run() returned. */
static inline int probe_run_loop(struct probe_run *run, int64_t guard_ms)
{
	int64_t guard = loop_add_timer(run->l, guard_ms * NS_PER_MS,
				       probe_run_on_guard, NULL);
	int rc = loop_run(run->l);

	loop_del_timer(run->l, guard);
	return rc;
}

static inline double probe_run_ms(const struct probe_run *run)
{
	return (double)(run->done_ns - run->start_ns) / (double)NS_PER_MS;
}

/* Right after the probe started: it did not report from inside its start,
 * then reports exactly once within guard_ms.  Returns the elapsed ms. */
static inline double probe_run_finish(struct probe_run *run, int64_t guard_ms)
{
	assert_int_equal(run->calls, 0); /* never synchronous */
	assert_int_equal(probe_run_loop(run, guard_ms), 0);
	assert_int_equal(run->calls, 1);
	return probe_run_ms(run);
}

/* The loopback address of family (AF_INET or AF_INET6), port 0. */
static inline void loopback_addr(int family, struct sockaddr_storage *ss,
				 socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
		*len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
		*len = sizeof(struct sockaddr_in6);
	}
}

/* A TCP socket (SOCK_STREAM | flags) bound to an ephemeral loopback port
 * of family, whose address lands in ss/len.  Returns the fd (the
 * caller's to close), or -1: no such family here. */
static inline int loopback_bind(int family, int flags,
				struct sockaddr_storage *ss, socklen_t *len)
{
	int fd = socket(family, SOCK_STREAM | flags, 0);

	if (fd < 0)
		return -1;
	loopback_addr(family, ss, len);
	if (bind(fd, (struct sockaddr *)ss, *len) < 0 ||
	    getsockname(fd, (struct sockaddr *)ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif
