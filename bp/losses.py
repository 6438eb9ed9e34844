r"""Loss functions, each with its value and its gradient with respect to the prediction.

Every loss is reduced the way PyTorch's default ``reduction="mean"`` reduces it:

========================  ====================================  ===========================
name                      PyTorch counterpart                   averaged over
========================  ====================================  ===========================
``mse``                   ``nn.MSELoss``                        every element (batch × outputs)
``bce``                   ``nn.BCELoss`` (on probabilities)     every element
``bce_with_logits``       ``nn.BCEWithLogitsLoss``              every element
``cross_entropy``         ``nn.NLLLoss`` of ``log(p)``          the batch
``softmax_cross_entropy`` ``nn.CrossEntropyLoss`` (on logits)   the batch
========================  ====================================  ===========================

``value(P, Y)`` returns a Python float and ``grad(P, Y)`` returns
:math:`\partial ℒ / \partial P` with the shape and dtype of ``P``. Targets ``Y`` have the
shape of ``P``; the two categorical losses also take a 1-D array of integer labels.
The checked entry points (calling a :class:`Loss`, :meth:`Loss.gradient`, and the
network) also check the domain: ``bce`` targets and predictions in [0, 1], categorical
targets whose rows are distributions (so that :math:`\sum_i y_i = 1` and the fused
gradient is exactly :math:`(\hat y - y)/N`).

*Fused* pairs. A softmax output with ``cross_entropy`` has the simple error term
:math:`\delta^L = (\hat y - y)/N`, a sigmoid output with ``bce``
:math:`\delta^L = (\hat y - y)/(N n_L)`: the :math:`1/(\hat y(1-\hat y))` of the loss
cancels the :math:`\hat y(1-\hat y)` of the sigmoid (and likewise for softmax).
:data:`FUSED` holds these pairs; the network uses them because they are exact,
cheaper, and stay right where the unfused product is 0/0 (a saturated output,
:math:`\hat y` rounded to exactly 0 or 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validation import FLOAT_DTYPES, as_matrix, as_targets, check_domain, lookup
from .activations import Activation, is_builtin, sigmoid, softmax

Array = np.ndarray

#: PyTorch clamps ``log`` at -100 in ``BCELoss``; we do the same in both
#: probability-based losses so that a prediction of exactly 0 or 1 gives a finite loss.
LOG_FLOOR = -100.0
#: Smallest denominator in the gradients of the probability-based losses (as PyTorch).
EPS = 1e-12


def _clamped_log(p: Array) -> Array:
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), LOG_FLOOR)


def mse(P: Array, Y: Array) -> float:
    r""":math:`ℒ = \frac{1}{N n_L}\sum_{n,i} (\hat y_{ni} - y_{ni})^2`, mean over all elements."""
    return float(np.mean((P - Y) ** 2))


def mse_grad(P: Array, Y: Array) -> Array:
    r""":math:`\partial ℒ/\partial \hat y = \frac{2}{N n_L}(\hat y - y)`: note the 2."""
    return (2 / P.size) * (P - Y)


def bce(P: Array, Y: Array) -> float:
    r""":math:`ℒ = -\frac{1}{N n_L}\sum \big[y \log \hat y + (1-y)\log(1-\hat y)\big]`."""
    return float(-np.mean(Y * _clamped_log(P) + (1 - Y) * _clamped_log(1 - P)))


def bce_grad(P: Array, Y: Array) -> Array:
    r"""The gradient of :func:`bce`; the denominator is clamped at ``EPS`` as in PyTorch.

    .. math:: \frac{\partial ℒ}{\partial \hat y}
              = \frac{1}{N n_L}\,\frac{\hat y - y}{\hat y (1 - \hat y)}
    """
    return (P - Y) / np.maximum(P * (1 - P), EPS) / P.size


def bce_with_logits(Z: Array, Y: Array) -> float:
    r"""BCE of :math:`\sigma(z)`, as :math:`\max(z,0) - z y + \log(1 + e^{-|z|})` (stable)."""
    return float(np.mean(np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))))


def bce_with_logits_grad(Z: Array, Y: Array) -> Array:
    r""":math:`\partial ℒ/\partial z = (\sigma(z) - y)/(N n_L)`."""
    return (sigmoid(Z) - Y) / Z.size


def cross_entropy(P: Array, Y: Array) -> float:
    r"""Categorical cross-entropy on probabilities.

    .. math:: L = -\frac1N \sum_n \sum_i y_{ni}\log \hat y_{ni}

    The sum over classes is not averaged: only the batch is. (Binary cross-entropy has
    the extra :math:`(1-y)\log(1-\hat y)` term; the two are different losses.)
    """
    return float(-np.sum(Y * _clamped_log(P)) / P.shape[0])


def cross_entropy_grad(P: Array, Y: Array) -> Array:
    r""":math:`\partial ℒ/\partial \hat y = -\frac{1}{N}\, y / \hat y`."""
    return -Y / np.maximum(P, EPS) / P.shape[0]


def _log_softmax(Z: Array) -> Array:
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def softmax_cross_entropy(Z: Array, Y: Array) -> float:
    r"""Cross-entropy of :math:`\operatorname{softmax}(z)`, via log-sum-exp.

    .. math:: L = \frac1N \sum_n \Big(\log \sum_j e^{z_{nj}} - \sum_i y_{ni} z_{ni}\Big)

    finite for logits of :math:`\pm 10^4`.
    """
    return float(-np.vdot(Y, _log_softmax(Z)) / Z.shape[0])


def softmax_cross_entropy_grad(Z: Array, Y: Array) -> Array:
    r""":math:`\partial ℒ/\partial z = (\operatorname{softmax}(z) - y)/N`."""
    return (softmax(Z) - Y) / Z.shape[0]


def softmax_cross_entropy_value_and_grad(Z: Array, Y: Array) -> tuple[float, Array]:
    r"""Both of the above from one softmax, as training needs them for every batch.

    With :math:`e = \exp(z - \max_j z_j)` and :math:`s = \sum_j e_j` per row,
    :math:`\log\operatorname{softmax}(z) = z - \max_j z_j - \log s` and
    :math:`\operatorname{softmax}(z) = e / s`: the same numbers as the two functions.
    """
    # (the ufuncs' own reductions: what .max() and np.sum() call, minus their overhead)
    shifted = Z - np.maximum.reduce(Z, axis=1, keepdims=True)
    e = np.exp(shifted)
    s = np.add.reduce(e, axis=1, keepdims=True)
    shifted -= np.log(s)                                    # log softmax
    value = float(-np.vdot(Y, shifted) / Z.shape[0])
    e /= s                                                  # softmax
    e -= Y
    e /= Z.shape[0]
    return value, e


@dataclass(frozen=True)
class Loss:
    """A loss with its gradient.

    Attributes
    ----------
    name : str
    value, grad : callable
        ``value(P, Y) -> float`` and ``grad(P, Y) -> dL/dP`` on checked arrays.
    categorical : bool
        Whether 1-D integer labels are accepted as targets.
    on_logits : bool
        Whether the loss expects raw scores (the output layer must be ``identity``).
    classification : bool
        Whether accuracy makes sense for it.
    targets : {"any", "unit", "distribution"}
        Where targets must lie: anywhere, in [0, 1], or rows that are distributions.
    predictions : {"any", "unit", "distribution"}
        Likewise for the predictions (probability losses need probabilities).
    outputs : frozenset of str or None
        The built-in output activations the loss makes sense with (``None``: any).
    value_and_grad : callable or None
        ``(value, grad)`` at once, sharing work (the training loop uses it), if given.
    """

    name: str
    value: Callable[[Array, Array], float]
    grad: Callable[[Array, Array], Array]
    categorical: bool = False
    on_logits: bool = False
    classification: bool = True
    targets: str = "any"
    predictions: str = "any"
    outputs: frozenset | None = None
    value_and_grad: Callable[[Array, Array], tuple[float, Array]] | None = None

    def __post_init__(self) -> None:
        if not (callable(self.value) and callable(self.grad)):
            raise TypeError(f"loss {self.name!r}: value and grad must be callable")
        for field in ("targets", "predictions"):
            if getattr(self, field) not in ("any", "unit", "distribution"):
                raise ValueError(f"loss {self.name!r}: {field} must be 'any', 'unit' or "
                                 f"'distribution', got {getattr(self, field)!r}")

    def _checked(self, P, Y) -> tuple[Array, Array]:
        dtype = np.asarray(P).dtype
        P = as_matrix(P, "prediction", dtype if dtype in FLOAT_DTYPES else np.float64)
        check_domain(P, self.predictions, self.name, "the prediction")
        return P, as_targets(Y, P, self)

    def decide(self, P: Array, logits: bool | None = None) -> Array:
        """Turn outputs (or targets) ``P`` of shape (batch, n_L) into decisions.

        Categorical losses (and ``mse`` with ``m > 1``) take the argmax, giving labels
        (batch,); the others threshold every entry, at 0 for logits and 0.5 otherwise,
        giving (batch,) for ``n_L == 1`` and a 0/1 array (batch, n_L) for several outputs.
        """
        if self.categorical or (not self.classification and P.shape[1] > 1):
            return P.argmax(axis=1)
        logits = self.on_logits if logits is None else logits
        hit = (P > (0.0 if logits else 0.5)).astype(np.intp)
        return hit[:, 0] if P.shape[1] == 1 else hit

    def fused_with(self, act: Activation, where: str = "the output layer",
                   n_out: int = 2) -> "Loss | None":
        """Check that this loss suits the output activation ``act`` (and ``n_out`` units);
        return the fused loss on logits (:data:`FUSED`) when the pair fuses, else ``None``.

        Only the built-in activations and losses are checked and fused (a custom
        :class:`~bp.activations.Activation` may compute anything).
        """
        if self.categorical and n_out < 2:
            raise ValueError(f"loss {self.name!r} needs at least 2 classes, but {where} has "
                             f"{n_out} output; for two classes with one output use bce")
        builtin = is_builtin(act)
        if builtin and self.outputs is not None and act.name not in self.outputs:
            why = " (applying it twice is a common bug)" if self.on_logits else ""
            raise ValueError(
                f"loss {self.name!r} needs the output layer's activation to be "
                f"{' or '.join(repr(a) for a in sorted(self.outputs))}, but {where} "
                f"has {act.name!r}{why}")
        fused = FUSED.get((act.name, self.name))
        return LOSSES[fused] if fused and builtin and LOSSES.get(self.name) is self else None

    def __call__(self, P, Y) -> float:
        """Checked value for array-likes ``P`` (batch, n_L) and ``Y`` (batch, n_L) or labels."""
        return self.value(*self._checked(P, Y))

    def gradient(self, P, Y) -> Array:
        """Checked :math:`\\partial ℒ/\\partial P`, shape (batch, n_L), dtype of ``P``."""
        return self.grad(*self._checked(P, Y))


_LOGITS = frozenset({"identity"})

LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", mse, mse_grad, classification=False),
    "bce": Loss("bce", bce, bce_grad, targets="unit", predictions="unit",
                outputs=frozenset({"sigmoid"})),
    "bce_with_logits": Loss("bce_with_logits", bce_with_logits, bce_with_logits_grad,
                            on_logits=True, targets="unit", outputs=_LOGITS),
    "cross_entropy": Loss("cross_entropy", cross_entropy, cross_entropy_grad,
                          categorical=True, targets="distribution", predictions="unit",
                          outputs=frozenset({"softmax"})),
    "softmax_cross_entropy": Loss("softmax_cross_entropy", softmax_cross_entropy,
                                  softmax_cross_entropy_grad, categorical=True,
                                  on_logits=True, targets="distribution", outputs=_LOGITS,
                                  value_and_grad=softmax_cross_entropy_value_and_grad),
}

#: (output activation, loss) -> the loss on logits that is the same function of ``z``.
#: The network computes value and :math:`\delta^L` from ``Z`` with it.
FUSED: dict[tuple[str, str], str] = {
    ("sigmoid", "bce"): "bce_with_logits",
    ("softmax", "cross_entropy"): "softmax_cross_entropy",
}


def get_loss(name: str | Loss) -> Loss:
    """Look up a loss by name (a :class:`Loss` is returned as is)."""
    if isinstance(name, Loss):
        return name
    return lookup(LOSSES, name, "loss")
