r"""Dropout and residual connections: two layers whose backward is almost the identity.

*Inverted dropout* (随机失活) keeps each entry with probability :math:`1 - p` and
rescales it, so the expectation is unchanged and evaluation needs no correction:

.. math:: y = \frac{M \odot x}{1 - p}, \quad M_i \sim \text{Bernoulli}(1 - p), \qquad
          \bar x = \frac{M \odot \bar y}{1 - p}, \qquad \mathbb{E}[y] = x .

A *residual connection* (残差连接) adds a block's input to its output. Its Jacobian is
the identity plus the block's, so the upstream gradient reaches the input unchanged
whatever the block does to it:

.. math:: y = x + F(x), \qquad \bar x = \bar y + J_F^\top \bar y .
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_dtype
from ..init import as_generator
from .base import Layer, is_layer
from ._arrays import as_batch, as_grad


class Dropout(Layer):
    """Inverted dropout: zero each entry with probability ``p`` while training.

    Parameters
    ----------
    p : float in [0, 1)
        The probability of dropping an entry (PyTorch's ``nn.Dropout(p)``).
    rng : numpy.random.Generator or int or None
        Source of the masks.
    dtype : float32 or float64
    name : str, optional

    Notes
    -----
    Input of any shape (N, ...). After :meth:`eval` the layer is the identity.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None,
                 dtype: Any = np.float64, name: str | None = None) -> None:
        self.name = name or f"Dropout({p})"
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)):
            raise TypeError(f"{self.name}: p must be a number in [0, 1), got "
                            f"{type(p).__name__}")
        if not 0 <= p < 1:
            raise ValueError(f"{self.name}: p must lie in [0, 1), got {p} (p = 1 would "
                             "drop everything)")
        self.p = float(p)
        self.rng = as_generator(rng, "rng")
        self.dtype = check_dtype(dtype)
        self.mask: np.ndarray | None = None
        self._shape: tuple[int, ...] | None = None

    def config(self) -> dict:
        """The constructor's arguments, for :func:`bp.save` (a loaded dropout layer
        draws its masks from a fresh generator)."""
        return {"p": self.p}

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``x * mask`` in training, where ``mask`` = M / (1 - p) for a new 0/1 mask M
        each call; a copy of ``x`` in evaluation; shape (N, ...) in and out."""
        x = as_batch(x, self.name, self.dtype)
        self._shape = x.shape
        if not self.training or self.p == 0:
            self.mask = None
            return x.copy()
        keep = self.rng.random(x.shape) >= self.p
        self.mask = keep.astype(self.dtype) / self.dtype.type(1 - self.p)
        return x * self.mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """``grad_out * mask``, the cached M / (1 - p): the dropped entries get no
        gradient."""
        if self._shape is None:
            raise RuntimeError(f"{self.name}: call forward before backward")
        g = as_grad(grad_out, self._shape, self.name, self.dtype)
        return g.copy() if self.mask is None else g * self.mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g}, dtype={self.dtype.name})"


class Residual(Layer):
    """``y = x + F(x)``, where ``F`` is the stack of ``layers`` applied in order.

    Parameters
    ----------
    *layers : Layer
        At least one layer on the protocol (:func:`bp.layers.is_layer`); ``F`` must map
        an input to an output of the same shape.
    name : str, optional

    Notes
    -----
    :meth:`params` and :meth:`grads` hold the inner layers' arrays keyed by the layer's
    index and name (``"0.W"``, ``"1.gamma"``); :meth:`train` and :meth:`eval` reach the
    inner layers.
    """

    def __init__(self, *layers: Layer, name: str | None = None) -> None:
        self.name = name or "Residual"
        if not layers:
            raise ValueError(f"{self.name} needs at least one layer F in y = x + F(x)")
        for i, layer in enumerate(layers):
            if not is_layer(layer):
                raise TypeError(f"{self.name}: layer {i} must follow the layer protocol "
                                "(forward, backward, params, grads), got "
                                f"{type(layer).__name__}")
            if any(other is layer for other in layers[:i]):
                raise ValueError(f"{self.name}: layer {i} is the same object as an "
                                 "earlier one (their caches would clash)")
        dtypes = {np.dtype(getattr(layer, "dtype", np.float64)) for layer in layers}
        if len(dtypes) > 1:
            raise TypeError(f"{self.name}: the layers must share one dtype, got "
                            f"{sorted(d.name for d in dtypes)}")
        self.dtype = dtypes.pop()
        self.layers = list(layers)
        self._shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``x + F(x)``, shape (N, ...) in and out."""
        x = as_batch(x, self.name, self.dtype)
        h = x
        for layer in self.layers:
            h = layer.forward(h)
        if h.shape != x.shape:
            raise ValueError(f"{self.name}: F maps shape {x.shape} to {h.shape}; y = x + "
                             "F(x) needs F's output shape to equal its input shape")
        self._shape = x.shape
        return x + h

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """``grad_out`` (the skip path) plus F's backward of ``grad_out``."""
        if self._shape is None:
            raise RuntimeError(f"{self.name}: call forward before backward")
        g = as_grad(grad_out, self._shape, self.name, self.dtype)
        d = g
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return g + d

    def config(self) -> dict:
        """The inner layers as ``[type name, config]`` pairs, for :func:`bp.save` (each
        inner layer must itself define ``config``)."""
        for i, layer in enumerate(self.layers):
            if not callable(getattr(layer, "config", None)):
                raise TypeError(f"{self.name}: layer {i} ({type(layer).__name__}) has no "
                                "config(), so it cannot be saved")
        return {"layers": [[type(l).__name__, l.config()] for l in self.layers]}

    @classmethod
    def from_config(cls, config: dict, build) -> "Residual":
        """The block of :meth:`config`, each inner layer made by ``build(kind, config)``."""
        pairs = config.get("layers") if set(config) == {"layers"} else None
        if not isinstance(pairs, list) or not pairs or not all(
                isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
                and isinstance(p[1], dict) for p in pairs):
            raise ValueError("a Residual config is {'layers': [[type name, config], ...]}"
                             f" with at least one layer, got {config}")
        return cls(*(build(kind, inner) for kind, inner in pairs))

    def buffers(self) -> dict[str, np.ndarray]:
        """The inner layers' buffers (batch norm's running statistics), keyed as
        :meth:`params`."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                if callable(getattr(layer, "buffers", None))
                for k, v in layer.buffers().items()}

    def params(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.params().items()}

    def grads(self) -> dict[str, np.ndarray | None]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.grads().items()}

    def train(self) -> "Residual":
        super().train()
        for layer in self.layers:
            if callable(getattr(layer, "train", None)):
                layer.train()
        return self

    def eval(self) -> "Residual":
        super().eval()
        for layer in self.layers:
            if callable(getattr(layer, "eval", None)):
                layer.eval()
        return self

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        for layer in self.layers:
            if callable(getattr(layer, "output_shape", None)):
                shape = tuple(layer.output_shape(shape))
        if shape != tuple(input_shape):
            raise ValueError(f"{self.name}: F maps an example of shape {tuple(input_shape)} "
                             f"to {shape}; y = x + F(x) needs them equal")
        return shape

    def __repr__(self) -> str:
        return f"Residual({', '.join(map(repr, self.layers))})"
