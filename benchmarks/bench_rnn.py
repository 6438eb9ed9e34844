"""bp.RNN against torch.nn.RNN: one forward and backward pass (BPTT), 1 thread.

The same work on both sides: a batch of N = 64 sequences of T = 50 steps with 64
features, a hidden state of 64, tanh, float32; the loss sum(h_T * R) for a fixed R,
so both backward passes start from the same dL/dh_T; gradients of the four
parameters *and* of the input (bp always returns dL/dx, so torch's input requires
grad). bp's time includes its input checks; torch's includes building the autograd
graph and clearing the previous gradients. Before timing, the two are checked to do
the same arithmetic (float64, relative error of every gradient).

    python benchmarks/bench_rnn.py [--repeats 30] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import bp  # noqa: E402
from _common import interleaved, load, machine, pinned  # noqa: E402

N, T, N_IN, N_HIDDEN = 64, 50, 64, 64
NAMES = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0",
         "b_hh": "bias_hh_l0"}


def build(dtype):
    """bp's RNN, torch's with the same weights, the input and the upstream gradient."""
    rnn = bp.RNN(N_IN, N_HIDDEN, rng=0, dtype=dtype)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    ref = torch.nn.RNN(N_IN, N_HIDDEN, batch_first=True, dtype=tdtype)
    with torch.no_grad():
        for k, p in rnn.params().items():
            getattr(ref, NAMES[k]).copy_(torch.from_numpy(p))
    gen = np.random.default_rng(1)
    x = gen.normal(size=(N, T, N_IN)).astype(dtype)
    R = gen.normal(size=(N, N_HIDDEN)).astype(dtype)
    return rnn, ref, x, R


def bp_step(rnn, x, R):
    rnn.forward(x)
    return rnn.backward(R)


def torch_step(ref, tx, tR):
    ref.zero_grad(set_to_none=True)
    tx.grad = None
    _, h_T = ref(tx)
    (h_T[0] * tR).sum().backward()
    return tx.grad


def same_arithmetic() -> float:
    """The largest relative error between bp's and torch's gradients, in float64."""
    rnn, ref, x, R = build(np.float64)
    tx = torch.tensor(x, requires_grad=True)
    dx = bp_step(rnn, x, R)
    torch_step(ref, tx, torch.from_numpy(R))
    errors = [bp.relative_error(dx, tx.grad.numpy())]
    errors += [bp.relative_error(g, getattr(ref, NAMES[k]).grad.numpy())
               for k, g in rnn.grads().items()]
    return max(errors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    for key, value in machine().items():
        print(f"- {key}: {value}")
    print(f"- same arithmetic: largest relative error of a gradient (float64) "
          f"{same_arithmetic():.1e}")
    rnn, ref, x, R = build(np.float32)
    tx, tR = torch.tensor(x, requires_grad=True), torch.from_numpy(R)
    fns = {"bp": lambda: bp_step(rnn, x, R), "torch": lambda: torch_step(ref, tx, tR),
           "bp forward": lambda: rnn.forward(x)}
    with pinned(args.threads):
        times = interleaved(fns, repeats=args.repeats, warmup=3)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\nRNN n_in {N_IN}, n_hidden {N_HIDDEN}, T {T}, batch {N}, float32, "
          f"{args.threads} thread(s), median of {args.repeats}:")
    print("| | forward + backward (ms) |")
    print("|---|---|")
    for k in ("bp", "torch", "bp forward"):
        print(f"| {k} | {1e3 * med[k]:.2f} |")
    print(f"\nbp / torch = {med['bp'] / med['torch']:.2f} (goal <= 1.0); "
          f"load average {load()}")


if __name__ == "__main__":
    main()
