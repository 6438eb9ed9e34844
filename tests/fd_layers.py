"""Centered finite differences on one layer alone (float64), for the layer tests.

The scalar loss is ``sum(layer.forward(x) * R)`` for a fixed random ``R`` shaped like
the output, so ``R`` is exactly the upstream gradient ``backward`` receives and every
entry of the output is weighted differently (a plain sum would hide errors that
cancel across outputs).
"""
from __future__ import annotations

import numpy as np

import bp


def layer_gradients(layer, x: np.ndarray, R: np.ndarray, eps: float = 1e-6
                    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{name: (backprop, finite differences)}`` for ``"input"`` and every parameter.

    ``x`` is perturbed in place (and restored) for the input's differences; pass a
    copy if the caller's array matters.
    """
    layer.forward(x)
    out = {"input": layer.backward(R)}
    out.update({k: np.array(g) for k, g in layer.grads().items()})

    def loss() -> float:
        return float(np.sum(layer.forward(x) * R))

    result = {"input": (out["input"], bp.numerical_gradient(loss, x, eps))}
    for name, p in layer.params().items():
        result[name] = (out[name], bp.numerical_gradient(loss, p, eps))
    return result


def assert_layer_gradients(layer, x: np.ndarray, R: np.ndarray, tol: float = 1e-7,
                           zero: tuple[str, ...] = ()) -> dict:
    """Assert backprop matches finite differences for the input and every parameter.

    ``zero`` names gradients that are exactly 0 in exact arithmetic (attention's key
    bias), where a relative error of rounding noise is meaningless: backprop's must
    then be below 1e-12 (rounding) and the differences' below 1e-7 (their noise,
    about u |loss| / eps). Returns ``{name: relative error}``.
    """
    errors = {}
    for name, (analytic, numeric) in layer_gradients(layer, x, R).items():
        assert analytic.shape == numeric.shape, (name, analytic.shape, numeric.shape)
        if name in zero:
            assert np.max(np.abs(analytic)) < 1e-12, (name, np.max(np.abs(analytic)))
            assert np.max(np.abs(numeric)) < 1e-7, (name, np.max(np.abs(numeric)))
            continue
        errors[name] = bp.relative_error(analytic, numeric)
        assert errors[name] < tol, f"{name}: relative error {errors[name]:.3g} >= {tol:g}"
    return errors
