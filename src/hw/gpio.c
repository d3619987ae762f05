/*
 * gpio.c - the header's GPIO lines through libgpiod, one source for both
 * APIs: 1.6 (bookworm) and 2.x (trixie, built with PL_GPIOD_V2).
 *
 * Only the gpio_raw_*() functions touch libgpiod; each has a v1 and a v2
 * body (include/gpiod.h of the v1.6.x and v2.2 branches).  Everything
 * else - chip discovery, the messages, feeding 1.x's edges through the
 * daemon's debounce (debounce.h) - is written once.  Chips are found by iterating gpio_dev_dir ourselves,
 * because v1's gpiod_chip_open_by_label() gives up when any chip fails to
 * open, and by label, because the header's chip number differs between
 * Pi models and kernels.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gpiod.h>

#include "clock.h"
#include "gpio.h"
#include "debounce.h"
#include "gpio_internal.h"

#define GPIO_CONSUMER "pilotlight"
/* Kernels before 5.7 stamped v1 events with CLOCK_REALTIME: a timestamp
 * this far from now is replaced by now. */
#define GPIO_TS_SANITY_NS (60 * NS_PER_S)

const char *gpio_dev_dir = "/dev";

struct gpio {
	char path[PATH_MAX];
	char name[32];
	char label[64];
	unsigned n_lines;
	int n_out;
	int out_offset[GPIO_MAX_LINES];
	int btn_offset; /* -1: no button */
	struct debounce deb;
	struct gpiod_chip *chip;
#ifdef PL_GPIOD_V2
	struct gpiod_line_request *out_req;
	struct gpiod_line_request *btn_req;
	struct gpiod_edge_event_buffer *evbuf;
#else
	struct gpiod_line *out_line[GPIO_MAX_LINES];
	struct gpiod_line *btn_line;
#endif
};

#ifdef PL_GPIOD_V2

static int gpio_raw_open(struct gpio *g, const char *path)
{
	struct gpiod_chip_info *info;
	int e;

	g->chip = gpiod_chip_open(path);
	info = g->chip ? gpiod_chip_get_info(g->chip) : NULL;
	if (!info) {
		e = errno;
		if (g->chip)
			gpiod_chip_close(g->chip);
		g->chip = NULL;
		errno = e;
		return -1;
	}
	snprintf(g->name, sizeof(g->name), "%s",
		 gpiod_chip_info_get_name(info));
	snprintf(g->label, sizeof(g->label), "%s",
		 gpiod_chip_info_get_label(info));
	g->n_lines = (unsigned)gpiod_chip_info_get_num_lines(info);
	gpiod_chip_info_free(info);
	return 0;
}

/* 1 if the line is used (consumer copied to buf), 0 if free, -1. */
static int gpio_raw_consumer(struct gpio *g, unsigned off, char *buf,
			     size_t len)
{
	struct gpiod_line_info *info = gpiod_chip_get_line_info(g->chip, off);
	const char *c;
	int used;

	if (!info)
		return -1;
	used = gpiod_line_info_is_used(info);
	c = gpiod_line_info_get_consumer(info);
	snprintf(buf, len, "%s", c ? c : "");
	gpiod_line_info_free(info);
	return used;
}

/* Request offs[0..n) with settings s, each line's active-low from al if
 * given, under our consumer name; frees s. */
static struct gpiod_line_request *
gpio_raw_request(struct gpio *g, struct gpiod_line_settings *s, const int *offs,
		 const bool *al, int n)
{
	struct gpiod_line_config *lc = gpiod_line_config_new();
	struct gpiod_request_config *rc = gpiod_request_config_new();
	struct gpiod_line_request *req = NULL;
	unsigned off;
	int i, e;

	if (!s || !lc || !rc)
		goto out;
	gpiod_request_config_set_consumer(rc, GPIO_CONSUMER);
	for (i = 0; i < n; i++) {
		off = (unsigned)offs[i];
		if (al)
			gpiod_line_settings_set_active_low(s, al[i]);
		if (gpiod_line_config_add_line_settings(lc, &off, 1, s) < 0)
			goto out;
	}
	req = gpiod_chip_request_lines(g->chip, rc, lc);
out:
	e = errno;
	if (rc)
		gpiod_request_config_free(rc);
	if (lc)
		gpiod_line_config_free(lc);
	if (s)
		gpiod_line_settings_free(s);
	errno = e;
	return req;
}

