/*
 * panel_json.c - the "json" virtual panel, for scripts and black-box tests:
 * one JSON object per line on stdout for every model change (not for blink
 * phases), flushed at once, and a last one with "stopped":true.  The
 * button is stdin, one word a line: "short" or "press", "long" or "hold",
 * "next" (next page).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "lcd_charset.h"
#include "lcd_pages.h"
#include "log.h"
#include "loop.h"
#include "panel.h"
#include "panel_virtual.h"

/* Longer input lines are discarded whole. */
#define JSON_LINE_MAX 256

struct json_panel {
	struct loop *loop;
	struct panel *panel;
	FILE *out;
	int in_fd;    /* -1: not watching stdin */
	int in_flags; /* its file status flags, to restore */
	char line[JSON_LINE_MAX];
	size_t len;
	bool discarding; /* inside an over-long line */
};

static FILE *json_output;

void panel_json_set_output(FILE *out)
{
	json_output = out;
}

/*
 * One line, e.g. (wrapped here):
 *
 *   {"time":"2026-11-22T01:23:45.123Z","mono_ms":12345,
 *    "leds":[{"name":"status","state":"OK","color":"green","pattern":"on"}],
 *    "buzzer":"off","backlight":true,"page":"summary",
 *    "lcd":["All 3 hosts OK  ","                "]}
 *
 * With relay actions, also "relays":[{"name":"modem","line":23,
 * "active":false}] (active: energised now).
 *
 * time is wall-clock UTC, mono_ms the view's monotonic time; lcd rows are
 * exactly cols characters, as the glass shows them (lcd_charset_decode()).
 */
static void json_print(FILE *out, const struct panel_view *v)
{
	char t[JSON_TIME_LEN], row[LCD_MAX_COLS * 4 + 1];
	int i;

	json_format_time(t, sizeof(t), clock_wall_ns());
	fprintf(out, "{\"time\":\"%s\",\"mono_ms\":%lld,\"leds\":[", t,
		(long long)(v->now_ns / NS_PER_MS));
	for (i = 0; i < v->n_leds; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		json_write_string(out, v->leds[i].name);
		fprintf(out,
			",\"state\":\"%s\",\"color\":\"%s\","
			"\"pattern\":\"%s\"}",
			state_name(v->leds[i].state),
			led_color_name(v->leds[i].color),
			led_pattern_name(v->leds[i].pattern));
	}
	fprintf(out,
		"],\"buzzer\":\"%s\",\"backlight\":%s,\"page\":\"%s\","
		"\"lcd\":[",
		buzzer_pattern_name(v->buzzer), v->backlight ? "true" : "false",
		lcd_page_name(v->page));
	for (i = 0; i < v->rows; i++) {
		lcd_charset_decode_row(v->lcd[i], v->cols, row, sizeof(row));
		if (i)
			fputc(',', out);
		json_write_string(out, row);
	}
	fputc(']', out);
	for (i = 0; i < v->n_relays; i++) {
		fputs(i ? ",{\"name\":" : ",\"relays\":[{\"name\":", out);
		json_write_string(out, v->relays[i].name);
		fprintf(out, ",\"line\":%d,\"active\":%s}%s", v->relays[i].line,
			v->relays[i].active ? "true" : "false",
			i == v->n_relays - 1 ? "]" : "");
	}
	fprintf(out, "%s}\n", v->stopped ? ",\"stopped\":true" : "");
	fflush(out);
}

static void json_command(struct json_panel *j, char *s)
{
	char *end = s + strlen(s);

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	while (end > s &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	if (!*s)
		return;
	if (strcmp(s, "short") == 0 || strcmp(s, "press") == 0)
		panel_button(j->panel, BUTTON_SHORT);
	else if (strcmp(s, "long") == 0 || strcmp(s, "hold") == 0)
		panel_button(j->panel, BUTTON_LONG);
	else if (strcmp(s, "next") == 0)
		panel_next_page(j->panel,
				j->loop ? loop_now_ns(j->loop)
					: panel_view(j->panel)->now_ns);
	else
		log_warn("json panel: ignoring input \"%.40s\" "
			 "(short, long or next)",
			 s);
}

void panel_json_input(void *b, const char *data, size_t n)
{
	struct json_panel *j = b;
	size_t i;

	for (i = 0; i < n; i++) {
		if (data[i] == '\n') {
			j->line[j->len] = '\0';
			if (!j->discarding)
				json_command(j, j->line);
			j->len = 0;
			j->discarding = false;
		} else if (j->discarding) {
			continue;
		} else if (j->len == sizeof(j->line) - 1) {
			log_warn("json panel: ignoring an input line longer "
				 "than %d bytes",
				 JSON_LINE_MAX - 1);
			j->discarding = true;
		} else {
			j->line[j->len++] = data[i];
		}
	}
}

static void json_stop_input(struct json_panel *j)
{
	if (j->in_fd < 0)
		return;
	loop_del_fd(j->loop, j->in_fd);
	fcntl(j->in_fd, F_SETFL, j->in_flags);
	j->in_fd = -1;
}

static void json_on_stdin(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct json_panel *j = arg;
	char buf[512];
	ssize_t n;

	(void)l;
	(void)events;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			panel_json_input(j, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* EOF or an error: a last line without a newline counts. */
		if (j->len > 0)
			panel_json_input(j, "\n", 1);
		json_stop_input(j);
		return;
	}
}

/* Watch stdin for button lines; without it the panel still works. */
static void json_watch_input(struct json_panel *j)
{
	int flags = fcntl(STDIN_FILENO, F_GETFL);

	if (flags < 0)
		return;
	if (fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK) < 0)
		return;
	if (loop_add_fd(j->loop, STDIN_FILENO, EPOLLIN, json_on_stdin, j) < 0) {
		/* A regular file or /dev/null cannot be polled. */
		log_info("json panel: not reading button presses from "
			 "stdin: %s",
			 strerror(errno));
		fcntl(STDIN_FILENO, F_SETFL, flags);
		return;
	}
	j->in_fd = STDIN_FILENO;
	j->in_flags = flags;
}

static void *json_open(const struct pl_config *cfg, struct loop *l,
		       struct panel *p)
{
	struct json_panel *j = calloc(1, sizeof(*j));

	(void)cfg;
	if (!j) {
		fprintf(stderr, "pilotlight: json panel: %s\n",
			strerror(errno));
		return NULL;
	}
	j->loop = l;
	j->panel = p;
	j->out = json_output ? json_output : stdout;
	j->in_fd = -1;
	if (l)
		json_watch_input(j);
	return j;
}

static int json_reload(void *b, const struct pl_config *cfg)
{
	(void)b;
	(void)cfg;
	return 0;
}

static void json_show(void *b, const struct panel_view *v, unsigned changes)
{
	struct json_panel *j = b;

	if (changes & PANEL_CHANGED_MODEL)
		json_print(j->out, v);
}

static void json_close(void *b, const struct panel_view *final)
{
	struct json_panel *j = b;

	if (!j)
		return;
	json_print(j->out, final);
	json_stop_input(j);
	free(j);
}

const struct panel_backend_ops panel_json_ops = {
	.name = "json",
	.open = json_open,
	.reload = json_reload,
	.show = json_show,
	.close = json_close,
};
