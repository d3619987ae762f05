/*
 * i2c_fake.h - a link-time stand-in for libi2c and /dev/i2c-N.
 *
 * Lifecycle: i2c_fake_start() → add buses and devices, inject faults,
 * read the log of what each device received → i2c_fake_stop().  Until
 * started it is inert: every transfer fails with ENXIO.
 *
 * Buses are files in a private temporary directory (so i2c_bus_open()
 * really opens something), the I2C_SLAVE ioctl is replaced through
 * i2c_bus_set_hooks().  A device answers like a PCF8574: it acknowledges,
 * latches each written byte on its port and reads the port back; a
 * power-up (adding or re-plugging it) sets every pin high.
 *
 * Time: each transfer completes byte_ns (default 200 us, a byte at
 * 100 kHz) after the later of "now" and the bus's previous transfer, so
 * bytes written in one burst get distinct, realistic times.  "now" is
 * what the test last gave i2c_fake_set_now(), or clock_now_ns() if it
 * never did.
 */
#ifndef PL_I2C_FAKE_H
#define PL_I2C_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct i2c_fake_write {
	int64_t t_ns;	  /* when the transfer completed */
	size_t len;	  /* data bytes in the transfer */
	uint8_t bytes[4]; /* the first of them */
};

enum i2c_fake_event {
	I2C_FAKE_WRITE,	   /* bytes/len: one transfer the device took */
	I2C_FAKE_POWER_ON, /* the device (re)started: pins all high */
};

typedef void (*i2c_fake_listener)(void *arg, enum i2c_fake_event ev,
				  const uint8_t *bytes, size_t len,
				  int64_t t_ns);

/* Start with no buses and no devices; returns 0 or -1/errno. */
int i2c_fake_start(void);
/* Forget everything, remove the files; accepts being called twice. */
void i2c_fake_stop(void);

/* /dev/i2c-<bus> exists from now on. */
int i2c_fake_add_bus(int bus);
/* A device answers at addr (the bus is added if needed); powers it on. */
int i2c_fake_add_device(int bus, int addr);
/* Unplugged: no acknowledge (ENXIO) until plugged again, which is a
 * power-up. */
void i2c_fake_set_plugged(int bus, int addr, bool plugged);
/* A power dip: the device stays answering, its pins go high. */
void i2c_fake_power_cycle(int bus, int addr);
/* The next n transfers to the device fail with err (EREMOTEIO, EIO...). */
void i2c_fake_fail_next(int bus, int addr, int n, int err);
/* I2C_SLAVE on addr fails with EBUSY (a kernel driver owns it). */
void i2c_fake_set_busy(int bus, int addr, bool busy);

void i2c_fake_set_now(int64_t now_ns);
/* Back to clock_now_ns(), with the buses idle. */
void i2c_fake_use_clock(void);
void i2c_fake_set_byte_ns(int64_t byte_ns);
/* When the bus's last transfer completed (0: none yet). */
int64_t i2c_fake_bus_time(int bus);

/* Transfers the device took, oldest first; valid until the next
 * transfer or clear.  NULL with *n = 0 for an unknown device. */
const struct i2c_fake_write *i2c_fake_log(int bus, int addr, size_t *n);
size_t i2c_fake_count(int bus, int addr);
void i2c_fake_clear_log(int bus, int addr);
/* Transfers that failed: no acknowledge or an injected error. */
unsigned long i2c_fake_failures(int bus, int addr);
/* Bytes that reached the bus's device file through write(2), which a
 * driver must never use. */
long i2c_fake_raw_bytes(int bus);

/* Called for each transfer the device takes and each power-up. */
void i2c_fake_listen(int bus, int addr, i2c_fake_listener fn, void *arg);

#endif
