/* Tests of cdrl_env_register: an env defined here, outside envs/, is created
 * by name, steps by its own equations, gets the wrappers and batching, is
 * listed, and bad definitions are refused with a message naming the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/env.h"
#include "cdrl/env_register.h"

/* "ramp": x starts uniform in [0, 1); action a in {0, 1} adds a; reward x';
 * terminated once x' >= 3; time limit 10. Settings: the increment's scale. */
typedef struct {
    double scale;
} ramp_settings;

static void ramp_init(void *settings)
{
    ((ramp_settings *)settings)->scale = 1.0;
}

static int ramp_set(void *settings, const char *key, const char *value, cdrl_error *err)
{
    if (strcmp(key, "scale") != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "ramp: unknown option '%s' (known: scale)", key);
    ((ramp_settings *)settings)->scale = strtod(value, NULL);
    return 0;
}

static void ramp_reset(const void *settings, cdrl_rng *rng, double *state)
{
    (void)settings;
    state[0] = cdrl_rng_range(rng, 0.0, 1.0);
}

static void ramp_step(const void *settings, int n, double *state, size_t stride, const double *actions,
                      double *reward, uint8_t *terminated)
{
    (void)stride;
    const ramp_settings *c = settings;
    for (int i = 0; i < n; i++) {
        state[i] += c->scale * actions[i];
        reward[i] = state[i];
        terminated[i] = state[i] >= 3.0;
    }
}

static void ramp_observe(const void *settings, int n, const double *state, size_t stride, double *obs)
{
    (void)settings, (void)stride;
    for (int i = 0; i < n; i++)
        obs[i] = state[i];
}

static cdrl_env_def ramp_def(const char *name)
{
    return (cdrl_env_def){
        .spec = {.name = name, .obs_dim = 1, .obs_low = {-HUGE_VAL}, .obs_high = {HUGE_VAL},
                 .action_count = 2, .max_episode_steps = 10, .solved_threshold = 5.0, .solved_window = 3},
        .state_dim = 1,
        .settings_size = sizeof(ramp_settings),
        .settings_init = ramp_init,
        .settings_set = ramp_set,
        .reset_state = ramp_reset,
        .step_batch = ramp_step,
        .observe_batch = ramp_observe,
    };
}

static void registered_env_steps_by_its_equations(void **state)
{
    (void)state;
    cdrl_error err = {0};
    cdrl_env_def def = ramp_def("ramp");
    assert_int_equal(cdrl_env_register(&def, &err), 0);
    int listed = 0;
    for (const char *const *n = cdrl_env_names(); *n; n++)
        listed += strcmp(*n, "ramp") == 0;
    assert_int_equal(listed, 1);

    cdrl_env *env = NULL;
    assert_int_equal(cdrl_env_create("ramp", &env, &err), 0);
    assert_string_equal(cdrl_env_view_of(env).kind, "ramp"); /* kind defaults to the name */
    double obs, x0, action = 1.0;
    assert_int_equal(cdrl_env_reset_seeded(env, 5, &x0, &err), 0);
    assert_true(x0 >= 0.0 && x0 < 1.0);
    cdrl_step_result r;
    assert_int_equal(cdrl_env_step(env, &action, &obs, &r, &err), 0);
    assert_true(obs == x0 + 1.0 && r.reward == x0 + 1.0 && !r.terminated);
    assert_int_equal(cdrl_env_step(env, &action, &obs, &r, &err), 0);
    assert_int_equal(cdrl_env_step(env, &action, &obs, &r, &err), 0);
    assert_true(obs == x0 + 3.0 && r.terminated); /* x' >= 3 */
    /* The env's own option and a wrapper. */
    assert_int_equal(cdrl_env_set_option(env, "scale", "0.5", &err), 0);
    assert_int_equal(cdrl_env_set_option(env, "time_limit", "2", &err), 0);
    assert_int_equal(cdrl_env_reset_seeded(env, 5, &obs, &err), 0);
    assert_int_equal(cdrl_env_step(env, &action, &obs, &r, &err), 0);
    assert_true(obs == x0 + 0.5 && !r.truncated);
    assert_int_equal(cdrl_env_step(env, &action, &obs, &r, &err), 0);
    assert_true(r.truncated);
    action = 2.0; /* outside {0, 1}: the shared action check names the env */
    assert_int_equal(cdrl_env_reset(env, &obs, &err), 0);
    assert_int_equal(cdrl_env_step(env, &action, &obs, &r, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "ramp"));
    cdrl_env_free(env);

    /* Batched for free: env 0 of a batch is the single env seeded the same. */
    cdrl_vec_env *venv = NULL;
    assert_int_equal(cdrl_vec_env_create("ramp", 3, 5, &venv, &err), 0);
    double vobs[3], reward[3], actions[3] = {1, 0, 1};
    uint8_t term[3], trunc[3];
    assert_int_equal(cdrl_vec_env_reset(venv, vobs, &err), 0);
    assert_true(vobs[0] == x0);
    assert_int_equal(cdrl_vec_env_step(venv, actions, vobs, reward, term, trunc, NULL, &err), 0);
    assert_true(vobs[0] == x0 + 1.0 && reward[0] == x0 + 1.0);
    cdrl_vec_env_free(venv);
}

