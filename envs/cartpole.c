/* CartPole: the cart-pole balancing task of Barto, Sutton & Anderson (1983)
 * with the equations, constants and order of floating-point operations of
 * Gym/Gymnasium's classic-control CartPole, so that a state stepped here and
 * a state stepped there agree to the last bit on the same libm.
 *
 * Equations of motion (Florian 2007, frictionless), with F = +-force_mag,
 * m = pole mass, M = cart + pole mass, l = half the pole length:
 *   temp   = (F + m l theta_dot^2 sin theta) / M
 *   theta" = (g sin theta - cos theta temp) / (l (4/3 - m cos^2 theta / M))
 *   x"     = temp - m l theta" cos theta / M
 * integrated over tau = 0.02 s by explicit Euler (default: positions move with
 * the old velocities) or semi-implicit Euler (velocities first, positions move
 * with the new ones). The episode terminates when |x| > 2.4 or |theta| > 12
 * degrees; every step, the terminating one included, is worth 1.
 *
 * What this file is not: the step counter, the time limit, the episode
 * bookkeeping and the error checks live in env.c and vec_env.c, once for all
 * envs. Here there are only the physics, written over struct-of-arrays states
 * so that one kernel serves the single env and the batch. */
#include <math.h>
#include <string.h>

#include "env_def.h"

/* math.pi, the double nearest pi (M_PI is not part of C11). */
#define CARTPOLE_PI 3.141592653589793
/* 12 * 2 * pi / 360, evaluated left to right as the reference does. */
#define CARTPOLE_THETA_THRESHOLD (12.0 * 2.0 * CARTPOLE_PI / 360.0)
#define CARTPOLE_X_THRESHOLD 2.4

enum cartpole_integrator { CARTPOLE_EULER, CARTPOLE_SEMI_IMPLICIT };

typedef struct cartpole_settings cartpole_settings;

/* Steps m carts whose sines and cosines are known (see cartpole_step_batch). */
typedef void (*cartpole_integrate_fn)(const cartpole_settings *c, int m, const double *restrict sin_t,
                                      const double *restrict cos_t, const double *restrict actions,
                                      double *restrict x, double *restrict x_dot,
                                      double *restrict theta, double *restrict theta_dot,
                                      double *restrict reward, uint8_t *restrict terminated);

struct cartpole_settings {
    double gravity, masscart, masspole, total_mass, length, polemass_length, force_mag, tau;
    double theta_threshold_radians, x_threshold;
    enum cartpole_integrator integrator;
    cartpole_integrate_fn integrate; /* the integrator's widest compiled version */
};

static cartpole_integrate_fn cartpole_pick_integrate(enum cartpole_integrator integrator);

enum { CARTPOLE_X, CARTPOLE_X_DOT, CARTPOLE_THETA, CARTPOLE_THETA_DOT, CARTPOLE_STATE_DIM };

static void cartpole_settings_init(void *settings)
{
    cartpole_settings *c = settings;
    c->gravity = 9.8;
    c->masscart = 1.0;
    c->masspole = 0.1;
    /* Derived at run time from the same sums as the reference, so that the
     * constants carry its rounding (0.1 + 1.0 is not the double nearest 1.1). */
    c->total_mass = c->masspole + c->masscart;
    c->length = 0.5;
    c->polemass_length = c->masspole * c->length;
    c->force_mag = 10.0;
    c->tau = 0.02;
    c->theta_threshold_radians = CARTPOLE_THETA_THRESHOLD;
    c->x_threshold = CARTPOLE_X_THRESHOLD;
    c->integrator = CARTPOLE_EULER;
    c->integrate = cartpole_pick_integrate(c->integrator);
}

static int cartpole_settings_set(void *settings, const char *key, const char *value,
                                 cdrl_error *err)
{
    cartpole_settings *c = settings;
    if (strcmp(key, "integrator") != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "cartpole: unknown option '%s'; known options: integrator",
                           key);
    if (strcmp(value, "euler") == 0)
        c->integrator = CARTPOLE_EULER;
    else if (strcmp(value, "semi-implicit") == 0)
        c->integrator = CARTPOLE_SEMI_IMPLICIT;
    else
        return cdrl_errorf(err, CDRL_EINVAL,
                           "cartpole: option integrator: unknown value '%s'; accepted: euler, semi-implicit",
                           value);
    c->integrate = cartpole_pick_integrate(c->integrator);
    return 0;
}

