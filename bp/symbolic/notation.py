r"""The book's notation: backprop written with the symbols :math:`a^{(l)}_j`, :math:`z^{(l)}_j`.

:class:`SymbolicNetwork` works with fully expanded expressions of the weights,
which is what a proof needs but not what a reader wants to see. :class:`BookNotation`
keeps every activation :math:`a^{(l)}_j` and pre-activation :math:`z^{(l)}_j` as a
*symbol*, so the recursion comes out as the textbook writes it, for instance for a
sigmoid network with MSE

.. math:: \delta^{(2)}_1 = 2\,(a^{(2)}_1 - y_1)\, a^{(2)}_1 (1 - a^{(2)}_1).

:meth:`BookNotation.concrete` maps every such symbol back to its forward expression,
so any result written in book notation can be checked against brute force.
"""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import sympy as sp

from . import activations as acts

if TYPE_CHECKING:
    from .network import SymbolicNetwork


def a_symbol(l: int, j: int) -> sp.Symbol:
    r""":math:`a^{(l)}_j` (``j`` from 1); layer 0 is the input, :math:`x_j`."""
    return sp.Symbol(f"x_{j}" if l == 0 else f"a^{{({l})}}_{{{j}}}", real=True)


def z_symbol(l: int, j: int) -> sp.Symbol:
    r""":math:`z^{(l)}_j`."""
    return sp.Symbol(f"z^{{({l})}}_{{{j}}}", real=True)


def delta_symbol(l: int, j: int) -> sp.Symbol:
    r""":math:`\delta^{(l)}_j`."""
    return sp.Symbol(rf"\delta^{{({l})}}_{{{j}}}", real=True)


#: f'(z) through a = f(z) where the textbook does so; others use the textbook f'(z).
_IN_TERMS_OF_A = {
    "identity": lambda a, z: sp.Integer(1),
    "sigmoid": lambda a, z: a * (1 - a),
    "tanh": lambda a, z: 1 - a ** 2,
}


class BookNotation:
    """The book-notation view of a :class:`~bp.symbolic.SymbolicNetwork`.

    Attributes (book-indexed lists, entry 0 is the input or None)
    ----------
    a, z, delta : list of sympy.Matrix
        Columns of the symbols :math:`a^{(l)}_j`, :math:`z^{(l)}_j`, :math:`\\delta^{(l)}_j`.
    """

    def __init__(self, net: SymbolicNetwork) -> None:
        self.net = net
        n = net.sizes
        self.a = [sp.Matrix([a_symbol(l, j) for j in range(1, n[l] + 1)]) for l in range(net.L + 1)]
        self.z = [None] + [sp.Matrix([z_symbol(l, j) for j in range(1, n[l] + 1)])
                           for l in net.layers]
        self.delta = [None] + [sp.Matrix([delta_symbol(l, j) for j in range(1, n[l] + 1)])
                               for l in net.layers]

    def derivative(self, l: int) -> sp.Matrix:
        r"""Column of :math:`f_l'(z^{(l)}_j)`, in :math:`a` where the textbook writes it so."""
        name = self.net.activations[l]
        if name == "softmax":
            raise ValueError(f"layer {l}: softmax has a Jacobian, not an element-wise f'")
        if name in _IN_TERMS_OF_A:
            return sp.Matrix([_IN_TERMS_OF_A[name](a, z) for a, z in zip(self.a[l], self.z[l])])
        act = acts.get_activation(name)
        return self.z[l].applyfunc(act.textbook)

    def jacobian(self, l: int) -> sp.Matrix:
        r""":math:`\partial a^{(l)}/\partial z^{(l)}`: diagonal, or for softmax
        :math:`\operatorname{diag}(a) - a a^\top`."""
        if self.net.activations[l] == "softmax":
            return sp.diag(*self.a[l]) - self.a[l] * self.a[l].T
        return sp.diag(*self.derivative(l))

    def loss_gradient(self) -> sp.Matrix:
        r""":math:`\partial \mathcal{L}/\partial a^{(L)}` in textbook form."""
        return self.net.loss_fn.textbook_grad(self.a[self.net.L], self.net.y, 1)

    def output_delta(self) -> sp.Matrix:
        r"""BP1 in book notation (the fused :math:`a - y` forms as ``bp``)."""
        net, aL = self.net, self.a[self.net.L]
        if net.fused == "bce_with_logits":
            return (aL - net.y) / net.sizes[-1]
        if net.fused == "softmax_cross_entropy":
            return aL - net.y
        return self.jacobian(net.L).T * self.loss_gradient()

    def delta_step(self, l: int) -> sp.Matrix:
        r"""BP2, one step: :math:`\delta^{(l)}` in the *symbols* :math:`\delta^{(l+1)}_i`."""
        return self.jacobian(l).T * (self.net.W[l + 1].T * self.delta[l + 1])

    @cached_property
    def deltas(self) -> list:
        r"""Every :math:`\delta^{(l)}` fully written out in a, z, w, y (book-indexed)."""
        out = [None] * (self.net.L + 1)
        out[self.net.L] = self.output_delta()
        for l in range(self.net.L - 1, 0, -1):
            out[l] = self.delta_step(l).xreplace(dict(zip(self.delta[l + 1], out[l + 1])))
        return out

    def gradients(self) -> tuple[list, list]:
        r"""BP3/BP4 (book notation): :math:`\delta^{(l)} (a^{(l-1)})^\top`, :math:`\delta^{(l)}`."""
        d = self.deltas
        return ([None] + [d[l] * self.a[l - 1].T for l in self.net.layers],
                [None] + [d[l] for l in self.net.layers])

    @cached_property
    def _concrete(self) -> dict:
        out = {}
        for l in self.net.layers:
            out.update(zip(self.a[l], self.net.a[l]))
            out.update(zip(self.z[l], self.net.z[l]))
        return out

    def concrete(self, expr: Any) -> Any:
        """Replace :math:`a^{(l)}_j`, :math:`z^{(l)}_j` in ``expr`` by their forward expressions."""
        expr = expr if isinstance(expr, sp.MatrixBase) else sp.sympify(expr)
        return expr.xreplace(self._concrete)
