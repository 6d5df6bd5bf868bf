/* Tests of dropout: Concrete forward against a double reference of the
 * paper's formula on injected noise, its gradients (input, and p_logit
 * through both the mask and the 1/(1-p) rescaling) against central
 * differences of that reference with u held fixed, the regulariser against
 * hand-computed values, fixed dropout's expectation, parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/dropout.h"
#include "nn_check.h"

enum { N = 24 };

/* The formula of dropout.h, in double. */
static double ref_concrete(double x, double u, double p_logit)
{
    const double eps = 1e-7, t = 0.1;
    double p = 1.0 / (1.0 + exp(-p_logit));
    double a = (log(p + eps) - log(1 - p + eps) + log(u + eps) - log(1 - u + eps)) / t;
    double z = 1.0 / (1.0 + exp(-a));
    return x * (1 - z) / (1 - p);
}

/* L = sum_i r_i * out_i, the scalar whose gradient the check compares. */
static double ref_loss(const double *x, const float *u, double p_logit, const float *r)
{
    double s = 0;
    for (int i = 0; i < N; i++)
        s += r[i] * ref_concrete(x[i], u[i], p_logit);
    return s;
}

static void make_inputs(float *x, float *u, float *r, uint64_t seed)
{
    cdrl_rng rng;
    cdrl_rng_seed(&rng, seed, 0);
    fill_uniform(x, N, -2, 2, &rng);
    /* Spread u over (0,1) so that some masks are soft, where dz/dp is large. */
    for (int i = 0; i < N; i++)
        u[i] = (i + 0.5f) / N;
    fill_uniform(r, N, -1, 1, &rng);
}

static void concrete_forward_matches_formula(void **state)
{
    (void)state;
    float x[N], u[N], r[N], out[N], z[N];
    make_inputs(x, u, r, 1);
    const float logits[] = {cdrl_logit(0.05f), cdrl_logit(0.1f), 0.0f, cdrl_logit(0.8f)};
    for (int k = 0; k < 4; k++) {
        cdrl_concrete_dropout_forward(out, z, x, u, logits[k], N);
        double want[N];
        for (int i = 0; i < N; i++)
            want[i] = ref_concrete(x[i], u[i], logits[k]);
        assert_true(all_close("concrete out", out, want, N, 1e-5, 1e-4));
        for (int i = 0; i < N; i++)
            assert_true(z[i] >= 0.0f && z[i] <= 1.0f);
    }
    /* Extreme noise still gives finite values (the eps guards log 0). */
    float u0[2] = {0.0f, 0.99999994f}, x0[2] = {1.0f, 1.0f};
    cdrl_concrete_dropout_forward(out, z, x0, u0, 0.0f, 2);
    assert_true(isfinite(out[0]) && isfinite(out[1]));
    assert_true(z[0] < 1e-3f && z[1] > 1.0f - 1e-3f);
}

static void concrete_gradients_match_finite_differences(void **state)
{
    (void)state;
    float x[N], u[N], r[N], out[N], z[N];
    make_inputs(x, u, r, 2);
    const float logits[] = {cdrl_logit(0.1f), cdrl_logit(0.3f), 0.0f, cdrl_logit(0.9f)};
    for (int k = 0; k < 4; k++) {
        float p_logit = logits[k];
        cdrl_concrete_dropout_forward(out, z, x, u, p_logit, N);
        float dinp[N], dp_logit = 0.25f; /* backward adds to the 0.25 already there */
        for (int i = 0; i < N; i++)
            dinp[i] = 0.0f;
        cdrl_concrete_dropout_backward(dinp, &dp_logit, r, x, z, p_logit, N);
        double xd[N], want[N];
        for (int i = 0; i < N; i++)
            xd[i] = x[i];
        const double h = 1e-6;
        for (int i = 0; i < N; i++) {
            xd[i] = x[i] + h;
            double up = ref_loss(xd, u, p_logit, r);
            xd[i] = x[i] - h;
            double down = ref_loss(xd, u, p_logit, r);
            xd[i] = x[i];
            want[i] = (up - down) / (2 * h);
        }
        assert_true(all_close("dinp", dinp, want, N, 1e-5, 1e-4));
        double dp_want = 0.25 + (ref_loss(xd, u, p_logit + h, r) - ref_loss(xd, u, p_logit - h, r))
                                    / (2 * h);
        assert_true(all_close("dp_logit", &dp_logit, &dp_want, 1, 1e-4, 1e-4));
    }
}

/* The overwriting backward: dinp with the bits of zeroing and accumulating
 * (whatever it held), dp_logit the same sum added; and the p-gradient alone
 * (dinp NULL) the same as with dinp. Lengths around the eight partial sums. */
