/*
 * test_gpio.c - GPIO on the libgpiod 1.x path (the fake in
 * tests/fakes/gpiod_fake.c): chip discovery and messages, what is
 * requested, the daemon-side debounce, and the "hw" panel backend on top
 * (gpio_cases.h, panel_hw_cases.h; hwv2/test_gpio_v2.c runs the same
 * scenarios on the 2.x path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#ifdef PL_GPIOD_V2 /* the system's libgpiod is 2.x: so is the fake */
#define GPIO_TEST_V2 1
#endif
#include "debounce.h"
#include "gpio_cases.h"
#include "panel_hw_cases.h"

/* The debounce state machine alone, on a fake clock (ms). */
static void test_debounce(void **state)
{
	struct debounce d;
	bool level = false;
	int64_t since = 0;

	(void)state;
	debounce_init(&d, GC_MS(30), false, 0);
	assert_int_equal(debounce_deadline(&d), INT64_MAX);
	/* press with two bounces: accepted 30 ms after the last edge */
	assert_int_equal(debounce_edge(&d, true, GC_MS(100), &level, &since),
			 0);
	assert_int_equal(debounce_edge(&d, false, GC_MS(103), &level, &since),
			 0);
	assert_int_equal(debounce_deadline(&d), INT64_MAX);
	assert_int_equal(debounce_edge(&d, true, GC_MS(105), &level, &since),
			 0);
	assert_int_equal(debounce_deadline(&d), GC_MS(135));
	assert_int_equal(debounce_poll(&d, GC_MS(134), &level, &since), 0);
	assert_int_equal(debounce_poll(&d, GC_MS(135), &level, &since), 1);
	assert_true(level);
	assert_int_equal(since, GC_MS(105));
	assert_int_equal(debounce_poll(&d, GC_MS(500), &level, &since), 0);
	/* a late read: the release is accepted by the next edge */
	assert_int_equal(debounce_edge(&d, false, GC_MS(600), &level, &since),
			 0);
	assert_int_equal(debounce_edge(&d, true, GC_MS(700), &level, &since),
			 1);
	assert_false(level);
	assert_int_equal(since, GC_MS(600));
	/* a lost edge (same level twice) restarts the stable time */
	assert_int_equal(debounce_edge(&d, true, GC_MS(720), &level, &since),
			 0);
	assert_int_equal(debounce_deadline(&d), GC_MS(750));
	/* period 0 (2.x): every change at once */
	debounce_init(&d, 0, false, 0);
	debounce_edge(&d, true, GC_MS(1), &level, &since);
	assert_int_equal(debounce_poll(&d, GC_MS(1), &level, &since), 1);
	assert_true(level);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debounce),
		GPIO_CASES,
		PANEL_HW_CASES,
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
