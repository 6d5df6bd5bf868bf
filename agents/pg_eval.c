/* cdrl eval of a policy-gradient run: greedy episodes on the policy's
 * probabilities, in eval mode (no dropout) and in MC mode (the mean over T
 * dropout draws), and the MC spread of the action probabilities. */
#include "pg_internal.h"

#include <stdio.h>
#include <stdlib.h>

#include "cdrl/file.h"
#include "cdrl/run_config.h"
#include "cdrl/run_dir.h"
#include "cdrl/stats.h"

static int apply_env_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_env_set_option(user, key, value, err);
}

/* Runs `episodes` episodes acting greedily on the policy's probabilities:
 * EVAL mode (no dropout), or MC mode (the mean over T dropout draws). */
static int run_episodes(cdrl_mlp *policy, cdrl_env *env, const cdrl_eval_args *args, int mc,
                        double *returns, int *finished, double *spread_sum, int64_t *decisions,
                        cdrl_error *err)
{
    int D = policy->spec.n_inputs, A = policy->n_outputs;
    double obs[CDRL_ENV_MAX_DIM], probs[64];
    float obs_f[CDRL_ENV_MAX_DIM];
    /* Only the eval-mode episodes are shown: they are the policy itself. */
    int show = !mc && args->frame;
    *finished = 0;
    int rc = cdrl_env_reset_seeded(env, args->seed, obs, err);
    for (int ep = 0; !rc && ep < args->episodes; ep++) {
        if (ep > 0 && (rc = cdrl_env_reset(env, obs, err)))
            break;
        cdrl_env_view view = cdrl_env_view_of(env);
        if (show && args->frame(args->user, &view, NULL, 0))
            return 0;
        double total = 0.0;
        for (;;) {
            pg_to_float(obs_f, obs, (size_t)D);
            if (mc) {
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
            int best = 0;
            for (int a = 1; a < A; a++)
                if (probs[a] > probs[best])
                    best = a;
            double action = best;
            cdrl_step_result sr;
            if ((rc = cdrl_env_step(env, &action, obs, &sr, err)))
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
    cdrl_ckpt *ck = NULL;
    char path[CDRL_PATH_MAX];
    double *returns = calloc((size_t)args->episodes, sizeof(double));
    if (!returns)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg eval: out of memory");
    int rc = cdrl_env_create(args->run->env, &env, err);
    rc = rc ? rc : cdrl_env_options_each(args->run->env_options, apply_env_option, env, err);
    const cdrl_env_spec *spec = env ? cdrl_env_spec_of(env) : NULL;
    if (!rc && spec->action_count < 2)
        rc = cdrl_errorf(err, CDRL_EINVAL, "pg eval: env %s has no discrete actions", spec->name);
    if (!rc && spec->action_count > 64)
        rc = cdrl_errorf(err, CDRL_EINVAL, "pg eval: at most 64 actions");
    rc = rc ? rc : pg_build_networks(cfg, args->run, spec->obs_dim, spec->action_count, &policy, &value, err);
    rc = rc ? rc : cdrl_path_join(path, sizeof path, args->run_dir, CDRL_RUN_CHECKPOINT_FILE, err);
    rc = rc ? rc : cdrl_ckpt_open(path, &ck, err);
    rc = rc ? rc : cdrl_ckpt_check(ck, "pg", args->config_hash, err);
    rc = rc ? rc : pg_read_net(ck, "policy", policy, NULL, err);
    /* The eval episodes' dropout draws are seeded by the eval seed, not the run's. */
    for (int l = 0; !rc && l < policy->n_layers; l++)
        cdrl_rng_seed(&policy->layers[l].rng, args->seed, 100 + (uint64_t)l);
    double spread_sum = 0.0;
    int64_t decisions = 0;
    int finished = 0;
    if (!rc && !(rc = run_episodes(policy, env, args, 0, returns, &finished, &spread_sum, &decisions, err)) &&
        finished > 0)
        cdrl_mean_std(returns, finished, &result->eval_mean, &result->eval_std);
    result->episodes = finished;
    if (!rc && !args->replay && finished == args->episodes &&
        !(rc = run_episodes(policy, env, args, 1, returns, &finished, &spread_sum, &decisions, err)))
        cdrl_mean_std(returns, args->episodes, &result->mc_mean, &result->mc_std);
    if (!rc) {
        result->mc_spread = decisions ? spread_sum / (double)decisions : 0.0;
        snprintf(result->spread_what, sizeof result->spread_what, "std of action probabilities");
    }
    cdrl_ckpt_free(ck);
    cdrl_mlp_free(policy);
    cdrl_mlp_free(value);
    cdrl_env_free(env);
    free(returns);
    return rc;
}
