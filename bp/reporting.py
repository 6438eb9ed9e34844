r"""Printed bounds: a measured number rounded *outward*, so that the sentence stays true.

A chapter that says "the step is at most 0.0031" glues a number computed by a cell. Rounded
to the nearest, a measured maximum of 0.003149 prints as 0.0031, which is *below* what was
measured: the sentence is false by a little. An upper bound is rounded up and a lower
bound down, to a number of significant figures:

>>> import bp
>>> bp.round_up(0.003149, 2), bp.round_down(0.003149, 2)
(0.0032, 0.0031)
>>> bp.round_up(-0.123, 2), bp.round_down(-0.123, 2)
(-0.12, -0.13)

The rounding is done in decimal on the shortest representation of the float (its
``repr``), so a number that prints as 0.3 stays 0.3 instead of becoming 0.4 through binary
noise (``0.3 / 0.1`` is ``2.9999999999999996`` in floating point):

>>> bp.round_up(0.3, 1), bp.round_down(0.7, 1)
(0.3, 0.7)

A float32 is read at its own precision: ``np.float32(0.1)`` is 0.1, not 0.10000000149.
"""
from __future__ import annotations

import math
import numbers
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

import numpy as np

__all__ = ["round_up", "round_down"]


def _outward(x: float, digits: int, rounding: str, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name}: x must be a real number, got {type(x).__name__} {x!r}")
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 1:
        raise ValueError(f"{name}: digits must be an integer >= 1, got {digits!r}")
    if not math.isfinite(float(x)):
        raise ValueError(f"{name}: x must be finite, got {x!r}")
    if float(x) == 0.0:
        return 0.0
    # The shortest decimal that reads back as x in x's own precision (float32 included).
    shortest = (np.format_float_scientific(x, unique=True) if isinstance(x, np.floating)
                else repr(float(x)))
    exact = Decimal(shortest)
    with localcontext() as context:
        context.prec = max(context.prec, int(digits) + 1)
        unit = Decimal(1).scaleb(exact.adjusted() - int(digits) + 1)   # the last digit kept
        return float(exact.quantize(unit, rounding=rounding))


def round_up(x: float, digits: int = 2) -> float:
    r"""The smallest number of `digits` significant figures that is :math:`\ge x`.

    Parameters
    ----------
    x : float
        A finite real number (a Python or NumPy scalar), typically a measured maximum.
    digits : int, default 2
        Significant figures kept, counted from the leading digit of `x`.

    Returns
    -------
    float
        `x` rounded towards :math:`+\infty`: an upper bound that stays one when printed.

    Raises
    ------
    TypeError
        If `x` is not a real number.
    ValueError
        If `x` is not finite or `digits` is not an integer >= 1.
    """
    return _outward(x, digits, ROUND_CEILING, "round_up")


def round_down(x: float, digits: int = 2) -> float:
    r"""The largest number of `digits` significant figures that is :math:`\le x`.

    Parameters
    ----------
    x : float
        A finite real number (a Python or NumPy scalar), typically a measured minimum.
    digits : int, default 2
        Significant figures kept, counted from the leading digit of `x`.

    Returns
    -------
    float
        `x` rounded towards :math:`-\infty`: a lower bound that stays one when printed.

    Raises
    ------
    TypeError
        If `x` is not a real number.
    ValueError
        If `x` is not finite or `digits` is not an integer >= 1.
    """
    return _outward(x, digits, ROUND_FLOOR, "round_down")
