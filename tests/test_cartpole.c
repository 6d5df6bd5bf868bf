/* Tests of the CartPole env through the public interface: trajectories
 * against an independent implementation of the physics and against values
 * worked in Python from the reference equations, the four termination
 * bounds, the time limits, seeding, the model-side scorer, and every error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cartpole_reference.h"
#include "cdrl/env.h"
#include "cdrl/rng.h"

static cdrl_env *make_env(const char *name, const char *integrator)
{
    cdrl_env *env = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_env_create(name, &env, &err), 0);
    if (integrator)
        assert_int_equal(cdrl_env_set_option(env, "integrator", integrator, &err), 0);
    return env;
}

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

static void assert_state(const double *got, reference_cartpole want, double tol)
{
    assert_close(got[0], want.x, tol);
    assert_close(got[1], want.x_dot, tol);
    assert_close(got[2], want.theta, tol);
    assert_close(got[3], want.theta_dot, tol);
}

static int step_action(cdrl_env *env, int action, double *obs, cdrl_step_result *r, cdrl_error *err)
{
    double a = action;
    return cdrl_env_step(env, &a, obs, r, err);
}

/* Steps env and the test-side reference side by side with the same actions
 * from a start state, until the episode ends or max_steps; returns the steps
 * taken. Actions come from `actions` when given (cycled), else from the
 * balancing controller applied to the env's observation.
 *
 * Two comparisons per step. The one-step map: the reference advanced from
 * the env's previous state must agree to 1e-12. The whole trajectory: the
 * reference advanced from its own state must agree to 1e-9. The looser
 * bound is not slack in the env: the two implementations round differently
 * (an ulp or so per step), and the upright pole amplifies any difference by
 * about e^(4 t / s), so after 200 steps (4 s) 1e-16 has become ~1e-10. The
 * pins below, which round as the reference does, hold to 1e-12 over 500. */
static int compare_trajectory(const char *integrator, const double *start, const int *actions,
                              int n_actions, int max_steps)
{
    cdrl_env *env = make_env("cartpole", integrator);
    cdrl_error err = {0};
    int semi = strcmp(integrator, "semi-implicit") == 0;
    assert_int_equal(cdrl_env_set_state(env, start, &err), 0);
    reference_cartpole ref = {start[0], start[1], start[2], start[3]};
    double obs[4];
    memcpy(obs, start, sizeof obs);
    int t = 0;
    for (; t < max_steps; t++) {
        int a = actions ? actions[t % n_actions] : reference_cartpole_balance(obs);
        reference_cartpole from_env = {obs[0], obs[1], obs[2], obs[3]};
        cdrl_step_result r;
        assert_int_equal(step_action(env, a, obs, &r, &err), 0);
        assert_state(obs, reference_cartpole_step(from_env, a, semi), 1e-12);
        ref = reference_cartpole_step(ref, a, semi);
        assert_state(obs, ref, 1e-9);
        assert_true(r.reward == 1.0);
        assert_int_equal(r.terminated, reference_cartpole_ended(ref));
        if (r.terminated || r.truncated) {
            t++;
            break;
        }
    }
    cdrl_env_free(env);
    return t;
}

static const double starts[][4] = {
    {0.01, -0.02, 0.03, 0.04},
    {-0.04, 0.03, -0.02, 0.01},
    {0.0, 0.0, 0.0, 0.0},
    {0.049, -0.049, -0.049, 0.049},
    {1.5, -0.8, 0.15, -0.6},
};

static void trajectories_match_physics(const char *integrator)
{
    static const int pattern_a[] = {1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0};
    static const int pattern_b[] = {0};
    static const int pattern_c[] = {1};
    int long_runs = 0;
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        int steps = compare_trajectory(integrator, starts[s], NULL, 0, 200);
        long_runs += steps == 200;
        assert_true(compare_trajectory(integrator, starts[s], pattern_a, 11, 200) >= 1);
        /* Pushing one way only must end the episode, and within a few dozen steps. */
        int left = compare_trajectory(integrator, starts[s], pattern_b, 1, 200);
        int right = compare_trajectory(integrator, starts[s], pattern_c, 1, 200);
        assert_true(left < 60 && right < 60);
    }
    /* The controller keeps the small starts up: long trajectories are covered. */
    assert_true(long_runs >= 4);
    /* Random actions, many episodes. */
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 11, 0);
    for (int k = 0; k < 50; k++) {
        double start[4];
        int actions[64];
        for (int d = 0; d < 4; d++)
            start[d] = cdrl_rng_range(&rng, -0.05, 0.05);
        for (int i = 0; i < 64; i++)
            actions[i] = (int)cdrl_rng_below(&rng, 2);
        compare_trajectory(integrator, start, actions, 64, 200);
    }
}

