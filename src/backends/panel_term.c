/*
 * panel_term.c - the "term" virtual panel: the LEDs, buzzer and LCD drawn
 * in a terminal, so pilotlight runs on any laptop.
 *
 * On a terminal: coloured dots (● lit, ○ dark), a framed LCD showing the
 * very ROM glyphs the module would (decoded by lcd_charset), "♪ BEEP"
 * while the buzzer sounds, redrawn in place; keys act as the button
 * (space/Enter short press, l long press, n next page; Ctrl-C stops, as
 * ISIG stays on).  The terminal is restored on close and at exit().
 * Not on a terminal (a pipe, a log): one plain line per model change.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "lcd_charset.h"
#include "lcd_pages.h"
#include "log.h"
#include "loop.h"
#include "panel.h"
#include "panel_virtual.h"

#define TERM_ROW_MAX (LCD_MAX_COLS * 4 + 1)

struct term_panel {
	struct loop *loop;
	struct panel *panel;
	const struct pl_config *cfg;
	FILE *out;
	bool tty;  /* draw in place, in colour */
	bool keys; /* stdin in raw mode, watched */
};

static FILE *term_output;

/* What exit() must put back, whichever path leads there. */
static struct termios term_saved;
static bool term_raw;
static int term_cursor_fd = -1; /* cursor hidden on this fd */
static bool term_atexit_done;

void panel_term_set_output(FILE *out)
{
	term_output = out;
}

static void term_restore(void)
{
	static const char show[] = "\033[?25h";

	if (term_raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
		term_raw = false;
	}
	if (term_cursor_fd >= 0) {
		if (write(term_cursor_fd, show, sizeof(show) - 1) < 0) {
			/* nothing left to do about it */
		}
		term_cursor_fd = -1;
	}
}

/* SGR colour code of each LED colour (bright variants). */
static int term_sgr(enum led_color c)
{
	static const int sgr[LED_COLOR_COUNT] = {
		[LED_RED] = 91,	 [LED_GREEN] = 92, [LED_YELLOW] = 93,
		[LED_BLUE] = 94, [LED_WHITE] = 97,
	};

	return (int)c >= 0 && c < LED_COLOR_COUNT ? sgr[c] : 39;
}

