/* Dropout on a layer's input: the Concrete relaxation with a learned rate,
 * inverted Bernoulli at a fixed rate, and the regulariser that lets the
 * Concrete rate be learned (formulas in dropout.h). Noise is always passed
 * in, so the same code serves training, Monte-Carlo inference, frozen
 * particles and tests that hold u fixed. */
#include "cdrl/dropout.h"

#include "matmul.h"
#include "simd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DROPOUT_ACCEPTED "accepted none, fixed:P with P in [0, 1), concrete"

/* The one grammar of dropout settings, for configs, the command line, sweep
 * files and the agents that build networks from them. */
int cdrl_dropout_parse(const char *text, float init_p, cdrl_dropout_spec *spec, cdrl_error *err)
{
    if (!text)
        text = "(null)";
    spec->kind = CDRL_DROPOUT_NONE;
    spec->p = 0.0f;
    if (strcmp(text, "none") == 0)
        return 0;
    if (strcmp(text, "concrete") == 0) {
        if (!(init_p > 0.0f && init_p < 1.0f))
            return cdrl_errorf(err, CDRL_EINVAL,
                               "concrete dropout initial p %g is outside (0, 1)", init_p);
        spec->kind = CDRL_DROPOUT_CONCRETE;
        spec->p = init_p;
        return 0;
    }
    if (strncmp(text, "fixed:", 6) != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "not a dropout setting; " DROPOUT_ACCEPTED);
    const char *num = text + 6;
    char *end;
    errno = 0;
    double p = strtod(num, &end);
    if (*num == '\0' || *end != '\0' || errno == ERANGE || !isfinite(p))
        return cdrl_errorf(err, CDRL_EINVAL, "P = '%s' is not a number; " DROPOUT_ACCEPTED, num);
    if (!(p >= 0 && p < 1))
        return cdrl_errorf(err, CDRL_EINVAL, "P = %s is out of range; " DROPOUT_ACCEPTED, num);
    spec->kind = CDRL_DROPOUT_FIXED;
    spec->p = (float)p;
    return 0;
}

void cdrl_dropout_format(const cdrl_dropout_spec *spec, char *buf, int cap)
{
    if (cap <= 0)
        return;
    switch (spec->kind) {
    case CDRL_DROPOUT_FIXED: snprintf(buf, cap, "fixed:%g", spec->p); break;
    case CDRL_DROPOUT_CONCRETE: snprintf(buf, cap, "concrete"); break;
    default: snprintf(buf, cap, "none"); break;
    }
}

