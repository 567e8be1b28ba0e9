// SPDX-License-Identifier: GPL-2.0
/* Waiting for the event a test needs, polled, never for a guessed time. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "wait.h"

long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

int wait_until(int (*cond)(void *), void *arg, int max_ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!cond(arg)) {
		if (ms_since(&t0) >= max_ms)
			return -ETIMEDOUT;
		usleep(WAIT_POLL_MS * 1000);
	}
	return 0;
}
