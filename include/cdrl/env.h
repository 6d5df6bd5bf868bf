/* Environments: one interface for every task, single and batched.
 *
 * An environment is created by name from a registry (envs/registry.c). Adding
 * one means one new file under envs/ that defines a `cdrl_env_def`, and one
 * line in the registry. Simulation never depends on rendering: an env exposes
 * a read-only view of its physical state (cdrl_env_view) that the visualizer
 * draws; envs link without SDL.
 *
 * Observations are doubles in caller-owned arrays; nothing allocates per step.
 * Actions are passed as doubles: for a discrete space, action[0] holds the
 * index (an integral value in [0, action_count)); anything else is an error. */
#ifndef CDRL_ENV_H
#define CDRL_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/error.h"

#define CDRL_ENV_MAX_DIM 16

/* What an env observes and accepts, and how its episodes are judged. */
typedef struct {
    const char *name;            /* registry name, e.g. "cartpole" */
    int obs_dim;                 /* length of an observation */
    double obs_low[CDRL_ENV_MAX_DIM];  /* bounds of each observation component; */
    double obs_high[CDRL_ENV_MAX_DIM]; /* +-HUGE_VAL where unbounded */
    int action_count;            /* > 0: discrete actions 0 .. action_count-1 */
    int action_dim;              /* continuous action length; 0 when discrete */
    double action_low[CDRL_ENV_MAX_DIM];
    double action_high[CDRL_ENV_MAX_DIM];
    int max_episode_steps;       /* time limit: truncated = 1 at this step */
    double solved_threshold;     /* mean return that counts as solved ... */
    int solved_window;           /* ... over this many consecutive episodes */
} cdrl_env_spec;

/* Result of one step. */
typedef struct {
    double reward;
    int terminated; /* the task's own end (pole fell, goal reached) */
    int truncated;  /* the time limit was hit and the episode did not terminate */
} cdrl_step_result;

/* Read-only view of the physical state for drawing. `kind` picks the drawer
 * ("cartpole"); `state` is the physical state (for CartPole: x, x_dot, theta,
 * theta_dot); `params` are the constants a drawer needs to draw to scale (for
 * CartPole: x_threshold, theta_threshold_radians, half pole length,
 * force_mag); `last_action` is the most recent action (NaN before the first). */
typedef struct {
    const char *kind;
    int state_dim;
    const double *state;
    int n_params;
    const double *params;
    double last_action;
    int steps;      /* steps taken in the current episode */
    double episode_return;
} cdrl_env_view;

typedef struct cdrl_env cdrl_env;

/* Creates an env by registry name ("cartpole", "cartpole-v0"). Returns 0 and
 * sets *out, or an error naming the known envs. Free with cdrl_env_free. */
int cdrl_env_create(const char *name, cdrl_env **out, cdrl_error *err);

/* Sets a named option before the first reset, e.g. ("integrator",
 * "semi-implicit") for CartPole. Unknown options and values are errors. */
int cdrl_env_set_option(cdrl_env *env, const char *key, const char *value, cdrl_error *err);

void cdrl_env_free(cdrl_env *env);

const cdrl_env_spec *cdrl_env_spec_of(const cdrl_env *env);

/* Reseeds the env's generator (as Gymnasium's reset(seed=...)), then resets.
 * Writes the first observation into obs (obs_dim doubles). */
int cdrl_env_reset_seeded(cdrl_env *env, uint64_t seed, double *obs, cdrl_error *err);

/* Starts a new episode with the env's generator as it stands. */
int cdrl_env_reset(cdrl_env *env, double *obs, cdrl_error *err);

/* Advances one step. Stepping after terminated or truncated without a reset is
 * an error (CDRL_ESTATE), as is an invalid action (CDRL_EINVAL); on error the
 * state is unchanged. */
int cdrl_env_step(cdrl_env *env, const double *action, double *obs, cdrl_step_result *result,
                  cdrl_error *err);

/* Read-only view of the current physical state, valid until the next call on env. */
cdrl_env_view cdrl_env_view_of(const cdrl_env *env);

/* Sets the physical state directly (tests, rendering known states, probes).
 * `state` has view.state_dim values. Marks the episode as running. */
int cdrl_env_set_state(cdrl_env *env, const double *state, cdrl_error *err);

/* Model-side reward and termination: scores n imagined transitions without
 * touching any real env, for model-based planning. obs, next_obs are n x
 * obs_dim (row-major floats, the planner's precision), actions n x max(1,
 * action_dim). Writes reward[n] and terminated[n] (1 where next_obs is
 * outside the task's bounds). Same rules as the real step. */
void cdrl_env_model_reward(const cdrl_env_spec *spec, int n, const float *obs, const float *actions,
                           const float *next_obs, float *reward, uint8_t *terminated);

/* Names of all registered envs, NULL-terminated. */
const char *const *cdrl_env_names(void);

/* ---- Batched stepping ------------------------------------------------------
 * B independent copies of one env in struct-of-arrays form, stepped in one
 * call, with automatic reset when an episode ends. Env i draws from its own
 * generator stream (seed, i), so B = 1 reproduces the single env seeded with
 * cdrl_env_reset_seeded(env, seed, ...) step for step. */
typedef struct cdrl_vec_env cdrl_vec_env;

int cdrl_vec_env_create(const char *name, int batch, uint64_t seed, cdrl_vec_env **out, cdrl_error *err);
int cdrl_vec_env_set_option(cdrl_vec_env *venv, const char *key, const char *value, cdrl_error *err);
void cdrl_vec_env_free(cdrl_vec_env *venv);
const cdrl_env_spec *cdrl_vec_env_spec_of(const cdrl_vec_env *venv);
int cdrl_vec_env_batch(const cdrl_vec_env *venv);

/* Resets all B envs; obs is B x obs_dim. */
int cdrl_vec_env_reset(cdrl_vec_env *venv, double *obs, cdrl_error *err);

/* Steps all B envs with actions[B x max(1, action_dim)]. Writes obs (B x
 * obs_dim; for an env whose episode just ended, the first observation of its
 * next episode), reward[B], terminated[B], truncated[B]. If final_obs is not
 * NULL, the last observation of each ended episode is written there (rows of
 * envs that did not end are left as they were), for bootstrapping truncated
 * episodes. Returns an error for an invalid action, with nothing stepped. */
int cdrl_vec_env_step(cdrl_vec_env *venv, const double *actions, double *obs, double *reward,
                      uint8_t *terminated, uint8_t *truncated, double *final_obs, cdrl_error *err);

/* Return and length of the episode env i finished in the last step (valid
 * where terminated[i] || truncated[i]). */
void cdrl_vec_env_episode_stats(const cdrl_vec_env *venv, int i, double *episode_return, int *episode_length);

#endif
