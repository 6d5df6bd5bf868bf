/* Checks every env must pass, shared by the env tests (tests/test_<env>.c).
 *
 * Each takes a registry name and asserts with cmocka:
 *   env_check_pins        - the env replays pinned reference trajectories
 *                           (tests/classic_pins.py) bit for bit;
 *   env_check_batch_rows  - every row of a batched step equals the single env
 *                           stepped from the same state, bit for bit;
 *   env_check_batch_of_one - a batch of one, seeded, equals the single env
 *                           seeded the same, across resets;
 *   env_check_seeding     - same seed, same episode; another seed, another;
 *   env_check_invalid_actions - NaN/inf (and, discrete, out-of-range or
 *                           fractional) actions are refused, nothing moves;
 *   env_check_resets      - start states lie in [lo, hi] and fill it.
 * Actions for the random checks are drawn from the whole action space and,
 * for continuous spaces, half its width beyond each bound (to be clipped). */
#ifndef CDRL_TEST_ENV_CHECK_H
#define CDRL_TEST_ENV_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cdrl/env.h"
#include "cdrl/rng.h"
#include "cdrl/run.h"

static int env_check_apply_single(void *env, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_env_set_option(env, key, value, err);
}

static int env_check_apply_vec(void *venv, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_vec_env_set_option(venv, key, value, err);
}

/* An env with options "key=value,..." (NULL for none), as a config gives them. */
static cdrl_env *env_check_make(const char *name, const char *options)
{
    cdrl_env *env = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_env_create(name, &env, &err), 0);
    if (options)
        assert_int_equal(cdrl_env_options_each(options, env_check_apply_single, env, &err), 0);
    return env;
}

static cdrl_vec_env *env_check_make_vec(const char *name, const char *options, int batch, uint64_t seed)
{
    cdrl_vec_env *venv = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_vec_env_create(name, batch, seed, &venv, &err), 0);
    if (options)
        assert_int_equal(cdrl_env_options_each(options, env_check_apply_vec, venv, &err), 0);
    return venv;
}

static __attribute__((unused)) int env_check_action_width(const cdrl_env_spec *spec)
{
    return spec->action_dim > 0 ? spec->action_dim : 1;
}

/* A random action from the space (continuous: also beyond its bounds). */
static __attribute__((unused)) void env_check_random_action(const cdrl_env_spec *spec, cdrl_rng *rng, double *action)
{
    if (spec->action_count > 0) {
        action[0] = (double)cdrl_rng_below(rng, (uint64_t)spec->action_count);
        return;
    }
    for (int d = 0; d < spec->action_dim; d++) {
        double lo = spec->action_low[d], hi = spec->action_high[d], w = hi - lo;
        action[d] = cdrl_rng_range(rng, lo - 0.5 * w, hi + 0.5 * w);
    }
}

/* Replays pinned trajectories: from each start, the env's state after every
 * step, the reward and the terminated flag must be the reference's, to the
 * bit. A terminated trajectory carries on from where it ended (set_state). */
static __attribute__((unused)) void env_check_pins(const char *name, int n_traj, int n_steps, int state_dim, const double *start,
                           const double *actions, const double *states, const double *rewards,
                           const unsigned char *terminated)
{
    cdrl_env *env = env_check_make(name, NULL);
    cdrl_error err = {0};
    assert_int_equal(cdrl_env_view_of(env).state_dim, state_dim);
    for (int k = 0; k < n_traj; k++) {
        assert_int_equal(cdrl_env_set_state(env, start + (size_t)k * state_dim, &err), 0);
        for (int t = 0; t < n_steps; t++) {
            size_t at = (size_t)k * n_steps + t;
            cdrl_step_result r;
            if (t > 0 && (terminated[at - 1] || cdrl_env_view_of(env).steps >= cdrl_env_spec_of(env)->max_episode_steps))
                assert_int_equal(cdrl_env_set_state(env, states + (at - 1) * state_dim, &err), 0);
            assert_int_equal(cdrl_env_step(env, actions + at, NULL, &r, &err), 0);
            const double *got = cdrl_env_view_of(env).state;
            for (int d = 0; d < state_dim; d++)
                if (memcmp(&got[d], &states[at * state_dim + d], sizeof(double)) != 0)
                    fail_msg("%s: trajectory %d step %d state[%d]: got %a, reference %a", name, k, t, d, got[d],
                             states[at * state_dim + d]);
            if (memcmp(&r.reward, &rewards[at], sizeof(double)) != 0)
                fail_msg("%s: trajectory %d step %d reward: got %a, reference %a", name, k, t, r.reward,
                         rewards[at]);
            if (r.terminated != terminated[at])
                fail_msg("%s: trajectory %d step %d terminated: got %d, reference %d", name, k, t,
                         r.terminated, terminated[at]);
        }
    }
    cdrl_env_free(env);
}

/* Every row of a batched step equals the single env stepped from that row's
 * previous state with the same action: observation (or final observation),
 * reward and terminated, to the bit. */
