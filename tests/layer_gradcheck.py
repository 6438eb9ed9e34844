"""A finite-difference check for one layer on the protocol (float64, seeded)."""
from __future__ import annotations

from typing import Callable

import numpy as np

import bp


def check_layer(layer, x: np.ndarray, seed: int = 0, tol: float = 1e-6,
                reset: Callable[[], None] | None = None) -> dict[str, float]:
    """Check ``layer.backward`` against centered differences of the scalar loss
    ``sum(layer.forward(x) * R)`` (``R`` fixed and random) for the input and every
    parameter; ``reset()`` runs before each forward (e.g. to replay dropout's mask).

    ``R`` is drawn from ``seed``: draw ``x`` from another seed (an ``R`` that is an
    affine function of ``x`` makes batch norm's input gradient vanish).

    Returns the relative errors by name; raises ``AssertionError`` naming the first
    array whose error exceeds ``tol``.
    """
    x = np.array(x, dtype=np.float64)
    reset = reset or (lambda: None)
    reset()
    out = layer.forward(x)
    R = np.random.default_rng(seed).normal(size=out.shape)
    analytic = {"input": layer.backward(R.copy())}
    analytic.update({k: np.array(g) for k, g in layer.grads().items()})

    def f() -> float:
        reset()
        return float(np.sum(layer.forward(x) * R))

    errors = {"input": bp.relative_error(analytic["input"], bp.numerical_gradient(f, x))}
    for name, p in layer.params().items():        # the arrays themselves, moved in place
        errors[name] = bp.relative_error(analytic[name], bp.numerical_gradient(f, p))
    for name, err in errors.items():
        if not err <= tol:
            raise AssertionError(f"{layer!r}: relative error {err:.3g} for {name} between "
                                 f"backward and centered differences (> {tol:g})")
    return errors
