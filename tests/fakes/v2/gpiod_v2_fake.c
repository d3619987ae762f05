/*
 * gpiod_v2_fake.c - a link-time fake of the libgpiod 2.x calls declared
 * in tests/fakes/v2/gpiod.h, over the same model as the 1.x fake
 * (tests/fakes/gpiod_model.c), so test_gpio_v2 runs the PL_GPIOD_V2 path
 * of src/hw/gpio.c through the same scenarios as test_gpio.
 *
 * A request is all or nothing, as the kernel's: one busy line fails it
 * with EBUSY and nothing stays requested.  The kernel debounce period set
 * in the line settings is applied by the model to the edges it delivers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../gpiod_fake.h"
#include "gpiod.h"

struct gpiod_chip {
	int idx;
};

struct gpiod_chip_info {
	char name[32];
	char label[64];
	size_t n_lines;
};

struct gpiod_line_info {
	bool used;
	char consumer[32];
};

struct gpiod_line_settings {
	enum gpiod_line_direction dir;
	enum gpiod_line_edge edge;
	enum gpiod_line_bias bias;
	bool active_low;
	unsigned long debounce_us;
	enum gpiod_line_value value;
};

struct gpiod_line_config {
	size_t n;
	unsigned offsets[GPIOD_FAKE_MAX_LINES];
	struct gpiod_line_settings s[GPIOD_FAKE_MAX_LINES];
};

struct gpiod_request_config {
	char consumer[32];
};

struct gpiod_line_request {
	int chip;
	size_t n;
	unsigned offsets[GPIOD_FAKE_MAX_LINES];
};

struct gpiod_edge_event {
	enum gpiod_edge_event_type type;
	uint64_t ts_ns;
};

struct gpiod_edge_event_buffer {
	size_t cap, n;
	struct gpiod_edge_event ev[16];
};

static void *fake_alloc(size_t size)
{
	void *p = calloc(1, size);

	if (!p)
		abort();
	return p;
}

struct gpiod_chip *gpiod_chip_open(const char *path)
{
	struct gpiod_chip *c;
	int idx = gpiod_fake_find(path);

	if (idx < 0)
		return NULL;
	c = fake_alloc(sizeof(*c));
	c->idx = idx;
	return c;
}

void gpiod_chip_close(struct gpiod_chip *chip)
{
	gpiod_fake_closed(chip->idx);
	free(chip);
}

struct gpiod_chip_info *gpiod_chip_get_info(struct gpiod_chip *chip)
{
	struct gpiod_chip_info *i = fake_alloc(sizeof(*i));
	const struct gpiod_fake_chip *c = gpiod_fake_chip(chip->idx);

	memcpy(i->name, c->name, sizeof(i->name));
	memcpy(i->label, c->label, sizeof(i->label));
	i->n_lines = c->n_lines;
	return i;
}

void gpiod_chip_info_free(struct gpiod_chip_info *info)
{
	free(info);
}

const char *gpiod_chip_info_get_name(struct gpiod_chip_info *info)
{
	return info->name;
}

const char *gpiod_chip_info_get_label(struct gpiod_chip_info *info)
{
	return info->label;
}

size_t gpiod_chip_info_get_num_lines(struct gpiod_chip_info *info)
{
	return info->n_lines;
}

struct gpiod_line_info *gpiod_chip_get_line_info(struct gpiod_chip *chip,
						 unsigned int offset)
{
	struct gpiod_line_info *i;
	const char *c;

	if (!gpiod_fake_line(chip->idx, offset)) {
		errno = EINVAL;
		return NULL;
	}
	i = fake_alloc(sizeof(*i));
	i->used = gpiod_fake_used(chip->idx, offset, &c);
	if (c)
		strncpy(i->consumer, c, sizeof(i->consumer) - 1);
	return i;
}

void gpiod_line_info_free(struct gpiod_line_info *info)
{
	free(info);
}

bool gpiod_line_info_is_used(struct gpiod_line_info *info)
{
	return info->used;
}

const char *gpiod_line_info_get_consumer(struct gpiod_line_info *info)
{
	return info->consumer[0] ? info->consumer : NULL;
}

struct gpiod_line_settings *gpiod_line_settings_new(void)
{
	struct gpiod_line_settings *s = fake_alloc(sizeof(*s));

	/* The library's defaults. */
	s->dir = GPIOD_LINE_DIRECTION_AS_IS;
	s->edge = GPIOD_LINE_EDGE_NONE;
	s->bias = GPIOD_LINE_BIAS_AS_IS;
	s->value = GPIOD_LINE_VALUE_INACTIVE;
	return s;
}

