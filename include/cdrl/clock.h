/* The one clock cdrl measures wall time with. */
#ifndef CDRL_CLOCK_H
#define CDRL_CLOCK_H

/* Seconds on the monotonic clock (CLOCK_MONOTONIC), from an arbitrary start:
 * only differences mean anything. Never goes back when the wall clock is set. */
double cdrl_clock_seconds(void);

#endif
