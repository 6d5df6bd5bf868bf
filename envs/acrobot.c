/* Acrobot: Gymnasium's Acrobot-v1 (Sutton 1996; Sutton & Barto, the "book"
 * dynamics), two links hanging from a pivot with a torque of -1, 0 or +1 on
 * the joint between them; the goal is to swing the tip above the line one
 * link length over the pivot.
 *
 * One step integrates the equations of motion over dt = 0.2 s with one
 * classical Runge-Kutta (RK4) step on the state augmented by the torque,
 * then wraps both angles into [-pi, pi] (by whole turns, as the reference's
 * `wrap`) and clips the speeds to +-4 pi and +-9 pi (its `bound`). The
 * episode terminates when -cos(t1) - cos(t2 + t1) > 1; each step is worth
 * -1, the terminating one 0; the time limit is 500 steps. The observation is
 * (cos t1, sin t1, cos t2, sin t2, t1', t2').
 *
 * In double in the reference's order of floating-point operations: `x ** 2`
 * is pow (numpy's scalar power), the RK4 sums are taken as numpy takes them
 * (((k1 + 2 k2) + 2 k3) + k4, times dt / 6), and np.sin/np.cos are libm's.
 * The reference's reset rounds its draws to float32; so do we. */
#include <math.h>
#include <string.h>

#include "env_def.h"

#define ACROBOT_PI 3.141592653589793

typedef struct {
    double dt, link_length_1, link_length_2, link_mass_1, link_mass_2, link_com_pos_1, link_com_pos_2, link_moi;
    double max_vel_1, max_vel_2;
    /* lc1**2, l1**2, lc2**2 of the reference, by the same pow, once */
    double lc1_sq, l1_sq, lc2_sq;
} acrobot_settings;

enum { ACROBOT_THETA1, ACROBOT_THETA2, ACROBOT_DTHETA1, ACROBOT_DTHETA2, ACROBOT_STATE_DIM };
enum { ACROBOT_OBS_DIM = 6, ACROBOT_AUGMENTED = 5 };

static void acrobot_settings_init(void *settings)
{
    acrobot_settings *c = settings;
    c->dt = 0.2;
    c->link_length_1 = 1.0;
    c->link_length_2 = 1.0;
    c->link_mass_1 = 1.0;
    c->link_mass_2 = 1.0;
    c->link_com_pos_1 = 0.5;
    c->link_com_pos_2 = 0.5;
    c->link_moi = 1.0;
    c->max_vel_1 = 4 * ACROBOT_PI;
    c->max_vel_2 = 9 * ACROBOT_PI;
    c->lc1_sq = pow(c->link_com_pos_1, 2.0);
    c->l1_sq = pow(c->link_length_1, 2.0);
    c->lc2_sq = pow(c->link_com_pos_2, 2.0);
}

static int acrobot_settings_set(void *settings, const char *key, const char *value, cdrl_error *err)
{
    (void)settings, (void)value;
    return cdrl_errorf(err, CDRL_EINVAL, "acrobot: unknown option '%s'; this env has no options", key);
}

static void acrobot_view_params(const void *settings, double *params)
{
    const acrobot_settings *c = settings;
    params[0] = c->link_length_1;
    params[1] = c->link_length_2;
}

/* Four draws from U[-0.1, 0.1), each rounded to float32 as the reference's
 * `.astype(np.float32)`. */
static void acrobot_reset_state(const void *settings, cdrl_rng *rng, double *state)
{
    (void)settings;
    for (int d = 0; d < ACROBOT_STATE_DIM; d++)
        state[d] = (double)(float)cdrl_rng_range(rng, -0.1, 0.1);
}

/* The time derivative of the augmented state y = (t1, t2, t1', t2', torque),
 * the "book" equations of motion. */
static void acrobot_derivs(const acrobot_settings *c, const double *y, double *dy)
{
    const double m1 = c->link_mass_1, m2 = c->link_mass_2, l1 = c->link_length_1;
    const double lc1 = c->link_com_pos_1, lc2 = c->link_com_pos_2, I1 = c->link_moi, I2 = c->link_moi;
    const double g = 9.8;
    const double a = y[4], theta1 = y[0], theta2 = y[1], dtheta1 = y[2], dtheta2 = y[3];
    /* the reference evaluates cos(theta2) and sin(theta2) twice each; once
     * gives the same values */
    const double cos2 = cos(theta2), sin2 = sin(theta2);
    const double d1 = m1 * c->lc1_sq + m2 * (c->l1_sq + c->lc2_sq + 2 * l1 * lc2 * cos2) + I1 + I2;
    const double d2 = m2 * (c->lc2_sq + l1 * lc2 * cos2) + I2;
    const double phi2 = m2 * lc2 * g * cos(theta1 + theta2 - ACROBOT_PI / 2.0);
    const double phi1 = -m2 * l1 * lc2 * pow(dtheta2, 2.0) * sin2 -
                        2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2 +
                        (m1 * lc1 + m2 * l1) * g * cos(theta1 - ACROBOT_PI / 2) + phi2;
    const double ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * pow(dtheta1, 2.0) * sin2 - phi2) /
                            (m2 * c->lc2_sq + I2 - pow(d2, 2.0) / d1);
    const double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    dy[0] = dtheta1;
    dy[1] = dtheta2;
    dy[2] = ddtheta1;
    dy[3] = ddtheta2;
    dy[4] = 0.0;
}

/* The reference's `wrap`: whole turns added or taken until x is in [m, M]. */
static double acrobot_wrap(double x, double m, double M)
{
    const double diff = M - m;
    while (x > M)
        x = x - diff;
    while (x < m)
        x = x + diff;
    return x;
}

