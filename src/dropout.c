/* Dropout on a layer's input: the Concrete relaxation with a learned rate,
 * inverted Bernoulli at a fixed rate, and the regulariser that lets the
 * Concrete rate be learned (formulas in dropout.h). Noise is always passed
 * in, so the same code serves training, Monte-Carlo inference, frozen
 * particles and tests that hold u fixed. */
#include "cdrl/dropout.h"

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

void cdrl_concrete_dropout_forward(float *out, float *z, const float *inp, const float *u,
                                   float p_logit, int n)
{
    // inp (n), u (n), out (n), z (n)
    const float eps = CDRL_CONCRETE_EPS, inv_t = 1.0f / CDRL_CONCRETE_TEMPERATURE;
    float p = cdrl_sigmoid(p_logit);
    /* The p part of the logit is the same for every element. */
    float drop_logit = logf(p + eps) - logf(1.0f - p + eps);
    float keep_scale = 1.0f / (1.0f - p);
    for (int i = 0; i < n; i++) {
        float noise_logit = logf(u[i] + eps) - logf(1.0f - u[i] + eps);
        z[i] = cdrl_sigmoid((drop_logit + noise_logit) * inv_t);
        out[i] = inp[i] * (1.0f - z[i]) * keep_scale;
    }
}

void cdrl_concrete_dropout_backward(float *dinp, float *dp_logit, const float *dout,
                                    const float *inp, const float *z, float p_logit, int n)
{
    // dout (n), inp (n), z (n); dinp (n), dp_logit (1)
    const double eps = CDRL_CONCRETE_EPS, t = CDRL_CONCRETE_TEMPERATURE;
    double p = cdrl_sigmoid(p_logit);
    double keep_scale = 1.0 / (1.0 - p);
    /* dz/dp = z(1-z) * dlogit/dp, and dlogit/dp is the same for every element. */
    double dlogit_dp = (1.0 / (p + eps) + 1.0 / (1.0 - p + eps)) / t;
    double dp = 0.0;
    for (int i = 0; i < n; i++) {
        double zi = z[i];
        if (dinp)
            dinp[i] += dout[i] * (float)((1.0 - zi) * keep_scale);
        if (dp_logit) {
            double dz_dp = zi * (1.0 - zi) * dlogit_dp;
            double dout_dp = inp[i] * ((1.0 - zi) * keep_scale * keep_scale - dz_dp * keep_scale);
            dp += dout[i] * dout_dp;
        }
    }
    if (dp_logit)
        *dp_logit += (float)(dp * p * (1.0 - p));
}

float cdrl_concrete_regularizer(float *dweight, float *dp_logit, const float *weight,
                                int n_weight, int K, float p_logit, float weight_reg,
                                float dropout_reg)
{
    // weight (n_weight), dweight (n_weight), dp_logit (1)
    double p = cdrl_sigmoid(p_logit);
    double sum_sq = 0.0;
    for (int i = 0; i < n_weight; i++)
        sum_sq += (double)weight[i] * weight[i];
    double keep = 1.0 - p;
    double entropy_term = p * log(p) + keep * log(keep); /* negative entropy of Bernoulli(p) */
    double value = weight_reg * sum_sq / keep + (double)dropout_reg * K * entropy_term;
    if (dweight) {
        float g = (float)(2.0 * weight_reg / keep);
        for (int i = 0; i < n_weight; i++)
            dweight[i] += g * weight[i];
    }
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
