/* cdrl bench env --tight: CartPole's equations in a plain C loop, the floor
 * the env's interface is measured against (issue 18).
 *
 * The loop is what a user would write by hand for the same dynamics: the
 * Euler step with the reference's grouping (envs/cartpole.c), the same
 * bounds, the 500-step limit, resets drawn from cdrl_rng like the env's, the
 * same table of random actions as `cdrl bench env` — but no interface: no
 * phase or action checks, no calls through the env table, no observation
 * written out (the state is the observation), no episode bookkeeping. A
 * batch is struct-of-arrays, stepped cart by cart in one loop. */
#include "bench_env_tight.h"
#include "bench.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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

typedef struct {
    double *x, *x_dot, *theta, *theta_dot;
    int *t;
} carts;

static void reset_cart(carts *c, int i, cdrl_rng *rng)
{
    c->x[i] = cdrl_rng_range(rng, -0.05, 0.05);
    c->x_dot[i] = cdrl_rng_range(rng, -0.05, 0.05);
    c->theta[i] = cdrl_rng_range(rng, -0.05, 0.05);
    c->theta_dot[i] = cdrl_rng_range(rng, -0.05, 0.05);
    c->t[i] = 0;
}

/* One step of every cart of c with actions a (n), resets included. */
static void step_carts(carts *c, int n, const double *a, cdrl_rng *rng)
{
    for (int i = 0; i < n; i++) {
        double th = c->theta[i], th_dot = c->theta_dot[i];
        double sintheta = sin(th), costheta = cos(th);
        double force = a[i] == 1.0 ? FORCE_MAG : -FORCE_MAG;
        double temp = (force + POLEMASS_LENGTH * (th_dot * th_dot) * sintheta) / TOTAL_MASS;
        double thetaacc = (GRAVITY * sintheta - costheta * temp) /
                          (LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS));
        double xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS;
        double x = c->x[i] + TAU * c->x_dot[i];
        c->x[i] = x;
        c->x_dot[i] = c->x_dot[i] + TAU * xacc;
        th = th + TAU * th_dot;
        c->theta[i] = th;
        c->theta_dot[i] = th_dot + TAU * thetaacc;
        if (x < -X_LIMIT || x > X_LIMIT || th < -THETA_LIMIT || th > THETA_LIMIT ||
            ++c->t[i] >= MAX_STEPS)
            reset_cart(c, i, rng);
    }
}

double bench_env_tight_rate(int batch, const double *actions, int table, double seconds,
                            long long steps, uint64_t seed)
{
    int n = batch < 1 ? 1 : batch;
    double *mem = malloc(sizeof(double) * 4 * (size_t)n);
    int *t = malloc(sizeof(int) * (size_t)n);
    if (!mem || !t) {
        free(mem);
        free(t);
        return 0.0;
    }
    carts c = {mem, mem + n, mem + 2 * (size_t)n, mem + 3 * (size_t)n, t};
    cdrl_rng rng;
    cdrl_rng_seed(&rng, seed, 0);
    for (int i = 0; i < n; i++)
        reset_cart(&c, i, &rng);
    /* A batch reads a window of n actions that shifts by one each step (as
     * bench env's batches do); the single cart walks the table. */
    int window = table - n;
    long long done = 0, iterations = 0;
    const long long chunk = 8192 / n + 1;
    for (long long i = 0; i < 100000 / n + 2; i++)
        step_carts(&c, n, actions + (n == 1 ? i % table : i % window), &rng);
    double t0 = bench_thread_cpu_seconds();
    do {
        for (long long i = 0; i < chunk; i++, iterations++)
            step_carts(&c, n, actions + (n == 1 ? iterations % table : iterations % window), &rng);
        done = iterations * n;
    } while (steps > 0 ? done < steps : bench_thread_cpu_seconds() - t0 < seconds);
    double elapsed = bench_thread_cpu_seconds() - t0;
    /* Keep the states alive, so the loop is not optimised away. */
    volatile double sink = 0.0;
    for (int i = 0; i < n; i++)
        sink += c.x[i] + c.theta[i];
    (void)sink;
    free(mem);
    free(t);
    return elapsed > 0 ? (double)done / elapsed : 0.0;
}