static __attribute__((unused)) void env_check_batch_rows(const char *name, const char *options, int batch, int steps)
{
    cdrl_error err = {0};
    cdrl_vec_env *venv = env_check_make_vec(name, options, batch, 12);
    cdrl_env *env = env_check_make(name, options);
    const cdrl_env_spec *spec = cdrl_vec_env_spec_of(venv);
    const int D = spec->obs_dim, W = env_check_action_width(spec);
    const int S = cdrl_env_view_of(env).state_dim;
    double *obs = calloc((size_t)batch * D, sizeof *obs), *final_obs = calloc((size_t)batch * D, sizeof *obs);
    double *prev = calloc((size_t)batch * S, sizeof *prev), *actions = calloc((size_t)batch * W, sizeof *actions);
    double *reward = calloc((size_t)batch, sizeof *reward);
    uint8_t *term = calloc((size_t)batch, 1), *trunc = calloc((size_t)batch, 1);
    assert_true(obs && final_obs && prev && actions && reward && term && trunc);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 6, 0);
    assert_int_equal(cdrl_vec_env_reset(venv, obs, &err), 0);
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < batch; i++) {
            memcpy(prev + (size_t)i * S, cdrl_vec_env_view_of(venv, i).state, (size_t)S * sizeof *prev);
            env_check_random_action(spec, &rng, actions + (size_t)i * W);
        }
        assert_int_equal(cdrl_vec_env_step(venv, actions, obs, reward, term, trunc, final_obs, &err), 0);
        for (int i = 0; i < batch; i++) {
            double single_obs[CDRL_ENV_MAX_DIM];
            cdrl_step_result r;
            assert_int_equal(cdrl_env_set_state(env, prev + (size_t)i * S, &err), 0);
            assert_int_equal(cdrl_env_step(env, actions + (size_t)i * W, single_obs, &r, &err), 0);
            const double *row = term[i] || trunc[i] ? final_obs + (size_t)i * D : obs + (size_t)i * D;
            assert_memory_equal(row, single_obs, (size_t)D * sizeof *row);
            assert_memory_equal(&reward[i], &r.reward, sizeof r.reward);
            assert_int_equal(term[i], r.terminated);
        }
    }
    free(obs), free(final_obs), free(prev), free(actions), free(reward), free(term), free(trunc);
    cdrl_env_free(env);
    cdrl_vec_env_free(venv);
}

/* A batch of one seeded s equals the single env seeded s, through resets. */
static __attribute__((unused)) void env_check_batch_of_one(const char *name, const char *options, int steps)
{
    cdrl_error err = {0};
    cdrl_vec_env *venv = env_check_make_vec(name, options, 1, 99);
    cdrl_env *env = env_check_make(name, options);
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    const int D = spec->obs_dim;
    double vobs[CDRL_ENV_MAX_DIM], sobs[CDRL_ENV_MAX_DIM], action[CDRL_ENV_MAX_DIM], reward;
    uint8_t term, trunc;
    int episodes = 0;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 4, 0);
    assert_int_equal(cdrl_vec_env_reset(venv, vobs, &err), 0);
    assert_int_equal(cdrl_env_reset_seeded(env, 99, sobs, &err), 0);
    assert_memory_equal(vobs, sobs, (size_t)D * sizeof *vobs);
    for (int t = 0; t < steps; t++) {
        env_check_random_action(spec, &rng, action);
        cdrl_step_result r;
        assert_int_equal(cdrl_vec_env_step(venv, action, vobs, &reward, &term, &trunc, NULL, &err), 0);
        assert_int_equal(cdrl_env_step(env, action, sobs, &r, &err), 0);
        assert_memory_equal(&reward, &r.reward, sizeof reward);
        assert_int_equal(term, r.terminated);
        assert_int_equal(trunc, r.truncated);
        if (r.terminated || r.truncated) {
            assert_int_equal(cdrl_env_reset(env, sobs, &err), 0);
            episodes++;
        }
        assert_memory_equal(vobs, sobs, (size_t)D * sizeof *vobs);
    }
    assert_true(episodes >= 2);
    cdrl_env_free(env);
    cdrl_vec_env_free(venv);
}

/* Runs `steps` steps from reset_seeded(seed) with fixed random actions,
 * writing every observation into trace (steps x D). */
static __attribute__((unused)) void env_check_run(cdrl_env *env, uint64_t seed, int steps, double *trace, int D)
{
    cdrl_error err = {0};
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 77, 0);
    double action[CDRL_ENV_MAX_DIM];
    assert_int_equal(cdrl_env_reset_seeded(env, seed, trace, &err), 0);
    for (int t = 1; t < steps; t++) {
        cdrl_step_result r;
        env_check_random_action(cdrl_env_spec_of(env), &rng, action);
        assert_int_equal(cdrl_env_step(env, action, trace + (size_t)t * D, &r, &err), 0);
        if (r.terminated || r.truncated)
            assert_int_equal(cdrl_env_reset(env, trace + (size_t)t * D, &err), 0);
    }
}

