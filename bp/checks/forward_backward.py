r"""Self-checks for the forward/backward and gradient-descent exercises.

The network of chapter *Forward and backward propagation* has two layers, a sigmoid
hidden layer and a sigmoid output, trained with the mean squared error (averaged
over every element, as PyTorch's ``nn.MSELoss``). In the batched row convention
(examples are rows, ``W`` of shape ``(n_out, n_in)``):

.. math::

   Z^1 = X W^{1\top} + b^1,\quad A^1 = \sigma(Z^1),\quad
   Z^2 = A^1 W^{2\top} + b^2,\quad A^2 = \sigma(Z^2),\quad
   L = \frac{1}{Nm}\sum (A^2 - Y)^2.

Each check compares the reader's function with :class:`bp.Network` on seeded
inputs of several sizes and returns a :class:`~bp.checks._core.CheckResult`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..layers import Dense
from ..network import Network
from ._core import CheckResult, compare

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
                   arg_names=["X", "W1", "b1", "W2", "b2"], verbose=verbose)


def check_backward_2layer(fn: Callable[..., tuple[Array, Array, Array, Array]],
                          verbose: bool = True) -> CheckResult:
    r"""Check a reader's gradients of the sigmoid-sigmoid network with mean MSE.

    The reference is :meth:`bp.Network.backward`:

    .. math::

       \delta^2 = \tfrac{2}{Nm}(A^2 - Y)\odot\sigma'(Z^2),\quad
       \delta^1 = (\delta^2 W^2)\odot\sigma'(Z^1),\quad
       \frac{\partial L}{\partial W^l} = \delta^{l\top} A^{l-1},\quad
       \frac{\partial L}{\partial b^l} = \textstyle\sum_n \delta^l_n.

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
                   arg_names=["X", "Y", "W1", "b1", "W2", "b2"], verbose=verbose)


def _ref_sgd_step(theta: Array, grad: Array, lr: float) -> Array:
    return theta - lr * grad


def check_sgd_step(fn: Callable[[Array, Array, float], Array],
                   verbose: bool = True) -> CheckResult:
    r"""Check one plain gradient-descent step :math:`\theta \leftarrow \theta - \alpha\nabla L`.

    Parameters
    ----------
    fn : callable
        ``fn(theta, grad, lr) -> new_theta``: returns the updated parameters (same
        shape as ``theta``); ``lr`` is a positive float.
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
                   arg_names=["theta", "grad", "lr"], verbose=verbose)


def _ref_gradient_descent(grad: Callable[[Array], Array], theta0: Array, lr: float,
                          steps: int) -> Array:
    path = [np.array(theta0, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - lr * grad(path[-1]))
    return np.stack(path)


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
        ``path[k+1] = path[k] - lr * grad(path[k])``.
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
    return compare("check_gradient_descent", fn, _ref_gradient_descent, cases,
                   arg_names=["grad", "theta0", "lr", "steps"], verbose=verbose)
