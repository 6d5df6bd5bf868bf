/* The monotonic clock, so timings (steps/s, plan time, sweep wall time) do not
 * jump when the system's wall clock is set. */
#include "cdrl/clock.h"

#include <time.h>

double cdrl_clock_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
