/* Tests of the batched env: a batch of one replays the single env bit for
 * bit, every env of a larger batch follows the physics and resets itself,
 * threads do not change the numbers, episode statistics, and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cartpole_reference.h"
#include "cdrl/env.h"
#include "cdrl/rng.h"

static cdrl_vec_env *make_vec(const char *name, int batch, uint64_t seed, const char *integrator)
{
    cdrl_vec_env *venv = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_vec_env_create(name, batch, seed, &venv, &err), 0);
    if (integrator)
        assert_int_equal(cdrl_vec_env_set_option(venv, "integrator", integrator, &err), 0);
    return venv;
}

/* B = 1 against the single env seeded the same, over many episodes with
 * random actions: observations, rewards, flags, final observations and
 * episode statistics all identical. */
static void batch_of_one_equals_single(const char *name, const char *integrator)
{
    cdrl_error err = {0};
    cdrl_vec_env *venv = make_vec(name, 1, 77, integrator);
    cdrl_env *env = NULL;
    assert_int_equal(cdrl_env_create(name, &env, &err), 0);
    if (integrator)
        assert_int_equal(cdrl_env_set_option(env, "integrator", integrator, &err), 0);
    double vobs[4], sobs[4], final_obs[4], reward;
    uint8_t term, trunc;
    assert_int_equal(cdrl_vec_env_reset(venv, vobs, &err), 0);
    assert_int_equal(cdrl_env_reset_seeded(env, 77, sobs, &err), 0);
    assert_memory_equal(vobs, sobs, sizeof vobs);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 1, 0);
    int terminated = 0, truncated = 0;
    for (int t = 0; t < 6000; t++) {
        /* Episodes alternate between balanced ones, which reach the time
         * limit, and random ones, which fall. */
        int balanced = (terminated + truncated) % 2 == 0;
        double action = balanced ? reference_cartpole_balance(sobs) : (double)cdrl_rng_below(&rng, 2);
        cdrl_step_result r;
        assert_int_equal(cdrl_vec_env_step(venv, &action, vobs, &reward, &term, &trunc, final_obs, &err), 0);
        assert_int_equal(cdrl_env_step(env, &action, sobs, &r, &err), 0);
        assert_true(reward == r.reward);
        assert_int_equal(term, r.terminated);
        assert_int_equal(trunc, r.truncated);
        if (r.terminated || r.truncated) {
            assert_memory_equal(final_obs, sobs, sizeof sobs);
            double ret;
            int len;
            cdrl_vec_env_episode_stats(venv, 0, &ret, &len);
            cdrl_env_view view = cdrl_env_view_of(env);
            assert_int_equal(len, view.steps);
            assert_true(ret == view.episode_return);
            assert_int_equal(cdrl_env_reset(env, sobs, &err), 0);
            terminated += r.terminated;
            truncated += r.truncated;
        }
        assert_memory_equal(vobs, sobs, sizeof vobs);
    }
    assert_true(terminated >= 5 && truncated >= 5);
    cdrl_vec_env_free(venv);
    cdrl_env_free(env);
}

static void batch_of_one_equals_single_euler(void **state)
{
    (void)state;
    batch_of_one_equals_single("cartpole", NULL);
}

static void batch_of_one_equals_single_semi_implicit(void **state)
{
    (void)state;
    batch_of_one_equals_single("cartpole-v0", "semi-implicit");
}

/* Every env of a batch of 300 (more than one tile) moves as the physics says
 * from its previous observation, or, when its episode ended, hands back the
 * final observation that the physics predicts and starts afresh inside the
 * reset box. Episode statistics count the steps between resets. */
