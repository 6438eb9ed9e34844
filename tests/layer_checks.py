"""Helpers for the layer tests: gradient checks of every parameter and of the input
through bp.Network, in float64, with centered differences."""
from __future__ import annotations

import numpy as np

import bp


def mse_net(layers, input_shape, seed=0, dtype=np.float64) -> bp.Network:
    """``layers`` + Flatten + Dense(.., 2, "identity") under the MSE loss, so that every
    output of the stack reaches the loss through random weights."""
    probe = bp.Network(list(layers) + [bp.Flatten()], loss="mse", input_shape=input_shape)
    n = probe.n_out
    probe.layers.clear()                      # frees the layers for the real network
    head = bp.Dense(n, 2, "identity", rng=seed + 100, dtype=dtype)
    return bp.Network(list(layers) + [bp.Flatten(), head], loss="mse", input_shape=input_shape)


def check_all_gradients(net: bp.Network, X: np.ndarray, Y: np.ndarray, tol: float = 1e-7):
    """bp.gradcheck for every parameter, and the input gradient against centered
    differences in every entry of ``X``; returns (report, relative error of dL/dX)."""
    report = bp.gradcheck(net, X, Y, tol=tol)
    analytic = net.input_gradient(X, Y)
    Xc = np.array(X, dtype=np.float64)
    numeric = bp.numerical_gradient(lambda: net.loss(Xc, Y), Xc)
    return report, bp.relative_error(analytic, numeric)


def targets(net: bp.Network, X: np.ndarray, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(X.shape[0], net.n_out))