static void concrete_backward_set_is_zero_then_add(void **state)
{
    (void)state;
    float x[N], u[N], r[N], out[N], z[N];
    make_inputs(x, u, r, 3);
    float p_logit = cdrl_logit(0.2f);
    cdrl_concrete_dropout_forward(out, z, x, u, p_logit, N);
    static const int lengths[] = {1, 7, 8, 9, N};
    for (int k = 0; k < 5; k++) {
        int n = lengths[k] < N ? lengths[k] : N;
        float added[N] = {0}, set[N], dp_added = 0.5f, dp_set = 0.5f, dp_alone = 0.5f;
        for (int i = 0; i < N; i++)
            set[i] = 7.0f;
        cdrl_concrete_dropout_backward(added, &dp_added, r, x, z, p_logit, n);
        cdrl_concrete_dropout_backward_set(set, &dp_set, r, x, z, p_logit, n);
        cdrl_concrete_dropout_backward(NULL, &dp_alone, r, x, z, p_logit, n);
        assert_memory_equal(set, added, sizeof(float) * n);
        assert_memory_equal(&dp_set, &dp_added, sizeof dp_set);
        assert_memory_equal(&dp_alone, &dp_added, sizeof dp_set);
        for (int i = 0; i < n; i++)
            set[i] = 7.0f;
        cdrl_concrete_dropout_backward_set(set, NULL, r, x, z, p_logit, n);
        assert_memory_equal(set, added, sizeof(float) * n);
    }
}

/* The rescaling alone: with noise that drops nothing (u -> 0 makes z ~ 0),
 * out = x / (1-p), so d out / d p_logit = x p / (1-p). */
static void p_logit_gradient_through_rescaling(void **state)
{
    (void)state;
    float x[1] = {2.0f}, u[1] = {0.0f}, out[1], z[1], one[1] = {1.0f};
    float p_logit = cdrl_logit(0.25f), dp = 0.0f;
    cdrl_concrete_dropout_forward(out, z, x, u, p_logit, 1);
    cdrl_concrete_dropout_backward(NULL, &dp, one, x, z, p_logit, 1);
    assert_float_equal(out[0], 2.0f / 0.75f, 1e-5);
    assert_float_equal(dp, 2.0f * 0.25f / 0.75f, 1e-4);
}

/* R = wr sum(W^2)/(1-p) + dr K (p log p + (1-p) log(1-p)) with W = (1, 2, -2),
 * K = 3, p = 0.2, wr = 0.01, dr = 0.1:
 *   0.01 * 9 / 0.8 = 0.1125;
 *   0.1 * 3 * (0.2 log 0.2 + 0.8 log 0.8) = 0.3 * (-0.3218876 - 0.1785148) = -0.1501207;
 *   R = -0.0376207.
 * dR/dW = 2 wr W / (1-p) = 0.025 W.
 * dR/dp = wr sum(W^2)/(1-p)^2 + dr K log(p/(1-p)) = 0.140625 + 0.3 log 0.25 = 0.140625 - 0.4158883 = -0.2752633;
 * dR/dp_logit = dR/dp * p (1-p) = -0.2752633 * 0.16 = -0.0440421. */
static void regularizer_by_hand(void **state)
{
    (void)state;
    float w[3] = {1.0f, 2.0f, -2.0f}, dw[3] = {0, 0, 0}, dp = 0.0f;
    float r = cdrl_concrete_regularizer(dw, &dp, w, 3, 3, cdrl_logit(0.2f), 0.01f, 0.1f);
    assert_float_equal(r, -0.0376207f, 1e-6);
    assert_float_equal(dw[0], 0.025f, 1e-7);
    assert_float_equal(dw[1], 0.05f, 1e-7);
    assert_float_equal(dw[2], -0.05f, 1e-7);
    assert_float_equal(dp, -0.0440421f, 1e-6);
    /* Value only, with NULL gradients. */
    assert_float_equal(cdrl_concrete_regularizer(NULL, NULL, w, 3, 3, cdrl_logit(0.2f), 0.01f, 0.1f),
                       -0.0376207f, 1e-6);
}

static void coefficients_from_data_size(void **state)
{
    (void)state;
    float wr, dr;
    cdrl_concrete_coefficients(1e-4, 1.0, 100.0, 0, &wr, &dr);
    assert_float_equal(wr, 1e-10f, 1e-16);
    assert_float_equal(dr, 0.02f, 1e-9);
    cdrl_concrete_coefficients(1e-2, 2.0, 1000.0, 1, &wr, &dr);
    assert_float_equal(wr, 5e-8f, 1e-14);
    assert_float_equal(dr, 5e-4f, 1e-10);
}

/* Inverted dropout: E[out] = x. Over 200000 masks at p = 0.3 the mean of
 * out/x has standard error sqrt(p/(1-p)/n) = 0.0015; 0.01 is over 6 of them. */
