"""Pinned trajectories for the classic-control envs (tests/<env>_pins.h).

An independent transcription of the reference equations of Gymnasium's
classic-control tasks (Pendulum-v1, MountainCar-v0, MountainCarContinuous-v0,
Acrobot-v1) and of the PILCO cart-pole swing-up, written from the published
equations in the reference's order of operations with Python floats. Python
floats are IEEE float64 and `x ** 2` and math.sin/cos call the same libm as
the C code, so the pins are what the reference computes in float64 on this
machine. numpy is not needed: float32 rounding (MountainCarContinuous's state,
Acrobot's reset) is done with struct, and numpy's float64 `%` is Python's.

Start states and actions come from Python's own generator (fixed seed),
wide enough to cross every clipping and termination rule. Run with python3
from the repository root; it rewrites tests/*_pins.h:

    python3 tests/classic_pins.py
"""
import math
import random
import struct

PI = math.pi


def f32(x):
    """Round a double to the nearest float32, as np.float32(x) does."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def clip(x, lo, hi):
    return min(max(x, lo), hi)


# ---- Pendulum-v1 ---------------------------------------------------------
def pendulum_step(s, u):
    th, thdot = s
    g, m, l, dt, max_speed, max_torque = 10.0, 1.0, 1.0, 0.05, 8, 2.0
    u = clip(u, -max_torque, max_torque)
    costs = (((th + PI) % (2 * PI)) - PI) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
    newthdot = thdot + (3 * g / (2 * l) * math.sin(th) + 3.0 / (m * l**2) * u) * dt
    newthdot = clip(newthdot, -max_speed, max_speed)
    newth = th + newthdot * dt
    return (newth, newthdot), -costs, False


# ---- MountainCar-v0 ------------------------------------------------------
def mountaincar_step(s, action):
    position, velocity = s
    velocity += (action - 1) * 0.001 + math.cos(3 * position) * (-0.0025)
    velocity = clip(velocity, -0.07, 0.07)
    position += velocity
    position = clip(position, -1.2, 0.6)
    if position == -1.2 and velocity < 0:
        velocity = 0.0
    terminated = position >= 0.5 and velocity >= 0
    return (position, velocity), -1.0, terminated


# ---- MountainCarContinuous-v0 (float64 action, float32 state) ------------
def mountaincar_continuous_step(s, action):
    position, velocity = s
    force = min(max(action, -1.0), 1.0)
    velocity += force * 0.0015 - 0.0025 * math.cos(3 * position)
    if velocity > 0.07:
        velocity = 0.07
    if velocity < -0.07:
        velocity = -0.07
    position += velocity
    if position > 0.6:
        position = 0.6
    if position < -1.2:
        position = -1.2
    if position == -1.2 and velocity < 0:
        velocity = 0.0
    terminated = position >= 0.45 and velocity >= 0
    reward = 0.0
    if terminated:
        reward = 100.0
    reward -= math.pow(action, 2) * 0.1
    return (f32(position), f32(velocity)), reward, terminated


# ---- Acrobot-v1 ("book" dynamics, one RK4 step of 0.2 s) -----------------
def acrobot_derivs(y):
    m1 = m2 = 1.0
    l1 = 1.0
    lc1 = lc2 = 0.5
    i1 = i2 = 1.0
    g = 9.8
    theta1, theta2, dtheta1, dtheta2, a = y
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * math.cos(theta2)) + i1 + i2
    d2 = m2 * (lc2**2 + l1 * lc2 * math.cos(theta2)) + i2
    phi2 = m2 * lc2 * g * math.cos(theta1 + theta2 - PI / 2.0)
    phi1 = (-m2 * l1 * lc2 * dtheta2**2 * math.sin(theta2)
            - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * math.sin(theta2)
            + (m1 * lc1 + m2 * l1) * g * math.cos(theta1 - PI / 2) + phi2)
    ddtheta2 = ((a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**2 * math.sin(theta2) - phi2)
                / (m2 * lc2**2 + i2 - d2**2 / d1))
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0]


def acrobot_wrap(x, m, M):
    diff = M - m
    while x > M:
        x = x - diff
    while x < m:
        x = x + diff
    return x


def acrobot_step(s, action):
    torque = [-1.0, 0.0, +1.0][action]
    y0 = list(s) + [torque]
    dt = 0.2 - 0
    dt2 = dt / 2.0
    k1 = acrobot_derivs(y0)
    k2 = acrobot_derivs([y + dt2 * k for y, k in zip(y0, k1)])
    k3 = acrobot_derivs([y + dt2 * k for y, k in zip(y0, k2)])
    k4 = acrobot_derivs([y + dt * k for y, k in zip(y0, k3)])
    ns = [y + dt / 6.0 * (((a + 2 * b) + 2 * c) + d) for y, a, b, c, d in zip(y0, k1, k2, k3, k4)]
    ns = ns[:4]
    ns[0] = acrobot_wrap(ns[0], -PI, PI)
    ns[1] = acrobot_wrap(ns[1], -PI, PI)
    ns[2] = min(max(ns[2], -4 * PI), 4 * PI)
    ns[3] = min(max(ns[3], -9 * PI), 9 * PI)
    terminated = -math.cos(ns[0]) - math.cos(ns[1] + ns[0]) > 1.0
    return tuple(ns), (0.0 if terminated else -1.0), terminated


# ---- Cart-pole swing-up (PILCO's cart-pole; 10 RK4 substeps per step) ----
def swingup_derivs(s, u):
    M, m, l, b, g = 0.5, 0.5, 0.5, 0.1, 9.82
    xd, td, sn, cs = s[1], s[3], math.sin(s[2]), math.cos(s[2])
    xacc = (2 * m * l * (td * td) * sn + 3 * m * g * sn * cs + 4 * u - 4 * b * xd) / (4 * (M + m) - 3 * m * (cs * cs))
    tacc = ((-3 * m * l * (td * td) * sn * cs - 6 * (M + m) * g * sn - 6 * (u - b * xd) * cs)
            / (4 * l * (m + M) - 3 * m * l * (cs * cs)))
    return [xd, xacc, td, tacc]


def swingup_step(s, action):
    u = clip(action, -10.0, 10.0)
    h = 0.1 / 10
    h2 = h / 2.0
    s = list(s)
    for _ in range(10):
        k1 = swingup_derivs(s, u)
        k2 = swingup_derivs([y + h2 * k for y, k in zip(s, k1)], u)
        k3 = swingup_derivs([y + h2 * k for y, k in zip(s, k2)], u)
        k4 = swingup_derivs([y + h * k for y, k in zip(s, k3)], u)
        s = [y + h / 6.0 * (((a + 2 * b) + 2 * c) + d) for y, a, b, c, d in zip(s, k1, k2, k3, k4)]
    dx = s[0] + 0.5 * math.sin(s[2])
    dy = 0.5 * math.cos(s[2]) + 0.5
    cost = 1.0 - math.exp(-(dx * dx + dy * dy) / (2.0 * 0.25 * 0.25))
    return tuple(s), -cost, False


# ---- Header writer ---------------------------------------------------------
def hexlist(values):
    return ", ".join(float(v).hex() for v in values)


def write_pins(name, step, starts, actions, state_dim):
    """Runs every start with its action row; a terminated trajectory restarts
    from the state it ended in (the C test does the same with set_state)."""
    n_traj, n_steps = len(starts), len(actions[0])
    lines = ["/* Generated by tests/classic_pins.py: do not edit. */",
             f"#define {name.upper()}_PIN_TRAJ {n_traj}",
             f"#define {name.upper()}_PIN_STEPS {n_steps}",
             f"static const double {name}_pin_start[{n_traj}][{state_dim}] = {{"]
    lines += [f"    {{{hexlist(s)}}}," for s in starts]
    lines.append("};")
    lines.append(f"static const double {name}_pin_action[{n_traj}][{n_steps}] = {{")
    lines += [f"    {{{hexlist(a)}}}," for a in actions]
    lines.append("};")
    states, rewards, terms = [], [], []
    for s, row in zip(starts, actions):
        st, rw, tm = [], [], []
        for a in row:
            s, r, t = step(s, a)
            st.append(s)
            rw.append(r)
            tm.append(1 if t else 0)
        states.append(st)
        rewards.append(rw)
        terms.append(tm)
    lines.append(f"static const double {name}_pin_state[{n_traj}][{n_steps}][{state_dim}] = {{")
    for st in states:
        lines.append("    {" + ", ".join("{" + hexlist(s) + "}" for s in st) + "},")
    lines.append("};")
    lines.append(f"static const double {name}_pin_reward[{n_traj}][{n_steps}] = {{")
    lines += [f"    {{{hexlist(r)}}}," for r in rewards]
    lines.append("};")
    lines.append(f"static const unsigned char {name}_pin_terminated[{n_traj}][{n_steps}] = {{")
    lines += ["    {" + ", ".join(str(t) for t in tm) + "}," for tm in terms]
    lines.append("};")
    with open(f"tests/{name}_pins.h", "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"tests/{name}_pins.h: {n_traj} x {n_steps} steps, {sum(map(sum, terms))} terminations")


def main():
    rng = random.Random(20261130)
    u = rng.uniform

    # Pendulum: angles far outside [-pi, pi] (the normalization), speeds up to
    # and past the clip, torques inside and outside [-2, 2], and the edges.
    starts = [(u(-20, 20), u(-9, 9)) for _ in range(28)] + [(PI, 8.0), (-PI, -8.0), (0.0, 0.0), (3 * PI, 0.5)]
    acts = [[rng.choice([u(-2, 2), u(-5, 5), 2.0, -2.0, 0.0]) for _ in range(64)] for _ in starts]
    write_pins("pendulum", pendulum_step, starts, acts, 2)

    # MountainCar: starts over the whole track (walls, goal) at all speeds.
    starts = [(u(-1.2, 0.6), u(-0.07, 0.07)) for _ in range(28)] + [(-1.2, -0.07), (0.6, 0.07), (0.5, 0.0), (0.49, 0.0)]
    acts = [[rng.randrange(3) for _ in range(96)] for _ in starts]
    write_pins("mountaincar", mountaincar_step, starts, acts, 2)

    # MountainCarContinuous: states are float32 after a step, double at reset.
    starts = [(u(-1.2, 0.6), u(-0.07, 0.07)) for _ in range(28)] + [(-1.2, -0.07), (0.6, 0.07), (0.45, 0.0), (-0.5, 0.0)]
    acts = [[rng.choice([u(-1, 1), u(-3, 3), 1.0, -1.0]) for _ in range(96)] for _ in starts]
    write_pins("mountaincar_continuous", mountaincar_continuous_step, starts, acts, 2)

    # Acrobot: all angles and speeds, including past the velocity bounds.
    starts = [(u(-PI, PI), u(-PI, PI), u(-13, 13), u(-29, 29)) for _ in range(28)]
    starts += [(0.0, 0.0, 0.0, 0.0), (PI, 0.0, 0.0, 0.0), (-PI, PI, 4 * PI, 9 * PI), (0.1, -0.1, 0.0, 0.0)]
    acts = [[rng.randrange(3) for _ in range(96)] for _ in starts]
    write_pins("acrobot", acrobot_step, starts, acts, 4)

    # Swing-up: anywhere on the track, any angle and speed, forces past +-10.
    starts = [(u(-2, 2), u(-3, 3), u(-7, 7), u(-12, 12)) for _ in range(28)]
    starts += [(0.0, 0.0, 0.0, 0.0), (0.0, 0.0, PI, 0.0), (0.3, 0.0, PI, 0.0), (-1.0, 2.0, 1.0, -3.0)]
    acts = [[rng.choice([u(-10, 10), u(-25, 25), 10.0, -10.0, 0.0]) for _ in range(48)] for _ in starts]
    write_pins("cartpole_swingup", swingup_step, starts, acts, 4)


if __name__ == "__main__":
    main()
