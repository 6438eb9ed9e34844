r"""Self-checks for the initialization exercises: the scale of Xavier/Glorot and He weights.

The variance argument of the chapter on vanishing gradients gives

.. math::

   \operatorname{Var}(W)_{\text{Xavier}} = \frac{2}{n_{in} + n_{out}}, \qquad
   \operatorname{Var}(W)_{\text{He}} = \frac{2}{n_{in}},

and a uniform :math:`U(-r, r)` has variance :math:`r^2/3`, so the uniform versions use
:math:`r = \sqrt{3 \operatorname{Var}(W)}`. These are the scales ``bp.init`` draws with
(``xavier_normal``, ``xavier_uniform``, ``he_normal``, ``he_uniform``), as PyTorch's
``nn.init`` does with its default gain of 1 (Xavier) and :math:`\sqrt 2` (He).

The reader's function takes the layer's fan-in and fan-out and returns one number.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ._core import CheckResult, compare
from ._signatures import expects

_SIZES = [(1, 1), (64, 128), (128, 10), (784, 256), (3, 1000)]
_NAMES = ["n_in", "n_out"]
_CASES = [f"n_in = {a}, n_out = {b}" for a, b in _SIZES]


def _run(name, fn, ref, verbose):
    variants = [
        ("you returned the variance: the standard deviation is its square root",
         lambda a, b: ref(a, b) ** 2),
        ("n_in and n_out are swapped", lambda a, b: ref(b, a)),
        ("you returned the standard deviation; the uniform bound is √3 times it",
         lambda a, b: ref(a, b) / np.sqrt(3)),
        ("you returned the uniform bound; the standard deviation is it divided by √3",
         lambda a, b: ref(a, b) * np.sqrt(3)),
        ("the factor 2 is missing (Var = 1/n, LeCun's scale)",
         lambda a, b: ref(a, b) / np.sqrt(2)),
    ]
    return compare(name, fn, ref, _SIZES, arg_names=_NAMES, verbose=verbose,
                   case_names=_CASES, outputs="scale", variants=variants)


def _xavier_std(n_in: int, n_out: int) -> float:
    return float(np.sqrt(2.0 / (n_in + n_out)))


def _xavier_limit(n_in: int, n_out: int) -> float:
    return float(np.sqrt(6.0 / (n_in + n_out)))


def _he_std(n_in: int, n_out: int) -> float:
    return float(np.sqrt(2.0 / n_in))


def _he_limit(n_in: int, n_out: int) -> float:
    return float(np.sqrt(6.0 / n_in))


@expects("xavier_std(n_in, n_out) -> std")
def check_xavier_std(fn: Callable[[int, int], float], verbose: bool = True) -> CheckResult:
    r"""Check ``fn(n_in, n_out) -> std``, the standard deviation of Xavier/Glorot weights.

    Parameters
    ----------
    fn : callable
        Takes the ints ``n_in`` and ``n_out``; returns
        :math:`\sqrt{2/(n_{in}+n_{out})}` as a float.
    verbose : bool
        Print the outcome.
    """
    return _run("check_xavier_std", fn, _xavier_std, verbose)


@expects("xavier_limit(n_in, n_out) -> r")
def check_xavier_limit(fn: Callable[[int, int], float], verbose: bool = True) -> CheckResult:
    r"""Check ``fn(n_in, n_out) -> r``, the bound of Xavier's uniform :math:`U(-r, r)`.

    Parameters
    ----------
    fn : callable
        Takes the ints ``n_in`` and ``n_out``; returns :math:`\sqrt{6/(n_{in}+n_{out})}`.
    verbose : bool
        Print the outcome.
    """
    return _run("check_xavier_limit", fn, _xavier_limit, verbose)


@expects("he_std(n_in, n_out) -> std")
def check_he_std(fn: Callable[[int, int], float], verbose: bool = True) -> CheckResult:
    r"""Check ``fn(n_in, n_out) -> std``, the standard deviation of He (Kaiming) weights.

    Parameters
    ----------
    fn : callable
        Takes the ints ``n_in`` and ``n_out`` (``n_out`` is not needed: He keeps the
        forward variance, which depends on the fan-in only); returns
        :math:`\sqrt{2/n_{in}}`.
    verbose : bool
        Print the outcome.
    """
    return _run("check_he_std", fn, _he_std, verbose)


@expects("he_limit(n_in, n_out) -> r")
def check_he_limit(fn: Callable[[int, int], float], verbose: bool = True) -> CheckResult:
    r"""Check ``fn(n_in, n_out) -> r``, the bound of He's uniform :math:`U(-r, r)`.

    Parameters
    ----------
    fn : callable
        Takes the ints ``n_in`` and ``n_out``; returns :math:`\sqrt{6/n_{in}}`.
    verbose : bool
        Print the outcome.
    """
    return _run("check_he_limit", fn, _he_limit, verbose)


__all__ = ["check_xavier_std", "check_xavier_limit", "check_he_std", "check_he_limit"]