void gpiod_line_settings_free(struct gpiod_line_settings *settings)
{
	free(settings);
}

int gpiod_line_settings_set_direction(struct gpiod_line_settings *settings,
				      enum gpiod_line_direction direction)
{
	settings->dir = direction;
	return 0;
}

int gpiod_line_settings_set_edge_detection(struct gpiod_line_settings *settings,
					   enum gpiod_line_edge edge)
{
	settings->edge = edge;
	return 0;
}

int gpiod_line_settings_set_bias(struct gpiod_line_settings *settings,
				 enum gpiod_line_bias bias)
{
	settings->bias = bias;
	return 0;
}

void gpiod_line_settings_set_active_low(struct gpiod_line_settings *settings,
					bool active_low)
{
	settings->active_low = active_low;
}

void gpiod_line_settings_set_debounce_period_us(
	struct gpiod_line_settings *settings, unsigned long period)
{
	settings->debounce_us = period;
}

int gpiod_line_settings_set_output_value(struct gpiod_line_settings *settings,
					 enum gpiod_line_value value)
{
	settings->value = value;
	return 0;
}

struct gpiod_line_config *gpiod_line_config_new(void)
{
	return fake_alloc(sizeof(struct gpiod_line_config));
}

void gpiod_line_config_free(struct gpiod_line_config *config)
{
	free(config);
}

int gpiod_line_config_add_line_settings(struct gpiod_line_config *config,
					const unsigned int *offsets,
					size_t num_offsets,
					struct gpiod_line_settings *settings)
{
	size_t i;

	if (config->n + num_offsets > GPIOD_FAKE_MAX_LINES) {
		errno = E2BIG;
		return -1;
	}
	for (i = 0; i < num_offsets; i++) {
		config->offsets[config->n] = offsets[i];
		config->s[config->n++] = *settings;
	}
	return 0;
}

struct gpiod_request_config *gpiod_request_config_new(void)
{
	return fake_alloc(sizeof(struct gpiod_request_config));
}

void gpiod_request_config_free(struct gpiod_request_config *config)
{
	free(config);
}

void gpiod_request_config_set_consumer(struct gpiod_request_config *config,
				       const char *consumer)
{
	strncpy(config->consumer, consumer, sizeof(config->consumer) - 1);
}

static enum gpiod_fake_bias fake_v2_bias(enum gpiod_line_bias b)
{
	switch (b) {
	case GPIOD_LINE_BIAS_PULL_UP:
		return GPIOD_FAKE_BIAS_PULL_UP;
	case GPIOD_LINE_BIAS_PULL_DOWN:
		return GPIOD_FAKE_BIAS_PULL_DOWN;
	case GPIOD_LINE_BIAS_DISABLED:
		return GPIOD_FAKE_BIAS_DISABLED;
	default:
		return GPIOD_FAKE_BIAS_AS_IS;
	}
}

static enum gpiod_fake_dir fake_v2_dir(enum gpiod_line_direction d)
{
	if (d == GPIOD_LINE_DIRECTION_OUTPUT)
		return GPIOD_FAKE_DIR_OUTPUT;
	if (d == GPIOD_LINE_DIRECTION_INPUT)
		return GPIOD_FAKE_DIR_INPUT;
	return GPIOD_FAKE_DIR_NONE;
}

struct gpiod_line_request *
gpiod_chip_request_lines(struct gpiod_chip *chip,
			 struct gpiod_request_config *req_cfg,
			 struct gpiod_line_config *line_cfg)
{
	struct gpiod_line_request *req = fake_alloc(sizeof(*req));
	size_t i;
	int e;

