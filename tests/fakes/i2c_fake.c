/*
 * i2c_fake.c - libi2c's SMBus calls and /dev/i2c-N, faked at link time.
 *
 * Linked into every unit test ahead of the library, so it defines the
 * libi2c symbols src/hw/i2c.c uses (and the multi-byte writes, so a
 * driver that used them would be caught) and stays inert until a test
 * calls i2c_fake_start().  Devices behave like a PCF8574: acknowledge,
 * latch the written byte on the port, read the port back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <i2c/smbus.h>

#include "clock.h"
#include "i2c_bus.h"
#include "i2c_fake.h"

#define FAKE_MAX_BUSES 4
#define FAKE_MAX_DEVS  8
#define FAKE_MAX_FDS   16
#define FAKE_BYTE_NS   INT64_C(200000) /* 20 bit times at 100 kHz */

struct fake_dev {
	bool used;
	int bus, addr;
	bool present, plugged, busy;
	int fail_n, fail_err;
	uint8_t port;
	struct i2c_fake_write *log;
	size_t n, cap;
	unsigned long failures;
	i2c_fake_listener fn;
	void *arg;
};

static struct {
	bool started;
	char dir[64];
	char prefix[96];
	int64_t now_ns, byte_ns;
	bool now_set;
	struct {
		bool used;
		int bus;
		int64_t t_ns;
	} buses[FAKE_MAX_BUSES];
	struct fake_dev devs[FAKE_MAX_DEVS];
	struct {
		int fd, bus, addr;
	} fds[FAKE_MAX_FDS];
} fk;

static int64_t fake_now(void)
{
	return fk.now_set ? fk.now_ns : clock_now_ns();
}

static int fake_bus_index(int bus)
{
	int i;

	for (i = 0; i < FAKE_MAX_BUSES; i++)
		if (fk.buses[i].used && fk.buses[i].bus == bus)
			return i;
	return -1;
}

static struct fake_dev *fake_dev(int bus, int addr, bool create)
{
	int i;

	for (i = 0; i < FAKE_MAX_DEVS; i++)
		if (fk.devs[i].used && fk.devs[i].bus == bus &&
		    fk.devs[i].addr == addr)
			return &fk.devs[i];
	if (!create)
		return NULL;
	for (i = 0; i < FAKE_MAX_DEVS; i++) {
		if (fk.devs[i].used)
			continue;
		memset(&fk.devs[i], 0, sizeof(fk.devs[i]));
		fk.devs[i].used = true;
		fk.devs[i].bus = bus;
		fk.devs[i].addr = addr;
		fk.devs[i].port = 0xff;
		return &fk.devs[i];
	}
	return NULL;
}

static int fake_set_address(int fd, int bus, int addr)
{
	struct fake_dev *d = fake_dev(bus, addr, false);
	int i, slot = -1;

	if (d && d->busy) {
		errno = EBUSY;
		return -1;
	}
	for (i = 0; i < FAKE_MAX_FDS; i++) {
		if (fk.fds[i].fd == fd) {
			slot = i;
			break;
		}
		if (slot < 0 && fk.fds[i].fd < 0)
			slot = i;
	}
	if (slot < 0) {
		errno = EMFILE;
		return -1;
	}
	fk.fds[slot].fd = fd;
	fk.fds[slot].bus = bus;
	fk.fds[slot].addr = addr;
	return 0;
}

static void fake_closed(int fd)
{
	int i;

	for (i = 0; i < FAKE_MAX_FDS; i++)
		if (fk.fds[i].fd == fd)
			fk.fds[i].fd = -1;
}

int i2c_fake_start(void)
{
	struct i2c_bus_hooks h = { 0 };
	int i;

	i2c_fake_stop();
	snprintf(fk.dir, sizeof(fk.dir), "/tmp/pl-i2c-fake-XXXXXX");
	if (!mkdtemp(fk.dir))
		return -1;
	snprintf(fk.prefix, sizeof(fk.prefix), "%s/i2c-", fk.dir);
	for (i = 0; i < FAKE_MAX_FDS; i++)
		fk.fds[i].fd = -1;
	fk.byte_ns = FAKE_BYTE_NS;
	fk.started = true;
	h.path_prefix = fk.prefix;
	h.set_address = fake_set_address;
	h.closed = fake_closed;
	i2c_bus_set_hooks(&h);
	return 0;
}

