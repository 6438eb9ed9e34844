r"""Self-checks for the forward/backward and gradient-descent exercises.

The network of chapter *Forward and backward propagation* has two layers, a sigmoid
hidden layer and a sigmoid output, trained with the mean squared error (averaged
over every element, as PyTorch's ``nn.MSELoss``). In the batched row convention
(examples are rows, ``W`` of shape ``(n_out, n_in)``):

.. math::

   Z^1 = X W^{1\top} + b^1,\quad A^1 = \sigma(Z^1),\quad
   Z^2 = A^1 W^{2\top} + b^2,\quad A^2 = \sigma(Z^2),\quad
   ℒ = \frac{1}{N n_L}\sum (A^2 - Y)^2.

Each check compares the reader's function with :class:`bp.Network` on seeded
inputs of several sizes and returns a :class:`~bp.checks._core.CheckResult`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..layers import Dense
from ..network import Network
from ._core import CheckResult, compare
from ._signatures import expects

Array = np.ndarray

#: Layer sizes ``(n_in, n_hidden, n_out, batch)`` tried by the two-layer checks.
SIZES = [(2, 2, 2, 1), (2, 2, 2, 4), (3, 4, 2, 5), (4, 3, 1, 3)]


def _network(W1: Array, b1: Array, W2: Array, b2: Array) -> Network:
    net = Network([Dense(W1.shape[1], W1.shape[0], "sigmoid"),
                   Dense(W2.shape[1], W2.shape[0], "sigmoid")], loss="mse")
    net.layers[0].set_params(W1, b1)
    net.layers[1].set_params(W2, b2)
    return net


def two_layer_cases(seed: int = 0) -> list[tuple[Array, ...]]:
    """Seeded ``(X, Y, W1, b1, W2, b2)`` tuples, one per entry of :data:`SIZES`."""
    rng = np.random.default_rng(seed)
    cases = []
    for n_in, n_h, n_out, N in SIZES:
        cases.append((rng.normal(size=(N, n_in)), rng.uniform(size=(N, n_out)),
                      rng.normal(size=(n_h, n_in)), rng.normal(size=n_h),
                      rng.normal(size=(n_out, n_h)), rng.normal(size=n_out)))
    return cases


def _names() -> list[str]:
    return [f"{n_in}-{n_h}-{n_out}{' (square W)' if n_in == n_h == n_out else ''}, "
            f"batch of {N}" for n_in, n_h, n_out, N in SIZES]


def _sig(Z):
    return 1 / (1 + np.exp(-Z))


def _manual(X, Y, W1, b1, W2, b2, transpose=True, bias=True, df=True, scale=1.0,
            mean_again=False):
    """The two-layer network computed with one classic slip switched on."""
    T = (lambda W: W.T) if transpose else (lambda W: W)
    Z1 = X @ T(W1) + (b1 if bias else 0)
    A1 = _sig(Z1)
    Z2 = A1 @ T(W2) + (b2 if bias else 0)
    A2 = _sig(Z2)
    if Y is None:
        return Z1, A1, Z2, A2
    d2 = scale * 2 / Y.size * (A2 - Y) * (A2 * (1 - A2) if df else 1)
    d1 = (d2 @ W2) * (A1 * (1 - A1) if df else 1)
    k = 1 / X.shape[0] if mean_again else 1
    return k * d1.T @ X, k * d1.sum(axis=0), k * d2.T @ A1, k * d2.sum(axis=0)


FORWARD_VARIANTS = [
    ("the transpose is missing (with square W it runs): Z = X @ W.T + b",
     lambda X, W1, b1, W2, b2: _manual(X, None, W1, b1, W2, b2, transpose=False)),
    ("the biases are ignored",
     lambda X, W1, b1, W2, b2: _manual(X, None, W1, b1, W2, b2, bias=False)),
]

BACKWARD_VARIANTS = [
    ("the factor f'(Z) = σ(Z)(1 − σ(Z)) is dropped: δ = ∂ℒ/∂Z, not ∂ℒ/∂A",
     lambda *a: _manual(*a, df=False)),
    ("the mean's 1/(N·n_L) is missing (the sum of squares, not the mean)",
     lambda X, Y, *a: _manual(X, Y, *a, scale=Y.size)),
    ("the mean's factor 2 is missing: ∂/∂A (A − Y)² = 2(A − Y)",
     lambda *a: _manual(*a, scale=0.5)),
    ("the gradients are divided by N again: δ already holds the mean's 1/(N·n_L)",
     lambda *a: _manual(*a, mean_again=True)),
    ("the sign is flipped: δ² ∝ (A² − Y), not (Y − A²)", lambda *a: _manual(*a, scale=-1)),
]


def _ref_forward(X, W1, b1, W2, b2):
    net = _network(W1, b1, W2, b2)
    net.forward(X)
    h, o = net.layers
    return h.Z, h.A, o.Z, o.A


def _ref_backward(X, Y, W1, b1, W2, b2):
    net = _network(W1, b1, W2, b2)
    net.forward(X)
    net.backward(Y)
    h, o = net.layers
    return h.dW, h.db, o.dW, o.db


@expects("forward(X, W1, b1, W2, b2) -> (Z1, A1, Z2, A2)")
def check_forward_pass(fn: Callable[..., tuple[Array, Array, Array, Array]],
                       verbose: bool = True) -> CheckResult:
    r"""Check a reader's forward pass of the sigmoid-sigmoid two-layer network.

    Parameters
    ----------
    fn : callable
        ``fn(X, W1, b1, W2, b2) -> (Z1, A1, Z2, A2)`` with ``X`` of shape
        ``(N, n_in)``, ``W1`` ``(n_h, n_in)``, ``b1`` ``(n_h,)``, ``W2`` ``(n_out, n_h)``,
        ``b2`` ``(n_out,)``; ``Z1, A1`` have shape ``(N, n_h)`` and ``Z2, A2``
        ``(N, n_out)``.
    verbose : bool

    Returns
    -------
    CheckResult
    """
    cases = [(X, W1, b1, W2, b2) for X, _, W1, b1, W2, b2 in two_layer_cases()]
    return compare("check_forward_pass", fn, _ref_forward, cases,
                   arg_names=["X", "W1", "b1", "W2", "b2"], verbose=verbose,
                   case_names=_names(), outputs=["Z1", "A1", "Z2", "A2"],
                   variants=FORWARD_VARIANTS, scales=lambda X, *a: {"N": X.shape[0]})


class _Gradients:
    """``dW1, db1, dW2, db2`` by name, reported from the output layer down."""

    names = ("dW1", "db1", "dW2", "db2")

    def __call__(self, path):
        return self.names[path[0]] if path else "output"

    @staticmethod
    def order(path):
        return (-(path[0] // 2), path[0] % 2) if path else (0,)


@expects("backward(X, Y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)")
def check_backward_2layer(fn: Callable[..., tuple[Array, Array, Array, Array]],
                          verbose: bool = True) -> CheckResult:
    r"""Check a reader's gradients of the sigmoid-sigmoid network with mean MSE.

    The reference is :meth:`bp.Network.backward`:

    .. math::

       \delta^2 = \tfrac{2}{N n_L}(A^2 - Y)\odot\sigma'(Z^2),\quad
       \delta^1 = (\delta^2 W^2)\odot\sigma'(Z^1),\quad
       \frac{\partial ℒ}{\partial W^l} = \delta^{l\top} A^{l-1},\quad
       \frac{\partial ℒ}{\partial b^l} = \textstyle\sum_n \delta^l_n.

    Parameters
    ----------
    fn : callable
        ``fn(X, Y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)``, each shaped like the
        parameter it belongs to.
    verbose : bool

    Returns
    -------
    CheckResult
    """
    return compare("check_backward_2layer", fn, _ref_backward, two_layer_cases(),
                   arg_names=["X", "Y", "W1", "b1", "W2", "b2"], verbose=verbose,
                   case_names=_names(), outputs=_Gradients(),
                   variants=BACKWARD_VARIANTS,
                   scales=lambda X, Y, *a: {"N": X.shape[0], "n_L": Y.shape[1]})


def _ref_sgd_step(theta: Array, grad: Array, lr: float) -> Array:
    return theta - lr * grad


SGD_VARIANTS = [
    ("the step goes uphill: θ − α∇ℒ, not θ + α∇ℒ", lambda t, g, lr: t + lr * g),
    ("the learning rate is ignored: θ − α∇ℒ", lambda t, g, lr: t - g),
    ("you returned the step −α∇ℒ, not the new parameters θ − α∇ℒ",
     lambda t, g, lr: -lr * g),
    ("you returned θ unchanged", lambda t, g, lr: t),
]


@expects("sgd_step(theta, grad, lr) -> new_theta")
def check_sgd_step(fn: Callable[[Array, Array, float], Array],
                   verbose: bool = True) -> CheckResult:
    r"""Check one plain gradient-descent step :math:`\theta \leftarrow \theta - \alpha\nabla L`.

    Parameters
    ----------
    fn : callable
        ``fn(theta, grad, lr) -> new_theta``: returns the updated parameters (same
        shape as ``theta``) as a *new* array; ``lr`` is a positive float. Changing
        ``theta`` in place (``theta -= lr * grad``) fails.
    verbose : bool

    Returns
    -------
    CheckResult
    """
    rng = np.random.default_rng(0)
    cases = [(rng.normal(size=3), rng.normal(size=3), 0.1),
             (rng.normal(size=(2, 2)), rng.normal(size=(2, 2)), 0.5),
             (rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 1e-3)]
    return compare("check_sgd_step", fn, _ref_sgd_step, cases,
                   arg_names=["theta", "grad", "lr"], verbose=verbose,
                   case_names=["vector of 3, lr 0.1", "square 2x2, lr 0.5",
                               "3x4, lr 0.001"], outputs="new_theta",
                   variants=SGD_VARIANTS, scales=lambda t, g, lr: {"lr": lr},
                   rule="return a new array; do not change theta in place")


def _ref_gradient_descent(grad: Callable[[Array], Array], theta0: Array, lr: float,
                          steps: int) -> Array:
    path = [np.array(theta0, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - lr * grad(path[-1]))
    return np.stack(path)


@expects("gradient_descent(grad, theta0, lr, steps) -> path")
def check_gradient_descent(fn: Callable[[Callable[[Array], Array], Array, float, int], Array],
                           verbose: bool = True) -> CheckResult:
    r"""Check a full-batch gradient-descent loop that records its trajectory.

    The cases minimise quadratics :math:`L(\theta) = \tfrac12\theta^\top A\theta -
    c^\top\theta` (gradient :math:`A\theta - c`) from several starts and rates.

    Parameters
    ----------
    fn : callable
        ``fn(grad, theta0, lr, steps) -> path`` where ``grad(theta)`` returns the
        gradient, ``theta0`` has shape ``(d,)`` and ``path`` has shape
        ``(steps + 1, d)`` with ``path[0] == theta0`` and
        ``path[k+1] = path[k] - lr * grad(path[k])``. ``theta0`` must not be changed
        in place.
    verbose : bool

    Returns
    -------
    CheckResult
    """
    A1, c1 = np.array([[3.0, 0.0], [0.0, 0.5]]), np.zeros(2)
    A2, c2 = np.array([[2.0, 0.8], [0.8, 1.0]]), np.array([1.0, -1.0])
    cases = [(lambda t: A1 @ t - c1, np.array([1.0, 1.0]), 0.1, 5),
             (lambda t: A2 @ t - c2, np.array([-2.0, 0.5]), 0.3, 10),
             (lambda t: A1 @ t - c1, np.array([0.5, -1.0]), 0.7, 4)]
    variants = [
        ("the path misses its start: path[0] must be theta0 (steps + 1 rows)",
         lambda g, t, lr, k: _ref_gradient_descent(g, t, lr, k)[1:]),
        ("the steps go uphill: θ − α∇ℒ, not θ + α∇ℒ",
         lambda g, t, lr, k: _ref_gradient_descent(g, t, -lr, k)),
        ("one step too many: steps + 1 rows, the start included",
         lambda g, t, lr, k: _ref_gradient_descent(g, t, lr, k + 1)),
    ]
    return compare("check_gradient_descent", fn, _ref_gradient_descent, cases,
                   arg_names=["grad", "theta0", "lr", "steps"], verbose=verbose,
                   case_names=["stretched bowl, lr 0.1, 5 steps",
                               "tilted bowl, lr 0.3, 10 steps",
                               "stretched bowl, lr 0.7 (overshoots), 4 steps"],
                   outputs="path", variants=variants,
                   scales=lambda g, t, lr, k: {"lr": lr},
                   rule="return a new array; do not change theta0 in place")
