/*
 * lcd.c - the character LCD: geometry, I2C address, backpack wiring, pages.
 *
 * HD44780 displays sit behind a PCF8574 I2C expander whose wiring differs
 * between backpack makers; a preset names a known wiring and 'custom'
 * takes an explicit bit map.  Bit maps from the backpacks' schematics as
 * collected in HARDWARE.md: YwRobot/DFRobot RS=P0 RW=P1 EN=P2 BL=P3 (high)
 * D4..D7=P4..P7; LCM1602 the same with BL active low; mjkdz RS=P6 RW=P5
 * EN=P4 D4..D7=P0..P3 BL=P7 (low).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const preset_names[] = {
	"ywrobot", "dfrobot", "lcm1602", "mjkdz", "custom",
};

static const enum lcd_preset preset_values[] = {
	LCD_PRESET_YWROBOT, LCD_PRESET_YWROBOT, LCD_PRESET_LCM1602,
	LCD_PRESET_MJKDZ,   LCD_PRESET_CUSTOM,
};

static const struct lcd_map preset_maps[] = {
	[LCD_PRESET_YWROBOT] = { .rs = 0,
				 .rw = 1,
				 .en = 2,
				 .bl = 3,
				 .d4 = 4,
				 .d5 = 5,
				 .d6 = 6,
				 .d7 = 7,
				 .bl_active_low = false },
	[LCD_PRESET_LCM1602] = { .rs = 0,
				 .rw = 1,
				 .en = 2,
				 .bl = 3,
				 .d4 = 4,
				 .d5 = 5,
				 .d6 = 6,
				 .d7 = 7,
				 .bl_active_low = true },
	[LCD_PRESET_MJKDZ] = { .rs = 6,
			       .rw = 5,
			       .en = 4,
			       .bl = 7,
			       .d4 = 0,
			       .d5 = 1,
			       .d6 = 2,
			       .d7 = 3,
			       .bl_active_low = true },
};

static const char *const page_names[PAGE_COUNT] = {
	[PAGE_SUMMARY] = "summary", [PAGE_HOSTS] = "hosts",
	[PAGE_TRAFFIC] = "traffic", [PAGE_ALARMS] = "alarms",
	[PAGE_SYSTEM] = "system",
};

/* map = { rs = 0; ... } for preset "custom": eight distinct bits. */
static void read_map(struct cfg_ctx *ctx, const struct cfg_node *g,
		     struct lcd_map *map)
{
	static const char *const keys[] = {
		"rs",	     "rw", "en",
		"backlight", "d4", "d5",
		"d6",	     "d7", "backlight_active_low",
		NULL,
	};
	int *bit[8] = {
		&map->rs, &map->rw, &map->en, &map->bl,
		&map->d4, &map->d5, &map->d6, &map->d7,
	};
	int i, j, r;

	cfg_check_keys(ctx, g, keys, "'map'");
	for (i = 0; i < 8; i++) {
		r = cfg_get_int(ctx, g, keys[i], 0, 7, bit[i]);
		if (r == 0)
			cfg_node_error(ctx, g, "'map' needs '%s'", keys[i]);
		if (r <= 0) {
			*bit[i] = -1 - i; /* distinct, never a clash */
			continue;
		}
		for (j = 0; j < i; j++)
			if (*bit[j] == *bit[i])
				break;
		if (j < i)
			cfg_key_error(ctx, g, keys[i],
				      "'map' bit %d used by both '%s' and '%s'",
				      *bit[i], keys[j], keys[i]);
	}
	cfg_get_bool(ctx, g, "backlight_active_low", &map->bl_active_low);
}

static void read_pages(struct cfg_ctx *ctx, const struct cfg_node *g,
		       struct lcd_cfg *lcd)
{
	const struct cfg_node *list;
	const char *s;
	char all[80];
	int i, k, p, count;

