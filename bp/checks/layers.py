r"""Self-checks for the chapter *Backpropagation as local rules* (Part III, layers).

A broadcast operation such as the bias add ``Z = A_prev @ W.T + b`` uses each entry of
the smaller operand several times, once for every copy broadcasting made of it. Its
vector–Jacobian product therefore *adds* the upstream gradient over those copies:
over the leading axes that broadcasting put in front of ``shape``, and over every axis
of size 1 in ``shape`` that it stretched,

.. math:: \bar b_j = \sum_{n=1}^{N} \bar Z_{nj}
          \qquad (b \in \R^{n_l} \text{ broadcast to } Z \in \R^{N \times n_l}),

which is BP4. The reader writes that sum for any shapes, :func:`bp.tensor.unbroadcast`
is the reference, and the classic slips (no sum at all, a forgotten stretched axis, a
lost ``keepdims``, a mean for the sum, axes aligned from the left) are named.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..tensor import unbroadcast
from ._core import CheckResult, compare
from ._signatures import expects

#: (case name, shape of ``grad``, ``shape`` of the operand that was broadcast).
UNBROADCAST_CASES: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = [
    ("a dense layer's bias: (N, n_l) = (4, 3) to (3,)", (4, 3), (3,)),
    ("a square batch, so the axis matters: (3, 3) to (3,)", (3, 3), (3,)),
    ("a row kept 2-D: (4, 3) to (1, 3)", (4, 3), (1, 3)),
    ("a column: (4, 3) to (4, 1)", (4, 3), (4, 1)),
    ("no broadcasting: (2, 3) to (2, 3)", (2, 3), (2, 3)),
    ("a scalar: (2, 3) to ()", (2, 3), ()),
    ("a new leading axis and a stretched one: (2, 3, 4) to (3, 1)", (2, 3, 4), (3, 1)),
    ("per channel of an NCHW batch: (2, 3, 4, 5) to (1, 3, 1, 1)", (2, 3, 4, 5),
     (1, 3, 1, 1)),
    ("an axis of size 1 on both sides: (3, 1, 4) to (1, 1, 4)", (3, 1, 4), (1, 1, 4)),
]


def _leading_only(grad: np.ndarray, shape: tuple) -> np.ndarray:
    lead = grad.ndim - len(shape)
    return grad.sum(axis=tuple(range(lead))) if lead else grad


def _no_keepdims(grad: np.ndarray, shape: tuple) -> np.ndarray:
    g = _leading_only(grad, shape)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched) if stretched else g


def _mean(grad: np.ndarray, shape: tuple) -> np.ndarray:
    lead = grad.ndim - len(shape)
    g = grad.mean(axis=tuple(range(lead))) if lead else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.mean(axis=stretched, keepdims=True) if stretched else g


def _from_the_left(grad: np.ndarray, shape: tuple) -> np.ndarray:
    g = grad.sum(axis=tuple(range(len(shape), grad.ndim))) if grad.ndim > len(shape) \
        else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched, keepdims=True) if stretched else g


#: (diagnosis, wrong reference) tried on a wrong answer, in order (the first match
#: names the slip: a sum of the leading axes alone is the identity on a (4, 3) to
#: (1, 3) case, so it is tried before 'unchanged').
UNBROADCAST_SLIPS: list[tuple[str, Callable[[np.ndarray, tuple], np.ndarray]]] = [
    ("you summed only the leading axes that broadcasting added: an axis of size 1 in "
     "`shape` that was stretched must be summed too (with keepdims=True)",
     _leading_only),
    ("you returned grad unchanged: broadcasting used each entry of the operand "
     "several times, so its gradient is the sum of grad over those copies (the "
     "gradient must have the operand's shape)", lambda g, s: g),
    ("you summed the stretched axes without keepdims=True, so the size-1 axes of "
     "`shape` are gone: the result must have exactly `shape`", _no_keepdims),
    ("you averaged (mean) where the VJP adds: each copy contributes its whole "
     "gradient, so sum over the copies", _mean),
    ("you summed the trailing axes: NumPy aligns shapes from the right, so the axes "
     "that broadcasting added are the *leading* ones of grad", _from_the_left),
]


def _cases() -> list[tuple[np.ndarray, tuple[int, ...]]]:
    rng = np.random.default_rng(13)
    return [(rng.normal(size=g), s) for _, g, s in UNBROADCAST_CASES]


@expects("unbroadcast(grad, shape) -> grad_in")
def check_unbroadcast(fn: Callable[[np.ndarray, tuple], np.ndarray],
                      verbose: bool = True) -> CheckResult:
    """Check a reader's ``unbroadcast(grad, shape) -> grad_in``.

    ``grad`` (an ndarray) is the gradient of the result of a broadcast operation,
    shaped as that result; ``shape`` (a tuple of ints) is the shape of one operand,
    which broadcasts to ``grad.shape``. ``grad_in`` must be an array of exactly
    ``shape``: ``grad`` summed over the leading axes broadcasting added and over each
    axis of size 1 in ``shape`` that it stretched. ``grad`` must not be changed in
    place. Compared with :func:`bp.tensor.unbroadcast` to a relative tolerance of
    :math:`10^{-12}`; a wrong answer matching a classic slip
    (:data:`UNBROADCAST_SLIPS`) is named.
    """
    return compare("check_unbroadcast", fn, lambda g, s: np.asarray(unbroadcast(g, s)),
                   _cases(), arg_names=["grad", "shape"], rtol=1e-12, atol=1e-12,
                   verbose=verbose, signature=check_unbroadcast.signature,
                   case_names=[name for name, _, _ in UNBROADCAST_CASES],
                   outputs="grad_in", variants=UNBROADCAST_SLIPS,
                   rule="the result has exactly `shape`, and `grad` is not changed")
