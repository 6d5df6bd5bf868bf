#!/usr/bin/python3
"""Writes tests/lstm_reference_data.h: PyTorch float64 results that
tests/test_lstm.c compares the C LSTM layer against, so ctest needs no Python.

Run with Debian's python3-torch (the reference only, never a dependency):
    /usr/bin/python3 tests/lstm_reference.py > tests/lstm_reference_data.h

Two cases, every input rounded to float32 so that C sees exactly the same
numbers:
  plain     no dropout, h0/c0 given: torch.nn.LSTM itself (batch_first), its
            outputs and the autograd gradients of a weighted sum of them.
  concrete  Concrete Dropout on the input and on h, masks locked per sequence
            from injected uniforms, a state reset (keep = 0) inside a sequence,
            and the Concrete regulariser: the equations of include/cdrl/lstm.h
            written here with torch ops, differentiated by autograd. Before it
            is used, this hand-written cell is checked against nn.LSTM (masks
            of 1, no reset) to 1e-12, which pins its gate order and equations
            to PyTorch's.
"""
import math
import sys

import torch

torch.set_default_dtype(torch.float64)
EPS, TEMPERATURE = 1e-7, 0.1


def f32(t):
    """Round to float32 and back: the C test reads these as floats."""
    return t.float().double()


def concrete_mask(u, p_logit):
    p = torch.sigmoid(p_logit)
    a = (torch.log(p + EPS) - torch.log(1 - p + EPS) + torch.log(u + EPS) - torch.log(1 - u + EPS))
    z = torch.sigmoid(a / TEMPERATURE)
    return (1 - z) / (1 - p)


def lstm_by_hand(x, h0, c0, w_ih, w_hh, b_ih, b_hh, keep, mask_x, mask_h):
    """x (B,T,C); keep (B,T); masks (B,C), (B,H). Returns out (B,T,H), h_T, c_T."""
    B, T, _ = x.shape
    H = w_hh.shape[1]
    h, c, outs = h0, c0, []
    for t in range(T):
        k = keep[:, t:t + 1]
        h_tilde = k * h * mask_h
        c_tilde = k * c
        a = (x[:, t] * mask_x) @ w_ih.T + b_ih + h_tilde @ w_hh.T + b_hh
        i = torch.sigmoid(a[:, 0:H])
        f = torch.sigmoid(a[:, H:2 * H])
        g = torch.tanh(a[:, 2 * H:3 * H])
        o = torch.sigmoid(a[:, 3 * H:4 * H])
        c = f * c_tilde + i * g
        h = o * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs, 1), h, c


def regulariser(w, K, p_logit, wr, dr):
    p = torch.sigmoid(p_logit)
    return wr * (w ** 2).sum() / (1 - p) + dr * K * (p * torch.log(p) + (1 - p) * torch.log(1 - p))


def draw(gen, *shape, lo=-1.0, hi=1.0):
    return f32(lo + (hi - lo) * torch.rand(*shape, generator=gen))


def case_inputs(gen, B, T, C, H):
    a = 1 / math.sqrt(H)
    d = dict(
        w_ih=draw(gen, 4 * H, C, lo=-a, hi=a), w_hh=draw(gen, 4 * H, H, lo=-a, hi=a),
        b_ih=draw(gen, 4 * H, lo=-a, hi=a), b_hh=draw(gen, 4 * H, lo=-a, hi=a),
        x=draw(gen, B, T, C, lo=-2, hi=2), h0=draw(gen, B, H, lo=-0.5, hi=0.5),
        c0=draw(gen, B, H, lo=-0.5, hi=0.5), r_out=draw(gen, B, T, H),
        r_h=draw(gen, B, H), r_c=draw(gen, B, H))
    return d


def weighted_loss(out, h, c, d):
    return (out * d["r_out"]).sum() + (h * d["r_h"]).sum() + (c * d["r_c"]).sum()


def check_hand_cell_against_nn_lstm(gen):
    B, T, C, H = 3, 4, 3, 5
    d = case_inputs(gen, B, T, C, H)
    lstm = torch.nn.LSTM(C, H, batch_first=True)
    with torch.no_grad():
        for name in ("w_ih", "w_hh", "b_ih", "b_hh"):
            getattr(lstm, {"w_ih": "weight_ih_l0", "w_hh": "weight_hh_l0", "b_ih": "bias_ih_l0",
                           "b_hh": "bias_hh_l0"}[name]).copy_(d[name])
        out, (h, c) = lstm(d["x"], (d["h0"][None], d["c0"][None]))
        mine, h2, c2 = lstm_by_hand(d["x"], d["h0"], d["c0"], d["w_ih"], d["w_hh"], d["b_ih"],
                                    d["b_hh"], torch.ones(B, T), torch.ones(B, C), torch.ones(B, H))
    worst = max((out - mine).abs().max(), (h[0] - h2).abs().max(), (c[0] - c2).abs().max())
    assert worst < 1e-12, f"hand-written cell differs from nn.LSTM by {worst}"


