/* A pg run's policy loaded from its run directory (include/cdrl/policy.h):
 * the same network, checkpoint reading and greedy choice as pg_eval.c, one
 * observation at a time. */
#include "pg_internal.h"
#include "run_resolve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/file.h"
#include "cdrl/policy.h"
#include "cdrl/run_config.h"
#include "cdrl/run_dir.h"

#define POLICY_MAX_ACTIONS 64

struct cdrl_policy {
    run_resolved config;
    cdrl_env_spec spec;
    cdrl_mlp *policy, *value;
};

static int apply_env_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_env_set_option(user, key, value, err);
}

int cdrl_policy_make_env(const cdrl_policy *p, cdrl_env **out, cdrl_error *err)
{
    int rc = cdrl_env_create(p->config.run.env, out, err);
    rc = rc ? rc : cdrl_env_options_each(p->config.run.env_options, apply_env_option, *out, err);
    if (rc && *out) {
        cdrl_env_free(*out);
        *out = NULL;
    }
    return rc;
}

void cdrl_policy_seed(cdrl_policy *p, uint64_t seed)
{
    /* As pg_eval: layer l's dropout draws come from (seed, 100 + l). */
    for (int l = 0; l < p->policy->n_layers; l++)
        cdrl_rng_seed(&p->policy->layers[l].rng, seed, 100 + (uint64_t)l);
}

int cdrl_policy_load(const char *run_dir, cdrl_policy **out, cdrl_error *err)
{
    *out = NULL;
    cdrl_policy *p = calloc(1, sizeof *p);
    if (!p)
        return cdrl_errorf(err, CDRL_ENOMEM, "cdrl_policy_load: out of memory");
    cdrl_env *env = NULL;
    cdrl_ckpt *ck = NULL;
    char path[CDRL_PATH_MAX];
    int rc = run_resolve_dir(&p->config, run_dir, err);
    if (!rc && strcmp(p->config.agent->name, "pg") != 0)
        rc = cdrl_errorf(err, CDRL_EUNAVAIL, "%s: a run of agent '%s'; policies load from pg runs only",
                         run_dir, p->config.agent->name);
    if (!rc && strcmp(((const pg_config *)p->config.agent_config)->policy_kind, "mlp") != 0)
        rc = cdrl_errorf(err, CDRL_EUNAVAIL, "%s: a recurrent (agent.policy.kind = %s) pg run; policies load "
                         "from feed-forward pg runs only (cdrl eval replays recurrent ones)", run_dir,
                         ((const pg_config *)p->config.agent_config)->policy_kind);
    if (!rc && strcmp(((const pg_config *)p->config.agent_config)->obs_norm, "on") == 0)
        rc = cdrl_errorf(err, CDRL_EUNAVAIL, "%s: a pg run with agent.obs_norm = on; policies load from runs "
                         "without observation normalisation only (cdrl eval replays it)", run_dir);
    rc = rc ? rc : cdrl_policy_make_env(p, &env, err);
    if (!rc) {
        p->spec = *cdrl_env_spec_of(env);
        if (p->spec.action_count < 2 || p->spec.action_count > POLICY_MAX_ACTIONS)
            rc = cdrl_errorf(err, CDRL_EINVAL, "%s: env %s needs 2 .. %d discrete actions", run_dir,
                             p->spec.name, POLICY_MAX_ACTIONS);
    }
    rc = rc ? rc : pg_build_networks(p->config.agent_config, &p->config.run, p->spec.obs_dim,
                                     p->spec.action_count, &p->policy, &p->value, err);
    rc = rc ? rc : cdrl_path_join(path, sizeof path, run_dir, CDRL_RUN_CHECKPOINT_FILE, err);
    rc = rc ? rc : cdrl_ckpt_open(path, &ck, err);
    rc = rc ? rc : cdrl_ckpt_check(ck, "pg", p->config.hash, err);
    rc = rc ? rc : pg_read_net(ck, "policy", p->policy, NULL, err);
    cdrl_ckpt_free(ck);
    cdrl_env_free(env);
    if (rc) {
        cdrl_policy_free(p);
        return rc;
    }
    cdrl_policy_seed(p, (uint64_t)p->config.run.seed);
    *out = p;
    return 0;
}

void cdrl_policy_free(cdrl_policy *p)
{
    if (!p)
        return;
    cdrl_mlp_free(p->policy);
    cdrl_mlp_free(p->value);
    run_resolved_free(&p->config);
    free(p);
}

const cdrl_env_spec *cdrl_policy_env_spec(const cdrl_policy *p)
{
    return &p->spec;
}

int cdrl_policy_act(cdrl_policy *p, const double *obs, cdrl_policy_mode mode, int mc_samples,
                    double *action, double *probs, cdrl_error *err)
{
    int D = p->spec.obs_dim, A = p->spec.action_count;
    double own[POLICY_MAX_ACTIONS];
    float obs_f[CDRL_ENV_MAX_DIM];
    double *pr = probs ? probs : own;
    if (mode != CDRL_POLICY_EVAL && mode != CDRL_POLICY_MC)
        return cdrl_errorf(err, CDRL_EINVAL, "cdrl_policy_act: mode %d is neither eval (0) nor mc (1)", (int)mode);
    if (mode == CDRL_POLICY_MC && mc_samples < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "cdrl_policy_act: mc_samples must be >= 1, not %d", mc_samples);
    for (int d = 0; d < D; d++)
        if (!isfinite(obs[d]))
            return cdrl_errorf(err, CDRL_EINVAL, "cdrl_policy_act: observation component %d is not finite", d);
    pg_to_float(obs_f, obs, (size_t)D);
    if (mode == CDRL_POLICY_MC) {
        double spread;
        int rc = pg_mc_spread(p->policy, obs_f, 1, mc_samples, &spread, pr, err);
        if (rc)
            return rc;
    } else {
        const float *logits = cdrl_mlp_forward(p->policy, obs_f, 1, CDRL_MODE_EVAL, err);
        if (!logits)
            return err ? err->code : CDRL_EINVAL;
        pg_softmax_row(pr, logits, A);
    }
    int best = 0;
    for (int a = 1; a < A; a++)
        if (pr[a] > pr[best])
            best = a;
    action[0] = best;
    return 0;
}
