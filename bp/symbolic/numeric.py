r"""Symbolic gradients turned into NumPy functions, to compare with :class:`bp.Network`.

:func:`lambdify_gradients` compiles the brute-force or the backprop gradients of a
:class:`~bp.symbolic.SymbolicNetwork` (one example) with ``sympy.lambdify`` and common
subexpression elimination, once per network and kind. The returned
:class:`GradientFunction` evaluates them on a whole batch at once (every example is a
row, as in ``bp``) and averages over the batch, because ``bp``'s loss is the mean of
the examples' losses:

.. math:: \frac{\partial \mathcal{L}}{\partial W^{(l)}} = \frac1N \sum_{n=1}^N
          \frac{\partial \ell_n}{\partial W^{(l)}}

so the result is exactly what ``bp.Network.backward`` stores in ``dW`` and ``db``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import sympy as sp

if TYPE_CHECKING:  # pragma: no cover
    from .network import SymbolicNetwork

KINDS = ("backprop", "brute_force")


def _flat(dW: list, db: list, layers) -> list:
    out = []
    for l in layers:
        out += list(dW[l]) + list(db[l])
    return out


def as_params(net: SymbolicNetwork, params: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W, b), ...]`` for layers 1..L as float64 arrays, from a :class:`bp.Network`
    or a sequence of pairs, with every shape checked against ``net``."""
    if hasattr(params, "layers"):
        params = [(layer.W, layer.b) for layer in params.layers]
    params = list(params)
    if len(params) != net.L:
        raise ValueError(f"expected (W, b) for {net.L} layers, got {len(params)}")
    out = []
    for l, (W, b) in enumerate(params, start=1):
        W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        shape = (net.sizes[l], net.sizes[l - 1])
        if W.shape != shape or b.shape != (shape[0],):
            raise ValueError(f"layer {l}: W must have shape {shape} and b shape "
                             f"({shape[0]},), got {W.shape} and {b.shape}")
        out.append((W, b))
    return out


class GradientFunction:
    """Symbolic per-example gradients as a NumPy function, batch-averaged like ``bp``.

    Built by :func:`lambdify_gradients` (or directly from any book-indexed
    ``(dW, db)`` expressions of ``net``, e.g. a wrong formula from :mod:`bp.symbolic.errata`).

    Call it as ``f(params, X, Y)`` where ``params`` is a :class:`bp.Network` or a list
    of ``(W, b)`` pairs for layers 1..L (``W`` of shape ``(n_l, n_{l-1})``), ``X`` has
    shape ``(N, n_0)`` and ``Y`` shape ``(N, n_L)`` (or integer labels, one-hot encoded
    for categorical losses). It returns ``(dW, db)``, book-indexed lists
    (``dW[0]`` is None) comparable with ``bp_net.layers[l-1].dW``.
    """

    def __init__(self, net: SymbolicNetwork, grads: tuple[list, list],
                 kind: str = "custom") -> None:
        self.net, self.kind = net, kind
        exprs = _flat(*grads, net.layers)
        args = list(net.parameters) + list(net.x) + list(net.y)
        self._f = sp.lambdify(args, exprs, modules="numpy", cse=True)

    def per_example(self, params: Any, X: Any, Y: Any) -> list[np.ndarray]:
        """Every gradient entry for every example: a list of arrays of shape ``(N,)``,
        in the order of :attr:`SymbolicNetwork.parameters`."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        Y = np.asarray(Y)
        n0, nL = self.net.sizes[0], self.net.sizes[-1]
        if Y.ndim == 1 and np.issubdtype(Y.dtype, np.integer) and nL > 1:
            Y = np.eye(nL)[Y]
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim == 1 and (len(X), nL) in ((1, Y.size), (Y.size, 1)):
            Y = Y.reshape(len(X), nL)          # one example, or one output per example
        if X.ndim != 2 or X.shape[1] != n0 or Y.shape != (len(X), nL):
            raise ValueError(f"X must have shape (N, {n0}) and Y shape (N, {nL}), "
                             f"got {X.shape} and {Y.shape}")
        values = [v for W, b in as_params(self.net, params) for v in (*W.ravel(), *b)]
        out = self._f(*values, *X.T, *Y.T)
        return [np.broadcast_to(np.asarray(v, dtype=np.float64), (len(X),)) for v in out]

    def __call__(self, params: Any, X: Any, Y: Any) -> tuple[list, list]:
        flat = iter([v.mean() for v in self.per_example(params, X, Y)])
        dW, db = [None], [None]
        for l in self.net.layers:
            shape = (self.net.sizes[l], self.net.sizes[l - 1])
            dW.append(np.array([next(flat) for _ in range(shape[0] * shape[1])]).reshape(shape))
            db.append(np.array([next(flat) for _ in range(shape[0])]))
        return dW, db


def lambdify_gradients(net: SymbolicNetwork, kind: str = "backprop") -> GradientFunction:
    """The (cached) :class:`GradientFunction` of ``net`` for ``kind`` in :data:`KINDS`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    cache = net.__dict__.setdefault("_gradient_functions", {})
    if kind not in cache:
        grads = net.backprop_gradients() if kind == "backprop" else net.brute_force_gradients()
        cache[kind] = GradientFunction(net, grads, kind)
    return cache[kind]


