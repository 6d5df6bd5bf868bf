/* Pendulum (envs/pendulum.c) against Gymnasium's Pendulum-v1: pinned
 * reference trajectories, the torque and speed clips at both edges, the angle
 * normalization, the time limit, resets, batches, seeding, bad actions. */
#include "env_check.h"
#include "pendulum_pins.h"

static const double PI = 3.141592653589793;

static void pinned_reference_trajectories(void **state)
{
    (void)state;
    env_check_pins("pendulum", PENDULUM_PIN_TRAJ, PENDULUM_PIN_STEPS, 2, &pendulum_pin_start[0][0],
                   &pendulum_pin_action[0][0], &pendulum_pin_state[0][0][0], &pendulum_pin_reward[0][0],
                   &pendulum_pin_terminated[0][0]);
}

/* Steps once from s with torque u; returns the new state and the reward. */
static void step_from(const double s[2], double u, double out[2], double *reward)
{
    cdrl_env *env = env_check_make("pendulum", NULL);
    cdrl_error err = {0};
    cdrl_step_result r;
    assert_int_equal(cdrl_env_set_state(env, s, &err), 0);
    assert_int_equal(cdrl_env_step(env, &u, NULL, &r, &err), 0);
    memcpy(out, cdrl_env_view_of(env).state, 2 * sizeof *out);
    *reward = r.reward;
    assert_int_equal(r.terminated, 0);
    cdrl_env_free(env);
}

/* Torques beyond +-2 act (and cost) as +-2 exactly; just inside they do not. */
static void torque_is_clipped_at_both_edges(void **state)
{
    (void)state;
    const double s[2] = {0.3, -0.7};
    for (int side = -1; side <= 1; side += 2) {
        double at[2], beyond[2], far[2], inside[2], r_at, r_beyond, r_far, r_inside;
        step_from(s, side * 2.0, at, &r_at);
        step_from(s, side * nextafter(2.0, 3.0), beyond, &r_beyond);
        step_from(s, side * 1e300, far, &r_far);
        step_from(s, side * (2.0 - 1e-9), inside, &r_inside);
        assert_memory_equal(at, beyond, sizeof at);
        assert_memory_equal(at, far, sizeof at);
        assert_true(r_at == r_beyond && r_at == r_far);
        assert_true(inside[1] != at[1]);
        assert_true(r_inside != r_at);
    }
}

/* The new speed is clipped to +-8 before the angle moves with it. */
static void speed_is_clipped_at_both_edges(void **state)
{
    (void)state;
    for (int side = -1; side <= 1; side += 2) {
        double s[2] = {side * PI / 2, side * 7.9}, out[2], reward;
        step_from(s, side * 2.0, out, &reward);
        assert_true(out[1] == side * 8.0);
        assert_true(out[0] == s[0] + side * 8.0 * 0.05);
        /* Exactly at the limit with no push from gravity or torque: stays. */
        double still[2] = {0.0, side * 8.0};
        step_from(still, 0.0, out, &reward);
        assert_true(out[1] == side * 8.0);
    }
}

/* The cost normalizes the angle into [-pi, pi) with a floored modulo, so
 * angles a whole turn apart cost the same and pi costs as -pi. */
static void cost_normalizes_the_angle(void **state)
{
    (void)state;
    double out[2], r_pi, r_minus_pi, r_upright, r_turn;
    step_from((double[]){PI, 0.0}, 0.0, out, &r_pi);
    step_from((double[]){-PI, 0.0}, 0.0, out, &r_minus_pi);
    step_from((double[]){0.0, 0.0}, 0.0, out, &r_upright);
    step_from((double[]){0.25 + 4 * PI, 0.0}, 0.0, out, &r_turn);
    assert_true(r_pi == r_minus_pi);
    assert_true(r_pi == -pow(-PI, 2.0));
    assert_true(r_upright == 0.0);
    double r_quarter;
    step_from((double[]){0.25, 0.0}, 0.0, out, &r_quarter);
    assert_true(fabs(r_turn - r_quarter) < 1e-14);
    /* The worst cost Gymnasium documents: -(pi^2 + 0.1 * 8^2 + 0.001 * 2^2). */
    double r_worst;
    step_from((double[]){PI, 8.0}, 2.0, out, &r_worst);
    assert_true(fabs(r_worst + 16.2736044) < 1e-7);
}

