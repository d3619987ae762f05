/*
 * gpiod_fake.h - the recording model behind the link-time libgpiod fakes
 * (tests/fakes/gpiod_fake.c for the 1.x API, tests/fakes/v2/ for 2.x).
 *
 * A test adds chips (label, line count; one may refuse to open), marks
 * lines busy with a consumer, points gpio_dev_dir at gpiod_fake_dir()
 * (one empty file per chip), drives the fake time and the button's input
 * level.  The model records every request (consumer, direction, bias,
 * edges, active-low, debounce), every value set on the fake time line and
 * every release, and queues edge events behind a pipe that the code under
 * test polls like the kernel's line fd.  Until a test adds a chip the
 * model is inert.
 */
#ifndef GPIOD_FAKE_H
#define GPIOD_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPIOD_FAKE_MAX_CHIPS   8
#define GPIOD_FAKE_MAX_LINES   64
#define GPIOD_FAKE_MAX_EVENTS  64
#define GPIOD_FAKE_MAX_CHANGES 8192

enum gpiod_fake_dir {
	GPIOD_FAKE_DIR_NONE,
	GPIOD_FAKE_DIR_INPUT,
	GPIOD_FAKE_DIR_OUTPUT,
};

enum gpiod_fake_bias {
	GPIOD_FAKE_BIAS_AS_IS,
	GPIOD_FAKE_BIAS_DISABLED,
	GPIOD_FAKE_BIAS_PULL_UP,
	GPIOD_FAKE_BIAS_PULL_DOWN,
};

/* What a request asks of one line. */
struct gpiod_fake_req {
	const char *consumer;
	enum gpiod_fake_dir dir;
	enum gpiod_fake_bias bias;
	bool active_low;
	bool both_edges;
	int64_t debounce_us; /* kernel debounce (2.x only) */
	int value;	     /* initial logical output value */
};

struct gpiod_fake_event {
	bool rising; /* logical: true = became active */
	int64_t ts_ns;
};

struct gpiod_fake_line {
	/* set by the test */
	char busy[32]; /* held by another consumer; "" free */
	int level;     /* physical input level, -1 until known */
	/* recorded */
	int requests; /* how many times it was requested */
	bool requested;
	const void *owner; /* the fake handle that requested it */
	char consumer[32];
	enum gpiod_fake_dir dir;
	enum gpiod_fake_bias bias;
	bool active_low;
	bool both_edges;
	int64_t debounce_us;
	int value;		       /* logical value last set */
	uint64_t set_seq, release_seq; /* order of the last set/release */
	/* edge events (logical), behind a pipe */
	int fd[2];
	struct gpiod_fake_event q[GPIOD_FAKE_MAX_EVENTS];
	int nq;
	bool deb_level; /* the kernel debouncer's level (2.x) */
};

struct gpiod_fake_chip {
	char name[32];
	char label[64];
	char path[256];
	unsigned n_lines;
	int open_errno; /* != 0: gpiod_chip_open() fails with it */
	int opened;	/* handles currently open */
	struct gpiod_fake_line lines[GPIOD_FAKE_MAX_LINES];
};

enum gpiod_fake_kind {
	GPIOD_FAKE_REQUEST,
	GPIOD_FAKE_SET,
	GPIOD_FAKE_RELEASE,
};

/* One entry of the time line. */
struct gpiod_fake_change {
	int64_t t_ns;
	uint64_t seq;
	enum gpiod_fake_kind kind;
	int chip;
	unsigned offset;
	int value; /* logical */
	int level; /* physical: value ^ active_low */
};

/* The fake time stamped on every change; tests advance it. */
extern int64_t gpiod_fake_now_ns;

/* Forget everything (closes pipes, removes the chip files). */
void gpiod_fake_reset(void);

/* The directory holding one empty gpiochipN file per chip. */
const char *gpiod_fake_dir(void);

/* Add chip gpiochipN (N = the returned index). */
int gpiod_fake_add_chip(const char *label, unsigned n_lines);
void gpiod_fake_fail_open(int chip, int err);
void gpiod_fake_set_busy(int chip, unsigned offset, const char *consumer);
struct gpiod_fake_chip *gpiod_fake_chip(int chip);
struct gpiod_fake_line *gpiod_fake_line(int chip, unsigned offset);
int gpiod_fake_open_handles(void);

/* The button: the physical level changes at ts_ns (an edge event if the
 * line watches edges). */
void gpiod_fake_input(int chip, unsigned offset, int level, int64_t ts_ns);

/* The time line, oldest first. */
const struct gpiod_fake_change *gpiod_fake_changes(size_t *n);

/* The logical value of an output at t_ns (after every change stamped at
 * or before t_ns), -1 if it was not requested then. */
int gpiod_fake_value_at(int chip, unsigned offset, int64_t t_ns);

/* ---- for the API fakes ---- */

/* The chip whose file is path, or -1 with errno. */
int gpiod_fake_find(const char *path);
/* A handle from gpiod_fake_find() was closed. */
void gpiod_fake_closed(int chip);
int gpiod_fake_request(int chip, unsigned offset, const void *owner,
		       const struct gpiod_fake_req *r);
void gpiod_fake_release(int chip, unsigned offset);
void gpiod_fake_set(int chip, unsigned offset, int value);
/* Logical value of a requested line (input level or output value). */
int gpiod_fake_get(int chip, unsigned offset);
bool gpiod_fake_used(int chip, unsigned offset, const char **consumer);
/* The next edge event the kernel would deliver at gpiod_fake_now_ns
 * (after its debounce, 2.x); consume it unless peek.  1, 0 if none. */
int gpiod_fake_next_event(int chip, unsigned offset, bool peek,
			  struct gpiod_fake_event *ev);

#endif
