/*
 * i2c_bus.h - one /dev/i2c-N adapter, one byte per transfer.
 *
 * Lifecycle: i2c_bus_open() → i2c_bus_set_address() → i2c_bus_write_byte()
 * / i2c_bus_read_byte() as often as needed → i2c_bus_close().
 * i2c_bus_probe() asks whether anything answers at an address, the way
 * i2cdetect does by default (for --hw-scan).
 *
 * Transfers block for their time on the wire (about 0.2 ms a byte at the
 * Pi's default 100 kHz); callers keep them short and few.
 */
#ifndef PL_I2C_BUS_H
#define PL_I2C_BUS_H

#include <stddef.h>
#include <stdint.h>

struct i2c_bus;

/* Open /dev/i2c-<bus>.  Returns NULL with errno set and a message naming
 * the device in err ("/dev/i2c-1: No such file or directory").  Free with
 * i2c_bus_close(). */
struct i2c_bus *i2c_bus_open(int bus, char *err, size_t errlen);

/* Address the 7-bit slave addr for the transfers that follow.  Returns 0,
 * or -1 with errno and a message in err (EBUSY: a kernel driver owns the
 * address).  Nobody answering is not detected here but by the first
 * transfer. */
int i2c_bus_set_address(struct i2c_bus *b, int addr, char *err, size_t errlen);

/* One SMBus "send byte" / "receive byte".  Return 0 / the byte (0..255),
 * or -1 with errno (ENXIO or EREMOTEIO: no acknowledge). */
int i2c_bus_write_byte(struct i2c_bus *b, uint8_t v);
int i2c_bus_read_byte(struct i2c_bus *b);

enum i2c_probe {
	I2C_PROBE_ERROR = -1, /* errno says why */
	I2C_PROBE_ABSENT,
	I2C_PROBE_PRESENT,
	I2C_PROBE_BUSY, /* claimed by a kernel driver ("UU") */
};

/* Does a device answer at addr?  A quick write, or a receive byte for
 * 0x30-0x37 and 0x50-0x5f, where quick writes can corrupt EEPROMs (as
 * i2cdetect).  Leaves addr selected: call i2c_bus_set_address() before
 * the next transfer to another device. */
enum i2c_probe i2c_bus_probe(struct i2c_bus *b, int addr);

/* "/dev/i2c-1", for messages.  Valid until i2c_bus_close(). */
const char *i2c_bus_path(const struct i2c_bus *b);

/* Accepts NULL. */
void i2c_bus_close(struct i2c_bus *b);

/*
 * Test seam, for tests/fakes/i2c_fake.c only: where the device nodes are
 * (path_prefix + bus number; NULL means "/dev/i2c-") and what stands in
 * for ioctl(I2C_SLAVE) and close().  NULL hooks restore the real ones.
 */
struct i2c_bus_hooks {
	const char *path_prefix;
	int (*set_address)(int fd, int bus, int addr); /* 0 or -1/errno */
	void (*closed)(int fd);
};

void i2c_bus_set_hooks(const struct i2c_bus_hooks *h);

#endif
