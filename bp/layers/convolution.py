r"""The 2-D convolution on NCHW batches, forward and backward as matrix products.

A convolution is a dense layer with shared, sparse weights. ``im2col`` copies every
receptive field of the (padded) input into a column: for example :math:`n`,
:math:`X^{(n)}_{col}` has shape :math:`(C k_h k_w, H_o W_o)`, and with :math:`W_{mat}`
the kernel ``W`` (out, C, kh, kw) as an (out, C k_h k_w) matrix,

.. math:: Z^{(n)} = W_{mat} X^{(n)}_{col} + b\,\mathbf{1}^\top, \qquad A = f(Z).

The backward pass is Dense's, applied to the columns (BP3 summed over every position
and example, BP4 too), and ``col2im`` adds each column's gradient back into the pixels
it came from (one strided addition per kernel offset, never a loop over pixels):

.. math:: \delta = \bar A \odot f'(Z), \qquad
          \frac{\partial \mathcal L}{\partial W_{mat}} = \sum_n \delta^{(n)}
          X^{(n)\top}_{col}, \qquad
          \frac{\partial \mathcal L}{\partial b} = \textstyle\sum \delta, \qquad
          \frac{\partial \mathcal L}{\partial X^{(n)}_{col}} = W_{mat}^\top \delta^{(n)}.

Shapes and weights as PyTorch's ``nn.Conv2d`` (which, like every deep-learning
library, computes a cross-correlation): ``W`` (out, in, kh, kw), ``b`` (out,).
"""
from __future__ import annotations

import numpy as np

from .._validation import check_dtype, check_positive_int
from ..activations import Activation, get_activation
from ..init import as_generator, resolve
from .base import Layer


def pair(value, name: str, where: str, minimum: int = 1) -> tuple[int, int]:
    """``value`` (an int or a pair of ints) as ``(rows, cols)``, each ``>= minimum``."""
    vals = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(vals) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 for v in vals):
        raise TypeError(f"{where}: {name} must be an int or a pair of ints, got {value!r}")
    if min(vals) < minimum:
        raise ValueError(f"{where}: {name} must be >= {minimum}, got {value!r}")
    return int(vals[0]), int(vals[1])


def out_size(where: str, shape: tuple, kernel: tuple, stride: tuple, pad: tuple,
             channels: int | None = None) -> tuple[int, int]:
    """``(H_o, W_o) = ((H + 2p - k) // s + 1, ...)`` for a per-example shape (C, H, W),
    or ``ValueError`` naming the layer and the shapes."""
    shape = tuple(shape)
    if len(shape) != 3:
        raise ValueError(f"{where} expects NCHW input, one example of shape (C, H, W), "
                         f"got per-example shape {shape}")
    if channels is not None and shape[0] != channels:
        raise ValueError(f"{where} expects {channels} input channels, got per-example "
                         f"shape {shape}")
    padded = (shape[1] + 2 * pad[0], shape[2] + 2 * pad[1])
    if padded[0] < kernel[0] or padded[1] < kernel[1]:
        raise ValueError(f"{where}: kernel {kernel} is larger than the padded input "
                         f"{padded} (per-example shape {shape}, padding {pad})")
    return ((padded[0] - kernel[0]) // stride[0] + 1, (padded[1] - kernel[1]) // stride[1] + 1)


def windows(x: np.ndarray, kernel: tuple, stride: tuple) -> np.ndarray:
    """A read-only view ``(N, C, H_o, W_o, kh, kw)``: every receptive field of
    ``x``."""
    view = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(2, 3))
    return view[:, :, ::stride[0], ::stride[1]]


def scatter(cols: np.ndarray, shape: tuple, stride: tuple) -> np.ndarray:
    """col2im: add ``cols`` (N, C, H_o, W_o, kh, kw) into a zero array of ``shape``
    (N, C, H, W) at the pixels each window read; one strided ``+=`` per kernel
    offset."""
    out = np.zeros(shape, dtype=cols.dtype)
    _, _, ho, wo, kh, kw = cols.shape
    for i in range(kh):
        for j in range(kw):
            out[:, :, i:i + stride[0] * ho:stride[0], j:j + stride[1] * wo:stride[1]] \
                += cols[:, :, :, :, i, j]
    return out