static int term_width(const struct term_panel *t)
{
	struct winsize ws;

	if (ioctl(fileno(t->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

/* One screen line: text, then clear the rest of the line. */
static void term_eol(FILE *out)
{
	fputs("\033[K\n", out);
}

static void term_draw_leds(const struct term_panel *t,
			   const struct panel_view *v)
{
	int i, x = 0, w, width = term_width(t);

	fputs(" ", t->out);
	for (i = 0; i < v->n_leds; i++) {
		const struct panel_led_view *lv = &v->leds[i];

		w = (int)strlen(lv->name) + 4;
		if (x > 0 && x + w > width - 2) {
			term_eol(t->out);
			fputs(" ", t->out);
			x = 0;
		}
		if (lv->lit)
			fprintf(t->out, "\033[1;%dm\u25cf\033[0m",
				term_sgr(lv->color));
		else if (lv->pattern != PAT_OFF)
			fprintf(t->out, "\033[2;%dm\u25cb\033[0m",
				term_sgr(lv->color));
		else
			fputs("\033[2m\u25cb\033[0m", t->out);
		fprintf(t->out, " %s  ", lv->name);
		x += w;
	}
	term_eol(t->out);
}

static void term_draw_lcd(const struct term_panel *t,
			  const struct panel_view *v)
{
	char row[TERM_ROW_MAX];
	int r, c;

	fputs(" \u250c", t->out);
	for (c = 0; c < v->cols; c++)
		fputs("\u2500", t->out);
	fputs("\u2510", t->out);
	term_eol(t->out);
	for (r = 0; r < v->rows; r++) {
		lcd_charset_decode_row(v->lcd[r], v->cols, row, sizeof(row));
		/* Lit: dark text on a green backlight; unlit: dim. */
		fprintf(t->out, " \u2502%s%s\033[0m\u2502",
			v->backlight ? "\033[30;102m" : "\033[2m", row);
		term_eol(t->out);
	}
	fputs(" \u2514", t->out);
	for (c = 0; c < v->cols; c++)
		fputs("\u2500", t->out);
	fprintf(t->out, "\u2518 %s%s", lcd_page_name(v->page),
		v->backlight ? "" : " (backlight off)");
	term_eol(t->out);
}

static void term_draw(const struct term_panel *t, const struct panel_view *v)
{
	FILE *out = t->out;

	fputs("\033[H", out);
	fputs(v->stopped ? " pilotlight - stopped" : " pilotlight", out);
	term_eol(out);
	term_eol(out);
	term_draw_leds(t, v);
	term_eol(out);
	if (v->rows > 0) {
		term_draw_lcd(t, v);
		term_eol(out);
	}
	if (t->cfg->indicators.buzzer.pin != PIN_NONE) {
		if (v->buzzer_on)
			fputs(" \033[1;91m\u266a BEEP\033[0m", out);
		else
			fprintf(out, " \033[2m\u266a %s\033[0m",
				buzzer_pattern_name(v->buzzer));
		term_eol(out);
		term_eol(out);
	}
	if (t->keys && !v->stopped) {
		fputs(" \033[2mspace/enter: button   l: long press   "
		      "n: next page   ctrl-c: quit\033[0m",
		      out);
		term_eol(out);
	}
	fputs("\033[J", out);
	fflush(out);
}

/* "[time] leds: a=green/on b=off | buzzer: repeat | lcd summary: |..|" */
static void term_line(const struct term_panel *t, const struct panel_view *v)
{
	char ts[JSON_TIME_LEN], row[TERM_ROW_MAX];
	FILE *out = t->out;
	int i;

	json_format_time(ts, sizeof(ts), clock_wall_ns());
	fprintf(out, "[%s] leds:", ts);
	for (i = 0; i < v->n_leds; i++) {
		if (v->leds[i].pattern == PAT_OFF)
			fprintf(out, " %s=off", v->leds[i].name);
		else
			fprintf(out, " %s=%s/%s", v->leds[i].name,
				led_color_name(v->leds[i].color),
				led_pattern_name(v->leds[i].pattern));
	}
	if (t->cfg->indicators.buzzer.pin != PIN_NONE)
		fprintf(out, " | buzzer: %s", buzzer_pattern_name(v->buzzer));
	else
		fputs(" | buzzer: none", out);
	if (v->rows > 0) {
		fprintf(out, " | lcd %s%s: |", lcd_page_name(v->page),
			v->backlight ? "" : " (dark)");
		for (i = 0; i < v->rows; i++) {
			lcd_charset_decode_row(v->lcd[i], v->cols, row,
					       sizeof(row));
			fprintf(out, "%s|", row);
		}
	} else {
		fputs(" | lcd: none", out);
	}
	for (i = 0; i < v->n_relays; i++)
		fprintf(out, "%s%s=%s",
			i ? " " : " | relays: ", v->relays[i].name,
			v->relays[i].active ? "on" : "off");
	fputs(v->stopped ? " | stopped\n" : "\n", out);
	fflush(out);
}

static void term_stop_keys(struct term_panel *t)
{
	if (!t->keys)
		return;
	loop_del_fd(t->loop, STDIN_FILENO);
	t->keys = false;
	if (term_raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
		term_raw = false;
	}
}

static void term_on_key(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct term_panel *t = arg;
	char buf[64];
	ssize_t n, i;

	(void)events;
	/* One read per event: the fd stays blocking (it is the user's
	 * terminal), and epoll said there is input. */
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		term_stop_keys(t);
		return;
	}
	for (i = 0; i < n; i++) {
		switch (buf[i]) {
		case ' ':
		case '\r':
		case '\n':
			panel_button(t->panel, BUTTON_SHORT);
			break;
		case 'l':
		case 'L':
			panel_button(t->panel, BUTTON_LONG);
			break;
		case 'n':
		case 'N':
			panel_next_page(t->panel, loop_now_ns(l));
			break;
		default:
			break;
		}
	}
}

/* Keys without Enter or echo; ISIG stays so Ctrl-C still stops us. */
static void term_watch_keys(struct term_panel *t)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &term_saved) < 0)
		return;
	raw = term_saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
		return;
	term_raw = true;
	if (loop_add_fd(t->loop, STDIN_FILENO, EPOLLIN, term_on_key, t) < 0) {
		log_info("term panel: no keys: %s", strerror(errno));
		tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
		term_raw = false;
		return;
	}
	t->keys = true;
}

static void *term_open(const struct pl_config *cfg, struct loop *l,
		       struct panel *p)
{
	struct term_panel *t = calloc(1, sizeof(*t));
	int fd;

	if (!t) {
		fprintf(stderr, "pilotlight: term panel: %s\n",
			strerror(errno));
		return NULL;
	}
	t->loop = l;
	t->panel = p;
	t->cfg = cfg;
	t->out = term_output ? term_output : stdout;
	fd = fileno(t->out);
	t->tty = fd >= 0 && isatty(fd);
	if (!term_atexit_done && atexit(term_restore) == 0)
		term_atexit_done = true;
	if (t->tty) {
		fputs("\033[?25l\033[2J", t->out);
		term_cursor_fd = fd;
	}
	if (l)
		term_watch_keys(t);
	return t;
}

static int term_reload(void *b, const struct pl_config *cfg)
{
	struct term_panel *t = b;

	t->cfg = cfg;
	if (t->tty)
		fputs("\033[2J", t->out); /* the layout may change */
	return 0;
}

static void term_show(void *b, const struct panel_view *v, unsigned changes)
{
	struct term_panel *t = b;

	if (t->tty)
		term_draw(t, v);
	else if (changes & PANEL_CHANGED_MODEL)
		term_line(t, v);
}

static void term_close(void *b, const struct panel_view *final)
{
	struct term_panel *t = b;

	if (!t)
		return;
	term_show(t, final, PANEL_CHANGED_MODEL | PANEL_CHANGED_PHASE);
	term_stop_keys(t);
	term_restore();
	free(t);
}

const struct panel_backend_ops panel_term_ops = {
	.name = "term",
	.open = term_open,
	.reload = term_reload,
	.show = term_show,
	.close = term_close,
};
