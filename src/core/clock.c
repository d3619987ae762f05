/*
 * clock.c - CLOCK_MONOTONIC for every deadline, CLOCK_REALTIME only for
 * timestamps people read.  Kept alone in its object so tests can link a
 * fake clock in its place.
 */
#include <time.h>

#include "clock.h"

int64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t clock_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}
