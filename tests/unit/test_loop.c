/*
 * test_loop.c - the event loop: timer order and cadence, cancellation from
 * inside callbacks, descriptors, signals delivered in the loop, and that a
 * busy timer cannot starve a descriptor.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "loop.h"

struct rec {
	struct loop *l;
	char order[16];
	int n;
	int runs;
	int64_t times[8];
	int64_t cancel_id;
	int stop_after;
};

static int64_t mark(struct loop *l, void *arg, char c)
{
	struct rec *r = arg;

	(void)l;
	r->order[r->n++] = c;
	if (r->n >= r->stop_after)
		loop_stop(r->l);
	return LOOP_TIMER_DONE;
}

static int64_t mark_a(struct loop *l, void *arg)
{
	return mark(l, arg, 'a');
}
static int64_t mark_b(struct loop *l, void *arg)
{
	return mark(l, arg, 'b');
}
static int64_t mark_c(struct loop *l, void *arg)
{
	return mark(l, arg, 'c');
}

static void timers_fire_in_deadline_order(void **state)
{
	struct rec r = { .stop_after = 3 };

	(void)state;
	r.l = loop_new();
	assert_non_null(r.l);
	loop_add_timer(r.l, 30 * NS_PER_MS, mark_c, &r);
	loop_add_timer(r.l, 10 * NS_PER_MS, mark_a, &r);
	loop_add_timer(r.l, 20 * NS_PER_MS, mark_b, &r);
	assert_int_equal(loop_run(r.l), 0);
	assert_string_equal(r.order, "abc");
	loop_free(r.l);
}

static int64_t periodic(struct loop *l, void *arg)
{
	struct rec *r = arg;

	r->times[r->runs++] = clock_now_ns();
	if (r->runs == 5) {
		loop_stop(l);
		return LOOP_TIMER_DONE;
	}
	return 20 * NS_PER_MS;
}

static void periodic_timer_keeps_its_cadence(void **state)
{
	struct rec r = { 0 };
	int64_t span;

	(void)state;
	r.l = loop_new();
	loop_add_timer(r.l, 0, periodic, &r);
	loop_run(r.l);
	assert_int_equal(r.runs, 5);
	/* Four intervals of 20 ms: never early.  (How late a loaded
	 * machine runs them is its own business: no upper bound.) */
	span = r.times[4] - r.times[0];
	assert_true(span >= 80 * NS_PER_MS);
	loop_free(r.l);
}

static int64_t canceller(struct loop *l, void *arg)
{
	struct rec *r = arg;

	loop_del_timer(l, r->cancel_id);
	r->order[r->n++] = 'x';
	return LOOP_TIMER_DONE;
}

static int64_t stopper(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
	return LOOP_TIMER_DONE;
}

static void timer_cancelled_from_a_callback_never_runs(void **state)
{
	struct rec r = { .stop_after = 100 };

	(void)state;
	r.l = loop_new();
	loop_add_timer(r.l, 5 * NS_PER_MS, canceller, &r);
	r.cancel_id = loop_add_timer(r.l, 15 * NS_PER_MS, mark_a, &r);
	loop_add_timer(r.l, 40 * NS_PER_MS, stopper, &r);
	loop_run(r.l);
	assert_string_equal(r.order, "x");
	loop_free(r.l);
}

static int64_t self_cancel(struct loop *l, void *arg)
{
	struct rec *r = arg;

	r->runs++;
	loop_del_timer(l, r->cancel_id);
	return 5 * NS_PER_MS; /* ignored: the timer is gone */
}

static void timer_may_cancel_itself(void **state)
{
	struct rec r = { 0 };

	(void)state;
	r.l = loop_new();
	r.cancel_id = loop_add_timer(r.l, 1 * NS_PER_MS, self_cancel, &r);
	loop_add_timer(r.l, 40 * NS_PER_MS, stopper, &r);
	loop_run(r.l);
	assert_int_equal(r.runs, 1);
	loop_free(r.l);
}

static void on_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct rec *r = arg;
	char buf[8];

	assert_true(events & EPOLLIN);
	r->n += (int)read(fd, buf, sizeof(buf));
	loop_del_fd(l, fd);
	loop_stop(l);
}

static int64_t busy(struct loop *l, void *arg)
{
	(void)l;
	((struct rec *)arg)->runs++;
	return 0; /* always due again */
}

static void descriptor_is_served_despite_a_busy_timer(void **state)
{
	struct rec r = { 0 };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	r.l = loop_new();
	assert_int_equal(loop_add_fd(r.l, p[0], EPOLLIN, on_readable, &r), 0);
	assert_int_equal(loop_add_fd(r.l, p[0], EPOLLIN, on_readable, &r), -1);
	loop_add_timer(r.l, 0, busy, &r);
	assert_int_equal(write(p[1], "hey", 3), 3);
	loop_run(r.l);
	assert_int_equal(r.n, 3);
	assert_true(r.runs >= 1);
	loop_free(r.l);
	close(p[0]);
	close(p[1]);
}

static void on_sig(struct loop *l, int signo, void *arg)
{
	struct rec *r = arg;

	r->order[r->n++] = signo == SIGUSR1 ? 'u' : 'h';
	if (r->n == 2)
		loop_stop(l);
}

static int64_t send_signals(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGHUP);
	return LOOP_TIMER_DONE;
}

static void signals_are_handled_in_the_loop(void **state)
{
	struct rec r = { 0 };

	(void)state;
	r.l = loop_new();
	assert_int_equal(loop_add_signal(r.l, SIGUSR1, on_sig, &r), 0);
	assert_int_equal(loop_add_signal(r.l, SIGHUP, on_sig, &r), 0);
	loop_add_timer(r.l, 1 * NS_PER_MS, send_signals, &r);
	loop_run(r.l);
	assert_int_equal(r.n, 2);
	/* Both arrived; the kernel reports lower signal numbers first. */
	assert_string_equal(r.order, "hu");
	loop_free(r.l);
}

static int64_t sleepy(struct loop *l, void *arg)
{
	(void)arg;
	usleep(30000);
	loop_stop(l);
	return LOOP_TIMER_DONE;
}

static int64_t late(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
	return LOOP_TIMER_DONE;
}

static void lag_reports_how_late_a_timer_ran(void **state)
{
	struct loop *l = loop_new();

	(void)state;
	loop_add_timer(l, 0, sleepy, NULL);
	loop_add_timer(l, 1 * NS_PER_MS, late, NULL);
	loop_run(l); /* sleepy stops the loop after blocking 30 ms */
	loop_run(l); /* runs late, due ~29 ms ago */
	assert_true(loop_take_lag_ns(l) >= 20 * NS_PER_MS);
	assert_int_equal(loop_take_lag_ns(l), 0);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timers_fire_in_deadline_order),
		cmocka_unit_test(periodic_timer_keeps_its_cadence),
		cmocka_unit_test(timer_cancelled_from_a_callback_never_runs),
		cmocka_unit_test(timer_may_cancel_itself),
		cmocka_unit_test(descriptor_is_served_despite_a_busy_timer),
		cmocka_unit_test(signals_are_handled_in_the_loop),
		cmocka_unit_test(lag_reports_how_late_a_timer_ran),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
