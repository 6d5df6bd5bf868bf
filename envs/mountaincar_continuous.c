/* MountainCarContinuous: Gymnasium's MountainCarContinuous-v0, the mountain
 * car with a continuous engine: force = clip(action, -1, 1),
 *   velocity' = velocity + (force power - 0.0025 cos(3 position)), then
 *               clipped to +-max_speed
 *   position' = position + velocity', clipped to [min_position, max_position]
 *   velocity' = 0 if the car hit the left wall moving left
 * terminated when position' >= 0.45 and velocity' >= 0; the reward is 100 on
 * that step, minus 0.1 action^2 every step (of the action as given, not the
 * clipped force, as the reference); the time limit is 999 steps.
 *
 * The reference keeps its state as float32 after every step (but float64 at
 * reset). The step itself is computed in float64 from that state and then
 * rounded to float32, which is what Gymnasium computes for a float64 action
 * (and for any action under numpy 1). Under numpy 2 a float32 action makes
 * numpy do some of these operations in float32 instead (NEP 50); we follow
 * the float64 path, since actions are doubles here (docs/env.md). */
#include <math.h>
#include <string.h>

#include "env_def.h"

typedef struct {
    double min_action, max_action, min_position, max_position, max_speed, goal_position, goal_velocity,
        power;
} mcc_settings;

enum { MCC_POSITION, MCC_VELOCITY, MCC_STATE_DIM };

static void mcc_settings_init(void *settings)
{
    mcc_settings *c = settings;
    c->min_action = -1.0;
    c->max_action = 1.0;
    c->min_position = -1.2;
    c->max_position = 0.6;
    c->max_speed = 0.07;
    c->goal_position = 0.45;
    c->goal_velocity = 0.0;
    c->power = 0.0015;
}

static int mcc_settings_set(void *settings, const char *key, const char *value, cdrl_error *err)
{
    (void)settings, (void)value;
    return cdrl_errorf(err, CDRL_EINVAL, "mountaincar-continuous: unknown option '%s'; this env has no options",
                       key);
}

static void mcc_view_params(const void *settings, double *params)
{
    const mcc_settings *c = settings;
    params[0] = c->min_position;
    params[1] = c->max_position;
    params[2] = c->goal_position;
    params[3] = 0.0; /* continuous force */
}

static void mcc_reset_state(const void *settings, cdrl_rng *rng, double *state)
{
    (void)settings;
    state[MCC_POSITION] = cdrl_rng_range(rng, -0.6, -0.4);
    state[MCC_VELOCITY] = 0.0;
}

/* The reward as the reference builds it: 0 (or 100 at the goal), then minus
 * pow(action, 2) * 0.1, so a zero action gives +0.0, not -0.0. */
static double mcc_reward(int at_goal, double action)
{
    double reward = at_goal ? 100.0 : 0.0;
    return reward - pow(action, 2.0) * 0.1;
}

static void mcc_step_batch(const void *settings, int n, double *state, size_t stride, const double *actions,
                           double *reward, uint8_t *terminated)
{
    const mcc_settings *c = settings;
    double *position = state + MCC_POSITION * stride;
    double *velocity = state + MCC_VELOCITY * stride;
    for (int i = 0; i < n; i++) {
        double p = position[i], v = velocity[i], a = actions[i];
        /* Python's min(max(a, lo), hi): a itself unless a bound is larger/smaller */
        double force = a < c->min_action ? c->min_action : a;
        force = force > c->max_action ? c->max_action : force;
        v = v + (force * c->power - 0.0025 * cos(3.0 * p));
        if (v > c->max_speed)
            v = c->max_speed;
        if (v < -c->max_speed)
            v = -c->max_speed;
        p = p + v;
        if (p > c->max_position)
            p = c->max_position;
        if (p < c->min_position)
            p = c->min_position;
        if (p == c->min_position && v < 0.0)
            v = 0.0;
        const int at_goal = p >= c->goal_position && v >= c->goal_velocity;
        terminated[i] = (uint8_t)at_goal;
        reward[i] = mcc_reward(at_goal, a);
        position[i] = (double)(float)p;
        velocity[i] = (double)(float)v;
    }
}

static void mcc_observe_batch(const void *settings, int n, const double *state, size_t stride, double *obs)
{
    (void)settings;
    for (int i = 0; i < n; i++) {
        obs[2 * (size_t)i] = state[MCC_POSITION * stride + i];
        obs[2 * (size_t)i + 1] = state[MCC_VELOCITY * stride + i];
    }
}

static void mcc_model_reward(int n, const float *obs, const float *actions, const float *next_obs,
                             float *reward, uint8_t *terminated)
{
    (void)obs;
    for (int i = 0; i < n; i++) {
        int at_goal = (double)next_obs[2 * (size_t)i] >= 0.45 && (double)next_obs[2 * (size_t)i + 1] >= 0.0;
        reward[i] = (float)mcc_reward(at_goal, (double)actions[i]);
        terminated[i] = (uint8_t)at_goal;
    }
}

const cdrl_env_def cdrl_mountaincar_continuous_def = {
    .spec = {.name = "mountaincar-continuous",
             .obs_dim = MCC_STATE_DIM,
             .obs_low = {-1.2, -0.07},
             .obs_high = {0.6, 0.07},
             .action_count = 0,
             .action_dim = 1,
             .action_low = {-1.0},
             .action_high = {1.0},
             .max_episode_steps = 999,
             .solved_threshold = 90.0, /* Gymnasium's reward_threshold */
             .solved_window = 100,
             .steps_per_second = 30}, /* no physical time step; Gymnasium renders at 30 fps */
    .kind = "mountaincar",
    .state_dim = MCC_STATE_DIM,
    .n_params = 4,
    .settings_size = sizeof(mcc_settings),
    .settings_init = mcc_settings_init,
    .settings_set = mcc_settings_set,
    .view_params = mcc_view_params,
    .reset_state = mcc_reset_state,
    .step_batch = mcc_step_batch,
    .observe_batch = mcc_observe_batch,
    .model_reward = mcc_model_reward,
};