/* No termination; truncation at exactly 200 steps. */
static void truncates_at_200(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make("pendulum", NULL);
    cdrl_error err = {0};
    double obs[3], u = 1.0;
    cdrl_step_result r;
    assert_int_equal(cdrl_env_reset_seeded(env, 2, obs, &err), 0);
    for (int t = 1; t <= 200; t++) {
        assert_int_equal(cdrl_env_step(env, &u, obs, &r, &err), 0);
        assert_int_equal(r.terminated, 0);
        assert_int_equal(r.truncated, t == 200);
    }
    assert_int_equal(cdrl_env_step(env, &u, obs, &r, &err), CDRL_ESTATE);
    cdrl_env_free(env);
}

static void observation_is_cos_sin_speed(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make("pendulum", NULL);
    cdrl_error err = {0};
    double obs[3], u = -0.5;
    cdrl_step_result r;
    assert_int_equal(cdrl_env_reset_seeded(env, 9, obs, &err), 0);
    for (int t = 0; t < 20; t++) {
        const double *s = cdrl_env_view_of(env).state;
        assert_true(obs[0] == cos(s[0]) && obs[1] == sin(s[0]) && obs[2] == s[1]);
        assert_int_equal(cdrl_env_step(env, &u, obs, &r, &err), 0);
    }
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    assert_string_equal(spec->name, "pendulum");
    assert_int_equal(spec->obs_dim, 3);
    assert_int_equal(spec->action_count, 0);
    assert_int_equal(spec->action_dim, 1);
    assert_true(spec->action_low[0] == -2.0 && spec->action_high[0] == 2.0);
    assert_int_equal(spec->max_episode_steps, 200);
    assert_true(isnan(spec->solved_threshold));
    assert_string_equal(cdrl_env_view_of(env).kind, "pendulum");
    cdrl_env_free(env);
}

static void resets_in_documented_box(void **state)
{
    (void)state;
    env_check_resets("pendulum", (double[]){-PI, -1.0}, (double[]){PI, 1.0}, 4000);
}

static void batch_equals_single(void **state)
{
    (void)state;
    env_check_batch_rows("pendulum", NULL, 131, 40);
    env_check_batch_of_one("pendulum", NULL, 700);
}

static void seeding_is_deterministic(void **state)
{
    (void)state;
    env_check_seeding("pendulum", NULL);
}

static void invalid_actions_change_nothing(void **state)
{
    (void)state;
    env_check_invalid_actions("pendulum");
}

/* The planner's scorer gives the step's reward (to float precision) from the
 * float observation before the step and the action. */
static void model_reward_agrees_with_step(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make("pendulum", NULL);
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    cdrl_error err = {0};
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 3, 0);
    double obs[3], next[3], u;
    assert_int_equal(cdrl_env_reset_seeded(env, 4, obs, &err), 0);
    for (int t = 0; t < 150; t++) {
        env_check_random_action(spec, &rng, &u);
        cdrl_step_result r;
        assert_int_equal(cdrl_env_step(env, &u, next, &r, &err), 0);
        float fo[3] = {(float)obs[0], (float)obs[1], (float)obs[2]};
        float fn[3] = {(float)next[0], (float)next[1], (float)next[2]};
        float fa = (float)u, reward;
        uint8_t term;
        cdrl_env_model_reward(spec, 1, fo, &fa, fn, &reward, &term);
        assert_true(fabs(reward - r.reward) < 1e-4 * (1.0 + fabs(r.reward)));
        assert_int_equal(term, 0);
        memcpy(obs, next, sizeof obs);
    }
    cdrl_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pinned_reference_trajectories),
        cmocka_unit_test(torque_is_clipped_at_both_edges),
        cmocka_unit_test(speed_is_clipped_at_both_edges),
        cmocka_unit_test(cost_normalizes_the_angle),
        cmocka_unit_test(truncates_at_200),
        cmocka_unit_test(observation_is_cos_sin_speed),
        cmocka_unit_test(resets_in_documented_box),
        cmocka_unit_test(batch_equals_single),
        cmocka_unit_test(seeding_is_deterministic),
        cmocka_unit_test(invalid_actions_change_nothing),
        cmocka_unit_test(model_reward_agrees_with_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