static void cartpole_view_params(const void *settings, double *params)
{
    const cartpole_settings *c = settings;
    params[0] = c->x_threshold;
    params[1] = c->theta_threshold_radians;
    params[2] = c->length;
    params[3] = c->force_mag;
}

/* Gymnasium draws the four components in order from U[-0.05, 0.05) with
 * numpy's generator; we draw them in the same order from cdrl_rng, so the
 * distribution is the same but the numbers for a given seed are not. */
static void cartpole_reset_state(const void *settings, cdrl_rng *rng, double *state)
{
    (void)settings;
    for (int d = 0; d < CARTPOLE_STATE_DIM; d++)
        state[d] = cdrl_rng_range(rng, -0.05, 0.05);
}

/* Carts per block of the batch kernel: the block's sines and cosines sit on
 * the stack (2 x 512 bytes) between the two passes. */
#define CARTPOLE_BLOCK 64

typedef struct {
    double x, x_dot, theta, theta_dot;
} cartpole_state;

/* One step of one cart whose sine and cosine of theta are known. The
 * expressions keep the reference's grouping, e.g. polemass_length *
 * (theta_dot^2) * sin, not (polemass_length * theta_dot) * theta_dot * sin:
 * floating-point products are not associative, and the rounding of each
 * product is part of "the same dynamics". */
static inline cartpole_state cartpole_advance(const cartpole_settings *c, cartpole_state s,
                                              double sintheta, double costheta, double action,
                                              int semi_implicit)
{
    /* force_mag if action is 1, else -force_mag: the same value as the
     * reference's conditional for the only valid actions, 0 and 1 (and -0),
     * without a branch that random actions mispredict half of the time. */
    const double force = copysign(c->force_mag, action - 0.5);
    const double temp =
        (force + c->polemass_length * (s.theta_dot * s.theta_dot) * sintheta) / c->total_mass;
    const double thetaacc =
        (c->gravity * sintheta - costheta * temp) /
        (c->length * (4.0 / 3.0 - c->masspole * (costheta * costheta) / c->total_mass));
    const double xacc = temp - c->polemass_length * thetaacc * costheta / c->total_mass;
    if (semi_implicit) {
        s.x_dot = s.x_dot + c->tau * xacc;
        s.x = s.x + c->tau * s.x_dot;
        s.theta_dot = s.theta_dot + c->tau * thetaacc;
        s.theta = s.theta + c->tau * s.theta_dot;
    } else {
        s.x = s.x + c->tau * s.x_dot;
        s.x_dot = s.x_dot + c->tau * xacc;
        s.theta = s.theta + c->tau * s.theta_dot;
        s.theta_dot = s.theta_dot + c->tau * thetaacc;
    }
    return s;
}

static inline int cartpole_out_of_bounds(const cartpole_settings *c, cartpole_state s)
{
    return (s.x < -c->x_threshold) | (s.x > c->x_threshold) |
           (s.theta < -c->theta_threshold_radians) | (s.theta > c->theta_threshold_radians);
}

/* The arithmetic for m carts whose sines and cosines are known, one
 * integrator per instantiation. This loop is what the divisions make slow,
 * so it is compiled to vectors, and twice: for the x86-64 baseline (SSE2,
 * two lanes) and for AVX2 (four lanes), picked once by what the processor
 * supports. Element-wise IEEE operations give the same bits in any lane
 * width, and ISO C mode (-std=c11) keeps the compiler from fusing a multiply
 * and an add, so both versions produce the scalar code's results. (Chosen by
 * a function pointer rather than GCC's target_clones, whose ifunc resolvers
 * crash under ThreadSanitizer.) */
#if defined(__GNUC__) && !defined(__clang__)
#define CARTPOLE_VECTORIZE __attribute__((optimize("tree-vectorize", "vect-cost-model=dynamic")))
#else
#define CARTPOLE_VECTORIZE
#endif
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define CARTPOLE_HAVE_AVX2 1
#define CARTPOLE_AVX2 __attribute__((target("avx2")))
#else
#define CARTPOLE_HAVE_AVX2 0
#define CARTPOLE_AVX2
#endif

