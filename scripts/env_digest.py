#!/usr/bin/python3
"""env_digest.py: one SHA-256 per env, option set and seed over every bit an
env returns, to prove a change to envs/ left every trajectory as it was.

    CDRL_LIBRARY=OLD/libcdrl.so /usr/bin/python3 scripts/env_digest.py > old.txt
    CDRL_LIBRARY=NEW/libcdrl.so /usr/bin/python3 scripts/env_digest.py > new.txt
    diff old.txt new.txt && echo identical

For every registered env, with the default options and with wrappers on
(obs_noise, action_repeat, obs_mask, time_limit; CartPole also with the
semi-implicit integrator), seeds 0, 1 and 2: the single env for STEPS steps
(reset with the seed, then reset after each episode) and a batch of 5 for
STEPS / 5 steps, on random actions (discrete: uniform over the actions;
continuous: uniform over twice the box, so clipping runs too). The digest
covers the observations, rewards, terminated and truncated flags, the batch's
final observations of ended episodes and episode statistics, as raw bytes.
Not a test: the numbers depend on libm, so only two builds on one machine
are compared."""
import hashlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import cdrl  # noqa: E402
import cdrl.spaces  # noqa: E402

STEPS = int(os.environ.get("STEPS", "3000"))
WRAPPED = {"obs_noise": "0.1", "action_repeat": "3", "obs_mask": "0", "time_limit": "60"}


def actions_for(space, rng, shape):
    if isinstance(space, cdrl.spaces.Discrete):
        return rng.integers(0, space.n, size=shape).astype(np.float64)
    span = space.high - space.low
    return rng.uniform(space.low - span / 2, space.high + span / 2, size=shape + space.shape)


def single_digest(name, seed, options):
    h = hashlib.sha256()
    rng = np.random.default_rng(1000 + seed)
    with cdrl.Env(name, **options) as env:
        obs, _ = env.reset(seed=seed)
        h.update(obs.tobytes())
        for _ in range(STEPS):
            action = actions_for(env.action_space, rng, ())
            obs, reward, terminated, truncated, _ = env.step(action)
            h.update(obs.tobytes() + np.float64(reward).tobytes() + bytes([terminated, truncated]))
            if terminated or truncated:
                obs, _ = env.reset()
                h.update(obs.tobytes())
    return h.hexdigest()


def batch_digest(name, seed, options, batch=5):
    h = hashlib.sha256()
    rng = np.random.default_rng(2000 + seed)
    with cdrl.VecEnv(name, batch, seed=seed, **options) as venv:
        obs, _ = venv.reset()
        h.update(obs.tobytes())
        for _ in range(STEPS // batch):
            obs, rewards, terminated, truncated, info = venv.step(actions_for(venv.single_action_space, rng, (batch,)))
            ended = terminated | truncated
            h.update(obs.tobytes() + rewards.tobytes() + terminated.tobytes() + truncated.tobytes())
            h.update(info["final_obs"][ended].tobytes())
            for i in np.flatnonzero(ended):
                h.update(np.array(venv.episode_stats(int(i)), dtype=np.float64).tobytes())
    return h.hexdigest()


def main():
    for name in cdrl.env_names():
        settings = [("default", {}), ("wrapped", WRAPPED)]
        if name.startswith("cartpole") and "swingup" not in name:
            settings.append(("semi-implicit", {"integrator": "semi-implicit"}))
        for label, options in settings:
            for seed in (0, 1, 2):
                print(f"{name} {label} seed {seed} single {single_digest(name, seed, options)[:16]} "
                      f"batch {batch_digest(name, seed, options)[:16]}", flush=True)


if __name__ == "__main__":
    main()