/* One request for all outputs, each line with its own active-low. */
static int gpio_raw_request_outputs(struct gpio *g, const bool *active_low)
{
	struct gpiod_line_settings *s = gpiod_line_settings_new();

	if (s) {
		gpiod_line_settings_set_direction(s,
						  GPIOD_LINE_DIRECTION_OUTPUT);
		gpiod_line_settings_set_output_value(s,
						     GPIOD_LINE_VALUE_INACTIVE);
	}
	g->out_req =
		gpio_raw_request(g, s, g->out_offset, active_low, g->n_out);
	return g->out_req ? 0 : -1;
}

static int gpio_raw_set(struct gpio *g, int i, bool active)
{
	return gpiod_line_request_set_value(
		g->out_req, (unsigned)g->out_offset[i],
		active ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
}

static void gpio_raw_release_outputs(struct gpio *g)
{
	if (g->out_req)
		gpiod_line_request_release(g->out_req);
	g->out_req = NULL;
}

/* Input, pull-up, both edges, active low, debounced by the kernel. */
static int gpio_raw_request_button(struct gpio *g, int64_t debounce_us)
{
	struct gpiod_line_settings *s = gpiod_line_settings_new();

	g->evbuf = gpiod_edge_event_buffer_new(1);
	if (s) {
		gpiod_line_settings_set_direction(s,
						  GPIOD_LINE_DIRECTION_INPUT);
		gpiod_line_settings_set_bias(s, GPIOD_LINE_BIAS_PULL_UP);
		gpiod_line_settings_set_edge_detection(s, GPIOD_LINE_EDGE_BOTH);
		gpiod_line_settings_set_active_low(s, true);
		gpiod_line_settings_set_debounce_period_us(
			s, (unsigned long)debounce_us);
	}
	if (!g->evbuf) {
		if (s)
			gpiod_line_settings_free(s);
		return -1;
	}
	g->btn_req = gpio_raw_request(g, s, &g->btn_offset, NULL, 1);
	return g->btn_req ? gpiod_line_request_get_fd(g->btn_req) : -1;
}

static int gpio_raw_button_level(struct gpio *g)
{
	return gpiod_line_request_get_value(g->btn_req,
					    (unsigned)g->btn_offset);
}

/* Read one edge without blocking: 1 with it, 0 if none, -1. */
static int gpio_raw_read_edge(struct gpio *g, bool *active, int64_t *ts_ns)
{
	struct gpiod_edge_event *ev;
	int r = gpiod_line_request_wait_edge_events(g->btn_req, 0);

	if (r <= 0)
		return r;
	if (gpiod_line_request_read_edge_events(g->btn_req, g->evbuf, 1) < 1)
		return -1;
	ev = gpiod_edge_event_buffer_get_event(g->evbuf, 0);
	*active = gpiod_edge_event_get_event_type(ev) ==
		  GPIOD_EDGE_EVENT_RISING_EDGE;
	*ts_ns = (int64_t)gpiod_edge_event_get_timestamp_ns(ev);
	return 1;
}

static void gpio_raw_release_button(struct gpio *g)
{
	if (g->btn_req)
		gpiod_line_request_release(g->btn_req);
	if (g->evbuf)
		gpiod_edge_event_buffer_free(g->evbuf);
	g->btn_req = NULL;
	g->evbuf = NULL;
}

#else /* libgpiod 1.x */

static int gpio_raw_open(struct gpio *g, const char *path)
{
	g->chip = gpiod_chip_open(path);
	if (!g->chip)
		return -1;
	snprintf(g->name, sizeof(g->name), "%s", gpiod_chip_name(g->chip));
	snprintf(g->label, sizeof(g->label), "%s", gpiod_chip_label(g->chip));
	g->n_lines = gpiod_chip_num_lines(g->chip);
	return 0;
}

static int gpio_raw_consumer(struct gpio *g, unsigned off, char *buf,
			     size_t len)
{
	struct gpiod_line *line = gpiod_chip_get_line(g->chip, off);
	const char *c;

	if (!line || gpiod_line_update(line) < 0)
		return -1;
	if (!gpiod_line_is_used(line))
		return 0;
	c = gpiod_line_consumer(line);
	snprintf(buf, len, "%s", c ? c : "");
	return 1;
}

static void gpio_raw_release_outputs(struct gpio *g)
{
	int i;

	for (i = 0; i < g->n_out; i++) {
		if (g->out_line[i])
			gpiod_line_release(g->out_line[i]);
		g->out_line[i] = NULL;
	}
}

/* v1 applies one set of flags to a bulk request, so each line is its own
 * request (per-line active-low). */
static int gpio_raw_request_outputs(struct gpio *g, const bool *active_low)
{
	struct gpiod_line *line;
	int i, flags, e;

	for (i = 0; i < g->n_out; i++) {
		line = gpiod_chip_get_line(g->chip, (unsigned)g->out_offset[i]);
		flags = active_low[i] ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
		if (!line || gpiod_line_request_output_flags(
				     line, GPIO_CONSUMER, flags, 0) < 0)
			goto fail;
		g->out_line[i] = line;
	}
	return 0;
fail:
	e = errno;
	gpio_raw_release_outputs(g);
	errno = e;
	return -1;
}

static int gpio_raw_set(struct gpio *g, int i, bool active)
{
	return gpiod_line_set_value(g->out_line[i], active ? 1 : 0);
}

/* v1 has no kernel debounce: debounce_us is the daemon's business. */
static int gpio_raw_request_button(struct gpio *g, int64_t debounce_us)
{
	struct gpiod_line *line;
	int flags = GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW |
		    GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;

	(void)debounce_us;
	line = gpiod_chip_get_line(g->chip, (unsigned)g->btn_offset);
	if (!line || gpiod_line_request_both_edges_events_flags(
			     line, GPIO_CONSUMER, flags) < 0)
		return -1;
	g->btn_line = line;
	return gpiod_line_event_get_fd(line);
}

static int gpio_raw_button_level(struct gpio *g)
{
	return gpiod_line_get_value(g->btn_line);
}

static int gpio_raw_read_edge(struct gpio *g, bool *active, int64_t *ts_ns)
{
	const struct timespec zero = { 0, 0 };
	struct gpiod_line_event ev;
	int r = gpiod_line_event_wait(g->btn_line, &zero);

	if (r <= 0)
		return r;
	if (gpiod_line_event_read(g->btn_line, &ev) < 0)
		return -1;
	*active = ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
	*ts_ns = (int64_t)ev.ts.tv_sec * NS_PER_S + ev.ts.tv_nsec;
	return 1;
}

static void gpio_raw_release_button(struct gpio *g)
{
	if (g->btn_line)
		gpiod_line_release(g->btn_line);
	g->btn_line = NULL;
}

#endif /* PL_GPIOD_V2 */

static void gpio_raw_close(struct gpio *g)
{
	if (g->chip)
		gpiod_chip_close(g->chip);
	g->chip = NULL;
}

static int gpio_dir_filter(const struct dirent *d)
{
	return strncmp(d->d_name, "gpiochip", 8) == 0;
}

/* The gpiochip* entries of gpio_dev_dir, in natural order (gpiochip2
 * before gpiochip10).  Returns n or -1; free with gpio_dir_free(). */
#define gpio_dir_list(list)                                                    \
	scandir(gpio_dev_dir, (list), gpio_dir_filter, versionsort)

static void gpio_dir_free(struct dirent **list, int n)
{
	while (n-- > 0)
		free(list[n]);
	free(list);
}

/* The 40-pin header's controller: Pi 3, Zero 2 W and older Pi 4 kernels;
 * Pi 4; Pi 5 (Raspberry Pi device trees). */
static bool gpio_is_header(const char *label)
{
	return strcmp(label, "pinctrl-bcm2835") == 0 ||
	       strcmp(label, "pinctrl-bcm2711") == 0 ||
	       strcmp(label, "pinctrl-rp1") == 0;
}

/* Does the open chip g match want ("" or NULL: the header's label)? */
static bool gpio_matches(const struct gpio *g, const char *want)
{
	if (!want || !*want)
		return gpio_is_header(g->label);
	return strcmp(g->label, want) == 0 || strcmp(g->name, want) == 0;
}

static int gpio_open_path(struct gpio *g, const char *path)
{
	snprintf(g->path, sizeof(g->path), "%s", path);
	return gpio_raw_open(g, path);
}

/* Try every gpiochip* in gpio_dev_dir; one that fails to open is noted
 * (shown if nothing matches) and skipped. */
static int gpio_find(struct gpio *g, const char *want, char *err, size_t errlen)
{
	char path[PATH_MAX], fail[PATH_MAX + 128] = "";
	struct dirent **list;
	int i, n = gpio_dir_list(&list);

	if (n < 0) {
		snprintf(err, errlen, "%s: %s", gpio_dev_dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", gpio_dev_dir,
			 list[i]->d_name);
		if (gpio_open_path(g, path) < 0) {
			if (!*fail)
				snprintf(fail, sizeof(fail), " (%s: %s)", path,
					 strerror(errno));
			continue;
		}
		if (gpio_matches(g, want))
			break;
		gpio_raw_close(g);
	}
	gpio_dir_free(list, n);
	if (i < n)
		return 0;
	if (want && *want)
		snprintf(err, errlen,
			 "no GPIO chip named or labelled '%s' in %s%s", want,
			 gpio_dev_dir, fail);
	else
		snprintf(err, errlen,
			 "no GPIO chip labelled pinctrl-bcm2835, "
			 "pinctrl-bcm2711 or pinctrl-rp1 in %s%s",
			 gpio_dev_dir, fail);
	return -1;
}

struct gpio *gpio_open(const char *chip, char *err, size_t errlen)
{
	struct gpio *g = calloc(1, sizeof(*g));

	if (!g) {
		snprintf(err, errlen, "gpio: %s", strerror(errno));
		return NULL;
	}
	g->btn_offset = -1;
	if (chip && strchr(chip, '/')) {
		if (gpio_open_path(g, chip) == 0)
			return g;
		snprintf(err, errlen, "cannot open GPIO chip %s: %s", chip,
			 strerror(errno));
	} else if (gpio_find(g, chip, err, errlen) == 0) {
		return g;
	}
	free(g);
	return NULL;
}

const char *gpio_chip_label(const struct gpio *g)
{
	return g->label;
}

const char *gpio_chip_path(const struct gpio *g)
{
	return g->path;
}

int gpio_check_line(struct gpio *g, int off, char *err, size_t errlen)
{
	char consumer[64];
	int used;

	if (off < 0 || (unsigned)off >= g->n_lines) {
		snprintf(err, errlen, "GPIO%d does not exist on %s (%u lines)",
			 off, g->label, g->n_lines);
		return -1;
	}
	used = gpio_raw_consumer(g, (unsigned)off, consumer, sizeof(consumer));
	if (used < 0) {
		snprintf(err, errlen, "GPIO%d (line %d of %s): %s", off, off,
			 g->label, strerror(errno));
		return -1;
	}
	if (used) {
		snprintf(err, errlen,
			 "GPIO%d (line %d of %s) is busy: used by '%s'", off,
			 off, g->label, *consumer ? consumer : "?");
		return -1;
	}
	return 0;
}

int gpio_request_outputs(struct gpio *g, const int *offsets,
			 const bool *active_low, int n, char *err,
			 size_t errlen)
{
	int i;

	if (g->n_out > 0 || n < 0 || n > GPIO_MAX_LINES) {
		snprintf(err, errlen,
			 "%d GPIO outputs requested (max %d, "
			 "once)",
			 n, GPIO_MAX_LINES);
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++)
		if (gpio_check_line(g, offsets[i], err, errlen) < 0)
			return -1;
	if (n == 0)
		return 0;
	memcpy(g->out_offset, offsets, (size_t)n * sizeof(*offsets));
	g->n_out = n;
	if (gpio_raw_request_outputs(g, active_low) == 0)
		return 0;
	snprintf(err, errlen, "cannot request GPIO outputs on %s (%s): %s",
		 g->label, g->path, strerror(errno));
	g->n_out = 0;
	return -1;
}

int gpio_set(struct gpio *g, int i, bool active)
{
	if (!g || i < 0 || i >= g->n_out) {
		errno = EINVAL;
		return -1;
	}
	return gpio_raw_set(g, i, active);
}

int gpio_request_button(struct gpio *g, int offset, int64_t debounce_us,
			char *err, size_t errlen)
{
	int fd, level;
	int64_t period_ns = debounce_us * 1000;

	if (gpio_check_line(g, offset, err, errlen) < 0)
		return -1;
	g->btn_offset = offset;
	fd = gpio_raw_request_button(g, debounce_us);
	level = fd >= 0 ? gpio_raw_button_level(g) : -1;
	if (fd < 0 || level < 0) {
		snprintf(err, errlen,
			 "GPIO%d (line %d of %s): cannot request "
			 "the button: %s",
			 offset, offset, g->label, strerror(errno));
		gpio_raw_release_button(g);
		g->btn_offset = -1;
		return -1;
	}
#ifdef PL_GPIOD_V2
	period_ns = 0; /* the kernel debounces */
#endif
	debounce_init(&g->deb, period_ns, level == 1, clock_now_ns());
	return fd;
}

int gpio_read_button(struct gpio *g, int64_t now_ns, bool *pressed,
		     int64_t *ts_ns)
{
	bool level;
	int64_t t;
	int r;

	if (!g || g->btn_offset < 0) {
		errno = EINVAL;
		return -1;
	}
	if (debounce_poll(&g->deb, now_ns, pressed, ts_ns))
		return 1;
	while ((r = gpio_raw_read_edge(g, &level, &t)) > 0) {
		if (t > now_ns || now_ns - t > GPIO_TS_SANITY_NS)
			t = now_ns;
		if (debounce_edge(&g->deb, level, t, pressed, ts_ns))
			return 1;
	}
	if (r < 0)
		return -1;
	return debounce_poll(&g->deb, now_ns, pressed, ts_ns);
}

int64_t gpio_button_deadline(const struct gpio *g)
{
	if (!g || g->btn_offset < 0)
		return INT64_MAX;
	return debounce_deadline(&g->deb);
}

void gpio_close(struct gpio *g)
{
	int i;

	if (!g)
		return;
	for (i = 0; i < g->n_out; i++)
		gpio_raw_set(g, i, false);
	gpio_raw_release_outputs(g);
	gpio_raw_release_button(g);
	gpio_raw_close(g);
	free(g);
}

int gpio_scan(FILE *out)
{
	struct dirent **list;
	struct gpio g;
	char path[PATH_MAX];
	int i, ok = 0, n = gpio_dir_list(&list);

	if (n < 0) {
		fprintf(out, "%s: %s\n", gpio_dev_dir, strerror(errno));
		return -1;
	}
	fprintf(out, "GPIO chips in %s:\n", gpio_dev_dir);
	for (i = 0; i < n; i++) {
		memset(&g, 0, sizeof(g));
		snprintf(path, sizeof(path), "%s/%s", gpio_dev_dir,
			 list[i]->d_name);
		if (gpio_open_path(&g, path) < 0) {
			fprintf(out, "  %-18s %s\n", path, strerror(errno));
			continue;
		}
		fprintf(out, "  %-18s %-10s %-22s %3u lines%s\n", path, g.name,
			g.label, g.n_lines,
			gpio_is_header(g.label) ? "  <- 40-pin header" : "");
		gpio_raw_close(&g);
		ok++;
	}
	if (n == 0)
		fprintf(out, "  none\n");
	gpio_dir_free(list, n);
	return ok;
}