static __attribute__((unused)) void env_check_seeding(const char *name, const char *options)
{
    enum { T = 300 };
    cdrl_env *a = env_check_make(name, options), *b = env_check_make(name, options);
    const int D = cdrl_env_spec_of(a)->obs_dim;
    static double ta[T * CDRL_ENV_MAX_DIM], tb[T * CDRL_ENV_MAX_DIM];
    env_check_run(a, 5, T, ta, D);
    env_check_run(b, 5, T, tb, D);
    assert_memory_equal(ta, tb, (size_t)T * D * sizeof *ta);
    env_check_run(b, 6, T, tb, D);
    assert_true(memcmp(ta, tb, (size_t)D * sizeof *ta) != 0);
    cdrl_env_free(a);
    cdrl_env_free(b);
}

/* Invalid actions: an error naming the env, and the state, step count and
 * return as they were, in the single env and in a batch. */
static __attribute__((unused)) void env_check_invalid_actions(const char *name)
{
    cdrl_error err = {0};
    cdrl_env *env = env_check_make(name, NULL);
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    const int W = env_check_action_width(spec);
    double bad[8];
    int n_bad = 0;
    bad[n_bad++] = NAN;
    bad[n_bad++] = INFINITY;
    bad[n_bad++] = -INFINITY;
    if (spec->action_count > 0) {
        bad[n_bad++] = -1.0;
        bad[n_bad++] = (double)spec->action_count;
        bad[n_bad++] = 0.5;
    }
    double obs[CDRL_ENV_MAX_DIM], action[CDRL_ENV_MAX_DIM] = {0};
    assert_int_equal(cdrl_env_reset_seeded(env, 3, obs, &err), 0);
    cdrl_step_result r;
    assert_int_equal(cdrl_env_step(env, action, obs, &r, &err), 0);
    cdrl_env_view before = cdrl_env_view_of(env);
    double state[CDRL_ENV_MAX_DIM];
    memcpy(state, before.state, (size_t)before.state_dim * sizeof *state);
    for (int k = 0; k < n_bad; k++)
        for (int d = 0; d < W; d++) {
            memset(action, 0, sizeof action);
            action[d] = bad[k];
            assert_int_equal(cdrl_env_step(env, action, obs, &r, &err), CDRL_EINVAL);
            assert_non_null(strstr(err.msg, name));
            assert_non_null(strstr(err.msg, "invalid action"));
            cdrl_env_view after = cdrl_env_view_of(env);
            assert_memory_equal(after.state, state, (size_t)after.state_dim * sizeof *state);
            assert_int_equal(after.steps, before.steps);
            assert_memory_equal(&after.episode_return, &before.episode_return, sizeof(double));
        }
    cdrl_env_free(env);

    enum { B = 5 };
    cdrl_vec_env *venv = env_check_make_vec(name, NULL, B, 3);
    double vobs[B * CDRL_ENV_MAX_DIM], actions[B * CDRL_ENV_MAX_DIM] = {0}, reward[B];
    uint8_t term[B], trunc[B];
    assert_int_equal(cdrl_vec_env_reset(venv, vobs, &err), 0);
    double s0[CDRL_ENV_MAX_DIM];
    memcpy(s0, cdrl_vec_env_view_of(venv, 0).state, sizeof s0);
    for (int k = 0; k < n_bad; k++) {
        actions[3 * W] = bad[k];
        assert_int_equal(cdrl_vec_env_step(venv, actions, vobs, reward, term, trunc, NULL, &err), CDRL_EINVAL);
        assert_non_null(strstr(err.msg, "(env 3 of the batch)"));
        cdrl_env_view v = cdrl_vec_env_view_of(venv, 0);
        assert_memory_equal(v.state, s0, (size_t)v.state_dim * sizeof *s0);
        assert_int_equal(v.steps, 0);
    }
    cdrl_vec_env_free(venv);
}

/* n resets: every start component d lies in [lo[d], hi[d]], and the draws
 * reach within a tenth of the width of both ends (where lo < hi). */
static __attribute__((unused)) void env_check_resets(const char *name, const double *lo, const double *hi, int n)
{
    cdrl_error err = {0};
    cdrl_env *env = env_check_make(name, NULL);
    const int S = cdrl_env_view_of(env).state_dim;
    double min[CDRL_ENV_MAX_DIM], max[CDRL_ENV_MAX_DIM];
    for (int d = 0; d < S; d++)
        min[d] = INFINITY, max[d] = -INFINITY;
    assert_int_equal(cdrl_env_reset_seeded(env, 1, NULL, &err), 0);
    for (int k = 0; k < n; k++) {
        assert_int_equal(cdrl_env_reset(env, NULL, &err), 0);
        const double *s = cdrl_env_view_of(env).state;
        for (int d = 0; d < S; d++) {
            if (!(s[d] >= lo[d] && s[d] <= hi[d]))
                fail_msg("%s: reset %d: state[%d] = %.17g outside [%g, %g]", name, k, d, s[d], lo[d], hi[d]);
            min[d] = fmin(min[d], s[d]);
            max[d] = fmax(max[d], s[d]);
        }
    }
    for (int d = 0; d < S; d++) {
        double tenth = 0.1 * (hi[d] - lo[d]);
        assert_true(min[d] <= lo[d] + tenth);
        assert_true(max[d] >= hi[d] - tenth);
    }
    cdrl_env_free(env);
}

#endif
