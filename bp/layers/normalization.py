r"""Normalization layers: batch norm and layer norm, each with its compact backward.

Both standardize :math:`x` over a set of :math:`m` entries and then scale and shift it,

.. math:: \mu = \frac1m \sum x, \quad \sigma^2 = \frac1m \sum (x - \mu)^2, \quad
          \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \quad
          y = \gamma \hat x + \beta .

Batch norm takes the :math:`m` entries of one feature (or channel) across the batch
(and the image); layer norm the :math:`m` features of one example. Every :math:`\hat x`
depends on every :math:`x` of its set through :math:`\mu` and :math:`\sigma`, and
collecting those paths gives, with :math:`\hat g = \gamma \bar y` and sums over the set,

.. math:: \bar x = \frac{1}{m \sqrt{\sigma^2 + \epsilon}} \Big( m \hat g - \sum \hat g
          - \hat x \sum \hat g \hat x \Big), \qquad
          \bar\gamma = \sum \bar y\, \hat x, \qquad \bar\beta = \sum \bar y ,

where :math:`\bar\gamma, \bar\beta` sum over every axis but the feature axis.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_dtype, check_positive_int
from ._arrays import as_batch, as_grad, check_real
from .base import Layer


def standardize(x: np.ndarray, axes: tuple[int, ...], eps: float):
    """``x_hat`` and ``1/sqrt(var + eps)`` (kept dims) over ``axes``, and the batch
    mean and biased variance."""
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    return (x - mu) * inv_std, inv_std, mu, var


def standardize_backward(gh: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray,
                         axes: tuple[int, ...]) -> np.ndarray:
    r""":math:`\bar x` from :math:`\hat g = \gamma \bar y`: the compact formula."""
    m = x_hat.size // inv_std.size
    return (inv_std / m) * (m * gh - gh.sum(axis=axes, keepdims=True)
                            - x_hat * (gh * x_hat).sum(axis=axes, keepdims=True))


class _Norm(Layer):
    """Shared parameters and bookkeeping of the two normalization layers."""

    def __init__(self, n_features: int, eps: float, dtype: Any, name: str | None) -> None:
        self.n_features = check_positive_int(n_features, "n_features")
        self.name = name or f"{type(self).__name__}({self.n_features})"
        self.eps = check_real(eps, "eps", 0.0, np.inf, self.name)
        if self.eps == 0:
            raise ValueError(f"{self.name}: eps must be > 0, got 0 (a constant feature "
                             "would divide by zero)")
        self.dtype = check_dtype(dtype)
        self.gamma = np.ones(self.n_features, dtype=self.dtype)
        self.beta = np.zeros(self.n_features, dtype=self.dtype)
        self.dgamma: np.ndarray | None = None
        self.dbeta: np.ndarray | None = None
        self._cache: tuple | None = None

    def params(self) -> dict[str, np.ndarray]:
        return {"gamma": self.gamma, "beta": self.beta}

    def grads(self) -> dict[str, np.ndarray | None]:
        return {"gamma": self.dgamma, "beta": self.dbeta}

    def _affine(self, x_hat: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return self.gamma.reshape(shape) * x_hat + self.beta.reshape(shape)

    def _backward_common(self, grad_out: Any):
        if self._cache is None:
            raise RuntimeError(f"{self.name}: call forward before backward")
        x_hat, inv_std, axes, shape, feature_axis, batch_stats = self._cache
        g = as_grad(grad_out, x_hat.shape, self.name, self.dtype)
        others = tuple(i for i in range(g.ndim) if i != feature_axis)
        self.dbeta = g.sum(axis=others)
        self.dgamma = (g * x_hat).sum(axis=others)
        gh = g * self.gamma.reshape(shape)
        if batch_stats:
            return standardize_backward(gh, x_hat, inv_std, axes)
        return gh * inv_std                 # eval: fixed statistics, an affine map

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.n_features}, eps={self.eps:g}, "
                f"dtype={self.dtype.name})")


class BatchNorm(_Norm):
    r"""Batch normalization (Ioffe and Szegedy), statistics per feature or channel.

    Parameters
    ----------
    n_features : int
        ``F`` for input (N, F), or ``C`` for images (N, C, H, W).
    eps : float
        Added to the variance, as PyTorch's ``nn.BatchNorm1d`` / ``nn.BatchNorm2d``.
    momentum : float in [0, 1]
        Running statistics follow PyTorch:
        :math:`r \leftarrow (1 - \text{momentum})\, r + \text{momentum}\, s`, with the
        *unbiased* batch variance :math:`\sigma^2 m/(m-1)` for ``running_var``.
    dtype : float32 or float64
    name : str, optional

    Attributes
    ----------
    gamma, beta : ndarray, shape (F,)
        Scale (ones) and shift (zeros); gradients ``dgamma``, ``dbeta``.
    running_mean, running_var : ndarray, shape (F,)
        Zeros and ones at first; used instead of the batch's statistics after
        :meth:`eval`.
    """

    def __init__(self, n_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 dtype: Any = np.float64, name: str | None = None) -> None:
        super().__init__(n_features, eps, dtype, name)
        self.momentum = check_real(momentum, "momentum", 0.0, 1.0, self.name)
        self.running_mean = np.zeros(self.n_features, dtype=self.dtype)
        self.running_var = np.ones(self.n_features, dtype=self.dtype)

    def config(self) -> dict:
        """The constructor's arguments, for :func:`bp.save`."""
        return {"n_features": self.n_features, "eps": self.eps, "momentum": self.momentum}

    def buffers(self) -> dict[str, np.ndarray]:
        """The running statistics (state that is saved but not trained)."""
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Normalize ``x`` (N, F) or (N, F, H, W) per feature; same shape out."""
        F = self.n_features
        x = as_batch(x, self.name, self.dtype, (2, 4), f"(N, {F}) or (N, {F}, H, W)")
        if x.shape[1] != F:
            raise ValueError(f"{self.name}: expected {F} features on axis 1, got shape "
                             f"{x.shape}")
        axes = (0,) if x.ndim == 2 else (0, 2, 3)
        shape = (1, F) + (1,) * (x.ndim - 2)
        m = x.size // F
        if self.training:
            if m < 2:
                raise ValueError(f"{self.name}: training needs more than 1 value per "
                                 f"feature for a variance, got input shape {x.shape}; use "
                                 "a larger batch, or eval() for the running statistics")
            x_hat, inv_std, mu, var = standardize(x, axes, self.eps)
            r = self.momentum
            self.running_mean[...] = (1 - r) * self.running_mean + r * mu.reshape(F)
            self.running_var[...] = (1 - r) * self.running_var + r * var.reshape(F) * (
                m / (m - 1))
        else:
            inv_std = 1.0 / np.sqrt(self.running_var.reshape(shape) + self.eps)
            x_hat = (x - self.running_mean.reshape(shape)) * inv_std
        self._cache = (x_hat, inv_std, axes, shape, 1, self.training)
        return self._affine(x_hat, shape)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """:math:`\\bar x` by the compact formula (fixed statistics after :meth:`eval`)."""
        return self._backward_common(grad_out)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        if len(shape) not in (1, 3) or shape[0] != self.n_features:
            F = self.n_features
            raise ValueError(f"{self.name}: an example must have shape ({F},) or "
                             f"({F}, H, W), got {shape}")
        return shape


class LayerNorm(_Norm):
    r"""Layer normalization (Ba, Kiros and Hinton) over the last axis of each example,
    as PyTorch's ``nn.LayerNorm(n_features)``; the same in training and evaluation.

    Parameters
    ----------
    n_features : int
        The size of the last axis of the input (N, ..., F).
    eps : float
    dtype : float32 or float64
    name : str, optional
    """

    def __init__(self, n_features: int, eps: float = 1e-5, dtype: Any = np.float64,
                 name: str | None = None) -> None:
        super().__init__(n_features, eps, dtype, name)

    def config(self) -> dict:
        """The constructor's arguments, for :func:`bp.save`."""
        return {"n_features": self.n_features, "eps": self.eps}

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Normalize every row of ``x`` (N, ..., F) over its F features."""
        F = self.n_features
        x = as_batch(x, self.name, self.dtype, None, f"(N, ..., {F})")
        if x.ndim < 2 or x.shape[-1] != F:
            raise ValueError(f"{self.name}: input must have shape (N, ..., {F}), got "
                             f"shape {x.shape}")
        axes = (x.ndim - 1,)
        x_hat, inv_std, _, _ = standardize(x, axes, self.eps)
        shape = (1,) * (x.ndim - 1) + (F,)
        self._cache = (x_hat, inv_std, axes, shape, x.ndim - 1, True)
        return self._affine(x_hat, shape)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """:math:`\\bar x` by the compact formula over each example's features."""
        return self._backward_common(grad_out)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        if not shape or shape[-1] != self.n_features:
            raise ValueError(f"{self.name}: an example must have shape (..., "
                             f"{self.n_features}), got {shape}")
        return shape
