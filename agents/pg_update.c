/* The policy-gradient agent's update: agent.epochs passes over the rollout
 * in shuffled minibatches, each a step of the PPO-clip surrogate plus the
 * entropy bonus on the policy (pg_loss.c) and of the MSE on the value
 * network, with Adam and global gradient-norm clipping. The Concrete
 * regulariser is weighted by N = transitions seen so far, so its pull weakens
 * as data grows — which is what lets the learned p fall. */
#include "pg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/loss.h"
#include "cdrl/run_stop.h"
#include "pg_loss.h"

static void normalize(float *x, int n)
{
    double mean = 0.0, var = 0.0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++)
        var += (x[i] - mean) * (x[i] - mean);
    double inv = 1.0 / (sqrt(var / n) + 1e-8);
    for (int i = 0; i < n; i++)
        x[i] = (float)((x[i] - mean) * inv);
}

void pg_shuffle(int *order, int n, cdrl_rng *rng)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)cdrl_rng_below(rng, (uint64_t)i + 1);
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
}

static void gather(pg_agent *ag, const int *rows, int n)
{
    const pg_rollout *ro = &ag->ro;
    pg_batch *batch = &ag->batch;
    int D = ag->D;
    for (int i = 0; i < n; i++) {
        int r = rows[i];
        memcpy(batch->obs + (size_t)i * D, ro->obs + (size_t)r * D, sizeof(float) * D);
        batch->actions[i] = ro->actions[r];
        batch->logp[i] = ro->logp[r];
        batch->adv[i] = ro->adv[r];
        batch->ret[i] = ro->ret[r];
        for (int l = 0; l < ag->policy->n_layers; l++) {
            if (!ro->noise[l])
                continue;
            int K = ag->policy->layers[l].n_in;
            memcpy(batch->noise[l] + (size_t)i * K, ro->noise[l] + (size_t)r * K, sizeof(float) * K);
        }
    }
}

/* One step of the value network on the gathered rows; returns its MSE. */
static int value_step(pg_agent *ag, int n, double *loss, cdrl_error *err)
{
    cdrl_mlp_zero_grad(ag->value);
    const float *v = cdrl_mlp_forward(ag->value, ag->batch.obs, n, CDRL_MODE_TRAIN, err);
    if (!v)
        return err ? err->code : CDRL_EINVAL;
    float dv[1024], *dvp = n <= 1024 ? dv : malloc(sizeof(float) * n);
    if (!dvp)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory");
    memset(dvp, 0, sizeof(float) * n);
    float mse = cdrl_mse(dvp, v, ag->batch.ret, n, 1, 1.0f);
    int rc = cdrl_mlp_backward(ag->value, dvp, NULL, err);
    if (dvp != dv)
        free(dvp);
    if (rc)
        return rc;
    float reg = cdrl_mlp_regularizer(ag->value);
    if (!isfinite(mse) || !isfinite(reg))
        return cdrl_errorf(err, CDRL_EDIVERGED, "value loss is %s", isfinite(mse) ? "finite, its regulariser not" : "not finite");
    cdrl_adam_step(&ag->value_opt, ag->value->params, ag->value->grads);
    *loss += mse;
    return 0;
}

static int policy_step(pg_agent *ag, int n, pg_update_stats *st, cdrl_error *err)
{
    cdrl_mlp_zero_grad(ag->policy);
    cdrl_pg_batch batch = {.B = n, .obs = ag->batch.obs, .actions = ag->batch.actions,
                           .old_logp = ag->batch.logp, .adv = ag->batch.adv,
                           .noise = (const float *const *)ag->batch.noise};
    cdrl_pg_loss_stats ls;
    int rc = cdrl_pg_policy_loss(ag->policy, &batch, (float)ag->cfg->clip, (float)ag->cfg->entropy,
                                 &ls, err);
    if (rc)
        return rc;
    float reg = cdrl_mlp_regularizer(ag->policy);
    if (!isfinite(ls.loss) || !isfinite(reg))
        return cdrl_errorf(err, CDRL_EDIVERGED, "policy loss is not finite");
    cdrl_adam_step(&ag->policy_opt, ag->policy->params, ag->policy->grads);
    st->policy_loss += ls.surrogate;
    st->entropy += ls.entropy;
    return 0;
}

int pg_update(pg_agent *ag, pg_update_stats *st, cdrl_error *err)
{
    int n = ag->ro.n, mbn = ag->cfg->minibatch < n ? ag->cfg->minibatch : n;
    memset(st, 0, sizeof *st);
    if (ag->cfg->normalize_advantages && n > 1)
        normalize(ag->ro.adv, n);
    if (ag->policy_rnn)
        return pg_update_recurrent(ag, st, err);
    /* N = every transition seen so far: the regulariser's weight falls as data grows. */
    double n_data = (double)ag->c.env_steps;
    cdrl_mlp_set_data_size(ag->policy, ag->cfg->length_scale, ag->cfg->tau, n_data, 1);
    cdrl_mlp_set_data_size(ag->value, ag->cfg->length_scale, ag->cfg->tau, n_data, 0);
    int steps = 0;
    for (int epoch = 0; epoch < ag->cfg->epochs; epoch++) {
        pg_shuffle(ag->batch.order, n, &ag->shuffle_rng);
        for (int start = 0; start < n; start += mbn) {
            /* many epochs of small minibatches can take minutes: stop between them */
            int rc = cdrl_stop_poll("the update", err);
            if (rc)
                return rc;
            int m = n - start < mbn ? n - start : mbn;
            gather(ag, ag->batch.order + start, m);
            rc = ag->gauss ? pg_gauss_policy_step(ag, ag->batch.order + start, m, st, err)
                               : policy_step(ag, m, st, err);
            if (!rc)
                rc = value_step(ag, m, &st->value_loss, err);
            if (rc)
                return rc;
            steps++;
        }
    }
    st->policy_loss /= steps;
    st->value_loss /= steps;
    st->entropy /= steps;
    return 0;
}

void pg_clip_global(float *g1, size_t n1, float *g2, size_t n2, double max_norm)
{
    if (max_norm <= 0.0)
        return;
    double sq = 0.0;
    for (size_t i = 0; i < n1; i++)
        sq += (double)g1[i] * g1[i];
    for (size_t i = 0; i < n2; i++)
        sq += (double)g2[i] * g2[i];
    double norm = sqrt(sq);
    if (!(norm > max_norm))
        return;
    float scale = (float)(max_norm / norm);
    for (size_t i = 0; i < n1; i++)
        g1[i] *= scale;
    for (size_t i = 0; i < n2; i++)
        g2[i] *= scale;
}