/* The reference's `bound`: min(max(x, m), M) with Python's min and max. */
static double acrobot_bound(double x, double m, double M)
{
    double y = m > x ? m : x;
    return M < y ? M : y;
}

static int acrobot_terminal(double theta1, double theta2)
{
    return -cos(theta1) - cos(theta2 + theta1) > 1.0;
}

static void acrobot_step_batch(const void *settings, int n, double *state, size_t stride, const double *actions,
                               double *reward, uint8_t *terminated)
{
    static const double avail_torque[3] = {-1.0, 0.0, 1.0};
    const acrobot_settings *c = settings;
    for (int i = 0; i < n; i++) {
        double y0[ACROBOT_AUGMENTED], k1[ACROBOT_AUGMENTED], k2[ACROBOT_AUGMENTED], k3[ACROBOT_AUGMENTED],
            k4[ACROBOT_AUGMENTED], y[ACROBOT_AUGMENTED];
        for (int d = 0; d < ACROBOT_STATE_DIM; d++)
            y0[d] = state[(size_t)d * stride + i];
        y0[4] = avail_torque[(int)actions[i]];
        /* t = [0, dt]: the step is t[1] - t[0], halved for the midpoints */
        const double dt = c->dt - 0, dt2 = dt / 2.0;
        acrobot_derivs(c, y0, k1);
        for (int d = 0; d < ACROBOT_AUGMENTED; d++)
            y[d] = y0[d] + dt2 * k1[d];
        acrobot_derivs(c, y, k2);
        for (int d = 0; d < ACROBOT_AUGMENTED; d++)
            y[d] = y0[d] + dt2 * k2[d];
        acrobot_derivs(c, y, k3);
        for (int d = 0; d < ACROBOT_AUGMENTED; d++)
            y[d] = y0[d] + dt * k3[d];
        acrobot_derivs(c, y, k4);
        double ns[ACROBOT_STATE_DIM];
        for (int d = 0; d < ACROBOT_STATE_DIM; d++)
            ns[d] = y0[d] + dt / 6.0 * (k1[d] + 2 * k2[d] + 2 * k3[d] + k4[d]);
        ns[0] = acrobot_wrap(ns[0], -ACROBOT_PI, ACROBOT_PI);
        ns[1] = acrobot_wrap(ns[1], -ACROBOT_PI, ACROBOT_PI);
        ns[2] = acrobot_bound(ns[2], -c->max_vel_1, c->max_vel_1);
        ns[3] = acrobot_bound(ns[3], -c->max_vel_2, c->max_vel_2);
        for (int d = 0; d < ACROBOT_STATE_DIM; d++)
            state[(size_t)d * stride + i] = ns[d];
        terminated[i] = (uint8_t)acrobot_terminal(ns[0], ns[1]);
        reward[i] = terminated[i] ? 0.0 : -1.0;
    }
}

static void acrobot_observe_batch(const void *settings, int n, const double *state, size_t stride, double *obs)
{
    (void)settings;
    for (int i = 0; i < n; i++) {
        double *row = obs + (size_t)i * ACROBOT_OBS_DIM;
        const double t1 = state[ACROBOT_THETA1 * stride + i], t2 = state[ACROBOT_THETA2 * stride + i];
        row[0] = cos(t1);
        row[1] = sin(t1);
        row[2] = cos(t2);
        row[3] = sin(t2);
        row[4] = state[ACROBOT_DTHETA1 * stride + i];
        row[5] = state[ACROBOT_DTHETA2 * stride + i];
    }
}

/* The planner's scorer: the termination test on the imagined next
 * observation, with cos(t2 + t1) = cos t1 cos t2 - sin t1 sin t2. */
static void acrobot_model_reward(int n, const float *obs, const float *actions, const float *next_obs,
                                 float *reward, uint8_t *terminated)
{
    (void)obs, (void)actions;
    for (int i = 0; i < n; i++) {
        const float *o = next_obs + (size_t)i * ACROBOT_OBS_DIM;
        double c1 = o[0], s1 = o[1], c2 = o[2], s2 = o[3];
        terminated[i] = -c1 - (c1 * c2 - s1 * s2) > 1.0;
        reward[i] = terminated[i] ? 0.0f : -1.0f;
    }
}

const cdrl_env_def cdrl_acrobot_def = {
    .spec = {.name = "acrobot",
             .obs_dim = ACROBOT_OBS_DIM,
             .obs_low = {-1.0, -1.0, -1.0, -1.0, -4 * ACROBOT_PI, -9 * ACROBOT_PI},
             .obs_high = {1.0, 1.0, 1.0, 1.0, 4 * ACROBOT_PI, 9 * ACROBOT_PI},
             .action_count = 3,
             .action_dim = 0,
             .max_episode_steps = 500,
             .solved_threshold = -100.0, /* Gymnasium's reward_threshold */
             .solved_window = 100,
             .steps_per_second = 1 / 0.2}, /* Acrobot-v1: dt = 0.2 s */
    .kind = "acrobot",
    .state_dim = ACROBOT_STATE_DIM,
    .n_params = 2,
    .settings_size = sizeof(acrobot_settings),
    .settings_init = acrobot_settings_init,
    .settings_set = acrobot_settings_set,
    .view_params = acrobot_view_params,
    .reset_state = acrobot_reset_state,
    .step_batch = acrobot_step_batch,
    .observe_batch = acrobot_observe_batch,
    .model_reward = acrobot_model_reward,
};