static void fixed_dropout_keeps_the_mean(void **state)
{
    (void)state;
    enum { M = 200000 };
    float *x = malloc(sizeof(float) * M), *u = malloc(sizeof(float) * M);
    float *out = malloc(sizeof(float) * M), *mask = malloc(sizeof(float) * M);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 3, 0);
    for (int i = 0; i < M; i++)
        x[i] = 1.5f, u[i] = cdrl_rng_uniform_f(&rng);
    cdrl_fixed_dropout_forward(out, mask, x, u, 0.3f, M);
    double sum = 0;
    int dropped = 0;
    for (int i = 0; i < M; i++) {
        sum += out[i];
        dropped += mask[i] == 0.0f;
        assert_true(mask[i] == 0.0f || fabsf(mask[i] - 1.0f / 0.7f) < 1e-6f);
    }
    assert_true(fabs(sum / M / 1.5 - 1.0) < 0.01);
    assert_true(fabs((double)dropped / M - 0.3) < 0.005);
    /* Backward routes the gradient through the same mask, added to dinp. */
    float dinp[4] = {1, 1, 1, 1}, dout[4] = {2, 2, 2, 2};
    cdrl_fixed_dropout_backward(dinp, dout, mask, 4);
    for (int i = 0; i < 4; i++)
        assert_float_equal(dinp[i], 1.0f + 2.0f * mask[i], 1e-6);
    free(x), free(u), free(out), free(mask);
}

static void parse_settings(void **state)
{
    (void)state;
    cdrl_dropout_spec s;
    cdrl_error err;
    char buf[32];
    assert_int_equal(cdrl_dropout_parse("none", 0.1f, &s, &err), 0);
    assert_int_equal(s.kind, CDRL_DROPOUT_NONE);
    assert_int_equal(cdrl_dropout_parse("fixed:0.25", 0.1f, &s, &err), 0);
    assert_int_equal(s.kind, CDRL_DROPOUT_FIXED);
    assert_float_equal(s.p, 0.25f, 0);
    cdrl_dropout_format(&s, buf, sizeof buf);
    assert_string_equal(buf, "fixed:0.25");
    assert_int_equal(cdrl_dropout_parse("concrete", 0.2f, &s, &err), 0);
    assert_int_equal(s.kind, CDRL_DROPOUT_CONCRETE);
    assert_float_equal(s.p, 0.2f, 0);
    const char *bad[] = {"fixed:1", "fixed:", "fixed:-0.1", "fixed:0.5x", "Concrete", "", "fixed"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(cdrl_dropout_parse(bad[i], 0.1f, &s, &err), CDRL_EINVAL);
        assert_non_null(strstr(err.msg, "accepted"));
    }
    assert_int_equal(cdrl_dropout_parse("concrete", 0.0f, &s, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_dropout_parse("concrete", 1.0f, &s, &err), CDRL_EINVAL);
}

static void sigmoid_and_logit(void **state)
{
    (void)state;
    assert_float_equal(cdrl_sigmoid(0.0f), 0.5f, 0);
    assert_float_equal(cdrl_sigmoid(cdrl_logit(0.1f)), 0.1f, 1e-7);
    assert_true(cdrl_sigmoid(-200.0f) >= 0.0f && cdrl_sigmoid(200.0f) == 1.0f);
}

/* The mask is computed as a rational function (no logs or exps); it must
 * agree with the defining formula in double to float rounding everywhere,
 * the extreme uniforms and rates included. */
static void concrete_mask_to_float_rounding(void **state)
{
    (void)state;
    enum { N = 4099 };
    static float u[N], inp[N], out[N], z[N];
    for (int i = 0; i < N; i++) {
        u[i] = (float)i / (float)(N - 1) * (1.0f - 0x1p-24f); /* 0 to the largest uniform */
        inp[i] = 1.0f;
    }
    u[1] = 0x1p-24f;
    const double eps = CDRL_CONCRETE_EPS;
    const float rates[] = {1e-4f, 0.01f, 0.1f, 0.5f, 0.9f, 0.9999f};
    for (int r = 0; r < 6; r++) {
        float p_logit = cdrl_logit(rates[r]);
        double p = cdrl_sigmoid(p_logit);
        cdrl_concrete_dropout_forward(out, z, inp, u, p_logit, N);
        for (int i = 0; i < N; i++) {
            double ui = u[i];
            double x = (log(p + eps) - log(1 - p + eps) + log(ui + eps) - log(1 - ui + eps))
                       / 0.1; /* the paper's t, which the reference implementations use */
            double want = 1.0 / (1.0 + exp(-x));
            /* One float rounding in z, two in out (the keep factor, then the product). */
            assert_true(fabs(z[i] - want) <= 0x1p-24 * want + 1e-30);
            double keep = 1.0 / (1.0 + exp(x)) / (1.0 - p); /* 1 - z without cancelling */
            assert_true(fabs(out[i] - keep) <= 0x1p-23 * keep + 1e-30);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concrete_forward_matches_formula),
        cmocka_unit_test(concrete_mask_to_float_rounding),
        cmocka_unit_test(concrete_gradients_match_finite_differences),
        cmocka_unit_test(concrete_backward_set_is_zero_then_add),
        cmocka_unit_test(p_logit_gradient_through_rescaling),
        cmocka_unit_test(regularizer_by_hand),
        cmocka_unit_test(coefficients_from_data_size),
        cmocka_unit_test(fixed_dropout_keeps_the_mean),
        cmocka_unit_test(parse_settings),
        cmocka_unit_test(sigmoid_and_logit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
