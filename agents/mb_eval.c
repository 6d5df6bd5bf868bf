/* cdrl eval of a model-based run: planned episodes from start states
 * training never used, with the deterministic model (eval mode) and with T
 * dropout particles (mc mode), and the model's epistemic spread. */
#include "mb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/file.h"
#include "cdrl/run_dir.h"
#include "cdrl/stats.h"

int mb_eval(const cdrl_eval_args *args, cdrl_eval_result *result, cdrl_error *err)
{
    const mb_config *cfg = args->config;
    memset(result, 0, sizeof *result);
    mb_agent a;
    double *returns = malloc(sizeof(double) * 2 * (size_t)args->episodes);
    /* Eval mode plans with the one deterministic network (P = 1); mc mode
     * with T particles, each one dropout draw with frozen masks. */
    memset(&a, 0, sizeof a);
    int rc = returns ? mb_agent_init(&a, cfg, args->run, 1, err)
                     : cdrl_errorf(err, CDRL_ENOMEM, "agent mb: out of memory");
    rc = rc ? rc : mb_check_memory(cfg, args->run, a.spec, args->mc_samples, err); /* mc mode's P = T */
    char path[CDRL_PATH_MAX];
    cdrl_run_rows rows;
    rc = rc ? rc : cdrl_path_join(path, sizeof path, args->run_dir, CDRL_RUN_CHECKPOINT_FILE, err);
    rc = rc ? rc : mb_load(&a, path, args->config_hash, &rows, err);
    /* Episodes numbered far past training's so their start states are new. */
    const int64_t first = EVAL_FIRST;
    int finished = 0;
    rc = rc ? rc : mb_watch(&a, args->frame, args->user, err);
    if (!rc && !args->replay && args->mc_samples < a.ens->K)
        rc = cdrl_errorf(err, CDRL_EINVAL, "--mc-samples %d: the run's model is an ensemble of %d; mc mode "
                         "needs at least one particle per member", args->mc_samples, a.ens->K);
    /* A replay runs eval mode only and stops when its window is closed. */
    for (int mode = 0; mode < (args->replay ? 1 : 2) && !rc; mode++) {
        model_view view = {a.ens, mode == 0, 0}; /* eval plans with particles, never Thompson */
        cdrl_planner_spec ps;
        mb_planner_spec_of(cfg, mode ? args->mc_samples : 1, &ps);
        cdrl_planner_free(a.planner);
        rc = cdrl_planner_create(&ps, a.spec, args->seed, PLANNER_STREAM, &a.planner, err);
        for (int e = 0; e < args->episodes && !rc; e++) {
            if (mode == 0 && args->frame && !a.frame)
                break; /* the window was closed */
            episode_stats es = {0};
            rc = mb_play_episode(&a, first + e, args->seed, &view, INT64_MAX, NULL, &es, err);
            returns[(size_t)mode * args->episodes + e] = es.ret;
            finished += !rc && mode == 0;
        }
        a.frame = NULL; /* only the eval-mode episodes are shown */
    }
    if (!rc && args->replay) {
        result->episodes = finished;
        if (finished)
            cdrl_mean_std(returns, finished, &result->eval_mean, &result->eval_std);
    } else if (!rc) {
        result->episodes = args->episodes;
        cdrl_mean_std(returns, args->episodes, &result->eval_mean, &result->eval_std);
        cdrl_mean_std(returns + args->episodes, args->episodes, &result->mc_mean, &result->mc_std);
        rc = cdrl_ensemble_spread(a.ens, a.probe_near, a.probe_actions, cfg->probe_states,
                                  args->mc_samples, &result->mc_spread, err);
        snprintf(result->spread_what, sizeof result->spread_what,
                 "model epistemic std, near probe states");
    }
    free(returns);
    mb_agent_free(&a);
    return rc;
}
