/*
 * status_page.c - the small HTML page at "/": what the panel shows (LEDs
 * with colour and pattern, the LCD rows as the glass shows them), every
 * host and check with its state and reason, and the latest events.
 *
 * Every string that comes from the config, the network or a plugin goes
 * through xbuf_html(); class names and markup are constants.  The page
 * refreshes itself every 5 s and loads nothing else (CSP default-src
 * 'none' is sent with it).
 */
#include <inttypes.h>
#include <stdio.h>

#include "clock.h"
#include "exports_int.h"
#include "json.h"
#include "lcd_charset.h"

#define PAGE_EVENTS 10

static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<meta http-equiv=\"refresh\" content=\"5\">"
	"<meta name=\"viewport\" content=\"width=device-width\">"
	"<title>pilotlight</title><style>"
	"body{font-family:sans-serif;margin:1em;background:#fafafa}"
	"table{border-collapse:collapse}td,th{padding:2px 8px;"
	"border-bottom:1px solid #ddd;text-align:left}"
	".s0{color:#080}.s1{color:#b80}.s2{color:#c00;font-weight:bold}"
	".s3{color:#666}pre.lcd{display:inline-block;background:#2a5;"
	"color:#012;padding:6px;font-size:1.3em}"
	".dot{display:inline-block;width:.9em;height:.9em;"
	"border-radius:50%;border:1px solid #444}"
	".c0{background:#e22}.c1{background:#2c2}.c2{background:#ec0}"
	".c3{background:#33e}.c4{background:#fff}.off{background:#ccc}"
	"</style></head><body>\n<h1>pilotlight</h1>\n";

static void state_span(struct xbuf *b, enum pl_state s)
{
	xbuf_printf(b, "<span class=\"s%d\">", (int)s & 3);
	xbuf_html(b, state_name(s));
	xbuf_puts(b, "</span>");
}

static void render_summary(struct xbuf *b, const struct status *st,
			   int64_t now_ns)
{
	xbuf_puts(b, "<p>Site: ");
	state_span(b, st->overall);
	xbuf_printf(b, " &middot; %d hosts OK, %d with problems", st->n_ok,
		    st->n_bad);
	if (st->alarm) {
		xbuf_puts(b, " &middot; alarm ");
		state_span(b, st->alarm_state);
		if (st->acknowledged)
			xbuf_puts(b, " (acknowledged)");
	}
	if (st->maintenance_until_ns > now_ns)
		xbuf_printf(b, " &middot; maintenance for %" PRId64 " more min",
			    (st->maintenance_until_ns - now_ns) /
					    (60 * NS_PER_S) +
				    1);
	xbuf_puts(b, "</p>\n");
	if (st->config_error[0]) {
		xbuf_puts(b, "<p class=\"s2\">Configuration error: ");
		xbuf_html(b, st->config_error);
		xbuf_puts(b, "</p>\n");
	}
}

static void render_panel(struct xbuf *b, const struct panel_view *v)
{
	char row[LCD_MAX_COLS * 4 + 1];

	xbuf_puts(b, "<h2>LEDs</h2>\n<table><tr><th></th><th>LED</th>"
		     "<th>state</th><th>colour</th><th>pattern</th></tr>\n");
	for (int i = 0; i < v->n_leds && i < CFG_MAX_LEDS; i++) {
		const struct panel_led_view *l = &v->leds[i];
		bool off = l->pattern == PAT_OFF;

		if (off)
			xbuf_puts(b, "<tr><td><span class=\"dot off\">");
		else
			xbuf_printf(b, "<tr><td><span class=\"dot c%d\">",
				    (int)l->color % LED_COLOR_COUNT);
		xbuf_puts(b, "</span></td><td>");
		xbuf_html(b, l->name);
		xbuf_puts(b, "</td><td>");
		state_span(b, l->state);
		xbuf_puts(b, "</td><td>");
		xbuf_html(b, off ? "-" : led_color_name(l->color));
		xbuf_puts(b, "</td><td>");
		xbuf_html(b, led_pattern_name(l->pattern));
		xbuf_puts(b, "</td></tr>\n");
	}
	xbuf_puts(b, "</table>\n");
	if (v->rows <= 0 || v->cols <= 0)
		return;
	xbuf_puts(b, "<h2>LCD</h2>\n<pre class=\"lcd\">");
	for (int r = 0; r < v->rows && r < LCD_MAX_ROWS; r++) {
		lcd_charset_decode_row(v->lcd[r],
				       v->cols < LCD_MAX_COLS ? v->cols
							      : LCD_MAX_COLS,
				       row, sizeof(row));
		if (r)
			xbuf_put(b, "\n", 1);
		xbuf_html(b, row);
	}
	xbuf_puts(b, "</pre>\n");
}

