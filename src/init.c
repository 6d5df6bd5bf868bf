/* Weight initialisation: the three variance-preserving schemes the activations need. */
#include "cdrl/init.h"

#include <math.h>

void cdrl_init_glorot_uniform(float *w, size_t n, int fan_in, int fan_out, cdrl_rng *rng)
{
    double a = sqrt(6.0 / (double)(fan_in + fan_out));
    for (size_t i = 0; i < n; i++)
        w[i] = (float)cdrl_rng_range(rng, -a, a);
}

static void fill_normal(float *w, size_t n, double std, cdrl_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (float)(std * cdrl_rng_normal(rng));
}

void cdrl_init_he_normal(float *w, size_t n, int fan_in, cdrl_rng *rng)
{
    fill_normal(w, n, sqrt(2.0 / fan_in), rng);
}

void cdrl_init_lecun_normal(float *w, size_t n, int fan_in, cdrl_rng *rng)
{
    fill_normal(w, n, sqrt(1.0 / fan_in), rng);
}
