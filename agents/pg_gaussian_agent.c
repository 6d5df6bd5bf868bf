/* The Gaussian policy inside the policy-gradient agent: its state-independent
 * log_std with its own Adam, the rollout's unclipped actions, drawing the
 * actions of a batch of envs, one minibatch step of the policy, the
 * MC-dropout spread of the mean action, and the checkpoint sections.
 *
 * Everything else of a continuous run (the rollout loop, GAE, the value
 * network, the harness) is the discrete agent's, unchanged. */
#include "pg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pg_gaussian.h"

int pg_gauss_create(pg_agent *ag, cdrl_error *err)
{
    const cdrl_env_spec *spec = ag->spec;
    int A = spec->action_dim;
    size_t cap = (size_t)ag->ro.capacity;
    size_t mbn = (size_t)ag->cfg->minibatch < cap ? (size_t)ag->cfg->minibatch : cap;
    if (A < 1 || A > CDRL_ENV_MAX_DIM)
        return cdrl_errorf(err, CDRL_EINVAL, "pg: env %s has %d action dimensions; pg needs 1..%d", spec->name,
                           A, CDRL_ENV_MAX_DIM);
    pg_gauss *g = calloc(1, sizeof *g);
    if (!g)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory");
    ag->gauss = g;
    g->A = A;
    for (int j = 0; j < A; j++) {
        g->low[j] = spec->action_low[j];
        g->high[j] = spec->action_high[j];
        if (!isfinite(g->low[j]) || !isfinite(g->high[j]) || !(g->low[j] < g->high[j]))
            return cdrl_errorf(err, CDRL_EINVAL, "pg: env %s's action bound %d is [%g, %g]; the Gaussian "
                               "policy needs finite bounds", spec->name, j, g->low[j], g->high[j]);
    }
    g->log_std = malloc(sizeof(float) * (size_t)A);
    g->dlog_std = calloc((size_t)A, sizeof(float));
    g->actions = calloc(cap * (size_t)A, sizeof(float));
    g->batch_actions = calloc((mbn > 0 ? mbn : 1) * (size_t)A, sizeof(float));
    if (!g->log_std || !g->dlog_std || !g->actions || !g->batch_actions)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory for the Gaussian policy");
    for (int j = 0; j < A; j++)
        g->log_std[j] = (float)ag->cfg->log_std_init;
    int rc = cdrl_adam_init(&g->opt, (size_t)A, (float)ag->cfg->lr, err);
    /* The gradient norm is clipped over the MLP and log_std together (policy_step). */
    ag->policy_opt.clip_norm = 0.0f;
    return rc;
}

void pg_gauss_free(pg_gauss *g)
{
    if (!g)
        return;
    cdrl_adam_free(&g->opt);
    free(g->log_std), free(g->dlog_std), free(g->actions), free(g->batch_actions);
    free(g);
}

void pg_gauss_sample(pg_agent *ag, size_t row0, const float *mu)
{
    // mu (B, A) -> rollout actions, logp (B); env actions ag->actions_d (B, A)
    pg_gauss *g = ag->gauss;
    int B = ag->cfg->envs, A = g->A;
    for (int e = 0; e < B; e++) {
        const float *m = mu + (size_t)e * A;
        float *a = g->actions + (row0 + e) * A;
        for (int j = 0; j < A; j++)
            a[j] = (float)(m[j] + exp((double)g->log_std[j]) * cdrl_rng_normal(&ag->action_rng));
        ag->ro.actions[row0 + e] = 0;
        ag->ro.logp[row0 + e] = (float)cdrl_pg_gauss_logp(m, g->log_std, a, A);
        cdrl_pg_gauss_env_action(ag->actions_d + (size_t)e * A, a, g->low, g->high, A);
    }
}

