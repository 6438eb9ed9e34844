r"""Self-checks for the chapter *Neurons and networks*: a layer's and a network's forward pass.

A dense layer with weights ``W`` of shape ``(n_out, n_in)`` (PyTorch's
``nn.Linear.weight``) and bias ``b`` of shape ``(n_out,)`` maps a batch whose examples
are rows to

.. math::

   Z = A_{prev} W^\top + b, \qquad A = f(Z),

and a network applies its layers one after the other. The references are
:class:`bp.Dense` and :meth:`bp.Network.forward`.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..activations import get_activation
from ..layers import Dense
from ..network import Network
from ._args import ActivationArg, activation_name
from ._core import CheckResult, compare
from ._signatures import expects

Array = np.ndarray

#: ``(batch, n_in, n_out, activation)`` tried by :func:`check_dense_forward`. The first
#: case has a square ``W`` so that a forgotten transpose gives wrong numbers rather
#: than a shape error; one case has a single example.
DENSE_CASES = [(4, 3, 3, "sigmoid"), (5, 3, 2, "tanh"), (1, 4, 3, "relu"),
               (6, 2, 5, "identity"), (3, 5, 4, "sigmoid")]

#: ``(batch, sizes, activations)`` tried by :func:`check_network_forward`.
NETWORK_CASES = [(4, (3, 3, 3), ("tanh", "sigmoid")),
                 (5, (2, 4, 1), ("relu", "sigmoid")),
                 (1, (4, 3, 2, 2), ("tanh", "relu", "identity")),
                 (6, (3, 5, 2), ("sigmoid", "identity"))]


def dense_cases(seed: int = 0) -> list[tuple[Array, Array, Array, Callable[[Array], Array]]]:
    """Seeded ``(A_prev, W, b, activation)`` tuples, one per entry of :data:`DENSE_CASES`.

    ``activation`` is an :class:`~bp.checks._args.ActivationArg`: call it
    (``activation(Z)``) or look it up by name (``bp.get_activation(activation)``).
    """
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(N, n_in)), rng.normal(size=(n_out, n_in)),
             rng.normal(size=n_out), ActivationArg(name))
            for N, n_in, n_out, name in DENSE_CASES]


def dense_case_names() -> list[str]:
    """``"square W (3 -> 3), batch of 4, sigmoid"``, one per :data:`DENSE_CASES`."""
    return [f"{'square W' if n_in == n_out else 'W'} ({n_in} -> {n_out}), batch of {N}, "
            f"{name}" for N, n_in, n_out, name in DENSE_CASES]


def network_cases(seed: int = 0) -> list[tuple[Array, list[Array], list[Array], list]]:
    """Seeded ``(X, weights, biases, activations)`` tuples, one per :data:`NETWORK_CASES`."""
    rng = np.random.default_rng(seed)
    cases = []
    for N, sizes, names in NETWORK_CASES:
        weights = [rng.normal(size=(n_out, n_in)) for n_in, n_out in zip(sizes, sizes[1:])]
        biases = [rng.normal(size=W.shape[0]) for W in weights]
        cases.append((rng.normal(size=(N, sizes[0])), weights, biases,
                      [ActivationArg(name) for name in names]))
    return cases


def network_case_names() -> list[str]:
    """``"3-3-3, tanh/sigmoid, batch of 4"``, one per :data:`NETWORK_CASES`."""
    return [f"{'-'.join(map(str, sizes))}, {'/'.join(names)}, batch of {N}"
            + (" (square W)" if len(set(sizes)) == 1 else "")
            for N, sizes, names in NETWORK_CASES]


_name_of = activation_name


def _ref_dense(A_prev: Array, W: Array, b: Array, activation: Callable) -> Array:
    layer = Dense(W.shape[1], W.shape[0], _name_of(activation))
    layer.set_params(W, b)
    return layer.forward(A_prev)


def _ref_network(X: Array, weights: Sequence[Array], biases: Sequence[Array],
                 activations: Sequence[Callable]) -> Array:
    layers = []
    for W, b, f in zip(weights, biases, activations):
        layer = Dense(W.shape[1], W.shape[0], _name_of(f))
        layer.set_params(W, b)
        layers.append(layer)
    return Network(layers).forward(X)


def _f(activation):
    return get_activation(activation_name(activation)).f


#: Known wrong layers: (probable cause, the wrong computation).
DENSE_VARIANTS = [
    ("the transpose is missing: with a square W, A_prev @ W runs but is wrong; the "
     "layer is A_prev @ W.T + b", lambda A, W, b, f: _f(f)(A @ W + b)),
    ("the bias is ignored: Z = A_prev @ W.T + b", lambda A, W, b, f: _f(f)(A @ W.T)),
    ("the activation is not applied: A = f(Z)", lambda A, W, b, f: A @ W.T + b),
    ("the bias is added after the activation: A = f(A_prev @ W.T + b)",
     lambda A, W, b, f: _f(f)(A @ W.T) + b),
]


def _forward(X, weights, biases, acts, transpose=True, bias=True, order=1):
    A = X
    for W, b, f in list(zip(weights, biases, acts))[::order]:
        A = _f(f)(A @ (W.T if transpose else W) + (b if bias else 0))
    return A


NETWORK_VARIANTS = [
    ("the transpose is missing: A @ W.T + b, with W of shape (n_l, n_{l-1})",
     lambda X, Ws, bs, fs: _forward(X, Ws, bs, fs, transpose=False)),
    ("the biases are ignored", lambda X, Ws, bs, fs: _forward(X, Ws, bs, fs, bias=False)),
    ("the layers run in reverse order: start with weights[0]",
     lambda X, Ws, bs, fs: _forward(X, Ws, bs, fs, order=-1)),
    ("the activations are not applied",
     lambda X, Ws, bs, fs: _forward(X, Ws, bs, ["identity"] * len(Ws))),
]


@expects("dense_forward(A_prev, W, b, activation) -> A")
def check_dense_forward(fn: Callable[[Array, Array, Array, Callable], Array],
                        verbose: bool = True) -> CheckResult:
    r"""Check a reader's forward pass of one dense layer, :math:`A = f(A_{prev}W^\top + b)`.

    Parameters
    ----------
    fn : callable
        ``fn(A_prev, W, b, activation) -> A`` with ``A_prev`` of shape
        ``(batch, n_in)``, ``W`` of shape ``(n_out, n_in)``, ``b`` of shape
        ``(n_out,)``, ``activation`` an elementwise function such as
        ``bp.activations.tanh`` (it is also the activation's name, a ``str``: see
        :class:`~bp.checks._args.ActivationArg`); ``A`` has shape ``(batch, n_out)``.
    verbose : bool
        Print the outcome (and the first failing input).

    Returns
    -------
    CheckResult
        Truthy when every case agrees with :class:`bp.Dense`.
    """
    return compare("check_dense_forward", fn, _ref_dense, dense_cases(),
                   arg_names=["A_prev", "W", "b", "activation"], verbose=verbose,
                   case_names=dense_case_names(), outputs="A", variants=DENSE_VARIANTS,
                   scales=lambda A, W, b, f: {"N": A.shape[0]})


@expects("network_forward(X, weights, biases, activations) -> A")
def check_network_forward(fn: Callable[[Array, list, list, list], Array],
                          verbose: bool = True) -> CheckResult:
    r"""Check a reader's forward pass of a whole network, layer after layer.

    Parameters
    ----------
    fn : callable
        ``fn(X, weights, biases, activations) -> A_L`` where ``X`` has shape
        ``(batch, n_0)``, ``weights[l]`` has shape ``(n_{l+1}, n_l)``, ``biases[l]``
        has shape ``(n_{l+1},)``, ``activations[l]`` is an elementwise function
        (and its name, as in :func:`check_dense_forward`),
        and the result is the last layer's output, shape ``(batch, n_L)``.
    verbose : bool
        Print the outcome (and the first failing input).

    Returns
    -------
    CheckResult
        Truthy when every case agrees with :meth:`bp.Network.forward`.
    """
    return compare("check_network_forward", fn, _ref_network, network_cases(),
                   arg_names=["X", "weights", "biases", "activations"], verbose=verbose,
                   case_names=network_case_names(), outputs="A_L",
                   variants=NETWORK_VARIANTS,
                   scales=lambda X, Ws, bs, fs: {"N": X.shape[0]})
