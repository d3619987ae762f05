/*
 * gpio_board.h - the fake board the GPIO tests run on, over the link-time
 * libgpiod fake (tests/fakes/gpiod_fake.h): gpiochip0
 * "raspberrypi-exp-gpio" (8 lines), gpiochip1 that refuses to open
 * (EACCES), gpiochip2 "pinctrl-bcm2711" (58 lines), the header; chip
 * discovery is pointed at the fake's directory.  Time is the fake's:
 * at(t) sets it.
 */
#ifndef GPIO_BOARD_H
#define GPIO_BOARD_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fakes/gpiod_fake.h"
#include "../../src/hw/gpio_internal.h"
#include "clock.h"
#include "gpio.h"

#define GC_MS(ms) ((int64_t)(ms)*NS_PER_MS)
#define GC_T0	  GC_MS(100000000)

static int gc_hdr; /* the header chip's index in the fake */
static char gc_err[256];
static char gc_path[512];

static inline int64_t at(int64_t t)
{
	gpiod_fake_now_ns = t;
	return t;
}

static inline void gc_board(bool with_header)
{
	gpiod_fake_reset();
	gpiod_fake_add_chip("raspberrypi-exp-gpio", 8);
	gpiod_fake_fail_open(gpiod_fake_add_chip("brcmvirt-gpio", 2), EACCES);
	gc_hdr = with_header ? gpiod_fake_add_chip("pinctrl-bcm2711", 58) : -1;
	gpio_dev_dir = gpiod_fake_dir();
	gc_err[0] = '\0';
	at(GC_T0);
}

static inline const char *gc_chip_path(int chip)
{
	snprintf(gc_path, sizeof(gc_path), "%s/gpiochip%d", gpiod_fake_dir(),
		 chip);
	return gc_path;
}

static inline int gc_setup(void **state)
{
	(void)state;
	gc_board(true);
	return 0;
}

static inline int gc_teardown(void **state)
{
	(void)state;
	assert_int_equal(gpiod_fake_open_handles(), 0);
	gpiod_fake_reset();
	return 0;
}

#endif
