r"""Pooling and flattening: the parameter-free layers of a small CNN.

Max pooling keeps the largest value of each window; its backward pass *routes* each
upstream gradient to the one position that won (the first maximum, as PyTorch does on
ties), and gives every other position 0. Average pooling *spreads* it evenly:

.. math:: y = \max_{(i,j) \in w} x_{ij} \;\Rightarrow\;
          \frac{\partial \mathcal L}{\partial x_{ij}} = [\,(i,j) = \arg\max_w x\,]\,\bar y,
          \qquad
          y = \frac{1}{k_h k_w} \sum_{(i,j) \in w} x_{ij} \;\Rightarrow\;
          \frac{\partial \mathcal L}{\partial x_{ij}} = \frac{\bar y}{k_h k_w}.

(With overlapping windows, a pixel's gradient is the sum over the windows it is in.)
:class:`Flatten` reshapes ``(N, C, H, W)`` to ``(N, C H W)`` for a following Dense layer,
and its backward pass reshapes back.
"""
from __future__ import annotations

import numpy as np

from .base import Layer
from .convolution import out_size, pair, scatter, windows


class _Pool2D(Layer):
    """Shared by the pools: windows of ``kernel_size`` every ``stride`` (default: the
    kernel), no padding, on NCHW input."""

    kind = "Pool2D"

    def __init__(self, kernel_size, stride=None, name: str | None = None) -> None:
        self.auto_named = name is None
        where = name or self.kind
        self.kernel_size = pair(kernel_size, "kernel_size", where)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", where)
        self.name = name or f"{self.kind}({self.kernel_size[0]}x{self.kernel_size[1]})"
        self.X_shape = None

    def config(self) -> dict:
        """The constructor's arguments, for :func:`bp.save`."""
        return {"kernel_size": list(self.kernel_size), "stride": list(self.stride)}

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        ho, wo = out_size(self.name, input_shape, self.kernel_size, self.stride, (0, 0))
        return (input_shape[0], ho, wo)

    def _windows(self, X) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 4:
            raise ValueError(f"{self.name} expects NCHW input of shape (N, C, H, W), got "
                             f"shape {X.shape}")
        self.output_shape(X.shape[1:])
        self.X_shape = X.shape
        return windows(X, self.kernel_size, self.stride)      # (N, C, Ho, Wo, kh, kw)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride})"


class MaxPool2D(_Pool2D):
    """The largest value of each window: (N, C, H, W) -> (N, C, H_o, W_o).

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int) or None
        Default: ``kernel_size`` (non-overlapping windows), as ``nn.MaxPool2d``.
    """

    kind = "MaxPool2D"

    def forward(self, X: np.ndarray) -> np.ndarray:
        self._windows(X)                                        # checks X, keeps its shape
        X = np.asarray(X)
        offsets = self._offsets()                               # in row-major order
        out = X[offsets[0]].copy()                              # (N, C, Ho, Wo)
        self.argmax = np.zeros(out.shape, dtype=np.min_scalar_type(len(offsets)))
        for o, sl in enumerate(offsets[1:], start=1):
            later = X[sl] > out                  # strictly larger: ties keep the first
            np.maximum(out, X[sl], out=out)
            np.copyto(self.argmax, o, where=later)
        return out

    def _offsets(self) -> list[tuple]:
        """One strided slice of the input per kernel offset (i, j), row-major: slice
        ``o`` holds entry ``o`` of every window."""
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        _, _, h, w = self.X_shape
        ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
        return [(slice(None), slice(None), slice(i, i + sh * ho, sh), slice(j, j + sw * wo, sw))
                for i in range(kh) for j in range(kw)]

    def backward(self, grad_out: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """Route each ``grad_out`` entry to its window's (first) maximum."""
        if not input_grad:
            return None
        dX = np.zeros(self.X_shape, dtype=grad_out.dtype)
        overlap = any(s < k for s, k in zip(self.stride, self.kernel_size))
        for o, sl in enumerate(self._offsets()):       # a loop over kernel offsets
            if overlap:                                # a pixel in several windows
                dX[sl] += grad_out * (self.argmax == o)
            else:                                      # each pixel in one window
                np.multiply(grad_out, self.argmax == o, out=dX[sl])
        return dX


class AvgPool2D(_Pool2D):
    """The mean of each window: (N, C, H, W) -> (N, C, H_o, W_o).

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int) or None
        Default: ``kernel_size``, as ``nn.AvgPool2d``.
    """

    kind = "AvgPool2D"

    def forward(self, X: np.ndarray) -> np.ndarray:
        return self._windows(X).mean(axis=(-2, -1))

    def backward(self, grad_out: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """Spread each ``grad_out`` entry evenly over its window."""
        if not input_grad:
            return None
        kh, kw = self.kernel_size
        share = np.broadcast_to((grad_out / (kh * kw))[..., None, None],
                                (*grad_out.shape, kh, kw))
        return scatter(share, self.X_shape, self.stride)


class Flatten(Layer):
    """(N, d_1, ..., d_k) -> (N, d_1 ... d_k), rows in C order (as ``nn.Flatten``)."""

    def __init__(self, name: str | None = None) -> None:
        self.auto_named = name is None
        self.name = name or "Flatten"
        self.X_shape = None

    def config(self) -> dict:
        """No arguments (for :func:`bp.save`)."""
        return {}

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(np.prod(input_shape)),)

    def forward(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim < 2:
            raise ValueError(f"{self.name} expects a batch (N, ...), got shape {X.shape}")
        self.X_shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, grad_out: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """Reshape ``grad_out`` (N, features) back to the input's shape."""
        return grad_out.reshape(self.X_shape) if input_grad else None