/* Written so that exp never overflows: for very negative x, use e^x/(1+e^x). */
float cdrl_sigmoid(float x)
{
    if (x >= 0.0f)
        return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

float cdrl_logit(float p)
{
    return logf(p) - log1pf(-p);
}

/* x^10 in four multiplications (a macro: a function without the vector
 * variants' target would not be inlined into them, and the loop would stay
 * scalar). */
#define POW10(x) ((x) * (x) * ((x) * (x)) * ((x) * (x) * ((x) * (x))) * ((x) * (x)))

/* The Concrete mask needs no logarithm and no exponential at t = 0.1: with
 * a = 1-u+eps, b = u+eps and K = ((1-p+eps)/(p+eps))^10,
 *   z = sigmoid(10 (log((p+eps)/(1-p+eps)) + log(b/a))) = b^10 / (b^10 + K a^10)
 * exactly (e^(-10 log r) = r^-10), and 1-z = K a^10 / (b^10 + K a^10). Every
 * factor lies in [1e-7, 1e7], so the powers stay inside double's range, and
 * the result is as exact as double arithmetic, closer to the reference than
 * four float logarithms and an exponential were. The loop is plain IEEE
 * arithmetic, so its vector variants give the scalar code's bits. */
CDRL_MULTIVERSION(static void, concrete_mask, (float *restrict out, float *restrict z,
                                               const float *restrict inp,
                                               const float *restrict u, double K,
                                               double keep_scale, int n), {
    const double eps = CDRL_CONCRETE_EPS;
    for (int i = 0; i < n; i++) {
        double a = 1.0 - u[i] + eps, b = u[i] + eps;
        double a10 = K * POW10(a), b10 = POW10(b);
        double share = 1.0 / (b10 + a10), drop = b10 * share, keep = a10 * share;
        z[i] = (float)drop;
        out[i] = inp[i] * (float)(keep * keep_scale);
    }
})

void cdrl_concrete_dropout_forward(float *out, float *z, const float *inp, const float *u,
                                   float p_logit, int n)
{
    // inp (n), u (n), out (n), z (n)
    _Static_assert(CDRL_CONCRETE_INVERSE_TEMPERATURE == 10,
                   "concrete_mask computes sigmoid(x / t) as a 10th power: t must be 0.1");
    const double eps = CDRL_CONCRETE_EPS;
    double p = cdrl_sigmoid(p_logit);
    double r = (1.0 - p + eps) / (p + eps), K = POW10(r);
    CDRL_PICK(concrete_mask)(out, z, inp, u, K, 1.0 / (1.0 - p), n);
}

/* The backward pass over the layer in one sweep: dinp += dout (1-z) ks (when
 * with_dinp; dinp = 0 + the same without accumulate, the bits of zeroing
 * first), and the sum over i of the p-gradient's terms
 *   dout_i inp_i (1-z_i) (ks^2 - z_i ks dlogit/dp)
 * (d out_i/dp = inp_i d/dp[(1-z_i) ks] with dz/dp = z(1-z) dlogit/dp and
 * dks/dp = ks^2), written as dout_i inp_i (1-z_i) (c1 - z_i c2), in eight
 * partial sums combined in a fixed order, so every variant adds alike. */
#define CONCRETE_DINP(with_dinp, accumulate, i, keep)                                          \
    if (with_dinp)                                                                             \
        dinp[i] = ((accumulate) ? dinp[i] : 0.0f) + dout[i] * (float)((keep) * keep_scale)
#define CONCRETE_BACKWARD_BODY(with_dinp, accumulate)                                          \
    {                                                                                          \
        enum { LANES = 8 };                                                                    \
        double part[LANES] = {0};                                                              \
        int i = 0;                                                                             \
        for (; i + LANES <= n; i += LANES)                                                     \
            for (int l = 0; l < LANES; l++) {                                                  \
                double keep = 1.0 - z[i + l];                                                  \
                CONCRETE_DINP(with_dinp, accumulate, i + l, keep);                             \
                part[l] += (double)dout[i + l] * inp[i + l] * keep * (c1 - z[i + l] * c2);     \
            }                                                                                  \
        for (; i < n; i++) {                                                                   \
            double keep = 1.0 - z[i];                                                          \
            CONCRETE_DINP(with_dinp, accumulate, i, keep);                                     \
            part[i % LANES] += (double)dout[i] * inp[i] * keep * (c1 - z[i] * c2);             \
        }                                                                                      \
        return ((part[0] + part[1]) + (part[2] + part[3]))                                     \
               + ((part[4] + part[5]) + (part[6] + part[7]));                                  \
    }
#define CONCRETE_BACKWARD_PARAMS                                                               \
    (float *restrict dinp, const float *restrict dout, const float *restrict inp,              \
     const float *restrict z, double keep_scale, double c1, double c2, int n)
CDRL_MULTIVERSION(static double, concrete_grads, CONCRETE_BACKWARD_PARAMS,
                  CONCRETE_BACKWARD_BODY(1, 1))
CDRL_MULTIVERSION(static double, concrete_grads_set, CONCRETE_BACKWARD_PARAMS,
                  CONCRETE_BACKWARD_BODY(1, 0))
CDRL_MULTIVERSION(static double, concrete_p_grad, CONCRETE_BACKWARD_PARAMS,
                  CONCRETE_BACKWARD_BODY(0, 1))

/* The input gradient alone: the same values as concrete_grads gives. */
CDRL_MULTIVERSION(static void, concrete_input_grad, (float *restrict dinp,
                                                     const float *restrict dout,
                                                     const float *restrict z, double keep_scale,
                                                     int n, int accumulate), {
    if (accumulate)
        for (int i = 0; i < n; i++)
            dinp[i] += dout[i] * (float)((1.0 - z[i]) * keep_scale);
    else
        for (int i = 0; i < n; i++)
            dinp[i] = 0.0f + dout[i] * (float)((1.0 - z[i]) * keep_scale);
})

static void concrete_backward(float *dinp, float *dp_logit, const float *dout, const float *inp,
                              const float *z, float p_logit, int n, int accumulate)
{
    // dout (n), inp (n), z (n); dinp (n), dp_logit (1)
    const double eps = CDRL_CONCRETE_EPS, t = CDRL_CONCRETE_TEMPERATURE;
    double p = cdrl_sigmoid(p_logit);
    double keep_scale = 1.0 / (1.0 - p);
    if (!dp_logit) {
        if (dinp)
            CDRL_PICK(concrete_input_grad)(dinp, dout, z, keep_scale, n, accumulate);
        return;
    }
    /* dz/dp = z(1-z) * dlogit/dp, and dlogit/dp is the same for every element. */
    double dlogit_dp = (1.0 / (p + eps) + 1.0 / (1.0 - p + eps)) / t;
    double c1 = keep_scale * keep_scale, c2 = keep_scale * dlogit_dp;
    double dp = !dinp       ? CDRL_PICK(concrete_p_grad)(NULL, dout, inp, z, keep_scale, c1, c2, n)
                : accumulate ? CDRL_PICK(concrete_grads)(dinp, dout, inp, z, keep_scale, c1, c2, n)
                             : CDRL_PICK(concrete_grads_set)(dinp, dout, inp, z, keep_scale, c1,
                                                             c2, n);
    *dp_logit += (float)(dp * p * (1.0 - p));
}

void cdrl_concrete_dropout_backward(float *dinp, float *dp_logit, const float *dout,
                                    const float *inp, const float *z, float p_logit, int n)
{
    concrete_backward(dinp, dp_logit, dout, inp, z, p_logit, n, 1);
}

void cdrl_concrete_dropout_backward_set(float *dinp, float *dp_logit, const float *dout,
                                        const float *inp, const float *z, float p_logit, int n)
{
    concrete_backward(dinp, dp_logit, dout, inp, z, p_logit, n, 0);
}

/* y += g x, elementwise: every variant gives the same bits. */
CDRL_MULTIVERSION(static void, add_scaled, (float *restrict y, const float *restrict x, float g,
                                            int n), {
    for (int i = 0; i < n; i++)
        y[i] += g * x[i];
})

float cdrl_concrete_regularizer(float *dweight, float *dp_logit, const float *weight,
                                int n_weight, int K, float p_logit, float weight_reg,
                                float dropout_reg)
{
    // weight (n_weight), dweight (n_weight), dp_logit (1)
    double p = cdrl_sigmoid(p_logit);
    double sum_sq = cdrl_sum_squares(weight, (size_t)n_weight);
    double keep = 1.0 - p;
    double entropy_term = p * log(p) + keep * log(keep); /* negative entropy of Bernoulli(p) */
    double value = weight_reg * sum_sq / keep + (double)dropout_reg * K * entropy_term;
    if (dweight)
        CDRL_PICK(add_scaled)(dweight, weight, (float)(2.0 * weight_reg / keep), n_weight);
    if (dp_logit) {
        double dvalue_dp = weight_reg * sum_sq / (keep * keep)
                           + (double)dropout_reg * K * (log(p) - log(keep));
        *dp_logit += (float)(dvalue_dp * p * keep);
    }
    return (float)value;
}

void cdrl_concrete_coefficients(double length_scale, double tau, double n_data, int cross_entropy,
                                float *weight_reg, float *dropout_reg)
{
    *weight_reg = (float)(length_scale * length_scale / (tau * n_data));
    *dropout_reg = (float)((cross_entropy ? 1.0 : 2.0) / (tau * n_data));
}

void cdrl_fixed_dropout_forward(float *out, float *mask, const float *inp, const float *u, float p,
                                int n)
{
    // inp (n), u (n), out (n), mask (n)
    float keep_scale = 1.0f / (1.0f - p);
    for (int i = 0; i < n; i++) {
        mask[i] = u[i] >= p ? keep_scale : 0.0f;
        out[i] = inp[i] * mask[i];
    }
}

void cdrl_fixed_dropout_backward(float *dinp, const float *dout, const float *mask, int n)
{
    for (int i = 0; i < n; i++)
        dinp[i] += dout[i] * mask[i];
}
