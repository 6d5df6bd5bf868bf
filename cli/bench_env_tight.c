/* cdrl bench env --tight: CartPole's equations in a plain C loop, the floor
 * the env's interface is measured against (issue 18).
 *
 * The loop is what a user would write by hand for the same dynamics: the
 * Euler step in double with the reference's grouping of every product
 * (envs/cartpole.c), the same four bounds tested the same way, the 500-step
 * limit, each cart's resets drawn from cdrl_rng stream (seed, i) like env i
 * of a batch (the single env is stream 0), the same table of random actions
 * read in the same order as `cdrl bench env`. So it follows the env's
 * trajectory bit for bit, and bench_env_tight_state lets the bench check
 * that before it times anything. What it leaves out is the interface: no
 * phase or action checks, no calls through the env table, no observation
 * written out (the state is the observation), no reward, flags or episode
 * return. One cart keeps its state in locals; a batch is struct-of-arrays,
 * stepped cart by cart in one loop. */
#include "bench_env_tight.h"
#include "bench.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/rng.h"

#define PI 3.141592653589793
#define GRAVITY 9.8
#define MASSCART 1.0
#define MASSPOLE 0.1
#define TOTAL_MASS (MASSPOLE + MASSCART)
#define LENGTH 0.5
#define POLEMASS_LENGTH (MASSPOLE * LENGTH)
#define FORCE_MAG 10.0
#define TAU 0.02
#define THETA_LIMIT (12.0 * 2.0 * PI / 360.0)
#define X_LIMIT 2.4
#define MAX_STEPS 500

/* Steps between two looks at the clock. */
#define CHUNK 8192

typedef struct {
    double x, x_dot, theta, theta_dot;
    int t;
} cart;

static inline void reset_cart(cart *c, cdrl_rng *rng)
{
    c->x = cdrl_rng_range(rng, -0.05, 0.05);
    c->x_dot = cdrl_rng_range(rng, -0.05, 0.05);
    c->theta = cdrl_rng_range(rng, -0.05, 0.05);
    c->theta_dot = cdrl_rng_range(rng, -0.05, 0.05);
    c->t = 0;
}

/* One step of one cart, the reset included. */
static inline void step_cart(cart *c, double action, cdrl_rng *rng)
{
    double sintheta = sin(c->theta), costheta = cos(c->theta);
    double force = copysign(FORCE_MAG, action - 0.5); /* as the env: no branch on the action */
    double temp = (force + POLEMASS_LENGTH * (c->theta_dot * c->theta_dot) * sintheta) / TOTAL_MASS;
    double thetaacc = (GRAVITY * sintheta - costheta * temp) /
                      (LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS));
    double xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS;
    c->x = c->x + TAU * c->x_dot;
    c->x_dot = c->x_dot + TAU * xacc;
    c->theta = c->theta + TAU * c->theta_dot;
    c->theta_dot = c->theta_dot + TAU * thetaacc;
    if (c->x < -X_LIMIT || c->x > X_LIMIT || c->theta < -THETA_LIMIT || c->theta > THETA_LIMIT ||
        ++c->t >= MAX_STEPS)
        reset_cart(c, rng);
}

/* The carts of a batch, struct-of-arrays, each with its own generator. */
typedef struct {
    double *x, *x_dot, *theta, *theta_dot;
    int *t;
    cdrl_rng *rngs;
    void *mem;
} carts;

static int carts_create(carts *c, int n, uint64_t seed)
{
    size_t b = (size_t)n;
    c->mem = malloc(b * (4 * sizeof(double) + sizeof(int) + sizeof(cdrl_rng)));
    if (!c->mem)
        return -1;
    c->rngs = c->mem;
    c->x = (double *)(c->rngs + b);
    c->x_dot = c->x + b;
    c->theta = c->x_dot + b;
    c->theta_dot = c->theta + b;
    c->t = (int *)(c->theta_dot + b);
    for (int i = 0; i < n; i++) {
        cdrl_rng_seed(&c->rngs[i], seed, (uint64_t)i);
        cart one;
        reset_cart(&one, &c->rngs[i]);
        c->x[i] = one.x, c->x_dot[i] = one.x_dot, c->theta[i] = one.theta, c->theta_dot[i] = one.theta_dot;
        c->t[i] = one.t;
    }
    return 0;
}