static void euler_matches_physics(void **state)
{
    (void)state;
    trajectories_match_physics("euler");
}

static void semi_implicit_matches_physics(void **state)
{
    (void)state;
    trajectories_match_physics("semi-implicit");
}

/* Pins from tests/cartpole_pins.py: the reference's own float64 arithmetic.
 * On glibc they agree to the bit; the tolerance leaves room for a libm whose
 * sin or cos is off by an ulp. */
static void run_pinned(const char *integrator, const double *after5, const double *after500)
{
    static const double start[4] = {0.01, -0.02, 0.03, 0.04};
    static const int actions[5] = {1, 0, 1, 1, 0};
    cdrl_error err = {0};
    double obs[4];
    cdrl_step_result r;
    cdrl_env *env = make_env("cartpole", integrator);
    assert_int_equal(cdrl_env_set_state(env, start, &err), 0);
    for (int t = 0; t < 5; t++)
        assert_int_equal(step_action(env, actions[t], obs, &r, &err), 0);
    for (int d = 0; d < 4; d++)
        assert_close(obs[d], after5[d], 1e-15);

    assert_int_equal(cdrl_env_set_state(env, start, &err), 0);
    memcpy(obs, start, sizeof obs);
    for (int t = 0; t < 500; t++) {
        assert_int_equal(step_action(env, reference_cartpole_balance(obs), obs, &r, &err), 0);
        assert_false(r.terminated);
        /* cartpole (v1) truncates at exactly its 500th step. */
        assert_int_equal(r.truncated, t == 499);
    }
    for (int d = 0; d < 4; d++)
        assert_close(obs[d], after500[d], 1e-12);
    cdrl_env_free(env);
}

static void pinned_reference_values(void **state)
{
    (void)state;
    static const double euler5[4] = {0.023525558663475683, 0.17316263692575581, 0.012433087822150324,
                                     -0.20950152868114708};
    static const double euler500[4] = {1.066345729566245, -0.025958403768406857,
                                       -0.005592052155296283, 0.17142451945003245};
    static const double semi5[4] = {0.027400832794114188, 0.173465175587253, 0.0071730124484405645,
                                    -0.21629730075944154};
    static const double semi500[4] = {1.1021764791711768, -0.0262685446943913,
                                      0.0006880931563924115, 0.17765752142016034};
    run_pinned("euler", euler5, euler500);
    run_pinned("semi-implicit", semi5, semi500);
}

/* Default integrator is Euler: without the option, the Euler pins hold. */
static void default_integrator_is_euler(void **state)
{
    (void)state;
    static const double start[4] = {0.01, -0.02, 0.03, 0.04};
    cdrl_error err = {0};
    double euler_obs[4], default_obs[4], semi_obs[4];
    cdrl_env *a = make_env("cartpole", NULL), *b = make_env("cartpole", "euler"),
             *c = make_env("cartpole", "semi-implicit");
    assert_int_equal(cdrl_env_set_state(a, start, &err), 0);
    assert_int_equal(cdrl_env_set_state(b, start, &err), 0);
    assert_int_equal(cdrl_env_set_state(c, start, &err), 0);
    for (int t = 0; t < 3; t++) {
        assert_int_equal(step_action(a, 1, default_obs, NULL, &err), 0);
        assert_int_equal(step_action(b, 1, euler_obs, NULL, &err), 0);
        assert_int_equal(step_action(c, 1, semi_obs, NULL, &err), 0);
    }
    assert_memory_equal(default_obs, euler_obs, sizeof euler_obs);
    assert_true(semi_obs[0] != euler_obs[0]);
    cdrl_env_free(a);
    cdrl_env_free(b);
    cdrl_env_free(c);
}

