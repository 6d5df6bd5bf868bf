/* Cart-pole swing-up (envs/cartpole_swingup.c), PILCO's cart-pole: pinned
 * trajectories from the independent transcription (tests/classic_pins.py),
 * the force clip at both edges, the cost at its extremes, physics checks
 * (energy with friction off is not available, so: the hanging pole at rest
 * stays at rest, the upright one is an equilibrium that a nudge leaves),
 * the time limit, resets, batches, seeding, bad actions. */
#include "env_check.h"
#include "cartpole_swingup_pins.h"

static const double PI = 3.141592653589793;
static const char *NAME = "cartpole-swingup";

static void pinned_reference_trajectories(void **state)
{
    (void)state;
    env_check_pins(NAME, CARTPOLE_SWINGUP_PIN_TRAJ, CARTPOLE_SWINGUP_PIN_STEPS, 4, &cartpole_swingup_pin_start[0][0],
                   &cartpole_swingup_pin_action[0][0], &cartpole_swingup_pin_state[0][0][0],
                   &cartpole_swingup_pin_reward[0][0], &cartpole_swingup_pin_terminated[0][0]);
}

static void step_from(const double s[4], double u, double out[4], double *reward)
{
    cdrl_env *env = env_check_make(NAME, NULL);
    cdrl_error err = {0};
    cdrl_step_result r;
    assert_int_equal(cdrl_env_set_state(env, s, &err), 0);
    assert_int_equal(cdrl_env_step(env, &u, NULL, &r, &err), 0);
    memcpy(out, cdrl_env_view_of(env).state, 4 * sizeof *out);
    assert_int_equal(r.terminated, 0);
    *reward = r.reward;
    cdrl_env_free(env);
}

static void force_is_clipped_at_both_edges(void **state)
{
    (void)state;
    const double s[4] = {0.1, -0.2, 2.0, 1.0};
    for (int side = -1; side <= 1; side += 2) {
        double at[4], beyond[4], far[4], inside[4], r;
        step_from(s, side * 10.0, at, &r);
        step_from(s, side * nextafter(10.0, 11.0), beyond, &r);
        step_from(s, side * 1e300, far, &r);
        step_from(s, side * 9.999, inside, &r);
        assert_memory_equal(at, beyond, sizeof at);
        assert_memory_equal(at, far, sizeof at);
        assert_true(memcmp(at, inside, sizeof at) != 0);
        /* the push moves the cart its way */
        double none[4];
        step_from(s, 0.0, none, &r);
        assert_true(side * (at[1] - none[1]) > 0);
    }
}

/* Hanging at rest with no force: nothing moves (sin 0 = 0). Upright at rest:
 * sin(pi) is not 0 in double, so the pole starts to fall, slowly at first.
 * The reward is -(1 - exp(-d^2 / 0.125)): about 0 upright over the origin,
 * about -1 far from it; hanging down, d = 2 l = 1 m. */
static void equilibria_and_cost(void **state)
{
    (void)state;
    double out[4], r;
    step_from((double[]){0, 0, 0, 0}, 0.0, out, &r);
    assert_true(out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0);
    assert_true(r == -(1.0 - exp(-1.0 / 0.125)));
    step_from((double[]){0, 0, PI, 0}, 0.0, out, &r);
    assert_true(fabs(out[2] - PI) < 1e-9);
    assert_true(r > -1e-15 && r <= 0.0);
    step_from((double[]){0, 0, PI + 0.01, 0}, 0.0, out, &r);
    assert_true(out[2] > PI + 0.01 && out[3] > 0); /* falls further */
    step_from((double[]){3.0, 0, PI, 0}, 0.0, out, &r);
    assert_true(r < -0.9999);
}

/* With friction, a sliding cart with the pole hanging slows down. */
static void friction_slows_the_cart(void **state)
{
    (void)state;
    double s[4] = {0, 1.0, 0, 0}, out[4], r;
    for (int t = 0; t < 30; t++) {
        step_from(s, 0.0, out, &r);
        memcpy(s, out, sizeof s);
    }
    assert_true(fabs(s[1]) < 1.0);
}

