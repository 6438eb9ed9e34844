r"""Activation functions, each with its value and its derivative as functions of ``z``.

An activation is applied element by element, :math:`a = f(z)`, except ``softmax``,
which maps a whole row to probabilities. Each is an :class:`Activation` in the
registry :data:`ACTIVATIONS`; look one up with :func:`get_activation`. GELU, SiLU and
ELU are defined in :mod:`bp.smooth_relus` and registered here.

During the backward pass an element-wise activation contributes the factor
:math:`f'(z)` of :math:`\delta = \frac{\partial ℒ}{\partial a} \odot f'(z)`. Softmax
has a full Jacobian :math:`J = \operatorname{diag}(s) - s s^\top` per example, so it
offers :meth:`Activation.vjp` (the vector-Jacobian product) instead.

All functions keep the dtype of their input (float32 stays float32).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validation import lookup

Array = np.ndarray


def identity(z: Array) -> Array:
    """:math:`f(z) = z`."""
    return np.array(z, copy=True)


def identity_prime(z: Array) -> Array:
    """:math:`f'(z) = 1`."""
    return np.ones_like(z)


def sigmoid(z: Array) -> Array:
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, computed without overflow.

    For :math:`z \ge 0` it evaluates :math:`1/(1+e^{-z})`, for :math:`z < 0` the equal
    :math:`e^{z}/(1+e^{z})`; both only ever exponentiate :math:`-|z|`, so ``z = -1000``
    gives 0 with no overflow warning.
    """
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_prime(z: Array) -> Array:
    r""":math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))`, at most 1/4 (at z = 0)."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z: Array) -> Array:
    r""":math:`\tanh z`."""
    return np.tanh(z)


def tanh_prime(z: Array) -> Array:
    r""":math:`\tanh'(z) = 1 - \tanh^2 z`."""
    t = np.tanh(z)
    return 1 - t * t


def relu(z: Array) -> Array:
    r""":math:`\operatorname{ReLU}(z) = \max(0, z)`."""
    z = np.asarray(z)
    # zeros as an array, not the scalar 0: NumPy's vectorized loop needs two arrays
    # (3x faster on a 128x256 float32 batch), and the result is the same
    return np.maximum(z, np.zeros(z.shape, z.dtype)).astype(z.dtype, copy=False)


def relu_prime(z: Array) -> Array:
    r""":math:`\operatorname{ReLU}'(z) = 1` for :math:`z > 0`, else 0.

    ReLU has no derivative at the kink :math:`z = 0`; like PyTorch we use 0 there
    (any value in [0, 1] is a valid subgradient).
    """
    z = np.asarray(z)
    return (z > 0).astype(z.dtype)


LEAKY_SLOPE = 0.01


def leaky_relu(z: Array) -> Array:
    r""":math:`f(z) = z` for :math:`z > 0`, else :math:`0.01\,z` (PyTorch's default slope)."""
    z = np.asarray(z)
    return np.where(z > 0, z, LEAKY_SLOPE * z).astype(z.dtype, copy=False)


def leaky_relu_prime(z: Array) -> Array:
    r""":math:`f'(z) = 1` for :math:`z > 0`, else 0.01.

    At the kink :math:`z = 0` the slope 0.01 is used, as in PyTorch.
    """
    z = np.asarray(z)
    return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)


def softplus(z: Array) -> Array:
    r""":math:`\operatorname{softplus}(z) = \log(1 + e^{z})`, computed stably.

    .. math:: \log(1 + e^{z}) = \max(z, 0) + \log(1 + e^{-|z|})

    so ``z = 1e4`` gives ``1e4`` with no overflow.
    """
    z = np.asarray(z)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def softplus_prime(z: Array) -> Array:
    r""":math:`\operatorname{softplus}'(z) = \sigma(z)`."""
    return sigmoid(z)


# GELU, SiLU and ELU live in their own module, which uses the sigmoid defined above
from .smooth_relus import (elu, elu_prime, gelu_tanh, gelu_tanh_prime,  # noqa: E402
                           silu, silu_prime)


