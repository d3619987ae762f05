/*
 * hwtools.h - check the wiring without running the daemon: --hw-test
 * shows every LED colour in turn, beeps and puts a test page on the LCD;
 * --hw-scan lists the GPIO chips and the I2C addresses that answer.
 *
 * Both print what they do to stdout (or hwtools_set_output()) and return
 * an exit status: 0 when everything configured answered, 1 otherwise.
 * They block (sleeping between steps): never call them from the loop.
 */
#ifndef PL_HWTOOLS_H
#define PL_HWTOOLS_H

#include <stdio.h>

#include "config.h"

/* Lamp test (each LED colour element alone, in config order), a 150 ms
 * beep, and "pilotlight test" / "i2c-1 @0x27" on the LCD. */
int hw_test(const struct pl_config *cfg);

/* gpio_scan() and an i2cdetect-style map of the LCD's bus.  cfg NULL:
 * no configuration, I2C bus 1 and the LCD at 0x27. */
int hw_scan(const struct pl_config *cfg);

/* Where both write; NULL restores stdout (tests). */
void hwtools_set_output(FILE *out);

#endif
