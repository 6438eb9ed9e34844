r"""The smooth relatives of ReLU: GELU (tanh approximation), SiLU and ELU.

Each is close to :math:`z` for large positive :math:`z` and tends to a small constant
for large negative :math:`z`, like ReLU, but without ReLU's zero slope everywhere on the
left: their derivatives are non-zero for negative :math:`z` (ELU's tends to 0 as
:math:`z \to -\infty`). :mod:`bp.activations` registers them as ``"gelu_tanh"``,
``"silu"`` and ``"elu"``, with the formulas PyTorch uses: ``F.gelu`` with
``approximate="tanh"``, ``F.silu``, and ``F.elu`` at its default ``alpha=1.0`` (the
scale of ELU's left piece, fixed at 1 here; the book writes ELU without it, so that the
symbol :math:`\alpha` keeps its one meaning, the learning rate).
"""
from __future__ import annotations

import math

import numpy as np

from .activations import sigmoid   # defined before bp.activations imports this module

Array = np.ndarray


_GELU_C = math.sqrt(2 / math.pi)
_GELU_K = 0.044715


def gelu_tanh(z: Array) -> Array:
    r"""GELU, tanh approximation (PyTorch's ``approximate="tanh"``).

    .. math:: f(z) = \tfrac12 z \left(1 + \tanh\!\big(c\,(z + 0.044715 z^3)\big)\right),
              \quad c = \sqrt{2/\pi}
    """
    z = np.asarray(z)
    return 0.5 * z * (1 + np.tanh(_GELU_C * (z + _GELU_K * z ** 3)))


def gelu_tanh_prime(z: Array) -> Array:
    r"""Derivative of :func:`gelu_tanh`.

    .. math:: f'(z) = \tfrac12 (1 + t) + \tfrac12 z (1 - t^2)\, c\,(1 + 3 \cdot 0.044715 z^2),
              \quad t = \tanh\!\big(c\,(z + 0.044715 z^3)\big)
    """
    z = np.asarray(z)
    t = np.tanh(_GELU_C * (z + _GELU_K * z ** 3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * _GELU_C * (1 + 3 * _GELU_K * z * z)


def silu(z: Array) -> Array:
    r"""SiLU, also called swish: :math:`f(z) = z\,\sigma(z)` (PyTorch's ``F.silu``)."""
    z = np.asarray(z)
    return z * sigmoid(z)


def silu_prime(z: Array) -> Array:
    r"""Derivative of :func:`silu`.

    .. math:: f'(z) = \sigma(z) + z\,\sigma(z)(1 - \sigma(z))
              = \sigma(z)\,\bigl(1 + z\,(1 - \sigma(z))\bigr)
    """
    z = np.asarray(z)
    s = sigmoid(z)
    return s * (1 + z * (1 - s))


#: The scale of ELU's left piece, PyTorch's ``F.elu(z, alpha=1.0)``; fixed at 1.
ELU_ALPHA = 1.0


def elu(z: Array) -> Array:
    r"""ELU, with its left piece unscaled (PyTorch's default ``alpha=1.0``).

    .. math:: f(z) = \begin{cases} z & z > 0 \\ e^{z} - 1 & z \le 0 \end{cases}

    ``expm1`` of :math:`\min(z, 0)` is accurate near 0 and never overflows.
    """
    z = np.asarray(z)
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0))).astype(z.dtype)


def elu_prime(z: Array) -> Array:
    r"""Derivative of :func:`elu`.

    .. math:: f'(z) = \begin{cases} 1 & z > 0 \\ e^{z} & z \le 0 \end{cases}

    Both one-sided derivatives are 1 at :math:`z = 0`, so :math:`f'` has no jump there
    (ELU has no kink; its second derivative does jump, from 1 to 0); ``elu_prime(0)``
    is 1, as in PyTorch.
    """
    z = np.asarray(z)
    return np.where(z > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(z, 0))).astype(z.dtype)
