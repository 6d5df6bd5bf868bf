/* Resolving a run's config for cdrl train and cdrl eval (see run_setup.h). */
#include "run_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdrl/env.h"

cdrl_eval_args run_setup_eval_args(const run_setup *setup, const char *run_dir, long long seed, int episodes,
                                   int mc_samples)
{
    return (cdrl_eval_args){
        .run_dir = run_dir,
        .run = &setup->run,
        .config = setup->agent_config,
        .config_hash = setup->hash,
        .episodes = episodes,
        .mc_samples = mc_samples,
        .seed = seed >= 0 ? (uint64_t)seed : (uint64_t)setup->run.seed,
    };
}

int run_setup_check_env(const char *name, cdrl_error *err)
{
    const char *const *names = cdrl_env_names();
    char known[512] = "";
    size_t used = 0;
    for (int i = 0; names && names[i]; i++) {
        if (strcmp(names[i], name) == 0)
            return 0;
        int n = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", names[i]);
        if (n > 0 && (size_t)n < sizeof known - used)
            used += (size_t)n;
    }
    return cdrl_errorf(err, CDRL_EINVAL, "unknown env '%s' (known: %s)", name, known);
}

static int apply_option(void *env, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_env_set_option(env, key, value, err);
}

int run_setup_check_env_options(const cdrl_run_config *run, cdrl_error *err)
{
    cdrl_env *env;
    int rc = cdrl_env_create(run->env, &env, err);
    if (rc)
        return rc;
    rc = cdrl_env_options_each(run->env_options, apply_option, env, err);
    cdrl_env_free(env);
    return rc ? cdrl_error_prefix(err, "env.options") : 0;
}

int run_setup_default_config(const char *agent, const char *env, char *out, size_t out_size,
                             cdrl_error *err)
{
    char name[256];
    snprintf(name, sizeof name, "configs/%s_%s.cfg", agent, env);
    if (access(name, R_OK) == 0) {
        snprintf(out, out_size, "%s", name);
        return 0;
    }
#ifdef CDRL_SOURCE_DIR
    int n = snprintf(out, out_size, "%s/%s", CDRL_SOURCE_DIR, name);
    if (n > 0 && (size_t)n < out_size && access(out, R_OK) == 0)
        return 0;
    return cdrl_errorf(err, CDRL_EINVAL, "no config %s here or in %s; pass --config FILE", name,
                       CDRL_SOURCE_DIR);
#else
    return cdrl_errorf(err, CDRL_EINVAL, "no config %s here; pass --config FILE", name);
#endif
}

int run_setup_resolve(run_setup *out, const cdrl_agent_def *agent, const char *file,
                      const char *const *overrides, int n_overrides, cdrl_error *err)
{
    return run_resolve(out, agent, file, overrides, n_overrides, err);
}

int run_setup_from_run_dir(run_setup *out, const char *run_dir, cdrl_error *err)
{
    return run_resolve_dir(out, run_dir, err);
}

void run_setup_free(run_setup *setup)
{
    run_resolved_free(setup);
}
