/* Environments: one interface for every task, single and batched.
 *
 * An environment is created by name from a registry (envs/registry.c); code
 * outside cdrl adds its own with cdrl_env_register (env_register.h). Adding
 * one means one new file under envs/ that defines a `cdrl_env_def`, and one
 * line in the registry. Simulation never depends on rendering: an env exposes
 * a read-only view of its physical state (cdrl_env_view) that the visualizer
 * draws; envs link without SDL.
 *
 * Observations are doubles in caller-owned arrays; nothing allocates per step.
 * Actions are passed as doubles: for a discrete space, action[0] holds the
 * index (an integral value in [0, action_count)); anything else is an error.
 * For a continuous space (action_dim > 0) an action is action_dim finite
 * doubles (NaN and infinities are errors); values outside [action_low,
 * action_high] are clipped by the env exactly where its reference clips.
 *
 * Registered envs: "cartpole", "cartpole-v0", "pendulum" (Pendulum-v1),
 * "mountaincar" (MountainCar-v0), "mountaincar-continuous"
 * (MountainCarContinuous-v0), "acrobot" (Acrobot-v1), and "cartpole-swingup"
 * (PILCO's cart-pole swing-up); docs/env.md has their spaces, rewards and
 * every deliberate difference from the references.
 *
 * CartPole ("cartpole" = Gymnasium's CartPole-v1, "cartpole-v0") follows the
 * reference's equations, constants and order of floating-point operations in
 * double, so a given state and action sequence gives Gymnasium's float64
 * states (envs/cartpole.c). Two things differ by design: observations are
 * returned in double (Gymnasium casts them to float32), and the initial state,
 * uniform in [-0.05, 0.05)^4 as in the reference, is drawn from cdrl_rng, so
 * the start states for a given seed are not numpy's. */
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
    int max_episode_steps;       /* time limit in agent steps: truncated = 1 at this step */
    double solved_threshold;     /* mean return that counts as solved ... */
    int solved_window;           /* ... over this many consecutive episodes */
    uint32_t obs_hidden;         /* bit d: component d of the env's full observation is
                                    left out (obs_mask option); 0 = all observed */
    double steps_per_second;     /* real time: 1 / the env's time step (CartPole 50,
                                    tau = 0.02 s); videos play at this rate. 0 = not
                                    known (taken as 50) */
} cdrl_env_spec;

/* Result of one step. */
typedef struct {
    double reward;
    int terminated; /* the task's own end (pole fell, goal reached) */
    int truncated;  /* the time limit was reached on this step. As Gymnasium's
                       TimeLimit, this is also set when the same step
                       terminated; bootstrapping code should test terminated
                       first. */
} cdrl_step_result;

/* Read-only view of the physical state for drawing. `kind` picks the drawer
 * ("cartpole", "pendulum", "mountaincar" for both mountain cars, "acrobot",
 * "cartpole-swingup"); `state` is the physical state; `params` are the
 * constants a drawer needs to draw to scale; `last_action` is the most recent
 * action (its first component; NaN before the first). Per kind, state; params:
 *   cartpole: x, x_dot, theta, theta_dot; x_threshold,
 *     theta_threshold_radians, half pole length, force_mag
 *   pendulum: theta, theta_dot; length, max_torque, max_speed
 *   mountaincar: position, velocity; min_position, max_position,
 *     goal_position, 1 if the actions are discrete pushes (else 0)
 *   acrobot: theta1, theta2, theta1_dot, theta2_dot; the two link lengths
 *   cartpole-swingup: x, x_dot, theta, theta_dot; pole length, max force,
 *     cost width */
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
 * sets *out (owned by the caller, free with cdrl_env_free), or CDRL_EINVAL
 * with a message naming the known envs (*out = NULL). The env must be reset
 * before its first step. An env that is never seeded draws as if seeded 0. */
int cdrl_env_create(const char *name, cdrl_env **out, cdrl_error *err);

/* Sets a named option, e.g. ("integrator", "semi-implicit"|"euler") for
 * CartPole, or one of the wrappers every env takes (docs/env.md):
 *   obs_mask=I:J:...  observation components left out ("none" = all shown)
 *   obs_noise=S       N(0, S^2) added to each observed component
 *   action_repeat=K   each action applied K times, rewards summed
 *   time_limit=N      truncation after N env steps (default: the reference's)
 * The spec (cdrl_env_spec_of) follows the wrappers. Takes effect from the
 * next step; set options before the first reset. Unknown options and values
 * are CDRL_EINVAL errors naming what is accepted; on error nothing changes. */
int cdrl_env_set_option(cdrl_env *env, const char *key, const char *value, cdrl_error *err);

/* Frees the env; NULL is allowed. */
void cdrl_env_free(cdrl_env *env);

/* The env's spec with its wrappers applied; valid while env lives. */
const cdrl_env_spec *cdrl_env_spec_of(const cdrl_env *env);

/* Reseeds the env's generator with (seed, stream 0) (as Gymnasium's
 * reset(seed=...)), then resets. Writes the first observation into obs
 * (obs_dim doubles; obs may be NULL). Returns 0. */
int cdrl_env_reset_seeded(cdrl_env *env, uint64_t seed, double *obs, cdrl_error *err);

/* Starts a new episode with the env's generator as it stands (episodes after
 * the first continue the seeded stream). obs as above. Allowed at any time. */
int cdrl_env_reset(cdrl_env *env, double *obs, cdrl_error *err);

