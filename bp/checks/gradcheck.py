r"""Self-checks for finite differences (chapter "Gradient checking").

The reader writes the two ingredients of a gradient check and these functions
compare them with the reference on several seeded inputs:

.. math::

   g_i \approx \frac{f(x + \epsilon e_i) - f(x - \epsilon e_i)}{2\epsilon}, \qquad
   r(a, b) = \frac{\lVert a - b \rVert_2}{\lVert a \rVert_2 + \lVert b \rVert_2}

The steps used here (``1e-3``) are large on purpose: a one-sided difference is then
off by about :math:`10^{-3}` relative and is reported as wrong, while two correct
centered differences agree to rounding.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..gradcheck import relative_error
from ._core import CheckResult, compare
from ._signatures import expects


class ScalarFunction:
    """A named scalar function of an array, printed by its formula in a failing case."""

    def __init__(self, formula: str, f: Callable[[np.ndarray], float]) -> None:
        self.formula = formula
        self.f = f

    def __call__(self, x: np.ndarray) -> float:
        return float(self.f(np.asarray(x, dtype=np.float64)))

    def __repr__(self) -> str:
        return f"f(x) = {self.formula}"


FUNCTIONS = [
    ScalarFunction("sum(sin(x))", lambda x: np.sum(np.sin(x))),
    ScalarFunction("sum(x**3) / 3", lambda x: np.sum(x ** 3) / 3),
    ScalarFunction("log(sum(exp(x)))", lambda x: np.log(np.sum(np.exp(x)))),
    ScalarFunction("x[0] * exp(x[-1]) + sum(x**2)", lambda x: x.flat[0] * np.exp(x.flat[-1])
                   + np.sum(x ** 2)),
]


def difference_cases(seed: int = 3, eps: float = 1e-3) -> list[tuple]:
    """Seeded ``(f, x, eps)`` cases: vectors and a matrix, smooth functions."""
    rng = np.random.default_rng(seed)
    shapes = [(3,), (5,), (2, 3), (4,)]
    return [(f, rng.normal(size=shape), eps) for f, shape in zip(FUNCTIONS, shapes)]


def reference_centered_difference(f: Callable[[np.ndarray], float], x: np.ndarray,
                                  eps: float) -> np.ndarray:
    r"""Centered differences :math:`(f(x+\epsilon e_i) - f(x-\epsilon e_i))/(2\epsilon)`."""
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def _one_sided(f, x, eps):
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad


@expects("centered_difference(f, x, eps) -> grad")
def check_centered_difference(fn: Callable[[Callable, np.ndarray, float], np.ndarray],
                              verbose: bool = True) -> CheckResult:
    r"""Check a centered-difference gradient of a scalar function of an array.

    Parameters
    ----------
    fn : callable
        ``fn(f, x, eps)`` takes a function ``f(x) -> float``, an array ``x`` (any
        shape) and a step ``eps``, and returns an array shaped like ``x`` whose entry
        ``i`` is :math:`(f(x + \epsilon e_i) - f(x - \epsilon e_i)) / (2\epsilon)`.
        A one-sided difference, or dividing by :math:`\epsilon` instead of
        :math:`2\epsilon`, fails, and so does leaving the caller's ``x`` changed
        (nudge a copy, or restore every entry exactly).
    verbose : bool

    Returns
    -------
    CheckResult
    """
    variants = [("a one-sided difference (f(x + ε) − f(x))/ε: use (f(x + ε) − f(x − ε))/(2ε)",
                 _one_sided),
                ("the denominator is ε: the centered difference divides by 2ε",
                 lambda f, x, eps: 2 * reference_centered_difference(f, x, eps))]
    return compare("check_centered_difference", fn, reference_centered_difference,
                   difference_cases(), arg_names=["f", "x", "eps"], rtol=1e-7, atol=1e-9,
                   verbose=verbose, case_names=[repr(f) for f in FUNCTIONS],
                   outputs="grad", variants=variants,
                   rule="leave the caller's x unchanged (copy it before nudging entries)")


def relative_error_cases(seed: int = 4) -> list[tuple]:
    """Seeded ``(a, b)`` pairs, including tiny gradients, opposite ones and two zeros."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(3, 4))
    tiny = 1e-9 * rng.normal(size=5)
    return [
        (a, a + 1e-6 * rng.normal(size=a.shape)),           # a good match
        (tiny, tiny * (1 + 1e-3)),                           # tiny gradients, 1e-3 apart
        (rng.normal(size=6), -rng.normal(size=6)),           # unrelated
        (np.array([1.0, -2.0]), np.array([-1.0, 2.0])),      # opposite: r = 1
        (np.zeros(3), 1e-8 * np.ones(3)),                    # one of them zero
        (np.zeros((2, 2)), np.zeros((2, 2))),                # both zero: r = 0 by definition
    ]


@expects("relative_error(a, b) -> r")
def check_relative_error(fn: Callable[[np.ndarray, np.ndarray], float],
                         verbose: bool = True) -> CheckResult:
    r"""Check the relative error used to compare two gradients.

    Parameters
    ----------
    fn : callable
        ``fn(a, b)`` takes two arrays of the same shape and returns the float
        :math:`\lVert a-b\rVert_2 / (\lVert a\rVert_2 + \lVert b\rVert_2)` (the norm
        of the whole array), and 0 when both are zero.
    verbose : bool

    Returns
    -------
    CheckResult
    """
    variants = [("the denominator is missing: r = ‖a − b‖ / (‖a‖ + ‖b‖)",
                 lambda a, b: float(np.linalg.norm(a - b))),
                ("the denominator is max(‖a‖, ‖b‖); the book's r divides by ‖a‖ + ‖b‖",
                 lambda a, b: float(np.linalg.norm(a - b) / max(np.linalg.norm(a),
                                                                 np.linalg.norm(b))))]
    return compare("check_relative_error", fn, relative_error, relative_error_cases(),
                   arg_names=["a", "b"], rtol=1e-9, atol=1e-15, verbose=verbose,
                   case_names=["a good match", "tiny gradients 1e-3 apart", "unrelated",
                               "opposite (r = 1)", "one of them zero", "both zero (r = 0)"],
                   outputs="r", variants=variants)
