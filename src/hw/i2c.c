/*
 * i2c.c - a thin wrapper over /dev/i2c-N and libi2c's SMBus calls.
 *
 * Owns one adapter's file descriptor and which slave it addresses, and
 * turns libi2c's "negative errno" returns into -1/errno.  Only the
 * single-byte transfers are offered: TI-made PCF8574s ignore all but the
 * first data byte of a write, so one byte per transfer is the portable
 * choice.  Tests swap the device path and the I2C_SLAVE ioctl through
 * i2c_bus_set_hooks() and fake libi2c at link time.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <i2c/smbus.h>
#include <linux/i2c-dev.h>

#include "i2c_bus.h"

#define I2C_PATH_PREFIX "/dev/i2c-"

struct i2c_bus {
	int fd;
	int bus;
	int addr; /* selected slave, -1 before the first */
	char path[64];
};

static struct i2c_bus_hooks i2c_hooks;

void i2c_bus_set_hooks(const struct i2c_bus_hooks *h)
{
	if (h)
		i2c_hooks = *h;
	else
		memset(&i2c_hooks, 0, sizeof(i2c_hooks));
}

struct i2c_bus *i2c_bus_open(int bus, char *err, size_t errlen)
{
	const char *prefix =
		i2c_hooks.path_prefix ? i2c_hooks.path_prefix : I2C_PATH_PREFIX;
	struct i2c_bus *b;
	int e;

	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "i2c bus %d: %s", bus, strerror(errno));
		return NULL;
	}
	b->bus = bus;
	b->addr = -1;
	snprintf(b->path, sizeof(b->path), "%s%d", prefix, bus);
	b->fd = open(b->path, O_RDWR | O_CLOEXEC);
	if (b->fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", b->path, strerror(e));
		free(b);
		errno = e;
		return NULL;
	}
	return b;
}

static int i2c_select(struct i2c_bus *b, int addr)
{
	if (i2c_hooks.set_address)
		return i2c_hooks.set_address(b->fd, b->bus, addr);
	/* I2C_SLAVE, not I2C_SLAVE_FORCE: never talk over a kernel driver */
	return ioctl(b->fd, I2C_SLAVE, (unsigned long)addr) < 0 ? -1 : 0;
}

int i2c_bus_set_address(struct i2c_bus *b, int addr, char *err, size_t errlen)
{
	int e;

	if (addr < 0 || addr > 0x7f) {
		snprintf(err, errlen, "%s: address 0x%x is not 7-bit", b->path,
			 (unsigned)addr);
		errno = EINVAL;
		return -1;
	}
	if (i2c_select(b, addr) < 0) {
		e = errno;
		snprintf(err, errlen, "%s: address 0x%02x: %s%s", b->path,
			 (unsigned)addr, strerror(e),
			 e == EBUSY ? " (claimed by a kernel driver)" : "");
		b->addr = -1;
		errno = e;
		return -1;
	}
	b->addr = addr;
	return 0;
}

/* libi2c returns a negative errno (and leaves errno set, but only by
 * accident of its implementation). */
static int i2c_result(int r)
{
	if (r >= 0)
		return r;
	errno = -r;
	return -1;
}

int i2c_bus_write_byte(struct i2c_bus *b, uint8_t v)
{
	return i2c_result(i2c_smbus_write_byte(b->fd, v)) < 0 ? -1 : 0;
}

int i2c_bus_read_byte(struct i2c_bus *b)
{
	return i2c_result(i2c_smbus_read_byte(b->fd));
}

/* i2cdetect's default (MODE_AUTO): receive byte where a quick write could
 * be taken for a write-protect command by EEPROMs and similar. */
static bool i2c_probe_by_read(int addr)
{
	return (addr >= 0x30 && addr <= 0x37) || (addr >= 0x50 && addr <= 0x5f);
}

enum i2c_probe i2c_bus_probe(struct i2c_bus *b, int addr)
{
	int r;

	if (addr < 0 || addr > 0x7f) {
		errno = EINVAL;
		return I2C_PROBE_ERROR;
	}
	if (i2c_select(b, addr) < 0) {
		b->addr = -1;
		return errno == EBUSY ? I2C_PROBE_BUSY : I2C_PROBE_ERROR;
	}
	b->addr = addr;
	if (i2c_probe_by_read(addr))
		r = i2c_result(i2c_smbus_read_byte(b->fd));
	else
		r = i2c_result(i2c_smbus_write_quick(b->fd, I2C_SMBUS_WRITE));
	/* adapters without SMBus quick: fall back like i2cdetect -r */
	if (r < 0 && errno == EOPNOTSUPP)
		r = i2c_result(i2c_smbus_read_byte(b->fd));
	if (r >= 0)
		return I2C_PROBE_PRESENT;
	if (errno == ENXIO || errno == EREMOTEIO || errno == EIO ||
	    errno == ETIMEDOUT)
		return I2C_PROBE_ABSENT;
	return I2C_PROBE_ERROR;
}

const char *i2c_bus_path(const struct i2c_bus *b)
{
	return b->path;
}

void i2c_bus_close(struct i2c_bus *b)
{
	if (!b)
		return;
	if (i2c_hooks.closed)
		i2c_hooks.closed(b->fd);
	close(b->fd);
	free(b);
}