/* One step from `start` with `action`: was it terminal? Rewards 1 either way. */
static int terminates_from(const double *start, int action)
{
    cdrl_env *env = make_env("cartpole", NULL);
    cdrl_error err = {0};
    cdrl_step_result r;
    double obs[4];
    assert_int_equal(cdrl_env_set_state(env, start, &err), 0);
    assert_int_equal(step_action(env, action, obs, &r, &err), 0);
    assert_true(r.reward == 1.0);
    assert_false(r.truncated);
    cdrl_env_free(env);
    return r.terminated;
}

static void terminates_on_each_bound(void **state)
{
    (void)state;
    /* Euler moves the position with the old velocity: x' = x + 0.02 x_dot. */
    const double right[4] = {2.39, 1.0, 0.0, 0.0};     /* x -> 2.41 */
    const double left[4] = {-2.39, -1.0, 0.0, 0.0};    /* x -> -2.41 */
    const double lean_r[4] = {0.0, 0.0, 0.2, 1.0};     /* theta -> 0.22 > 0.2094 */
    const double lean_l[4] = {0.0, 0.0, -0.2, -1.0};   /* theta -> -0.22 */
    assert_true(terminates_from(right, 1));
    assert_true(terminates_from(left, 0));
    assert_true(terminates_from(lean_r, 1));
    assert_true(terminates_from(lean_l, 0));
    /* Just inside, and exactly on the bound (strict inequality): running. */
    const double inside_x[4] = {2.3, 1.0, 0.0, 0.0};       /* x -> 2.32 */
    const double on_x[4] = {2.4, 0.0, 0.0, 0.0};           /* x stays 2.4 */
    const double on_neg_x[4] = {-2.4, 0.0, 0.0, 0.0};
    const double inside_theta[4] = {0.0, 0.0, 0.19, 0.5};  /* theta -> 0.2 */
    const double on_theta[4] = {0.0, 0.0, 12 * 2 * 3.141592653589793 / 360, 0.0};
    assert_false(terminates_from(inside_x, 1));
    assert_false(terminates_from(on_x, 1));
    assert_false(terminates_from(on_neg_x, 0));
    assert_false(terminates_from(inside_theta, 0));
    assert_false(terminates_from(on_theta, 0));
}

/* Balances from a small start for the whole episode: truncated exactly at
 * the limit with terminated false, and the env refuses a further step. */
static void truncates_at(const char *name, int limit)
{
    static const double start[4] = {0.01, -0.02, 0.03, 0.04};
    cdrl_env *env = make_env(name, NULL);
    cdrl_error err = {0};
    cdrl_step_result r = {0};
    double obs[4];
    assert_int_equal(cdrl_env_spec_of(env)->max_episode_steps, limit);
    assert_int_equal(cdrl_env_set_state(env, start, &err), 0);
    memcpy(obs, start, sizeof obs);
    for (int t = 1; t <= limit; t++) {
        assert_int_equal(step_action(env, reference_cartpole_balance(obs), obs, &r, &err), 0);
        assert_false(r.terminated);
        assert_int_equal(r.truncated, t == limit);
    }
    cdrl_env_view view = cdrl_env_view_of(env);
    assert_int_equal(view.steps, limit);
    assert_true(view.episode_return == limit);
    assert_int_equal(step_action(env, 1, obs, &r, &err), CDRL_ESTATE);
    assert_non_null(strstr(err.msg, "truncated at the time limit of"));
    assert_int_equal(cdrl_env_reset(env, obs, &err), 0);
    assert_int_equal(step_action(env, 1, obs, &r, &err), 0);
    cdrl_env_free(env);
}

static void truncation_v1_at_500(void **state)
{
    (void)state;
    truncates_at("cartpole", 500);
}

static void truncation_v0_at_200(void **state)
{
    (void)state;
    truncates_at("cartpole-v0", 200);
}

/* Balance for k steps, then push right until the episode ends; returns the
 * step on which it ended and the flags of that step. */
static int balance_then_push(cdrl_env *env, int k, cdrl_step_result *r)
{
    static const double start[4] = {0.01, -0.02, 0.03, 0.04};
    cdrl_error err = {0};
    double obs[4];
    assert_int_equal(cdrl_env_set_state(env, start, &err), 0);
    memcpy(obs, start, sizeof obs);
    int t = 0;
    do {
        int a = t < k ? reference_cartpole_balance(obs) : 1;
        assert_int_equal(step_action(env, a, obs, r, &err), 0);
        t++;
    } while (!r->terminated && !r->truncated);
    return t;
}

