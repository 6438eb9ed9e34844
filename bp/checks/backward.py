r"""Self-checks for the backward pass (chapter "Deriving the gradients").

Each check runs the reader's function on several seeded inputs and compares it with
``bp``'s reference (:meth:`bp.Network.backward`), in the batched row convention:
examples are rows, ``W`` of layer :math:`l` has shape ``(n_l, n_{l-1})`` and
:math:`\delta^l = \partial ℒ/\partial Z^l` has shape ``(batch, n_l)``.

.. math::

   \delta^l = (\delta^{l+1} W^{l+1}) \odot f'(Z^l), \qquad
   \frac{\partial ℒ}{\partial W^l} = (\delta^l)^\top A^{l-1}, \qquad
   \frac{\partial ℒ}{\partial b^l} = \textstyle\sum_{\text{batch}} \delta^l

Every case uses non-square weight matrices, so a missing or misplaced transpose is
reported as a shape error rather than slipping through.
"""
from __future__ import annotations

import copy
from typing import Callable

import numpy as np

from ..activations import get_activation
from ..layers import Dense
from ..network import Network
from ._args import ActivationArg
from ._core import CheckResult, compare
from ._signatures import expects

#: (layer sizes, activations, loss, batch) for the networks of :func:`check_backward`.
NETWORKS = [
    ((3, 4, 2), ("sigmoid", "sigmoid"), "mse", 5),
    ((2, 5, 3, 1), ("tanh", "relu", "identity"), "mse", 4),
    ((4, 3, 3), ("gelu_tanh", "softmax"), "cross_entropy", 6),
    ((3, 6, 2), ("leaky_relu", "sigmoid"), "bce", 1),
]

#: (n_l, n_{l+1}, activation of layer l, batch) for :func:`check_delta_recursion`.
DELTA_CASES = [
    (3, 2, "sigmoid", 4),
    (2, 5, "tanh", 3),
    (4, 3, "relu", 6),
    (5, 1, "softplus", 1),
]


def _network(sizes, acts, loss, rng) -> Network:
    layers = [Dense(a, b, act, rng=rng) for a, b, act in zip(sizes[:-1], sizes[1:], acts)]
    return Network(layers, loss=loss)


def _targets(net: Network, batch: int, rng: np.random.Generator) -> np.ndarray:
    n_out = net.n_out
    if net.loss_fn.categorical:
        return rng.integers(0, n_out, size=batch)
    if net.loss_fn.name == "bce":
        return rng.integers(0, 2, size=(batch, n_out)).astype(float)
    return rng.normal(size=(batch, n_out))


def backward_cases(seed: int = 0) -> list[tuple[Network, np.ndarray, np.ndarray]]:
    """Seeded ``(net, X, Y)`` cases: four small networks with different activations/losses."""
    rng = np.random.default_rng(seed)
    cases = []
    for sizes, acts, loss, batch in NETWORKS:
        net = _network(sizes, acts, loss, rng)
        for layer in net.layers:                      # non-zero biases: db must matter
            layer.b[...] = rng.normal(scale=0.3, size=layer.b.shape)
        X = rng.normal(size=(batch, sizes[0]))
        cases.append((net, X, _targets(net, batch, rng)))
    return cases


def reference_backward(net: Network, X: np.ndarray, Y: np.ndarray) -> list[tuple]:
    """``[(dW, db), ...]`` (first layer first) from :meth:`bp.Network.backward`."""
    net = copy.deepcopy(net)
    net.forward(X)
    net.backward(Y)
    return [(layer.dW, layer.db) for layer in net.layers]


def backward_case_names() -> list[str]:
    """``"3-4-2 sigmoid/sigmoid, mse, batch of 5"``, one per :data:`NETWORKS`."""
    return [f"{'-'.join(map(str, sizes))} {'/'.join(acts)}, {loss}, batch of {batch}"
            for sizes, acts, loss, batch in NETWORKS]


