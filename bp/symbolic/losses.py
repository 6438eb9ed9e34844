r"""The losses of :mod:`bp.losses` as SymPy expressions, reduced exactly as ``bp`` reduces them.

A :class:`SymLoss` maps a prediction vector :math:`\hat y` and a target vector
:math:`y` (the entries of one example, or of a whole batch flattened, with
``batch`` examples) to a scalar expression:

========================  ==================================================================
``mse``                   :math:`\frac{1}{N n_L} \sum_i (\hat y_i - y_i)^2` (all entries)
``bce``                   :math:`-\frac{1}{N n_L} \sum_i [y_i \log \hat y_i + (1-y_i)\log(1-\hat y_i)]`
``bce_with_logits``       ``bce`` of :math:`\sigma(z_i)` (the prediction is the logit)
``cross_entropy``         :math:`-\frac1N \sum_i y_i \log \hat y_i` (mean over the batch only)
``softmax_cross_entropy`` ``cross_entropy`` of the softmax of the logits (one example, N = 1)
========================  ==================================================================

Each carries its gradient :math:`\partial \mathcal{L}/\partial \hat y` in textbook form, proved
equal to ``sympy.diff`` by :meth:`SymLoss.prove`: for MSE it is
:math:`\frac{2}{N n_L}(\hat y - y)`, the 2 that is easy to forget. :data:`FUSED` holds the two
pairs whose :math:`\delta = \partial \mathcal{L}/\partial z` is :math:`\hat y - y` (per example),
proved by :func:`prove_fused`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .._validation import lookup
from .activations import sigmoid, softmax
from .proof import Proof, prove_equal


def _mse(p, y, batch):
    return sum((pi - yi) ** 2 for pi, yi in zip(p, y)) / len(p)


def _mse_grad(p, y, batch):
    return sp.Rational(2, len(p)) * (p - y)


def _bce(p, y, batch):
    return -sum(yi * sp.log(pi) + (1 - yi) * sp.log(1 - pi) for pi, yi in zip(p, y)) / len(p)


def _bce_grad(p, y, batch):
    return sp.Matrix([(pi - yi) / (pi * (1 - pi)) for pi, yi in zip(p, y)]) / len(p)


def _bce_logits(zs, y, batch):
    return _bce(zs.applyfunc(sigmoid), y, batch)


def _bce_logits_grad(zs, y, batch):
    return (zs.applyfunc(sigmoid) - y) / len(zs)


def _ce(p, y, batch):
    return -sum(yi * sp.log(pi) for pi, yi in zip(p, y)) / batch


def _ce_grad(p, y, batch):
    return sp.Matrix([-yi / pi for pi, yi in zip(p, y)]) / batch


def _softmax_ce(zs, y, batch):
    if batch != 1:
        raise ValueError("softmax_cross_entropy takes one example (batch=1) at a time")
    return _ce(softmax(zs), y, 1)


def _softmax_ce_grad(zs, y, batch):
    return softmax(zs) * sum(y) - y      # = softmax(z) - y for targets summing to 1


@dataclass(frozen=True)
class SymLoss:
    r"""A loss as a SymPy expression, with its textbook gradient.

    Attributes
    ----------
    name : str
        The name in :data:`bp.losses.LOSSES`.
    expr : callable
        ``expr(p, y, batch) -> scalar`` for column vectors ``p`` (prediction, or
        logits when ``on_logits``) and ``y`` of equal length.
    textbook_grad : callable
        ``textbook_grad(p, y, batch) -> column vector`` :math:`\partial \mathcal{L}/\partial p`.
    on_logits : bool
        Whether the prediction is the logit :math:`z` (output activation identity).
    latex : str
        The gradient as the book writes it.
    """

    name: str
    expr: Callable
    textbook_grad: Callable
    on_logits: bool
    latex: str

    def __call__(self, p, y, batch: int = 1) -> sp.Expr:
        """The loss of prediction ``p`` against target ``y`` (``batch`` examples flattened)."""
        p, y = _vectors(p, y)
        return self.expr(p, y, batch)

    def gradient(self, p, y, batch: int = 1) -> sp.Matrix:
        r""":math:`\partial \mathcal{L}/\partial p` by ``sympy.diff``."""
        p, y = _vectors(p, y)
        return sp.Matrix([sp.diff(self.expr(p, y, batch), pi) for pi in p])

    def prove(self, n: int = 2, batch: int = 1) -> Proof:
        """Prove ``sympy.diff`` equals the textbook gradient, for ``n`` symbolic entries."""
        p, y = symbols(n)
        return prove_equal(self.gradient(p, y, batch), self.textbook_grad(p, y, batch))


def _vectors(p, y):
    p, y = sp.Matrix(p), sp.Matrix(y)
    if p.shape != y.shape or p.shape[1] != 1:
        raise ValueError(f"prediction and target must be column vectors of one shape, "
                         f"got {p.shape} and {y.shape}")
    return p, y


def symbols(n: int, p: str = r"\hat{y}", y: str = "y") -> tuple[sp.Matrix, sp.Matrix]:
    r"""Column vectors of ``n`` real symbols :math:`\hat y_1..\hat y_n` and :math:`y_1..y_n`."""
    return (sp.Matrix([sp.Symbol(f"{p}_{i}", real=True) for i in range(1, n + 1)]),
            sp.Matrix([sp.Symbol(f"{y}_{i}", real=True) for i in range(1, n + 1)]))


LOSSES: dict[str, SymLoss] = {
    "mse": SymLoss("mse", _mse, _mse_grad, False,
                   r"\frac{\partial \mathcal{L}}{\partial \hat y_i} = "
                   r"\frac{2}{N n_L}(\hat y_i - y_i)"),
    "bce": SymLoss("bce", _bce, _bce_grad, False,
                   r"\frac{\partial \mathcal{L}}{\partial \hat y_i} = "
                   r"\frac{1}{N n_L}\,\frac{\hat y_i - y_i}{\hat y_i(1 - \hat y_i)}"),
    "bce_with_logits": SymLoss("bce_with_logits", _bce_logits, _bce_logits_grad, True,
                               r"\frac{\partial \mathcal{L}}{\partial z_i} = "
                               r"\frac{1}{N n_L}(\sigma(z_i) - y_i)"),
    "cross_entropy": SymLoss("cross_entropy", _ce, _ce_grad, False,
                             r"\frac{\partial \mathcal{L}}{\partial \hat y_i} = -\frac{1}{N}\,"
                             r"\frac{y_i}{\hat y_i}"),
    "softmax_cross_entropy": SymLoss("softmax_cross_entropy", _softmax_ce, _softmax_ce_grad,
                                     True,
                                     r"\frac{\partial \mathcal{L}}{\partial z_i} = "
                                     r"s_i \sum_j y_j - y_i "
                                     r"= s_i - y_i \text{ when } \sum_j y_j = 1"),
}

#: (output activation, loss) -> the loss on logits that is the same function of z (as bp).
FUSED: dict[tuple[str, str], str] = {
    ("sigmoid", "bce"): "bce_with_logits",
    ("softmax", "cross_entropy"): "softmax_cross_entropy",
}


def get_loss(name: str) -> SymLoss:
    """Look up a symbolic loss by name."""
    return lookup(LOSSES, name, "symbolic loss")


def prove_fused(activation: str, loss: str, n: int = 2) -> Proof:
    r"""Prove :math:`\partial \mathcal{L}(f(z), y)/\partial z = \hat y - y` for a fused pair
    (one example).

    For ``("sigmoid", "bce")`` with one output and ``("softmax", "cross_entropy")``
    with ``n`` classes whose targets sum to 1 (one-hot, or any probability vector).
    """
    key = (activation, loss)
    if key not in FUSED:
        raise ValueError(f"{key} is not a fused pair; fused pairs: {sorted(FUSED)}")
    if activation == "sigmoid":
        zs, y = symbols(1, "z")
        yhat = zs.applyfunc(sigmoid)
    else:
        zs, y = symbols(n, "z")
        yhat = softmax(zs)
    L = LOSSES[loss](yhat, y)
    grad = sp.Matrix([sp.diff(L, zi) for zi in zs])
    if activation == "softmax":   # use sum(y) = 1 by eliminating the last target
        grad = grad.subs(y[-1], 1 - sum(y[:-1]))
        y = y.subs(y[-1], 1 - sum(y[:-1]))
    return prove_equal(grad, yhat - y)