/* Advances one step. Writes the observation (obs_dim doubles) into obs and
 * the reward and end flags into result; either may be NULL. Stepping before
 * the first reset or after terminated or truncated without a reset is an
 * error (CDRL_ESTATE) whose message says so, as is an invalid action
 * (CDRL_EINVAL, naming the accepted actions); on error nothing changes. */
int cdrl_env_step(cdrl_env *env, const double *action, double *obs, cdrl_step_result *result,
                  cdrl_error *err);

/* Read-only view of the current physical state, valid until the next call on env. */
cdrl_env_view cdrl_env_view_of(const cdrl_env *env);

/* Sets the physical state directly (tests, rendering known states, probes).
 * `state` has view.state_dim finite values (else CDRL_EINVAL). Starts a new
 * episode from that state: step counter and return go to 0, running. */
int cdrl_env_set_state(cdrl_env *env, const double *state, cdrl_error *err);

/* Model-side reward and termination: scores n imagined transitions without
 * touching any real env, for model-based planning. obs, next_obs are n x
 * obs_dim (row-major floats, the planner's precision), actions n x max(1,
 * action_dim). Writes reward[n] and terminated[n] (1 where next_obs is
 * outside the task's bounds). Same rules as the real step, applied in double
 * to the float values; the time limit is not modelled (the planner does not
 * know the step count). `spec` must come from cdrl_env_spec_of or
 * cdrl_vec_env_spec_of (it is looked up by name); for an unknown name every
 * reward is NaN and every transition terminal. */
void cdrl_env_model_reward(const cdrl_env_spec *spec, int n, const float *obs, const float *actions,
                           const float *next_obs, float *reward, uint8_t *terminated);

/* Names of all envs, built-in then registered (cdrl_env_register),
 * NULL-terminated, static storage (it grows in place when an env is registered). */
const char *const *cdrl_env_names(void);

/* ---- Batched stepping ------------------------------------------------------
 * B independent copies of one env in struct-of-arrays form, stepped in one
 * call, with automatic reset when an episode ends. Env i draws from its own
 * generator stream (seed, i), so B = 1 reproduces the single env seeded with
 * cdrl_env_reset_seeded(env, seed, ...) and reset with cdrl_env_reset after
 * each episode, step for step and bit for bit. Results do not depend on the
 * number of threads. */
typedef struct cdrl_vec_env cdrl_vec_env;

/* Creates B = batch (>= 1) copies of the env `name`; env i's generator is
 * seeded with (seed, i). Returns 0 and sets *out (caller frees with
 * cdrl_vec_env_free), or CDRL_EINVAL (unknown name, batch < 1) / CDRL_ENOMEM. */
int cdrl_vec_env_create(const char *name, int batch, uint64_t seed, cdrl_vec_env **out, cdrl_error *err);

/* As cdrl_env_set_option, for all B envs. */
int cdrl_vec_env_set_option(cdrl_vec_env *venv, const char *key, const char *value, cdrl_error *err);

/* Steps the batch on `threads` threads (1 = the caller's thread only, the
 * default). Threads are only used when each gets enough envs to pay for the
 * hand-off (see docs/env.md); the numbers are the same either way. Returns
 * CDRL_EINVAL for threads < 1 or > 256, CDRL_EUNAVAIL if a thread cannot
 * be started. */
int cdrl_vec_env_set_threads(cdrl_vec_env *venv, int threads, cdrl_error *err);

/* Frees the batch and stops its threads; NULL is allowed. */
void cdrl_vec_env_free(cdrl_vec_env *venv);
const cdrl_env_spec *cdrl_vec_env_spec_of(const cdrl_vec_env *venv);
int cdrl_vec_env_batch(const cdrl_vec_env *venv);

/* Starts a new episode in all B envs, each drawing from its own stream as it
 * stands (the first call after create gives each env its seeded start);
 * obs is B x obs_dim (may be NULL). Returns 0. */
int cdrl_vec_env_reset(cdrl_vec_env *venv, double *obs, cdrl_error *err);

/* Steps all B envs with actions[B x max(1, action_dim)]. Writes obs (B x
 * obs_dim; for an env whose episode just ended, the first observation of its
 * next episode), reward[B], terminated[B], truncated[B]. If final_obs is not
 * NULL, the last observation of each ended episode is written there (rows of
 * envs that did not end are left as they were), for bootstrapping truncated
 * episodes. The arrays must not overlap. Returns CDRL_EINVAL for an invalid
 * action (naming the env index) and CDRL_ESTATE before the first
 * cdrl_vec_env_reset, with nothing stepped. */
int cdrl_vec_env_step(cdrl_vec_env *venv, const double *actions, double *obs, double *reward,
                      uint8_t *terminated, uint8_t *truncated, double *final_obs, cdrl_error *err);

/* Return and length of the last episode env i finished (after the step in
 * which terminated[i] || truncated[i]; 0 and 0 before its first episode
 * ended). */
void cdrl_vec_env_episode_stats(const cdrl_vec_env *venv, int i, double *episode_return, int *episode_length);

/* Read-only view of env i's physical state for drawing (a batched trainer
 * shows one of its envs with --viz). The state is copied out of the
 * struct-of-arrays layout into the venv, so the view is valid until the next
 * call on venv. The batch does not keep actions: last_action is NaN. */
cdrl_env_view cdrl_vec_env_view_of(cdrl_vec_env *venv, int i);

#endif
