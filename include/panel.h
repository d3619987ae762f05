/*
 * panel.h - the panel model: what the LEDs, the buzzer and the LCD show.
 *
 * Lifecycle: panel_open() with a backend → panel_update() whenever the
 * status changes → panel_tick() when the previous tick asked (animates
 * blink patterns, buzzer sequences, activity flashes and LCD page rotation)
 * → panel_close(), which turns every LED and the buzzer off, leaves
 * "stopped" on the LCD and closes the backend.
 *
 * The model decides; backends only show.  Every backend - the terminal and
 * JSON virtual panels, the GPIO/I2C hardware, the test fakes - implements
 * struct panel_backend_ops and receives a complete struct panel_view.
 * The panel never reads the clock for its decisions: callers pass
 * monotonic now_ns and the local minute of the day, so tests drive it with
 * a fake clock.  Given a loop, the panel also arms a one-shot timer of its
 * own when panel_update() brings an edge (an activity flash, a new blink)
 * closer than the tick the caller was promised.
 */
#ifndef PL_PANEL_H
#define PL_PANEL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "state.h"
#include "status.h"

struct loop;
struct panel;

#define LCD_MAX_ROWS 4
#define LCD_MAX_COLS 20

struct panel_led_view {
	char name[CFG_NAME_MAX];
	enum pl_state state;  /* what it reports */
	enum led_color color; /* the colour lit for that state */
	enum led_pattern pattern;
	bool lit;		    /* at now_ns, within the pattern */
	bool pins[LED_COLOR_COUNT]; /* which colour elements are on now */
};

/* A relay driven by an action's pulse (config 'actions'). */
struct panel_relay_view {
	char name[CFG_NAME_MAX]; /* the action's */
	int action;		 /* index into cfg->actions */
	int line;		 /* BCM GPIO line */
	bool active;		 /* energised now */
};

struct panel_view {
	int64_t now_ns;
	int n_leds;
	struct panel_led_view leds[CFG_MAX_LEDS];
	enum buzzer_pattern buzzer;
	bool buzzer_on; /* sounding at now_ns */
	int cols, rows;
	/* Character cells as HD44780 A00 ROM codes (lcd_charset.h). */
	uint8_t lcd[LCD_MAX_ROWS][LCD_MAX_COLS];
	bool backlight;
	enum lcd_page page;
	bool stopped; /* the final view at shutdown */
	int n_relays;
	struct panel_relay_view relays[CFG_MAX_ACTIONS];
};

/* What changed since the last show(): the model (a colour, pattern, buzzer
 * pattern, LCD text or backlight) or only the phase (lit/sounding). */
enum panel_change {
	PANEL_CHANGED_MODEL = 1,
	PANEL_CHANGED_PHASE = 2,
};

enum button_press {
	BUTTON_SHORT,
	BUTTON_LONG,
};

typedef void (*panel_button_fn)(struct panel *p, enum button_press press,
				void *arg);

struct panel_backend_ops {
	const char *name;
	/* Open the device(s).  May add fds to the loop, and calls
	 * panel_button() for presses.  Returns a backend handle, or NULL
	 * after printing a one-line message naming the device. */
	void *(*open)(const struct pl_config *cfg, struct loop *l,
		      struct panel *p);
	/* A new config is in force (reload).  Returns 0 or -1. */
	int (*reload)(void *b, const struct pl_config *cfg);
	/* Show v; changes is a mask of enum panel_change. */
	void (*show)(void *b, const struct panel_view *v, unsigned changes);
	/* Show the final view, release everything. */
	void (*close)(void *b, const struct panel_view *final);
	/* Hardware error counts since open (NULL: no hardware). */
	void (*errors)(void *b, unsigned long *lcd, unsigned long *gpio);
};

extern const struct panel_backend_ops panel_term_ops;
extern const struct panel_backend_ops panel_json_ops;
extern const struct panel_backend_ops panel_hw_ops;

/* Look a backend up by name ("term", "json", "hw"); NULL if unknown. */
const struct panel_backend_ops *panel_backend_find(const char *name);

/* Returns NULL (the backend printed why) or a panel; close it with
 * panel_close(). */
struct panel *panel_open(const struct pl_config *cfg,
			 const struct panel_backend_ops *ops, struct loop *l,
			 int64_t now_ns);

/* Switch to a new config; the old one may be freed after this returns.
 * Forgets the status (its arrays are sized by the old config): call
 * panel_update() with the new config's status next; nothing is shown
 * until then. */
int panel_reload(struct panel *p, const struct pl_config *cfg, int64_t now_ns);

/* Recompute the model from st.  Shows a view if anything changed.  The
 * panel keeps st (ticks re-render the LCD from it): it must stay valid
 * until the next panel_update() or panel_reload(). */
void panel_update(struct panel *p, const struct status *st, int64_t now_ns);

/* Local wall-clock time as minutes after midnight (0..1439), for the
 * buzzer's quiet hours; -1 (the default) when unknown: never quiet.  Takes
 * effect at the next panel_update() or panel_tick(). */
void panel_set_local_minute(struct panel *p, int minute);

/* Advance patterns and pages to now_ns; returns the delay in ns until the
 * next tick is needed (the next edge of a pattern, buzzer sequence or page
 * rotation; at most one second). */
int64_t panel_tick(struct panel *p, int64_t now_ns);

/* Energise (or release) the relay of action i (one with a pulse) and
 * show it now.  The panel does not time pulses: the actions do.  Reload
 * and close release every relay. */
void panel_set_relay(struct panel *p, int action, bool active, int64_t now_ns);

/* Show the next LCD page now (button, or a key on the virtual panel). */
void panel_next_page(struct panel *p, int64_t now_ns);

/* Who handles button presses (main's glue: acknowledge, maintenance). */
void panel_set_button_handler(struct panel *p, panel_button_fn fn, void *arg);

/* Called by backends when the button (or its virtual stand-in) is
 * pressed. */
void panel_button(struct panel *p, enum button_press press);

/* LCD (I2C) and GPIO errors counted by a hardware backend; false when the
 * backend has no hardware. */
bool panel_errors(const struct panel *p, unsigned long *lcd,
		  unsigned long *gpio);

/* The current view (for SIGUSR1 dumps and tests). */
const struct panel_view *panel_view(const struct panel *p);

/* Orderly stop; accepts NULL. */
void panel_close(struct panel *p, int64_t now_ns);

/* Pattern timing, a pure function of monotonic time: is pattern p lit at
 * t_ns?  last_activity_ns is used by PAT_ACTIVITY only. */
bool led_pattern_lit(enum led_pattern p, int64_t t_ns,
		     int64_t last_activity_ns);

/* The next time after t_ns at which led_pattern_lit() may change; INT64_MAX
 * if never. */
int64_t led_pattern_next_edge(enum led_pattern p, int64_t t_ns,
			      int64_t last_activity_ns);

/* Buzzer sequences, timed from start_ns (when the alarm began or was last
 * reminded). */
bool buzzer_pattern_on(enum buzzer_pattern p, int64_t start_ns, int64_t t_ns);
int64_t buzzer_pattern_next_edge(enum buzzer_pattern p, int64_t start_ns,
				 int64_t t_ns);

#endif
