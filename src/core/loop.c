/*
 * loop.c - the one event loop: epoll for descriptors, a binary min-heap of
 * monotonic deadlines for timers, a signalfd for signals.
 *
 * Everything runs on one thread, so callbacks need no locks.  A callback
 * may add or remove any fd or timer, including its own; removed fd entries
 * are only marked dead and reaped after the dispatch round, so epoll events
 * already fetched for them are ignored rather than delivered to freed state.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

#define LOOP_MAX_EVENTS 32

struct loop_fd {
	int fd;
	bool dead;
	loop_fd_fn fn;
	void *arg;
	struct loop_fd *next;
};

struct loop_timer {
	int64_t id;
	int64_t due_ns;
	loop_timer_fn fn;
	void *arg;
};

struct loop_sig {
	int signo;
	loop_signal_fn fn;
	void *arg;
};

struct loop {
	int epfd;
	bool stop;
	int64_t now_ns;
	int64_t lag_ns;
	struct loop_fd *fds;	 /* list; few entries */
	struct loop_timer *heap; /* min-heap on due_ns */
	size_t n_timers, cap_timers;
	int64_t next_id;
	int sigfd;
	sigset_t sigmask;
	struct loop_sig sigs[16];
	int n_sigs;
};

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->sigfd = -1;
	l->next_id = 1;
	l->now_ns = clock_now_ns();
	sigemptyset(&l->sigmask);
	return l;
}

