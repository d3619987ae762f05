/*
 * gpio_internal.h - the test seam of src/hw/gpio.c.
 *
 * gpio_dev_dir is where gpio_open() and gpio_scan() look for gpiochip*
 * device files ("/dev").  The unit tests point it at gpiod_fake_dir(), a
 * temporary directory with one empty file per chip of the link-time
 * libgpiod fake (tests/fakes/), so chip discovery - including a chip that
 * fails to open - runs without /dev/gpiochip* or gpio-sim.
 */
#ifndef PL_GPIO_INTERNAL_H
#define PL_GPIO_INTERNAL_H

extern const char *gpio_dev_dir;

#endif