static void render_check(struct xbuf *b, const struct check_cfg *cc,
			 const struct check_status *cs, int64_t now_ns)
{
	int64_t age_s = (now_ns - cs->since_ns) / NS_PER_S;

	xbuf_puts(b, "<td>");
	xbuf_html(b, cc->name);
	xbuf_puts(b, "</td><td>");
	xbuf_html(b, check_type_name(cc->type));
	xbuf_puts(b, "</td><td>");
	state_span(b, cs->state);
	if (cs->flapping)
		xbuf_puts(b, " (flapping)");
	xbuf_puts(b, "</td><td>");
	xbuf_html(b, cs->reason);
	xbuf_printf(b, "</td><td>%" PRId64 "s</td></tr>\n",
		    age_s < 0 ? 0 : age_s);
}

static void render_hosts(struct xbuf *b, const struct status *st,
			 int64_t now_ns)
{
	const struct pl_config *cfg = st->cfg;
	int idx = 0;

	xbuf_puts(b, "<h2>Hosts</h2>\n<table><tr><th>host</th><th>state</th>"
		     "<th>check</th><th>type</th><th>state</th>"
		     "<th>reason</th><th>for</th></tr>\n");
	for (int h = 0; h < cfg->n_hosts; h++) {
		const struct host_cfg *hc = &cfg->hosts[h];

		for (int c = 0; c < hc->n_checks && idx < st->n_checks;
		     c++, idx++) {
			xbuf_puts(b, "<tr><td>");
			if (c == 0) {
				xbuf_html(b, hc->name);
				xbuf_puts(b, "</td><td>");
				state_span(b, st->hosts[h].state);
			} else {
				xbuf_puts(b, "</td><td>");
			}
			xbuf_puts(b, "</td>");
			render_check(b, &hc->checks[c], &st->checks[idx],
				     now_ns);
		}
	}
	xbuf_puts(b, "</table>\n");
}

static void render_events(struct xbuf *b, const struct status *st)
{
	uint64_t first =
		st->n_events > PAGE_EVENTS ? st->n_events - PAGE_EVENTS + 1 : 1;
	char when[JSON_TIME_LEN];

	if (st->n_events == 0)
		return;
	xbuf_puts(b, "<h2>Latest events</h2>\n<table>\n");
	for (uint64_t seq = st->n_events; seq >= first && seq > 0; seq--) {
		const struct pl_event *e = status_event(st, seq);

		if (!e)
			break;
		json_format_time(when, sizeof(when), e->wall_ns);
		xbuf_puts(b, "<tr><td>");
		xbuf_html(b, when);
		xbuf_puts(b, "</td><td>");
		xbuf_html(b, e->check);
		xbuf_puts(b, "</td><td>");
		if (e->kind == EVENT_STATE) {
			state_span(b, e->old_state);
			xbuf_puts(b, " &rarr; ");
			state_span(b, e->new_state);
		}
		xbuf_puts(b, "</td><td>");
		xbuf_html(b, e->reason);
		if (e->detail[0]) {
			xbuf_puts(b, ": ");
			xbuf_html(b, e->detail);
		}
		xbuf_puts(b, "</td></tr>\n");
	}
	xbuf_puts(b, "</table>\n");
}

void status_page_render(struct xbuf *b, const struct status *st,
			const struct panel_view *v, int64_t now_ns,
			int64_t wall_ns)
{
	char when[JSON_TIME_LEN];

	xbuf_puts(b, page_head);
	if (st && st->cfg)
		render_summary(b, st, now_ns);
	if (v)
		render_panel(b, v);
	if (st && st->cfg) {
		render_hosts(b, st, now_ns);
		render_events(b, st);
	}
	json_format_time(when, sizeof(when), wall_ns);
	xbuf_puts(b, "<p><small>pilotlight " PL_VERSION " &middot; ");
	xbuf_html(b, when);
	xbuf_puts(b, " &middot; <a href=\"/metrics\">metrics</a> &middot; "
		     "<a href=\"/healthz\">healthz</a></small></p>\n"
		     "</body></html>\n");
}
