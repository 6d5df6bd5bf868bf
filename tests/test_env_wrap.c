/* The wrappers every env takes as options (envs/env_wrap.c): observation
 * masking, observation noise, action repeat, time limit. Each is checked
 * against the unwrapped env run side by side, for its errors, and wrapped
 * batches against wrapped single envs. */
#include "env_check.h"

static void step_ok(cdrl_env *env, double action, double *obs, cdrl_step_result *r)
{
    cdrl_error err = {0};
    assert_int_equal(cdrl_env_step(env, &action, obs, r, &err), 0);
}

/* obs_mask=1:3 on cartpole: the observation is (x, theta) of the same run. */
static void mask_leaves_components_out(void **state)
{
    (void)state;
    cdrl_env *plain = env_check_make("cartpole", NULL), *masked = env_check_make("cartpole", "obs_mask=1:3");
    cdrl_error err = {0};
    const cdrl_env_spec *spec = cdrl_env_spec_of(masked);
    assert_int_equal(spec->obs_dim, 2);
    assert_int_equal(spec->obs_hidden, (1u << 1) | (1u << 3));
    assert_true(spec->obs_high[0] == cdrl_env_spec_of(plain)->obs_high[0]);
    assert_true(spec->obs_high[1] == cdrl_env_spec_of(plain)->obs_high[2]);
    assert_int_equal(cdrl_env_spec_of(plain)->obs_dim, 4);
    double full[4], part[4] = {0, 0, 7, 7};
    assert_int_equal(cdrl_env_reset_seeded(plain, 3, full, &err), 0);
    assert_int_equal(cdrl_env_reset_seeded(masked, 3, part, &err), 0);
    for (int t = 0; t < 8; t++) {
        assert_true(part[0] == full[0] && part[1] == full[2]);
        assert_true(part[2] == 7 && part[3] == 7); /* nothing written past obs_dim */
        cdrl_step_result r1, r2;
        step_ok(plain, t & 1, full, &r1);
        step_ok(masked, t & 1, part, &r2);
        assert_true(r1.reward == r2.reward);
    }
    /* "none" shows everything again */
    assert_int_equal(cdrl_env_set_option(masked, "obs_mask", "none", &err), 0);
    assert_int_equal(cdrl_env_spec_of(masked)->obs_dim, 4);
    assert_int_equal(cdrl_env_spec_of(masked)->obs_hidden, 0);
    cdrl_env_free(plain);
    cdrl_env_free(masked);
}

/* Each bad value is refused with a message naming the option, and changes
 * nothing. */
static void bad_wrapper_values_change_nothing(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"obs_mask", "4"},       {"obs_mask", "1:"},     {"obs_mask", "0:1:2:3"}, {"obs_mask", "x"},
        {"obs_mask", "-1"},      {"obs_noise", "-0.1"},  {"obs_noise", "nan"},    {"obs_noise", "1e400"},
        {"obs_noise", "abc"},    {"action_repeat", "0"}, {"action_repeat", "1.5"}, {"action_repeat", "1001"},
        {"time_limit", "0"},     {"time_limit", "-3"},   {"time_limit", "ten"},
    };
    cdrl_env *env = env_check_make("cartpole", "obs_mask=1,action_repeat=2");
    cdrl_error err = {0};
    cdrl_env_spec before = *cdrl_env_spec_of(env);
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(cdrl_env_set_option(env, bad[k][0], bad[k][1], &err), CDRL_EINVAL);
        char want[64];
        snprintf(want, sizeof want, "cartpole: option %s: '%s'", bad[k][0], bad[k][1]);
        assert_non_null(strstr(err.msg, want));
        assert_true(strstr(err.msg, "is invalid") || strstr(err.msg, "hides every"));
        assert_memory_equal(cdrl_env_spec_of(env), &before, sizeof before);
    }
    assert_int_equal(cdrl_env_set_option(env, "frob", "1", &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "wrapper options: obs_mask, obs_noise, action_repeat, time_limit"));
    cdrl_env_free(env);
}

/* obs_noise: the dynamics and the start states are the clean run's; the
 * observation differs from it by N(0, s^2) noise, reproducible by seed. */
