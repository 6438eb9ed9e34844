"""The GEMM-bound limit: how fast one epoch could possibly be on this machine.

Almost all the arithmetic of training a dense network is in matrix products. For a
batch of ``B`` examples and a layer with ``n_in`` inputs and ``n_out`` neurons:

=====================  ==============================  ==================
product                shapes                          FLOPs
=====================  ==============================  ==================
forward  ``A W^T``     (B, n_in) x (n_in, n_out)       2 B n_in n_out
BP3  ``delta^T A``     (n_out, B) x (B, n_in)          2 B n_in n_out
BP2  ``delta W``       (B, n_out) x (n_out, n_in)      2 B n_in n_out, not for the input layer
=====================  ==============================  ==================

(nobody needs ``dL/dX``, so the first layer has no BP2 product). Dividing the FLOPs of an
epoch by the machine's GEMM rate, measured in the same run, gives the time an epoch
would take if everything but the matrix products were free.
"""
from __future__ import annotations

import statistics
import time

import numpy as np


def train_flops(sizes, n_examples: int) -> int:
    """FLOPs of the matrix products of one epoch of training (forward + backward)."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    per_example = sum(2 * a * b for a, b in pairs)              # forward
    per_example += sum(2 * a * b for a, b in pairs)             # BP3
    per_example += sum(2 * a * b for a, b in pairs[1:])         # BP2, not into the input
    return per_example * n_examples


def gemm_rate(dtype, size: int = 1024, seconds: float = 0.3, repeats: int = 5) -> float:
    """GFLOP/s of NumPy's ``A @ B`` for square ``size x size`` operands: the best of
    ``repeats`` runs of about ``seconds`` each (the machine's rate when nothing else
    competes for it, so the limit is never flattered by load), with whatever threads
    are allowed now."""
    rng = np.random.default_rng(0)
    A = rng.random((size, size)).astype(dtype)
    B = rng.random((size, size)).astype(dtype)
    C = np.empty_like(A)
    np.matmul(A, B, out=C)
    t0 = time.perf_counter()
    np.matmul(A, B, out=C)
    calls = max(1, int(seconds / max(time.perf_counter() - t0, 1e-6)))
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            np.matmul(A, B, out=C)
        rates.append(2 * size ** 3 * calls / (time.perf_counter() - t0) / 1e9)
    return max(rates)


def flops_as_gemm(dtype, flops: float, size: int = 1024):
    """A callable doing ``flops`` worth of square ``size`` GEMMs (at least one call).

    Timed side by side with the training runs, it gives the GEMM-bound limit under the
    same conditions (the same load from elsewhere on the machine) as the runs it bounds.
    """
    rng = np.random.default_rng(1)
    A = rng.random((size, size)).astype(dtype)
    B = rng.random((size, size)).astype(dtype)
    C = np.empty_like(A)
    calls = max(1, round(flops / (2 * size ** 3)))

    def run():
        for _ in range(calls):
            np.matmul(A, B, out=C)
    run.flops = 2 * size ** 3 * calls
    return run


def step_gemm_time(sizes, batch: int, dtype, repeats: int = 5, calls: int = 50) -> float:
    """Seconds of only the products of one training step, each called exactly as
    ``bp.Network`` calls it (``A @ W.T``, ``delta.T @ A``, ``delta @ W``) on its own."""
    rng = np.random.default_rng(0)
    acts = [rng.random((batch, n)).astype(dtype) for n in sizes]
    Ws = [rng.random((b, a)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    def step():
        for l, W in enumerate(Ws):
            acts[l] @ W.T
        for l in range(len(Ws) - 1, -1, -1):
            acts[l + 1].T @ acts[l]
            if l > 0:
                acts[l + 1] @ Ws[l]
    step()
    best = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            step()
        best.append((time.perf_counter() - t0) / calls)
    return statistics.median(best)
