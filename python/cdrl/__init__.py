"""cdrl from Python: the C library's envs, batched envs, trained policies and
runs, through ctypes and numpy (no other dependency).

    import cdrl
    env = cdrl.Env("cartpole")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(0)

The library is libcdrl.so (see cdrl._lib for how it is found). docs/library.md
describes the C API underneath; errors raised by C keep its one-line message.
"""
from ._lib import (CdrlError, FileError, InvalidArgumentError, StateError, UnavailableError, lib as _c)
from .env import Env, VecEnv, env_names
from .policy import Policy, evaluate, read_metrics, train
from .spaces import Box, Discrete

__version__ = _c.cdrl_version().decode()
build_info = _c.cdrl_build_info().decode()

__all__ = ["Env", "VecEnv", "Policy", "Box", "Discrete", "env_names", "train", "evaluate", "read_metrics",
           "CdrlError", "InvalidArgumentError", "StateError", "FileError", "UnavailableError",
           "build_info"]
