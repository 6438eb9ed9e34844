r"""Self-check for the normalization chapter: batch norm's backward pass in training mode.

The reader writes ``batchnorm_backward(dy, x, gamma, eps) -> (dx, dgamma, dbeta)`` for
input ``x`` of shape (N, F), standardized per feature over the batch with the biased
variance, :math:`\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}`, and output
:math:`y = \gamma \hat x + \beta`. The reference is :meth:`bp.BatchNorm.backward`:

.. math::

   \bar x = \frac{\gamma}{N\sqrt{\sigma^2 + \epsilon}} \Big( N \bar y - \sum_n \bar y_n
            - \hat x \sum_n \bar y_n \hat x_n \Big), \qquad
   \bar\gamma = \sum_n \bar y_n \hat x_n, \qquad \bar\beta = \sum_n \bar y_n .

The known wrong versions it recognizes are the classic ones: the batch statistics
treated as constants (evaluation mode's backward), the path through :math:`\sigma`
dropped, the variance with :math:`N - 1`, :math:`\gamma` or the :math:`1/N` forgotten,
the statistics taken over the features (layer norm's axis), and :math:`\bar\gamma`,
:math:`\bar\beta` swapped.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..layers import BatchNorm
from ._core import CheckResult, compare
from ._signatures import expects

#: (N, F, eps) of the cases: non-square, one feature, a large eps, a batch of 2.
_SHAPES = [(3, 1, 1e-5), (5, 3, 1e-5), (4, 6, 0.5), (2, 2, 1e-5), (16, 4, 1e-3)]
_NAMES = ["dy", "x", "gamma", "eps"]
_OUTPUTS = ("dx", "dgamma", "dbeta")


def _cases() -> list[tuple]:
    rng = np.random.default_rng(13)
    cases = []
    for N, F, eps in _SHAPES:
        x = rng.normal(loc=rng.normal(size=F) * 3, scale=rng.uniform(0.5, 2, F), size=(N, F))
        cases.append((rng.normal(size=(N, F)), x, rng.uniform(0.5, 2.0, F), eps))
    return cases


def reference(dy: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float) -> tuple:
    """``(dx, dgamma, dbeta)`` from :class:`bp.BatchNorm` in training mode."""
    layer = BatchNorm(x.shape[1], eps=eps)
    layer.gamma[...] = gamma
    layer.forward(x)
    dx = layer.backward(dy)
    return dx, layer.dgamma, layer.dbeta


def _stats(x, eps, axis=0, ddof=0):
    mu = x.mean(axis=axis, keepdims=True)
    inv = 1 / np.sqrt(x.var(axis=axis, ddof=ddof, keepdims=True) + eps)
    return (x - mu) * inv, inv


def _slip(dy, x, gamma, eps, slip):
    """The compact formula with one classic ``slip`` switched on."""
    axis, ddof = (1, 0) if slip == "axis" else (0, 1 if slip == "ddof" else 0)
    x_hat, inv = _stats(x, eps, axis, ddof)
    m = x.shape[axis]
    g = dy if slip == "gamma" else dy * gamma
    sum_g = g.sum(axis=axis, keepdims=True)
    sum_gx = (g * x_hat).sum(axis=axis, keepdims=True)
    dx = {"const": g * inv, "mean_only": inv * (g - sum_g / m),
          "no_1/N": inv * (m * g - sum_g - x_hat * sum_gx)}.get(
        slip, inv / m * (m * g - sum_g - x_hat * sum_gx))
    dgamma, dbeta = (dy * x_hat).sum(axis=0), dy.sum(axis=0)
    return (dx, dbeta, dgamma) if slip == "swap" else (dx, dgamma, dbeta)


_VARIANTS = [
    ("μ and σ were treated as constants (dx = γ·dy/σ is evaluation mode's backward): in "
     "training every x̂ depends on every x of its feature through μ and σ", "const"),
    ("the path through σ is missing: subtract x̂ · Σ(γ dy x̂) as well as Σ(γ dy)", "mean_only"),
    ("the variance used N − 1 (the unbiased estimate); batch norm normalizes with the "
     "biased variance, dividing by N (the N − 1 form is only for running_var)", "ddof"),
    ("γ is missing from dx: the upstream gradient of x̂ is γ·dy", "gamma"),
    ("the factor 1/N is missing in front of the bracket", "no_1/N"),
    ("the statistics were taken over the features of each example (axis 1, layer norm's "
     "axis); batch norm takes them over the batch (axis 0)", "axis"),
    ("dgamma and dbeta are swapped: dgamma = Σ dy·x̂, dbeta = Σ dy", "swap"),
]


@expects("batchnorm_backward(dy, x, gamma, eps) -> (dx, dgamma, dbeta)")
def check_batchnorm_backward(fn: Callable, verbose: bool = True) -> CheckResult:
    r"""Check ``fn(dy, x, gamma, eps) -> (dx, dgamma, dbeta)``, batch norm's backward in
    training mode, against :meth:`bp.BatchNorm.backward` on five seeded cases.

    Parameters
    ----------
    fn : callable
        Takes ``dy`` (N, F), the upstream gradient :math:`\partial\mathcal{L}/\partial y`;
        ``x`` (N, F), the layer's input; ``gamma`` (F,); ``eps`` (float). Returns ``dx``
        (N, F), ``dgamma`` (F,) and ``dbeta`` (F,). The statistics are the batch's, with
        the biased variance; the function must not change its arguments in place.
    verbose : bool
        Print the outcome.
    """
    variants = [(msg, lambda *a, s=slip: _slip(*a, s)) for msg, slip in _VARIANTS]
    names = [f"N = {N}, F = {F}, eps = {eps:g}" for N, F, eps in _SHAPES]
    return compare("check_batchnorm_backward", fn, reference, _cases(), arg_names=_NAMES,
                   verbose=verbose, case_names=names, outputs=_OUTPUTS, variants=variants,
                   scales=lambda dy, x, gamma, eps: {"N": x.shape[0]},
                   rule="statistics of the batch (biased variance); no in-place changes")


__all__ = ["check_batchnorm_backward"]
