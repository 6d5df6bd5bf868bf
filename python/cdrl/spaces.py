"""Observation and action spaces, described as Gymnasium describes them
(Box, Discrete), without depending on Gymnasium."""
import numpy as np


class Discrete:
    """Actions 0 .. n-1."""

    def __init__(self, n):
        self.n = int(n)
        self.shape = ()
        self.dtype = np.int64

    def contains(self, x):
        return float(x).is_integer() and 0 <= int(x) < self.n

    def sample(self, rng):
        """A uniform action drawn from a numpy Generator `rng`."""
        return int(rng.integers(self.n))

    def __repr__(self):
        return f"Discrete({self.n})"


class Box:
    """Vectors of float64 with per-component bounds (low, high; +-inf where unbounded)."""

    def __init__(self, low, high):
        self.low = np.asarray(low, dtype=np.float64)
        self.high = np.asarray(high, dtype=np.float64)
        self.shape = self.low.shape
        self.dtype = np.float64

    def contains(self, x):
        x = np.asarray(x, dtype=np.float64)
        return x.shape == self.shape and bool(np.all((x >= self.low) & (x <= self.high)))

    def sample(self, rng):
        """A uniform draw where bounded, a standard normal draw where not."""
        low = np.where(np.isfinite(self.low), self.low, 0.0)
        high = np.where(np.isfinite(self.high), self.high, 0.0)
        bounded = np.isfinite(self.low) & np.isfinite(self.high)
        return np.where(bounded, rng.uniform(low, high), rng.standard_normal(self.shape))

    def __repr__(self):
        return f"Box({self.low.tolist()}, {self.high.tolist()})"


def from_spec(spec):
    """(observation_space, action_space) of a cdrl_env_spec."""
    d = spec.obs_dim
    obs = Box(spec.obs_low[:d], spec.obs_high[:d])
    if spec.action_dim > 0:
        a = spec.action_dim
        return obs, Box(spec.action_low[:a], spec.action_high[:a])
    return obs, Discrete(spec.action_count)
