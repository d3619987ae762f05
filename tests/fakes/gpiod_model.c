/*
 * gpiod_model.c - the chips, lines and time line shared by the libgpiod
 * 1.x fake (gpiod_fake.c) and the 2.x fake (v2/gpiod_v2_fake.c).
 *
 * Plain data with a few rules the kernel enforces: a line held by someone
 * else or already requested is EBUSY; edges are queued only for lines that
 * watch them; 2.x's kernel debounce delivers an edge once the level has
 * been stable for the period (gpiolib-cdev's debounce_work_func), stamped
 * at that moment.  See gpiod_fake.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpiod_fake.h"

int64_t gpiod_fake_now_ns;

static struct gpiod_fake_chip fake_chips[GPIOD_FAKE_MAX_CHIPS];
static int fake_n_chips;
static int fake_handles;
static char fake_dir[64];
static struct gpiod_fake_change fake_tl[GPIOD_FAKE_MAX_CHANGES];
static size_t fake_n_tl;
static uint64_t fake_seq;

static void fake_remove_dir(void)
{
	int i;

	for (i = 0; i < fake_n_chips; i++)
		unlink(fake_chips[i].path);
	if (fake_dir[0])
		rmdir(fake_dir);
	fake_dir[0] = '\0';
}

const char *gpiod_fake_dir(void)
{
	if (!fake_dir[0]) {
		snprintf(fake_dir, sizeof(fake_dir), "/tmp/gpiod-fake-XXXXXX");
		if (!mkdtemp(fake_dir)) {
			perror("gpiod fake: mkdtemp");
			abort();
		}
		atexit(fake_remove_dir);
	}
	return fake_dir;
}

static void fake_close_pipe(struct gpiod_fake_line *l)
{
	if (l->fd[0] >= 0)
		close(l->fd[0]);
	if (l->fd[1] >= 0)
		close(l->fd[1]);
	l->fd[0] = l->fd[1] = -1;
}

void gpiod_fake_reset(void)
{
	int c, o;

	for (c = 0; c < fake_n_chips; c++) {
		unlink(fake_chips[c].path);
		for (o = 0; o < GPIOD_FAKE_MAX_LINES; o++)
			fake_close_pipe(&fake_chips[c].lines[o]);
	}
	memset(fake_chips, 0, sizeof(fake_chips));
	fake_n_chips = 0;
	fake_handles = 0;
	fake_n_tl = 0;
	fake_seq = 0;
	gpiod_fake_now_ns = 0;
}

int gpiod_fake_add_chip(const char *label, unsigned n_lines)
{
	struct gpiod_fake_chip *c = &fake_chips[fake_n_chips];
	FILE *f;
	int o;

	if (fake_n_chips == GPIOD_FAKE_MAX_CHIPS ||
	    n_lines > GPIOD_FAKE_MAX_LINES)
		abort();
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "gpiochip%d", fake_n_chips);
	snprintf(c->label, sizeof(c->label), "%s", label);
	snprintf(c->path, sizeof(c->path), "%s/gpiochip%d", gpiod_fake_dir(),
		 fake_n_chips);
	c->n_lines = n_lines;
	for (o = 0; o < GPIOD_FAKE_MAX_LINES; o++) {
		c->lines[o].fd[0] = c->lines[o].fd[1] = -1;
		c->lines[o].level = -1;
	}
	f = fopen(c->path, "w");
	if (f)
		fclose(f);
	return fake_n_chips++;
}

struct gpiod_fake_chip *gpiod_fake_chip(int chip)
{
	return chip >= 0 && chip < fake_n_chips ? &fake_chips[chip] : NULL;
}

struct gpiod_fake_line *gpiod_fake_line(int chip, unsigned offset)
{
	struct gpiod_fake_chip *c = gpiod_fake_chip(chip);

	return c && offset < c->n_lines ? &c->lines[offset] : NULL;
}

void gpiod_fake_fail_open(int chip, int err)
{
	fake_chips[chip].open_errno = err;
}

void gpiod_fake_set_busy(int chip, unsigned offset, const char *consumer)
{
	struct gpiod_fake_line *l = gpiod_fake_line(chip, offset);

	if (l)
		snprintf(l->busy, sizeof(l->busy), "%s", consumer);
}

int gpiod_fake_open_handles(void)
{
	return fake_handles;
}

int gpiod_fake_find(const char *path)
{
	int c;

	for (c = 0; c < fake_n_chips; c++) {
		if (strcmp(fake_chips[c].path, path) != 0)
			continue;
		if (fake_chips[c].open_errno) {
			errno = fake_chips[c].open_errno;
			return -1;
		}
		fake_handles++;
		fake_chips[c].opened++;
		return c;
	}
	errno = ENOENT;
	return -1;
}

void gpiod_fake_closed(int chip)
{
	fake_handles--;
	fake_chips[chip].opened--;
}

static void fake_record(enum gpiod_fake_kind kind, int chip, unsigned off,
			const struct gpiod_fake_line *l)
{
	struct gpiod_fake_change *ch;

	if (fake_n_tl == GPIOD_FAKE_MAX_CHANGES)
		return;
	ch = &fake_tl[fake_n_tl++];
	ch->t_ns = gpiod_fake_now_ns;
	ch->seq = ++fake_seq;
	ch->kind = kind;
	ch->chip = chip;
	ch->offset = off;
	ch->value = l->value;
	ch->level = l->value ^ (l->active_low ? 1 : 0);
}

int gpiod_fake_request(int chip, unsigned offset, const void *owner,
		       const struct gpiod_fake_req *r)
{
	struct gpiod_fake_line *l = gpiod_fake_line(chip, offset);

	if (!l) {
		errno = EINVAL;
		return -1;
	}
	if (l->busy[0] || l->requested) {
		errno = EBUSY;
		return -1;
	}
	l->requests++;
	l->requested = true;
	l->owner = owner;
	snprintf(l->consumer, sizeof(l->consumer), "%s",
		 r->consumer ? r->consumer : "");
	l->dir = r->dir;
	l->bias = r->bias;
	l->active_low = r->active_low;
	l->both_edges = r->both_edges;
	l->debounce_us = r->debounce_us;
	if (l->level < 0)
		l->level = r->bias == GPIOD_FAKE_BIAS_PULL_UP;
	l->value = r->dir == GPIOD_FAKE_DIR_OUTPUT ? r->value : 0;
	l->nq = 0;
	l->deb_level = l->level ^ l->active_low;
	if (r->both_edges && pipe2(l->fd, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	if (r->dir == GPIOD_FAKE_DIR_OUTPUT)
		fake_record(GPIOD_FAKE_REQUEST, chip, offset, l);
	return 0;
}

void gpiod_fake_release(int chip, unsigned offset)
{
	struct gpiod_fake_line *l = gpiod_fake_line(chip, offset);

	if (!l || !l->requested)
		return;
	l->requested = false;
	l->owner = NULL;
	l->release_seq = fake_seq + 1;
	fake_record(GPIOD_FAKE_RELEASE, chip, offset, l);
	fake_close_pipe(l);
	l->nq = 0;
}

void gpiod_fake_set(int chip, unsigned offset, int value)
{
	struct gpiod_fake_line *l = gpiod_fake_line(chip, offset);

	if (!l || !l->requested)
		return;
	l->value = value ? 1 : 0;
	l->set_seq = fake_seq + 1;
	fake_record(GPIOD_FAKE_SET, chip, offset, l);
}

int gpiod_fake_get(int chip, unsigned offset)
{
	struct gpiod_fake_line *l = gpiod_fake_line(chip, offset);

	if (!l || !l->requested) {
		errno = EPERM;
		return -1;
	}
	if (l->dir == GPIOD_FAKE_DIR_OUTPUT)
		return l->value;
	return l->level ^ (l->active_low ? 1 : 0);
}

bool gpiod_fake_used(int chip, unsigned offset, const char **consumer)
{
	struct gpiod_fake_line *l = gpiod_fake_line(chip, offset);

	*consumer = NULL;
	if (!l)
		return false;
	if (l->busy[0])
		*consumer = l->busy;
	else if (l->requested)
		*consumer = l->consumer;
	return *consumer != NULL;
}

void gpiod_fake_input(int chip, unsigned offset, int level, int64_t ts_ns)
{
	struct gpiod_fake_line *l = gpiod_fake_line(chip, offset);
	struct gpiod_fake_event *ev;

	if (!l || l->level == level)
		return;
	l->level = level;
	if (!l->requested || !l->both_edges || l->nq == GPIOD_FAKE_MAX_EVENTS)
		return;
	ev = &l->q[l->nq++];
	ev->rising = (level ^ (l->active_low ? 1 : 0)) != 0;
	ev->ts_ns = ts_ns;
	if (write(l->fd[1], "e", 1) < 0)
		perror("gpiod fake: write");
}

static void fake_pop(struct gpiod_fake_line *l)
{
	char c;

	memmove(l->q, l->q + 1, (size_t)(l->nq - 1) * sizeof(l->q[0]));
	l->nq--;
	if (l->fd[0] >= 0 && read(l->fd[0], &c, 1) < 0 && errno != EAGAIN)
		perror("gpiod fake: read");
}

/* Raw edges without debounce; with it, as the kernel's software debounce:
 * an edge followed by another within the period is dropped, an edge that
 * leaves the level where it was is not reported. */
