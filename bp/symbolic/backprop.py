r"""The backpropagation recursion, symbolically, and its proof against brute force.

For one example (column vectors) the recursion is built only from *textbook*
derivatives: the loss gradient :math:`\nabla_a L` of
:attr:`bp.symbolic.SymLoss.textbook_grad`, the activation derivatives of
:attr:`bp.symbolic.SymActivation.textbook` (:math:`\sigma(1-\sigma)`,
:math:`1 - \tanh^2`, ...), and the softmax Jacobian :math:`\operatorname{diag}(s) - s s^\top`:

.. math::

   \delta^{(L)} &= \nabla_{a} L \odot f_L'(z^{(L)})
       \quad\text{or } \hat y - y \text{ for a fused pair (as bp)} && \text{(BP1)} \\
   \delta^{(l)} &= (W^{(l+1)})^\top \delta^{(l+1)} \odot f_l'(z^{(l)}) && \text{(BP2)} \\
   \partial \mathcal{L}/\partial W^{(l)} &= \delta^{(l)} (a^{(l-1)})^\top && \text{(BP3)} \\
   \partial \mathcal{L}/\partial b^{(l)} &= \delta^{(l)} && \text{(BP4)}

:func:`prove_backprop` proves, entry by entry, that these equal ``sympy.diff`` of the
whole loss, so the recursion (and every textbook derivative in it) is checked at once.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import time
from collections import Counter
from dataclasses import dataclass, field

import sympy as sp

from . import activations as acts
from .proof import prove_equal

if TYPE_CHECKING:  # pragma: no cover
    from .network import SymbolicNetwork


def _jacobian_textbook(name: str, z: sp.Matrix) -> sp.Matrix | None:
    """The textbook Jacobian for softmax; None for element-wise activations."""
    return acts.softmax_jacobian_textbook(z) if name == "softmax" else None


def _times_derivative(name: str, g: sp.Matrix, z: sp.Matrix) -> sp.Matrix:
    r""":math:`g \odot f'(z)` (element-wise), or :math:`J(z)^\top g` for softmax."""
    J = _jacobian_textbook(name, z)
    if J is not None:
        return J.T * g
    f = acts.get_activation(name)
    return sp.Matrix([gi * f.textbook(zi) for gi, zi in zip(g, z)])


def output_delta(net: SymbolicNetwork) -> sp.Matrix:
    r"""BP1: :math:`\delta^{(L)} = \partial \mathcal{L}/\partial z^{(L)}` from textbook forms.

    For the fused pairs it is :math:`(\hat y - y)/n_L` (sigmoid + BCE, mean over the
    outputs) and :math:`\hat y - y` (softmax + cross-entropy), exactly as ``bp``.
    """
    L, aL, y = net.L, net.a[net.L], net.y
    if net.fused == "bce_with_logits":
        return (aL - y) / net.sizes[-1]
    if net.fused == "softmax_cross_entropy":
        return aL - y
    g = net.loss_fn.textbook_grad(aL, y, 1)
    return _times_derivative(net.activations[L], g, net.z[L])


def backprop(net: SymbolicNetwork) -> tuple[list, tuple[list, list]]:
    """Run BP1-BP4 on a :class:`~bp.symbolic.SymbolicNetwork`.

    Returns
    -------
    deltas : list
        Book-indexed: ``deltas[l]`` is :math:`\\delta^{(l)}`, shape ``(n_l, 1)``.
    (dW, db) : tuple of lists
        Book-indexed gradients, ``dW[l]`` of shape ``(n_l, n_{l-1})``.
    """
    deltas: list = [None] * (net.L + 1)
    deltas[net.L] = output_delta(net)
    for l in range(net.L - 1, 0, -1):
        g = net.W[l + 1].T * deltas[l + 1]
        deltas[l] = _times_derivative(net.activations[l], g, net.z[l])
    dW = [None] + [deltas[l] * net.a[l - 1].T for l in net.layers]
    db = [None] + [deltas[l] for l in net.layers]
    return deltas, (dW, db)


@dataclass
class BackpropProof:
    """The result of :func:`prove_backprop`; truthy when every entry is proved.

    Attributes
    ----------
    network : str
        ``repr`` of the network.
    proved : bool
    n_entries : int
        Number of gradient entries compared (every weight and bias).
    methods : collections.Counter
        How many entries each method of :func:`bp.symbolic.prove_equal` proved.
    failed : list of sympy.Symbol
        Parameters whose two gradients could not be shown equal.
    assumption : str
        A condition used in the proof ("" if none).
    seconds : float
        Wall time of the derivation and proof.
    """

    network: str
    proved: bool
    n_entries: int
    methods: Counter = field(default_factory=Counter)
    failed: list = field(default_factory=list)
    assumption: str = ""
    seconds: float = 0.0

    def __bool__(self) -> bool:
        return self.proved

    def __str__(self) -> str:
        verdict = "identical" if self.proved else f"NOT proved for {self.failed}"
        how = ", ".join(f"{m}: {n}" for m, n in sorted(self.methods.items()))
        extra = f"; assuming {self.assumption}" if self.assumption else ""
        return (f"{self.network}: brute-force and backprop gradients {verdict} "
                f"({self.n_entries} entries; {how}{extra}; {self.seconds:.2f} s)")


def target_constraint(net: SymbolicNetwork) -> tuple[dict, str]:
    r"""``(substitution, description)`` of the condition on the targets the fused
    softmax + cross-entropy :math:`\delta^{(L)} = \hat y - y` needs (empty otherwise)."""
    if net.fused != "softmax_cross_entropy":
        return {}, ""
    y = net.y
    return {y[-1]: 1 - sum(y[:-1])}, "the targets sum to 1"


def prove_backprop(net: SymbolicNetwork) -> BackpropProof:
    r"""Prove ``net.brute_force_gradients() == net.backprop_gradients()`` entry by entry.

    With softmax + cross-entropy the fused :math:`\delta^{(L)} = \hat y - y` holds only
    for targets that sum to 1, so the proof substitutes :math:`y_n = 1 - \sum_{i<n} y_i`
    and says so in ``assumption``.
    """
    start = time.perf_counter()
    (bW, bb), (rW, rb) = net.brute_force_gradients(), net.backprop_gradients()
    subs, assumption = target_constraint(net)
    methods: Counter = Counter()
    failed = []
    for l in net.layers:
        pairs = list(zip(list(net.W[l]) + list(net.b[l]),
                         list(bW[l]) + list(bb[l]), list(rW[l]) + list(rb[l])))
        for param, brute, rec in pairs:
            proof = prove_equal(brute.subs(subs) if subs else brute,
                                rec.subs(subs) if subs else rec)
            methods[proof.method] += 1
            if not proof:
                failed.append(param)
    return BackpropProof(repr(net), not failed, net.n_params, methods, failed, assumption,
                         time.perf_counter() - start)
