/*
 * lcd_pages.h - the text of each LCD page, built from config and status.
 *
 * lcd_page_render() fills rows x cols cells (HD44780 ROM codes, padded with
 * spaces, cut at cols) for one page; the panel decides which page is shown
 * and when.  While status->config_error is set (a failed reload), the last
 * row of every page shows it, so it is visible within one page interval.
 * The system page's IP address, temperature and interfaces come from a
 * struct lcd_sysinfo the caller refreshes (lcd_sysinfo.c) at most every
 * LCD_SYSINFO_PERIOD_NS.
 */
#ifndef PL_LCD_PAGES_H
#define PL_LCD_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "panel.h"
#include "status.h"

#define LCD_SYSINFO_PERIOD_NS (10 * NS_PER_S)

/* Interfaces the system page lists, the first of netdev's table. */
#define LCD_SYS_IFACES 16

struct lcd_iface {
	char name[16];
	bool up;
	uint64_t rx_bytes, tx_bytes; /* at read_ns */
	double rx_bps, tx_bps;	     /* since the read before; NAN: none */
};

struct lcd_sysinfo {
	bool valid;	 /* read at least once */
	int64_t read_ns; /* monotonic time of the last read */
	char ip[48];	 /* first non-loopback IPv4, or "-" */
	char temp[16];	 /* CPU temperature "48.3°C", or "-" */
	struct lcd_iface ifs[LCD_SYS_IFACES];
	int n_ifs;
};

struct lcd_page_ctx {
	const struct pl_config *cfg;
	const struct status *st;       /* NULL: no status yet */
	const struct lcd_sysinfo *sys; /* NULL: shown as "-" */
	int64_t now_ns;
	unsigned visit; /* times this page was shown (hosts cycle) */
	bool quiet;	/* within the buzzer's quiet hours */
};

/* Fill cells (cfg's rows x cols of it; the rest is left alone). */
void lcd_page_render(const struct lcd_page_ctx *ctx, enum lcd_page page,
		     uint8_t cells[LCD_MAX_ROWS][LCD_MAX_COLS]);

/* "summary", "hosts", "traffic", "alarms", "system"; "?" if out of range. */
const char *lcd_page_name(enum lcd_page page);

/* A short duration for the LCD: "45s", "5m", "2h05m", "3d04h". */
void lcd_format_duration(char *buf, size_t len, int64_t ns);

/* Re-read the IP address, CPU temperature and the interfaces f lets
 * through unless that was done less than LCD_SYSINFO_PERIOD_NS ago.
 * Never fails: missing values read "-", unreadable interfaces none. */
void lcd_sysinfo_refresh(struct lcd_sysinfo *si, int64_t now_ns,
			 const struct interfaces_cfg *f);

#endif
