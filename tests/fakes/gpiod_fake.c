/*
 * gpiod_fake.c - a link-time fake of the libgpiod 1.6 calls pilotlight
 * makes (src/hw/gpio.c), over the model in gpiod_model.c.
 *
 * Compiled against the real <gpiod.h> (1.6.3 here), so a signature that
 * drifts from the library fails to build.  Linked into every unit test
 * ahead of the library and inert until a test adds chips; not linked into
 * test_gpio_v2, which has the 2.x fake (tests/fakes/v2/) instead.  Where
 * the system's libgpiod is 2.x (PL_GPIOD_V2), this object is the 2.x fake.
 */
#ifdef PL_GPIOD_V2
#include "v2/gpiod_v2_fake.c"
#else

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gpiod.h>

#include "gpiod_fake.h"

struct gpiod_line {
	struct gpiod_chip *chip;
	unsigned offset;
};

struct gpiod_chip {
	int idx;
	struct gpiod_line lines[GPIOD_FAKE_MAX_LINES];
};

struct gpiod_chip *gpiod_chip_open(const char *path)
{
	struct gpiod_chip *c;
	int idx = gpiod_fake_find(path);
	unsigned o;

	if (idx < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->idx = idx;
	for (o = 0; o < GPIOD_FAKE_MAX_LINES; o++) {
		c->lines[o].chip = c;
		c->lines[o].offset = o;
	}
	return c;
}

/* As the library: closing a chip releases the lines requested through
 * it. */
void gpiod_chip_close(struct gpiod_chip *chip)
{
	struct gpiod_fake_line *l;
	unsigned o;

	for (o = 0; o < gpiod_fake_chip(chip->idx)->n_lines; o++) {
		l = gpiod_fake_line(chip->idx, o);
		if (l->requested && l->owner == &chip->lines[o])
			gpiod_fake_release(chip->idx, o);
	}
	gpiod_fake_closed(chip->idx);
	free(chip);
}

const char *gpiod_chip_name(struct gpiod_chip *chip)
{
	return gpiod_fake_chip(chip->idx)->name;
}

const char *gpiod_chip_label(struct gpiod_chip *chip)
{
	return gpiod_fake_chip(chip->idx)->label;
}

unsigned int gpiod_chip_num_lines(struct gpiod_chip *chip)
{
	return gpiod_fake_chip(chip->idx)->n_lines;
}

struct gpiod_line *gpiod_chip_get_line(struct gpiod_chip *chip,
				       unsigned int offset)
{
	if (offset >= gpiod_fake_chip(chip->idx)->n_lines) {
		errno = EINVAL;
		return NULL;
	}
	return &chip->lines[offset];
}

int gpiod_line_update(struct gpiod_line *line)
{
	(void)line;
	return 0;
}

bool gpiod_line_is_used(struct gpiod_line *line)
{
	const char *c;

	return gpiod_fake_used(line->chip->idx, line->offset, &c);
}

const char *gpiod_line_consumer(struct gpiod_line *line)
{
	const char *c;

	gpiod_fake_used(line->chip->idx, line->offset, &c);
	return c && *c ? c : NULL;
}

static enum gpiod_fake_bias fake_v1_bias(int flags)
{
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
		return GPIOD_FAKE_BIAS_PULL_UP;
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
		return GPIOD_FAKE_BIAS_PULL_DOWN;
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
		return GPIOD_FAKE_BIAS_DISABLED;
	return GPIOD_FAKE_BIAS_AS_IS;
}

int gpiod_line_request_output_flags(struct gpiod_line *line,
				    const char *consumer, int flags,
				    int default_val)
{
	struct gpiod_fake_req r = {
		.consumer = consumer,
		.dir = GPIOD_FAKE_DIR_OUTPUT,
		.bias = fake_v1_bias(flags),
		.active_low = flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW,
		.value = default_val ? 1 : 0,
	};

	return gpiod_fake_request(line->chip->idx, line->offset, line, &r);
}

int gpiod_line_request_both_edges_events_flags(struct gpiod_line *line,
					       const char *consumer, int flags)
{
	struct gpiod_fake_req r = {
		.consumer = consumer,
		.dir = GPIOD_FAKE_DIR_INPUT,
		.bias = fake_v1_bias(flags),
		.active_low = flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW,
		.both_edges = true,
	};

	return gpiod_fake_request(line->chip->idx, line->offset, line, &r);
}

void gpiod_line_release(struct gpiod_line *line)
{
	gpiod_fake_release(line->chip->idx, line->offset);
}

int gpiod_line_set_value(struct gpiod_line *line, int value)
{
	struct gpiod_fake_line *l =
		gpiod_fake_line(line->chip->idx, line->offset);

	if (!l->requested || l->dir != GPIOD_FAKE_DIR_OUTPUT) {
		errno = EPERM;
		return -1;
	}
	gpiod_fake_set(line->chip->idx, line->offset, value);
	return 0;
}

int gpiod_line_get_value(struct gpiod_line *line)
{
	return gpiod_fake_get(line->chip->idx, line->offset);
}

int gpiod_line_event_get_fd(struct gpiod_line *line)
{
	struct gpiod_fake_line *l =
		gpiod_fake_line(line->chip->idx, line->offset);

	if (!l->requested || !l->both_edges) {
		errno = EPERM;
		return -1;
	}
	return l->fd[0];
}

/* Never blocks: the tests drive time themselves. */
int gpiod_line_event_wait(struct gpiod_line *line,
			  const struct timespec *timeout)
{
	struct gpiod_fake_event ev;

	(void)timeout;
	return gpiod_fake_next_event(line->chip->idx, line->offset, true, &ev);
}

int gpiod_line_event_read(struct gpiod_line *line,
			  struct gpiod_line_event *event)
{
	struct gpiod_fake_event ev;

	if (!gpiod_fake_next_event(line->chip->idx, line->offset, false, &ev)) {
		errno = EAGAIN;
		return -1;
	}
	event->event_type = ev.rising ? GPIOD_LINE_EVENT_RISING_EDGE
				      : GPIOD_LINE_EVENT_FALLING_EDGE;
	event->ts.tv_sec = ev.ts_ns / 1000000000;
	event->ts.tv_nsec = ev.ts_ns % 1000000000;
	return 0;
}

#endif /* PL_GPIOD_V2 */