int pg_gauss_policy_step(pg_agent *ag, const int *rows, int n, pg_update_stats *st, cdrl_error *err)
{
    pg_gauss *g = ag->gauss;
    int A = g->A;
    for (int i = 0; i < n; i++)
        memcpy(g->batch_actions + (size_t)i * A, g->actions + (size_t)rows[i] * A, sizeof(float) * A);
    cdrl_mlp_zero_grad(ag->policy);
    memset(g->dlog_std, 0, sizeof(float) * A);
    cdrl_pg_gauss_batch batch = {.B = n, .obs = ag->batch.obs, .actions = g->batch_actions,
                                 .old_logp = ag->batch.logp, .adv = ag->batch.adv,
                                 .noise = (const float *const *)ag->batch.noise};
    cdrl_pg_gauss_stats ls;
    int rc = cdrl_pg_gauss_loss(ag->policy, g->log_std, g->dlog_std, &batch, (float)ag->cfg->clip,
                                (float)ag->cfg->entropy, &ls, err);
    if (rc)
        return rc;
    float reg = cdrl_mlp_regularizer(ag->policy);
    if (!isfinite(ls.loss) || !isfinite(reg))
        return cdrl_errorf(err, CDRL_EDIVERGED, "policy loss is not finite");
    pg_clip_global(ag->policy->grads, ag->policy->n_params, g->dlog_std, (size_t)A, ag->cfg->max_grad_norm);
    cdrl_adam_step(&ag->policy_opt, ag->policy->params, ag->policy->grads);
    cdrl_adam_step(&g->opt, g->log_std, g->dlog_std);
    st->policy_loss += ls.surrogate;
    st->entropy += ls.entropy;
    return 0;
}

int pg_gauss_mc_spread(cdrl_mlp *policy, const float *states, int rows, int T, double *spread,
                       double *mean_mu, cdrl_error *err)
{
    // states (rows, D); mean_mu (rows, A) or NULL
    int A = policy->n_outputs;
    const float *mu = pg_mc_forward(policy, states, rows, T, err);
    if (!mu)
        return err ? err->code : CDRL_EINVAL;
    double total = 0.0;
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < A; j++) {
            double m = 0.0, v = 0.0;
            for (int t = 0; t < T; t++)
                m += mu[((size_t)r * T + t) * A + j];
            m /= T;
            for (int t = 0; t < T; t++) {
                double d = mu[((size_t)r * T + t) * A + j] - m;
                v += d * d;
            }
            total += sqrt(v / T);
            if (mean_mu)
                mean_mu[(size_t)r * A + j] = m;
        }
    *spread = total / ((double)rows * A);
    return 0;
}

double pg_gauss_mean_std(const pg_gauss *g)
{
    double s = 0.0;
    for (int j = 0; j < g->A; j++)
        s += exp((double)g->log_std[j]);
    return s / g->A;
}

int pg_gauss_save(const pg_gauss *g, cdrl_ckpt_writer *w, cdrl_error *err)
{
    int64_t t = g->opt.t;
    int rc = cdrl_ckpt_add(w, "policy.log_std", g->log_std, sizeof(float) * (size_t)g->A, err);
    rc = rc ? rc : cdrl_ckpt_add(w, "policy.log_std.adam.state", g->opt.state, sizeof(float) * 2 * g->opt.n, err);
    rc = rc ? rc : cdrl_ckpt_add(w, "policy.log_std.adam.t", &t, sizeof t, err);
    return rc;
}

int pg_gauss_load(pg_gauss *g, const cdrl_ckpt *ck, int with_optimizer, cdrl_error *err)
{
    int64_t t = 0;
    int rc = cdrl_ckpt_read(ck, "policy.log_std", g->log_std, sizeof(float) * (size_t)g->A, err);
    if (rc || !with_optimizer)
        return rc;
    rc = cdrl_ckpt_read(ck, "policy.log_std.adam.state", g->opt.state, sizeof(float) * 2 * g->opt.n, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "policy.log_std.adam.t", &t, sizeof t, err);
    if (!rc)
        g->opt.t = (long)t;
    return rc;
}
