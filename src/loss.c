/* Losses and their gradients. Every function returns the batch mean and, if
 * asked, accumulates scale * gradient (see loss.h for the convention). Sums run
 * in double; the categorical ones subtract the row maximum so no exp overflows. */
#include "cdrl/loss.h"

#include <math.h>
#include <stddef.h>

#define LOG_2PI 1.8378770664093453

float cdrl_mse(float *dpred, const float *pred, const float *target, int B, int D, float scale)
{
    // pred (B,D), target (B,D), dpred (B,D)
    double sum = 0.0;
    float g = 2.0f * scale / (float)B;
    for (int i = 0; i < B * D; i++) {
        float diff = pred[i] - target[i];
        sum += (double)diff * diff;
        if (dpred)
            dpred[i] += g * diff;
    }
    return (float)(sum / B);
}

float cdrl_gaussian_nll(float *dpred, const float *pred, const float *target, int B, int D,
                        float scale)
{
    // pred (B,2D): means then log-variances per row; target (B,D); dpred (B,2D)
    double sum = 0.0;
    float g = scale / (float)B;
    for (int b = 0; b < B; b++) {
        const float *mu = pred + (size_t)b * 2 * D, *lv = mu + D;
        const float *y = target + (size_t)b * D;
        for (int d = 0; d < D; d++) {
            double precision = exp(-(double)lv[d]);
            double diff = (double)mu[d] - y[d];
            sum += 0.5 * (precision * diff * diff + lv[d] + LOG_2PI);
            if (dpred) {
                float *dmu = dpred + (size_t)b * 2 * D, *dlv = dmu + D;
                dmu[d] += g * (float)(precision * diff);
                dlv[d] += g * (float)(0.5 * (1.0 - precision * diff * diff));
            }
        }
    }
    return (float)(sum / B);
}

/* log sum_a exp(row[a]), stably. */
static double log_sum_exp(const float *row, int A)
{
    float max = row[0];
    for (int a = 1; a < A; a++)
        if (row[a] > max)
            max = row[a];
    double sum = 0.0;
    for (int a = 0; a < A; a++)
        sum += exp((double)row[a] - max);
    return max + log(sum);
}

void cdrl_log_softmax(float *logp, const float *logits, int B, int A)
{
    // logits (B,A), logp (B,A)
    for (int b = 0; b < B; b++) {
        const float *row = logits + (size_t)b * A;
        double lse = log_sum_exp(row, A);
        for (int a = 0; a < A; a++)
            logp[(size_t)b * A + a] = (float)(row[a] - lse);
    }
}

float cdrl_softmax_cross_entropy(float *dlogits, const float *logits, const int *labels,
                                 const float *weights, int B, int A, float scale)
{
    // logits (B,A), labels (B), weights (B), dlogits (B,A)
    double sum = 0.0;
    for (int b = 0; b < B; b++) {
        const float *row = logits + (size_t)b * A;
        double lse = log_sum_exp(row, A);
        double w = weights ? weights[b] : 1.0;
        sum += w * (lse - row[labels[b]]);
        if (dlogits) {
            float *drow = dlogits + (size_t)b * A;
            double g = w * scale / B;
            for (int a = 0; a < A; a++) {
                double pi = exp(row[a] - lse);
                drow[a] += (float)(g * (pi - (a == labels[b])));
            }
        }
    }
    return (float)(sum / B);
}

float cdrl_categorical_entropy(float *dlogits, const float *logits, int B, int A, float scale)
{
    // logits (B,A), dlogits (B,A)
    double sum = 0.0;
    for (int b = 0; b < B; b++) {
        const float *row = logits + (size_t)b * A;
        double lse = log_sum_exp(row, A), h = 0.0;
        for (int a = 0; a < A; a++) {
            double logpi = row[a] - lse;
            h -= exp(logpi) * logpi;
        }
        sum += h;
        if (dlogits) {
            float *drow = dlogits + (size_t)b * A;
            double g = (double)scale / B;
            for (int a = 0; a < A; a++) {
                double logpi = row[a] - lse;
                drow[a] += (float)(g * -exp(logpi) * (logpi + h));
            }
        }
    }
    return (float)(sum / B);
}
