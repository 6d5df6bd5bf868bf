/* Environments defined outside cdrl: what an env provides, and registering it.
 *
 * Every env, built in or yours, is a `cdrl_env_def`: its spec, the size of
 * its settings block, and a handful of functions over plain arrays. The
 * single env (cdrl_env_create) and the batched env (cdrl_vec_env_create) are
 * both written once against this table, so an env registered here is created
 * by name like a built-in one, gets the wrappers (obs_mask, obs_noise,
 * action_repeat, time_limit), is batched for free, and can be trained on by
 * name (run.env) — no cdrl source file changes. examples/custom_env.c is a
 * whole env in one file, trained by the pg agent.
 *
 * States are stored in struct-of-arrays form: component d of env i is
 * state[d * stride + i]. The single env is the case n = 1, stride = 1, so it
 * runs the very same kernel as a batch and B = 1 matches it bit for bit.
 * Every random draw comes from the cdrl_rng passed in (determinism); an env
 * never prints, exits or draws on a screen. */
#ifndef CDRL_ENV_REGISTER_H
#define CDRL_ENV_REGISTER_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/env.h"
#include "cdrl/error.h"
#include "cdrl/rng.h"

typedef struct cdrl_env_def {
    cdrl_env_spec spec;   /* name, spaces, time limit, solved criterion (obs_hidden: 0) */
    const char *kind;     /* drawer name in cdrl_env_view; NULL: the env's name */
    int state_dim;        /* length of the physical state (1 .. CDRL_ENV_MAX_DIM) */
    int n_params;         /* length of the view's params (0 .. CDRL_ENV_MAX_DIM) */
    size_t settings_size; /* bytes of the settings block (constants, options); may be 0 */

    /* Writes the default settings into a settings_size block. NULL: zeroes. */
    void (*settings_init)(void *settings);
    /* Applies one named option; unknown keys and values are errors naming
     * what is accepted. Leaves settings unchanged on error. NULL: the env
     * has no options of its own (the wrappers' still work). */
    int (*settings_set)(void *settings, const char *key, const char *value, cdrl_error *err);
    /* Writes the n_params constants a drawer needs (see cdrl_env_view). NULL if n_params is 0. */
    void (*view_params)(const void *settings, double *params);

    /* Draws the initial state of one env (state_dim doubles, contiguous). Required. */
    void (*reset_state)(const void *settings, cdrl_rng *rng, double *state);
    /* Advances n envs (SoA, see above) by one step with the given actions
     * (n x max(1, action_dim), row-major, already validated). Writes
     * reward[n] and terminated[n]. Required. */
    void (*step_batch)(const void *settings, int n, double *state, size_t stride,
                       const double *actions, double *reward, uint8_t *terminated);
    /* Writes the observations of n envs (SoA state) as rows of obs_dim. Required. */
    void (*observe_batch)(const void *settings, int n, const double *state, size_t stride,
                          double *obs);
    /* The model-side scorer of cdrl_env_model_reward for this env (for
     * model-based agents). NULL: every imagined transition scores NaN and is
     * terminal, so a model-based agent cannot learn on the env. */
    void (*model_reward)(int n, const float *obs, const float *actions, const float *next_obs,
                         float *reward, uint8_t *terminated);
} cdrl_env_def;

/* At most this many envs can be registered by a process. */
#define CDRL_ENV_MAX_REGISTERED 32

/* Registers `def` under def->spec.name, for cdrl_env_create,
 * cdrl_vec_env_create, cdrl_env_names and training (run.env). The def is
 * copied; the strings it points to (name, kind) must outlive every env made
 * from it (string literals do). Register before creating envs from other
 * threads: registration takes a lock, but the name list returned by
 * cdrl_env_names grows in place.
 *
 * Returns 0, or CDRL_EINVAL naming the problem and changing nothing: a
 * missing name or required function, a name already registered (built-in or
 * not), dimensions out of range (obs_dim, state_dim 1..CDRL_ENV_MAX_DIM;
 * exactly one of action_count >= 1 and action_dim >= 1), bounds with low >
 * high, no time limit; CDRL_ENOMEM when CDRL_ENV_MAX_REGISTERED envs are
 * already registered. Registered envs stay for the life of the process. */
int cdrl_env_register(const cdrl_env_def *def, cdrl_error *err);

#endif
