/* Tests of weight initialisation: the moments each scheme promises, bounds,
 * and that the same generator state gives the same weights. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/init.h"

enum { N = 200000 };

static void moments(const float *w, int n, double *mean, double *var)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++)
        s += w[i], s2 += (double)w[i] * w[i];
    *mean = s / n;
    *var = s2 / n - *mean * *mean;
}

static void glorot_uniform(void **state)
{
    (void)state;
    float *w = malloc(sizeof(float) * N);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 1, 0);
    cdrl_init_glorot_uniform(w, N, 30, 20, &rng);
    double a = sqrt(6.0 / 50), mean, var;
    for (int i = 0; i < N; i++)
        assert_true(w[i] >= -a && w[i] < a);
    moments(w, N, &mean, &var);
    /* U(-a,a) has variance a^2/3 = 2/(fan_in+fan_out) = 0.04. */
    assert_true(fabs(mean) < 0.002);
    assert_true(fabs(var - 0.04) < 0.04 * 0.02);
    free(w);
}

static void he_and_lecun_normal(void **state)
{
    (void)state;
    float *w = malloc(sizeof(float) * N);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 2, 0);
    double mean, var;
    cdrl_init_he_normal(w, N, 50, &rng);
    moments(w, N, &mean, &var);
    assert_true(fabs(mean) < 0.002);
    assert_true(fabs(var - 2.0 / 50) < 0.04 * 0.02);
    cdrl_init_lecun_normal(w, N, 50, &rng);
    moments(w, N, &mean, &var);
    assert_true(fabs(var - 1.0 / 50) < 0.02 * 0.02);
    free(w);
}

static void same_generator_same_weights(void **state)
{
    (void)state;
    float a[64], b[64];
    cdrl_rng r1, r2;
    cdrl_rng_seed(&r1, 9, 3);
    cdrl_rng_seed(&r2, 9, 3);
    cdrl_init_he_normal(a, 64, 8, &r1);
    cdrl_init_he_normal(b, 64, 8, &r2);
    assert_memory_equal(a, b, sizeof a);
    cdrl_init_he_normal(b, 64, 8, &r2); /* the generator moved on: different draws */
    assert_memory_not_equal(a, b, sizeof a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(glorot_uniform),
        cmocka_unit_test(he_and_lecun_normal),
        cmocka_unit_test(same_generator_same_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
