r"""Forward-mode automatic differentiation with dual numbers.

A dual number :math:`a + \dot a\,\varepsilon` with :math:`\varepsilon^2 = 0` carries a
value and one directional derivative. Evaluating :math:`f` on
:math:`x + 1\cdot\varepsilon` gives :math:`f(x) + f'(x)\,\varepsilon`: the derivative
rides along with the forward pass. One pass gives the derivative with respect to *one*
input, so a gradient with respect to :math:`n` inputs needs :math:`n` passes — the
reason backpropagation (reverse mode, :mod:`bp.autodiff`) wins when there are many
parameters and one loss.

>>> from bp.dual import Dual, gradient
>>> gradient(lambda x, y: x * x * y + y, [3.0, 2.0])   # (2xy, x^2 + 1)
[12.0, 10.0]
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from .activations import sigmoid as stable_sigmoid

Number = int | float


def power_rule(x: float, k: Number, where: str = "") -> tuple[float, float]:
    r"""The value :math:`x^k` and the derivative :math:`k x^{k-1}` for a constant ``k``.

    At :math:`x = 0` the formula :math:`k x^{k-1}` would divide by zero for
    :math:`k < 1`, so the cases are taken one by one (shared by :class:`Dual` and
    :class:`bp.autodiff.Value`):

    * :math:`k = 0`: :math:`x^0 = 1` everywhere (also at 0, as Python's ``0.0 ** 0``),
      a constant, so the derivative is 0;
    * :math:`k \ge 1`: :math:`k\,0^{k-1}` is 0 (1 for :math:`k = 1`), computed as usual;
    * :math:`0 < k < 1` (e.g. :math:`\sqrt x`): the value is 0 but the derivative is
      infinite; a ``ValueError`` says so, instead of an ``inf`` that would turn the
      gradients into NaN further on;
    * :math:`k < 0`: :math:`0^k` itself is a division by zero: ``ZeroDivisionError``.

    A negative ``x`` with a non-integer ``k`` has no real power: ``ValueError``.
    """
    at = f"{where}: " if where else ""
    if isinstance(k, bool) or not isinstance(k, (int, float, np.integer, np.floating)):
        raise TypeError(f"{at}only a constant (int or float) exponent is supported, "
                        f"got {type(k).__name__}")
    k = int(k) if isinstance(k, (int, np.integer)) else float(k)
    if k == 0:
        return 1.0, 0.0
    if x == 0 and k < 0:
        raise ZeroDivisionError(f"{at}x ** {k} at x = 0 divides by zero")
    if x == 0 and k < 1:
        raise ValueError(f"{at}x ** {k} at x = 0 has an infinite derivative "
                         f"({k} * x ** {k - 1:g})")
    if x < 0 and k != int(k):
        raise ValueError(f"{at}x ** {k} for x = {x} < 0 is not a real number")
    return x ** k, k * x ** (k - 1)


class Dual:
    """A value and its derivative along one direction."""

    __slots__ = ("val", "dot")

    def __init__(self, val: Number, dot: Number = 0.0) -> None:
        self.val = float(val)
        self.dot = float(dot)

    def __repr__(self) -> str:
        return f"Dual({self.val:.6g}, dot={self.dot:.6g})"

    @staticmethod
    def lift(x: Dual | Number) -> Dual:
        return x if isinstance(x, Dual) else Dual(x)

    def __add__(self, o: Dual | Number) -> Dual:
        o = Dual.lift(o)
        return Dual(self.val + o.val, self.dot + o.dot)

    def __mul__(self, o: Dual | Number) -> Dual:
        o = Dual.lift(o)
        return Dual(self.val * o.val, self.dot * o.val + self.val * o.dot)

    def __neg__(self) -> Dual:
        return Dual(-self.val, -self.dot)

    def __sub__(self, o: Dual | Number) -> Dual:
        return self + (-Dual.lift(o))

    def __truediv__(self, o: Dual | Number) -> Dual:
        o = Dual.lift(o)
        return Dual(self.val / o.val, (self.dot * o.val - self.val * o.dot) / (o.val * o.val))

    def __pow__(self, k: Number) -> Dual:
        """``self ** k`` for a constant ``k``; at 0 see :func:`power_rule`."""
        value, slope = power_rule(self.val, k, "Dual")
        return Dual(value, slope * self.dot)

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, o: Number) -> Dual:
        return Dual.lift(o) - self

    def __rtruediv__(self, o: Number) -> Dual:
        return Dual.lift(o) / self

    def exp(self) -> Dual:
        e = math.exp(self.val)
        return Dual(e, e * self.dot)

    def log(self) -> Dual:
        return Dual(math.log(self.val), self.dot / self.val)

    def tanh(self) -> Dual:
        t = math.tanh(self.val)
        return Dual(t, (1 - t * t) * self.dot)

    def sigmoid(self) -> Dual:
        s = float(stable_sigmoid(self.val))
        return Dual(s, s * (1 - s) * self.dot)

    def relu(self) -> Dual:
        return Dual(max(self.val, 0.0), self.dot if self.val > 0 else 0.0)


def gradient(f: Callable[..., Dual], xs: Sequence[Number]) -> list[float]:
    """The gradient of scalar ``f`` at ``xs`` by ``len(xs)`` forward passes."""
    grads = []
    for i in range(len(xs)):
        args = [Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(xs)]
        grads.append(f(*args).dot)
    return grads