def substitutions(net: SymbolicNetwork, params: Any, x: Any = None,
                  y: Any = None) -> dict:
    """``{symbol: Float}`` for every weight and bias (from a :class:`bp.Network` or
    ``(W, b)`` pairs), and for ``x`` and ``y`` of one example when given."""
    out = {}
    for l, (W, b) in enumerate(as_params(net, params), start=1):
        out.update(zip(net.W[l], map(sp.Float, W.ravel())))
        out.update(zip(net.b[l], map(sp.Float, b)))
    for symbols, values, name in ((net.x, x, "x"), (net.y, y, "y")):
        if values is None:
            continue
        values = np.asarray(values, dtype=np.float64).ravel()
        if values.size != len(symbols):
            raise ValueError(f"{name} must have {len(symbols)} entries, got {values.size}")
        out.update(zip(symbols, map(sp.Float, values)))
    return out


def evaluate(net: SymbolicNetwork, expr: Any, params: Any, x: Any = None, y: Any = None):
    """The value of ``expr`` (a SymPy expression or matrix, in the network's symbols or
    in book notation :math:`a^{(l)}_j, z^{(l)}_j`) at the given weights and example.

    Returns a float, or an ndarray of the matrix's shape. Raises ``ValueError`` if
    a symbol is left without a value.
    """
    expr = net.notation.concrete(expr).xreplace(substitutions(net, params, x, y))
    free = expr.free_symbols
    if free:
        names = ", ".join(sorted(map(str, free)))
        raise ValueError(f"no value for {names}: pass x and/or y")
    if isinstance(expr, sp.MatrixBase):
        return np.array(expr.evalf(), dtype=np.float64)
    return float(expr)


def max_relative_error(a: Sequence, b: Sequence) -> float:
    """The largest :func:`bp.relative_error` over matching arrays (``None`` entries skipped)."""
    from ..gradcheck import relative_error
    return max(relative_error(x, y) for x, y in zip(a, b) if x is not None)


def compare_with_bp(bp_net, X: Any, Y: Any, kind: str = "backprop") -> float:
    """Run ``bp_net.forward(X)`` and ``backward(Y)`` and the symbolic gradients on the
    same numbers; return the largest relative error over every ``dW`` and ``db`` entry."""
    from .network import SymbolicNetwork
    f = lambdify_gradients(SymbolicNetwork.from_bp(bp_net), kind)
    bp_net.forward(X)
    bp_net.backward(Y)
    dW, db = f(bp_net, X, Y)
    return max(max_relative_error(dW[1:], [l.dW for l in bp_net.layers]),
               max_relative_error(db[1:], [l.db for l in bp_net.layers]))