#define CARTPOLE_INTEGRATE(name, semi_implicit, target)                                           \
    CARTPOLE_VECTORIZE target static void name(                                                  \
        const cartpole_settings *c, int m, const double *restrict sin_t,                         \
        const double *restrict cos_t, const double *restrict actions, double *restrict x,        \
        double *restrict x_dot, double *restrict theta, double *restrict theta_dot,              \
        double *restrict reward, uint8_t *restrict terminated)                                   \
    {                                                                                            \
        const cartpole_settings k = *c;                                                          \
        for (int i = 0; i < m; i++) {                                                            \
            cartpole_state s = {x[i], x_dot[i], theta[i], theta_dot[i]};                         \
            s = cartpole_advance(&k, s, sin_t[i], cos_t[i], actions[i], semi_implicit);          \
            x[i] = s.x;                                                                          \
            x_dot[i] = s.x_dot;                                                                  \
            theta[i] = s.theta;                                                                  \
            theta_dot[i] = s.theta_dot;                                                          \
            reward[i] = 1.0;                                                                     \
            terminated[i] = (uint8_t)cartpole_out_of_bounds(&k, s);                              \
        }                                                                                        \
    }

CARTPOLE_INTEGRATE(cartpole_integrate_euler, 0, )
CARTPOLE_INTEGRATE(cartpole_integrate_semi_implicit, 1, )
#if CARTPOLE_HAVE_AVX2
CARTPOLE_INTEGRATE(cartpole_integrate_euler_avx2, 0, CARTPOLE_AVX2)
CARTPOLE_INTEGRATE(cartpole_integrate_semi_implicit_avx2, 1, CARTPOLE_AVX2)
#endif

/* The widest version this processor runs. */
static cartpole_integrate_fn cartpole_pick_integrate(enum cartpole_integrator integrator)
{
#if CARTPOLE_HAVE_AVX2
    if (__builtin_cpu_supports("avx2"))
        return integrator == CARTPOLE_SEMI_IMPLICIT ? cartpole_integrate_semi_implicit_avx2
                                                    : cartpole_integrate_euler_avx2;
#endif
    return integrator == CARTPOLE_SEMI_IMPLICIT ? cartpole_integrate_semi_implicit
                                                : cartpole_integrate_euler;
}

/* One cart: the single env, a chain of dependent steps, so it takes the
 * straight path, the same operations on the same values as the batch's
 * (hence the same bits). The sine and cosine come first, so that little
 * else is live across the libm call. */
static inline void cartpole_step_one(const cartpole_settings *c, double *state, size_t stride,
                                     const double *action, double *reward, uint8_t *terminated)
{
    const double theta = state[CARTPOLE_THETA * stride];
    const double sintheta = sin(theta), costheta = cos(theta);
    cartpole_state s = {state[CARTPOLE_X * stride], state[CARTPOLE_X_DOT * stride], theta,
                        state[CARTPOLE_THETA_DOT * stride]};
    s = c->integrator == CARTPOLE_SEMI_IMPLICIT ? cartpole_advance(c, s, sintheta, costheta, *action, 1)
                                                : cartpole_advance(c, s, sintheta, costheta, *action, 0);
    state[CARTPOLE_X * stride] = s.x;
    state[CARTPOLE_X_DOT * stride] = s.x_dot;
    state[CARTPOLE_THETA * stride] = s.theta;
    state[CARTPOLE_THETA_DOT * stride] = s.theta_dot;
    *reward = 1.0;
    *terminated = (uint8_t)cartpole_out_of_bounds(c, s);
}

/* n > 1 carts by blocks: first the trigonometry (libm calls, which stop the
 * processor from looking ahead), then the arithmetic. */
__attribute__((noinline)) static void cartpole_step_blocks(const cartpole_settings *c, int n, double *state,
                                                           size_t stride, const double *actions,
                                                           double *reward, uint8_t *terminated)
{
    double *x = state + CARTPOLE_X * stride;
    double *x_dot = state + CARTPOLE_X_DOT * stride;
    double *theta = state + CARTPOLE_THETA * stride;
    double *theta_dot = state + CARTPOLE_THETA_DOT * stride;

    double sin_block[CARTPOLE_BLOCK], cos_block[CARTPOLE_BLOCK];
    for (int b = 0; b < n; b += CARTPOLE_BLOCK) {
        const int m = n - b < CARTPOLE_BLOCK ? n - b : CARTPOLE_BLOCK;
        for (int k = 0; k < m; k++) {
            cos_block[k] = cos(theta[b + k]);
            sin_block[k] = sin(theta[b + k]);
        }
        c->integrate(c, m, sin_block, cos_block, actions + b, x + b, x_dot + b, theta + b,
                     theta_dot + b, reward + b, terminated + b);
    }
}

/* One step of n carts (see env_def.h for the layout). A batch is a tail
 * call, so the single cart pays for no stack frame but its own. */
