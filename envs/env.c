/* The single environment: one copy of a registered env with its episode
 * bookkeeping (step counter, time limit, return) and the rules every env
 * shares: no step before a reset, none after the episode ended, no invalid
 * action, and nothing changes when a call fails.
 *
 * The physics is the env's own batch kernel run on a batch of one, so the
 * single env and the batched env cannot drift apart. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_def.h"

enum episode_phase {
    PHASE_NOT_STARTED, /* created, never reset */
    PHASE_RUNNING,
    PHASE_TERMINATED,
    PHASE_TRUNCATED,
};

struct cdrl_env {
    /* What every step reads, first and together. */
    enum episode_phase phase;
    int plain;            /* the wrappers change nothing (cdrl_env_wrap_is_plain) */
    double action_count;  /* the def's, as a double; 0 for continuous actions */
    void *settings;
    const cdrl_env_def *def;
    cdrl_env_wrap wrap;
    cdrl_env_spec spec;   /* the def's, with the wrappers applied */
    cdrl_rng rng;
    cdrl_rng noise;       /* observation noise (obs_noise) */
    int env_steps;        /* env steps in the episode (> steps with action_repeat) */
    double state[CDRL_ENV_MAX_DIM];
    double params[CDRL_ENV_MAX_DIM];
    double last_action;
    int steps;
    double episode_return;
};

/* Caches what the step reads from the def and the wrappers. */
static void env_cache(cdrl_env *env)
{
    env->plain = cdrl_env_wrap_is_plain(&env->wrap);
    env->action_count = env->def->spec.action_count;
}

int cdrl_env_create(const char *name, cdrl_env **out, cdrl_error *err)
{
    *out = NULL;
    const cdrl_env_def *def = cdrl_env_def_find(name);
    if (!def)
        return cdrl_env_unknown_name(name, err);
    cdrl_env *env = calloc(1, sizeof *env);
    void *settings = calloc(1, def->settings_size);
    if (!env || !settings) {
        free(env);
        free(settings);
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory creating the env", name);
    }
    env->def = def;
    env->settings = settings;
    def->settings_init(settings);
    def->view_params(settings, env->params);
    cdrl_env_wrap_init(&env->wrap, def);
    cdrl_env_wrap_spec(&env->wrap, def, &env->spec);
    env_cache(env);
    cdrl_rng_seed(&env->noise, cdrl_env_noise_seed(0), 0);
    /* An env that is never seeded still draws a fixed sequence: determinism
     * does not depend on the caller remembering to seed. */
    cdrl_rng_seed(&env->rng, 0, 0);
    env->last_action = NAN;
    env->phase = PHASE_NOT_STARTED;
    *out = env;
    return 0;
}

int cdrl_env_set_option(cdrl_env *env, const char *key, const char *value, cdrl_error *err)
{
    int rc = cdrl_env_set_any_option(env->def, &env->wrap, env->settings, key, value, err);
    if (rc == 0) {
        env->def->view_params(env->settings, env->params);
        cdrl_env_wrap_spec(&env->wrap, env->def, &env->spec);
        env_cache(env);
    }
    return rc;
}

void cdrl_env_free(cdrl_env *env)
{
    if (!env)
        return;
    free(env->settings);
    free(env);
}

const cdrl_env_spec *cdrl_env_spec_of(const cdrl_env *env) { return &env->spec; }

/* Writes the wrapped observation; the noise is drawn even when the caller
 * does not want it, so the noise stream does not depend on the caller. */
static void env_observe_wrapped(cdrl_env *env, double *obs)
{
    double scratch[CDRL_ENV_MAX_DIM];
    cdrl_env_wrap_observe_one(&env->wrap, env->def, env->settings, env->state, 1, &env->noise,
                              obs ? obs : scratch);
}

/* Writes the (wrapped) observation. */
static inline void env_observe(cdrl_env *env, double *obs)
{
    if (!env->plain)
        env_observe_wrapped(env, obs);
    else if (obs)
        env->def->observe_batch(env->settings, 1, env->state, 1, obs);
}

int cdrl_env_reset_seeded(cdrl_env *env, uint64_t seed, double *obs, cdrl_error *err)
{
    /* Stream 0 is the single env's; env i of a batch uses stream i, which is
     * what makes a batch of one replay this env. */
    cdrl_rng_seed(&env->rng, seed, 0);
    cdrl_rng_seed(&env->noise, cdrl_env_noise_seed(seed), 0);
    return cdrl_env_reset(env, obs, err);
}

int cdrl_env_reset(cdrl_env *env, double *obs, cdrl_error *err)
{
    (void)err;
    env->def->reset_state(env->settings, &env->rng, env->state);
    env->steps = 0;
    env->env_steps = 0;
    env->episode_return = 0.0;
    env->last_action = NAN;
    env->phase = PHASE_RUNNING;
    env_observe(env, obs);
    return 0;
}

/* Says which env of a batch, for messages; empty for the single env. */
static const char *batch_index_note(int index, char *buf, size_t size)
{
    if (index < 0)
        return "";
    snprintf(buf, size, " (env %d of the batch)", index);
    return buf;
}