static void every_env_follows_physics(void **state)
{
    (void)state;
    enum { B = 300 };
    cdrl_error err = {0};
    cdrl_vec_env *venv = make_vec("cartpole", B, 5, NULL);
    assert_int_equal(cdrl_vec_env_batch(venv), B);
    double *obs = malloc(B * 4 * sizeof *obs), *prev = malloc(B * 4 * sizeof *prev);
    double *final_obs = malloc(B * 4 * sizeof *final_obs), *actions = malloc(B * sizeof *actions);
    double *reward = malloc(B * sizeof *reward);
    uint8_t *term = malloc(B), *trunc = malloc(B);
    int *length = calloc(B, sizeof *length);
    assert_int_equal(cdrl_vec_env_reset(venv, obs, &err), 0);
    /* Different envs draw different starts (their own streams). */
    assert_memory_not_equal(obs, obs + 4, 4 * sizeof *obs);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 2, 0);
    int ended = 0;
    for (int t = 0; t < 300; t++) {
        memcpy(prev, obs, B * 4 * sizeof *obs);
        for (int i = 0; i < B; i++)
            actions[i] = (double)cdrl_rng_below(&rng, 2);
        assert_int_equal(cdrl_vec_env_step(venv, actions, obs, reward, term, trunc, final_obs, &err), 0);
        for (int i = 0; i < B; i++) {
            reference_cartpole from = {prev[4 * i], prev[4 * i + 1], prev[4 * i + 2], prev[4 * i + 3]};
            reference_cartpole want = reference_cartpole_step(from, (int)actions[i], 0);
            const double *moved = term[i] || trunc[i] ? final_obs + 4 * i : obs + 4 * i;
            assert_true(fabs(moved[0] - want.x) < 1e-12 && fabs(moved[1] - want.x_dot) < 1e-12 &&
                        fabs(moved[2] - want.theta) < 1e-12 && fabs(moved[3] - want.theta_dot) < 1e-12);
            assert_int_equal(term[i], reference_cartpole_ended(want));
            assert_true(reward[i] == 1.0);
            length[i]++;
            if (term[i] || trunc[i]) {
                for (int d = 0; d < 4; d++)
                    assert_true(obs[4 * i + d] >= -0.05 && obs[4 * i + d] < 0.05);
                double ret;
                int len;
                cdrl_vec_env_episode_stats(venv, i, &ret, &len);
                assert_int_equal(len, length[i]);
                assert_true(ret == length[i]);
                length[i] = 0;
                ended++;
            }
        }
    }
    /* Random actions end an episode every twenty-odd steps. */
    assert_true(ended > B * 5);
    free(obs);
    free(prev);
    free(final_obs);
    free(actions);
    free(reward);
    free(term);
    free(trunc);
    free(length);
    cdrl_vec_env_free(venv);
}

/* The batch kernel (blocks, vector lanes) and the single env (one cart,
 * scalar) must give the same bits for the same state and action: each row
 * of a batch step is replayed through a single env set to the row's state. */
static void batch_rows_equal_single_steps_bitwise(void **state)
{
    (void)state;
    enum { B = 131 }; /* two full blocks of 64 and a ragged tail */
    static const char *const integrators[] = {"euler", "semi-implicit"};
    for (int g = 0; g < 2; g++) {
        cdrl_error err = {0};
        cdrl_vec_env *venv = make_vec("cartpole", B, 12, integrators[g]);
        cdrl_env *env = NULL;
        assert_int_equal(cdrl_env_create("cartpole", &env, &err), 0);
        assert_int_equal(cdrl_env_set_option(env, "integrator", integrators[g], &err), 0);
        static double obs[B * 4], prev[B * 4], final_obs[B * 4], actions[B], reward[B];
        uint8_t term[B], trunc[B];
        cdrl_rng rng;
        cdrl_rng_seed(&rng, 6, 0);
        assert_int_equal(cdrl_vec_env_reset(venv, obs, &err), 0);
        for (int t = 0; t < 60; t++) {
            memcpy(prev, obs, sizeof obs);
            for (int i = 0; i < B; i++)
                actions[i] = (double)cdrl_rng_below(&rng, 2);
            assert_int_equal(cdrl_vec_env_step(venv, actions, obs, reward, term, trunc, final_obs, &err), 0);
            for (int i = 0; i < B; i++) {
                double single_obs[4];
                cdrl_step_result r;
                assert_int_equal(cdrl_env_set_state(env, prev + 4 * i, &err), 0);
                assert_int_equal(cdrl_env_step(env, &actions[i], single_obs, &r, &err), 0);
                const double *row = term[i] || trunc[i] ? final_obs + 4 * i : obs + 4 * i;
                assert_memory_equal(row, single_obs, sizeof single_obs);
                assert_int_equal(term[i], r.terminated);
            }
        }
        cdrl_env_free(env);
        cdrl_vec_env_free(venv);
    }
}

