/* Acrobot (envs/acrobot.c) against Gymnasium's Acrobot-v1: pinned reference
 * trajectories (one RK4 step of the "book" dynamics, wrap and bound), the
 * wrap and speed bounds at both edges, the termination rule on both sides of
 * its line, the time limit, resets, batches, seeding, bad actions. */
#include "env_check.h"
#include "acrobot_pins.h"

static const double PI = 3.141592653589793;

static void pinned_reference_trajectories(void **state)
{
    (void)state;
    env_check_pins("acrobot", ACROBOT_PIN_TRAJ, ACROBOT_PIN_STEPS, 4, &acrobot_pin_start[0][0],
                   &acrobot_pin_action[0][0], &acrobot_pin_state[0][0][0], &acrobot_pin_reward[0][0],
                   &acrobot_pin_terminated[0][0]);
}

/* The pins reach both speed bounds exactly, from both sides, so their
 * agreement covers the clips' edges. */
static void pins_cover_both_speed_bounds(void **state)
{
    (void)state;
    int hits[4] = {0};
    for (int k = 0; k < ACROBOT_PIN_TRAJ; k++)
        for (int t = 0; t < ACROBOT_PIN_STEPS; t++) {
            const double *s = acrobot_pin_state[k][t];
            hits[0] += s[2] == 4 * PI;
            hits[1] += s[2] == -4 * PI;
            hits[2] += s[3] == 9 * PI;
            hits[3] += s[3] == -9 * PI;
        }
    for (int i = 0; i < 4; i++)
        assert_true(hits[i] > 0);
}

/* Over many random steps: angles wrapped into [-pi, pi], speeds within the
 * bounds, terminated exactly when -cos t1 - cos(t2 + t1) > 1 (with cases on
 * both sides close to the line), reward 0 then and -1 otherwise. */
static void wrap_bounds_and_termination_rule(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make("acrobot", NULL);
    cdrl_error err = {0};
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 8, 0);
    int near_above = 0, near_below = 0, wrapped = 0;
    for (int k = 0; k < 3000; k++) {
        double s[4] = {cdrl_rng_range(&rng, -PI, PI), cdrl_rng_range(&rng, -PI, PI),
                       cdrl_rng_range(&rng, -4 * PI, 4 * PI), cdrl_rng_range(&rng, -9 * PI, 9 * PI)};
        double a = (double)cdrl_rng_below(&rng, 3);
        cdrl_step_result r;
        assert_int_equal(cdrl_env_set_state(env, s, &err), 0);
        assert_int_equal(cdrl_env_step(env, &a, NULL, &r, &err), 0);
        const double *n = cdrl_env_view_of(env).state;
        assert_true(n[0] >= -PI && n[0] <= PI && n[1] >= -PI && n[1] <= PI);
        assert_true(fabs(n[2]) <= 4 * PI && fabs(n[3]) <= 9 * PI);
        double height = -cos(n[0]) - cos(n[1] + n[0]);
        assert_int_equal(r.terminated, height > 1.0);
        assert_true(r.reward == (r.terminated ? 0.0 : -1.0));
        near_above += height > 1.0 && height < 1.05;
        near_below += height <= 1.0 && height > 0.95;
        wrapped += fabs(s[0] + s[2] * 0.2) > PI;
    }
    assert_true(near_above > 5 && near_below > 5 && wrapped > 100);
    cdrl_env_free(env);
}

static void truncates_at_500(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make("acrobot", NULL);
    cdrl_error err = {0};
    double obs[6], a = 1.0;
    cdrl_step_result r;
    assert_int_equal(cdrl_env_reset_seeded(env, 2, obs, &err), 0);
    for (int t = 1; t <= 500; t++) {
        assert_int_equal(cdrl_env_step(env, &a, obs, &r, &err), 0);
        assert_int_equal(r.terminated, 0);
        assert_int_equal(r.truncated, t == 500);
        const double *s = cdrl_env_view_of(env).state;
        assert_true(obs[0] == cos(s[0]) && obs[1] == sin(s[0]) && obs[2] == cos(s[1]) && obs[3] == sin(s[1]));
        assert_true(obs[4] == s[2] && obs[5] == s[3]);
    }
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    assert_int_equal(spec->obs_dim, 6);
    assert_int_equal(spec->action_count, 3);
    assert_true(spec->solved_threshold == -100.0);
    cdrl_env_free(env);
}

/* Starts in [-0.1, 0.1]^4, each a float32 value as the reference's. */
static void resets_in_documented_box(void **state)
{
    (void)state;
    env_check_resets("acrobot", (double[]){-0.1, -0.1, -0.1, -0.1}, (double[]){0.1, 0.1, 0.1, 0.1}, 4000);
    cdrl_env *env = env_check_make("acrobot", NULL);
    cdrl_error err = {0};
    for (int k = 0; k < 100; k++) {
        assert_int_equal(cdrl_env_reset_seeded(env, (uint64_t)k, NULL, &err), 0);
        const double *s = cdrl_env_view_of(env).state;
        for (int d = 0; d < 4; d++)
            assert_true(s[d] == (double)(float)s[d]);
    }
    cdrl_env_free(env);
}

static void batch_equals_single(void **state)
{
    (void)state;
    env_check_batch_rows("acrobot", NULL, 131, 40);
    env_check_batch_of_one("acrobot", NULL, 1200);
}

static void seeding_is_deterministic(void **state)
{
    (void)state;
    env_check_seeding("acrobot", NULL);
}

static void invalid_actions_change_nothing(void **state)
{
    (void)state;
    env_check_invalid_actions("acrobot");
}

static void model_reward_agrees_with_step(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make("acrobot", NULL);
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    cdrl_error err = {0};
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 9, 0);
    int agree = 0, ends = 0;
    for (int k = 0; k < 2000; k++) {
        double s[4] = {cdrl_rng_range(&rng, -PI, PI), cdrl_rng_range(&rng, -PI, PI), 0, 0};
        double a = 1.0, obs[6];
        cdrl_step_result r;
        assert_int_equal(cdrl_env_set_state(env, s, &err), 0);
        assert_int_equal(cdrl_env_step(env, &a, obs, &r, &err), 0);
        float fo[6], reward, fa = 1.0f;
        for (int d = 0; d < 6; d++)
            fo[d] = (float)obs[d];
        uint8_t term;
        cdrl_env_model_reward(spec, 1, fo, &fa, fo, &reward, &term);
        /* float observations may flip a transition within rounding of the line */
        agree += term == r.terminated && reward == (float)r.reward;
        ends += r.terminated;
    }
    assert_true(ends > 100);
    assert_true(agree >= 1995);
    cdrl_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pinned_reference_trajectories),
        cmocka_unit_test(pins_cover_both_speed_bounds),
        cmocka_unit_test(wrap_bounds_and_termination_rule),
        cmocka_unit_test(truncates_at_500),
        cmocka_unit_test(resets_in_documented_box),
        cmocka_unit_test(batch_equals_single),
        cmocka_unit_test(seeding_is_deterministic),
        cmocka_unit_test(invalid_actions_change_nothing),
        cmocka_unit_test(model_reward_agrees_with_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
