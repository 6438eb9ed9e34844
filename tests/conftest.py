"""Shared fixtures and helpers for the bp test suite (seeded, float64 unless stated)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings

import bp

settings.register_profile("bp", deadline=None, max_examples=60, derandomize=True)
settings.load_profile("bp")

#: Activations with a kink, where centered differences are meaningless at 0.
KINKED = {"relu", "leaky_relu"}
ELEMENTWISE = [name for name, a in bp.ACTIVATIONS.items() if a.elementwise]

#: (output activation, loss) pairs a network accepts.
OUTPUT_LOSS = [
    ("identity", "mse"), ("sigmoid", "mse"), ("tanh", "mse"), ("softplus", "mse"),
    ("softmax", "mse"), ("relu", "mse"), ("leaky_relu", "mse"), ("gelu_tanh", "mse"),
    ("sigmoid", "bce"), ("identity", "bce_with_logits"),
    ("softmax", "cross_entropy"), ("identity", "softmax_cross_entropy"),
]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


def make_targets(loss: str, batch: int, n_out: int, rng: np.random.Generator,
                 labels: bool = False, dtype=np.float64) -> np.ndarray:
    """Targets in the loss's domain: reals, values in [0, 1], one-hot rows or labels."""
    if loss == "mse":
        return rng.normal(size=(batch, n_out)).astype(dtype)
    if loss in ("bce", "bce_with_logits"):
        return rng.uniform(0, 1, size=(batch, n_out)).astype(dtype)
    y = rng.integers(0, n_out, size=batch)
    return y if labels else bp.one_hot(y, n_out, dtype=dtype)


def make_net(sizes, acts, loss="mse", seed=0, dtype=np.float64, bias_scale=0.3,
             init="auto") -> bp.Network:
    """A network with the given layer sizes and activations and random non-zero biases."""
    gen = np.random.default_rng(seed)
    layers = [bp.Dense(a, b, act, rng=gen, dtype=dtype, init=init)
              for a, b, act in zip(sizes[:-1], sizes[1:], acts)]
    for layer in layers:
        layer.b[...] = gen.normal(scale=bias_scale, size=layer.b.shape)
    return bp.Network(layers, loss=loss)


def optimizer_net_and_batch(dtype=np.float64, seed=0):
    """The small tanh network and batch on which the optimizer tests take their steps."""
    rng = np.random.default_rng(seed)
    net = make_net((3, 4, 2), ("tanh", "identity"), "mse", seed=seed, dtype=dtype)
    X = rng.normal(size=(5, 3)).astype(dtype)
    Y = rng.normal(size=(5, 2)).astype(dtype)
    return net, X, Y


def gradients_after_backward(net, X, Y):
    """Copies of the gradients after one forward and backward pass on (X, Y)."""
    net.forward(X)
    net.backward(Y)
    return [g.copy() for _, _, g in net.gradients()]


def parameter_copies(net):
    """Copies of the network's parameters, in ``net.parameters()`` order."""
    return [p.copy() for _, _, p in net.parameters()]


def away_from_kinks(z: np.ndarray, margin: float = 1e-3) -> np.ndarray:
    """Move entries within ``margin`` of 0 out to +-margin."""
    z = np.array(z, dtype=np.float64)
    near = np.abs(z) < margin
    z[near] = np.where(z[near] >= 0, margin, -margin)
    return z