def softmax(z: Array) -> Array:
    r"""Row-wise softmax :math:`s_i = e^{z_i} / \sum_j e^{z_j}`, shifted by the row maximum.

    Shifting by :math:`\max_j z_j` changes nothing mathematically and keeps every
    exponent :math:`\le 0`, so logits of :math:`\pm 10^4` give no overflow.
    """
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_jacobian(z: Array) -> Array:
    r"""The full Jacobian of softmax for every row, shape ``(batch, n, n)``.

    .. math:: \frac{\partial s_i}{\partial z_j} = s_i(\delta_{ij} - s_j),
              \qquad J = \operatorname{diag}(s) - s s^\top

    Its diagonal alone, :math:`s_i(1 - s_i)`, is *not* the derivative: a common mistake.
    """
    s = softmax(np.atleast_2d(z))
    return s[:, :, None] * np.eye(s.shape[1], dtype=s.dtype) - s[:, :, None] * s[:, None, :]


def softmax_vjp(z: Array | None, a: Array, g: Array) -> Array:
    r"""Vector-Jacobian product of softmax, row by row.

    :math:`J^\top g = s \odot (g - g \cdot s)` with :math:`s` = ``a``. Only the output
    is read: ``z`` is accepted for the common ``(z, a, g)`` signature and may be
    ``None``, so a layer need not keep its scores.
    """
    return a * (g - np.sum(g * a, axis=-1, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative.

    Attributes
    ----------
    name : str
    f : callable
        ``f(z) -> a``, same shape and dtype as ``z`` (shape ``(batch, n)``).
    df : callable or None
        ``df(z) -> f'(z)`` element by element; ``None`` for an activation that mixes
        a row, like softmax, whose derivative is a matrix per example.
    elementwise : bool
    jacobian : callable, optional
        For ``elementwise=False``: ``jacobian(z) -> (batch, n, n)`` with
        ``J[k, i, j] = da_i/dz_j`` of row ``k``.
    vjp_fn : callable, optional
        For ``elementwise=False``: ``vjp_fn(z, a, g) -> g @ J`` row by row, the
        vector-Jacobian product that backpropagation needs (no ``n x n`` matrix).
        A missing function raises ``TypeError`` at construction.
    """

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array] | None
    elementwise: bool = True
    jacobian: Callable[[Array], Array] | None = None
    vjp_fn: Callable[[Array, Array, Array], Array] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"an activation's name must be a str, got {type(self.name).__name__}")
        if not callable(self.f):
            raise TypeError(f"activation {self.name!r}: f must be callable")
        if self.elementwise and not callable(self.df):
            raise TypeError(f"activation {self.name!r} is element-wise, so df must be callable")
        if not self.elementwise and not (callable(self.jacobian) and callable(self.vjp_fn)):
            raise TypeError(f"activation {self.name!r} is not element-wise, so it needs "
                            "callable jacobian and vjp_fn")

    def __call__(self, z: Array) -> Array:
        return self.f(z)

    def derivative(self, z: Array) -> Array:
        """:math:`f'(z)`: element-wise, or the ``(batch, n, n)`` Jacobians (softmax)."""
        return self.df(z) if self.elementwise else self.jacobian(z)

    def vjp(self, z: Array, a: Array, g: Array) -> Array:
        r"""Given :math:`g = \partial ℒ/\partial a` (and ``a = f(z)``), return
        :math:`\partial ℒ/\partial z`: :math:`g \odot f'(z)` element-wise, else
        :math:`g J` per row."""
        return g * self.df(z) if self.elementwise else self.vjp_fn(z, a, g)


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", identity, identity_prime),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime),
    "tanh": Activation("tanh", tanh, tanh_prime),
    "relu": Activation("relu", relu, relu_prime),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_prime),
    "softplus": Activation("softplus", softplus, softplus_prime),
    "gelu_tanh": Activation("gelu_tanh", gelu_tanh, gelu_tanh_prime),
    "silu": Activation("silu", silu, silu_prime),
    "elu": Activation("elu", elu, elu_prime),
    "softmax": Activation("softmax", softmax, None, elementwise=False,
                          jacobian=softmax_jacobian, vjp_fn=softmax_vjp),
}


def get_activation(name: str | Activation) -> Activation:
    """Look up an activation by name (an :class:`Activation` is returned as is).

    Raises ``ValueError`` for an unknown name, ``TypeError`` for anything else.
    """
    if isinstance(name, Activation):
        return name
    return lookup(ACTIVATIONS, name, "activation")


def is_builtin(act: Activation) -> bool:
    """Whether ``act`` is the registry's own activation of that name (not a custom one)."""
    return ACTIVATIONS.get(act.name) is act
