/* Tests of the vector math: the ulp bound of every function in every variant
 * this processor runs, against libm in double; that an element's result does
 * not depend on the array's length or its place in it (the determinism the
 * network code relies on); saturation and in-place use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/vecmath.h"

typedef void (*vec_fn)(float *out, const float *inp, int n);

static double sigmoid_ref(double x) { return 1.0 / (1.0 + exp(-x)); }

/* The functions, their double references and the inputs swept: every
 * STRIDE-th float between lo and hi, so results stay normal floats. */
static const struct {
    const char *name;
    vec_fn fn;
    double (*ref)(double);
    float lo, hi;
    double max_ulp;
} functions[] = {
    {"tanh", cdrl_vec_tanh, tanh, -20.0f, 20.0f, CDRL_VEC_MAX_ULP},
    {"exp", cdrl_vec_exp, exp, -87.0f, 88.0f, CDRL_VEC_MAX_ULP},
    {"expm1", cdrl_vec_expm1, expm1, -87.0f, 88.0f, CDRL_VEC_MAX_ULP},
    {"log", cdrl_vec_log, log, 1.2e-38f, 3.4e38f, CDRL_VEC_MAX_ULP},
    {"sigmoid", cdrl_vec_sigmoid, sigmoid_ref, -87.0f, 88.0f, CDRL_VEC_SIGMOID_MAX_ULP},
};
#define N_FUNCTIONS (int)(sizeof functions / sizeof functions[0])
#define STRIDE 4099u /* a prime, so the sweep hits every part of the mantissa */

static const cdrl_vec_isa variants[] = {CDRL_VEC_SCALAR, CDRL_VEC_SSE, CDRL_VEC_AVX2,
                                        CDRL_VEC_AVX512};
#define N_VARIANTS (int)(sizeof variants / sizeof variants[0])

/* |got - want| in units of the float ulp at want. */
static double ulp_error(float got, double want)
{
    if (want == 0.0)
        return got == 0.0f ? 0.0 : HUGE_VAL;
    int e;
    frexp(want, &e);
    double ulp = ldexp(1.0, (e - 24 < -149 ? -149 : e - 24));
    return fabs((double)got - want) / ulp;
}

static float from_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* Every STRIDE-th float of both signs within [lo, hi]. Returns the count. */
static int sweep(float lo, float hi, float *x, int cap)
{
    int n = 0;
    for (uint64_t b = 0; b < 0x7f800000u && n < cap; b += STRIDE)
        for (int sign = 0; sign < 2 && n < cap; sign++) {
            float v = from_bits((uint32_t)b | (sign ? 0x80000000u : 0u));
            if (v >= lo && v <= hi)
                x[n++] = v;
        }
    return n;
}

static void within_the_ulp_bound(void **state)
{
    (void)state;
    enum { CAP = 1200000 };
    float *x = malloc(sizeof(float) * CAP), *y = malloc(sizeof(float) * CAP);
    assert_non_null(x);
    assert_non_null(y);
    for (int v = 0; v < N_VARIANTS; v++) {
        if (cdrl_vec_select(variants[v]) != 0)
            continue; /* this processor cannot run it */
        for (int f = 0; f < N_FUNCTIONS; f++) {
            int n = sweep(functions[f].lo, functions[f].hi, x, CAP);
            assert_true(n > 100000);
            functions[f].fn(y, x, n);
            double worst = 0.0;
            float at = 0.0f;
            for (int i = 0; i < n; i++) {
                double e = ulp_error(y[i], functions[f].ref(x[i]));
                if (!(e <= worst))
                    worst = e, at = x[i];
            }
            printf("%-7s %-7s %8d inputs, max error %.3f ulp (at %a)\n",
                   cdrl_vec_isa_name(variants[v]), functions[f].name, n, worst, at);
            assert_true(worst <= functions[f].max_ulp);
        }
    }
    cdrl_vec_select(CDRL_VEC_AUTO);
    free(x);
    free(y);
}

/* Element i of any array gives the bits it gives alone, wherever it sits. */
static void same_bits_at_any_position_and_length(void **state)
{
    (void)state;
    enum { N = 53 };
    float x[N + 7], y[N + 7], alone;
    for (int i = 0; i < N + 7; i++)
        x[i] = 0.37f * (float)(i - 25);
    for (int v = 0; v < N_VARIANTS; v++) {
        if (cdrl_vec_select(variants[v]) != 0)
            continue;
        for (int f = 0; f < N_FUNCTIONS; f++)
            for (int offset = 0; offset < 7; offset += 3)
                for (int n = 1; n <= N; n += 13) {
                    const float *in = x + offset;
                    float pos[N];
                    for (int i = 0; i < n; i++)
                        pos[i] = functions[f].fn == cdrl_vec_log ? fabsf(in[i]) + 0.01f : in[i];
                    functions[f].fn(y, pos, n);
                    for (int i = 0; i < n; i++) {
                        functions[f].fn(&alone, &pos[i], 1);
                        assert_memory_equal(&alone, &y[i], sizeof alone);
                    }
                }
    }
    cdrl_vec_select(CDRL_VEC_AUTO);
}

static void sigmoid_saturates_without_nan(void **state)
{
    (void)state;
    float x[] = {-INFINITY, -200.0f, -90.0f, 0.0f, 90.0f, 200.0f, INFINITY}, y[7];
    cdrl_vec_sigmoid(y, x, 7);
    assert_true(y[0] == 0.0f && y[1] == 0.0f && y[2] >= 0.0f && y[2] < 1e-38f);
    assert_true(y[3] == 0.5f);
    assert_true(y[4] == 1.0f && y[5] == 1.0f && y[6] == 1.0f);
}

static void in_place(void **state)
{
    (void)state;
    float x[40], want[40];
    for (int i = 0; i < 40; i++)
        x[i] = 0.1f * (float)i - 2.0f;
    cdrl_vec_tanh(want, x, 40);
    cdrl_vec_tanh(x, x, 40);
    assert_memory_equal(x, want, sizeof x);
}

static void selecting_a_variant(void **state)
{
    (void)state;
    cdrl_vec_isa best = cdrl_vec_current();
    assert_true(best != CDRL_VEC_AUTO);
    assert_int_equal(cdrl_vec_select(CDRL_VEC_SCALAR), 0);
    assert_int_equal(cdrl_vec_current(), CDRL_VEC_SCALAR);
    assert_string_equal(cdrl_vec_isa_name(CDRL_VEC_SCALAR), "scalar");
    assert_int_equal(cdrl_vec_select(CDRL_VEC_AUTO), 0);
    assert_int_equal(cdrl_vec_current(), best);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(within_the_ulp_bound),
        cmocka_unit_test(same_bits_at_any_position_and_length),
        cmocka_unit_test(sigmoid_saturates_without_nan),
        cmocka_unit_test(in_place),
        cmocka_unit_test(selecting_a_variant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
