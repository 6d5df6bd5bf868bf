/* Agents: what `cdrl train` and `cdrl eval` dispatch to.
 *
 * An agent is one file under agents/ that defines a `const cdrl_agent_def`
 * and one line in agents/registry.c. The CLI does everything around the
 * learning: it finds the agent, resolves its config (the common run keys of
 * run.h plus the agent's own schema) from configs/<agent>_<env>.cfg, --config,
 * --set and the flags, rejects bad input before any work, creates the run
 * directory and saves the resolved config there as config.cfg, installs the
 * SIGINT/SIGTERM stop flag, then calls `train`. An agent's train hands its
 * unit of work (a vtable, cdrl_run_ops) to the run harness, cdrl_run_train
 * (run_loop.h), which owns the run contract: the run's files (metrics.csv,
 * episodes.csv, checkpoint.bin), stopping, divergence, cadence and timing.
 *
 * An agent never prints: progress lines go through args->progress, errors
 * through the cdrl_error. */
#ifndef CDRL_AGENT_H
#define CDRL_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/config.h"
#include "cdrl/env.h"
#include "cdrl/error.h"
#include "cdrl/run.h"
#include "cdrl/run_loop.h"

/* What an agent shows after an env step, for a window or a replay: the env's
 * view and, for an agent that plans with a model, the states its model
 * predicts along the chosen plan (`n_ghosts` states of view->state_dim values
 * each, e.g. one particle's rollout; NULL and 0 when there are none). Both are
 * copied before the call returns. A nonzero return means the viewer is gone:
 * stop calling. */
typedef int (*cdrl_frame_fn)(void *user, const cdrl_env_view *view, const double *ghosts, int n_ghosts);

/* What train gets. Everything is owned by the caller and outlives the call. */
typedef struct {
    const char *run_dir;        /* existing directory holding config.cfg */
    int resume;                 /* 1: continue from run_dir/checkpoint.bin (and
                                   cut the CSV files back to it); 0: fresh run */
    const cdrl_run_config *run; /* the common keys: env, seed, step budget, ... */
    const void *config;         /* the agent's own struct (config_size bytes),
                                   filled from its schema */
    uint64_t config_hash;       /* cdrl_config_hash of run + agent sections: store it
                                   in checkpoints, check it on resume */
    /* Called with one progress line (no newline) at the agent's steady rate
     * (every run->log_every iterations) and for notable events (solved,
     * checkpoint written on stop). Never NULL. */
    void (*progress)(void *user, const char *line);
    /* NULL unless the user asked to watch (--viz). An agent that can show an
     * env calls it after a step with that env's view; a nonzero return means
     * the window was closed: keep training, stop calling. */
    cdrl_frame_fn frame;
    void *user;                 /* passed to progress and frame */
    int64_t test_poison_unit;   /* test seam, 0 = off: see cdrl_run_args */
    int check_only;             /* 1: make the agent and free it, no files (cdrl_run_args) */
    int *learned_nothing;       /* NULL or set to 1 if no parameter changed (cdrl_run_args) */
} cdrl_train_args;

/* The harness's view of train's arguments (run_loop.h). */
static inline cdrl_run_args cdrl_train_run_args(const cdrl_train_args *a)
{
    return (cdrl_run_args){a->run_dir, a->resume,   a->run, a->config_hash,
                           a->progress, a->user, a->test_poison_unit, a->check_only,
                           a->learned_nothing};
}

/* What train reports when it returns 0 (the run ended at its budget or solved). */
typedef struct {
    int solved;              /* 1 if the env's solved criterion was met */
    int64_t env_steps;       /* real env steps taken in the whole run */
    int64_t episodes;        /* episodes finished in the whole run */
    int64_t iterations;      /* the agent's updates (pg) or episodes (mb) */
    double last_mean_return; /* mean return over the env's solved window */
} cdrl_train_result;

/* What eval gets: a finished (or stopped) run directory and how to test it. */
typedef struct {
    const char *run_dir;        /* holds config.cfg and checkpoint.bin */
    const cdrl_run_config *run; /* as saved in run_dir/config.cfg */
    const void *config;         /* the agent's struct, as saved */
    uint64_t config_hash;       /* check the checkpoint against it */
    int episodes;               /* episodes per mode, >= 1 */
    int mc_samples;             /* T: dropout samples per decision in mc mode, >= 1 */
    uint64_t seed;              /* seed of the evaluation episodes */
    /* Replay (`cdrl viz RUN_DIR`): when `replay` is 1 only the eval-mode
     * episodes run (the mc fields of the result stay 0). When `frame` is not
     * NULL it is called with the env's view after each reset and each step
     * of the eval-mode episodes; a nonzero return ends the evaluation early
     * (result->episodes then counts the episodes finished). */
    int replay;
    cdrl_frame_fn frame;
    void *user;                 /* passed to frame */
} cdrl_eval_args;

/* What eval reports: returns over `episodes` episodes in each mode. */
typedef struct {
    int episodes;
    double eval_mean, eval_std; /* eval mode: dropout off (weights scaled) */
    double mc_mean, mc_std;     /* mc mode: T dropout samples, act on the mean */
    double mc_spread;           /* mean MC spread over the decisions taken */
    char spread_what[64];       /* what the spread measures, e.g. "std of action probabilities" */
} cdrl_eval_result;

typedef struct {
    const char *name;           /* registry name, "pg" */
    const char *summary;        /* one line for `cdrl train --help` */
    const cdrl_cfg_key *keys;   /* the agent's schema: agent.* keys (and any
                                   other groups it owns) */
    int n_keys;
    size_t config_size;         /* sizeof the struct the schema fills */
    /* Runs training as described above. Returns 0 at the budget or when
     * solved; CDRL_EINTR after a stop request (checkpoint written);
     * CDRL_EDIVERGED on NaN/Inf (last good checkpoint kept); any other code
     * for bad input or I/O. The message is one line. */
    int (*train)(const cdrl_train_args *args, cdrl_train_result *result, cdrl_error *err);
    /* Loads run_dir/checkpoint.bin and evaluates. NULL if not supported. */
    int (*eval)(const cdrl_eval_args *args, cdrl_eval_result *result, cdrl_error *err);
} cdrl_agent_def;

/* One entry of the registry: a planned agent whose `def` is NULL until it is
 * built, so the CLI can tell "not built yet" from "unknown". */
typedef struct {
    const char *name;
    const cdrl_agent_def *def;
} cdrl_agent_entry;

/* The registry (agents/registry.c), `cdrl_agent_count` entries. */
extern const cdrl_agent_entry cdrl_agents[];
extern const int cdrl_agent_count;

/* Finds a built agent by name. Unknown name: CDRL_EINVAL "unknown agent 'x'
 * (known: pg, mb)"; planned but not built: CDRL_EUNAVAIL "agent 'pg' is not
 * built yet". */
int cdrl_agent_find(const char *name, const cdrl_agent_def **out, cdrl_error *err);

#endif
