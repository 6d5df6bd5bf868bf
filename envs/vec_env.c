/* The batched env: B independent copies of one registered env, stepped in one
 * call, with automatic reset when an episode ends.
 *
 * States are struct-of-arrays (component d of env i at state[d * B + i]) so
 * the env's kernel streams through each component; each env keeps its own
 * generator, step counter and return. A step runs in tiles small enough that
 * a tile's state, rewards and flags stay in L1 while the bookkeeping pass
 * reads them back. With threads, each worker takes a contiguous slice of the
 * envs; since every env has its own generator, the numbers do not depend on
 * how the batch is sliced. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "env_def.h"
#include "simd.h"
#include "worker_pool.h"

/* Envs per tile: 256 envs x 4 components x 8 bytes = 8 KiB of state. */
#define VEC_ENV_TILE 256
/* Below this many envs per thread, waking a thread costs more than the slice
 * it would step (measured with cdrl bench env; see docs/env.md). */
#define VEC_ENV_MIN_PER_THREAD 1024
#define VEC_ENV_MAX_THREADS 256

struct cdrl_vec_env {
    const cdrl_env_def *def;
    void *settings;
    int plain;            /* the wrappers change nothing (cdrl_env_wrap_is_plain) */
    int action_width;     /* doubles per action: max(1, action_dim) */
    double action_count;  /* the def's, as a double; 0 for continuous actions */
    cdrl_env_wrap wrap;
    cdrl_env_spec spec;   /* the def's, with the wrappers applied */
    int batch;
    int has_reset;
    double *state;        /* state_dim x batch */
    cdrl_rng *rngs;       /* batch */
    cdrl_rng *noise;      /* batch: observation noise */
    int *steps;           /* steps in the running episode */
    int *env_steps;       /* env steps in it (more with action_repeat) */
    double *returns;      /* return of the running episode */
    int *last_length;     /* of the last finished episode */
    double *last_return;
    int threads;
    worker_pool *pool;
    double view_state[CDRL_ENV_MAX_DIM];  /* env i's state, gathered for a view */
    double view_params[CDRL_ENV_MAX_DIM];
};

/* The arguments of one step, shared by the slices. */
typedef struct {
    cdrl_vec_env *venv;
    const double *actions;
    double *obs, *reward, *final_obs;
    uint8_t *terminated, *truncated;
} vec_env_step_args;

/* Caches what every step reads from the def and the wrappers. */
static void vec_env_cache(cdrl_vec_env *venv)
{
    venv->plain = cdrl_env_wrap_is_plain(&venv->wrap);
    venv->action_width = venv->def->spec.action_dim > 0 ? venv->def->spec.action_dim : 1;
    venv->action_count = venv->def->spec.action_count;
}

int cdrl_vec_env_create(const char *name, int batch, uint64_t seed, cdrl_vec_env **out, cdrl_error *err)
{
    *out = NULL;
    const cdrl_env_def *def = cdrl_env_def_find(name);
    if (!def)
        return cdrl_env_unknown_name(name, err);
    if (batch < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: batch size %d is invalid; accepted: >= 1", name, batch);
    cdrl_vec_env *venv = calloc(1, sizeof *venv);
    if (!venv)
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory creating a batch of %d", name, batch);
    size_t b = (size_t)batch;
    venv->def = def;
    venv->batch = batch;
    venv->threads = 1;
    venv->settings = calloc(1, def->settings_size);
    venv->state = calloc(b * (size_t)def->state_dim, sizeof *venv->state);
    venv->rngs = calloc(b, sizeof *venv->rngs);
    venv->noise = calloc(b, sizeof *venv->noise);
    venv->steps = calloc(b, sizeof *venv->steps);
    venv->env_steps = calloc(b, sizeof *venv->env_steps);
    venv->returns = calloc(b, sizeof *venv->returns);
    venv->last_length = calloc(b, sizeof *venv->last_length);
    venv->last_return = calloc(b, sizeof *venv->last_return);
    if (!venv->settings || !venv->state || !venv->rngs || !venv->noise || !venv->steps || !venv->env_steps ||
        !venv->returns ||
        !venv->last_length || !venv->last_return) {
        cdrl_vec_env_free(venv);
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory creating a batch of %d", name, batch);
    }
    def->settings_init(venv->settings);
    cdrl_env_wrap_init(&venv->wrap, def);
    cdrl_env_wrap_spec(&venv->wrap, def, &venv->spec);
    vec_env_cache(venv);
    for (int i = 0; i < batch; i++) {
        cdrl_rng_seed(&venv->rngs[i], seed, (uint64_t)i);
        cdrl_rng_seed(&venv->noise[i], cdrl_env_noise_seed(seed), (uint64_t)i);
    }
    *out = venv;
    return 0;
}

int cdrl_vec_env_set_option(cdrl_vec_env *venv, const char *key, const char *value, cdrl_error *err)
{
    int rc = cdrl_env_set_any_option(venv->def, &venv->wrap, venv->settings, key, value, err);
    if (rc == 0) {
        cdrl_env_wrap_spec(&venv->wrap, venv->def, &venv->spec);
        vec_env_cache(venv);
    }
    return rc;
}

int cdrl_vec_env_set_threads(cdrl_vec_env *venv, int threads, cdrl_error *err)
{
    if (threads < 1 || threads > VEC_ENV_MAX_THREADS)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: %d threads is invalid; accepted: 1 to %d",
                           venv->def->spec.name, threads, VEC_ENV_MAX_THREADS);
    /* More threads than pay for themselves would only add wake-ups. */
    int useful = venv->batch / VEC_ENV_MIN_PER_THREAD;
    if (threads > useful)
        threads = useful > 1 ? useful : 1;
    worker_pool *pool = NULL;
    if (threads > 1) {
        int rc = worker_pool_create(threads, &pool, err);
        if (rc)
            return cdrl_error_prefix(err, "%s", venv->def->spec.name);
    }
    worker_pool_free(venv->pool);
    venv->pool = pool;
    venv->threads = threads;
    return 0;
}

