/* Tests of the losses: values against hand-worked numbers and double
 * references, gradients against central differences of those references,
 * and the accumulate-with-scale convention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "cdrl/loss.h"
#include "nn_check.h"

#define PI 3.14159265358979323846

enum { B = 3, D = 2, A = 4 };

/* Double references of each loss as a function of its differentiated input. */
static double ref_mse(const double *pred, const float *target)
{
    double s = 0;
    for (int i = 0; i < B * D; i++)
        s += (pred[i] - target[i]) * (pred[i] - target[i]);
    return s / B;
}

static double ref_nll(const double *pred, const float *target)
{
    double s = 0;
    for (int b = 0; b < B; b++)
        for (int d = 0; d < D; d++) {
            double mu = pred[b * 2 * D + d], lv = pred[b * 2 * D + D + d], y = target[b * D + d];
            s += 0.5 * (exp(-lv) * (y - mu) * (y - mu) + lv + log(2 * PI));
        }
    return s / B;
}

static double ref_lse(const double *row)
{
    double m = row[0], s = 0;
    for (int a = 1; a < A; a++)
        m = row[a] > m ? row[a] : m;
    for (int a = 0; a < A; a++)
        s += exp(row[a] - m);
    return m + log(s);
}

static const int labels[B] = {2, 0, 3};
static const float weights[B] = {1.5f, -0.5f, 2.0f};

static double ref_xent(const double *logits, const float *unused)
{
    (void)unused;
    double s = 0;
    for (int b = 0; b < B; b++)
        s += weights[b] * (ref_lse(logits + b * A) - logits[b * A + labels[b]]);
    return s / B;
}

static double ref_entropy(const double *logits, const float *unused)
{
    (void)unused;
    double s = 0;
    for (int b = 0; b < B; b++) {
        double lse = ref_lse(logits + b * A);
        for (int a = 0; a < A; a++)
            s -= exp(logits[b * A + a] - lse) * (logits[b * A + a] - lse);
    }
    return s / B;
}

/* Central-difference gradient of f at x (n), times scale. */
static void numeric(double (*f)(const double *, const float *), const float *x, int n,
                    const float *aux, double scale, double *grad)
{
    double xd[64];
    for (int i = 0; i < n; i++)
        xd[i] = x[i];
    for (int i = 0; i < n; i++) {
        const double h = 1e-6;
        xd[i] = x[i] + h;
        double up = f(xd, aux);
        xd[i] = x[i] - h;
        double down = f(xd, aux);
        xd[i] = x[i];
        grad[i] = scale * (up - down) / (2 * h);
    }
}

static double value_of(double (*f)(const double *, const float *), const float *x, int n,
                       const float *aux)
{
    double xd[64];
    for (int i = 0; i < n; i++)
        xd[i] = x[i];
    return f(xd, aux);
}

static void mse_value_and_gradient(void **state)
{
    (void)state;
    /* By hand: rows (1,2)-(0,0), (0,0)-(0,1), (3,-1)-(1,1): squares 1+4, 0+1, 4+4 -> 14/3. */
    float pred[B * D] = {1, 2, 0, 0, 3, -1}, target[B * D] = {0, 0, 0, 1, 1, 1};
    float grad[B * D] = {0};
    assert_float_equal(cdrl_mse(grad, pred, target, B, D, 1.0f), 14.0f / 3.0f, 1e-6);
    double want[B * D];
    numeric(ref_mse, pred, B * D, target, 1.0, want);
    assert_true(all_close("dmse", grad, want, B * D, 1e-6, 1e-5));
}