__attribute__((noinline)) int cdrl_env_check_action(const cdrl_env_def *def, const double *action,
                                                    int index, cdrl_error *err)
{
    char note[64];
    if (!action)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: action is NULL%s", def->spec.name,
                           batch_index_note(index, note, sizeof note));
    if (def->spec.action_count > 0) {
        double a = action[0];
        /* Written so that NaN fails every comparison and is rejected; the
         * cast is only reached for values in range. */
        if (a >= 0.0 && a < def->spec.action_count && a == (double)(int)a)
            return 0;
        return cdrl_errorf(err, CDRL_EINVAL, "%s: invalid action %g%s; accepted: an integer in [0, %d]",
                           def->spec.name, a, batch_index_note(index, note, sizeof note),
                           def->spec.action_count - 1);
    }
    /* Continuous actions: any finite value; the env itself clips what lies
     * outside [low, high], exactly where and how the reference clips (the
     * reward of MountainCarContinuous sees the unclipped action). */
    for (int d = 0; d < def->spec.action_dim; d++) {
        double a = action[d];
        if (!isfinite(a))
            return cdrl_errorf(err, CDRL_EINVAL,
                               "%s: invalid action[%d] = %g%s; accepted: a finite number (values outside "
                               "[%g, %g] are clipped)",
                               def->spec.name, d, a, batch_index_note(index, note, sizeof note),
                               def->spec.action_low[d], def->spec.action_high[d]);
    }
    return 0;
}

/* Why stepping is not allowed now, or 0 if it is. */
__attribute__((noinline, cold)) static int env_check_can_step(const cdrl_env *env, cdrl_error *err)
{
    const char *name = env->def->spec.name;
    switch (env->phase) {
    case PHASE_RUNNING:
        return 0;
    case PHASE_NOT_STARTED:
        return cdrl_errorf(err, CDRL_ESTATE,
                           "%s: step before the first reset; call cdrl_env_reset or "
                           "cdrl_env_reset_seeded first",
                           name);
    case PHASE_TERMINATED:
        return cdrl_errorf(err, CDRL_ESTATE,
                           "%s: step after the episode terminated (at step %d); call "
                           "cdrl_env_reset before stepping again",
                           name, env->steps);
    case PHASE_TRUNCATED:
        return cdrl_errorf(err, CDRL_ESTATE,
                           "%s: step after the episode was truncated at the time limit of %d "
                           "steps; call cdrl_env_reset before stepping again",
                           name, env->spec.max_episode_steps);
    }
    return cdrl_errorf(err, CDRL_ESTATE, "%s: env in an unknown state", name);
}

int cdrl_env_step(cdrl_env *env, const double *action, double *obs, cdrl_step_result *result,
                  cdrl_error *err)
{
    /* The checks that pass are inline and the messages out of line: the
     * single env is a chain of dependent steps, and the processor overlaps
     * this set-up with the previous step's arithmetic only as far as its
     * instruction window reaches, so every instruction here counts. The
     * discrete test: NaN fails every comparison, and the cast is only reached
     * for values in range. Continuous actions take the full check. */
    if (__builtin_expect(env->phase != PHASE_RUNNING, 0))
        return env_check_can_step(env, err);
    const double count = env->action_count;
    if (__builtin_expect(!(action && action[0] >= 0.0 && action[0] < count &&
                           action[0] == (double)(int)action[0]),
                         0)) {
        int rc = cdrl_env_check_action(env->def, action, -1, err);
        if (rc)
            return rc;
    }

    double reward;
    uint8_t terminated;
    if (__builtin_expect(env->plain, 1)) {
        env->def->step_batch(env->settings, 1, env->state, 1, action, &reward, &terminated);
        env->env_steps++;
        if (obs)
            env->def->observe_batch(env->settings, 1, env->state, 1, obs);
    } else {
        cdrl_env_wrap_step_one(&env->wrap, env->def, env->settings, env->state, 1, action, &env->env_steps,
                               &reward, &terminated);
        env_observe_wrapped(env, obs);
    }
    env->steps++;
    env->episode_return += reward;
    env->last_action = action[0];
    /* As Gymnasium's TimeLimit: truncated whenever the limit is reached, even
     * on a step that also terminated. */
    int truncated = env->env_steps >= env->wrap.time_limit;
    env->phase = terminated ? PHASE_TERMINATED : truncated ? PHASE_TRUNCATED : PHASE_RUNNING;
    if (result) {
        result->reward = reward;
        result->terminated = terminated;
        result->truncated = truncated;
    }
    return 0;
}

cdrl_env_view cdrl_env_view_of(const cdrl_env *env)
{
    cdrl_env_view view = {
        .kind = env->def->kind,
        .state_dim = env->def->state_dim,
        .state = env->state,
        .n_params = env->def->n_params,
        .params = env->params,
        .last_action = env->last_action,
        .steps = env->steps,
        .episode_return = env->episode_return,
    };
    return view;
}

int cdrl_env_set_state(cdrl_env *env, const double *state, cdrl_error *err)
{
    if (!state)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: state is NULL", env->def->spec.name);
    for (int d = 0; d < env->def->state_dim; d++)
        if (!isfinite(state[d]))
            return cdrl_errorf(err, CDRL_EINVAL, "%s: state[%d] = %g is not finite",
                               env->def->spec.name, d, state[d]);
    memcpy(env->state, state, (size_t)env->def->state_dim * sizeof *state);
    env->steps = 0;
    env->env_steps = 0;
    env->episode_return = 0.0;
    env->last_action = NAN;
    env->phase = PHASE_RUNNING;
    return 0;
}
