/*
 * test_gpio_v2.c - test_gpio.c's scenarios on the libgpiod 2.x path:
 * src/hw/gpio.c built with PL_GPIOD_V2 against tests/fakes/v2/gpiod.h and
 * linked with the 2.x fake (Makefile, "libgpiod v2 path").  Where 2.x
 * differs - the debounce period goes to the kernel, which stamps a press
 * when it has been stable - gpio_cases.h says so under GPIO_TEST_V2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define GPIO_TEST_V2 1
#include "../gpio_cases.h"
#include "../panel_hw_cases.h"

int main(void)
{
	const struct CMUnitTest tests[] = {
		GPIO_CASES,
		PANEL_HW_CASES,
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
