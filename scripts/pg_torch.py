#!/usr/bin/python3
"""The pg agent's default run (`cdrl train --agent pg --env cartpole`) ported to
PyTorch, for timing cdrl's CPU per env step against it (scripts/pg_vs_torch.sh).
A benchmark, not a dependency and not a test.

The same algorithm and settings as agents/pg*.c with configs/pg_cartpole.cfg:
- 8 CartPole envs (Gymnasium's equations, float64, 500-step limit) made afresh
  at every update; the update's rollout runs until every env has finished an
  episode and at least 64 steps are taken; finished envs reset in place;
  truncated episodes and the cut ones bootstrap from the value network;
- policy 4-64-64-2 tanh with Concrete dropout (t = 0.1, init p 0.1) on the
  inputs of its 2nd and 3rd layers, the rollout's dropout noise kept and
  reused by the update; value 4-64-64-1 tanh, no dropout;
- GAE (gamma 0.99, lambda 0.95), advantages normalised over the rollout;
- 4 epochs of shuffled minibatches of 256: a PPO-clip (0.2) step with entropy
  bonus 0.01 and the Concrete regulariser (length scale 1e-4, tau 1, N = env
  steps so far) on the policy, then an MSE step on the value network; Adam at
  lr 1e-3 each, the gradient's global norm clipped to 0.5.

Prints "steps S cpu_s C us_per_step U updates N last100 R" (CPU time of this
process from the first reset to the end, so Python's and torch's start-up
are not counted)."""
import argparse
import math
import time

import numpy as np
import torch

EPS, TEMP = 1e-7, 0.1
ENVS, MIN_STEPS, EPOCHS, MINIBATCH = 8, 64, 4, 256
GAMMA, LAMBDA, LR, CLIP, ENTROPY, MAX_NORM = 0.99, 0.95, 1e-3, 0.2, 0.01, 0.5
LENGTH_SCALE, TAU, INIT_P, HIDDEN = 1e-4, 1.0, 0.1, 64


class CartPoles:
    """n CartPole-v1 envs, Euler integration, as Gymnasium writes them."""
    G, M_CART, M_POLE, HALF_LEN, FORCE, DT = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    X_LIMIT, THETA_LIMIT, MAX_STEPS = 2.4, 12 * 2 * math.pi / 360, 500

    def __init__(self, n, rng):
        self.n, self.rng = n, rng
        self.s = rng.uniform(-0.05, 0.05, (n, 4))
        self.t = np.zeros(n, int)
        self.ret = np.zeros(n)

    def step(self, actions):
        x, x_dot, th, th_dot = self.s.T
        force = np.where(actions == 1, self.FORCE, -self.FORCE)
        cos, sin = np.cos(th), np.sin(th)
        total = self.M_CART + self.M_POLE
        pml = self.M_POLE * self.HALF_LEN
        temp = (force + pml * th_dot ** 2 * sin) / total
        th_acc = (self.G * sin - cos * temp) / (
            self.HALF_LEN * (4.0 / 3.0 - self.M_POLE * cos ** 2 / total))
        x_acc = temp - pml * th_acc * cos / total
        self.s = np.stack([x + self.DT * x_dot, x_dot + self.DT * x_acc,
                           th + self.DT * th_dot, th_dot + self.DT * th_acc], 1)
        self.t += 1
        self.ret += 1.0
        term = (np.abs(self.s[:, 0]) > self.X_LIMIT) | (np.abs(self.s[:, 2]) > self.THETA_LIMIT)
        trunc = ~term & (self.t >= self.MAX_STEPS)
        done = term | trunc
        final = self.s.copy()
        returns = self.ret[done].copy()
        if done.any():
            k = int(done.sum())
            self.s[done] = self.rng.uniform(-0.05, 0.05, (k, 4))
            self.t[done] = 0
            self.ret[done] = 0.0
        return np.ones(self.n), term, trunc, final, returns


class MLP(torch.nn.Module):
    def __init__(self, n_out, concrete):
        super().__init__()
        self.lin = torch.nn.ModuleList([torch.nn.Linear(4, HIDDEN), torch.nn.Linear(HIDDEN, HIDDEN),
                                        torch.nn.Linear(HIDDEN, n_out)])
        self.concrete = concrete
        if concrete:
            logit = math.log(INIT_P) - math.log(1 - INIT_P)
            self.p_logit = torch.nn.Parameter(torch.full((2,), logit))

    def drop(self, x, i, u):
        p = torch.sigmoid(self.p_logit[i])
        z = torch.sigmoid((torch.log(p + EPS) - torch.log(1 - p + EPS) + torch.log(u + EPS)
                           - torch.log(1 - u + EPS)) / TEMP)
        return x * (1 - z) / (1 - p)

    def forward(self, x, noise=None):
        """noise: the two layers' uniforms (drawn here when None); returns (out, noise)."""
        h = torch.tanh(self.lin[0](x))
        if self.concrete:
            noise = noise or [torch.rand_like(h), torch.rand(h.shape[0], HIDDEN)]
            h = self.drop(h, 0, noise[0])
        h = torch.tanh(self.lin[1](h))
        if self.concrete:
            h = self.drop(h, 1, noise[1])
        return self.lin[2](h), noise

    def regulariser(self, n_data):
        weight_reg = LENGTH_SCALE ** 2 / (TAU * n_data)
        dropout_reg = 1.0 / (TAU * n_data)  # the policy's loss is a cross-entropy
        total = 0.0
        for i, lin in enumerate(self.lin[1:]):
            p = torch.sigmoid(self.p_logit[i])
            K = lin.weight.shape[1]
            total = total + weight_reg * torch.sum(lin.weight ** 2) / (1 - p) \
                + dropout_reg * K * (p * torch.log(p) + (1 - p) * torch.log(1 - p))
        return total