/* Terminating on the very step the limit is reached sets both flags, as
 * Gymnasium's TimeLimit reports it. The episode is found by varying how long
 * the pole is balanced before it is pushed over, so that it falls on step
 * 200 exactly, then replayed in cartpole-v0 whose limit is 200. */
static void terminated_and_truncated_together(void **state)
{
    (void)state;
    cdrl_env *v1 = make_env("cartpole", NULL), *v0 = make_env("cartpole-v0", NULL);
    cdrl_step_result r;
    int found = 0;
    for (int k = 199; k > 100 && !found; k--) {
        if (balance_then_push(v1, k, &r) != 200)
            continue;
        assert_true(r.terminated);
        assert_false(r.truncated);
        assert_int_equal(balance_then_push(v0, k, &r), 200);
        assert_true(r.terminated);
        assert_true(r.truncated);
        found = 1;
    }
    assert_true(found);
    cdrl_env_free(v1);
    cdrl_env_free(v0);
}

static void seeding_is_reproducible(void **state)
{
    (void)state;
    cdrl_error err = {0};
    cdrl_env *a = make_env("cartpole", NULL), *b = make_env("cartpole", NULL);
    double oa[4], ob[4];
    assert_int_equal(cdrl_env_reset_seeded(a, 123, oa, &err), 0);
    assert_int_equal(cdrl_env_reset_seeded(b, 123, ob, &err), 0);
    assert_memory_equal(oa, ob, sizeof oa);
    for (int d = 0; d < 4; d++)
        assert_true(oa[d] >= -0.05 && oa[d] < 0.05);
    /* Later episodes continue the seeded stream, identically. */
    assert_int_equal(cdrl_env_reset(a, oa, &err), 0);
    assert_int_equal(cdrl_env_reset(b, ob, &err), 0);
    assert_memory_equal(oa, ob, sizeof oa);
    /* A different seed, a different start. */
    assert_int_equal(cdrl_env_reset_seeded(b, 124, ob, &err), 0);
    assert_int_equal(cdrl_env_reset_seeded(a, 123, oa, &err), 0);
    assert_memory_not_equal(oa, ob, sizeof oa);
    /* Reseeding replays: the first start of seed 123 again, then a trajectory. */
    double first[4];
    cdrl_env *c = make_env("cartpole", NULL);
    assert_int_equal(cdrl_env_reset_seeded(c, 123, first, &err), 0);
    assert_memory_equal(first, oa, sizeof oa);
    for (int t = 0; t < 5; t++) {
        assert_int_equal(step_action(a, t & 1, oa, NULL, &err), 0);
        assert_int_equal(step_action(c, t & 1, first, NULL, &err), 0);
    }
    assert_memory_equal(first, oa, sizeof oa);
    /* The draws cover the interval: over many resets both signs appear in
     * every component and the spread is near the uniform's. */
    double lo[4] = {1, 1, 1, 1}, hi[4] = {-1, -1, -1, -1};
    for (int k = 0; k < 200; k++) {
        assert_int_equal(cdrl_env_reset(a, oa, &err), 0);
        for (int d = 0; d < 4; d++) {
            lo[d] = fmin(lo[d], oa[d]);
            hi[d] = fmax(hi[d], oa[d]);
        }
    }
    for (int d = 0; d < 4; d++)
        assert_true(lo[d] < -0.04 && hi[d] > 0.04);
    /* An env never seeded draws as if seeded 0. */
    cdrl_env *u = make_env("cartpole", NULL), *z = make_env("cartpole", NULL);
    assert_int_equal(cdrl_env_reset(u, oa, &err), 0);
    assert_int_equal(cdrl_env_reset_seeded(z, 0, ob, &err), 0);
    assert_memory_equal(oa, ob, sizeof oa);
    cdrl_env_free(a);
    cdrl_env_free(b);
    cdrl_env_free(c);
    cdrl_env_free(u);
    cdrl_env_free(z);
}

