r"""Self-check for one training iteration that updates the network in place.

The exercise of chapter *The backpropagation algorithm* updates each layer inside
the backward loop, as soon as its gradient is known. Checking only the returned
gradients would pass an iteration that never updates, updates with the wrong sign,
forgets the biases or ignores ``lr``; this check also compares the network after the
call with one plain step from the untouched network:

.. math::

   W^l \leftarrow W^l - \alpha\,\frac{\partial\loss}{\partial W^l},\qquad
   b^l \leftarrow b^l - \alpha\,\frac{\partial\loss}{\partial b^l},

with every gradient computed from the weights *before* the step.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..network import Network
from ._core import CheckResult, compare
from ._signatures import expects
from .backward import (backward_case_names, backward_cases, manual_backward,
                       reference_backward)

#: The learning rate of each case of :func:`~bp.checks.backward.backward_cases`.
RATES = [0.1, 0.5, 0.05, 0.2]


def _params(net: Network) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(layer.W.copy(), layer.b.copy()) for layer in net.layers]


def _step(net, grads, lr, w=1.0, b=1.0):
    return [(layer.W - w * lr * dW, layer.b - b * lr * db)
            for layer, (dW, db) in zip(net.layers, grads)]


def _reference(net, X, Y, lr):
    grads = reference_backward(net, X, Y)
    return grads, _step(net, grads, lr)


def _variant(w=1.0, b=1.0, rate=None, slip=""):
    def run(net, X, Y, lr):
        grads = manual_backward(net, X, Y, slip, lr=lr)
        honest = reference_backward(net, X, Y)
        used = grads if slip else honest
        return used, _step(net, used, rate or lr, w, b)
    return run


VARIANTS = [
    ("the network is never updated: change layer.W and layer.b in place "
     "(layer.W -= lr * dW)", _variant(w=0.0, b=0.0)),
    ("the update goes uphill: W ← W − lr·dW, not W + lr·dW", _variant(w=-1.0, b=-1.0)),
    ("the biases are not updated: b ← b − lr·db", _variant(b=0.0)),
    ("the learning rate is ignored (a step of 0.1 whatever lr is)", _variant(rate=0.1)),
    ("the learning rate is ignored (a step of 1)", lambda n, X, Y, lr:
     _variant()(n, X, Y, 1.0)),
    ("δ^{l-1} was computed with the already-updated W^l: compute BP2 with the old W "
     "first, then update", _variant(slip="stale")),
]


class _Names:
    """``gradient, layer 2 dW`` / ``updated layer 1 b``, reported from the output down."""

    def __call__(self, path):
        if len(path) != 3:
            return "output"
        kind, layer, item = path
        if kind == 0:
            return f"returned gradient, layer {layer + 1} {('dW', 'db')[item]}"
        return f"updated network, layer {layer + 1} {('W', 'b')[item]}"

    @staticmethod
    def order(path):
        return (path[0], -path[1], path[2]) if len(path) == 3 else (0,)


@expects("iteration(net, X, Y, lr) -> [(dW, db), ...]")
def check_training_iteration(fn: Callable[[Network, np.ndarray, np.ndarray, float], list],
                             verbose: bool = True) -> CheckResult:
    r"""Check one training iteration that updates ``net`` in place and returns its gradients.

    Parameters
    ----------
    fn : callable
        ``fn(net, X, Y, lr)`` runs forward and backward on the batch ``X`` (targets
        ``Y``), updates every layer's ``W`` and ``b`` in place by :math:`-\alpha` times
        its gradient (``lr`` is :math:`\alpha`), and returns ``[(dW, db), ...]``, first
        layer first: the gradients at the weights *before* the update. The learning
        rate differs from case to case.
    verbose : bool
        Print the outcome.

    Returns
    -------
    CheckResult
        Truthy when the returned gradients and the updated network both agree with
        :meth:`bp.Network.backward` and one gradient-descent step.
    """
    def run(net, X, Y, lr):
        grads = fn(net, X, Y, lr)
        return grads, _params(net)

    cases = [(net, X, Y, lr) for (net, X, Y), lr in zip(backward_cases(), RATES)]
    names = [f"{name}, lr {lr}" for name, lr in zip(backward_case_names(), RATES)]
    return compare("check_training_iteration", run, _reference, cases,
                   arg_names=["net", "X", "Y", "lr"], rtol=1e-6, atol=1e-10,
                   verbose=verbose, case_names=names, outputs=_Names(),
                   variants=VARIANTS, inplace_ok=["net"],
                   scales=lambda net, X, Y, lr: {"N": X.shape[0], "lr": lr},
                   rule="update every layer's W and b in place, by −lr × its gradient "
                        "at the old weights")


__all__ = ["check_training_iteration"]