	req->chip = chip->idx;
	for (i = 0; i < line_cfg->n; i++) {
		const struct gpiod_line_settings *s = &line_cfg->s[i];
		struct gpiod_fake_req r = {
			.consumer = req_cfg ? req_cfg->consumer : "",
			.dir = fake_v2_dir(s->dir),
			.bias = fake_v2_bias(s->bias),
			.active_low = s->active_low,
			.both_edges = s->edge == GPIOD_LINE_EDGE_BOTH,
			.debounce_us = (int64_t)s->debounce_us,
			.value = s->value == GPIOD_LINE_VALUE_ACTIVE,
		};

		if (gpiod_fake_request(chip->idx, line_cfg->offsets[i], req,
				       &r) < 0)
			goto fail;
		req->offsets[req->n++] = line_cfg->offsets[i];
	}
	return req;
fail:
	e = errno;
	gpiod_line_request_release(req);
	errno = e;
	return NULL;
}

void gpiod_line_request_release(struct gpiod_line_request *request)
{
	size_t i;

	for (i = 0; i < request->n; i++)
		gpiod_fake_release(request->chip, request->offsets[i]);
	free(request);
}

static bool fake_has(const struct gpiod_line_request *r, unsigned offset)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->offsets[i] == offset)
			return true;
	return false;
}

enum gpiod_line_value
gpiod_line_request_get_value(struct gpiod_line_request *request,
			     unsigned int offset)
{
	if (!fake_has(request, offset)) {
		errno = EINVAL;
		return GPIOD_LINE_VALUE_ERROR;
	}
	return gpiod_fake_get(request->chip, offset)
		       ? GPIOD_LINE_VALUE_ACTIVE
		       : GPIOD_LINE_VALUE_INACTIVE;
}

int gpiod_line_request_set_value(struct gpiod_line_request *request,
				 unsigned int offset,
				 enum gpiod_line_value value)
{
	if (!fake_has(request, offset)) {
		errno = EINVAL;
		return -1;
	}
	gpiod_fake_set(request->chip, offset, value == GPIOD_LINE_VALUE_ACTIVE);
	return 0;
}

int gpiod_line_request_get_fd(struct gpiod_line_request *request)
{
	return gpiod_fake_line(request->chip, request->offsets[0])->fd[0];
}

/* Never blocks: the tests drive time themselves. */
int gpiod_line_request_wait_edge_events(struct gpiod_line_request *request,
					int64_t timeout_ns)
{
	struct gpiod_fake_event ev;
	size_t i;

	(void)timeout_ns;
	for (i = 0; i < request->n; i++)
		if (gpiod_fake_next_event(request->chip, request->offsets[i],
					  true, &ev))
			return 1;
	return 0;
}

int gpiod_line_request_read_edge_events(struct gpiod_line_request *request,
					struct gpiod_edge_event_buffer *buffer,
					size_t max_events)
{
	struct gpiod_fake_event ev;
	size_t i;

	buffer->n = 0;
	for (i = 0; i < request->n && buffer->n < max_events &&
		    buffer->n < buffer->cap;) {
		if (!gpiod_fake_next_event(request->chip, request->offsets[i],
					   false, &ev)) {
			i++;
			continue;
		}
		buffer->ev[buffer->n].type =
			ev.rising ? GPIOD_EDGE_EVENT_RISING_EDGE
				  : GPIOD_EDGE_EVENT_FALLING_EDGE;
		buffer->ev[buffer->n++].ts_ns = (uint64_t)ev.ts_ns;
	}
	if (buffer->n == 0) {
		errno = EAGAIN;
		return -1;
	}
	return (int)buffer->n;
}

enum gpiod_edge_event_type
gpiod_edge_event_get_event_type(struct gpiod_edge_event *event)
{
	return event->type;
}

uint64_t gpiod_edge_event_get_timestamp_ns(struct gpiod_edge_event *event)
{
	return event->ts_ns;
}

struct gpiod_edge_event_buffer *gpiod_edge_event_buffer_new(size_t capacity)
{
	struct gpiod_edge_event_buffer *b = fake_alloc(sizeof(*b));

	b->cap = capacity == 0 || capacity > 16 ? 16 : capacity;
	return b;
}

void gpiod_edge_event_buffer_free(struct gpiod_edge_event_buffer *buffer)
{
	free(buffer);
}

struct gpiod_edge_event *
gpiod_edge_event_buffer_get_event(struct gpiod_edge_event_buffer *buffer,
				  unsigned long index)
{
	return index < buffer->n ? &buffer->ev[index] : NULL;
}