static int fake_deliver(struct gpiod_fake_line *l, struct gpiod_fake_event *ev)
{
	int64_t period = l->debounce_us * 1000, end;

	while (l->nq > 0) {
		*ev = l->q[0];
		if (period <= 0) {
			fake_pop(l);
			return 1;
		}
		end = l->nq > 1 ? l->q[1].ts_ns : gpiod_fake_now_ns;
		if (end - ev->ts_ns < period) {
			if (l->nq == 1)
				return 0;
			fake_pop(l);
			continue;
		}
		fake_pop(l);
		if (ev->rising == l->deb_level)
			continue;
		l->deb_level = ev->rising;
		ev->ts_ns += period;
		return 1;
	}
	return 0;
}

int gpiod_fake_next_event(int chip, unsigned offset, bool peek,
			  struct gpiod_fake_event *ev)
{
	struct gpiod_fake_line *l = gpiod_fake_line(chip, offset);
	struct gpiod_fake_line copy;

	if (!l || !l->requested || !l->both_edges)
		return 0;
	if (!peek)
		return fake_deliver(l, ev);
	copy = *l;
	copy.fd[0] = copy.fd[1] = -1;
	return fake_deliver(&copy, ev);
}

const struct gpiod_fake_change *gpiod_fake_changes(size_t *n)
{
	*n = fake_n_tl;
	return fake_tl;
}

int gpiod_fake_value_at(int chip, unsigned offset, int64_t t_ns)
{
	int v = -1;
	size_t i;

	for (i = 0; i < fake_n_tl && fake_tl[i].t_ns <= t_ns; i++) {
		if (fake_tl[i].chip != chip || fake_tl[i].offset != offset)
			continue;
		v = fake_tl[i].kind == GPIOD_FAKE_RELEASE ? -1
							  : fake_tl[i].value;
	}
	return v;
}
