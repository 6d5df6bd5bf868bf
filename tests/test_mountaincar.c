/* MountainCar (envs/mountaincar.c) against Gymnasium's MountainCar-v0:
 * pinned reference trajectories, the speed clip, the walls and the goal at
 * both edges, the time limit, resets, batches, seeding, bad actions. */
#include "env_check.h"
#include "mountaincar_pins.h"

static void pinned_reference_trajectories(void **state)
{
    (void)state;
    env_check_pins("mountaincar", MOUNTAINCAR_PIN_TRAJ, MOUNTAINCAR_PIN_STEPS, 2, &mountaincar_pin_start[0][0],
                   &mountaincar_pin_action[0][0], &mountaincar_pin_state[0][0][0], &mountaincar_pin_reward[0][0],
                   &mountaincar_pin_terminated[0][0]);
}

/* One step from (p, v) with action a: the new state and terminated. */
static int step_from(double p, double v, double a, double out[2])
{
    cdrl_env *env = env_check_make("mountaincar", NULL);
    cdrl_error err = {0};
    cdrl_step_result r;
    assert_int_equal(cdrl_env_set_state(env, (double[]){p, v}, &err), 0);
    assert_int_equal(cdrl_env_step(env, &a, NULL, &r, &err), 0);
    memcpy(out, cdrl_env_view_of(env).state, 2 * sizeof *out);
    assert_true(r.reward == -1.0);
    cdrl_env_free(env);
    return r.terminated;
}

/* The push and the slope's pull on a car at p with action a. */
static double accel(double p, double a) { return (a - 1.0) * 0.001 + cos(3.0 * p) * (-0.0025); }

static void speed_is_clipped_at_both_edges(void **state)
{
    (void)state;
    double out[2];
    step_from(-0.5, 0.0699, 2.0, out);
    assert_true(out[1] == 0.07);
    step_from(-0.5, -0.0699, 0.0, out);
    assert_true(out[1] == -0.07);
    /* just inside: not clipped */
    double v = 0.05;
    step_from(-0.5, v, 1.0, out);
    assert_true(out[1] == v + accel(-0.5, 1.0));
}

static void walls_stop_the_car(void **state)
{
    (void)state;
    double out[2];
    /* left wall, moving left: position -1.2, speed 0 */
    assert_int_equal(step_from(-1.19, -0.07, 0.0, out), 0);
    assert_true(out[0] == -1.2 && out[1] == 0.0);
    /* left wall reached while moving right is impossible; at the wall moving
     * right the speed is kept */
    step_from(-1.2, 0.01, 2.0, out);
    assert_true(out[1] > 0.0);
    /* right end: position clipped to 0.6 (and that is past the goal) */
    assert_int_equal(step_from(0.59, 0.07, 2.0, out), 1);
    assert_true(out[0] == 0.6);
}

/* terminated iff position >= 0.5 and velocity >= 0, at both edges: a speed
 * chosen to come out exactly 0 leaves the car where it is. */
static void goal_at_both_edges(void **state)
{
    (void)state;
    double out[2];
    for (int a = 0; a < 3; a++) {
        double p = 0.5;
        assert_int_equal(step_from(p, -accel(p, a), a, out), 1);
        assert_true(out[0] == 0.5 && out[1] == 0.0);
        p = nextafter(0.5, 0.0);
        assert_int_equal(step_from(p, -accel(p, a), a, out), 0);
        assert_true(out[0] == p && out[1] == 0.0);
        /* at the goal but rolling back */
        p = 0.52;
        assert_int_equal(step_from(p, nextafter(-accel(p, a), -1.0), a, out), 0);
        assert_true(out[1] < 0.0 && out[0] > 0.5);
    }
}

static void truncates_at_200(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make("mountaincar", NULL);
    cdrl_error err = {0};
    double obs[2], a = 1.0;
    cdrl_step_result r;
    assert_int_equal(cdrl_env_reset_seeded(env, 2, obs, &err), 0);
    for (int t = 1; t <= 200; t++) {
        assert_int_equal(cdrl_env_step(env, &a, obs, &r, &err), 0);
        assert_int_equal(r.terminated, 0);
        assert_int_equal(r.truncated, t == 200);
        const double *s = cdrl_env_view_of(env).state;
        assert_true(obs[0] == s[0] && obs[1] == s[1]);
    }
    assert_true(cdrl_env_view_of(env).episode_return == -200.0);
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    assert_int_equal(spec->action_count, 3);
    assert_int_equal(spec->action_dim, 0);
    assert_true(spec->solved_threshold == -110.0);
    cdrl_env_free(env);
}

static void resets_in_documented_box(void **state)
{
    (void)state;
    env_check_resets("mountaincar", (double[]){-0.6, 0.0}, (double[]){-0.4, 0.0}, 4000);
}

static void batch_equals_single(void **state)
{
    (void)state;
    env_check_batch_rows("mountaincar", NULL, 131, 40);
    env_check_batch_of_one("mountaincar", NULL, 700);
}

static void seeding_is_deterministic(void **state)
{
    (void)state;
    env_check_seeding("mountaincar", NULL);
}

static void invalid_actions_change_nothing(void **state)
{
    (void)state;
    env_check_invalid_actions("mountaincar");
}

static void model_reward_agrees_with_step(void **state)
{
    (void)state;
    const cdrl_env_spec *spec = NULL;
    cdrl_env *env = env_check_make("mountaincar", NULL);
    spec = cdrl_env_spec_of(env);
    const float at_goal[2] = {0.5f, 0.0f}, short_of_it[2] = {0.49f, 0.01f}, rolling_back[2] = {0.55f, -0.01f};
    const float *next[3] = {at_goal, short_of_it, rolling_back};
    for (int k = 0; k < 3; k++) {
        float reward, a = 2.0f;
        uint8_t term;
        cdrl_env_model_reward(spec, 1, at_goal, &a, next[k], &reward, &term);
        assert_true(reward == -1.0f);
        assert_int_equal(term, k == 0);
    }
    cdrl_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pinned_reference_trajectories),
        cmocka_unit_test(speed_is_clipped_at_both_edges),
        cmocka_unit_test(walls_stop_the_car),
        cmocka_unit_test(goal_at_both_edges),
        cmocka_unit_test(truncates_at_200),
        cmocka_unit_test(resets_in_documented_box),
        cmocka_unit_test(batch_equals_single),
        cmocka_unit_test(seeding_is_deterministic),
        cmocka_unit_test(invalid_actions_change_nothing),
        cmocka_unit_test(model_reward_agrees_with_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