void i2c_fake_stop(void)
{
	char path[128];
	int i;

	if (!fk.started)
		return;
	for (i = 0; i < FAKE_MAX_BUSES; i++) {
		if (!fk.buses[i].used)
			continue;
		snprintf(path, sizeof(path), "%s%d", fk.prefix,
			 fk.buses[i].bus);
		unlink(path);
	}
	rmdir(fk.dir);
	for (i = 0; i < FAKE_MAX_DEVS; i++)
		free(fk.devs[i].log);
	i2c_bus_set_hooks(NULL);
	memset(&fk, 0, sizeof(fk));
}

int i2c_fake_add_bus(int bus)
{
	char path[128];
	FILE *f;
	int i;

	if (fake_bus_index(bus) >= 0)
		return 0;
	for (i = 0; i < FAKE_MAX_BUSES && fk.buses[i].used; i++)
		;
	if (!fk.started || i == FAKE_MAX_BUSES) {
		errno = ENOSPC;
		return -1;
	}
	snprintf(path, sizeof(path), "%s%d", fk.prefix, bus);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fclose(f);
	fk.buses[i].used = true;
	fk.buses[i].bus = bus;
	fk.buses[i].t_ns = 0;
	return 0;
}

static void fake_power_on(struct fake_dev *d)
{
	int b = fake_bus_index(d->bus);
	int64_t t = fake_now();

	if (b >= 0 && fk.buses[b].t_ns > t)
		t = fk.buses[b].t_ns;
	d->port = 0xff;
	if (d->fn)
		d->fn(d->arg, I2C_FAKE_POWER_ON, NULL, 0, t);
}

int i2c_fake_add_device(int bus, int addr)
{
	struct fake_dev *d;

	if (i2c_fake_add_bus(bus) < 0)
		return -1;
	d = fake_dev(bus, addr, true);
	if (!d) {
		errno = ENOSPC;
		return -1;
	}
	d->present = true;
	d->plugged = true;
	fake_power_on(d);
	return 0;
}

void i2c_fake_set_plugged(int bus, int addr, bool plugged)
{
	struct fake_dev *d = fake_dev(bus, addr, false);

	if (!d || d->plugged == plugged)
		return;
	d->plugged = plugged;
	if (plugged)
		fake_power_on(d);
}

void i2c_fake_power_cycle(int bus, int addr)
{
	struct fake_dev *d = fake_dev(bus, addr, false);

	if (d && d->plugged)
		fake_power_on(d);
}

void i2c_fake_fail_next(int bus, int addr, int n, int err)
{
	struct fake_dev *d = fake_dev(bus, addr, true);

	if (!d)
		return;
	d->fail_n = n;
	d->fail_err = err;
}

void i2c_fake_set_busy(int bus, int addr, bool busy)
{
	struct fake_dev *d = fake_dev(bus, addr, true);

	if (d)
		d->busy = busy;
}

void i2c_fake_set_now(int64_t now_ns)
{
	fk.now_ns = now_ns;
	fk.now_set = true;
}

void i2c_fake_use_clock(void)
{
	int i;

	fk.now_set = false;
	for (i = 0; i < FAKE_MAX_BUSES; i++)
		fk.buses[i].t_ns = 0;
}

void i2c_fake_set_byte_ns(int64_t byte_ns)
{
	fk.byte_ns = byte_ns;
}

int64_t i2c_fake_bus_time(int bus)
{
	int b = fake_bus_index(bus);

	return b < 0 ? 0 : fk.buses[b].t_ns;
}

const struct i2c_fake_write *i2c_fake_log(int bus, int addr, size_t *n)
{
	struct fake_dev *d = fake_dev(bus, addr, false);

	*n = d ? d->n : 0;
	return d ? d->log : NULL;
}

size_t i2c_fake_count(int bus, int addr)
{
	struct fake_dev *d = fake_dev(bus, addr, false);

	return d ? d->n : 0;
}

void i2c_fake_clear_log(int bus, int addr)
{
	struct fake_dev *d = fake_dev(bus, addr, false);

	if (d)
		d->n = 0;
}