/* With final_obs NULL the step still works, and the time limit truncates in
 * the batch with terminated false. */
static void truncation_in_batch(void **state)
{
    (void)state;
    enum { B = 3 };
    cdrl_error err = {0};
    cdrl_vec_env *venv = make_vec("cartpole-v0", B, 8, NULL);
    double obs[B * 4], actions[B], reward[B];
    uint8_t term[B], trunc[B];
    assert_int_equal(cdrl_vec_env_reset(venv, obs, &err), 0);
    int truncated_at = 0;
    for (int t = 1; t <= 200; t++) {
        for (int i = 0; i < B; i++)
            actions[i] = reference_cartpole_balance(obs + 4 * i);
        assert_int_equal(cdrl_vec_env_step(venv, actions, obs, reward, term, trunc, NULL, &err), 0);
        for (int i = 0; i < B; i++) {
            assert_false(term[i]);
            if (trunc[i])
                truncated_at = t;
        }
    }
    assert_int_equal(truncated_at, 200);
    for (int i = 0; i < B; i++) {
        double ret;
        int len;
        cdrl_vec_env_episode_stats(venv, i, &ret, &len);
        assert_int_equal(len, 200);
        assert_true(ret == 200.0);
    }
    cdrl_vec_env_free(venv);
}

/* Runs a batch for `steps` with actions from a fixed stream and returns every
 * observation it produced (steps x batch x 4, caller frees), to compare runs. */
static double *run_batch(int batch, int threads, int steps)
{
    cdrl_error err = {0};
    cdrl_vec_env *venv = make_vec("cartpole", batch, 21, NULL);
    assert_int_equal(cdrl_vec_env_set_threads(venv, threads, &err), 0);
    size_t row = (size_t)batch * 4;
    double *trace = malloc((size_t)steps * row * sizeof *trace);
    double *actions = malloc((size_t)batch * sizeof *actions), *reward = malloc((size_t)batch * sizeof *reward);
    uint8_t *term = malloc((size_t)batch), *trunc = malloc((size_t)batch);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 4, 0);
    assert_int_equal(cdrl_vec_env_reset(venv, trace, &err), 0);
    for (int t = 1; t < steps; t++) {
        for (int i = 0; i < batch; i++)
            actions[i] = (double)cdrl_rng_below(&rng, 2);
        assert_int_equal(cdrl_vec_env_step(venv, actions, trace + t * row, reward, term, trunc, NULL, &err), 0);
    }
    free(actions);
    free(reward);
    free(term);
    free(trunc);
    cdrl_vec_env_free(venv);
    return trace;
}

static void threads_do_not_change_numbers(void **state)
{
    (void)state;
    enum { B = 4096, STEPS = 60 };
    double *one = run_batch(B, 1, STEPS), *two = run_batch(B, 2, STEPS), *four = run_batch(B, 4, STEPS);
    assert_memory_equal(one, two, (size_t)STEPS * B * 4 * sizeof *one);
    assert_memory_equal(one, four, (size_t)STEPS * B * 4 * sizeof *one);
    free(one);
    free(two);
    free(four);
    /* A small batch asked for threads runs on the caller's thread, same numbers. */
    double *small1 = run_batch(64, 1, 20), *small2 = run_batch(64, 2, 20);
    assert_memory_equal(small1, small2, 20 * 64 * 4 * sizeof *small1);
    free(small1);
    free(small2);
}

