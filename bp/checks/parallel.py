r"""Self-checks for the chapter *Beyond plain backpropagation*: data parallelism and
weight decay.

**Data parallelism.** Each worker runs forward and backward on its shard of the batch
and the gradients are combined. With a loss :math:`\mathcal{L}` that averages over
examples (:math:`\mathcal{L}_k` is the loss on shard :math:`k`, of :math:`N_k` examples),
the full-batch gradient is the average of the shard gradients *weighted by shard size*:

.. math::

   \frac{\partial \mathcal{L}}{\partial W} = \sum_k \frac{N_k}{N}\,
   \frac{\partial \mathcal{L}_k}{\partial W}, \qquad N = \sum_k N_k .

**Weight decay.** Gradient descent on the penalized loss
:math:`\mathcal{L} + \tfrac{\lambda}{2}\lVert W\rVert^2` takes the step
:math:`W \leftarrow W - \alpha(\partial \mathcal{L}/\partial W + \lambda W)
= (1 - \alpha\lambda)W - \alpha\,\partial \mathcal{L}/\partial W`, which is
``bp.SGD(lr=alpha, weight_decay=lam)``.
"""
from __future__ import annotations

import copy
from typing import Callable

import numpy as np

from ..layers import Dense
from ..network import Network
from ..optimizers import SGD
from ._core import CheckResult, compare
from ._signatures import expects


def _net(seed: int, sizes: tuple[int, ...], acts: tuple[str, ...], loss: str) -> Network:
    return Network([Dense(a, b, f, rng=seed + i)
                    for i, (a, b, f) in enumerate(zip(sizes, sizes[1:], acts))], loss=loss)


def _parallel_cases() -> list[tuple]:
    rng = np.random.default_rng(5)
    cases = []
    for seed, sizes, acts, loss, shard_sizes in [
            (0, (3, 4, 2), ("tanh", "sigmoid"), "mse", (4, 4)),
            (1, (2, 5, 3), ("relu", "softmax"), "cross_entropy", (3, 5, 2)),
            (2, (4, 3, 1), ("sigmoid", "sigmoid"), "bce", (1, 6)),
            (3, (3, 3, 3), ("tanh", "identity"), "softmax_cross_entropy", (5, 2, 2, 1))]:
        net = _net(seed, sizes, acts, loss)
        shards_X = [rng.normal(size=(n, sizes[0])) for n in shard_sizes]
        if net.loss_fn.categorical:
            shards_Y = [rng.integers(0, sizes[-1], size=n) for n in shard_sizes]
        elif loss == "bce":
            shards_Y = [rng.integers(0, 2, size=(n, sizes[-1])).astype(float)
                        for n in shard_sizes]
        else:
            shards_Y = [rng.uniform(size=(n, sizes[-1])) for n in shard_sizes]
        cases.append((net, shards_X, shards_Y))
    return cases


def _full_batch(net: Network, shards_X: list, shards_Y: list) -> list[tuple]:
    net = copy.deepcopy(net)
    net.forward(np.vstack(shards_X))
    net.backward(np.concatenate(shards_Y))
    return [(layer.dW, layer.db) for layer in net.layers]


def _unweighted(net, shards_X, shards_Y):
    per = []
    for X, Y in zip(shards_X, shards_Y):
        per.append(_full_batch(net, [X], [Y]))
    k = len(per)
    return [(sum(p[l][0] for p in per) / k, sum(p[l][1] for p in per) / k)
            for l in range(len(per[0]))]


def _summed(net, shards_X, shards_Y):
    per = [_full_batch(net, [X], [Y]) for X, Y in zip(shards_X, shards_Y)]
    return [(sum(p[l][0] for p in per), sum(p[l][1] for p in per))
            for l in range(len(per[0]))]


@expects("combine(net, shards_X, shards_Y) -> [(dW, db), ...]")
def check_data_parallel(fn: Callable, verbose: bool = True) -> CheckResult:
    """Check ``fn(net, shards_X, shards_Y) -> [(dW, db) for each layer]``.

    ``fn`` must combine per-shard gradients (one forward and backward per shard, as
    separate workers would) into the gradient of the loss on all shards together.
    The shards have *unequal* sizes in most cases, and the losses include ``mse``,
    ``bce`` and both cross-entropies. ``net`` is a copy: ``fn`` may run it freely.
    """
    return compare("data-parallel gradient", lambda n, X, Y: fn(copy.deepcopy(n), X, Y),
                   _full_batch, _parallel_cases(),
                   arg_names=["net", "shards_X", "shards_Y"], rtol=1e-10, atol=1e-13,
                   verbose=verbose, signature=check_data_parallel.signature,
                   case_names=["mse, shards 4+4", "cross_entropy, shards 3+5+2",
                               "bce, shards 1+6", "softmax_cross_entropy, shards 5+2+2+1"],
                   outputs="layers", inplace_ok=["net"],
                   variants=[("the shard gradients are averaged with equal weights: "
                              "weight each by N_k / N", _unweighted),
                             ("the shard gradients are summed: weight each by N_k / N",
                              _summed)])


def _ref_weight_decay(W: np.ndarray, dW: np.ndarray, lr: float, lam: float) -> np.ndarray:
    W = np.array(W, dtype=np.float64, copy=True)
    SGD(lr=lr, weight_decay=lam).update((0, "W"), W, np.asarray(dW, dtype=np.float64))
    return W


@expects("decay_step(W, dW, lr, lam) -> W_new")
def check_weight_decay_step(fn: Callable, verbose: bool = True) -> CheckResult:
    r"""Check ``fn(W, dW, lr, lam) -> W_new``: one SGD step on
    :math:`\mathcal{L} + \tfrac{\lambda}{2}\lVert W \rVert^2` (the loss plus the penalty)
    given :math:`\partial \mathcal{L}/\partial W`.

    Rule: ``W_new`` is a new array; changing ``W`` in place fails.
    """
    rng = np.random.default_rng(11)
    cases = [(rng.normal(size=s), rng.normal(size=s), lr, lam)
             for s, lr, lam in [((3, 2), 0.1, 0.01), ((4,), 0.5, 0.1), ((2, 5), 0.01, 1.0),
                                ((3, 3), 0.2, 0.0)]]
    return compare("weight-decay step", fn, _ref_weight_decay, cases,
                   arg_names=["W", "dW", "lr", "lam"], rtol=1e-12, atol=1e-14, verbose=verbose,
                   signature=check_weight_decay_step.signature,
                   case_names=["3x2, lr 0.1, lam 0.01", "vector, lr 0.5, lam 0.1",
                               "2x5, lr 0.01, lam 1", "square 3x3, no decay"],
                   outputs="W_new", scales=lambda W, dW, lr, lam: {"lr": lr},
                   variants=[("the decay is not scaled by lr: W − lr·(dW + lam·W)",
                              lambda W, dW, lr, lam: W - lr * dW - lam * W),
                             ("the decay uses lam/2: the gradient of (lam/2)‖W‖² is lam·W",
                              lambda W, dW, lr, lam: W - lr * (dW + lam / 2 * W)),
                             ("the decay has the wrong sign: W − lr·(dW + lam·W)",
                              lambda W, dW, lr, lam: W - lr * (dW - lam * W))],
                   rule="return a new array; do not change W in place")
