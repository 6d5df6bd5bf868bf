/* Weight initialisation drawn from a cdrl_rng.
 *
 * Glorot (Xavier) suits tanh and linear layers, He suits ReLU, LeCun-normal is
 * what SELU's self-normalising argument assumes. Every draw comes from the
 * generator passed in, so the same seed gives the same network everywhere. */
#ifndef CDRL_INIT_H
#define CDRL_INIT_H

#include "cdrl/rng.h"

#include <stddef.h>

/* Fills w[0..n) with U(-a, a), a = sqrt(6 / (fan_in + fan_out)). */
void cdrl_init_glorot_uniform(float *w, size_t n, int fan_in, int fan_out, cdrl_rng *rng);

/* Fills w[0..n) with N(0, 2 / fan_in). */
void cdrl_init_he_normal(float *w, size_t n, int fan_in, cdrl_rng *rng);

/* Fills w[0..n) with N(0, 1 / fan_in). */
void cdrl_init_lecun_normal(float *w, size_t n, int fan_in, cdrl_rng *rng);

#endif