static void truncates_at_40(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make(NAME, NULL);
    cdrl_error err = {0};
    double obs[5], u = 3.0;
    cdrl_step_result r;
    assert_int_equal(cdrl_env_reset_seeded(env, 2, obs, &err), 0);
    for (int t = 1; t <= 40; t++) {
        assert_int_equal(cdrl_env_step(env, &u, obs, &r, &err), 0);
        assert_int_equal(r.terminated, 0);
        assert_int_equal(r.truncated, t == 40);
        const double *s = cdrl_env_view_of(env).state;
        assert_true(obs[0] == s[0] && obs[1] == s[1] && obs[2] == cos(s[2]) && obs[3] == sin(s[2]) &&
                    obs[4] == s[3]);
        assert_true(r.reward <= 0.0 && r.reward >= -1.0);
    }
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    assert_int_equal(spec->obs_dim, 5);
    assert_int_equal(spec->action_dim, 1);
    assert_true(spec->action_low[0] == -10.0 && spec->action_high[0] == 10.0);
    cdrl_env_free(env);
}

/* Starts from N(0, 0.1^2) per component: all within 6 sigma, and the sample
 * standard deviation near 0.1. */
static void resets_follow_the_documented_normal(void **state)
{
    (void)state;
    cdrl_env *env = env_check_make(NAME, NULL);
    cdrl_error err = {0};
    enum { N = 20000 };
    double sum[4] = {0}, sq[4] = {0};
    assert_int_equal(cdrl_env_reset_seeded(env, 1, NULL, &err), 0);
    for (int k = 0; k < N; k++) {
        assert_int_equal(cdrl_env_reset(env, NULL, &err), 0);
        const double *s = cdrl_env_view_of(env).state;
        for (int d = 0; d < 4; d++) {
            assert_true(fabs(s[d]) < 0.6);
            sum[d] += s[d];
            sq[d] += s[d] * s[d];
        }
    }
    for (int d = 0; d < 4; d++) {
        double mean = sum[d] / N, sd = sqrt(sq[d] / N - mean * mean);
        assert_true(fabs(mean) < 0.005);
        assert_true(fabs(sd - 0.1) < 0.005);
    }
    cdrl_env_free(env);
}

static void batch_equals_single(void **state)
{
    (void)state;
    env_check_batch_rows(NAME, NULL, 131, 20);
    env_check_batch_of_one(NAME, NULL, 300);
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
    cdrl_error err = {0};
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 3, 0);
    double obs[5], next[5], u;
    assert_int_equal(cdrl_env_reset_seeded(env, 4, obs, &err), 0);
    for (int t = 0; t < 40; t++) {
        env_check_random_action(spec, &rng, &u);
        cdrl_step_result r;
        assert_int_equal(cdrl_env_step(env, &u, next, &r, &err), 0);
        float fo[5], fn[5], fa = (float)u, reward;
        for (int d = 0; d < 5; d++)
            fo[d] = (float)obs[d], fn[d] = (float)next[d];
        uint8_t term;
        cdrl_env_model_reward(spec, 1, fo, &fa, fn, &reward, &term);
        assert_true(fabs(reward - r.reward) < 1e-5);
        assert_int_equal(term, 0);
        memcpy(obs, next, sizeof obs);
    }
    cdrl_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pinned_reference_trajectories),
        cmocka_unit_test(force_is_clipped_at_both_edges),
        cmocka_unit_test(equilibria_and_cost),
        cmocka_unit_test(friction_slows_the_cart),
        cmocka_unit_test(truncates_at_40),
        cmocka_unit_test(resets_follow_the_documented_normal),
        cmocka_unit_test(batch_equals_single),
        cmocka_unit_test(seeding_is_deterministic),
        cmocka_unit_test(invalid_actions_change_nothing),
        cmocka_unit_test(model_reward_agrees_with_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
