/*
 * loop.h - the single-threaded event loop (epoll + monotonic timers).
 *
 * Lifecycle: loop_new() → loop_add_fd()/loop_add_timer()/loop_add_signal()
 * → loop_run() until loop_stop() → loop_free().
 *
 * Timers are periodic by design (as in Redis ae.c): a timer callback returns
 * the delay in nanoseconds until it should run again, or LOOP_TIMER_DONE to
 * be removed.  Deadlines are CLOCK_MONOTONIC (clock_now_ns()).  Signals are
 * blocked and read from a signalfd, so their handlers run in the loop like
 * any other event and may do anything.
 */
#ifndef PL_LOOP_H
#define PL_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

#define LOOP_TIMER_DONE (-1)

struct loop;

/* events is a mask of EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP. */
typedef void (*loop_fd_fn)(struct loop *l, int fd, uint32_t events, void *arg);
/* Returns the next delay in ns (>= 0), or LOOP_TIMER_DONE. */
typedef int64_t (*loop_timer_fn)(struct loop *l, void *arg);
typedef void (*loop_signal_fn)(struct loop *l, int signo, void *arg);

/* Returns NULL and sets errno on failure.  Free with loop_free(). */
struct loop *loop_new(void);

/* Removes everything still registered; accepts NULL. */
void loop_free(struct loop *l);

/* Watch fd for events; one registration per fd.  Returns 0 or -1/errno. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn,
		void *arg);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
/* Safe to call from any callback, including the fd's own. */
int loop_del_fd(struct loop *l, int fd);

/* Run fn after delay_ns.  Returns a timer id > 0, or -1/errno. */
int64_t loop_add_timer(struct loop *l, int64_t delay_ns, loop_timer_fn fn,
		       void *arg);
/* Cancel a timer; unknown or finished ids are ignored. */
void loop_del_timer(struct loop *l, int64_t id);

/* Deliver signo through the loop.  Returns 0 or -1/errno. */
int loop_add_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg);

/* Dispatch until loop_stop().  Returns 0, or -1/errno if epoll fails. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

/* Monotonic time at the start of the current dispatch round. */
int64_t loop_now_ns(const struct loop *l);

/* Worst lateness of a timer seen since the last call (ns), then reset:
 * how long the loop was busy when it should have been on time. */
int64_t loop_take_lag_ns(struct loop *l);

#endif