static void spec_and_view(void **state)
{
    (void)state;
    cdrl_error err = {0};
    cdrl_env *env = make_env("cartpole", NULL);
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    assert_string_equal(spec->name, "cartpole");
    assert_int_equal(spec->obs_dim, 4);
    assert_int_equal(spec->action_count, 2);
    assert_int_equal(spec->action_dim, 0);
    assert_int_equal(spec->max_episode_steps, 500);
    assert_true(spec->solved_threshold == 475.0);
    assert_int_equal(spec->solved_window, 100);
    const double theta_limit = 12 * 2 * 3.141592653589793 / 360;
    assert_true(spec->obs_high[0] == 4.8 && spec->obs_low[0] == -4.8);
    assert_true(spec->obs_high[2] == 2 * theta_limit && spec->obs_low[2] == -2 * theta_limit);
    assert_true(isinf(spec->obs_high[1]) && isinf(spec->obs_low[3]) && spec->obs_low[3] < 0);

    cdrl_env *v0 = make_env("cartpole-v0", NULL);
    assert_int_equal(cdrl_env_spec_of(v0)->max_episode_steps, 200);
    assert_true(cdrl_env_spec_of(v0)->solved_threshold == 195.0);
    cdrl_env_free(v0);

    const char *const *names = cdrl_env_names();
    assert_string_equal(names[0], "cartpole");
    assert_string_equal(names[1], "cartpole-v0");
    /* the classic-control suite follows; its own tests name it */
    int n = 0;
    while (names[n])
        n++;
    assert_true(n >= 2);

    double obs[4];
    assert_int_equal(cdrl_env_reset_seeded(env, 5, obs, &err), 0);
    cdrl_env_view view = cdrl_env_view_of(env);
    assert_string_equal(view.kind, "cartpole");
    assert_int_equal(view.state_dim, 4);
    assert_memory_equal(view.state, obs, sizeof obs);
    assert_int_equal(view.n_params, 4);
    assert_true(view.params[0] == 2.4);
    assert_true(view.params[1] == theta_limit);
    assert_true(view.params[2] == 0.5);
    assert_true(view.params[3] == 10.0);
    assert_true(isnan(view.last_action));
    assert_int_equal(view.steps, 0);
    assert_int_equal(step_action(env, 1, obs, NULL, &err), 0);
    assert_int_equal(step_action(env, 0, obs, NULL, &err), 0);
    view = cdrl_env_view_of(env);
    assert_true(view.last_action == 0.0);
    assert_int_equal(view.steps, 2);
    assert_true(view.episode_return == 2.0);
    assert_memory_equal(view.state, obs, sizeof obs);
    cdrl_env_free(env);
}

static void errors_say_what_and_change_nothing(void **state)
{
    (void)state;
    cdrl_error err = {0};
    cdrl_env *env = NULL;
    assert_int_equal(cdrl_env_create("cartpole-v9", &env, &err), CDRL_EINVAL);
    assert_null(env);
    assert_string_equal(err.msg, "unknown env 'cartpole-v9'; known envs: cartpole, cartpole-v0, pendulum, mountaincar, mountaincar-continuous, acrobot, cartpole-swingup");

    env = make_env("cartpole", NULL);
    assert_int_equal(cdrl_env_set_option(env, "gravity", "1.6", &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "cartpole: unknown option 'gravity'; known options: integrator; wrapper options: obs_mask, obs_noise, action_repeat, time_limit");
    assert_int_equal(cdrl_env_set_option(env, "integrator", "rk4", &err), CDRL_EINVAL);
    assert_string_equal(err.msg,
                        "cartpole: option integrator: unknown value 'rk4'; accepted: euler, semi-implicit");

    double obs[4] = {0};
    cdrl_step_result r;
    assert_int_equal(step_action(env, 1, obs, &r, &err), CDRL_ESTATE);
    assert_non_null(strstr(err.msg, "step before the first reset"));

    assert_int_equal(cdrl_env_reset_seeded(env, 1, obs, &err), 0);
    double before[4];
    memcpy(before, cdrl_env_view_of(env).state, sizeof before);
    const double bad[] = {2.0, -1.0, 0.5, NAN, INFINITY};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err.code = 0;
        assert_int_equal(cdrl_env_step(env, &bad[k], obs, &r, &err), CDRL_EINVAL);
        assert_int_equal(err.code, CDRL_EINVAL);
        assert_non_null(strstr(err.msg, "cartpole: invalid action"));
        assert_non_null(strstr(err.msg, "accepted: an integer in [0, 1]"));
    }
    assert_int_equal(cdrl_env_step(env, NULL, obs, &r, &err), CDRL_EINVAL);
    cdrl_env_view view = cdrl_env_view_of(env);
    assert_memory_equal(view.state, before, sizeof before);
    assert_int_equal(view.steps, 0);
    assert_true(isnan(view.last_action));

    /* Push until the pole falls, then one more step is refused. */
    int t = 0;
    do {
        assert_int_equal(step_action(env, 1, obs, &r, &err), 0);
        t++;
    } while (!r.terminated);
    memcpy(before, cdrl_env_view_of(env).state, sizeof before);
    assert_int_equal(step_action(env, 1, obs, &r, &err), CDRL_ESTATE);
    char want[200];
    snprintf(want, sizeof want,
             "cartpole: step after the episode terminated (at step %d); call cdrl_env_reset before "
             "stepping again",
             t);
    assert_string_equal(err.msg, want);
    assert_memory_equal(cdrl_env_view_of(env).state, before, sizeof before);
    assert_int_equal(cdrl_env_view_of(env).steps, t);

    const double not_finite[4] = {0.0, NAN, 0.0, 0.0};
    assert_int_equal(cdrl_env_set_state(env, not_finite, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "state[1]"));
    assert_memory_equal(cdrl_env_view_of(env).state, before, sizeof before);
    cdrl_env_free(env);
    cdrl_env_free(NULL);
}

