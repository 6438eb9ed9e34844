"""Layers: one protocol (:mod:`bp.layers.base`) and one module per layer family.

* :mod:`bp.layers.base` — :class:`Layer`: ``forward(x)``, ``backward(grad_out)``,
  ``params()``, ``grads()``, ``train()`` / ``eval()``.
* :mod:`bp.layers.dense` — :class:`Dense`, the fully connected layer of Parts I and II.
"""
from .base import Layer, is_layer
from .dense import Dense

__all__ = ["Layer", "is_layer", "Dense"]
from .recurrent import RNN
from .attention import SelfAttention
