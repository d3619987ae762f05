/*
 * panel_hw.h - the "hw" panel backend: LEDs, buzzer and button on the
 * Pi's GPIO lines, the HD44780 LCD on I2C (src/backends/panel_hw.c).
 *
 * In the daemon it runs from the loop: one timer (lamp test, long press,
 * debounce deadline, LCD ticks) and the button's fd.  The two calls below
 * are exactly what that timer and that fd do, so tests drive the backend
 * on a fake clock without running the loop.  b is what
 * panel_hw_ops.open() returned.
 */
#ifndef PL_PANEL_HW_H
#define PL_PANEL_HW_H

#include <stdint.h>

#include "panel.h" /* panel_hw_ops */

/* Do what is due at now_ns; returns the next deadline (monotonic ns),
 * INT64_MAX if nothing is pending. */
int64_t panel_hw_service(void *b, int64_t now_ns);

/* The button's fd is readable: read its edges at now_ns. */
void panel_hw_button_ready(void *b, int64_t now_ns);

#endif
