"""Environments: the single env with Gymnasium's API, and the batched env
stepping into numpy arrays it owns (no copies)."""
import ctypes

import numpy as np

from . import _lib
from ._lib import call, encode, lib
from .spaces import from_spec

_DP = ctypes.POINTER(ctypes.c_double)
_U8P = ctypes.POINTER(ctypes.c_uint8)


def env_names():
    """Names of every env the library knows (built-in and registered)."""
    names, out = lib.cdrl_env_names(), []
    i = 0
    while names[i]:
        out.append(names[i].decode())
        i += 1
    return out


def _ptr(array, ctype=_DP):
    return array.ctypes.data_as(ctype)


def _spec_dict(spec):
    return {
        "name": spec.name.decode(),
        "max_episode_steps": spec.max_episode_steps,
        "solved_threshold": spec.solved_threshold,
        "solved_window": spec.solved_window,
    }


class Env:
    """One env by registry name, with Gymnasium's API:

        env = cdrl.Env("cartpole")
        obs, info = env.reset(seed=0)
        obs, reward, terminated, truncated, info = env.step(1)

    Options (cdrl_env_set_option: the env's own and the wrappers obs_mask,
    obs_noise, action_repeat, time_limit) are keyword arguments. Observations
    are float64 arrays. A discrete action is an int; a continuous one a
    sequence of action_dim floats. Errors from the library raise CdrlError
    subclasses with its message."""

    def __init__(self, name, _handle=None, **options):
        self._env = ctypes.c_void_p()
        if _handle is not None:
            self._env = _handle
        else:
            call(lib.cdrl_env_create, encode(name), ctypes.byref(self._env))
        try:
            for key, value in options.items():
                call(lib.cdrl_env_set_option, self._env, encode(key), encode(value))
        except Exception:
            self.close()
            raise
        self._describe()

    def _describe(self):
        spec = lib.cdrl_env_spec_of(self._env).contents
        self.observation_space, self.action_space = from_spec(spec)
        self.spec = _spec_dict(spec)
        self._obs_dim = spec.obs_dim
        self._action = np.zeros(max(1, spec.action_dim), dtype=np.float64)

    def reset(self, seed=None, options=None):
        """Starts an episode: with `seed`, the env's generator is reseeded
        first (as Gymnasium); without, the seeded stream continues. Returns
        (obs, info). `options` is not used (kept for the Gymnasium signature)."""
        del options
        obs = np.empty(self._obs_dim, dtype=np.float64)
        if seed is not None:
            call(lib.cdrl_env_reset_seeded, self._env, ctypes.c_uint64(int(seed)), _ptr(obs))
        else:
            call(lib.cdrl_env_reset, self._env, _ptr(obs))
        return obs, {}

    def step(self, action):
        """Returns (obs, reward, terminated, truncated, info)."""
        self._action[:] = np.asarray(action, dtype=np.float64).reshape(-1)
        obs = np.empty(self._obs_dim, dtype=np.float64)
        result = _lib.StepResult()
        call(lib.cdrl_env_step, self._env, _ptr(self._action), _ptr(obs), ctypes.byref(result))
        return obs, result.reward, bool(result.terminated), bool(result.truncated), {}

    @property
    def state(self):
        """The physical state and episode counters (cdrl_env_view), copied."""
        view = lib.cdrl_env_view_of(self._env)
        return {
            "kind": view.kind.decode(),
            "state": np.array(view.state[: view.state_dim], dtype=np.float64),
            "params": np.array(view.params[: view.n_params], dtype=np.float64),
            "steps": view.steps,
            "episode_return": view.episode_return,
        }

    def close(self):
        if self._env:
            lib.cdrl_env_free(self._env)
            self._env = ctypes.c_void_p()

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class VecEnv:
    """`num_envs` copies of one env stepped in one C call, resetting
    themselves when an episode ends (cdrl_vec_env). Env i draws from stream
    (seed, i); num_envs = 1 reproduces Env(name).reset(seed=seed) and
    reset() after each episode, bit for bit.

    The arrays are owned by the VecEnv and written in place by C:
        obs (num_envs, obs_dim) float64, rewards (num_envs,) float64,
        terminated, truncated (num_envs,) bool, final_obs (num_envs, obs_dim)
    reset() and step() return those very arrays (no copy): copy what you keep
    across steps. Actions are a float64 array (num_envs,) for discrete envs or
    (num_envs, action_dim) for continuous ones; a C-contiguous float64 array
    is passed without a copy."""

    def __init__(self, name, num_envs, seed=0, threads=1, **options):
        self._venv = ctypes.c_void_p()
        call(lib.cdrl_vec_env_create, encode(name), int(num_envs), ctypes.c_uint64(int(seed)),
             ctypes.byref(self._venv))
        try:
            for key, value in options.items():
                call(lib.cdrl_vec_env_set_option, self._venv, encode(key), encode(value))
            if threads != 1:
                call(lib.cdrl_vec_env_set_threads, self._venv, int(threads))
        except Exception:
            self.close()
            raise
        spec = lib.cdrl_vec_env_spec_of(self._venv).contents
        self.num_envs = int(num_envs)
        self.single_observation_space, self.single_action_space = from_spec(spec)
        self.spec = _spec_dict(spec)
        b, d = self.num_envs, spec.obs_dim
        self._action_shape = (b,) if spec.action_dim == 0 else (b, spec.action_dim)
        self.obs = np.zeros((b, d), dtype=np.float64)
        self.final_obs = np.zeros((b, d), dtype=np.float64)
        self.rewards = np.zeros(b, dtype=np.float64)
        self.terminated = np.zeros(b, dtype=np.bool_)
        self.truncated = np.zeros(b, dtype=np.bool_)

    def reset(self):
        """Starts every env's next episode; returns (obs, info)."""
        call(lib.cdrl_vec_env_reset, self._venv, _ptr(self.obs))
        return self.obs, {}

    def step(self, actions):
        """Steps all envs; returns (obs, rewards, terminated, truncated, info),
        the VecEnv's own arrays. info["final_obs"] holds the last observation
        of the envs whose episode ended in this step (rows of the others are
        stale)."""
        actions = np.ascontiguousarray(actions, dtype=np.float64)
        if actions.shape != self._action_shape:
            raise _lib.InvalidArgumentError(1, f"actions have shape {actions.shape}; "
                                               f"this VecEnv takes {self._action_shape}")
        call(lib.cdrl_vec_env_step, self._venv, _ptr(actions), _ptr(self.obs), _ptr(self.rewards),
             _ptr(self.terminated, _U8P), _ptr(self.truncated, _U8P), _ptr(self.final_obs))
        return self.obs, self.rewards, self.terminated, self.truncated, {"final_obs": self.final_obs}

    def episode_stats(self, i):
        """(return, length) of the last episode env i finished."""
        ret, length = ctypes.c_double(), ctypes.c_int()
        lib.cdrl_vec_env_episode_stats(self._venv, int(i), ctypes.byref(ret), ctypes.byref(length))
        return ret.value, length.value

    def close(self):
        if self._venv:
            lib.cdrl_vec_env_free(self._venv)
            self._venv = ctypes.c_void_p()

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
