/* Internal to envs/: what the env files share beyond the public
 * cdrl_env_def (include/cdrl/env_register.h).
 *
 * A built-in environment is one file defining a def plus one line in the
 * registry; an env from outside is registered at run time
 * (cdrl_env_register). The single env (env.c) and the batched env (vec_env.c)
 * are both written once against the def, so every env is batched for free.
 *
 * States are stored in struct-of-arrays form: component d of env i is
 * state[d * stride + i]. The single env is the case n = 1, stride = 1, so it
 * runs the very same kernel as a batch and B = 1 matches it bit for bit. */
#ifndef CDRL_ENV_DEF_H
#define CDRL_ENV_DEF_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/env.h"
#include "cdrl/env_register.h"
#include "cdrl/rng.h"

/* cdrl_env_def itself is public: include/cdrl/env_register.h. */

/* The built-in envs, in registry order, NULL-terminated (registry.c). */
extern const cdrl_env_def *const cdrl_env_registry[];

/* Looks a def up by registry name, built-in or registered
 * (cdrl_env_register); NULL if unknown. */
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
