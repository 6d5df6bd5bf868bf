/* Cart-pole swing-up: the task of PILCO (Deisenroth & Rasmussen, ICML 2011;
 * Deisenroth, Fox & Rasmussen, IEEE TPAMI 2015) and of Deep PILCO (Gal,
 * McAllister & Rasmussen, 2016), as specified by the PILCO software's
 * cart-pole scenario (pilco-matlab, scenarios/cartPole: dynamics_cp.m,
 * settings_cp.m, loss_cp.m) with the equations of motion derived in
 * Deisenroth (2010), "Efficient Reinforcement Learning Using Gaussian
 * Processes", Appendix C.
 *
 * A cart (mass M = 0.5 kg) on a frictional track (b = 0.1 N s/m) carries a
 * pole (uniform rod, mass m = 0.5 kg, length l = 0.5 m); theta = 0 hangs
 * down, the pole's tip is at (x + l sin theta, -l cos theta), g = 9.82. A
 * horizontal force u in [-10, 10] N is held for dt = 0.1 s:
 *   x"     = (2 m l theta'^2 sin + 3 m g sin cos + 4 u - 4 b x') / (4 (M + m) - 3 m cos^2)
 *   theta" = (-3 m l theta'^2 sin cos - 6 (M + m) g sin - 6 (u - b x') cos)
 *            / (4 l (m + M) - 3 m l cos^2)
 * The cost of a state is PILCO's saturating cost 1 - exp(-d^2 / (2 w^2)),
 * w = 0.25 m, d the distance of the pole's tip from its upright position
 * above the track's origin, d^2 = (x + l sin theta)^2 + (l cos theta + l)^2;
 * the reward of a step is minus the cost of the state it reaches, so a
 * return lies in [-40, 0]. Episodes last T = 4 s = 40 steps and never
 * terminate (the track has no ends). Start states are drawn from PILCO's
 * N(0, 0.1^2 I) over (x, x', theta, theta').
 *
 * What differs from PILCO, on purpose (docs/env.md): PILCO integrates with
 * MATLAB's adaptive ode45; here each 0.1 s step is 10 classical RK4 substeps
 * of 0.01 s (zero-order hold), a fixed, reproducible integrator far more
 * accurate than ode45's default tolerance. PILCO adds 0.01 measurement noise
 * to what the controller sees; here the observation is exact (add it with
 * the obs_noise=0.01 env option). The observation is
 * (x, x', cos theta, sin theta, theta'), PILCO's policy inputs. */
#include <math.h>
#include <string.h>

#include "env_def.h"

typedef struct {
    double cart_mass, pole_mass, pole_length, friction, gravity, dt, max_force, cost_width;
    int substeps;
} swingup_settings;

enum { SWINGUP_X, SWINGUP_X_DOT, SWINGUP_THETA, SWINGUP_THETA_DOT, SWINGUP_STATE_DIM };
enum { SWINGUP_OBS_DIM = 5 };

static void swingup_settings_init(void *settings)
{
    swingup_settings *c = settings;
    c->cart_mass = 0.5;
    c->pole_mass = 0.5;
    c->pole_length = 0.5;
    c->friction = 0.1;
    c->gravity = 9.82;
    c->dt = 0.1;
    c->max_force = 10.0;
    c->cost_width = 0.25;
    c->substeps = 10;
}

static int swingup_settings_set(void *settings, const char *key, const char *value, cdrl_error *err)
{
    (void)settings, (void)value;
    return cdrl_errorf(err, CDRL_EINVAL, "cartpole-swingup: unknown option '%s'; this env has no options", key);
}

static void swingup_view_params(const void *settings, double *params)
{
    const swingup_settings *c = settings;
    params[0] = c->pole_length;
    params[1] = c->max_force;
    params[2] = c->cost_width;
}

static void swingup_reset_state(const void *settings, cdrl_rng *rng, double *state)
{
    (void)settings;
    for (int d = 0; d < SWINGUP_STATE_DIM; d++)
        state[d] = 0.1 * cdrl_rng_normal(rng);
}

/* d s / dt for s = (x, x', theta, theta') under the force u. */
static void swingup_derivs(const swingup_settings *c, const double *s, double u, double *ds)
{
    const double M = c->cart_mass, m = c->pole_mass, l = c->pole_length, b = c->friction, g = c->gravity;
    const double xd = s[1], td = s[3], sn = sin(s[2]), cs = cos(s[2]);
    ds[0] = xd;
    ds[1] = (2 * m * l * (td * td) * sn + 3 * m * g * sn * cs + 4 * u - 4 * b * xd) / (4 * (M + m) - 3 * m * (cs * cs));
    ds[2] = td;
    ds[3] = (-3 * m * l * (td * td) * sn * cs - 6 * (M + m) * g * sn - 6 * (u - b * xd) * cs) /
            (4 * l * (m + M) - 3 * m * l * (cs * cs));
}

