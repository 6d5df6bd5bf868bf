/* cdrl eval of a policy-gradient run: greedy episodes on the policy's
 * probabilities, in eval mode (no dropout) and in MC mode (the mean over T
 * dropout draws), and the MC spread of the action probabilities. */
#include "pg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/file.h"
#include "cdrl/run_config.h"
#include "cdrl/run_dir.h"
#include "cdrl/stats.h"
#include "pg_gaussian.h"

static int apply_env_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_env_set_option(user, key, value, err);
}

/* ==== A recurrent policy in eval and MC mode ============================================ */

/* The recurrent policy's state through an episode: one sequence in EVAL
 * mode; in MC mode T particles, each one frozen mask draw of the LSTM held
 * for the whole episode, each with its own state. */
typedef struct {
    pg_lstm_net *rnn;
    int T;
    float *h, *c, *obs;   /* (T,H), (T,H), (T,D) */
    int *len;             /* (T) all 1 */
    cdrl_rng rng;         /* the particles' masks, seeded by the eval seed */
} rnn_episode;

static int rnn_episode_init(rnn_episode *r, pg_lstm_net *rnn, int T, int D, uint64_t seed,
                            cdrl_error *err)
{
    memset(r, 0, sizeof *r);
    r->rnn = rnn;
    r->T = T;
    r->h = calloc((size_t)T * rnn->H, sizeof(float));
    r->c = calloc((size_t)T * rnn->H, sizeof(float));
    r->obs = calloc((size_t)T * D, sizeof(float));
    r->len = malloc(sizeof(int) * (size_t)T);
    if (!r->h || !r->c || !r->obs || !r->len)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg eval: out of memory");
    for (int i = 0; i < T; i++)
        r->len[i] = 1;
    cdrl_rng_seed(&r->rng, seed, 200);
    return 0;
}

static void rnn_episode_free(rnn_episode *r)
{
    cdrl_lstm_unfreeze_masks(&r->rnn->lstm);
    free(r->h), free(r->c), free(r->obs), free(r->len);
}

/* A new episode: zero state; in MC mode, fresh particles. */
static int rnn_episode_start(rnn_episode *r, int mc, cdrl_error *err)
{
    memset(r->h, 0, sizeof(float) * (size_t)r->T * r->rnn->H);
    memset(r->c, 0, sizeof(float) * (size_t)r->T * r->rnn->H);
    return mc ? cdrl_lstm_freeze_masks(&r->rnn->lstm, r->T, &r->rng, err) : 0;
}

/* The action probabilities (mean over the particles in MC mode) of one step. */
static int rnn_episode_step(rnn_episode *r, cdrl_mlp *head, const float *obs, int D, int mc,
                            double *probs, double *spread, cdrl_error *err)
{
    int M = mc ? r->T : 1;
    for (int i = 0; i < M; i++)
        memcpy(r->obs + (size_t)i * D, obs, sizeof(float) * D);
    pg_seq_batch sb = {.M = M, .L = 1, .len = r->len, .obs = r->obs, .h0 = r->h, .c0 = r->c};
    const float *logits = pg_recurrent_forward(r->rnn, head, &sb, mc ? CDRL_MODE_MC : CDRL_MODE_EVAL,
                                               r->h, r->c, err);
    if (!logits)
        return err ? err->code : CDRL_EINVAL;
    if (!mc) {
        pg_softmax_row(probs, logits, head->n_outputs);
        return 0;
    }
    return pg_probs_spread(logits, 1, M, head->n_outputs, spread, probs, err);
}

/* ==== Episodes ========================================================================== */

/* A Gaussian policy's action: the mean (EVAL mode) or the mean over T
 * dropout draws of the mean (MC mode), clipped and mapped onto the env's
 * bounds. */
