"""A trained run's policy (cdrl_policy), and training and evaluating runs."""
import csv
import ctypes
import os

import numpy as np

from . import _lib
from ._lib import call, encode, lib
from .env import Env, _DP, _ptr, _spec_dict
from .spaces import from_spec

MODES = {"eval": 0, "mc": 1}


class Policy:
    """The policy of a run directory (a pg run), acting as `cdrl eval` does:

        policy = cdrl.Policy("runs/pg-cartpole-0-...")
        env = policy.make_env()
        obs, _ = env.reset(seed=1000)
        action = policy.act(obs)               # eval mode: dropout off
        action = policy.act(obs, mode="mc")    # mean over mc_samples dropout draws

    The MC-mode draws start from the run's seed; seed(s) reseeds them as
    `cdrl eval --seed s` does."""

    def __init__(self, run_dir, mc_samples=20):
        self._policy = ctypes.c_void_p()
        call(lib.cdrl_policy_load, encode(os.fspath(run_dir)), ctypes.byref(self._policy))
        spec = lib.cdrl_policy_env_spec(self._policy).contents
        self.observation_space, self.action_space = from_spec(spec)
        self.spec = _spec_dict(spec)
        self.mc_samples = int(mc_samples)
        self._obs = np.zeros(spec.obs_dim, dtype=np.float64)
        self._probs = np.zeros(spec.action_count, dtype=np.float64)

    def seed(self, seed):
        lib.cdrl_policy_seed(self._policy, ctypes.c_uint64(int(seed)))

    def act(self, obs, mode="eval", mc_samples=None, return_probs=False):
        """The greedy action (an int) for one observation; with
        return_probs, (action, probabilities) — in mc mode the mean
        probabilities over the draws."""
        if mode not in MODES:
            raise _lib.InvalidArgumentError(1, f"mode '{mode}' is neither 'eval' nor 'mc'")
        self._obs[:] = obs
        action = ctypes.c_double()
        t = self.mc_samples if mc_samples is None else int(mc_samples)
        call(lib.cdrl_policy_act, self._policy, _ptr(self._obs), MODES[mode], t, ctypes.byref(action),
             _ptr(self._probs))
        if return_probs:
            return int(action.value), self._probs.copy()
        return int(action.value)

    def make_env(self):
        """The run's env, with the run's env options, as an Env."""
        handle = ctypes.c_void_p()
        call(lib.cdrl_policy_make_env, self._policy, ctypes.byref(handle))
        return Env(None, _handle=handle)

    def close(self):
        if self._policy:
            lib.cdrl_policy_free(self._policy)
            self._policy = ctypes.c_void_p()

    def __del__(self):
        self.close()


def evaluate(run_dir, episodes=10, mc_samples=20, seed=None):
    """`cdrl eval RUN_DIR`: a dict of eval_mean, eval_std, mc_mean, mc_std,
    mc_spread (and what the spread measures) over `episodes` episodes per mode."""
    result = _lib.EvalResult()
    call(lib.cdrl_eval_run, encode(os.fspath(run_dir)), int(episodes), int(mc_samples),
         -1 if seed is None else int(seed), ctypes.byref(result))
    out = {k: getattr(result, k) for k in ("episodes", "eval_mean", "eval_std", "mc_mean", "mc_std",
                                           "mc_spread")}
    out["spread_what"] = result.spread_what.decode()
    return out


def train(agent, env, run_dir, overrides=None, config_file=None, progress=None):
    """`cdrl train`: trains `agent` on `env` into run_dir (created; must not
    hold a run). overrides: a dict or list of "key=value" ({"run.steps":
    20000}); progress: a callable taking each progress line. Returns a dict
    of solved, env_steps, episodes, iterations, last_mean_return."""
    if isinstance(overrides, dict):
        overrides = [f"{k}={v}" for k, v in overrides.items()]
    overrides = [encode(o) for o in (overrides or [])]
    array = (ctypes.c_char_p * max(1, len(overrides)))(*overrides)
    callback = _lib.PROGRESS_FN(0)
    if progress is not None:
        callback = _lib.PROGRESS_FN(lambda user, line: progress(line.decode()))
    options = _lib.TrainOptions(encode(agent), encode(env), encode(config_file), array, len(overrides),
                                encode(os.fspath(run_dir)), callback, None)
    result = _lib.TrainResult()
    call(lib.cdrl_train, ctypes.byref(options), ctypes.byref(result))
    return {k: getattr(result, k) for k in ("solved", "env_steps", "episodes", "iterations",
                                            "last_mean_return")}


def read_metrics(run_dir, file="metrics.csv"):
    """A run's CSV file (metrics.csv or episodes.csv) as {column: float64 array}
    (an empty field is NaN)."""
    path = os.path.join(os.fspath(run_dir), file)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise _lib.FileError(2, f"{path}: empty file")
    header, data = rows[0], rows[1:]

    def number(text):
        try:
            return float(text)
        except ValueError:
            return float("nan")

    return {name: np.array([number(r[i]) if i < len(r) else float("nan") for r in data], dtype=np.float64)
            for i, name in enumerate(header)}
