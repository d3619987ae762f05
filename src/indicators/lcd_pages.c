/*
 * lcd_pages.c - what each LCD page says, on 16x2 and 20x4 modules.
 *
 * Pages are built as UTF-8 text, encoded cell by cell through the A00 ROM
 * map and cut to the width; nothing here decides states, it only words
 * what the policy decided.  The system page's IP address, temperature
 * and interfaces are read by lcd_sysinfo.c, not here; the traffic page
 * reads the running capture's summary (traffic.h).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lcd_charset.h"
#include "lcd_pages.h"
#include "traffic.h"

#ifndef PL_VERSION
#define PL_VERSION "?"
#endif

/* The page being written: the caller's cells, cut to the module's size. */
struct page {
	uint8_t (*cells)[LCD_MAX_COLS];
	int rows, cols;
};

static const char *const page_names[PAGE_COUNT] = {
	[PAGE_SUMMARY] = "summary", [PAGE_HOSTS] = "hosts",
	[PAGE_TRAFFIC] = "traffic", [PAGE_ALARMS] = "alarms",
	[PAGE_SYSTEM] = "system",
};

const char *lcd_page_name(enum lcd_page page)
{
	if ((int)page < 0 || page >= PAGE_COUNT)
		return "?";
	return page_names[page];
}

/* Four letters at most, so a state fits at the end of any row. */
static const char *page_state_abbrev(enum pl_state s)
{
	switch (s) {
	case STATE_OK:
		return "OK";
	case STATE_WARNING:
		return "WARN";
	case STATE_CRITICAL:
		return "CRIT";
	case STATE_UNKNOWN:
	default:
		return "UNKN";
	}
}