unsigned long i2c_fake_failures(int bus, int addr)
{
	struct fake_dev *d = fake_dev(bus, addr, false);

	return d ? d->failures : 0;
}

long i2c_fake_raw_bytes(int bus)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s%d", fk.prefix, bus);
	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

void i2c_fake_listen(int bus, int addr, i2c_fake_listener fn, void *arg)
{
	struct fake_dev *d = fake_dev(bus, addr, true);

	if (!d)
		return;
	d->fn = fn;
	d->arg = arg;
}

/*
 * One transfer of len data bytes on fd.  Returns the device that took it,
 * or NULL with errno: ENXIO when nothing acknowledges (as the i2c-dev
 * driver of most adapters reports a NACK), or the injected error.
 */
static struct fake_dev *fake_xfer(int fd, size_t len, int64_t *t_ns)
{
	struct fake_dev *d = NULL;
	int i, b = -1;
	int64_t start;

	for (i = 0; fk.started && i < FAKE_MAX_FDS; i++)
		if (fk.fds[i].fd == fd && fd >= 0)
			break;
	if (fk.started && i < FAKE_MAX_FDS) {
		b = fake_bus_index(fk.fds[i].bus);
		d = fake_dev(fk.fds[i].bus, fk.fds[i].addr, true);
	}
	if (b < 0 || !d) {
		errno = ENXIO;
		return NULL;
	}
	start = fake_now();
	if (fk.buses[b].t_ns > start)
		start = fk.buses[b].t_ns;
	if (!d->present || !d->plugged) {
		fk.buses[b].t_ns = start + fk.byte_ns / 2; /* address only */
		d->failures++;
		errno = ENXIO;
		return NULL;
	}
	fk.buses[b].t_ns = start + fk.byte_ns * (int64_t)(len + 1) / 2;
	if (d->fail_n > 0) {
		d->fail_n--;
		d->failures++;
		errno = d->fail_err;
		return NULL;
	}
	*t_ns = fk.buses[b].t_ns;
	return d;
}

static __s32 fake_write(int fd, const uint8_t *v, size_t len)
{
	struct i2c_fake_write *w;
	struct fake_dev *d;
	int64_t t;

	d = fake_xfer(fd, len, &t);
	if (!d)
		return -errno;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		void *p = realloc(d->log, cap * sizeof(*d->log));

		if (!p)
			return -ENOMEM;
		d->log = p;
		d->cap = cap;
	}
	w = &d->log[d->n++];
	memset(w, 0, sizeof(*w));
	w->t_ns = t;
	w->len = len;
	memcpy(w->bytes, v, len < sizeof(w->bytes) ? len : sizeof(w->bytes));
	if (len > 0)
		d->port = v[0]; /* a TI part keeps the first byte */
	if (d->fn)
		d->fn(d->arg, I2C_FAKE_WRITE, v, len, t);
	return 0;
}

__s32 i2c_smbus_write_quick(int file, __u8 value)
{
	struct fake_dev *d;
	int64_t t;

	(void)value;
	d = fake_xfer(file, 0, &t);
	return d ? 0 : -errno;
}

__s32 i2c_smbus_read_byte(int file)
{
	struct fake_dev *d;
	int64_t t;

	d = fake_xfer(file, 1, &t);
	return d ? d->port : -errno;
}

__s32 i2c_smbus_write_byte(int file, __u8 value)
{
	return fake_write(file, &value, 1);
}

__s32 i2c_smbus_write_byte_data(int file, __u8 command, __u8 value)
{
	const uint8_t v[2] = { command, value };

	return fake_write(file, v, 2);
}

__s32 i2c_smbus_write_word_data(int file, __u8 command, __u16 value)
{
	const uint8_t v[3] = { command, (uint8_t)value, (uint8_t)(value >> 8) };

	return fake_write(file, v, 3);
}

__s32 i2c_smbus_write_i2c_block_data(int file, __u8 command, __u8 length,
				     const __u8 *values)
{
	uint8_t v[33];

	if (length > 32)
		return -EINVAL;
	v[0] = command;
	memcpy(v + 1, values, length);
	return fake_write(file, v, (size_t)length + 1);
}