/* Each bad definition: refused with its problem named, and nothing registered. */
static void bad_definitions_are_refused(void **state)
{
    (void)state;
    cdrl_error err = {0};
    struct {
        cdrl_env_def def;
        const char *message;
    } cases[8];
    for (int i = 0; i < 8; i++)
        cases[i].def = ramp_def("bad");
    cases[0].def.spec.name = NULL, cases[0].message = "spec.name is empty";
    cases[1].def.step_batch = NULL, cases[1].message = "step_batch";
    cases[2].def.spec.obs_dim = 0, cases[2].message = "obs_dim";
    cases[3].def.spec.action_dim = 2, cases[3].message = "exactly one of";
    cases[4].def.spec.action_count = 0, cases[4].message = "exactly one of";
    cases[5].def.spec.max_episode_steps = 0, cases[5].message = "time limit";
    cases[6].def.state_dim = CDRL_ENV_MAX_DIM + 1, cases[6].message = "state_dim";
    cases[7].def.spec.name = "cartpole", cases[7].message = "already registered";
    for (int i = 0; i < 8; i++) {
        assert_int_equal(cdrl_env_register(&cases[i].def, &err), CDRL_EINVAL);
        if (!strstr(err.msg, cases[i].message))
            fail_msg("case %d: '%s' does not say '%s'", i, err.msg, cases[i].message);
    }
    cdrl_env *env = NULL;
    assert_int_equal(cdrl_env_create("bad", &env, &err), CDRL_EINVAL);
    assert_null(env);
    assert_int_equal(cdrl_env_register(NULL, &err), CDRL_EINVAL);
}

static void a_name_registers_once(void **state)
{
    (void)state;
    cdrl_error err = {0};
    cdrl_env_def def = ramp_def("ramp-once");
    assert_int_equal(cdrl_env_register(&def, &err), 0);
    assert_int_equal(cdrl_env_register(&def, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "'ramp-once' is already registered"));
    /* Without optional functions: no options of its own, no model reward. */
    def.spec.name = "ramp-bare";
    def.settings_size = 0, def.settings_init = NULL, def.settings_set = NULL;
    cdrl_env_def bare = def;
    bare.step_batch = ramp_step;
    assert_int_equal(cdrl_env_register(&bare, &err), 0);
    cdrl_env *env = NULL;
    assert_int_equal(cdrl_env_create("ramp-bare", &env, &err), 0);
    assert_int_equal(cdrl_env_set_option(env, "scale", "2", &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "scale"));
    float o = 0, a = 0, no = 0, reward;
    uint8_t term;
    cdrl_env_model_reward(cdrl_env_spec_of(env), 1, &o, &a, &no, &reward, &term);
    assert_true(isnan(reward) && term == 1);
    cdrl_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registered_env_steps_by_its_equations),
        cmocka_unit_test(bad_definitions_are_refused),
        cmocka_unit_test(a_name_registers_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