/* One step of every cart with actions a (n). */
static void step_carts(carts *c, int n, const double *a)
{
    for (int i = 0; i < n; i++) {
        cart one = {c->x[i], c->x_dot[i], c->theta[i], c->theta_dot[i], c->t[i]};
        step_cart(&one, a[i], &c->rngs[i]);
        c->x[i] = one.x, c->x_dot[i] = one.x_dot, c->theta[i] = one.theta, c->theta_dot[i] = one.theta_dot;
        c->t[i] = one.t;
    }
}

/* One cart from reset for `steps` steps, or until `seconds` of CPU time are
 * spent (steps == 0); returns the steps taken, the state in state[4]. */
static long long run_single(const double *actions, double seconds, long long steps, uint64_t seed,
                            double *elapsed, double *state)
{
    cdrl_rng rng;
    cdrl_rng_seed(&rng, seed, 0);
    cart c;
    reset_cart(&c, &rng);
    long long done = 0;
    double t0 = bench_thread_cpu_seconds();
    do {
        long long chunk = steps > 0 && steps - done < CHUNK ? steps - done : CHUNK;
        for (long long i = 0; i < chunk; i++)
            step_cart(&c, actions[(done + i) % BENCH_ENV_TABLE], &rng);
        done += chunk;
    } while (steps > 0 ? done < steps : bench_thread_cpu_seconds() - t0 < seconds);
    *elapsed = bench_thread_cpu_seconds() - t0;
    state[0] = c.x, state[1] = c.x_dot, state[2] = c.theta, state[3] = c.theta_dot;
    return done;
}

/* n carts from reset for `steps` batch steps or `seconds`; returns the batch
 * steps taken, the states (SoA, 4 x n) in state if not NULL. -1: no memory. */
static long long run_batch(int n, const double *actions, double seconds, long long steps, uint64_t seed,
                           double *elapsed, double *state)
{
    carts c;
    if (carts_create(&c, n, seed))
        return -1;
    long long done = 0;
    const long long chunk_size = CHUNK / n + 1;
    double t0 = bench_thread_cpu_seconds();
    do {
        long long chunk = steps > 0 && steps - done < chunk_size ? steps - done : chunk_size;
        for (long long i = 0; i < chunk; i++)
            step_carts(&c, n, actions + (done + i) % BENCH_ENV_WINDOW_SLACK);
        done += chunk;
    } while (steps > 0 ? done < steps : bench_thread_cpu_seconds() - t0 < seconds);
    *elapsed = bench_thread_cpu_seconds() - t0;
    if (state) /* x, x_dot, theta, theta_dot lie one after the other */
        memcpy(state, c.x, 4 * (size_t)n * sizeof *state);
    free(c.mem);
    return done;
}

double bench_env_tight_rate(int batch, const double *actions, double seconds, long long steps, uint64_t seed)
{
    double elapsed = 0.0, state[4];
    long long done;
    if (batch == 0) {
        /* Warm the caches and the branch predictor first, as the env bench does. */
        run_single(actions, 0, 100000, seed, &elapsed, state);
        done = run_single(actions, seconds, steps, seed, &elapsed, state);
    } else {
        if (run_batch(batch, actions, 0, 100000 / batch + 2, seed, &elapsed, NULL) < 0)
            return 0.0;
        done = run_batch(batch, actions, seconds, (steps + batch - 1) / batch, seed, &elapsed, NULL) * batch;
    }
    return elapsed > 0 ? (double)done / elapsed : 0.0;
}

int bench_env_tight_state(int batch, const double *actions, long long steps, uint64_t seed, double *state)
{
    double elapsed;
    if (batch == 0)
        return run_single(actions, 0, steps, seed, &elapsed, state) == steps ? 0 : -1;
    return run_batch(batch, actions, 0, steps, seed, &elapsed, state) == steps ? 0 : -1;
}
