/* Internal to envs/: what one environment file provides to the registry.
 *
 * An environment is a `cdrl_env_def`: its spec, the size of its settings
 * block, and a handful of functions over plain arrays. The single env
 * (registry.c) and the batched env (vec_env.c) are both written once against
 * this table, so a new environment is one file defining a def plus one line in
 * the registry, and it is batched for free.
 *
 * States are stored in struct-of-arrays form: component d of env i is
 * state[d * stride + i]. The single env is the case n = 1, stride = 1, so it
 * runs the very same kernel as a batch and B = 1 matches it bit for bit. */
#ifndef CDRL_ENV_DEF_H
#define CDRL_ENV_DEF_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/env.h"
#include "cdrl/rng.h"

typedef struct cdrl_env_def {
    cdrl_env_spec spec;
    const char *kind;  /* drawer name in cdrl_env_view */
    int state_dim;     /* length of the physical state (<= CDRL_ENV_MAX_DIM) */
    int n_params;      /* length of the view's params (<= CDRL_ENV_MAX_DIM) */
    size_t settings_size; /* bytes of the settings block (constants, options) */

    /* Writes the default settings into a settings_size block. */
    void (*settings_init)(void *settings);
    /* Applies one named option; unknown keys and values are errors naming
     * what is accepted. Leaves settings unchanged on error. */
    int (*settings_set)(void *settings, const char *key, const char *value, cdrl_error *err);
    /* Writes the n_params constants a drawer needs (see cdrl_env_view). */
    void (*view_params)(const void *settings, double *params);

    /* Draws the initial state of one env (state_dim doubles, contiguous). */
    void (*reset_state)(const void *settings, cdrl_rng *rng, double *state);
    /* Advances n envs (SoA, see above) by one step with the given actions
     * (n x max(1, action_dim), row-major, already validated). Writes
     * reward[n] and terminated[n]. */
    void (*step_batch)(const void *settings, int n, double *state, size_t stride,
                       const double *actions, double *reward, uint8_t *terminated);
    /* Writes the observations of n envs (SoA state) as rows of obs_dim. */
    void (*observe_batch)(const void *settings, int n, const double *state, size_t stride,
                          double *obs);
    /* The model-side scorer of cdrl_env_model_reward for this env. */
    void (*model_reward)(int n, const float *obs, const float *actions, const float *next_obs,
                         float *reward, uint8_t *terminated);
} cdrl_env_def;

/* The registered envs, in registry order, NULL-terminated (registry.c). */
extern const cdrl_env_def *const cdrl_env_registry[];

/* Looks a def up by registry name; NULL if unknown. */
const cdrl_env_def *cdrl_env_def_find(const char *name);

/* Fills err with "unknown env 'name'; known envs: ..." and returns CDRL_EINVAL. */
int cdrl_env_unknown_name(const char *name, cdrl_error *err);

/* Checks one action against the def's action space; on failure names the
 * env (and, when index >= 0, which env of a batch) and the accepted values. */
int cdrl_env_check_action(const cdrl_env_def *def, const double *action, int index, cdrl_error *err);

/* ---- Wrappers (env_wrap.c): options every env takes ---------------------- */
typedef struct {
    uint32_t hidden;    /* bit d: full observation component d is left out */
    double obs_noise;   /* standard deviation of the observation noise */
    int action_repeat;  /* env steps per agent step, >= 1 */
    int time_limit;     /* truncation after this many env steps */
} cdrl_env_wrap;

void cdrl_env_wrap_init(cdrl_env_wrap *w, const cdrl_env_def *def);
/* 1 when the wrappers change nothing (no mask, no noise, no repeat): the
 * env's own kernel can run unwrapped (inline: the single env's hot path). */
static inline int cdrl_env_wrap_is_plain(const cdrl_env_wrap *w)
{
    return w->hidden == 0 && w->obs_noise == 0.0 && w->action_repeat == 1;
}
/* Applies a wrapper option: 0 done, an error code (err filled), or -1 when
 * key is not a wrapper's. */
int cdrl_env_wrap_set(cdrl_env_wrap *w, const cdrl_env_def *def, const char *key, const char *value,
                      cdrl_error *err);
/* A wrapper option or else the env's own; errors name both kinds. */
int cdrl_env_set_any_option(const cdrl_env_def *def, cdrl_env_wrap *w, void *settings, const char *key,
                            const char *value, cdrl_error *err);
/* The wrapped env's spec: the def's with the mask and the limit applied. */
void cdrl_env_wrap_spec(const cdrl_env_wrap *w, const cdrl_env_def *def, cdrl_env_spec *spec);
/* One agent step of one env (state column with stride): the action repeated,
 * env_steps counted against the time limit, rewards summed. */
void cdrl_env_wrap_step_one(const cdrl_env_wrap *w, const cdrl_env_def *def, const void *settings,
                            double *state, size_t stride, const double *action, int *env_steps, double *reward,
                            uint8_t *terminated);
/* The masked, noisy observation of one env (spec obs_dim values). */
void cdrl_env_wrap_observe_one(const cdrl_env_wrap *w, const cdrl_env_def *def, const void *settings,
                               const double *state, size_t stride, cdrl_rng *noise, double *obs);
/* The seed of an env's observation-noise generator, from the env's seed. */
uint64_t cdrl_env_noise_seed(uint64_t seed);

/* Parses a whole string as a finite double (no trailing text); 0 or -1. */
int cdrl_env_parse_double(const char *text, double *out);

/* numpy's float64 `a % b` (floored: the result takes the divisor's sign),
 * which the classic-control envs use to normalize angles. */
double cdrl_env_floor_mod(double a, double b);

/* The defs themselves, one per env file. */
extern const cdrl_env_def cdrl_cartpole_v1_def;
extern const cdrl_env_def cdrl_cartpole_v0_def;
extern const cdrl_env_def cdrl_pendulum_def;
extern const cdrl_env_def cdrl_mountaincar_def;
extern const cdrl_env_def cdrl_mountaincar_continuous_def;
extern const cdrl_env_def cdrl_acrobot_def;
extern const cdrl_env_def cdrl_cartpole_swingup_def;

#endif