void cdrl_vec_env_free(cdrl_vec_env *venv)
{
    if (!venv)
        return;
    worker_pool_free(venv->pool);
    free(venv->settings);
    free(venv->state);
    free(venv->rngs);
    free(venv->noise);
    free(venv->steps);
    free(venv->env_steps);
    free(venv->returns);
    free(venv->last_length);
    free(venv->last_return);
    free(venv);
}

const cdrl_env_spec *cdrl_vec_env_spec_of(const cdrl_vec_env *venv) { return &venv->spec; }

int cdrl_vec_env_batch(const cdrl_vec_env *venv) { return venv->batch; }

/* Draws a fresh start state for env i from its own stream and clears its
 * episode counters. */
static void vec_env_reset_one(cdrl_vec_env *venv, int i)
{
    const cdrl_env_def *def = venv->def;
    double start[CDRL_ENV_MAX_DIM];
    def->reset_state(venv->settings, &venv->rngs[i], start);
    for (int d = 0; d < def->state_dim; d++)
        venv->state[(size_t)d * venv->batch + i] = start[d];
    venv->steps[i] = 0;
    venv->env_steps[i] = 0;
    venv->returns[i] = 0.0;
}

/* The wrapped observation of env i into row (the plain env's own otherwise). */
static void vec_env_observe_one(cdrl_vec_env *venv, int i, double *row)
{
    if (venv->plain)
        venv->def->observe_batch(venv->settings, 1, venv->state + i, (size_t)venv->batch, row);
    else
        cdrl_env_wrap_observe_one(&venv->wrap, venv->def, venv->settings, venv->state + i, (size_t)venv->batch,
                                  &venv->noise[i], row);
}

int cdrl_vec_env_reset(cdrl_vec_env *venv, double *obs, cdrl_error *err)
{
    (void)err;
    for (int i = 0; i < venv->batch; i++)
        vec_env_reset_one(venv, i);
    venv->has_reset = 1;
    if (venv->plain) {
        if (obs)
            venv->def->observe_batch(venv->settings, venv->batch, venv->state, (size_t)venv->batch, obs);
        return 0;
    }
    /* The noise is drawn whether or not the caller wants the observations. */
    double scratch[CDRL_ENV_MAX_DIM];
    for (int i = 0; i < venv->batch; i++)
        vec_env_observe_one(venv, i, obs ? obs + (size_t)i * venv->spec.obs_dim : scratch);
    return 0;
}

/* 1 if each of the n discrete actions is an integer in [0, count). NaN
 * fails every comparison, and the cast is only reached for values in range. */
static int vec_env_discrete_valid(const double *actions, int n, double count)
{
    int valid = 1;
    for (int i = 0; i < n; i++) {
        const double a = actions[i];
        valid &= a >= 0.0 && a < count && a == (double)(int)a;
    }
    return valid;
}

/* The counters of n envs after a step: steps, return, env steps (plus
 * `plain`: a wrapped env counts its own), truncation at the limit, and which
 * envs ended. Element by element, so it is compiled to vectors (inside
 * cdrl_vec_env_step, which is compiled for it). */
static inline void vec_env_count(int n, int plain, int limit, int *restrict steps, int *restrict env_steps,
                                 double *restrict returns, const double *restrict reward,
                                 const uint8_t *restrict terminated, uint8_t *restrict truncated,
                                 uint8_t *restrict ended)
{
    for (int i = 0; i < n; i++) {
        steps[i]++;
        returns[i] += reward[i];
        env_steps[i] += plain;
        uint8_t t = env_steps[i] >= limit;
        truncated[i] = t;
        ended[i] = terminated[i] | t;
    }
}

/* Steps envs [begin, end): physics for the tile, then per env the counters,
 * the time limit, and the automatic reset of ended episodes. */
