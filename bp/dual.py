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

from .activations import sigmoid as stable_sigmoid

Number = int | float


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
        return Dual(self.val ** k, k * self.val ** (k - 1) * self.dot)

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
