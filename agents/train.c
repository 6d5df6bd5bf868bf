/* The library's entry points for training and evaluating runs (train.h), and
 * the config resolution they share with the policy loader (run_resolve.h). */
#include "run_resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdrl/env.h"
#include "cdrl/file.h"
#include "cdrl/run_config.h"
#include "cdrl/run_dir.h"
#include "cdrl/train.h"
#include "cdrl/version.h"

/* ==== Resolving a run's config ==== */

int run_resolve(run_resolved *out, const cdrl_agent_def *agent, const char *file,
                const char *const *overrides, int n_overrides, cdrl_error *err)
{
    memset(out, 0, sizeof *out);
    out->agent = agent;
    out->agent_config = calloc(1, agent->config_size ? agent->config_size : 1);
    if (!out->agent_config)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    out->sections[0] = (cdrl_cfg_section){cdrl_run_keys, cdrl_run_n_keys, &out->run};
    out->sections[1] = (cdrl_cfg_section){agent->keys, agent->n_keys, out->agent_config};
    int rc = cdrl_config_load(out->sections, 2, file, overrides, n_overrides, err);
    if (rc)
        return rc;
    out->hash = cdrl_config_hash(out->sections, 2);
    return 0;
}

int run_resolve_dir(run_resolved *out, const char *run_dir, cdrl_error *err)
{
    char file[CDRL_PATH_MAX], agent_name[CDRL_CFG_STR_MAX];
    const cdrl_agent_def *agent;
    memset(out, 0, sizeof *out);
    if (!run_dir)
        return cdrl_errorf(err, CDRL_EINVAL, "no run directory given");
    int rc = cdrl_path_join(file, sizeof file, run_dir, CDRL_RUN_CONFIG_FILE, err);
    if (rc)
        return rc;
    if (access(run_dir, F_OK) != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: no such run directory", run_dir);
    if (access(file, F_OK) != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: not a run directory (it has no %s)", run_dir,
                           CDRL_RUN_CONFIG_FILE);
    if ((rc = cdrl_config_peek_string(file, "run.agent", agent_name, sizeof agent_name, err)))
        return rc;
    if (!agent_name[0])
        return cdrl_errorf(err, CDRL_EINVAL, "%s: names no agent (run.agent)", file);
    if (cdrl_agent_find(agent_name, &agent, err))
        return cdrl_error_prefix(err, "%s", run_dir);
    return run_resolve(out, agent, file, NULL, 0, err);
}

void run_resolved_free(run_resolved *r)
{
    free(r->agent_config);
    r->agent_config = NULL;
}

/* ==== cdrl_train, cdrl_eval_run ==== */

static void quiet(void *user, const char *line)
{
    (void)user, (void)line;
}

static int check_env_name(const char *name, cdrl_error *err)
{
    for (const char *const *n = cdrl_env_names(); *n; n++)
        if (strcmp(*n, name) == 0)
            return 0;
    cdrl_env *probe = NULL;
    int rc = cdrl_env_create(name, &probe, err); /* fails, naming the known envs */
    cdrl_env_free(probe);
    return rc;
}

int cdrl_train(const cdrl_train_options *o, cdrl_train_result *result, cdrl_error *err)
{
    if (!o || !o->agent || !o->env || !o->run_dir)
        return cdrl_errorf(err, CDRL_EINVAL, "cdrl_train: agent, env and run_dir are required");
    if (o->n_overrides < 0 || (o->n_overrides > 0 && !o->overrides))
        return cdrl_errorf(err, CDRL_EINVAL, "cdrl_train: n_overrides is %d but overrides is NULL",
                           o->n_overrides);
    const cdrl_agent_def *agent;
    int rc = cdrl_agent_find(o->agent, &agent, err);
    rc = rc ? rc : check_env_name(o->env, err);
    if (rc)
        return rc;
    /* The names go first so the file and later overrides agree with them, as in `cdrl train`. */
    char agent_kv[CDRL_CFG_STR_MAX + 16], env_kv[CDRL_CFG_STR_MAX + 16];
    snprintf(agent_kv, sizeof agent_kv, "run.agent=%s", o->agent);
    snprintf(env_kv, sizeof env_kv, "env.name=%s", o->env);
    const char **overrides = calloc((size_t)o->n_overrides + 2, sizeof *overrides);
    if (!overrides)
        return cdrl_errorf(err, CDRL_ENOMEM, "cdrl_train: out of memory");
    overrides[0] = agent_kv;
    overrides[1] = env_kv;
    for (int i = 0; i < o->n_overrides; i++)
        overrides[i + 2] = o->overrides[i];
    run_resolved r;
    char path[CDRL_PATH_MAX], header[2 * CDRL_PATH_MAX];
    rc = run_resolve(&r, agent, o->config_file, overrides, o->n_overrides + 2, err);
    rc = rc ? rc : cdrl_run_dir_prepare(o->run_dir, err);
    rc = rc ? rc : cdrl_path_join(path, sizeof path, o->run_dir, CDRL_RUN_CONFIG_FILE, err);
    if (!rc) {
        snprintf(header, sizeof header, "The resolved config of the run in %s (libcdrl %s).\n"
                 "Repeat the run: cdrl train --config %s", o->run_dir, cdrl_version(), path);
        rc = cdrl_config_write(r.sections, 2, header, path, err);
    }
    if (!rc) {
        cdrl_train_args args = {
            .run_dir = o->run_dir,
            .run = &r.run,
            .config = r.agent_config,
            .config_hash = r.hash,
            .progress = o->progress ? o->progress : quiet,
            .user = o->user,
        };
        cdrl_train_result scratch;
        memset(&scratch, 0, sizeof scratch);
        rc = agent->train(&args, result ? result : &scratch, err);
    }
    run_resolved_free(&r);
    free(overrides);
    return rc;
}

int cdrl_eval_run(const char *run_dir, int episodes, int mc_samples, long long seed,
                  cdrl_eval_result *result, cdrl_error *err)
{
    if (episodes < 1 || mc_samples < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "cdrl_eval_run: episodes (%d) and mc_samples (%d) must be >= 1",
                           episodes, mc_samples);
    run_resolved r;
    int rc = run_resolve_dir(&r, run_dir, err);
    if (!rc && !r.agent->eval)
        rc = cdrl_errorf(err, CDRL_EUNAVAIL, "agent '%s' has no eval", r.agent->name);
    if (!rc) {
        cdrl_eval_args args = {
            .run_dir = run_dir,
            .run = &r.run,
            .config = r.agent_config,
            .config_hash = r.hash,
            .episodes = episodes,
            .mc_samples = mc_samples,
            .seed = seed >= 0 ? (uint64_t)seed : (uint64_t)r.run.seed,
        };
        memset(result, 0, sizeof *result);
        rc = r.agent->eval(&args, result, err);
    }
    run_resolved_free(&r);
    return rc;
}
