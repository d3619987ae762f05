/*
 * pattern.c - LED blink patterns and buzzer sequences as pure functions of
 * monotonic time.  Nothing here keeps state or reads a clock, so every
 * blinking LED on the panel (and on every virtual panel) blinks in step,
 * and tests can check the timing at exact millisecond boundaries.
 *
 * LED patterns are phased on absolute monotonic time t, not on when an LED
 * changed, so all LEDs with the same pattern blink together.  Buzzer
 * sequences are timed from start_ns, when the alarm began, rose or was last
 * reminded.  Every interval below is half-open: [from, to).
 */
#include <stdint.h>

#include "clock.h"
#include "panel.h"

/*
 * LED patterns (one period, t modulo the period):
 *
 *	off		never lit
 *	on		always lit
 *	slow_blink	1 Hz, 50 %: lit [0, 500 ms) of every second
 *	fast_blink	4 Hz, 50 %: lit [0, 125 ms) of every 250 ms
 *	heartbeat	lit [0, 100 ms) and [200, 300 ms) of every second
 *	activity	lit [last, last + 50 ms) after the last traffic seen;
 *			never lit while last_activity_ns <= 0
 */
#define SLOW_PERIOD_NS	  (1000 * NS_PER_MS)
#define SLOW_ON_NS	  (500 * NS_PER_MS)
#define FAST_PERIOD_NS	  (250 * NS_PER_MS)
#define FAST_ON_NS	  (125 * NS_PER_MS)
#define HEART_PERIOD_NS	  (1000 * NS_PER_MS)
#define ACTIVITY_FLASH_NS (50 * NS_PER_MS)

/* Heartbeat edges within its period, in order; lit between even and odd. */
static const int64_t heart_edges_ns[] = {
	0,
	100 * NS_PER_MS,
	200 * NS_PER_MS,
	300 * NS_PER_MS,
};
#define N_HEART_EDGES (int)(sizeof(heart_edges_ns) / sizeof(heart_edges_ns[0]))

/*
 * Buzzer sequences (d = t - start_ns; nothing sounds before start_ns):
 *
 *	off		never sounds
 *	chirp		one 80 ms chirp: on [0, 80 ms)
 *	beep		three 150 ms beeps 150 ms apart: on [0, 150),
 *			[300, 450) and [600, 750) ms
 *	repeat		200 ms on / 800 ms off, forever: on [0, 200 ms) of
 *			every second
 *	continuous	on from start_ns, forever
 */
#define CHIRP_NS	 (80 * NS_PER_MS)
#define BEEP_NS		 (150 * NS_PER_MS)
#define BEEP_COUNT	 3
#define REPEAT_PERIOD_NS (1000 * NS_PER_MS)
#define REPEAT_ON_NS	 (200 * NS_PER_MS)

/* t modulo period, always in [0, period), also for negative t. */
static int64_t pattern_phase(int64_t t, int64_t period)
{
	int64_t m = t % period;

	return m < 0 ? m + period : m;
}

/* The next boundary of an "on for on_ns of every period_ns" square wave. */
static int64_t pattern_square_edge(int64_t t, int64_t period, int64_t on_ns)
{
	int64_t m = pattern_phase(t, period);

	return t - m + (m < on_ns ? on_ns : period);
}

static bool pattern_heart_lit(int64_t t)
{
	int64_t m = pattern_phase(t, HEART_PERIOD_NS);
	int i;

	for (i = N_HEART_EDGES - 1; i >= 0; i--)
		if (m >= heart_edges_ns[i])
			return (i % 2) == 0;
	return false;
}

static int64_t pattern_heart_edge(int64_t t)
{
	int64_t m = pattern_phase(t, HEART_PERIOD_NS);
	int i;

	for (i = 0; i < N_HEART_EDGES; i++)
		if (heart_edges_ns[i] > m)
			return t - m + heart_edges_ns[i];
	return t - m + HEART_PERIOD_NS;
}

bool led_pattern_lit(enum led_pattern p, int64_t t_ns, int64_t last_activity_ns)
{
	switch (p) {
	case PAT_ON:
		return true;
	case PAT_SLOW_BLINK:
		return pattern_phase(t_ns, SLOW_PERIOD_NS) < SLOW_ON_NS;
	case PAT_FAST_BLINK:
		return pattern_phase(t_ns, FAST_PERIOD_NS) < FAST_ON_NS;
	case PAT_HEARTBEAT:
		return pattern_heart_lit(t_ns);
	case PAT_ACTIVITY:
		return last_activity_ns > 0 && t_ns >= last_activity_ns &&
		       t_ns - last_activity_ns < ACTIVITY_FLASH_NS;
	case PAT_OFF:
	default:
		return false;
	}
}

int64_t led_pattern_next_edge(enum led_pattern p, int64_t t_ns,
			      int64_t last_activity_ns)
{
	switch (p) {
	case PAT_SLOW_BLINK:
		return pattern_square_edge(t_ns, SLOW_PERIOD_NS, SLOW_ON_NS);
	case PAT_FAST_BLINK:
		return pattern_square_edge(t_ns, FAST_PERIOD_NS, FAST_ON_NS);
	case PAT_HEARTBEAT:
		return pattern_heart_edge(t_ns);
	case PAT_ACTIVITY:
		if (last_activity_ns <= 0)
			return INT64_MAX;
		if (t_ns < last_activity_ns)
			return last_activity_ns;
		if (t_ns - last_activity_ns < ACTIVITY_FLASH_NS)
			return last_activity_ns + ACTIVITY_FLASH_NS;
		return INT64_MAX;
	case PAT_OFF:
	case PAT_ON:
	default:
		return INT64_MAX;
	}
}

bool buzzer_pattern_on(enum buzzer_pattern p, int64_t start_ns, int64_t t_ns)
{
	int64_t d = t_ns - start_ns;

	if (d < 0)
		return false;
	switch (p) {
	case BUZ_CHIRP:
		return d < CHIRP_NS;
	case BUZ_BEEP:
		return d < 2 * BEEP_NS * BEEP_COUNT &&
		       pattern_phase(d, 2 * BEEP_NS) < BEEP_NS;
	case BUZ_REPEAT:
		return pattern_phase(d, REPEAT_PERIOD_NS) < REPEAT_ON_NS;
	case BUZ_CONTINUOUS:
		return true;
	case BUZ_OFF:
	default:
		return false;
	}
}

int64_t buzzer_pattern_next_edge(enum buzzer_pattern p, int64_t start_ns,
				 int64_t t_ns)
{
	int64_t d = t_ns - start_ns;

	if (p <= BUZ_OFF || p >= BUZ_COUNT)
		return INT64_MAX;
	if (d < 0)
		return start_ns;
	switch (p) {
	case BUZ_CHIRP:
		return d < CHIRP_NS ? start_ns + CHIRP_NS : INT64_MAX;
	case BUZ_BEEP:
		/* The last beep ends at 750 ms, not at the period's end. */
		if (d >= 2 * BEEP_NS * (BEEP_COUNT - 1) + BEEP_NS)
			return INT64_MAX;
		return start_ns + pattern_square_edge(d, 2 * BEEP_NS, BEEP_NS);
	case BUZ_REPEAT:
		return start_ns +
		       pattern_square_edge(d, REPEAT_PERIOD_NS, REPEAT_ON_NS);
	default:
		return INT64_MAX;
	}
}