def manual_backward(net: Network, X: np.ndarray, Y: np.ndarray, slip: str = "",
                    lr: float = 0.1) -> list:
    r"""BP1-BP4 written out, with one classic ``slip`` switched on (for the diagnoses).

    ``slip`` is ``""`` (none), ``"no_df"`` (BP2 without :math:`f'`), ``"dA"``
    (:math:`\partial ℒ/\partial A^L` used where :math:`\delta^L` belongs), ``"mean"``
    (dW and db divided by N again), ``"sign"`` (every gradient negated) or ``"stale"``
    (BP2 with :math:`W^{l}` already updated by a step of ``lr``).
    """
    net = copy.deepcopy(net)
    net.forward(X)
    T = net.targets(Y)
    out = net.layers[-1]
    delta = net.loss_fn.grad(out.A, T) if slip == "dA" else net.output_delta(T)
    grads = []
    for l in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[l]
        k = (1 / X.shape[0] if slip == "mean" else 1) * (-1 if slip == "sign" else 1)
        dW, db = k * delta.T @ layer.A_prev, k * delta.sum(axis=0)
        grads.append((dW, db))
        if l > 0:
            W = layer.W - lr * dW if slip == "stale" else layer.W
            below = net.layers[l - 1]
            delta = delta @ W * (1 if slip == "no_df" else below.activation.df(below.Z))
    return grads[::-1]


#: (probable cause, slip of :func:`manual_backward`).
BACKWARD_SLIPS = [
    ("BP2 lacks the factor f'(Z^l): δ^l = (δ^{l+1} W^{l+1}) ⊙ f'(Z^l)", "no_df"),
    ("the output error is ∂ℒ/∂A^L, but δ^L = ∂ℒ/∂Z^L (BP1 multiplies by f'(Z^L), or use "
     "net.output_delta)", "dA"),
    ("dW and db are divided by N again: the loss's 1/N is already inside δ (sum over "
     "the batch)", "mean"),
    ("the gradients have the wrong sign", "sign"),
    ("δ^{l-1} was computed with the already-updated W^l: compute BP2 first, then update",
     "stale"),
]
BACKWARD_VARIANTS = [(why, lambda n, X, Y, s=slip: manual_backward(n, X, Y, s))
                     for why, slip in BACKWARD_SLIPS]


@expects("backward(net, X, Y) -> [(dW, db), ...]")
def check_backward(fn: Callable[[Network, np.ndarray, np.ndarray], list],
                   verbose: bool = True) -> CheckResult:
    r"""Check a whole backward pass: BP1 to BP4 on several networks.

    Parameters
    ----------
    fn : callable
        ``fn(net, X, Y)`` takes a :class:`bp.Network`, a batch ``X`` of shape
        ``(batch, n_in)`` and targets ``Y`` (shape ``(batch, n_out)``, or integer labels
        for ``cross_entropy``) and returns one ``(dW, db)`` pair per layer, first layer
        first, with ``dW.shape == layer.W.shape`` and ``db.shape == layer.b.shape``.
        It may call ``net.forward`` and ``net.output_delta`` (BP1) but should compute
        BP2-BP4 itself.
    verbose : bool
        Print the outcome (the first failing case with input, expected and got).

    Returns
    -------
    CheckResult
        Truthy when every case matches :meth:`bp.Network.backward`.
    """
    return compare("check_backward", fn, reference_backward, backward_cases(),
                   arg_names=["net", "X", "Y"], rtol=1e-6, atol=1e-10, verbose=verbose,
                   case_names=backward_case_names(), outputs="layers",
                   variants=BACKWARD_VARIANTS, inplace_ok=["net"],
                   scales=lambda net, X, Y: {"N": X.shape[0], "n_L": net.n_out})


def delta_cases(seed: int = 1) -> list[tuple]:
    """Seeded ``(delta_next, W_next, Z, activation)`` cases with non-square ``W_next``."""
    rng = np.random.default_rng(seed)
    cases = []
    for n_l, n_next, act, batch in DELTA_CASES:
        cases.append((rng.normal(size=(batch, n_next)), rng.normal(size=(n_next, n_l)),
                      rng.normal(size=(batch, n_l)), ActivationArg(act)))
    return cases