static void noise_is_gaussian_and_leaves_the_dynamics(void **state)
{
    (void)state;
    const double sigma = 0.1;
    cdrl_env *plain = env_check_make("pendulum", NULL), *noisy = env_check_make("pendulum", "obs_noise=0.1");
    cdrl_env *again = env_check_make("pendulum", "obs_noise=0.1");
    cdrl_error err = {0};
    double clean[3], obs[3], obs2[3];
    double sum = 0, sq = 0;
    int n = 0;
    for (int e = 0; e < 20; e++) {
        assert_int_equal(cdrl_env_reset_seeded(plain, (uint64_t)e, clean, &err), 0);
        assert_int_equal(cdrl_env_reset_seeded(noisy, (uint64_t)e, obs, &err), 0);
        assert_int_equal(cdrl_env_reset_seeded(again, (uint64_t)e, obs2, &err), 0);
        for (int t = 0; t < 200; t++) {
            assert_memory_equal(obs, obs2, sizeof obs);
            assert_memory_equal(cdrl_env_view_of(plain).state, cdrl_env_view_of(noisy).state, 2 * sizeof(double));
            for (int d = 0; d < 3; d++) {
                double z = obs[d] - clean[d];
                sum += z, sq += z * z, n++;
            }
            cdrl_step_result r1, r2, r3;
            double u = 0.01 * t - 1.0;
            step_ok(plain, u, clean, &r1);
            step_ok(noisy, u, obs, &r2);
            step_ok(again, u, obs2, &r3);
            assert_true(r1.reward == r2.reward); /* the reward is the clean state's */
        }
    }
    double mean = sum / n, sd = sqrt(sq / n - mean * mean);
    assert_true(fabs(mean) < 0.005);
    assert_true(fabs(sd - sigma) < 0.005);
    cdrl_env_free(plain);
    cdrl_env_free(noisy);
    cdrl_env_free(again);
}

/* action_repeat=3: one step is three steps of the plain env with the same
 * action, rewards summed in order; the limit counts env steps. */
static void repeat_is_k_plain_steps(void **state)
{
    (void)state;
    cdrl_env *plain = env_check_make("pendulum", NULL), *rep = env_check_make("pendulum", "action_repeat=3");
    cdrl_error err = {0};
    assert_int_equal(cdrl_env_spec_of(rep)->max_episode_steps, 67); /* ceil(200 / 3) */
    double o1[3], o2[3];
    assert_int_equal(cdrl_env_reset_seeded(plain, 5, o1, &err), 0);
    assert_int_equal(cdrl_env_reset_seeded(rep, 5, o2, &err), 0);
    for (int t = 1; t <= 67; t++) {
        double u = 0.7 * ((t % 5) - 2), sum = 0.0;
        cdrl_step_result r, rr;
        int k;
        for (k = 0; k < 3; k++) {
            step_ok(plain, u, o1, &r);
            sum = k == 0 ? r.reward : sum + r.reward;
            if (r.truncated)
                break;
        }
        step_ok(rep, u, o2, &rr);
        assert_memory_equal(o1, o2, sizeof o1);
        assert_memory_equal(&sum, &rr.reward, sizeof sum);
        assert_int_equal(rr.truncated, t == 67);
        assert_int_equal(r.truncated, t == 67); /* env step 200 */
        assert_int_equal(cdrl_env_view_of(rep).steps, t);
    }
    cdrl_env_free(plain);
    cdrl_env_free(rep);
}

/* The repeat stops at the step that terminates. */
static void repeat_stops_at_termination(void **state)
{
    (void)state;
    cdrl_env *plain = env_check_make("mountaincar", NULL), *rep = env_check_make("mountaincar", "action_repeat=4");
    cdrl_error err = {0};
    const double s[2] = {0.49, 0.02};
    assert_int_equal(cdrl_env_set_state(plain, s, &err), 0);
    assert_int_equal(cdrl_env_set_state(rep, s, &err), 0);
    cdrl_step_result r1, r2;
    double o1[2], o2[2];
    step_ok(plain, 2, o1, &r1);
    step_ok(rep, 2, o2, &r2);
    assert_int_equal(r1.terminated, 1);
    assert_int_equal(r2.terminated, 1);
    assert_memory_equal(o1, o2, sizeof o1);
    assert_true(r2.reward == -1.0);
    cdrl_env_free(plain);
    cdrl_env_free(rep);
}