static int gauss_action(cdrl_mlp *policy, const float *obs_f, const cdrl_env_spec *spec,
                        const cdrl_eval_args *args, int mc, double *action, double *spread_sum,
                        int64_t *decisions, cdrl_error *err)
{
    int A = policy->n_outputs;
    float mu_f[CDRL_ENV_MAX_DIM];
    if (mc) {
        double mu[CDRL_ENV_MAX_DIM], spread;
        int rc = pg_gauss_mc_spread(policy, obs_f, 1, args->mc_samples, &spread, mu, err);
        if (rc)
            return rc;
        *spread_sum += spread;
        ++*decisions;
        for (int j = 0; j < A; j++)
            mu_f[j] = (float)mu[j];
    } else {
        const float *mu = cdrl_mlp_forward(policy, obs_f, 1, CDRL_MODE_EVAL, err);
        if (!mu)
            return err ? err->code : CDRL_EINVAL;
        memcpy(mu_f, mu, sizeof(float) * A);
    }
    cdrl_pg_gauss_env_action(action, mu_f, spec->action_low, spec->action_high, A);
    return 0;
}

/* Runs `episodes` episodes acting greedily on the policy's probabilities
 * (or a Gaussian policy's mean): EVAL mode (no dropout), or MC mode (the
 * mean over T dropout draws). Observations pass through the run's frozen
 * normalisation (scaling may be NULL). */
static int run_episodes(cdrl_mlp *policy, rnn_episode *rnn, pg_scaling *scaling, cdrl_env *env,
                        const cdrl_eval_args *args, int mc, double *returns, int *finished,
                        double *spread_sum, int64_t *decisions, cdrl_error *err)
{
    int D = rnn ? rnn->rnn->lstm.spec.n_inputs : policy->spec.n_inputs, A = policy->n_outputs;
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    double obs[CDRL_ENV_MAX_DIM], probs[64], action[CDRL_ENV_MAX_DIM];
    float obs_f[CDRL_ENV_MAX_DIM];
    /* Only the eval-mode episodes are shown: they are the policy itself. */
    int show = !mc && args->frame;
    *finished = 0;
    int rc = cdrl_env_reset_seeded(env, args->seed, obs, err);
    for (int ep = 0; !rc && ep < args->episodes; ep++) {
        if (ep > 0 && (rc = cdrl_env_reset(env, obs, err)))
            break;
        if (rnn && (rc = rnn_episode_start(rnn, mc, err)))
            return rc;
        cdrl_env_view view = cdrl_env_view_of(env);
        if (show && args->frame(args->user, &view, NULL, 0))
            return 0;
        double total = 0.0;
        for (;;) {
            pg_scaling_observe(scaling, obs_f, obs, 1, D, 0);
            if (spec->action_dim > 0) {
                if ((rc = gauss_action(policy, obs_f, spec, args, mc, action, spread_sum, decisions, err)))
                    return rc;
            } else if (rnn) {
                double spread = 0.0;
                if ((rc = rnn_episode_step(rnn, policy, obs_f, D, mc, probs, &spread, err)))
                    return rc;
                *spread_sum += spread;
                *decisions += mc;
            } else if (mc) {
                double spread;
                if ((rc = pg_mc_spread(policy, obs_f, 1, args->mc_samples, &spread, probs, err)))
                    return rc;
                *spread_sum += spread;
                ++*decisions;
            } else {
                const float *logits = cdrl_mlp_forward(policy, obs_f, 1, CDRL_MODE_EVAL, err);
                if (!logits)
                    return err ? err->code : CDRL_EINVAL;
                pg_softmax_row(probs, logits, A);
            }
            if (spec->action_dim == 0) {
                int best = 0;
                for (int a = 1; a < A; a++)
                    if (probs[a] > probs[best])
                        best = a;
                action[0] = best;
            }
            cdrl_step_result sr;
            if ((rc = cdrl_env_step(env, action, obs, &sr, err)))
                return rc;
            total += sr.reward;
            view = cdrl_env_view_of(env);
            if (show && args->frame(args->user, &view, NULL, 0))
                return 0;
            if (sr.terminated || sr.truncated)
                break;
        }
        returns[ep] = total;
        ++*finished;
    }
    return rc;
}

