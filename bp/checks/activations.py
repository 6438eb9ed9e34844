r"""Self-checks for the activations chapter: a reader's activation or derivative vs ``bp``'s.

Every check feeds the reader's function the same inputs as the reference in
:mod:`bp.activations`, including extreme values (:math:`z = \pm 1000`, :math:`\pm 50`)
and points at and next to the kink :math:`z = 0`. The reader's function runs under
``np.errstate(over="raise", invalid="raise")``. Rule: a correct implementation never
overflows, so an overflow (the naive sigmoid at :math:`z = -1000`) fails that case;
when the values are nevertheless right and finite, the message says exactly that.

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
from ._signatures import expects

_RULE = "no NumPy overflow or invalid-value warning at any input (z = ±1000 included)"

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


def _elementwise_names() -> list[str]:
    return ["a 0-d array", "z = ±1000, ±50, ±5, ±1, ±1e-8, 0", "7 normal values",
            "a 4x3 batch", "25 points on [-6, 6]"]


_SOFTMAX_NAMES = ["one row", "equal logits", "5 random rows", "logits ±1000",
                  "logits 800, 801 and ±50"]
_VECTOR_NAMES = ["z = (1, 2, 3)", "equal logits", "5 random logits", "logits ±1000",
                 "logits near -1000"]


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


@expects("activation(z) -> a")
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
    variants = [] if act.elementwise else [
        ("each column is normalised instead of each row: sum over axis=1 (keepdims)",
         lambda Z: np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0)),
        ("the whole batch is normalised at once: normalise each row", lambda Z:
         np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum())]
    return compare(f"check_activation({name!r})", fn, act.f, cases, arg_names=["z"],
                   verbose=verbose, signature=check_activation.signature,
                   case_names=_elementwise_names() if act.elementwise else _SOFTMAX_NAMES,
                   outputs="a", variants=variants, strict_fp=True, rule=_RULE)


@expects("derivative(z) -> df")
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
    variants = [("you returned f(z), not its derivative f'(z)", act.f)]
    if name == "relu":
        variants.append(("at the kink z = 0 PyTorch's convention is relu'(0) = 0",
                         lambda z: (np.asarray(z) >= 0).astype(float)))
    if name == "leaky_relu":
        variants.append(("at the kink z = 0 PyTorch's convention is f'(0) = 0.01",
                         lambda z: np.where(np.asarray(z) >= 0, 1.0, 0.01)))
    return compare(f"check_derivative({name!r})", dfn, act.df, _elementwise_cases(),
                   arg_names=["z"], verbose=verbose, signature=check_derivative.signature,
                   case_names=_elementwise_names(), outputs="df", variants=variants,
                   strict_fp=True, rule=_RULE)


@expects("sigmoid_derivative(z) -> ds")
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
    result = check_derivative("sigmoid", dfn, verbose=False)
    result.signature = check_sigmoid_derivative.signature
    if verbose:
        print(result)
    return result


@expects("sigmoid(z) -> s")
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
    return compare("check_stable_sigmoid", fn, ACTIVATIONS["sigmoid"].f, cases,
                   arg_names=["z"], verbose=verbose,
                   case_names=["z = -1000", "z = 1000", "z = ±745", *_elementwise_names()],
                   outputs="s", strict_fp=True, rule=_RULE)


def _jacobian_1d(z: Array) -> Array:
    return softmax_jacobian(z[None, :])[0]


def _softmax1(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@expects("softmax_jacobian(z) -> J")
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
    variants = [("only diag(s): the term −s sᵀ is missing (J = diag(s) − s sᵀ)",
                 lambda z: np.diag(_softmax1(z))),
                ("only −s sᵀ: the term diag(s) is missing (J = diag(s) − s sᵀ)",
                 lambda z: -np.outer(_softmax1(z), _softmax1(z))),
                ("the sign is flipped: J = diag(s) − s sᵀ",
                 lambda z: np.outer(_softmax1(z), _softmax1(z)) - np.diag(_softmax1(z)))]
    return compare("check_softmax_jacobian", fn, _jacobian_1d, _vector_cases(),
                   arg_names=["z"], verbose=verbose, case_names=_VECTOR_NAMES,
                   outputs="J", variants=variants, strict_fp=True, rule=_RULE)


__all__ = ["EXTREMES", "check_activation", "check_derivative", "check_sigmoid_derivative",
           "check_stable_sigmoid", "check_softmax_jacobian"]
