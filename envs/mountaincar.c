/* MountainCar: Gymnasium's MountainCar-v0 (Moore 1990; Sutton & Barto), an
 * underpowered car in a valley that must rock back and forth to reach the
 * flag: three discrete pushes, -1 per step, the classic exploration test.
 *
 *   velocity' = clip(velocity + ((action - 1) force + cos(3 position)(-gravity)), +-max_speed)
 *   position' = clip(position + velocity', [min_position, max_position])
 *   velocity' = 0 if the car hit the left wall moving left
 * terminated when position' >= goal_position and velocity' >= goal_velocity;
 * every step is worth -1; the time limit is 200 steps.
 *
 * In double, in the reference's order of operations, so a state and an
 * action sequence give Gymnasium's float64 states (its observation is the
 * state cast to float32; ours is the double state, see docs/env.md). */
#include <math.h>
#include <string.h>

#include "env_def.h"

typedef struct {
    double min_position, max_position, max_speed, goal_position, goal_velocity, force, gravity;
} mountaincar_settings;

enum { MOUNTAINCAR_POSITION, MOUNTAINCAR_VELOCITY, MOUNTAINCAR_STATE_DIM };

static void mountaincar_settings_init(void *settings)
{
    mountaincar_settings *c = settings;
    c->min_position = -1.2;
    c->max_position = 0.6;
    c->max_speed = 0.07;
    c->goal_position = 0.5;
    c->goal_velocity = 0.0;
    c->force = 0.001;
    c->gravity = 0.0025;
}

static int mountaincar_settings_set(void *settings, const char *key, const char *value, cdrl_error *err)
{
    (void)settings, (void)value;
    return cdrl_errorf(err, CDRL_EINVAL, "mountaincar: unknown option '%s'; this env has no options", key);
}

/* For the drawer: track ends, goal, and 1 = discrete pushes. */
static void mountaincar_view_params(const void *settings, double *params)
{
    const mountaincar_settings *c = settings;
    params[0] = c->min_position;
    params[1] = c->max_position;
    params[2] = c->goal_position;
    params[3] = 1.0;
}

/* Position from U[-0.6, -0.4), velocity 0, as the reference. */
static void mountaincar_reset_state(const void *settings, cdrl_rng *rng, double *state)
{
    (void)settings;
    state[MOUNTAINCAR_POSITION] = cdrl_rng_range(rng, -0.6, -0.4);
    state[MOUNTAINCAR_VELOCITY] = 0.0;
}

static inline double clip(double x, double lo, double hi)
{
    double y = x < lo ? lo : x;
    return y > hi ? hi : y;
}

static void mountaincar_step_batch(const void *settings, int n, double *state, size_t stride,
                                   const double *actions, double *reward, uint8_t *terminated)
{
    const mountaincar_settings *c = settings;
    double *position = state + MOUNTAINCAR_POSITION * stride;
    double *velocity = state + MOUNTAINCAR_VELOCITY * stride;
    for (int i = 0; i < n; i++) {
        double p = position[i], v = velocity[i];
        v = v + ((actions[i] - 1.0) * c->force + cos(3.0 * p) * (-c->gravity));
        v = clip(v, -c->max_speed, c->max_speed);
        p = p + v;
        p = clip(p, c->min_position, c->max_position);
        if (p == c->min_position && v < 0.0)
            v = 0.0;
        position[i] = p;
        velocity[i] = v;
        terminated[i] = p >= c->goal_position && v >= c->goal_velocity;
        reward[i] = -1.0;
    }
}

static void mountaincar_observe_batch(const void *settings, int n, const double *state, size_t stride,
                                      double *obs)
{
    (void)settings;
    for (int i = 0; i < n; i++) {
        obs[2 * (size_t)i] = state[MOUNTAINCAR_POSITION * stride + i];
        obs[2 * (size_t)i + 1] = state[MOUNTAINCAR_VELOCITY * stride + i];
    }
}

static void mountaincar_model_reward(int n, const float *obs, const float *actions, const float *next_obs,
                                     float *reward, uint8_t *terminated)
{
    (void)obs, (void)actions;
    for (int i = 0; i < n; i++) {
        reward[i] = -1.0f;
        terminated[i] = (double)next_obs[2 * (size_t)i] >= 0.5 && (double)next_obs[2 * (size_t)i + 1] >= 0.0;
    }
}

const cdrl_env_def cdrl_mountaincar_def = {
    .spec = {.name = "mountaincar",
             .obs_dim = MOUNTAINCAR_STATE_DIM,
             .obs_low = {-1.2, -0.07},
             .obs_high = {0.6, 0.07},
             .action_count = 3,
             .action_dim = 0,
             .max_episode_steps = 200,
             .solved_threshold = -110.0, /* Gymnasium's reward_threshold */
             .solved_window = 100,
             .steps_per_second = 30}, /* no physical time step; Gymnasium renders at 30 fps */
    .kind = "mountaincar",
    .state_dim = MOUNTAINCAR_STATE_DIM,
    .n_params = 4,
    .settings_size = sizeof(mountaincar_settings),
    .settings_init = mountaincar_settings_init,
    .settings_set = mountaincar_settings_set,
    .view_params = mountaincar_view_params,
    .reset_state = mountaincar_reset_state,
    .step_batch = mountaincar_step_batch,
    .observe_batch = mountaincar_observe_batch,
    .model_reward = mountaincar_model_reward,
};
