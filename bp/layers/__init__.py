"""Layers: one protocol (:mod:`bp.layers.base`) and one module per layer family.

* :mod:`bp.layers.base` — :class:`Layer`: ``forward(x)``, ``backward(grad_out)``,
  ``params()``, ``grads()``, ``train()`` / ``eval()``.
* :mod:`bp.layers.dense` — :class:`Dense`, the fully connected layer of Parts I and II.
* :mod:`bp.layers.convolution` — :class:`Conv2D` (im2col / col2im).
* :mod:`bp.layers.pooling` — :class:`MaxPool2D`, :class:`AvgPool2D`, :class:`Flatten`.
* :mod:`bp.layers.normalization` — :class:`BatchNorm`, :class:`LayerNorm`.
* :mod:`bp.layers.regularization` — :class:`Dropout`, :class:`Residual`.
* :mod:`bp.layers.recurrent` — :class:`RNN` (backpropagation through time).
* :mod:`bp.layers.attention` — :class:`SelfAttention` (scaled dot-product, multi-head).
"""
from .base import Layer, is_layer
from .dense import Dense
from .convolution import Conv2D
from .pooling import AvgPool2D, Flatten, MaxPool2D
from .normalization import BatchNorm, LayerNorm
from .regularization import Dropout, Residual
from .recurrent import RNN
from .attention import SelfAttention

__all__ = ["Layer", "is_layer", "Dense"]
__all__ += ["Conv2D", "MaxPool2D", "AvgPool2D", "Flatten"]
__all__ += ["BatchNorm", "LayerNorm"]
__all__ += ["Dropout", "Residual"]
__all__ += ["RNN", "SelfAttention"]
