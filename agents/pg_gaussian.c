/* The diagonal Gaussian policy's log-density, entropy and surrogate loss
 * with its gradient (pg_gaussian.h).
 *
 * As in pg_loss.c, the log-probability of the taken action is computed here
 * from a TRAIN-mode forward with the held dropout noise and differentiated
 * back through the network, so the gradient reaches kernels, biases and
 * p_logits; the state-independent log_std gets its gradient here directly. */
#include "pg_gaussian.h"
#include "pg_loss.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double HALF_LOG_2PI = 0.91893853320467274178;

double cdrl_pg_gauss_logp(const float *mu, const float *log_std, const float *a, int A)
{
    double logp = 0.0;
    for (int j = 0; j < A; j++) {
        double z = ((double)a[j] - mu[j]) * exp(-(double)log_std[j]);
        logp += -0.5 * z * z - log_std[j] - HALF_LOG_2PI;
    }
    return logp;
}

double cdrl_pg_gauss_entropy(const float *log_std, int A)
{
    double h = 0.0;
    for (int j = 0; j < A; j++)
        h += log_std[j] + 0.5 + HALF_LOG_2PI;
    return h;
}

void cdrl_pg_gauss_env_action(double *env_action, const float *a, const double *low,
                              const double *high, int A)
{
    for (int j = 0; j < A; j++) {
        double u = fmin(fmax((double)a[j], -1.0), 1.0);
        env_action[j] = low[j] + 0.5 * (u + 1.0) * (high[j] - low[j]);
    }
}

int cdrl_pg_gauss_loss(cdrl_mlp *policy, const float *log_std, float *dlog_std,
                       const cdrl_pg_gauss_batch *batch, float clip, float entropy_coef,
                       cdrl_pg_gauss_stats *stats, cdrl_error *err)
{
    // obs (B, n_inputs), mu and dmu (B, A), actions (B, A), old_logp/adv (B), log_std (A)
    int B = batch->B, A = policy->n_outputs;
    if (B < 1 || !(clip >= 0.0f))
        return cdrl_errorf(err, CDRL_EINVAL, "pg gaussian loss: batch %d must be >= 1 and clip %g >= 0",
                           B, clip);
    if (batch->noise && cdrl_pg_hold_noise(policy, batch->noise, batch->B, "pg gaussian loss", err))
        return err ? err->code : CDRL_EINVAL;
    const float *mu = cdrl_mlp_forward(policy, batch->obs, B, CDRL_MODE_TRAIN, err);
    policy->hold_noise = 0;
    if (!mu)
        return err ? err->code : CDRL_EINVAL;
    float *dmu = malloc(sizeof(float) * (size_t)B * A);
    if (!dmu)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg gaussian loss: cannot allocate %d rows", B);
    double surrogate = 0.0, dls[64] = {0};
    int clipped = 0;
    for (int b = 0; b < B; b++) {
        const float *m = mu + (size_t)b * A, *a = batch->actions + (size_t)b * A;
        double lp = cdrl_pg_gauss_logp(m, log_std, a, A), adv = batch->adv[b];
        /* dL/dlogp of this row, as in pg_loss.c. */
        double dlogp;
        if (clip > 0.0f) {
            double r = exp(lp - batch->old_logp[b]);
            double r_clamped = fmin(fmax(r, 1.0 - clip), 1.0 + clip);
            double unclipped = r * adv, limited = r_clamped * adv;
            clipped += r != r_clamped;
            surrogate -= fmin(unclipped, limited);
            dlogp = unclipped <= limited ? -adv * r : 0.0;
        } else {
            surrogate -= adv * lp;
            dlogp = -adv;
        }
        dlogp /= B;
        /* d logp / d mu_j = z_j / sigma_j;  d logp / d log_std_j = z_j^2 - 1. */
        for (int j = 0; j < A; j++) {
            double inv_sigma = exp(-(double)log_std[j]);
            double z = ((double)a[j] - m[j]) * inv_sigma;
            dmu[(size_t)b * A + j] = (float)(dlogp * z * inv_sigma);
            dls[j] += dlogp * (z * z - 1.0);
        }
    }
    /* The entropy term: d(-c H)/d log_std_j = -c. */
    for (int j = 0; j < A; j++)
        dlog_std[j] += (float)(dls[j] - entropy_coef);
    double entropy = cdrl_pg_gauss_entropy(log_std, A);
    int rc = cdrl_mlp_backward(policy, dmu, NULL, err);
    free(dmu);
    if (stats) {
        stats->surrogate = surrogate / B;
        stats->entropy = entropy;
        stats->loss = surrogate / B - (double)entropy_coef * entropy;
        stats->clip_frac = (double)clipped / B;
    }
    return rc;
}