class Conv2D(Layer):
    """``A = f(conv2d(X, W) + b)`` on NCHW input, PyTorch's ``nn.Conv2d`` with an activation.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride : int or (int, int)
    padding : int or (int, int)
        Zeros added on each side (``>= 0``).
    activation : str
        An element-wise activation from :data:`bp.activations.ACTIVATIONS`.
    init : str
        From :data:`bp.init.INITIALIZERS` or ``"auto"``, with fan-in ``C kh kw``.
    rng : Generator or int or None
    dtype : float32 or float64
    name : str, optional

    Attributes
    ----------
    W : ndarray, shape (out_channels, in_channels, kh, kw)
    b : ndarray, shape (out_channels,)
    dW, db, delta : ndarray or None
        Filled by :meth:`backward` (``delta`` = dL/dZ, shape (N, out, H_o, W_o)).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1,
                 padding=0, activation: str = "identity", init: str = "auto",
                 rng: np.random.Generator | int | None = None, dtype=np.float64,
                 name: str | None = None) -> None:
        self.in_channels = check_positive_int(in_channels, "in_channels")
        self.out_channels = check_positive_int(out_channels, "out_channels")
        self.auto_named = name is None
        where = name or f"Conv2D({in_channels}->{out_channels})"
        self.kernel_size = pair(kernel_size, "kernel_size", where)
        self.stride = pair(stride, "stride", where)
        self.padding = pair(padding, "padding", where, minimum=0)
        self.name = name or (f"Conv2D({in_channels}->{out_channels}, "
                             f"{self.kernel_size[0]}x{self.kernel_size[1]})")
        self.activation: Activation = get_activation(activation)
        if not self.activation.elementwise:
            raise ValueError(f"{self.name}: activation must be element-wise, got "
                             f"{self.activation.name!r}")
        self.dtype = check_dtype(dtype)
        self.init = init
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        draw = resolve(init, self.activation.name)
        W = draw(fan_in, self.out_channels, as_generator(rng, "rng"))
        self.W = np.ascontiguousarray(
            W.reshape(self.out_channels, self.in_channels, *self.kernel_size), dtype=self.dtype)
        self.b = np.zeros(self.out_channels, dtype=self.dtype)
        self.dW = self.db = self.delta = None
        self.X_shape = self.cols = self.Z = self.A = None

    def config(self) -> dict:
        """The constructor's arguments, for :func:`bp.save`."""
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": list(self.kernel_size), "stride": list(self.stride),
                "padding": list(self.padding), "activation": self.activation.name}

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        ho, wo = out_size(self.name, input_shape, self.kernel_size, self.stride,
                          self.padding, self.in_channels)
        return (self.out_channels, ho, wo)

    def _input(self, X) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 4:
            raise ValueError(f"{self.name} expects NCHW input of shape (N, "
                             f"{self.in_channels}, H, W), got shape {X.shape}")
        self.output_shape(X.shape[1:])
        return X.astype(self.dtype, copy=False)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """``X`` (N, in, H, W) -> ``A`` (N, out, H_o, W_o); caches the im2col rows."""
        X = self._input(X)
        (ph, pw), k = self.padding, self.kernel_size
        Xp = np.pad(X, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else X
        win = windows(Xp, k, self.stride)                       # (N, C, Ho, Wo, kh, kw)
        n, c, ho, wo = win.shape[:4]
        self.X_shape, self.padded_shape = X.shape, Xp.shape
        # im2col, one matrix per example: (N, C kh kw, Ho Wo), a column per position
        self.cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k[0] * k[1], ho * wo)
        Z = self.W.reshape(self.out_channels, -1) @ self.cols + self.b[:, None]
        self.Z = Z.reshape(n, self.out_channels, ho, wo)       # NCHW, no transpose
        self.A = self.activation.f(self.Z)
        return self.A

    def backward(self, grad_out: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """``grad_out`` = dL/dA (N, out, H_o, W_o) -> dL/dX (N, in, H, W)."""
        delta = grad_out * self.activation.df(self.Z)          # BP2's local factor
        self.delta = delta
        n, _, ho, wo = delta.shape
        d_col = delta.reshape(n, self.out_channels, ho * wo)
        W_mat = self.W.reshape(self.out_channels, -1)
        dW = (d_col @ self.cols.transpose(0, 2, 1)).sum(axis=0)   # BP3, over positions
        self.dW = dW.reshape(self.W.shape)
        self.db = d_col.sum(axis=(0, 2))                       # BP4
        if not input_grad:
            return None
        c, (kh, kw) = self.in_channels, self.kernel_size
        d_cols = (W_mat.T @ d_col).reshape(n, c, kh, kw, ho, wo)
        d_cols = d_cols.transpose(0, 1, 4, 5, 2, 3)  # (N, C, H_o, W_o, kh, kw)
        dXp = scatter(d_cols, self.padded_shape, self.stride)  # col2im
        (ph, pw), (h, w) = self.padding, self.X_shape[2:]
        return dXp[:, :, ph:ph + h, pw:pw + w]

    def params(self) -> dict[str, np.ndarray]:
        return {"W": self.W, "b": self.b}

    def grads(self) -> dict[str, np.ndarray | None]:
        return {"W": self.dW, "b": self.db}

    def __repr__(self) -> str:
        return (f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size="
                f"{self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"activation={self.activation.name!r}, dtype={self.dtype.name})")
