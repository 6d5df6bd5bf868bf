/* Weight initialisation drawn from a cdrl_rng.
 *
 * Glorot (Xavier) suits tanh and linear layers, He suits ReLU, LeCun-normal is
 * what SELU's self-normalising argument assumes. Every draw comes from the
 * generator passed in, so the same seed gives the same network everywhere. */
#ifndef CDRL_INIT_H
#define CDRL_INIT_H

#include "cdrl/rng.h"

#include <stddef.h>

/* Which scheme a network uses for its kernels. AUTO picks by activation:
 * He for ReLU, LeCun for SELU, Glorot for tanh and the linear heads. GLOROT
 * everywhere is what Keras does by default (and so the Concrete Dropout
 * authors' notebooks); it starts a wide ReLU network with small outputs. */
typedef enum {
    CDRL_INIT_AUTO = 0,
    CDRL_INIT_GLOROT,
    CDRL_INIT_HE,
} cdrl_init_scheme;

/* Fills w[0..n) with U(-a, a), a = sqrt(6 / (fan_in + fan_out)). */
void cdrl_init_glorot_uniform(float *w, size_t n, int fan_in, int fan_out, cdrl_rng *rng);

/* Fills w[0..n) with N(0, 2 / fan_in). */
void cdrl_init_he_normal(float *w, size_t n, int fan_in, cdrl_rng *rng);

/* Fills w[0..n) with N(0, 1 / fan_in). */
void cdrl_init_lecun_normal(float *w, size_t n, int fan_in, cdrl_rng *rng);

#endif
