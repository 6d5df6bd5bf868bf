"""Tests of the Python package over libcdrl.so (run by ctest as `python`).

The C side of each comparison is examples/vec_env_step (CDRL_EXAMPLES), which
prints its rollout as exact hexadecimal floats; the Python rollouts must equal
it bit for bit. Environment: CDRL_LIBRARY (the library under test),
CDRL_EXAMPLES (the built examples)."""
import math
import os
import subprocess
import tempfile
import unittest

import numpy as np

import cdrl

EXAMPLES = os.environ.get("CDRL_EXAMPLES", os.path.join(os.path.dirname(__file__), "..", "..", "build",
                                                         "examples"))


def c_rollout(env, batch, steps, seed):
    """{(t, i): (reward, terminated, truncated, obs)} from examples/vec_env_step."""
    out = subprocess.run([os.path.join(EXAMPLES, "vec_env_step"), env, str(batch), str(steps), str(seed)],
                         check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        f = line.split()
        rows[(int(f[0]), int(f[1]))] = (float.fromhex(f[2]), int(f[3]), int(f[4]),
                                        [float.fromhex(x) for x in f[5:]])
    return rows


def pattern_action(space, t, i):
    """The action examples/vec_env_step takes for env i at step t (same arithmetic)."""
    if isinstance(space, cdrl.Discrete):
        return float((t + i) % space.n)
    return [0.5 * (lo + hi) + 0.5 * (hi - lo) * math.sin(0.3 * t + i + d)
            for d, (lo, hi) in enumerate(zip(space.low.tolist(), space.high.tolist()))]


class RolloutsEqualC(unittest.TestCase):
    def check_vec(self, name, batch, steps, seed):
        want = c_rollout(name, batch, steps, seed)
        venv = cdrl.VecEnv(name, batch, seed=seed)
        obs, _ = venv.reset()
        for i in range(batch):
            self.assertEqual(obs[i].tolist(), want[(0, i)][3])
        ended = 0
        for t in range(1, steps + 1):
            actions = np.array([pattern_action(venv.single_action_space, t, i) for i in range(batch)])
            obs, rewards, terminated, truncated, _ = venv.step(actions)
            for i in range(batch):
                reward, term, trunc, c_obs = want[(t, i)]
                self.assertEqual((rewards[i], int(terminated[i]), int(truncated[i])), (reward, term, trunc),
                                 f"{name} step {t} env {i}")
                self.assertEqual(obs[i].tolist(), c_obs, f"{name} step {t} env {i}")
                ended += term or trunc
        return ended

    def test_batched_cartpole_equals_c_bit_for_bit(self):
        self.assertGreater(self.check_vec("cartpole", 4, 60, 3), 0)  # resets are compared too

    def test_batched_continuous_env_equals_c_bit_for_bit(self):
        self.check_vec("pendulum", 3, 40, 11)

    def test_single_env_equals_c_batch_of_one(self):
        want = c_rollout("cartpole", 1, 120, 9)
        env = cdrl.Env("cartpole")
        obs, info = env.reset(seed=9)
        self.assertEqual(info, {})
        self.assertEqual(obs.tolist(), want[(0, 0)][3])
        episodes = 0
        for t in range(1, 121):
            obs, reward, terminated, truncated, _ = env.step(int(pattern_action(env.action_space, t, 0)))
            if terminated or truncated:  # the batch shows the next episode's first observation
                obs, _ = env.reset()
                episodes += 1
            self.assertEqual((reward, int(terminated), int(truncated), obs.tolist()), want[(t, 0)])
        self.assertGreater(episodes, 0)


class Api(unittest.TestCase):
    def test_spaces_are_described(self):
        env = cdrl.Env("pendulum")
        self.assertEqual(env.observation_space.shape, (3,))
        self.assertEqual(env.action_space.low.tolist(), [-2.0])
        self.assertEqual(env.action_space.high.tolist(), [2.0])
        cart = cdrl.Env("cartpole")
        self.assertEqual(cart.action_space.n, 2)
        self.assertEqual(cart.spec["max_episode_steps"], 500)
        self.assertIn("acrobot", cdrl.env_names())

    def test_options_are_keyword_arguments(self):
        env = cdrl.Env("cartpole", time_limit=3)
        env.reset(seed=0)
        flags = [env.step(0)[3] for _ in range(3)]
        self.assertEqual(flags, [False, False, True])
        masked = cdrl.Env("cartpole", obs_mask="1:3")
        self.assertEqual(masked.observation_space.shape, (2,))

    def test_vec_env_writes_into_its_own_arrays(self):
        venv = cdrl.VecEnv("cartpole", 8, seed=1)
        obs, _ = venv.reset()
        self.assertIs(obs, venv.obs)
        address = venv.obs.ctypes.data
        obs2, rewards, terminated, truncated, info = venv.step(np.ones(8))
        self.assertIs(obs2, venv.obs)
        self.assertIs(rewards, venv.rewards)
        self.assertIs(info["final_obs"], venv.final_obs)
        self.assertEqual(venv.obs.ctypes.data, address)
        self.assertEqual(rewards.tolist(), [1.0] * 8)

    def test_version(self):
        self.assertRegex(cdrl.__version__, r"^\d+\.\d+\.\d+$")
        self.assertIn("SIMD", cdrl.build_info)


class Errors(unittest.TestCase):
    """Errors from C become Python exceptions carrying the C message."""

    def test_unknown_env(self):
        with self.assertRaises(cdrl.InvalidArgumentError) as caught:
            cdrl.Env("nosuchenv")
        self.assertTrue(str(caught.exception).startswith("unknown env 'nosuchenv'; known envs: cartpole"))
        self.assertEqual(caught.exception.code, 1)
        self.assertIsInstance(caught.exception, ValueError)

    def test_step_before_reset_and_bad_action(self):
        env = cdrl.Env("cartpole")
        with self.assertRaises(cdrl.StateError) as caught:
            env.step(0)
        self.assertIn("reset", str(caught.exception))
        env.reset(seed=0)
        with self.assertRaises(cdrl.InvalidArgumentError) as caught:
            env.step(5)
        self.assertIn("action", str(caught.exception))

    def test_unknown_option(self):
        with self.assertRaises(cdrl.InvalidArgumentError) as caught:
            cdrl.Env("cartpole", wind="strong")
        self.assertIn("wind", str(caught.exception))

    def test_missing_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            missing = os.path.join(tmp, "none")
            with self.assertRaises(cdrl.InvalidArgumentError) as caught:
                cdrl.Policy(missing)
            self.assertEqual(str(caught.exception), f"{missing}: no such run directory")


class Runs(unittest.TestCase):
    """Training, a loaded policy acting, and the metrics, on one short run."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.run_dir = os.path.join(cls.tmp.name, "run")
        lines = []
        cls.result = cdrl.train("pg", "cartpole", cls.run_dir,
                                overrides={"run.steps": 3000, "run.seed": 4, "agent.policy.dropout": "concrete"},
                                progress=lines.append)
        cls.lines = lines

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_train_reports_and_writes_the_run(self):
        self.assertGreaterEqual(self.result["env_steps"], 3000)
        self.assertTrue(self.lines and self.lines[0].startswith("update"))
        metrics = cdrl.read_metrics(self.run_dir)
        self.assertEqual(len(metrics["update"]), self.result["iterations"])
        self.assertEqual(metrics["env_steps"][-1], self.result["env_steps"])
        self.assertTrue(np.all(np.diff(metrics["env_steps"]) > 0))
        episodes = cdrl.read_metrics(self.run_dir, "episodes.csv")
        self.assertEqual(len(next(iter(episodes.values()))), self.result["episodes"])

    def test_policy_loop_equals_library_eval_bit_for_bit(self):
        policy = cdrl.Policy(self.run_dir, mc_samples=5)
        env = policy.make_env()
        seed, episodes = 77, 3
        policy.seed(seed)
        means = {}
        for mode in ("eval", "mc"):
            total = 0.0
            obs, _ = env.reset(seed=seed)  # each mode starts from the seed, as cdrl eval
            for ep in range(episodes):
                if ep > 0:
                    obs, _ = env.reset()
                done = False
                while not done:
                    obs, reward, terminated, truncated, _ = env.step(policy.act(obs, mode=mode))
                    total += reward
                    done = terminated or truncated
            means[mode] = total / episodes
        want = cdrl.evaluate(self.run_dir, episodes=episodes, mc_samples=5, seed=seed)
        self.assertEqual(means["eval"], want["eval_mean"])
        self.assertEqual(means["mc"], want["mc_mean"])
        action, probs = policy.act(obs, mode="mc", return_probs=True)
        self.assertAlmostEqual(float(probs.sum()), 1.0, places=12)
        self.assertEqual(action, int(np.argmax(probs)))
        with self.assertRaises(cdrl.InvalidArgumentError):
            policy.act(obs, mode="sample")


if __name__ == "__main__":
    unittest.main()
