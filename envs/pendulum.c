/* Pendulum: Gymnasium's Pendulum-v1, the inverted-pendulum swing-up with a
 * continuous, bounded torque, in the reference's equations, constants and
 * order of floating-point operations, in double.
 *
 * A rod of mass m and length l (theta = 0 upright) driven by a torque u:
 *   u       = clip(action, -max_torque, max_torque)
 *   cost    = normalize(theta)^2 + 0.1 theta_dot^2 + 0.001 u^2
 *   theta_dot' = clip(theta_dot + (3 g / (2 l) sin theta + 3 / (m l^2) u) dt, +-max_speed)
 *   theta'  = theta + theta_dot' dt          (semi-implicit Euler)
 * reward = -cost, computed from the state before the step. The episode never
 * terminates; the time limit (200 steps) ends it. The observation is
 * (cos theta, sin theta, theta_dot).
 *
 * Where the reference leans on numpy: `x ** 2` is pow(x, 2) (numpy's scalar
 * power calls libm pow), the angle normalization is a floored modulo (numpy's
 * `%`, not C's fmod), and np.sin/np.cos are libm's here (numpy may use its own
 * SIMD versions on AVX-512 machines). The action is taken as a double, as the
 * reference computes with a float64 action array; see docs/env.md. */
#include <math.h>
#include <string.h>

#include "env_def.h"

#define PENDULUM_PI 3.141592653589793

typedef struct {
    double max_speed, max_torque, dt, g, m, l;
} pendulum_settings;

enum { PENDULUM_THETA, PENDULUM_THETA_DOT, PENDULUM_STATE_DIM };
enum { PENDULUM_OBS_DIM = 3 };

static void pendulum_settings_init(void *settings)
{
    pendulum_settings *p = settings;
    p->max_speed = 8.0;
    p->max_torque = 2.0;
    p->dt = 0.05;
    p->g = 10.0;
    p->m = 1.0;
    p->l = 1.0;
}

static int pendulum_settings_set(void *settings, const char *key, const char *value, cdrl_error *err)
{
    pendulum_settings *p = settings;
    if (strcmp(key, "g") != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "pendulum: unknown option '%s'; known options: g", key);
    double g;
    if (cdrl_env_parse_double(value, &g) || !(g > 0.0 && g <= 1000.0))
        return cdrl_errorf(err, CDRL_EINVAL, "pendulum: option g: '%s' is invalid; accepted: a number in (0, 1000]",
                           value);
    p->g = g;
    return 0;
}

static void pendulum_view_params(const void *settings, double *params)
{
    const pendulum_settings *p = settings;
    params[0] = p->l;
    params[1] = p->max_torque;
    params[2] = p->max_speed;
}

/* The reference draws (theta, theta_dot) in that order from
 * U[-pi, pi) x U[-1, 1) (numpy's uniform with the bounds as arrays). */
static void pendulum_reset_state(const void *settings, cdrl_rng *rng, double *state)
{
    (void)settings;
    state[PENDULUM_THETA] = cdrl_rng_range(rng, -PENDULUM_PI, PENDULUM_PI);
    state[PENDULUM_THETA_DOT] = cdrl_rng_range(rng, -1.0, 1.0);
}

/* numpy's float64 remainder: fmod, then moved into the divisor's sign. */
double cdrl_env_floor_mod(double a, double b)
{
    double r = fmod(a, b);
    if (r != 0.0) {
        if ((b < 0.0) != (r < 0.0))
            r += b;
    } else {
        r = copysign(0.0, b);
    }
    return r;
}

static double pendulum_angle_normalize(double x)
{
    return cdrl_env_floor_mod(x + PENDULUM_PI, 2.0 * PENDULUM_PI) - PENDULUM_PI;
}

/* np.clip(x, lo, hi) on a scalar: min(max(x, lo), hi). */
static inline double clip(double x, double lo, double hi)
{
    double y = x < lo ? lo : x;
    return y > hi ? hi : y;
}

static double pendulum_cost(double th, double thdot, double u)
{
    return pow(pendulum_angle_normalize(th), 2.0) + 0.1 * pow(thdot, 2.0) + 0.001 * pow(u, 2.0);
}

static void pendulum_step_batch(const void *settings, int n, double *state, size_t stride,
                                const double *actions, double *reward, uint8_t *terminated)
{
    const pendulum_settings *p = settings;
    double *theta = state + PENDULUM_THETA * stride;
    double *theta_dot = state + PENDULUM_THETA_DOT * stride;
    for (int i = 0; i < n; i++) {
        const double th = theta[i], thdot = theta_dot[i];
        const double u = clip(actions[i], -p->max_torque, p->max_torque);
        const double costs = pendulum_cost(th, thdot, u);
        double newthdot =
            thdot + (3.0 * p->g / (2.0 * p->l) * sin(th) + 3.0 / (p->m * pow(p->l, 2.0)) * u) * p->dt;
        newthdot = clip(newthdot, -p->max_speed, p->max_speed);
        theta[i] = th + newthdot * p->dt;
        theta_dot[i] = newthdot;
        reward[i] = -costs;
        terminated[i] = 0;
    }
}

static void pendulum_observe_batch(const void *settings, int n, const double *state, size_t stride,
                                   double *obs)
{
    (void)settings;
    for (int i = 0; i < n; i++) {
        double *row = obs + (size_t)i * PENDULUM_OBS_DIM;
        const double th = state[PENDULUM_THETA * stride + i];
        row[0] = cos(th);
        row[1] = sin(th);
        row[2] = state[PENDULUM_THETA_DOT * stride + i];
    }
}

/* The planner's scorer: the cost depends on the state before the step, which
 * the observation gives as (cos, sin): theta = atan2(sin, cos) lies in
 * [-pi, pi], where the normalization is the identity up to rounding. The
 * default gravity's torque limit is assumed (the scorer sees no settings). */
static void pendulum_model_reward(int n, const float *obs, const float *actions, const float *next_obs,
                                  float *reward, uint8_t *terminated)
{
    (void)next_obs;
    for (int i = 0; i < n; i++) {
        const float *row = obs + (size_t)i * PENDULUM_OBS_DIM;
        double th = atan2((double)row[1], (double)row[0]);
        double u = clip((double)actions[i], -2.0, 2.0);
        reward[i] = (float)-pendulum_cost(th, (double)row[2], u);
        terminated[i] = 0;
    }
}

const cdrl_env_def cdrl_pendulum_def = {
    .spec = {.name = "pendulum",
             .obs_dim = PENDULUM_OBS_DIM,
             .obs_low = {-1.0, -1.0, -8.0},
             .obs_high = {1.0, 1.0, 8.0},
             .action_count = 0,
             .action_dim = 1,
             .action_low = {-2.0},
             .action_high = {2.0},
             .max_episode_steps = 200,
             /* Gymnasium registers Pendulum-v1 without a reward threshold. */
             .solved_threshold = NAN,
             .solved_window = 100,
             .steps_per_second = 1 / 0.05}, /* dt = 0.05 s */
    .kind = "pendulum",
    .state_dim = PENDULUM_STATE_DIM,
    .n_params = 3,
    .settings_size = sizeof(pendulum_settings),
    .settings_init = pendulum_settings_init,
    .settings_set = pendulum_settings_set,
    .view_params = pendulum_view_params,
    .reset_state = pendulum_reset_state,
    .step_batch = pendulum_step_batch,
    .observe_batch = pendulum_observe_batch,
    .model_reward = pendulum_model_reward,
};
