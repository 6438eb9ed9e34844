r"""Losses built from :class:`~bp.tensor.Tensor` operations, and a network's loss.

Nothing here has a VJP of its own: each loss is a composition of the operations in
:mod:`bp.tensor.core` and :mod:`bp.tensor.shapes`, and :meth:`Tensor.backward` finds its
gradient. The softmax cross-entropy of logits ``Z`` (N, C) against targets ``Y``,
averaged over the batch as PyTorch's ``nn.CrossEntropyLoss``, is written stably as

.. math:: \mathcal{L} = \frac{1}{N} \sum_{n} \Big( \operatorname{logsumexp}_c Z_{nc}
          - \sum_c Y_{nc} Z_{nc} \Big),

for rows of ``Y`` that sum to 1 (one-hot or soft labels); with integer labels the
inner sum is the picked logit ``Z[n, y_n]``. Its gradient is
:math:`(\mathrm{softmax}(Z) - Y)/N`, the :math:`\delta^L` of :meth:`bp.Network.backward`.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._validation import as_labels, as_matrix, as_targets
from .core import Tensor


def cross_entropy(logits: Tensor, targets: Any) -> Tensor:
    """Softmax cross-entropy of ``logits`` (N, C), mean over the batch.

    Parameters
    ----------
    logits : Tensor, shape (N, C)
    targets : array_like
        Integer labels, shape (N,), or rows that are distributions, shape (N, C).
    """
    if not isinstance(logits, Tensor) or logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be a 2-D Tensor (N, C), got "
                         f"{getattr(logits, 'shape', type(logits).__name__)}")
    N, C = logits.shape
    Y = np.asarray(targets)
    if Y.ndim == 1:
        labels = as_labels(Y, "cross_entropy: labels", C, n_rows=N)
        picked = logits[np.arange(N), labels]
    else:
        Y = as_matrix(Y, "cross_entropy: targets", logits.dtype, n_cols=C)
        if Y.shape[0] != N:
            raise ValueError(f"cross_entropy: targets must have shape {logits.shape}, "
                             f"got {Y.shape}")
        picked = (logits * Y).sum(axis=1)
    return (logits.logsumexp(axis=1) - picked).mean()


def mse(pred: Tensor, target: Any) -> Tensor:
    """Mean squared error over every element (PyTorch's ``nn.MSELoss``)."""
    target = np.asarray(target)
    if target.shape != pred.shape:
        raise ValueError(f"mse: target must have the prediction's shape {pred.shape}, "
                         f"got {target.shape}")
    return ((pred - target.astype(pred.dtype)) ** 2).mean()


class TensorLoss(NamedTuple):
    """A network's loss built from Tensors; ``W[l]`` and ``b[l]`` are the parameters of
    layer ``l + 1`` and ``Z[l]`` its weighted input (after ``loss.backward()``, ``.grad``
    of each is bp's ``dW``, ``db`` and ``delta``)."""

    loss: Tensor
    W: list[Tensor]
    b: list[Tensor]
    Z: list[Tensor]


#: Loss name -> the loss of the last weighted input Z and checked targets Y (the
#: categorical losses on logits, as the network fuses softmax + cross_entropy).
NETWORK_LOSSES = {
    "mse": lambda Z, A, Y: mse(A, Y),
    "cross_entropy": lambda Z, A, Y: cross_entropy(Z, Y),
    "softmax_cross_entropy": lambda Z, A, Y: cross_entropy(Z, Y),
}
_OUTPUT = {"cross_entropy": "softmax", "softmax_cross_entropy": "identity"}


def network_loss(net, X: Any, Y: Any) -> TensorLoss:
    """Build ``net``'s loss on ``(X, Y)`` from Tensors, one matrix product per layer:
    ``Z = A_prev @ W.T + b`` and ``A = f(Z)``, as :meth:`bp.Network.forward`.

    ``X`` (N, n_in) and ``Y`` are checked as :meth:`bp.Network.loss` checks them.
    Supports the Tensor activations (identity, sigmoid, tanh, relu) in hidden layers,
    and the losses ``mse``, ``cross_entropy`` (softmax output) and
    ``softmax_cross_entropy`` (identity output). The parameters are copies: changing
    the Tensors leaves ``net`` unchanged.
    """
    name = net.loss_fn.name
    if name not in NETWORK_LOSSES:
        raise ValueError(f"network_loss supports the losses {sorted(NETWORK_LOSSES)}, "
                         f"got {name!r}")
    acts = []
    for i, layer in enumerate(net.layers):
        act = getattr(layer, "activation", None)
        if act is None or not hasattr(layer, "W"):
            raise TypeError(f"network_loss supports Dense layers, got "
                            f"{type(layer).__name__} at position {i + 1}")
        last = i == len(net.layers) - 1
        if last and name in _OUTPUT:
            if act.name != _OUTPUT[name]:
                raise ValueError(f"{layer.name}: {name} needs a {_OUTPUT[name]} output, "
                                 f"got {act.name}")
            acts.append(Tensor.identity)        # the loss reads the logits Z
        elif act.name in ("identity", "sigmoid", "tanh", "relu"):
            acts.append(getattr(Tensor, act.name))
        else:
            raise ValueError(f"{layer.name}: activation {act.name!r} is not supported by "
                             "Tensor (identity, sigmoid, tanh, relu)")
    X = as_matrix(X, "X", net.dtype, n_cols=net.n_in, where="network_loss")
    Y = as_targets(Y, np.empty((X.shape[0], net.n_out), net.dtype), net.loss_fn,
                   where="network_loss")
    Ws = [Tensor(layer.W, label=f"W{l + 1}") for l, layer in enumerate(net.layers)]
    bs = [Tensor(layer.b, label=f"b{l + 1}") for l, layer in enumerate(net.layers)]
    A, Zs = Tensor(X, label="X"), []
    for W, b, f in zip(Ws, bs, acts):
        Z = A @ W.T + b
        Zs.append(Z)
        A = f(Z)
    return TensorLoss(NETWORK_LOSSES[name](Zs[-1], A, Y), Ws, bs, Zs)
