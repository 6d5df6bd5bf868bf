/* MountainCarContinuous (envs/mountaincar_continuous.c) against Gymnasium's
 * MountainCarContinuous-v0: pinned reference trajectories (float64 step,
 * float32 state), the force clip and the unclipped action cost, the speed
 * clip, the walls and the goal at both edges, the time limit, resets,
 * batches, seeding, bad actions. */
#include "env_check.h"
#include "mountaincar_continuous_pins.h"

static const char *NAME = "mountaincar-continuous";

static void pinned_reference_trajectories(void **state)
{
    (void)state;
    env_check_pins(NAME, MOUNTAINCAR_CONTINUOUS_PIN_TRAJ, MOUNTAINCAR_CONTINUOUS_PIN_STEPS, 2,
                   &mountaincar_continuous_pin_start[0][0], &mountaincar_continuous_pin_action[0][0],
                   &mountaincar_continuous_pin_state[0][0][0], &mountaincar_continuous_pin_reward[0][0],
                   &mountaincar_continuous_pin_terminated[0][0]);
}

static int step_from(double p, double v, double a, double out[2], double *reward)
{
    cdrl_env *env = env_check_make(NAME, NULL);
    cdrl_error err = {0};
    cdrl_step_result r;
    assert_int_equal(cdrl_env_set_state(env, (double[]){p, v}, &err), 0);
    assert_int_equal(cdrl_env_step(env, &a, NULL, &r, &err), 0);
    memcpy(out, cdrl_env_view_of(env).state, 2 * sizeof *out);
    /* the stored state is float32 */
    assert_true(out[0] == (double)(float)out[0] && out[1] == (double)(float)out[1]);
    *reward = r.reward;
    cdrl_env_free(env);
    return r.terminated;
}

static double accel(double p, double force) { return force * 0.0015 - 0.0025 * cos(3.0 * p); }

/* Beyond +-1 the force is +-1, but the cost is of the action as given. */
static void force_is_clipped_but_cost_is_not(void **state)
{
    (void)state;
    for (int side = -1; side <= 1; side += 2) {
        double at[2], beyond[2], far[2], r_at, r_beyond, r_far;
        step_from(-0.5, 0.01, side * 1.0, at, &r_at);
        step_from(-0.5, 0.01, side * 1.5, beyond, &r_beyond);
        step_from(-0.5, 0.01, side * 1e6, far, &r_far);
        assert_memory_equal(at, beyond, sizeof at);
        assert_memory_equal(at, far, sizeof at);
        assert_true(r_at == -pow(1.0, 2.0) * 0.1);
        assert_true(r_beyond == -pow(1.5, 2.0) * 0.1);
        assert_true(r_far == -pow(1e6, 2.0) * 0.1);
        double inside[2], r_inside;
        step_from(-0.5, 0.01, side * 0.999, inside, &r_inside);
        assert_true(inside[1] != at[1]);
    }
    /* zero action: the reward is +0.0, as 0 - 0.0 in the reference */
    double out[2], r0;
    step_from(-0.5, 0.0, 0.0, out, &r0);
    assert_false(signbit(r0));
}

static void speed_and_walls(void **state)
{
    (void)state;
    double out[2], r;
    step_from(-0.5, 0.0699, 1.0, out, &r);
    assert_true(out[1] == (double)(float)0.07);
    step_from(-0.5, -0.0699, -1.0, out, &r);
    assert_true(out[1] == (double)(float)-0.07);
    assert_int_equal(step_from(-1.19, -0.07, -1.0, out, &r), 0);
    assert_true(out[0] == (double)(float)-1.2 && out[1] == 0.0);
    assert_int_equal(step_from(0.59, 0.07, 1.0, out, &r), 1);
    assert_true(out[0] == (double)(float)0.6);
}

/* Goal: position >= 0.45 and velocity >= 0, tested in float64 before the
 * state is rounded to float32; 100 minus the action cost on that step. */
static void goal_at_both_edges(void **state)
{
    (void)state;
    double out[2], r;
    const double forces[] = {-1.0, 0.0, 0.5};
    for (int k = 0; k < 3; k++) {
        double a = forces[k], p = 0.45;
        assert_int_equal(step_from(p, -accel(p, a), a, out, &r), 1);
        assert_true(r == 100.0 - pow(a, 2.0) * 0.1);
        p = nextafter(0.45, 0.0);
        /* float32(p) is 0.45f > 0.45 in double, but the test is on the double */
        assert_int_equal(step_from(p, -accel(p, a), a, out, &r), 0);
        assert_true(r == 0.0 - pow(a, 2.0) * 0.1);
        p = 0.5;
        assert_int_equal(step_from(p, nextafter(-accel(p, a), -1.0), a, out, &r), 0);
    }
}

static void truncates_at_999(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make(NAME, NULL);
    cdrl_error err = {0};
    double obs[2], a = 0.0;
    cdrl_step_result r;
    assert_int_equal(cdrl_env_reset_seeded(env, 2, obs, &err), 0);
    for (int t = 1; t <= 999; t++) {
        assert_int_equal(cdrl_env_step(env, &a, obs, &r, &err), 0);
        assert_int_equal(r.terminated, 0);
        assert_int_equal(r.truncated, t == 999);
    }
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    assert_int_equal(spec->action_dim, 1);
    assert_true(spec->action_low[0] == -1.0 && spec->action_high[0] == 1.0);
    assert_true(spec->solved_threshold == 90.0);
    cdrl_env_free(env);
}

static void resets_in_documented_box(void **state)
{
    (void)state;
    env_check_resets(NAME, (double[]){-0.6, 0.0}, (double[]){-0.4, 0.0}, 4000);
}

static void batch_equals_single(void **state)
{
    (void)state;
    env_check_batch_rows(NAME, NULL, 131, 40);
    env_check_batch_of_one(NAME, NULL, 2500);
}

static void seeding_is_deterministic(void **state)
{
    (void)state;
    env_check_seeding(NAME, NULL);
}

static void invalid_actions_change_nothing(void **state)
{
    (void)state;
    env_check_invalid_actions(NAME);
}

static void model_reward_agrees_with_step(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make(NAME, NULL);
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    const float obs[2] = {0.4f, 0.02f}, goal[2] = {0.46f, 0.01f}, short_of_it[2] = {0.44f, 0.01f};
    float reward, a = 0.5f;
    uint8_t term;
    cdrl_env_model_reward(spec, 1, obs, &a, goal, &reward, &term);
    assert_int_equal(term, 1);
    assert_true(reward == (float)(100.0 - 0.25 * 0.1));
    cdrl_env_model_reward(spec, 1, obs, &a, short_of_it, &reward, &term);
    assert_int_equal(term, 0);
    assert_true(reward == (float)(-0.25 * 0.1));
    cdrl_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pinned_reference_trajectories),
        cmocka_unit_test(force_is_clipped_but_cost_is_not),
        cmocka_unit_test(speed_and_walls),
        cmocka_unit_test(goal_at_both_edges),
        cmocka_unit_test(truncates_at_999),
        cmocka_unit_test(resets_in_documented_box),
        cmocka_unit_test(batch_equals_single),
        cmocka_unit_test(seeding_is_deterministic),
        cmocka_unit_test(invalid_actions_change_nothing),
        cmocka_unit_test(model_reward_agrees_with_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