/* PILCO's saturating cost of the pole's tip, given sin and cos of theta. */
static double swingup_cost(double x, double sn, double cs, double l, double width)
{
    const double dx = x + l * sn, dy = l * cs + l;
    const double d2 = dx * dx + dy * dy;
    return 1.0 - exp(-d2 / (2.0 * width * width));
}

static void swingup_step_batch(const void *settings, int n, double *state, size_t stride, const double *actions,
                               double *reward, uint8_t *terminated)
{
    const swingup_settings *c = settings;
    const double h = c->dt / c->substeps, h2 = h / 2.0;
    for (int i = 0; i < n; i++) {
        double s[SWINGUP_STATE_DIM];
        for (int d = 0; d < SWINGUP_STATE_DIM; d++)
            s[d] = state[(size_t)d * stride + i];
        const double a = actions[i];
        const double u = a < -c->max_force ? -c->max_force : a > c->max_force ? c->max_force : a;
        for (int k = 0; k < c->substeps; k++) {
            double k1[4], k2[4], k3[4], k4[4], y[4];
            swingup_derivs(c, s, u, k1);
            for (int d = 0; d < 4; d++)
                y[d] = s[d] + h2 * k1[d];
            swingup_derivs(c, y, u, k2);
            for (int d = 0; d < 4; d++)
                y[d] = s[d] + h2 * k2[d];
            swingup_derivs(c, y, u, k3);
            for (int d = 0; d < 4; d++)
                y[d] = s[d] + h * k3[d];
            swingup_derivs(c, y, u, k4);
            for (int d = 0; d < 4; d++)
                s[d] = s[d] + h / 6.0 * (k1[d] + 2 * k2[d] + 2 * k3[d] + k4[d]);
        }
        for (int d = 0; d < SWINGUP_STATE_DIM; d++)
            state[(size_t)d * stride + i] = s[d];
        reward[i] = -swingup_cost(s[SWINGUP_X], sin(s[SWINGUP_THETA]), cos(s[SWINGUP_THETA]), c->pole_length,
                                  c->cost_width);
        terminated[i] = 0;
    }
}

static void swingup_observe_batch(const void *settings, int n, const double *state, size_t stride, double *obs)
{
    (void)settings;
    for (int i = 0; i < n; i++) {
        double *row = obs + (size_t)i * SWINGUP_OBS_DIM;
        const double theta = state[SWINGUP_THETA * stride + i];
        row[0] = state[SWINGUP_X * stride + i];
        row[1] = state[SWINGUP_X_DOT * stride + i];
        row[2] = cos(theta);
        row[3] = sin(theta);
        row[4] = state[SWINGUP_THETA_DOT * stride + i];
    }
}

/* The planner's scorer: the cost of the imagined next observation, which
 * holds x, cos theta and sin theta, so it is the real reward's formula. */
static void swingup_model_reward(int n, const float *obs, const float *actions, const float *next_obs,
                                 float *reward, uint8_t *terminated)
{
    (void)obs, (void)actions;
    for (int i = 0; i < n; i++) {
        const float *o = next_obs + (size_t)i * SWINGUP_OBS_DIM;
        reward[i] = (float)-swingup_cost(o[0], o[3], o[2], 0.5, 0.25);
        terminated[i] = 0;
    }
}

const cdrl_env_def cdrl_cartpole_swingup_def = {
    .spec = {.name = "cartpole-swingup",
             .obs_dim = SWINGUP_OBS_DIM,
             .obs_low = {-INFINITY, -INFINITY, -1.0, -1.0, -INFINITY},
             .obs_high = {INFINITY, INFINITY, 1.0, 1.0, INFINITY},
             .action_count = 0,
             .action_dim = 1,
             .action_low = {-10.0},
             .action_high = {10.0},
             .max_episode_steps = 40,
             /* PILCO judges a swing-up by its cost, with no threshold. */
             .solved_threshold = NAN,
             .solved_window = 100,
             .steps_per_second = 1 / 0.1}, /* dt = 0.1 s */
    .kind = "cartpole-swingup",
    .state_dim = SWINGUP_STATE_DIM,
    .n_params = 3,
    .settings_size = sizeof(swingup_settings),
    .settings_init = swingup_settings_init,
    .settings_set = swingup_settings_set,
    .view_params = swingup_view_params,
    .reset_state = swingup_reset_state,
    .step_batch = swingup_step_batch,
    .observe_batch = swingup_observe_batch,
    .model_reward = swingup_model_reward,
};