static struct loop_fd *find_fd(struct loop *l, int fd)
{
	for (struct loop_fd *e = l->fds; e; e = e->next)
		if (e->fd == fd && !e->dead)
			return e;
	return NULL;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn,
		void *arg)
{
	struct epoll_event ev = { .events = events };
	struct loop_fd *e;

	if (find_fd(l, fd)) {
		errno = EEXIST;
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	e->fd = fd;
	e->fn = fn;
	e->arg = arg;
	ev.data.ptr = e;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(e);
		return -1;
	}
	e->next = l->fds;
	l->fds = e;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct loop_fd *e = find_fd(l, fd);
	struct epoll_event ev = { .events = events };

	if (!e) {
		errno = ENOENT;
		return -1;
	}
	ev.data.ptr = e;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

int loop_del_fd(struct loop *l, int fd)
{
	struct loop_fd *e = find_fd(l, fd);

	if (!e) {
		errno = ENOENT;
		return -1;
	}
	e->dead = true;
	/* The fd may already be closed by the caller; ignore EBADF. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	return 0;
}

static void reap_fds(struct loop *l)
{
	struct loop_fd **pp = &l->fds;

	while (*pp) {
		struct loop_fd *e = *pp;

		if (e->dead) {
			*pp = e->next;
			free(e);
		} else {
			pp = &e->next;
		}
	}
}

static void heap_swap(struct loop *l, size_t a, size_t b)
{
	struct loop_timer t = l->heap[a];

	l->heap[a] = l->heap[b];
	l->heap[b] = t;
}

static void heap_up(struct loop *l, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (l->heap[parent].due_ns <= l->heap[i].due_ns)
			break;
		heap_swap(l, parent, i);
		i = parent;
	}
}

static void heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;

		if (c < l->n_timers && l->heap[c].due_ns < l->heap[m].due_ns)
			m = c;
		if (c + 1 < l->n_timers &&
		    l->heap[c + 1].due_ns < l->heap[m].due_ns)
			m = c + 1;
		if (m == i)
			break;
		heap_swap(l, i, m);
		i = m;
	}
}

static void heap_remove(struct loop *l, size_t i)
{
	l->n_timers--;
	if (i == l->n_timers)
		return;
	l->heap[i] = l->heap[l->n_timers];
	heap_down(l, i);
	heap_up(l, i);
}

int64_t loop_add_timer(struct loop *l, int64_t delay_ns, loop_timer_fn fn,
		       void *arg)
{
	if (delay_ns < 0) {
		errno = EINVAL;
		return -1;
	}
	if (l->n_timers == l->cap_timers) {
		size_t cap = l->cap_timers ? l->cap_timers * 2 : 16;
		struct loop_timer *h = realloc(l->heap, cap * sizeof(*h));

		if (!h)
			return -1;
		l->heap = h;
		l->cap_timers = cap;
	}
	l->heap[l->n_timers] = (struct loop_timer){
		.id = l->next_id++,
		.due_ns = clock_now_ns() + delay_ns,
		.fn = fn,
		.arg = arg,
	};
	heap_up(l, l->n_timers++);
	return l->next_id - 1;
}

void loop_del_timer(struct loop *l, int64_t id)
{
	for (size_t i = 0; i < l->n_timers; i++) {
		if (l->heap[i].id == id) {
			heap_remove(l, i);
			return;
		}
	}
}

static void on_signalfd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (int i = 0; i < l->n_sigs; i++)
			if (l->sigs[i].signo == (int)si.ssi_signo)
				l->sigs[i].fn(l, (int)si.ssi_signo,
					      l->sigs[i].arg);
	}
}

int loop_add_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg)
{
	int fd;

	if (l->n_sigs == (int)(sizeof(l->sigs) / sizeof(l->sigs[0]))) {
		errno = ENOSPC;
		return -1;
	}
	sigaddset(&l->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &l->sigmask, NULL) < 0)
		return -1;
	fd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (l->sigfd < 0) {
		l->sigfd = fd;
		if (loop_add_fd(l, fd, EPOLLIN, on_signalfd, NULL) < 0)
			return -1;
	}
	l->sigs[l->n_sigs++] = (struct loop_sig){ signo, fn, arg };
	return 0;
}

/* Run every timer that is due; returns ms until the next one, -1 if none. */
static int run_timers(struct loop *l)
{
	/* Only timers due when the round began run in it, so a timer that
	 * keeps asking for 0 ns cannot starve the descriptors. */
	int64_t round_ns = clock_now_ns();

	while (l->n_timers > 0 && !l->stop) {
		struct loop_timer t = l->heap[0];
		int64_t now = clock_now_ns(), next;

		if (t.due_ns > round_ns) {
			int64_t ms = t.due_ns <= now
					     ? 0
					     : (t.due_ns - now + NS_PER_MS -
						1) / NS_PER_MS;

			return ms > 60000 ? 60000 : (int)ms;
		}
		if (now - t.due_ns > l->lag_ns)
			l->lag_ns = now - t.due_ns;
		next = t.fn(l, t.arg);
		/* The callback may have removed or added timers: find ours. */
		for (size_t i = 0; i < l->n_timers; i++) {
			if (l->heap[i].id != t.id)
				continue;
			if (next == LOOP_TIMER_DONE) {
				heap_remove(l, i);
			} else {
				/* Keep the cadence: step from the due time,
				 * but never schedule into the past. */
				int64_t due = t.due_ns + next;

				now = clock_now_ns();
				l->heap[i].due_ns =
					due > now ? due : now + next;
				heap_down(l, i);
				heap_up(l, i);
			}
			break;
		}
	}
	return l->n_timers > 0 ? 0 : -1;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];

	l->stop = false;
	while (!l->stop) {
		int timeout_ms, n;

		l->now_ns = clock_now_ns();
		timeout_ms = run_timers(l);
		if (l->stop)
			break;
		n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		l->now_ns = clock_now_ns();
		for (int i = 0; i < n && !l->stop; i++) {
			struct loop_fd *e = evs[i].data.ptr;

			if (!e->dead)
				e->fn(l, e->fd, evs[i].events, e->arg);
		}
		reap_fds(l);
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

int64_t loop_now_ns(const struct loop *l)
{
	return l->now_ns;
}

int64_t loop_take_lag_ns(struct loop *l)
{
	int64_t lag = l->lag_ns;

	l->lag_ns = 0;
	return lag;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (struct loop_fd *e = l->fds; e; e = e->next)
		e->dead = true;
	reap_fds(l);
	if (l->sigfd >= 0) {
		close(l->sigfd);
		sigprocmask(SIG_UNBLOCK, &l->sigmask, NULL);
	}
	close(l->epfd);
	free(l->heap);
	free(l);
}