static void errors_say_what_and_step_nothing(void **state)
{
    (void)state;
    cdrl_error err = {0};
    cdrl_vec_env *venv = NULL;
    assert_int_equal(cdrl_vec_env_create("pong", 4, 0, &venv, &err), CDRL_EINVAL);
    assert_null(venv);
    assert_string_equal(err.msg, "unknown env 'pong'; known envs: cartpole, cartpole-v0, pendulum, mountaincar, mountaincar-continuous, acrobot, cartpole-swingup");
    assert_int_equal(cdrl_vec_env_create("cartpole", 0, 0, &venv, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "cartpole: batch size 0 is invalid; accepted: >= 1");

    enum { B = 4 };
    cdrl_vec_env *a = make_vec("cartpole", B, 3, NULL), *b = make_vec("cartpole", B, 3, NULL);
    assert_int_equal(cdrl_vec_env_set_option(a, "integrator", "verlet", &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "unknown value 'verlet'"));
    assert_int_equal(cdrl_vec_env_set_option(a, "mass", "2", &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "unknown option 'mass'"));
    assert_int_equal(cdrl_vec_env_set_threads(a, 0, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "cartpole: 0 threads is invalid; accepted: 1 to 256");

    double obs_a[B * 4], obs_b[B * 4], reward[B], actions[B] = {0, 1, 1, 0};
    uint8_t term[B], trunc[B];
    assert_int_equal(cdrl_vec_env_step(a, actions, obs_a, reward, term, trunc, NULL, &err), CDRL_ESTATE);
    assert_string_equal(err.msg, "cartpole: batched step before the first reset; call cdrl_vec_env_reset first");
    assert_int_equal(cdrl_vec_env_reset(a, obs_a, &err), 0);
    assert_int_equal(cdrl_vec_env_reset(b, obs_b, &err), 0);

    /* One bad action anywhere: an error naming it, and no env moved. */
    actions[3] = 2.0;
    assert_int_equal(cdrl_vec_env_step(a, actions, obs_a, reward, term, trunc, NULL, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "cartpole: invalid action 2 (env 3 of the batch); accepted: an integer in [0, 1]");
    actions[3] = 0.0;
    assert_int_equal(cdrl_vec_env_step(a, actions, NULL, reward, term, trunc, NULL, &err), CDRL_EINVAL);
    for (int t = 0; t < 30; t++) {
        assert_int_equal(cdrl_vec_env_step(a, actions, obs_a, reward, term, trunc, NULL, &err), 0);
        assert_int_equal(cdrl_vec_env_step(b, actions, obs_b, reward, term, trunc, NULL, &err), 0);
        assert_memory_equal(obs_a, obs_b, sizeof obs_a);
    }
    cdrl_vec_env_free(a);
    cdrl_vec_env_free(b);
    cdrl_vec_env_free(NULL);
}

/* The view of env i is env i's state (for CartPole the observation), its
 * episode counters, and the same drawing constants as a single env's view. */
static void view_of_one_env_in_a_batch(void **state)
{
    (void)state;
    enum { B = 5 };
    cdrl_vec_env *venv = make_vec("cartpole", B, 11, NULL);
    cdrl_error err = {0};
    double obs[B * 4], reward[B], actions[B] = {0, 1, 1, 0, 1};
    uint8_t term[B], trunc[B];
    assert_int_equal(cdrl_vec_env_reset(venv, obs, &err), 0);
    for (int t = 0; t < 3; t++)
        assert_int_equal(cdrl_vec_env_step(venv, actions, obs, reward, term, trunc, NULL, &err), 0);
    cdrl_env *single = NULL;
    assert_int_equal(cdrl_env_create("cartpole", &single, &err), 0);
    cdrl_env_view ref = cdrl_env_view_of(single);
    for (int i = 0; i < B; i++) {
        cdrl_env_view v = cdrl_vec_env_view_of(venv, i);
        assert_string_equal(v.kind, "cartpole");
        assert_int_equal(v.state_dim, 4);
        for (int d = 0; d < 4; d++)
            assert_true(v.state[d] == obs[i * 4 + d]);
        assert_int_equal(v.n_params, ref.n_params);
        for (int k = 0; k < v.n_params; k++)
            assert_true(v.params[k] == ref.params[k]);
        assert_int_equal(v.steps, 3);
        assert_true(v.episode_return == 3.0);
        assert_true(isnan(v.last_action));
    }
    cdrl_env_free(single);
    cdrl_vec_env_free(venv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_of_one_equals_single_euler),
        cmocka_unit_test(batch_of_one_equals_single_semi_implicit),
        cmocka_unit_test(every_env_follows_physics),
        cmocka_unit_test(batch_rows_equal_single_steps_bitwise),
        cmocka_unit_test(truncation_in_batch),
        cmocka_unit_test(threads_do_not_change_numbers),
        cmocka_unit_test(errors_say_what_and_step_nothing),
        cmocka_unit_test(view_of_one_env_in_a_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