static void gaussian_nll_value_and_gradient(void **state)
{
    (void)state;
    /* One row by hand: mu 1, lv log 4, y 3: 0.5 (4/4 + log 4 + log 2pi) = 0.5 (1 + log 8pi). */
    float one[2] = {1.0f, logf(4.0f)}, y1 = 3.0f;
    assert_float_equal(cdrl_gaussian_nll(NULL, one, &y1, 1, 1, 1.0f),
                       0.5 * (1.0 + log(8 * PI)), 1e-6);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 5, 0);
    float pred[B * 2 * D], target[B * D], grad[B * 2 * D];
    fill_uniform(pred, B * 2 * D, -1.5f, 1.5f, &rng);
    fill_uniform(target, B * D, -2, 2, &rng);
    /* Scale 2 gives the gradient of the authors' objective, added to what is there. */
    for (int i = 0; i < B * 2 * D; i++)
        grad[i] = 1.0f;
    float v = cdrl_gaussian_nll(grad, pred, target, B, D, 2.0f);
    assert_float_equal(v, value_of(ref_nll, pred, B * 2 * D, target), 1e-5);
    double want[B * 2 * D];
    numeric(ref_nll, pred, B * 2 * D, target, 2.0, want);
    for (int i = 0; i < B * 2 * D; i++)
        want[i] += 1.0;
    assert_true(all_close("dnll", grad, want, B * 2 * D, 1e-5, 1e-5));
}

static void log_softmax_by_hand(void **state)
{
    (void)state;
    /* logits (0, log 3): softmax (1/4, 3/4); large offsets must not overflow. */
    float logits[4] = {0.0f, logf(3.0f), 1000.0f, 1000.0f + logf(3.0f)}, logp[4];
    cdrl_log_softmax(logp, logits, 2, 2);
    assert_float_equal(logp[0], logf(0.25f), 1e-6);
    assert_float_equal(logp[1], logf(0.75f), 1e-6);
    assert_float_equal(logp[2], logf(0.25f), 1e-4);
    assert_float_equal(logp[3], logf(0.75f), 1e-4);
}

static void cross_entropy_is_weighted_neg_log_prob(void **state)
{
    (void)state;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 6, 0);
    float logits[B * A], grad[B * A] = {0}, logp[B * A];
    fill_uniform(logits, B * A, -2, 2, &rng);
    float v = cdrl_softmax_cross_entropy(grad, logits, labels, weights, B, A, 1.0f);
    cdrl_log_softmax(logp, logits, B, A);
    double by_logp = 0;
    for (int b = 0; b < B; b++)
        by_logp -= weights[b] * logp[b * A + labels[b]];
    assert_float_equal(v, by_logp / B, 1e-5);
    double want[B * A];
    numeric(ref_xent, logits, B * A, NULL, 1.0, want);
    assert_true(all_close("dxent", grad, want, B * A, 1e-6, 1e-5));
    /* No weights means weight 1: the plain mean cross-entropy. */
    float plain = cdrl_softmax_cross_entropy(NULL, logits, labels, NULL, B, A, 1.0f);
    double want_plain = 0;
    for (int b = 0; b < B; b++)
        want_plain -= logp[b * A + labels[b]];
    assert_float_equal(plain, want_plain / B, 1e-5);
}

static void entropy_value_and_gradient(void **state)
{
    (void)state;
    /* Uniform logits: entropy log A. */
    float flat[A] = {0.3f, 0.3f, 0.3f, 0.3f};
    assert_float_equal(cdrl_categorical_entropy(NULL, flat, 1, A, 1.0f), logf(A), 1e-6);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 7, 0);
    float logits[B * A], grad[B * A] = {0};
    fill_uniform(logits, B * A, -2, 2, &rng);
    /* An entropy bonus of 0.01 in a loss to minimise: scale -0.01. */
    cdrl_categorical_entropy(grad, logits, B, A, -0.01f);
    double want[B * A];
    numeric(ref_entropy, logits, B * A, NULL, -0.01, want);
    assert_true(all_close("dentropy", grad, want, B * A, 1e-8, 1e-4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mse_value_and_gradient),
        cmocka_unit_test(gaussian_nll_value_and_gradient),
        cmocka_unit_test(log_softmax_by_hand),
        cmocka_unit_test(cross_entropy_is_weighted_neg_log_prob),
        cmocka_unit_test(entropy_value_and_gradient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