static void cartpole_step_batch(const void *settings, int n, double *state, size_t stride,
                                const double *actions, double *reward, uint8_t *terminated)
{
    if (n != 1) {
        cartpole_step_blocks(settings, n, state, stride, actions, reward, terminated);
        return;
    }
    cartpole_step_one(settings, state, stride, actions, reward, terminated);
}

/* The observation is the state itself. */
static void cartpole_observe_batch(const void *settings, int n, const double *state, size_t stride,
                                   double *obs)
{
    (void)settings;
    /* Unrolled over the four components: a generic two-level loop costs the
     * single env (n = 1) a fifth of its step time. */
    if (n == 1) {
        obs[CARTPOLE_X] = state[CARTPOLE_X * stride];
        obs[CARTPOLE_X_DOT] = state[CARTPOLE_X_DOT * stride];
        obs[CARTPOLE_THETA] = state[CARTPOLE_THETA * stride];
        obs[CARTPOLE_THETA_DOT] = state[CARTPOLE_THETA_DOT * stride];
        return;
    }
    for (int i = 0; i < n; i++) {
        double *row = obs + (size_t)i * CARTPOLE_STATE_DIM;
        row[CARTPOLE_X] = state[CARTPOLE_X * stride + i];
        row[CARTPOLE_X_DOT] = state[CARTPOLE_X_DOT * stride + i];
        row[CARTPOLE_THETA] = state[CARTPOLE_THETA * stride + i];
        row[CARTPOLE_THETA_DOT] = state[CARTPOLE_THETA_DOT * stride + i];
    }
}

/* The planner's scorer: the reward does not depend on the transition, and the
 * termination test is the real one applied to the imagined next state (in
 * double, on the float values the planner holds). */
static void cartpole_model_reward(int n, const float *obs, const float *actions,
                                  const float *next_obs, float *reward, uint8_t *terminated)
{
    (void)obs;
    (void)actions;
    for (int i = 0; i < n; i++) {
        double x = next_obs[(size_t)i * CARTPOLE_STATE_DIM + CARTPOLE_X];
        double theta = next_obs[(size_t)i * CARTPOLE_STATE_DIM + CARTPOLE_THETA];
        reward[i] = 1.0f;
        /* | rather than ||: four compares and no branches to mispredict */
        terminated[i] = (uint8_t)((x < -CARTPOLE_X_THRESHOLD) | (x > CARTPOLE_X_THRESHOLD) |
                                  (theta < -CARTPOLE_THETA_THRESHOLD) | (theta > CARTPOLE_THETA_THRESHOLD));
    }
}

/* v1 and v0 differ only in the time limit and the solved threshold. The
 * observation bounds are twice the termination bounds so that the
 * terminating observation still lies inside them; velocities are unbounded. */
#define CARTPOLE_DEF(registry_name, time_limit, solved_at)                                     \
    {                                                                                          \
        .spec = {.name = registry_name,                                                        \
                 .obs_dim = CARTPOLE_STATE_DIM,                                                \
                 .obs_low = {-2.0 * CARTPOLE_X_THRESHOLD, -INFINITY,                           \
                             -2.0 * CARTPOLE_THETA_THRESHOLD, -INFINITY},                      \
                 .obs_high = {2.0 * CARTPOLE_X_THRESHOLD, INFINITY, 2.0 * CARTPOLE_THETA_THRESHOLD, \
                              INFINITY},                                                       \
                 .action_count = 2,                                                            \
                 .action_dim = 0,                                                              \
                 .max_episode_steps = time_limit,                                              \
                 .solved_threshold = solved_at,                                                \
                 .solved_window = 100,                                                         \
                 .steps_per_second = 1 / 0.02},                                                \
        .kind = "cartpole", .state_dim = CARTPOLE_STATE_DIM, .n_params = 4,                    \
        .settings_size = sizeof(cartpole_settings), .settings_init = cartpole_settings_init,   \
        .settings_set = cartpole_settings_set, .view_params = cartpole_view_params,            \
        .reset_state = cartpole_reset_state, .step_batch = cartpole_step_batch,                \
        .observe_batch = cartpole_observe_batch, .model_reward = cartpole_model_reward,        \
    }

const cdrl_env_def cdrl_cartpole_v1_def = CARTPOLE_DEF("cartpole", 500, 475.0);
const cdrl_env_def cdrl_cartpole_v0_def = CARTPOLE_DEF("cartpole-v0", 200, 195.0);
