/* Internal to the cdrl program: CartPole's equations in a plain C loop, the
 * floor `cdrl bench env --tight` compares the env against (bench_env_tight.c). */
#ifndef CDRL_BENCH_ENV_TIGHT_H
#define CDRL_BENCH_ENV_TIGHT_H

#include <stdint.h>

/* The random actions both the env bench and the plain loop read: the single
 * env takes entry (step mod BENCH_ENV_TABLE) of a table of that many; a
 * batch of B reads B entries from offset (step mod BENCH_ENV_WINDOW_SLACK)
 * of a table of B + BENCH_ENV_WINDOW_SLACK, a window wandering over it. */
#define BENCH_ENV_TABLE 4096
#define BENCH_ENV_WINDOW_SLACK 61 /* prime */

/* Steps per second of `batch` carts (0: the single cart) taking actions from
 * the table above (entries 0.0 or 1.0), for `seconds` of this thread's CPU
 * time or, if steps > 0, about that many steps, after a warm-up. Returns 0
 * when out of memory. */
double bench_env_tight_rate(int batch, const double *actions, double seconds, long long steps, uint64_t seed);

/* The states of `batch` carts (0: the single cart) after `steps` steps from
 * reset, as struct-of-arrays into state (4 x max(1, batch)): what cartpole's
 * single env (reset_seeded(seed), reset after each episode) or batch
 * (created with seed) observes after the same steps on the same actions.
 * 0, or -1 when out of memory. */
int bench_env_tight_state(int batch, const double *actions, long long steps, uint64_t seed, double *state);

#endif