int pg_eval(const cdrl_eval_args *args, cdrl_eval_result *result, cdrl_error *err)
{
    const pg_config *cfg = args->config;
    cdrl_env *env = NULL;
    cdrl_mlp *policy = NULL, *value = NULL;
    pg_lstm_net *policy_rnn = NULL, *value_rnn = NULL;
    pg_scaling *scaling = NULL;
    rnn_episode rnn_ep = {0};
    cdrl_ckpt *ck = NULL;
    char path[CDRL_PATH_MAX];
    double *returns = calloc((size_t)args->episodes, sizeof(double));
    if (!returns)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg eval: out of memory");
    int rc = cdrl_env_create(args->run->env, &env, err);
    rc = rc ? rc : cdrl_env_options_each(args->run->env_options, apply_env_option, env, err);
    const cdrl_env_spec *spec = env ? cdrl_env_spec_of(env) : NULL;
    int continuous = spec && spec->action_dim > 0;
    if (!rc && !continuous && spec->action_count < 2)
        rc = cdrl_errorf(err, CDRL_EINVAL, "pg eval: env %s has no actions", spec->name);
    if (!rc && spec->action_count > 64)
        rc = cdrl_errorf(err, CDRL_EINVAL, "pg eval: at most 64 actions");
    rc = rc ? rc : pg_build_networks(cfg, args->run, spec->obs_dim, continuous ? spec->action_dim : spec->action_count,
                                     &policy, &value, err);
    rc = rc ? rc : pg_check_eval_memory(policy, args->mc_samples, err);
    rc = rc ? rc : cdrl_path_join(path, sizeof path, args->run_dir, CDRL_RUN_CHECKPOINT_FILE, err);
    rc = rc ? rc : cdrl_ckpt_open(path, &ck, err);
    rc = rc ? rc : cdrl_ckpt_check(ck, "pg", args->config_hash, err);
    rc = rc ? rc : pg_read_net(ck, "policy", policy, NULL, err);
    /* The observation statistics as training left them, frozen. */
    rc = rc ? rc : pg_scaling_create(cfg->obs_norm, 0, continuous, spec->obs_dim, 1, cfg->gamma, &scaling, err);
    rc = rc ? rc : pg_scaling_load(scaling, ck, err);
    if (scaling)
        scaling->frozen = 1;
    rc = rc ? rc : pg_build_recurrent(cfg, args->run, spec->obs_dim, &policy_rnn, &value_rnn, err);
    if (!rc && policy_rnn && !(rc = pg_read_lstm(ck, "policy", policy_rnn, NULL, err)))
        rc = rnn_episode_init(&rnn_ep, policy_rnn, args->mc_samples, spec->obs_dim, args->seed, err);
    rnn_episode *rnn = policy_rnn ? &rnn_ep : NULL;
    /* The eval episodes' dropout draws are seeded by the eval seed, not the run's. */
    for (int l = 0; !rc && l < policy->n_layers; l++)
        cdrl_rng_seed(&policy->layers[l].rng, args->seed, 100 + (uint64_t)l);
    double spread_sum = 0.0;
    int64_t decisions = 0;
    int finished = 0;
    if (!rc && !(rc = run_episodes(policy, rnn, scaling, env, args, 0, returns, &finished, &spread_sum, &decisions, err)) &&
        finished > 0)
        cdrl_mean_std(returns, finished, &result->eval_mean, &result->eval_std);
    result->episodes = finished;
    if (!rc && !args->replay && finished == args->episodes &&
        !(rc = run_episodes(policy, rnn, scaling, env, args, 1, returns, &finished, &spread_sum, &decisions, err)))
        cdrl_mean_std(returns, args->episodes, &result->mc_mean, &result->mc_std);
    if (!rc) {
        result->mc_spread = decisions ? spread_sum / (double)decisions : 0.0;
        snprintf(result->spread_what, sizeof result->spread_what,
                 continuous ? "std of the mean action" : "std of action probabilities");
    }
    cdrl_ckpt_free(ck);
    pg_scaling_free(scaling);
    cdrl_mlp_free(policy);
    cdrl_mlp_free(value);
    if (rnn_ep.rnn)
        rnn_episode_free(&rnn_ep);
    pg_lstm_net_free(policy_rnn);
    pg_lstm_net_free(value_rnn);
    cdrl_env_free(env);
    free(returns);
    return rc;
}