def rollout(policy, value, rng, steps_left):
    envs = CartPoles(ENVS, rng)
    obs, acts, logps, vals, rews, ended, next_v, noise = [], [], [], [], [], [], [], [[], []]
    done_once = np.zeros(ENVS, bool)
    returns = []
    t = 0
    with torch.no_grad():
        while steps_left >= ENVS and not (done_once.all() and t >= MIN_STEPS):
            o = torch.as_tensor(envs.s, dtype=torch.float32)
            logits, u = policy(o)
            logp_all = torch.log_softmax(logits, 1)
            a = torch.multinomial(logp_all.exp(), 1).squeeze(1)
            v = value(o)[0].squeeze(1)
            _, term, trunc, final, ret = envs.step(a.numpy())
            nv = np.zeros(ENVS, np.float32)
            cut = trunc & ~term
            if cut.any():
                nv[cut] = value(torch.as_tensor(final[cut], dtype=torch.float32))[0].squeeze(1).numpy()
            obs.append(o), acts.append(a), logps.append(logp_all.gather(1, a[:, None]).squeeze(1))
            vals.append(v), rews.append(np.ones(ENVS, np.float32)), ended.append(term | trunc)
            next_v.append(nv), noise[0].append(u[0]), noise[1].append(u[1])
            returns.extend(ret.tolist())
            done_once |= term | trunc
            steps_left -= ENVS
            t += 1
        last = value(torch.as_tensor(envs.s, dtype=torch.float32))[0].squeeze(1).numpy()
    vals_np = torch.stack(vals).numpy()
    adv, ret = gae(np.stack(rews), vals_np, np.stack(ended), np.stack(next_v), last)
    flat = lambda xs: torch.cat(xs) if isinstance(xs[0], torch.Tensor) else torch.as_tensor(np.concatenate(xs))
    batch = dict(obs=torch.cat(obs), act=torch.cat(acts), logp=torch.cat(logps),
                 adv=torch.as_tensor(adv.reshape(-1)), ret=torch.as_tensor(ret.reshape(-1)),
                 noise=[flat(noise[0]), flat(noise[1])])
    return batch, t * ENVS, returns


def gae(rew, val, ended, next_v, last):
    T = rew.shape[0]
    adv = np.zeros_like(rew)
    g = np.zeros(ENVS)
    for t in range(T - 1, -1, -1):
        nxt = np.where(ended[t], next_v[t], last if t == T - 1 else val[t + 1])
        delta = rew[t] + GAMMA * nxt - val[t]
        g = delta + GAMMA * LAMBDA * np.where(ended[t], 0.0, g)
        adv[t] = g
    return adv.astype(np.float32), (adv + val).astype(np.float32)


def update(policy, value, popt, vopt, b, n_data):
    adv = b["adv"]
    adv = (adv - adv.mean()) / (adv.std(unbiased=False) + 1e-8)
    n = adv.shape[0]
    for _ in range(EPOCHS):
        order = torch.randperm(n)
        for s in range(0, n, MINIBATCH):
            i = order[s:s + MINIBATCH]
            logits, _ = policy(b["obs"][i], [b["noise"][0][i], b["noise"][1][i]])
            logp_all = torch.log_softmax(logits, 1)
            logp = logp_all.gather(1, b["act"][i][:, None]).squeeze(1)
            r = torch.exp(logp - b["logp"][i])
            surrogate = -torch.min(r * adv[i], torch.clamp(r, 1 - CLIP, 1 + CLIP) * adv[i]).mean()
            entropy = -(logp_all.exp() * logp_all).sum(1).mean()
            loss = surrogate - ENTROPY * entropy + policy.regulariser(n_data)
            popt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), MAX_NORM)
            popt.step()
            v = value(b["obs"][i])[0].squeeze(1)
            vloss = ((v - b["ret"][i]) ** 2).mean()
            vopt.zero_grad()
            vloss.backward()
            torch.nn.utils.clip_grad_norm_(value.parameters(), MAX_NORM)
            vopt.step()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    policy, value = MLP(2, True), MLP(1, False)
    popt = torch.optim.Adam(policy.parameters(), lr=LR)
    vopt = torch.optim.Adam(value.parameters(), lr=LR)
    steps, updates, returns = 0, 0, []
    t0 = time.process_time()
    while steps + ENVS <= args.steps:
        batch, n, rets = rollout(policy, value, rng, args.steps - steps)
        steps += n
        returns.extend(rets)
        update(policy, value, popt, vopt, batch, steps)
        updates += 1
    cpu = time.process_time() - t0
    last = np.mean(returns[-100:]) if returns else 0.0
    print(f"steps {steps} cpu_s {cpu:.3f} us_per_step {1e6 * cpu / steps:.2f} updates {updates} "
          f"last100 {last:.1f}")


if __name__ == "__main__":
    main()
