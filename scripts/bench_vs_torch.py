#!/usr/bin/python3
"""The workloads of `cdrl bench nn`, written for PyTorch (and numpy for the
planner), timed the same way: CPU time of this thread, one step repeated until
--seconds of it are spent, the mean per step of each round printed as
"<workload> <impl> <us/step>" lines. scripts/bench_vs_torch.sh runs this
interleaved with cdrl and makes the table. A benchmark for the docs: cdrl does
not depend on it, and no test runs it.

The same arithmetic as cdrl: float32 throughout; Concrete dropout
(Gal et al. 2017, t = 0.1, eps = 1e-7) on the inputs of the second and later
layers with the regulariser weight_reg * sum(W^2) / (1-p) + dropout_reg * K *
(p log p + (1-p) log(1-p)); MSE summed over outputs, mean over the batch; Adam
at lr 1e-3. The planner: random shooting over 100 candidates x horizon 20
with 5 particles, each a frozen dropout mask of a 2 x 32 tanh model of the
change of state, CartPole's model reward and termination, the first action
chosen by its candidates' mean score."""
import argparse
import time

import numpy as np
import torch

EPS, TEMP = 1e-7, 0.1


def thread_cpu():
    return time.thread_time()


def time_round(step, seconds):
    n, t0 = 0, thread_cpu()
    while True:
        step()
        n += 1
        t = thread_cpu()
        if t - t0 >= seconds:
            return 1e6 * (t - t0) / n


# ==== The Concrete-Dropout MLP step ====

class ConcreteMLP(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.lin = torch.nn.ModuleList([torch.nn.Linear(4, width), torch.nn.Linear(width, width),
                                        torch.nn.Linear(width, 2)])
        p = 0.1
        self.p_logit = torch.nn.Parameter(torch.full((2,), float(np.log(p) - np.log(1 - p))))

    def concrete(self, x, i):
        p = torch.sigmoid(self.p_logit[i])
        u = torch.rand_like(x)
        z = torch.sigmoid((torch.log(p + EPS) - torch.log(1 - p + EPS) + torch.log(u + EPS)
                           - torch.log(1 - u + EPS)) / TEMP)
        return x * (1 - z) / (1 - p)

    def forward(self, x):
        h = torch.tanh(self.lin[0](x))
        h = torch.tanh(self.lin[1](self.concrete(h, 0)))
        return self.lin[2](self.concrete(h, 1))

    def regulariser(self, weight_reg, dropout_reg):
        total = 0.0
        for i, lin in enumerate(self.lin[1:]):
            p = torch.sigmoid(self.p_logit[i])
            K = lin.weight.shape[1]
            total = total + weight_reg * torch.sum(lin.weight ** 2) / (1 - p) \
                + dropout_reg * K * (p * torch.log(p) + (1 - p) * torch.log(1 - p))
        return total


def cdmlp_step(width, batch):
    torch.manual_seed(1)
    net = ConcreteMLP(width)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x, y = torch.rand(batch, 4) * 2 - 1, torch.rand(batch, 2) * 2 - 1
    weight_reg, dropout_reg = 1e-8 / 1e4, 2.0 / 1e4

    def step():
        opt.zero_grad()
        out = net(x)
        loss = ((out - y) ** 2).sum(1).mean() + net.regulariser(weight_reg, dropout_reg)
        loss.backward()
        opt.step()
    return step


def mc_forward(width, batch):
    torch.manual_seed(1)
    net = ConcreteMLP(width)
    x = torch.rand(batch, 4) * 2 - 1

    def step():
        with torch.no_grad():
            net(x)
    return step


# ==== The planner ====

H, C, P, D, A, WIDTH = 20, 100, 5, 4, 2, 32
X_LIMIT, THETA_LIMIT = 2.4, 12 * 2 * np.pi / 360


def planner_params(rng):
    def glorot(n_out, n_in):
        r = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-r, r, (n_out, n_in)).astype(np.float32)
    return dict(W=[glorot(WIDTH, D + A), glorot(WIDTH, WIDTH), glorot(D, WIDTH)],
                b=[np.zeros(n, np.float32) for n in (WIDTH, WIDTH, D)],
                # cdrl bench nn's normalisers (a fit on CartPole's random-action
                # transitions, rounded): the rollouts survive the horizon
                in_mean=np.array([0, 0, 0, 0, 0.5, 0.5], np.float32),
                in_std=np.array([0.09, 0.53, 0.09, 0.77, 0.5, 0.5], np.float32),
                out_mean=np.zeros(D, np.float32),
                out_std=np.array([0.011, 0.2, 0.015, 0.29], np.float32))


