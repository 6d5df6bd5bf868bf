/* The policy-gradient surrogate loss and its gradient (see pg.h).
 *
 * The log-probability of the chosen action is computed here, from a forward
 * pass of the network in TRAIN mode, and differentiated back through it: the
 * gradient reaches the kernels, the biases and, through the Concrete masks,
 * the p_logits. Nothing in this file caches a log-probability. */
#include "pg_loss.h"

#include "cdrl/loss.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int cdrl_pg_hold_noise(cdrl_mlp *policy, const float *const *noise, int B, const char *who, cdrl_error *err)
{
    if (cdrl_mlp_reserve(policy, B, err))
        return err ? err->code : CDRL_ENOMEM;
    for (int l = 0; l < policy->n_layers; l++) {
        cdrl_mlp_layer *L = &policy->layers[l];
        if (L->dropout == CDRL_DROPOUT_NONE)
            continue;
        if (!noise[l])
            return cdrl_errorf(err, CDRL_EINVAL, "%s: no held noise for policy layer %d", who, l);
        memcpy(L->noise, noise[l], sizeof(float) * (size_t)B * L->n_in);
    }
    policy->hold_noise = 1;
    return 0;
}

int cdrl_pg_surrogate_grad(float *dlogits, const float *logits, int B, int A,
                           const int *actions, const float *old_logp, const float *adv,
                           float clip, float entropy_coef, cdrl_pg_loss_stats *stats,
                           cdrl_error *err)
{
    // logits, dlogits (B,A); actions, old_logp, adv (B)
    float *logp = malloc(sizeof(float) * (size_t)B * A);
    if (!logp)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg loss: cannot allocate %d rows", B);
    memset(dlogits, 0, sizeof(float) * (size_t)B * A);
    cdrl_log_softmax(logp, logits, B, A);
    double surrogate = 0.0;
    int clipped = 0;
    for (int b = 0; b < B; b++) {
        const float *lp = logp + (size_t)b * A;
        int a = actions[b];
        double adv_b = adv[b];
        /* dL/dlogp of the chosen action; dlogp_a/dlogit_j = onehot_j - pi_j. */
        double dlogp;
        if (clip > 0.0f) {
            double r = exp((double)lp[a] - old_logp[b]);
            double r_clamped = fmin(fmax(r, 1.0 - clip), 1.0 + clip);
            double unclipped = r * adv_b, limited = r_clamped * adv_b;
            clipped += r != r_clamped;
            surrogate -= fmin(unclipped, limited);
            /* The min picks the clamped term only where clamping lowers the
             * objective; there its gradient is zero. */
            dlogp = unclipped <= limited ? -adv_b * r : 0.0;
        } else {
            surrogate -= adv_b * lp[a];
            dlogp = -adv_b;
        }
        for (int j = 0; j < A; j++) {
            double pi = exp((double)lp[j]);
            dlogits[(size_t)b * A + j] += (float)(dlogp * ((j == a) - pi) / B);
        }
    }
    float entropy = cdrl_categorical_entropy(dlogits, logits, B, A, -entropy_coef);
    free(logp);
    if (stats) {
        stats->surrogate = (float)(surrogate / B);
        stats->entropy = entropy;
        stats->loss = (float)(surrogate / B - (double)entropy_coef * entropy);
        stats->clip_frac = (float)clipped / (float)B;
    }
    return 0;
}

int cdrl_pg_policy_loss(cdrl_mlp *policy, const cdrl_pg_batch *batch, float clip,
                        float entropy_coef, cdrl_pg_loss_stats *stats, cdrl_error *err)
{
    // obs (B, n_inputs), logits (B, A), actions/old_logp/adv (B)
    int B = batch->B, A = policy->n_outputs;
    if (B < 1 || !(clip >= 0.0f))
        return cdrl_errorf(err, CDRL_EINVAL, "pg loss: batch %d must be >= 1 and clip %g >= 0", B,
                           clip);
    if (batch->noise && cdrl_pg_hold_noise(policy, batch->noise, batch->B, "pg loss", err))
        return err ? err->code : CDRL_EINVAL;
    const float *logits = cdrl_mlp_forward(policy, batch->obs, B, CDRL_MODE_TRAIN, err);
    policy->hold_noise = 0;
    if (!logits)
        return err ? err->code : CDRL_EINVAL;
    float *dlogits = malloc(sizeof(float) * (size_t)B * A);
    if (!dlogits)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg loss: cannot allocate %d rows", B);
    int rc = cdrl_pg_surrogate_grad(dlogits, logits, B, A, batch->actions, batch->old_logp,
                                    batch->adv, clip, entropy_coef, stats, err);
    rc = rc ? rc : cdrl_mlp_backward(policy, dlogits, NULL, err);
    free(dlogits);
    return rc;
}
