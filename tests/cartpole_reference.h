/* A test-side CartPole, written from the physics rather than from envs/cartpole.c.
 *
 * The cart (mass M_c) and the pole (mass m, half length l, moment of inertia
 * about its centre m l^2 / 3) obey, from the Lagrangian of the frictionless
 * system with M = M_c + m, force F and theta measured from upright:
 *   M x"          + m l cos(theta) theta" = F + m l theta'^2 sin(theta)
 *   m l cos(theta) x" + (4/3) m l^2 theta" = m g l sin(theta)
 * a 2x2 linear system solved here by Cramer's rule. It is the same motion as
 * Gymnasium's closed form but computed along a different path, so agreement
 * to 1e-12 checks the env's algebra and not just its transcription. */
#ifndef CDRL_TEST_CARTPOLE_REFERENCE_H
#define CDRL_TEST_CARTPOLE_REFERENCE_H

#include <math.h>

typedef struct {
    double x, x_dot, theta, theta_dot;
} reference_cartpole;

static inline reference_cartpole reference_cartpole_step(reference_cartpole s, int action,
                                                         int semi_implicit)
{
    const double g = 9.8, cart_mass = 1.0, pole_mass = 0.1, half_length = 0.5, dt = 0.02;
    const double force = action == 1 ? 10.0 : -10.0;
    const double total_mass = cart_mass + pole_mass;
    const double c = cos(s.theta), sn = sin(s.theta);
    const double ml = pole_mass * half_length;

    /* [a11 a12; a21 a22] [x"; theta"] = [b1; b2] */
    const double a11 = total_mass, a12 = ml * c;
    const double a21 = ml * c, a22 = 4.0 / 3.0 * pole_mass * half_length * half_length;
    const double b1 = force + ml * s.theta_dot * s.theta_dot * sn;
    const double b2 = pole_mass * g * half_length * sn;
    const double det = a11 * a22 - a12 * a21;
    const double x_acc = (b1 * a22 - a12 * b2) / det;
    const double theta_acc = (a11 * b2 - a21 * b1) / det;

    reference_cartpole n = s;
    if (semi_implicit) {
        n.x_dot = s.x_dot + dt * x_acc;
        n.x = s.x + dt * n.x_dot;
        n.theta_dot = s.theta_dot + dt * theta_acc;
        n.theta = s.theta + dt * n.theta_dot;
    } else {
        n.x = s.x + dt * s.x_dot;
        n.x_dot = s.x_dot + dt * x_acc;
        n.theta = s.theta + dt * s.theta_dot;
        n.theta_dot = s.theta_dot + dt * theta_acc;
    }
    return n;
}

/* 12 degrees, and the cart's half track. */
static inline int reference_cartpole_ended(reference_cartpole s)
{
    const double theta_limit = 12.0 / 180.0 * 3.14159265358979323846;
    return fabs(s.x) > 2.4 || fabs(s.theta) > theta_limit;
}

/* A bang-bang controller that keeps the pole up for well over 500 steps from
 * small start states: push toward the side the pole is falling. */
static inline int reference_cartpole_balance(const double *state)
{
    return state[2] * 10 + state[3] * 2 + state[0] * 0.1 + state[1] * 0.5 > 0;
}

#endif