def concrete_masks(rng, p=0.1):
    """One mask per particle for each of the two dropped layers: (P, WIDTH)."""
    u = rng.random((2, P, WIDTH))
    z = 1 / (1 + np.exp(-(np.log(p + EPS) - np.log(1 - p + EPS) + np.log(u + EPS)
                          - np.log(1 - u + EPS)) / TEMP))
    return ((1 - z) / (1 - p)).astype(np.float32)


def planner_numpy(seed=1):
    rng = np.random.default_rng(seed)
    m = planner_params(rng)
    obs = np.array([0.01, -0.02, 0.03, 0.04], np.float32)
    eye = np.eye(A, dtype=np.float32)

    def step():
        seqs = rng.integers(0, A, (C, H))
        masks = np.repeat(concrete_masks(rng), C, axis=1)   # (2, P*C, WIDTH), particle-major
        state = np.tile(obs, (P * C, 1))
        total, alive = np.zeros(P * C), np.ones(P * C, bool)
        for t in range(H):
            a = np.tile(seqs[:, t], P)
            x = (np.concatenate([state, eye[a]], 1) - m["in_mean"]) / m["in_std"]
            h = np.tanh(x @ m["W"][0].T + m["b"][0]) * masks[0]
            h = np.tanh(h @ m["W"][1].T + m["b"][1]) * masks[1]
            state = state + m["out_mean"] + m["out_std"] * (h @ m["W"][2].T + m["b"][2])
            total += alive
            alive &= (np.abs(state[:, 0]) <= X_LIMIT) & (np.abs(state[:, 2]) <= THETA_LIMIT)
        scores = total.reshape(P, C).mean(0)
        first = seqs[:, 0]
        return max(range(A), key=lambda k: scores[first == k].mean() if np.any(first == k) else -1)
    return step


def planner_torch(seed=1):
    rng = np.random.default_rng(seed)
    m = {k: ([torch.from_numpy(w) for w in v] if isinstance(v, list) else torch.from_numpy(v))
         for k, v in planner_params(rng).items()}
    obs = torch.tensor([0.01, -0.02, 0.03, 0.04])
    eye = torch.eye(A)
    gen = torch.Generator().manual_seed(seed)

    def step():
        with torch.no_grad():
            seqs = torch.randint(0, A, (C, H), generator=gen)
            masks = torch.from_numpy(concrete_masks(rng)).repeat_interleave(C, dim=1)
            state = obs.repeat(P * C, 1)
            total = torch.zeros(P * C)
            alive = torch.ones(P * C, dtype=torch.bool)
            for t in range(H):
                a = seqs[:, t].repeat(P)
                x = (torch.cat([state, eye[a]], 1) - m["in_mean"]) / m["in_std"]
                h = torch.tanh(torch.addmm(m["b"][0], x, m["W"][0].T)) * masks[0]
                h = torch.tanh(torch.addmm(m["b"][1], h, m["W"][1].T)) * masks[1]
                state = state + m["out_mean"] + m["out_std"] * torch.addmm(m["b"][2], h, m["W"][2].T)
                total += alive
                alive &= (state[:, 0].abs() <= X_LIMIT) & (state[:, 2].abs() <= THETA_LIMIT)
            scores = total.reshape(P, C).mean(0)
            first = seqs[:, 0]
            return max(range(A), key=lambda k: float(scores[first == k].mean()) if bool((first == k).any()) else -1.0)
    return step


WORKLOADS = [
    ("cdmlp_4-64-64-2_b1", "torch", lambda: cdmlp_step(64, 1)),
    ("cdmlp_4-64-64-2_b64", "torch", lambda: cdmlp_step(64, 64)),
    ("cdmlp_4-64-64-2_b1024", "torch", lambda: cdmlp_step(64, 1024)),
    ("cdmlp_4-512-512-2_b4096", "torch", lambda: cdmlp_step(512, 4096)),
    ("planner_mb_default", "torch", planner_torch),
    ("planner_mb_default", "numpy", planner_numpy),
    ("mc_forward_4-64-64-2_b1024", "torch", lambda: mc_forward(64, 1024)),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=0.2)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name, impl, make in WORKLOADS:
        if args.only not in name:
            continue
        step = make()
        step()  # warm
        print(f"{name} {impl} {time_round(step, args.seconds):.2f}", flush=True)


if __name__ == "__main__":
    main()
