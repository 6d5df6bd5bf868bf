/* Internal to the cdrl program: CartPole's equations in a plain C loop, the
 * floor `cdrl bench env --tight` compares the env against (bench_env_tight.c). */
#ifndef CDRL_BENCH_ENV_TIGHT_H
#define CDRL_BENCH_ENV_TIGHT_H

#include <stdint.h>

/* Steps per second of `batch` carts (0 or 1: one cart) taking actions from
 * the table (`table` entries of 0.0 or 1.0, more than batch), for `seconds`
 * of this thread's CPU time or, if steps > 0, that many steps. Returns 0 when
 * out of memory. */
double bench_env_tight_rate(int batch, const double *actions, int table, double seconds,
                            long long steps, uint64_t seed);

#endif