DELTA_VARIANTS = [
    ("the factor f'(Z) is dropped: δ^l = (δ^{l+1} W^{l+1}) ⊙ f'(Z^l)",
     lambda d, W, Z, f: d @ W),
    ("f(Z) was used where f'(Z) belongs", lambda d, W, Z, f: (d @ W) * f(Z)),
]


def reference_delta(delta_next: np.ndarray, W_next: np.ndarray, Z: np.ndarray,
                    activation: str) -> np.ndarray:
    r"""BP2 in rows: :math:`\delta^l = (\delta^{l+1} W^{l+1}) \odot f'(Z^l)`."""
    return (delta_next @ W_next) * get_activation(str(activation)).df(Z)


@expects("bp2_step(delta_next, W_next, Z, activation) -> delta")
def check_delta_recursion(fn: Callable[[np.ndarray, np.ndarray, np.ndarray, str], np.ndarray],
                          verbose: bool = True) -> CheckResult:
    r"""Check one step of BP2, from :math:`\delta^{l+1}` to :math:`\delta^l`.

    Parameters
    ----------
    fn : callable
        ``fn(delta_next, W_next, Z, activation)`` with ``delta_next`` of shape
        ``(batch, n_{l+1})``, ``W_next`` (the weights of layer :math:`l+1`) of shape
        ``(n_{l+1}, n_l)``, ``Z`` (the pre-activations of layer :math:`l`) of shape
        ``(batch, n_l)`` and ``activation`` layer :math:`l`'s activation: its name
        (look it up with :func:`bp.get_activation`), which can also be called and
        has ``activation.df`` (see :class:`~bp.checks._args.ActivationArg`).
        Returns :math:`\delta^l`, shape ``(batch, n_l)``.
    verbose : bool

    Returns
    -------
    CheckResult
    """
    return compare("check_delta_recursion", fn, reference_delta, delta_cases(),
                   arg_names=["delta_next", "W_next", "Z", "activation"], verbose=verbose,
                   case_names=[f"n_l = {a}, n_(l+1) = {b}, {f}, batch of {N}"
                               for a, b, f, N in DELTA_CASES], outputs="delta",
                   variants=DELTA_VARIANTS,
                   scales=lambda d, W, Z, f: {"N": d.shape[0]})


def layer_cases(seed: int = 2) -> list[tuple]:
    """Seeded ``(delta, A_prev)`` cases (batch sizes 1, 3 and 7; non-square)."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(n, m)), rng.normal(size=(n, k)))
            for n, m, k in [(1, 2, 3), (3, 4, 2), (7, 3, 5)]]


def reference_layer_gradients(delta: np.ndarray, A_prev: np.ndarray) -> tuple:
    r"""BP3 and BP4 in rows: :math:`(\delta^\top A^{l-1},\ \sum_{\text{batch}} \delta)`."""
    return delta.T @ A_prev, delta.sum(axis=0)


@expects("layer_gradients(delta, A_prev) -> (dW, db)")
def check_layer_gradients(fn: Callable[[np.ndarray, np.ndarray], tuple],
                          verbose: bool = True) -> CheckResult:
    r"""Check BP3 and BP4: one layer's ``(dW, db)`` from its :math:`\delta` and input.

    Parameters
    ----------
    fn : callable
        ``fn(delta, A_prev)`` with ``delta`` of shape ``(batch, n_l)`` and ``A_prev`` of
        shape ``(batch, n_{l-1})``; returns ``(dW, db)`` of shapes ``(n_l, n_{l-1})``
        and ``(n_l,)``. The loss's :math:`1/N` is already inside ``delta``: sum over
        the batch, do not average again.
    verbose : bool

    Returns
    -------
    CheckResult
    """
    variants = [("dW is A_prev.T @ delta, the transpose: dW = delta.T @ A_prev, shape "
                 "(n_l, n_{l-1})", lambda d, A: (A.T @ d, d.sum(axis=0)))]
    return compare("check_layer_gradients", fn, reference_layer_gradients, layer_cases(),
                   arg_names=["delta", "A_prev"], verbose=verbose,
                   case_names=["batch of 1", "batch of 3", "batch of 7"],
                   outputs=["dW", "db"], variants=variants,
                   scales=lambda d, A: {"N": d.shape[0]})