	if (cfg_get_list(ctx, g, "pages", &list) <= 0)
		return;
	count = cfg_node_count(list);
	if (count < 1 || count > PAGE_COUNT) {
		cfg_node_error(ctx, list, "'pages' needs 1..%d pages",
			       PAGE_COUNT);
		return;
	}
	cfg_join(page_names, PAGE_COUNT, all, sizeof(all));
	lcd->n_pages = 0;
	for (i = 0; i < count; i++) {
		if (cfg_elem_string(ctx, list, i, &s) < 0)
			continue;
		p = cfg_lookup(s, page_names, PAGE_COUNT);
		for (k = 0; p >= 0 && k < lcd->n_pages; k++)
			if (lcd->pages[k] == (enum lcd_page)p)
				break;
		if (p < 0)
			cfg_node_error(ctx, cfg_node_elem(list, i),
				       "unknown page '%s' (one of: %s)", s,
				       all);
		else if (k < lcd->n_pages)
			cfg_node_error(ctx, cfg_node_elem(list, i),
				       "page '%s' listed twice", s);
		else
			lcd->pages[lcd->n_pages++] = (enum lcd_page)p;
	}
}

static void read_geometry(struct cfg_ctx *ctx, const struct cfg_node *g,
			  struct lcd_cfg *lcd)
{
	int addr;

	cfg_get_int(ctx, g, "bus", 0, 255, &lcd->bus);
	if (cfg_get_int(ctx, g, "address", INT_MIN, INT_MAX, &addr) > 0) {
		/* 0x00..0x02 and 0x78..0x7f are reserved I2C addresses */
		if (addr < 0x03 || addr > 0x77)
			cfg_key_error(ctx, g, "address",
				      "'address' 0x%x out of range 0x03..0x77",
				      (unsigned)addr);
		else
			lcd->address = addr;
	}
	if (cfg_get_int(ctx, g, "cols", 1, 255, &lcd->cols) < 0 ||
	    cfg_get_int(ctx, g, "rows", 1, 255, &lcd->rows) < 0)
		return;
	if ((lcd->cols == 16 && lcd->rows == 2) ||
	    (lcd->cols == 20 && lcd->rows == 4))
		return;
	cfg_key_error(ctx, g, cfg_node_member(g, "rows") ? "rows" : "cols",
		      "unsupported LCD size %dx%d; use 16x2 or 20x4", lcd->cols,
		      lcd->rows);
}

static void read_preset(struct cfg_ctx *ctx, const struct cfg_node *g,
			struct lcd_cfg *lcd)
{
	const struct cfg_node *map;
	int preset = 0, r;

	cfg_get_enum(ctx, g, "preset", preset_names, 5, &preset);
	lcd->preset = preset_values[preset];
	r = cfg_get_group(ctx, g, "map", &map);
	if (lcd->preset != LCD_PRESET_CUSTOM) {
		lcd->map = preset_maps[lcd->preset];
		if (r != 0)
			cfg_key_error(ctx, g, "map",
				      "'map' needs preset = \"custom\"");
	} else if (r == 0) {
		cfg_key_error(ctx, g, "preset",
			      "preset 'custom' needs a 'map'");
	} else if (r > 0) {
		read_map(ctx, map, &lcd->map);
	}
}

void cfg_read_lcd(struct cfg_ctx *ctx, const struct cfg_node *ind,
		  struct lcd_cfg *lcd)
{
	static const char *const keys[] = {
		"bus",	 "address",	  "cols",
		"rows",	 "preset",	  "map",
		"pages", "page_interval", "reinit_interval",
		NULL,
	};
	const struct cfg_node *g;
	int p;

	lcd->enabled = false;
	lcd->bus = 1;
	lcd->address = 0x27;
	lcd->cols = 16;
	lcd->rows = 2;
	lcd->preset = LCD_PRESET_YWROBOT;
	lcd->map = preset_maps[LCD_PRESET_YWROBOT];
	for (p = 0; p < PAGE_COUNT; p++)
		lcd->pages[p] = (enum lcd_page)p;
	lcd->n_pages = PAGE_COUNT;
	lcd->page_interval_ms = 5 * MS_PER_S;
	lcd->reinit_interval_ms = 0;
	if (!ind || cfg_get_group(ctx, ind, "lcd", &g) <= 0)
		return;
	lcd->enabled = true;
	lcd->line = cfg_node_line(g);
	cfg_check_keys(ctx, g, keys, "'lcd'");
	read_geometry(ctx, g, lcd);
	read_preset(ctx, g, lcd);
	read_pages(ctx, g, lcd);
	cfg_get_duration(ctx, g, "page_interval", MS_PER_S, MS_PER_H, false,
			 &lcd->page_interval_ms);
	cfg_get_duration(ctx, g, "reinit_interval", MS_PER_MIN, MS_PER_DAY,
			 true, &lcd->reinit_interval_ms);
}