def plain_case(gen):
    B, T, C, H = 2, 5, 3, 4
    d = case_inputs(gen, B, T, C, H)
    lstm = torch.nn.LSTM(C, H, batch_first=True)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(d["w_ih"]), lstm.weight_hh_l0.copy_(d["w_hh"])
        lstm.bias_ih_l0.copy_(d["b_ih"]), lstm.bias_hh_l0.copy_(d["b_hh"])
    x, h0, c0 = (d[k].clone().requires_grad_() for k in ("x", "h0", "c0"))
    out, (h, c) = lstm(x, (h0[None], c0[None]))
    loss = weighted_loss(out, h[0], c[0], d)
    loss.backward()
    results = dict(out=out, h_last=h[0], c_last=c[0], loss=loss,
                   dw_ih=lstm.weight_ih_l0.grad, dw_hh=lstm.weight_hh_l0.grad,
                   db_ih=lstm.bias_ih_l0.grad, db_hh=lstm.bias_hh_l0.grad,
                   dx=x.grad, dh0=h0.grad, dc0=c0.grad)
    return dict(B=B, T=T, C=C, H=H), d, results


def concrete_case(gen):
    B, T, C, H = 3, 7, 4, 6
    d = case_inputs(gen, B, T, C, H)
    d["noise"] = f32(torch.rand(B, C + H, generator=gen))
    d["keep"] = torch.ones(B, T)
    d["keep"][1, 3] = 0.0  # an episode of sequence 1 starts at step 3
    d["p_logit_x"] = f32(torch.tensor(math.log(0.2 / 0.8)))
    d["p_logit_h"] = f32(torch.tensor(math.log(0.3 / 0.7)))
    wr, dr = 0.01, 0.05
    leaves = {k: d[k].clone().requires_grad_()
              for k in ("w_ih", "w_hh", "b_ih", "b_hh", "p_logit_x", "p_logit_h", "x", "h0", "c0")}
    v = leaves
    mask_x = concrete_mask(d["noise"][:, :C], v["p_logit_x"])
    mask_h = concrete_mask(d["noise"][:, C:], v["p_logit_h"])
    out, h, c = lstm_by_hand(v["x"], v["h0"], v["c0"], v["w_ih"], v["w_hh"], v["b_ih"], v["b_hh"],
                             d["keep"], mask_x, mask_h)
    reg = regulariser(v["w_ih"], C, v["p_logit_x"], wr, dr) \
        + regulariser(v["w_hh"], H, v["p_logit_h"], wr, dr)
    loss = weighted_loss(out, h, c, d) + reg
    loss.backward()
    results = dict(out=out, h_last=h, c_last=c, loss=loss, reg=reg,
                   dw_ih=v["w_ih"].grad, dw_hh=v["w_hh"].grad, db_ih=v["b_ih"].grad,
                   db_hh=v["b_hh"].grad, dp_logit_x=v["p_logit_x"].grad,
                   dp_logit_h=v["p_logit_h"].grad, dx=v["x"].grad, dh0=v["h0"].grad,
                   dc0=v["c0"].grad)
    return dict(B=B, T=T, C=C, H=H, wr=wr, dr=dr), d, results


def emit(prefix, dims, inputs, results):
    for k, v in dims.items():
        kind = "double" if isinstance(v, float) else "int"
        print(f"static const {kind} {prefix}_{k} = {v!r};")
    for group in (inputs, results):
        for k, t in group.items():
            flat = t.detach().reshape(-1).tolist()
            body = ", ".join(repr(float(x)) for x in flat)
            print(f"static const double {prefix}_{k}[{len(flat)}] = {{{body}}};")


def main():
    gen = torch.Generator().manual_seed(20261130)
    check_hand_cell_against_nn_lstm(gen)
    print("/* Generated by tests/lstm_reference.py with PyTorch", torch.__version__,
          "in float64; do not edit. */")
    print("#ifndef CDRL_TESTS_LSTM_REFERENCE_DATA_H\n#define CDRL_TESTS_LSTM_REFERENCE_DATA_H\n")
    emit("plain", *plain_case(gen))
    print()
    emit("concrete", *concrete_case(gen))
    print("\n#endif")


if __name__ == "__main__":
    sys.exit(main())
