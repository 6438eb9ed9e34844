r"""Self-checks for the activations chapter: a reader's activation or derivative vs ``bp``'s.

Every check feeds the reader's function the same inputs as the reference in
:mod:`bp.activations`, including extreme values (:math:`z = \pm 1000`, :math:`\pm 50`)
and points at and next to the kink :math:`z = 0`. The reader's function runs under
``np.errstate(over="raise", invalid="raise")``: a correct implementation never
overflows, so an overflow (the naive sigmoid at :math:`z = -1000`) is reported as a
failure of that case rather than passing with a warning.

>>> import numpy as np
>>> from bp.checks.activations import check_sigmoid_derivative
>>> s = lambda z: 1 / (1 + np.exp(-np.clip(z, -500, 500)))
>>> bool(check_sigmoid_derivative(lambda z: s(z) * (1 - s(z)), verbose=False))
True
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from ..activations import ACTIVATIONS, softmax_jacobian
from ._core import CheckResult, compare

Array = np.ndarray

#: Scalars every element-wise check tries: extremes, the kink and its neighbours.
EXTREMES = np.array([-1000.0, -50.0, -5.0, -1.0, -1e-8, 0.0, 1e-8, 1.0, 5.0, 50.0, 1000.0])


def _elementwise_cases() -> list[tuple[Array]]:
    """Scalar-like 0-d arrays, the extremes as one vector, and seeded random batches."""
    rng = np.random.default_rng(0)
    cases: list[tuple[Array]] = [(np.array(0.5),), (EXTREMES.copy(),)]
    cases.append((rng.normal(size=7),))
    cases.append((3 * rng.normal(size=(4, 3)),))
    cases.append((np.linspace(-6, 6, 25),))
    return cases


def _softmax_cases() -> list[tuple[Array]]:
    """Rows of logits: small, equal, one dominant, and extreme (plus or minus 1000)."""
    rng = np.random.default_rng(1)
    return [
        (np.array([[1.0, 2.0, 3.0]]),),
        (np.zeros((2, 4)),),
        (rng.normal(size=(5, 3)),),
        (np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0]]),),
        (np.array([[800.0, 801.0], [-50.0, 50.0]]),),
    ]


def _vector_cases() -> list[tuple[Array]]:
    """Single logit vectors (1-D) for the Jacobian check, extremes included."""
    rng = np.random.default_rng(2)
    return [
        (np.array([1.0, 2.0, 3.0]),),
        (np.zeros(4),),
        (rng.normal(size=5),),
        (np.array([1000.0, 0.0, -1000.0]),),
        (np.array([-1000.0, -999.0, -1000.0, -998.0]),),
    ]


def _guarded(fn: Callable[..., Array]) -> Callable[..., Array]:
    """Run ``fn`` so that overflow or an invalid operation raises instead of warning."""
    @functools.wraps(fn)
    def run(*args):
        with np.errstate(over="raise", invalid="raise"):
            return fn(*args)
    return run


def _known(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(sorted(ACTIVATIONS))}")
    return ACTIVATIONS[name]


def check_activation(name: str, fn: Callable[[Array], Array],
                     verbose: bool = True) -> CheckResult:
    r"""Check a reader's activation ``fn`` against ``bp.activations.ACTIVATIONS[name]``.

    Parameters
    ----------
    name : str
        ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"`` (slope 0.01),
        ``"softplus"``, ``"gelu_tanh"`` (the tanh approximation), ``"identity"``
        or ``"softmax"``.
    fn : callable
        ``fn(z) -> a`` with ``a.shape == z.shape``. Element-wise activations get 0-d,
        1-D and 2-D arrays including :math:`z = \pm 1000`; ``softmax`` gets 2-D
        arrays of shape ``(batch, n)`` and must normalise each row,
        :math:`s_i = e^{z_i} / \sum_j e^{z_j}`, without overflowing at logits of 1000.
    verbose : bool
        Print the outcome (the first failing input with expected and actual values).

    Returns
    -------
    CheckResult
        Truthy when every case agrees to ``rtol=1e-6``.
    """
    act = _known(name)
    cases = _elementwise_cases() if act.elementwise else _softmax_cases()
    return compare(f"check_activation({name!r})", _guarded(fn), act.f, cases,
                   arg_names=["z"], verbose=verbose)


def check_derivative(name: str, dfn: Callable[[Array], Array],
                     verbose: bool = True) -> CheckResult:
    r"""Check a reader's derivative ``dfn`` of activation ``name`` against ``bp``'s.

    Parameters
    ----------
    name : str
        An element-wise activation name (for softmax use :func:`check_softmax_jacobian`).
    dfn : callable
        ``dfn(z) -> f'(z)`` element by element, same shape as ``z``. At a kink use
        PyTorch's convention: ``relu`` has :math:`f'(0) = 0`, ``leaky_relu`` has
        :math:`f'(0) = 0.01`.
    verbose : bool
        Print the outcome.

    Returns
    -------
    CheckResult
    """
    act = _known(name)
    if not act.elementwise:
        raise ValueError(f"{name!r} is not element-wise; use check_softmax_jacobian")
    return compare(f"check_derivative({name!r})", _guarded(dfn), act.df,
                   _elementwise_cases(), arg_names=["z"], verbose=verbose)


def check_sigmoid_derivative(dfn: Callable[[Array], Array],
                             verbose: bool = True) -> CheckResult:
    r"""Check :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`; see :func:`check_derivative`.

    Parameters
    ----------
    dfn : callable
        ``dfn(z) -> sigma'(z)``, same shape as ``z``, finite for :math:`z = \pm 1000`.
    verbose : bool
        Print the outcome.

    Returns
    -------
    CheckResult
    """
    return check_derivative("sigmoid", dfn, verbose=verbose)


def check_stable_sigmoid(fn: Callable[[Array], Array], verbose: bool = True) -> CheckResult:
    r"""Check a sigmoid that must neither overflow nor return NaN at extreme inputs.

    Parameters
    ----------
    fn : callable
        ``fn(z) -> sigma(z)``, same shape as ``z``. It is run with overflow turned into
        an error, so ``1 / (1 + np.exp(-z))`` fails at :math:`z = -1000` (where
        :math:`e^{1000}` overflows) even though its value there rounds to 0.
    verbose : bool
        Print the outcome.

    Returns
    -------
    CheckResult
    """
    cases = [(np.array([-1000.0]),), (np.array([1000.0]),), (np.array([-745.0, 745.0]),),
             *_elementwise_cases()]
    return compare("check_stable_sigmoid", _guarded(fn), ACTIVATIONS["sigmoid"].f, cases,
                   arg_names=["z"], verbose=verbose)


def _jacobian_1d(z: Array) -> Array:
    return softmax_jacobian(z[None, :])[0]


def check_softmax_jacobian(fn: Callable[[Array], Array], verbose: bool = True) -> CheckResult:
    r"""Check a reader's softmax Jacobian for one logit vector.

    Parameters
    ----------
    fn : callable
        ``fn(z) -> J`` for a 1-D ``z`` of length ``n``, returning the ``(n, n)`` matrix
        :math:`J_{ij} = \partial s_i / \partial z_j = s_i(\delta_{ij} - s_j)`, that is
        :math:`J = \operatorname{diag}(s) - s s^\top`. Inputs include logits of
        :math:`\pm 1000`. Returning only the diagonal :math:`s_i(1 - s_i)` fails.
    verbose : bool
        Print the outcome.

    Returns
    -------
    CheckResult
    """
    return compare("check_softmax_jacobian", _guarded(fn), _jacobian_1d, _vector_cases(),
                   arg_names=["z"], verbose=verbose)


__all__ = ["EXTREMES", "check_activation", "check_derivative", "check_sigmoid_derivative",
           "check_stable_sigmoid", "check_softmax_jacobian"]
