/* The model-based agent's private parts, shared by its files:
 *   mb.c             the agent on the run harness (run_loop.h): setup, refit, metrics
 *   mb_schema.c      its config keys (agent.*)
 *   mb_episode.c     one real (or test) episode, random or planned, and the solve test
 *   mb_checkpoint.c  saving and loading the whole state
 *   mb_eval.c        cdrl eval of an mb run
 * next to dynamics_model.c (the model), dynamics_ensemble.c (one model or K),
 * planner.c (MPC) and replay_buffer.c. */
#ifndef CDRL_MB_INTERNAL_H
#define CDRL_MB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/agent.h"
#include "cdrl/env.h"
#include "cdrl/run_loop.h"
#include "dynamics_ensemble.h"
#include "dynamics_model.h"
#include "planner.h"
#include "replay_buffer.h"

#define RANDOM_ACTION_STREAM 1000000u
#define PLANNER_STREAM 77u
#define PROBE_STREAM 78u

typedef struct {
    int random_episodes;
    int64_t max_episodes;
    int solve_episodes;
    double solve_return;
    char solve_by[CDRL_CFG_STR_MAX]; /* "each" or "mean" */
    int mc_samples;
    /* model */
    int layers, hidden;
    char activation[CDRL_CFG_STR_MAX];
    char dropout[CDRL_CFG_STR_MAX];
    char angles[CDRL_CFG_STR_MAX];
    char uncertainty[CDRL_CFG_STR_MAX]; /* "dropout" or "ensemble:K" */
    double init_p;
    int logvar;
    double lr;
    int batch, fit_steps, val_every;
    double length_scale, tau;
    /* planner */
    char method[CDRL_CFG_STR_MAX];
    char select[CDRL_CFG_STR_MAX];
    int horizon, candidates, particles, iterations, elites;
    double smoothing, init_std;
    double beta;     /* score = mean + beta * std over particles */
    int thompson;    /* one mask set per episode instead of particles */
    /* probes */
    int probe_states;
    double probe_near, probe_far;
} mb_config;

/* The schema of mb_config (mb_schema.c), MB_N_KEYS keys. */
#define MB_N_KEYS 34
extern const cdrl_cfg_key mb_keys[MB_N_KEYS];

/* Counters a checkpoint carries; plain data, written as one section. */
typedef struct {
    int64_t episodes, env_steps, metrics_rows, episodes_rows;
    int64_t solved;         /* 1 once a solve test passed */
    double last_return;     /* of the last real episode */
    double test_mean;       /* mean return of the last solve test */
} mb_counters;

typedef struct {
    double ret;
    int64_t length;
    int terminated;
    double plan_ms; /* total planning time */
    int64_t planned;/* steps planned */
    /* sums over the planned steps of the executed action's plan_info */
    double plan_score, plan_mean, plan_spread;
} episode_stats;

/* What the model looks like after a refit. */
typedef struct {
    double fit_loss;
    cdrl_dynamics_stats val;
    double near_spread, far_spread;
} refit_stats;

/* Start states of the solve tests and of cdrl eval lie far past any
 * training episode's number, so they are states training never started from. */
#define SOLVE_TEST_FIRST (INT64_C(1) << 41)
#define EVAL_FIRST (INT64_C(1) << 40)

/* The solve test after a refit: up to solve_episodes planned episodes, learned
 * from by nothing, stopping at the first that falls short. */
typedef struct {
    int episodes;       /* run (0: no test) */
    double min_return, mean_return;
    int passed;
} solve_test;

typedef struct {
    const mb_config *cfg;
    const cdrl_run_config *run;
    cdrl_env *env;
    const cdrl_env_spec *spec;
    cdrl_replay_buffer buf;
    cdrl_dynamics_ensemble *ens; /* the posterior: one model or K (dynamics_ensemble.h) */
    cdrl_dynamics_model *model;  /* its member 0: the shapes, spec and layers every member shares */
    cdrl_planner *planner;
    float *probe_near, *probe_far, *probe_actions; /* (n, obs_dim), (n, action stride) */
    int action_stride;  /* floats per action: 1 (an index) or the env's action_dim */
    mb_counters c;
    /* A watching window (--viz, cdrl viz replay): shown every real step, with
     * the model's predicted states along the chosen plan as ghosts. */
    cdrl_frame_fn frame;
    void *frame_user;
    int *plan_seq;   /* (horizon) discrete plan */
    float *plan_cont;/* (horizon, action_dim) continuous plan */
    double *ghosts;  /* (horizon, obs_dim) */
    /* The episode just played, for its metrics row and progress line. */
    int last_planned;
    episode_stats last_episode;
    refit_stats last_refit;
    solve_test last_test;
} mb_agent;

/* The planner's view of the model: MC particles with frozen masks (split
 * across an ensemble's members), or the deterministic network (an
 * ensemble's mean) when `deterministic`, or with `thompson` one network
 * (member and mask set) drawn when an episode starts and held for all its
 * plans. */
typedef struct {
    cdrl_dynamics_ensemble *model;
    int deterministic;
    int thompson;
} model_view;

/* ---- mb.c ---- */

/* Env, buffer, model, planner and probes for a run; `planner_particles` is
 * the planner's P (the config's for training). */
int mb_agent_init(mb_agent *a, const mb_config *cfg, const cdrl_run_config *run,
                         int planner_particles, cdrl_error *err);

/* Frees what mb_agent_init made (not a itself). */
void mb_agent_free(mb_agent *a);

/* Refuses (CDRL_EINVAL, one line naming the keys) a config whose estimated
 * memory passes cdrl_memory_limit() (mb_memory.c); `particles` is the
 * planner's P. Allocates nothing. */
int mb_check_memory(const mb_config *cfg, const cdrl_run_config *run, const cdrl_env_spec *spec,
                    int particles, cdrl_error *err);

/* The planner's spec from the config, with P = particles. */
int mb_planner_spec_of(const mb_config *cfg, int particles, cdrl_planner_spec *out);

/* ---- mb_episode.c ---- */

/* Starts showing every real step to `frame` (NULL: nothing to do). */
int mb_watch(mb_agent *a, cdrl_frame_fn frame, void *user, cdrl_error *err);

/* Plays one real episode of at most `max_steps` steps, from the start state
 * of episode number `index`: random actions when `view` is NULL, else MPC.
 * Pushes every transition into `buf` when it is not NULL. */
int mb_play_episode(mb_agent *a, int64_t index, uint64_t seed, const model_view *view,
                        int64_t max_steps, cdrl_replay_buffer *buf, episode_stats *st, cdrl_error *err);

/* The solve test after a refit (see solve_test). */
int mb_solve_test(mb_agent *a, const model_view *view, solve_test *t, cdrl_error *err);

/* ---- mb_checkpoint.c ---- */

int mb_save(void *self, const char *path, uint64_t hash, const cdrl_run_rows *rows, cdrl_error *err);
int mb_load(void *self, const char *path, uint64_t hash, cdrl_run_rows *rows, cdrl_error *err);

/* ---- mb_eval.c ---- */

int mb_eval(const cdrl_eval_args *args, cdrl_eval_result *result, cdrl_error *err);

#endif