static inline __attribute__((always_inline)) void vec_env_step_tile(const vec_env_step_args *a, int begin,
                                                                    int end)
{
    cdrl_vec_env *venv = a->venv;
    const cdrl_env_def *def = venv->def;
    const size_t stride = (size_t)venv->batch;
    const int obs_dim = venv->spec.obs_dim;
    const int action_width = venv->action_width;
    const int limit = venv->wrap.time_limit;
    const int n = end - begin;

    /* The plain env's env steps are counted with the rest below. */
    const int plain = venv->plain;
    if (plain) {
        def->step_batch(venv->settings, n, venv->state + begin, stride,
                        a->actions + (size_t)begin * action_width, a->reward + begin,
                        a->terminated + begin);
        def->observe_batch(venv->settings, n, venv->state + begin, stride,
                           a->obs + (size_t)begin * obs_dim);
    } else {
        /* Wrapped: env by env, through the code the single env runs. */
        for (int i = begin; i < end; i++) {
            cdrl_env_wrap_step_one(&venv->wrap, def, venv->settings, venv->state + i, stride,
                                   a->actions + (size_t)i * action_width, &venv->env_steps[i], &a->reward[i],
                                   &a->terminated[i]);
            vec_env_observe_one(venv, i, a->obs + (size_t)i * obs_dim);
        }
    }

    uint8_t ended[VEC_ENV_TILE];
    vec_env_count(n, plain, limit, venv->steps + begin, venv->env_steps + begin, venv->returns + begin,
                  a->reward + begin, a->terminated + begin, a->truncated + begin, ended);
    for (int i = begin; i < end; i++) {
        if (!ended[i - begin])
            continue;
        venv->last_length[i] = venv->steps[i];
        venv->last_return[i] = venv->returns[i];
        double *row = a->obs + (size_t)i * obs_dim;
        if (a->final_obs)
            memcpy(a->final_obs + (size_t)i * obs_dim, row, (size_t)obs_dim * sizeof *row);
        vec_env_reset_one(venv, i);
        vec_env_observe_one(venv, i, row);
    }
}

static inline __attribute__((always_inline)) void vec_env_step_range(const vec_env_step_args *a, int begin,
                                                                     int end)
{
    for (int t = begin; t < end; t += VEC_ENV_TILE)
        vec_env_step_tile(a, t, t + VEC_ENV_TILE < end ? t + VEC_ENV_TILE : end);
}

static void vec_env_step_slice(void *context, int worker, int n_workers)
{
    const vec_env_step_args *a = context;
    long batch = a->venv->batch;
    vec_env_step_range(a, (int)(batch * worker / n_workers), (int)(batch * (worker + 1) / n_workers));
}

CDRL_VECTORIZE int cdrl_vec_env_step(cdrl_vec_env *venv, const double *actions, double *obs, double *reward,
                      uint8_t *terminated, uint8_t *truncated, double *final_obs, cdrl_error *err)
{
    const cdrl_env_def *def = venv->def;
    if (!venv->has_reset)
        return cdrl_errorf(err, CDRL_ESTATE,
                           "%s: batched step before the first reset; call cdrl_vec_env_reset first",
                           def->spec.name);
    if (!actions || !obs || !reward || !terminated || !truncated)
        return cdrl_errorf(err, CDRL_EINVAL,
                           "%s: batched step needs actions, obs, reward, terminated and truncated "
                           "arrays (only final_obs may be NULL)",
                           def->spec.name);
    /* Every action is checked before any env moves, so a bad one leaves the
     * whole batch as it was. */
    const int action_width = venv->action_width;
    if (venv->action_count > 0) {
        /* The common discrete case inline (the full check is a call per env);
         * the full check names the first bad action. NaN fails the test. */
        if (!vec_env_discrete_valid(actions, venv->batch, venv->action_count))
            for (int i = 0; i < venv->batch; i++) {
                int rc = cdrl_env_check_action(def, actions + i, i, err);
                if (rc)
                    return rc;
            }
    } else {
        for (int i = 0; i < venv->batch; i++) {
            int rc = cdrl_env_check_action(def, actions + (size_t)i * action_width, i, err);
            if (rc)
                return rc;
        }
    }
    vec_env_step_args args = {venv, actions, obs, reward, final_obs, terminated, truncated};
    if (venv->pool)
        worker_pool_run(venv->pool, vec_env_step_slice, &args);
    else
        vec_env_step_range(&args, 0, venv->batch);
    return 0;
}

void cdrl_vec_env_episode_stats(const cdrl_vec_env *venv, int i, double *episode_return, int *episode_length)
{
    if (episode_return)
        *episode_return = venv->last_return[i];
    if (episode_length)
        *episode_length = venv->last_length[i];
}

cdrl_env_view cdrl_vec_env_view_of(cdrl_vec_env *venv, int i)
{
    const cdrl_env_def *def = venv->def;
    for (int d = 0; d < def->state_dim; d++)
        venv->view_state[d] = venv->state[(size_t)d * (size_t)venv->batch + (size_t)i];
    def->view_params(venv->settings, venv->view_params);
    cdrl_env_view view = {
        .kind = def->kind,
        .state_dim = def->state_dim,
        .state = venv->view_state,
        .n_params = def->n_params,
        .params = venv->view_params,
        .last_action = NAN,
        .steps = venv->steps[i],
        .episode_return = venv->returns[i],
    };
    return view;
}
