/* Helpers shared by the neural-network tests: seeded fills and a closeness
 * check that names the element that failed. Header-only, static. */
#ifndef CDRL_TESTS_NN_CHECK_H
#define CDRL_TESTS_NN_CHECK_H

#include <math.h>
#include <stdio.h>

#include "cdrl/activation.h"
#include "cdrl/mlp.h"
#include "cdrl/rng.h"

/* An activation computed in double from its definition (SELU with the
 * constants of Klambauer et al. 2017), for checking the float layers. */
static inline double activation_reference(double x, cdrl_activation act)
{
    const double alpha = 1.6732632423543772, scale = 1.0507009873554805;
    switch (act) {
    case CDRL_ACT_RELU: return x > 0 ? x : 0;
    case CDRL_ACT_TANH: return tanh(x);
    case CDRL_ACT_SELU: return x > 0 ? scale * x : scale * alpha * (exp(x) - 1);
    default: return x;
    }
}

static inline void fill_uniform(float *x, int n, float lo, float hi, cdrl_rng *rng)
{
    for (int i = 0; i < n; i++)
        x[i] = (float)cdrl_rng_range(rng, lo, hi);
}

/* |got - want| <= atol + rtol |want| for every element, else prints the first
 * offender and returns 0. */
static inline int all_close(const char *what, const float *got, const double *want, int n,
                            double atol, double rtol)
{
    for (int i = 0; i < n; i++) {
        double diff = fabs((double)got[i] - want[i]);
        if (!(diff <= atol + rtol * fabs(want[i]))) {
            fprintf(stderr, "%s[%d]: got %.9g, want %.9g (diff %.3g)\n", what, i, got[i], want[i],
                    diff);
            return 0;
        }
    }
    return 1;
}

/* The constructor as an expression: the network, or NULL when it fails
 * (and then it must have left *out NULL). */
static inline cdrl_mlp *mlp_create_or_null(const cdrl_mlp_spec *spec, cdrl_error *err)
{
    static char poison;
    cdrl_mlp *out = (cdrl_mlp *)(void *)&poison; /* create must overwrite it */
    if (cdrl_mlp_create(spec, &out, err)) {
        assert_null(out);
        return NULL;
    }
    return out;
}

#endif