/* time_limit=N truncates at env step N, alone and with a repeat. */
static void time_limit_truncates(void **state)
{
    (void)state;
    static const struct {
        const char *options;
        int agent_steps;
    } cases[] = {{"time_limit=50", 50}, {"time_limit=10,action_repeat=4", 3}, {"time_limit=1000", 1000}};
    for (int c = 0; c < 3; c++) {
        cdrl_env *env = env_check_make("pendulum", cases[c].options);
        cdrl_error err = {0};
        assert_int_equal(cdrl_env_spec_of(env)->max_episode_steps, cases[c].agent_steps);
        double obs[3];
        cdrl_step_result r;
        assert_int_equal(cdrl_env_reset_seeded(env, 1, obs, &err), 0);
        for (int t = 1; t <= cases[c].agent_steps; t++) {
            step_ok(env, 0.5, obs, &r);
            assert_int_equal(r.truncated, t == cases[c].agent_steps);
        }
        double u = 0.5;
        assert_int_equal(cdrl_env_step(env, &u, obs, &r, &err), CDRL_ESTATE);
        assert_non_null(strstr(err.msg, "time limit"));
        cdrl_env_free(env);
    }
}

/* A wrapped batch of one is the wrapped single env, through resets, with
 * the noise; and without noise, every row of a wrapped batch is the wrapped
 * single env from the same state. */
static void wrapped_batch_equals_single(void **state)
{
    (void)state;
    env_check_batch_of_one("cartpole", "obs_mask=1:3,obs_noise=0.05,action_repeat=2,time_limit=60", 600);
    env_check_batch_of_one("pendulum", "obs_noise=0.2,action_repeat=3", 600);
    env_check_batch_of_one("acrobot", "obs_mask=4:5,time_limit=30", 300);
    env_check_batch_rows("mountaincar-continuous", "obs_mask=1,action_repeat=5,time_limit=100", 37, 40);
    env_check_seeding("cartpole-swingup", "obs_noise=0.01,action_repeat=2");
}

/* The planner's scorer on masked observations: cartpole without velocities
 * still scores exactly (it needs x and theta only); pendulum without its
 * speed cannot, and says so with NaN. */
static void model_reward_with_mask(void **state)
{
    (void)state;
    cdrl_env *plain = env_check_make("cartpole", NULL), *masked = env_check_make("cartpole", "obs_mask=1:3");
    const float full[2][4] = {{0.1f, 0.5f, 0.05f, -0.2f}, {2.5f, 0.0f, 0.0f, 0.0f}};
    const float part[2][2] = {{0.1f, 0.05f}, {2.5f, 0.0f}};
    const float actions[2] = {1, 0};
    float r_full[2], r_part[2];
    uint8_t t_full[2], t_part[2];
    cdrl_env_model_reward(cdrl_env_spec_of(plain), 2, &full[0][0], actions, &full[0][0], r_full, t_full);
    cdrl_env_model_reward(cdrl_env_spec_of(masked), 2, &part[0][0], actions, &part[0][0], r_part, t_part);
    assert_memory_equal(r_full, r_part, sizeof r_full);
    assert_memory_equal(t_full, t_part, sizeof t_full);
    assert_int_equal(t_part[1], 1);
    cdrl_env_free(plain);
    cdrl_env_free(masked);

    cdrl_env *pend = env_check_make("pendulum", "obs_mask=2");
    const float o[2] = {1.0f, 0.0f}, a = 0.0f;
    float reward;
    uint8_t term;
    cdrl_env_model_reward(cdrl_env_spec_of(pend), 1, o, &a, o, &reward, &term);
    assert_true(isnan(reward));
    cdrl_env_free(pend);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mask_leaves_components_out),
        cmocka_unit_test(bad_wrapper_values_change_nothing),
        cmocka_unit_test(noise_is_gaussian_and_leaves_the_dynamics),
        cmocka_unit_test(repeat_is_k_plain_steps),
        cmocka_unit_test(repeat_stops_at_termination),
        cmocka_unit_test(time_limit_truncates),
        cmocka_unit_test(wrapped_batch_equals_single),
        cmocka_unit_test(model_reward_with_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
