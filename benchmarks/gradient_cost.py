"""What a gradient costs: backward against forward, and backprop against finite differences.

Backpropagation's promise is that the whole gradient costs a small constant times one
forward pass: each layer does one product forward and two backward (BP3 and BP2), so
about 3x the arithmetic, whatever the number of parameters. Finite differences need two
forward passes *per parameter*. Both claims are measured here with bp's public API.
"""
from __future__ import annotations

import statistics

import numpy as np

import bp
from _common import (DIGITS_SIZES, MNIST_SIZES, build_bp, digits_data, interleaved,
                     median_time, mnist_like)


def forward_vs_gradient(dtype=np.float32, batch: int = 128, repeats: int = 7,
                        calls: int = 200) -> dict:
    """Median seconds of ``net.loss(X, y)`` and of ``net.loss(X, y); net.backward(y)``
    on the MNIST-size network, and the same two for PyTorch if it is installed."""
    X, y = mnist_like(batch * 8, dtype, seed=2)
    net = build_bp(MNIST_SIZES, dtype)
    xb, yb = X[:batch], y[:batch]

    def many(fn):
        def run():
            for _ in range(calls):
                fn()
        return run

    fns = {"bp forward": many(lambda: net.loss(xb, yb)),
           "bp forward+backward": many(lambda: (net.loss(xb, yb), net.backward(yb)))}
    try:
        import torch
        import torch.nn.functional as F

        from trainers import torch_model
        model = torch_model(net)
        xt, yt = torch.from_numpy(xb), torch.from_numpy(yb.astype(np.int64))

        def torch_grad():
            for p in model.parameters():
                p.grad = None
            F.cross_entropy(model(xt), yt).backward()

        fns["torch forward"] = many(lambda: F.cross_entropy(model(xt), yt).item())
        fns["torch forward+backward"] = many(torch_grad)
    except ImportError:
        pass
    times = interleaved(fns, repeats)
    return {name: statistics.median(t) / calls for name, t in times.items()}


def finite_difference_speedup(batch: int = 32, repeats: int = 3) -> dict:
    """Seconds for the full gradient of the digits network (64-32-10, float64) by
    backprop and by centered differences (two losses per parameter), their ratio, and
    the relative error between the two gradients."""
    X, y = digits_data(np.float64)
    X, y = X[:batch], y[:batch]
    net = build_bp(DIGITS_SIZES, np.float64, seed=5)

    def loss() -> float:
        return net.loss(X, y)

    def backprop():
        net.loss(X, y)
        net.backward(y)
        return [g.copy() for _, _, g in net.gradients()]

    def finite_differences():
        return [bp.numerical_gradient(loss, p) for _, _, p in net.parameters()]

    t_bp = median_time(backprop, repeats=max(repeats, 50))[0]
    t_fd = median_time(finite_differences, repeats=repeats)[0]
    g_bp, g_fd = backprop(), finite_differences()
    err = max(bp.relative_error(a, b) for a, b in zip(g_bp, g_fd))
    return {"n_params": net.n_params, "backprop_s": t_bp, "finite_diff_s": t_fd,
            "speedup": t_fd / t_bp, "loss_evaluations": 2 * net.n_params,
            "max_rel_error": err}