void lcd_format_duration(char *buf, size_t len, int64_t ns)
{
	long long s = ns > 0 ? (long long)(ns / NS_PER_S) : 0;

	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

/* Write utf8 at (row, col), at most max cells; returns cells written. */
static int page_put_at(struct page *pg, int row, int col, const char *utf8,
		       int max)
{
	if (row < 0 || row >= pg->rows || col >= pg->cols || max <= 0)
		return 0;
	if (max > pg->cols - col)
		max = pg->cols - col;
	return lcd_charset_encode(utf8, &pg->cells[row][col], max);
}

static void page_put(struct page *pg, int row, const char *utf8)
{
	page_put_at(pg, row, 0, utf8, pg->cols);
}

/* left at column 0, right flush with the last column; right wins. */
static void page_put_lr(struct page *pg, int row, const char *left,
			const char *right)
{
	uint8_t tmp[LCD_MAX_COLS];
	int nr;

	if (row < 0 || row >= pg->rows)
		return;
	nr = lcd_charset_encode(right, tmp, pg->cols);
	page_put_at(pg, row, 0, left, pg->cols - nr - (nr > 0 ? 1 : 0));
	memcpy(&pg->cells[row][pg->cols - nr], tmp, (size_t)nr);
}

/* The config that sized st's arrays: host names must match its indices. */
static const struct pl_config *page_hosts_cfg(const struct lcd_page_ctx *ctx)
{
	return ctx->st && ctx->st->cfg ? ctx->st->cfg : ctx->cfg;
}

static bool page_any_result(const struct status *st)
{
	int i;

	for (i = 0; i < st->n_checks; i++)
		if (st->checks[i].have_result)
			return true;
	return false;
}

/* Is host a a worse problem to show than host b?  Higher severity first,
 * then a host that is itself down over one hidden behind its parent, then
 * the older problem. */
static bool page_worse(const struct host_status *a, const struct host_status *b)
{
	if (state_rank(a->state) != state_rank(b->state))
		return state_rank(a->state) > state_rank(b->state);
	if (a->unreachable != b->unreachable)
		return !a->unreachable;
	return a->since_ns < b->since_ns;
}

/* Index of the host to name on the summary page, -1 if all are OK. */
static int page_worst_host(const struct lcd_page_ctx *ctx)
{
	const struct pl_config *cfg = page_hosts_cfg(ctx);
	const struct status *st = ctx->st;
	int i, worst = -1;

	for (i = 0; st->hosts && i < cfg->n_hosts; i++) {
		if (st->hosts[i].state == STATE_OK)
			continue;
		if (worst < 0 || page_worse(&st->hosts[i], &st->hosts[worst]))
			worst = i;
	}
	return worst;
}

static void page_counts(struct page *pg, const struct lcd_page_ctx *ctx)
{
	const struct status *st = ctx->st;
	const struct pl_config *cfg = page_hosts_cfg(ctx);
	int n = 0;
	char buf[64];

	/* The loader's "capture" host is not a machine on the network. */
	for (int h = 0; h < cfg->n_hosts; h++)
		n += !cfg->hosts[h].implicit;
	if (n == 0)
		snprintf(buf, sizeof(buf), "No hosts");
	else if (!st || !page_any_result(st))
		snprintf(buf, sizeof(buf), "%s",
			 pg->cols >= 18 ? "Waiting for probes"
					: "Awaiting probes");
	else if (st->n_ok == n && n == 1)
		snprintf(buf, sizeof(buf), "1 host OK");
	else if (st->n_ok == n && n < 1000)
		snprintf(buf, sizeof(buf), "All %d hosts OK", n);
	else if (st->n_ok == n)
		snprintf(buf, sizeof(buf), "%d hosts OK", n);
	else
		snprintf(buf, sizeof(buf), "%d/%d hosts OK", st->n_ok, n);
	page_put(pg, 0, buf);
}

static void page_summary(struct page *pg, const struct lcd_page_ctx *ctx)
{
	const struct status *st = ctx->st;
	const struct host_status *h;
	char left[64], dur[16];
	int w;

	page_counts(pg, ctx);
	if (!st || !page_any_result(st))
		return;
	w = page_worst_host(ctx);
	if (w >= 0) {
		h = &st->hosts[w];
		snprintf(left, sizeof(left), "%s %s",
			 page_state_abbrev(h->state),
			 page_hosts_cfg(ctx)->hosts[w].name);
		dur[0] = '\0';
		if (h->since_ns > 0 && h->since_ns <= ctx->now_ns)
			lcd_format_duration(dur, sizeof(dur),
					    ctx->now_ns - h->since_ns);
		page_put_lr(pg, 1, left, dur);
	}
	snprintf(left, sizeof(left), "Overall %s", state_name(st->overall));
	page_put(pg, 2, left);
}

/* The reason given by the check that decides host h's state. */
static const char *page_host_reason(const struct lcd_page_ctx *ctx, int h)
{
	const struct pl_config *cfg = page_hosts_cfg(ctx);
	const struct status *st = ctx->st;
	int c, i;

	for (c = 0; c < cfg->hosts[h].n_checks; c++) {
		i = status_check_index(cfg, h, c);
		if (i < 0 || i >= st->n_checks)
			continue;
		if (st->checks[i].state == st->hosts[h].state &&
		    st->checks[i].have_result)
			return st->checks[i].reason;
	}
	return "";
}

/* The words of s that fit in room characters, so a value is shown whole
 * or not at all ("rtt 1234ms" never as "rtt 12"). */
static void page_fit_words(char *buf, size_t len, const char *s, int room)
{
	int n = (int)strlen(s);

	if (n > room) {
		for (n = room > 0 ? room : 0; n > 0 && s[n] != ' '; n--)
			;
	}
	snprintf(buf, len, "%.*s", n, s);
}

/* Is any check of host h flapping? */
static bool page_host_flapping(const struct lcd_page_ctx *ctx, int h)
{
	const struct pl_config *cfg = page_hosts_cfg(ctx);
	int idx = status_check_index(cfg, h, 0);

	for (int c = 0; c < cfg->hosts[h].n_checks; c++)
		if (ctx->st->checks[idx + c].flapping)
			return true;
	return false;
}

/* "name reason STATE": the state always shows (FLAP for a host whose
 * checks keep changing), then the name (a host's identity), then
 * whichever words of the reason fit. */
static void page_host_row(struct page *pg, int row,
			  const struct lcd_page_ctx *ctx, int h)
{
	const struct status *st = ctx->st;
	const char *state = "-", *reason = "";
	uint8_t tmp[LCD_MAX_COLS];
	char buf[STATUS_REASON_MAX];
	int nr, avail, nn;

	if (st && st->hosts) {
		state = page_host_flapping(ctx, h)
				? "FLAP"
				: page_state_abbrev(st->hosts[h].state);
		reason = page_host_reason(ctx, h);
	}
	nr = lcd_charset_encode(state, tmp, pg->cols);
	memcpy(&pg->cells[row][pg->cols - nr], tmp, (size_t)nr);
	avail = pg->cols - nr - 1;
	nn = page_put_at(pg, row, 0, page_hosts_cfg(ctx)->hosts[h].name, avail);
	if (reason[0] && avail - nn - 1 > 0) {
		page_fit_words(buf, sizeof(buf), reason, avail - nn - 1);
		page_put_at(pg, row, nn + 1, buf, avail - nn - 1);
	}
}

static bool page_host_bad(const struct status *st, int h)
{
	return st && st->hosts &&
	       (st->hosts[h].state == STATE_WARNING ||
		st->hosts[h].state == STATE_CRITICAL);
}

/* Hosts with a problem stay on the page, first; the other rows take
 * turns through the rest (not OK before OK), one screenful a visit. */
static void page_hosts(struct page *pg, const struct lcd_page_ctx *ctx,
		       int rows)
{
	const struct pl_config *cfg = page_hosts_cfg(ctx);
	const struct status *st = ctx->st;
	int bad[CFG_MAX_HOSTS], rest[CFG_MAX_HOSTS];
	int i, nb = 0, nr = 0, k, start, row = 0;

	if (cfg->n_hosts == 0) {
		page_put(pg, 0, "No hosts");
		return;
	}
	for (i = 0; i < cfg->n_hosts; i++)
		if (page_host_bad(st, i))
			bad[nb++] = i;
	for (int pass = 0; pass < 2; pass++)
		for (i = 0; i < cfg->n_hosts; i++)
			if (!page_host_bad(st, i) &&
			    (st && st->hosts &&
			     st->hosts[i].state != STATE_OK) == (pass == 0))
				rest[nr++] = i;
	if (nb >= rows) { /* more problems than rows: they take turns */
		start = (int)(ctx->visit % (unsigned)((nb + rows - 1) / rows)) *
			rows;
		for (i = 0; i < rows && start + i < nb; i++)
			page_host_row(pg, i, ctx, bad[start + i]);
		return;
	}
	for (i = 0; i < nb; i++)
		page_host_row(pg, row++, ctx, bad[i]);
	k = rows - nb;
	if (nr == 0)
		return;
	start = (int)(ctx->visit % (unsigned)((nr + k - 1) / k)) * k;
	for (i = 0; i < k && start + i < nr; i++)
		page_host_row(pg, row++, ctx, rest[start + i]);
}

/* Rows of a running capture: rates, in/out, top talker, newest device;
 * a 2-row LCD shows the last two on every other visit. */
static void page_traffic_live(struct page *pg, const struct lcd_page_ctx *ctx,
			      const struct traffic_summary *ts)
{
	char row[4][NAMES_LEN + 8], a[16], b[16], ip[INET6_ADDRSTRLEN], age[16];
	int i, first = pg->rows < 4 && ctx->visit % 2 ? 2 : 0;

	traffic_fmt_si(ts->bps, a, sizeof(a));
	traffic_fmt_si(ts->pps, b, sizeof(b));
	snprintf(row[0], sizeof(row[0]), "%sb/s %spps", a, b);
	if ((int)strlen(row[0]) > pg->cols)
		snprintf(row[0], sizeof(row[0]), "%sb/s %s/s", a, b);
	if (ts->problem[0])
		snprintf(row[0], sizeof(row[0]), "%s", ts->problem);
	traffic_fmt_si(ts->in_bps, a, sizeof(a));
	traffic_fmt_si(ts->out_bps, b, sizeof(b));
	snprintf(row[1], sizeof(row[1]), "in %s out %s", a, b);
	if ((int)strlen(row[1]) > pg->cols)
		snprintf(row[1], sizeof(row[1]), "i %s o %s", a, b);
	/* a host's name (names.h) when one is known, cut to the row */
	ip[0] = '\0';
	if (ts->have_top)
		inet_ntop(ts->top_family, ts->top_addr, ip, sizeof(ip));
	snprintf(row[2], sizeof(row[2]), "top %s",
		 !ts->have_top	   ? "-"
		 : ts->top_name[0] ? ts->top_name
				   : ip);
	if (ts->have_new)
		inet_ntop(ts->last_new.family, ts->last_new.ip, ip, sizeof(ip));
	snprintf(row[3], sizeof(row[3]), "new %s",
		 !ts->have_new	   ? "none"
		 : ts->new_name[0] ? ts->new_name
				   : ip);
	for (i = first; i < 4 && i - first < pg->rows; i++)
		page_put(pg, i - first, row[i]);
	if (ts->have_new && 3 - first < pg->rows &&
	    (int)strlen(row[3]) + 4 <= pg->cols) {
		lcd_format_duration(age, sizeof(age),
				    ctx->now_ns - ts->last_new_ns);
		page_put_lr(pg, 3 - first, row[3], age);
	}
}

static void page_traffic(struct page *pg, const struct lcd_page_ctx *ctx)
{
	const struct capture_cfg *cap = &ctx->cfg->capture;
	const struct traffic_summary *ts = traffic_summary();
	uint64_t n = ctx->st ? ctx->st->activity : 0;
	char buf[64];
	size_t used;
	int i;

	if (ts->valid && ts->n_ifaces > 0 && cap->n_interfaces > 0) {
		page_traffic_live(pg, ctx, ts);
		return;
	}
	if (n >= 1000000000)
		snprintf(buf, sizeof(buf), "frames %.1fG", (double)n / 1e9);
	else if (n >= 1000000)
		snprintf(buf, sizeof(buf), "frames %.1fM", (double)n / 1e6);
	else if (n > 0 || cap->n_interfaces > 0)
		snprintf(buf, sizeof(buf), "frames %" PRIu64, n);
	else
		snprintf(buf, sizeof(buf), "no capture");
	page_put(pg, 0, buf);
	if (cap->n_interfaces == 0)
		return;
	used = (size_t)snprintf(buf, sizeof(buf), "on");
	for (i = 0; i < cap->n_interfaces && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
					 i ? "," : " ", cap->interfaces[i]);
	page_put(pg, 1, buf);
}

/* A scheduled maintenance window (the button's maintenance not on):
 * "maint NAME" with the time left flush right on row 1, so the
 * acknowledgement moves to row 0, "ALARM CRIT  unack". */
static void page_window(struct page *pg, const struct status *st,
			int64_t now_ns)
{
	char buf[64], dur[16];

	if (st->alarm) {
		snprintf(buf, sizeof(buf), "ALARM %s",
			 page_state_abbrev(st->alarm_state));
		page_put_lr(pg, 0, buf, st->acknowledged ? "ack" : "unack");
	} else {
		page_put(pg, 0, "No alarms");
	}
	lcd_format_duration(dur, sizeof(dur), st->window_until_ns - now_ns);
	snprintf(buf, sizeof(buf), "maint %s", st->window->name);
	page_put_lr(pg, 1, buf, dur);
}

static void page_alarms(struct page *pg, const struct lcd_page_ctx *ctx)
{
	const struct buzzer_cfg *bz = &ctx->cfg->indicators.buzzer;
	const struct status *st = ctx->st;
	char buf[64], dur[16];
	size_t used = 0;

	buf[0] = '\0';
	if (st && st->window && st->maintenance_until_ns <= ctx->now_ns) {
		page_window(pg, st, ctx->now_ns);
	} else {
		if (st && st->alarm) {
			snprintf(buf, sizeof(buf), "ALARM %s",
				 page_state_abbrev(st->alarm_state));
			page_put(pg, 0, buf);
			used = (size_t)snprintf(buf, sizeof(buf), "%s",
						st->acknowledged ? "ack"
								 : "unack");
		} else {
			page_put(pg, 0, "No alarms");
		}
		if (st && st->maintenance_until_ns > ctx->now_ns) {
			lcd_format_duration(dur, sizeof(dur),
					    st->maintenance_until_ns -
						    ctx->now_ns);
			used += (size_t)snprintf(buf + used, sizeof(buf) - used,
						 "%smaint %s", used ? " " : "",
						 dur);
			if (used >= sizeof(buf))
				used = sizeof(buf) - 1;
		}
		if (st && st->mute_until_ns > ctx->now_ns) {
			lcd_format_duration(dur, sizeof(dur),
					    st->mute_until_ns - ctx->now_ns);
			snprintf(buf + used, sizeof(buf) - used, "%smuted %s",
				 used ? " " : "", dur);
		}
		page_put(pg, 1, buf);
	}
	if (bz->pin == PIN_NONE)
		page_put(pg, 2, "no buzzer");
	else if (bz->mute)
		page_put(pg, 2, "buzzer muted");
	else if (ctx->quiet)
		page_put(pg, 2, "quiet hours");
}

/* "eth0 up    1.02M/345k": link, then rx/tx bits a second once known. */
static void page_iface_row(struct page *pg, int row, const struct lcd_iface *f)
{
	char left[32], rx[16], tx[16], right[40] = "";

	snprintf(left, sizeof(left), "%s %s", f->name, f->up ? "up" : "down");
	if (!isnan(f->rx_bps) && !isnan(f->tx_bps)) {
		traffic_fmt_si(f->rx_bps, rx, sizeof(rx));
		traffic_fmt_si(f->tx_bps, tx, sizeof(tx));
		snprintf(right, sizeof(right), "%s/%s", rx, tx);
	}
	page_put_lr(pg, row, left, right);
}

/* Every other visit lists the interfaces, a page's worth each time. */
static void page_system_ifaces(struct page *pg, const struct lcd_page_ctx *ctx)
{
	const struct lcd_sysinfo *si = ctx->sys;
	int first = (int)((ctx->visit / 2 * (unsigned)pg->rows) %
			  (unsigned)si->n_ifs);

	for (int r = 0; r < pg->rows && r < si->n_ifs; r++)
		page_iface_row(pg, r, &si->ifs[(first + r) % si->n_ifs]);
}

static void page_system(struct page *pg, const struct lcd_page_ctx *ctx)
{
	const struct lcd_sysinfo *si = ctx->sys;
	char up[16], buf[64];

	if (si && si->valid && si->n_ifs > 0 && ctx->visit % 2 == 1) {
		page_system_ifaces(pg, ctx);
		return;
	}
	up[0] = '-';
	up[1] = '\0';
	if (ctx->st && ctx->st->started_ns <= ctx->now_ns)
		lcd_format_duration(up, sizeof(up),
				    ctx->now_ns - ctx->st->started_ns);
	snprintf(buf, sizeof(buf), "up %s", up);
	page_put_lr(pg, 0, buf, si && si->valid ? si->temp : "-");
	page_put(pg, 1, si && si->valid ? si->ip : "-");
	snprintf(buf, sizeof(buf), "cfg %08" PRIx32,
		 (uint32_t)(ctx->cfg->fingerprint >> 32));
	page_put(pg, 2, buf);
	page_put(pg, 3, "pilotlight " PL_VERSION);
}

/* "cfg err demo.cfg:12" from "/etc/pilotlight/demo.cfg:12: message",
 * shortened so that the line number stays visible. */
static void page_config_error(struct page *pg, const char *err)
{
	char where[240], shortw[240], buf[256];
	const char *colon = strstr(err, ": "), *base;
	char *ext;
	size_t n = colon ? (size_t)(colon - err) : strlen(err);
	int len, slen;

	if (n >= sizeof(where))
		n = sizeof(where) - 1;
	memcpy(where, err, n);
	where[n] = '\0';
	base = strrchr(where, '/');
	base = base ? base + 1 : where;
	len = (int)strlen(base);
	/* "pilotlight.cfg:12" without ".cfg" when that is what fits. */
	snprintf(shortw, sizeof(shortw), "%s", base);
	ext = strstr(shortw, ".cfg:");
	if (ext)
		memmove(ext, ext + 4, strlen(ext + 4) + 1);
	slen = (int)strlen(shortw);
	if (len + 8 <= pg->cols)
		snprintf(buf, sizeof(buf), "cfg err %s", base);
	else if (len + 5 <= pg->cols)
		snprintf(buf, sizeof(buf), "cfg: %s", base);
	else if (slen + 5 <= pg->cols)
		snprintf(buf, sizeof(buf), "cfg: %s", shortw);
	else if (slen < pg->cols)
		snprintf(buf, sizeof(buf), "!%s", shortw);
	else
		snprintf(buf, sizeof(buf), "!%s",
			 shortw + slen - (pg->cols - 1));
	memset(pg->cells[pg->rows - 1], ' ', (size_t)pg->cols);
	page_put(pg, pg->rows - 1, buf);
}

/*
 * Layouts (16x2 shows rows 0-1; 20x4 adds rows 2-3):
 *
 *	summary	"3/4 hosts OK" | "CRIT router 5m" | "Overall CRITICAL"
 *	hosts	a host a row, "nas timeout CRIT": hosts with a problem
 *		always, first; the other rows show the rest in turn, the
 *		next rows' worth each visit
 *	traffic	"frames N" | "on eth0"
 *	alarms	"ALARM CRIT" | "unack maint 59m muted 9m" | "quiet hours";
 *		in a scheduled window "ALARM CRIT  unack" | "maint backup 2h30m"
 *	system	"up 3d04h  48.3°C" | "192.168.1.10" | "cfg 1a2b3c4d" | version;
 *		every other visit an interface a row, "eth0 up 1.2M/345k"
 *		(link, rx/tx bits a second), the next rows' worth each time
 *
 * A failed reload ("cfg err demo.cfg:12"; where that does not fit
 * "cfg: demo.cfg:12", "cfg: demo:12", then "!demo:12") takes the last
 * row of every page.  The fingerprint shown
 * is its top 32 bits: the first 8 hex digits of the logged %016llx.
 */
void lcd_page_render(const struct lcd_page_ctx *ctx, enum lcd_page page,
		     uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS])
{
	const struct lcd_cfg *lcd = &ctx->cfg->indicators.lcd;
	const char *err = ctx->st ? ctx->st->config_error : "";
	struct page pg = { .cells = cells };
	int r, host_rows;

	pg.rows = lcd->rows < LCD_MAX_ROWS ? lcd->rows : LCD_MAX_ROWS;
	pg.cols = lcd->cols < LCD_MAX_COLS ? lcd->cols : LCD_MAX_COLS;
	if (pg.rows <= 0 || pg.cols <= 0)
		return;
	for (r = 0; r < pg.rows; r++)
		memset(cells[r], ' ', (size_t)pg.cols);
	host_rows = pg.rows - (err[0] && pg.rows > 1 ? 1 : 0);
	switch (page) {
	case PAGE_SUMMARY:
		page_summary(&pg, ctx);
		break;
	case PAGE_HOSTS:
		page_hosts(&pg, ctx, host_rows);
		break;
	case PAGE_TRAFFIC:
		page_traffic(&pg, ctx);
		break;
	case PAGE_ALARMS:
		page_alarms(&pg, ctx);
		break;
	case PAGE_SYSTEM:
	default:
		page_system(&pg, ctx);
		break;
	}
	if (err[0])
		page_config_error(&pg, err);
}