/* The planner's scorer agrees with the real step on real transitions, except
 * where rounding the next state to float moves it across a bound. */
static void model_reward_agrees_with_step(void **state)
{
    (void)state;
    cdrl_error err = {0};
    cdrl_env *env = make_env("cartpole", NULL);
    const cdrl_env_spec *spec = cdrl_env_spec_of(env);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 3, 0);
    double obs[4], next[4];
    int compared = 0, terminal = 0;
    assert_int_equal(cdrl_env_reset_seeded(env, 9, obs, &err), 0);
    for (int t = 0; t < 3000; t++) {
        int a = (int)cdrl_rng_below(&rng, 2);
        cdrl_step_result r;
        assert_int_equal(step_action(env, a, next, &r, &err), 0);
        float fo[4], fn[4], fa = (float)a, reward;
        uint8_t term;
        for (int d = 0; d < 4; d++) {
            fo[d] = (float)obs[d];
            fn[d] = (float)next[d];
        }
        cdrl_env_model_reward(spec, 1, fo, &fa, fn, &reward, &term);
        assert_true(reward == (float)r.reward);
        int near_bound = fabs(fabs(next[0]) - 2.4) < 1e-6 || fabs(fabs(next[2]) - 0.2094395102393195) < 1e-6;
        if (!near_bound) {
            assert_int_equal(term, r.terminated);
            compared++;
        }
        terminal += r.terminated;
        if (r.terminated || r.truncated)
            assert_int_equal(cdrl_env_reset(env, next, &err), 0);
        memcpy(obs, next, sizeof obs);
    }
    assert_true(compared > 2900 && terminal > 50);

    /* Batches: a row per transition, and a spec from outside the registry. */
    float no[3 * 4] = {0}, nn[3 * 4] = {0}, na[3] = {0}, rw[3];
    uint8_t tm[3];
    nn[0 * 4 + 0] = 2.5f;  /* off the track */
    nn[1 * 4 + 2] = -0.3f; /* fallen */
    nn[2 * 4 + 0] = 1.0f;  /* fine */
    cdrl_env_model_reward(spec, 3, no, na, nn, rw, tm);
    assert_true(tm[0] == 1 && tm[1] == 1 && tm[2] == 0);
    assert_true(rw[0] == 1.0f && rw[1] == 1.0f && rw[2] == 1.0f);
    cdrl_env_spec alien = *spec;
    alien.name = "no-such-env";
    cdrl_env_model_reward(&alien, 1, no, na, nn + 8, rw, tm);
    assert_true(isnan(rw[0]) && tm[0] == 1);
    cdrl_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(euler_matches_physics),
        cmocka_unit_test(semi_implicit_matches_physics),
        cmocka_unit_test(pinned_reference_values),
        cmocka_unit_test(default_integrator_is_euler),
        cmocka_unit_test(terminates_on_each_bound),
        cmocka_unit_test(truncation_v1_at_500),
        cmocka_unit_test(truncation_v0_at_200),
        cmocka_unit_test(terminated_and_truncated_together),
        cmocka_unit_test(seeding_is_reproducible),
        cmocka_unit_test(spec_and_view),
        cmocka_unit_test(errors_say_what_and_change_nothing),
        cmocka_unit_test(model_reward_agrees_with_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
