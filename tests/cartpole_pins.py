"""Worked values for tests/test_cartpole.c, pinned there.

Written from the published CartPole equations (Florian 2007, the form used by
Gym/Gymnasium, in the reference's order of operations) with Python floats, so
the pins are what the reference computes in float64 on this libm. Run with
python3 (no packages needed) and paste the printed values if the test's start
states or action sequences change.
"""
import math

GRAVITY, MASSCART, MASSPOLE, HALF_LENGTH, FORCE, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
TOTAL = MASSPOLE + MASSCART
POLEMASS_LENGTH = MASSPOLE * HALF_LENGTH
THETA_LIMIT = 12 * 2 * math.pi / 360


def step(state, action, semi_implicit):
    x, x_dot, theta, theta_dot = state
    force = FORCE if action == 1 else -FORCE
    cos_t, sin_t = math.cos(theta), math.sin(theta)
    temp = (force + POLEMASS_LENGTH * theta_dot**2 * sin_t) / TOTAL
    theta_acc = (GRAVITY * sin_t - cos_t * temp) / (
        HALF_LENGTH * (4.0 / 3.0 - MASSPOLE * cos_t**2 / TOTAL))
    x_acc = temp - POLEMASS_LENGTH * theta_acc * cos_t / TOTAL
    if semi_implicit:
        x_dot += TAU * x_acc
        x += TAU * x_dot
        theta_dot += TAU * theta_acc
        theta += TAU * theta_dot
    else:
        x, x_dot = x + TAU * x_dot, x_dot + TAU * x_acc
        theta, theta_dot = theta + TAU * theta_dot, theta_dot + TAU * theta_acc
    ended = abs(x) > 2.4 or abs(theta) > THETA_LIMIT
    return (x, x_dot, theta, theta_dot), ended


def balance(state):
    """The test's bang-bang controller: push toward the side the pole falls."""
    x, x_dot, theta, theta_dot = state
    return 1 if theta * 10 + theta_dot * 2 + x * 0.1 + x_dot * 0.5 > 0 else 0


for semi in (False, True):
    s = (0.01, -0.02, 0.03, 0.04)
    for a in (1, 0, 1, 1, 0):
        s, _ = step(s, a, semi)
    print("semi" if semi else "euler", "5 steps:", ", ".join(repr(v) for v in s))
    s = (0.01, -0.02, 0.03, 0.04)
    for _ in range(500):
        s, ended = step(s, balance(s), semi)
        assert not ended
    print("semi" if semi else "euler", "500 balanced steps:", ", ".join(repr(v) for v in s))
