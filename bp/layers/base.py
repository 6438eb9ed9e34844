r"""The layer protocol: backpropagation as a local rule.

Every layer is a function :math:`y = F(x; \theta)` that knows two things:

* ``forward(x)`` computes ``y`` and caches what its backward pass will need;
* ``backward(grad_out)`` receives :math:`\bar y = \partial \mathcal{L}/\partial y`
  (same shape as ``y``), stores :math:`\partial \mathcal{L}/\partial \theta` for each
  parameter and returns :math:`\bar x = \partial \mathcal{L}/\partial x` (same shape as
  ``x``): a vector–Jacobian product,

  .. math:: \bar x_k = \sum_j \frac{\partial y_j}{\partial x_k}\, \bar y_j .

Nothing else about the network is needed: a layer never sees the loss, the layers
around it, or the batch it came from. That is why one ``Network`` can run any stack of
layers (CS231n's ``*_forward`` / ``*_backward`` pairs and PyTorch's
``autograd.Function`` follow the same protocol).

Shapes follow PyTorch: dense input ``(N, features)``, images ``(N, C, H, W)``,
sequences ``(N, T, features)``; the first axis is always the batch.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class Layer:
    """Base class of every layer: the protocol, with safe defaults.

    Subclasses implement :meth:`forward` and :meth:`backward`, and, when they have
    parameters, :meth:`params` and :meth:`grads` (same keys, arrays of the same shapes).

    Attributes
    ----------
    name : str
        Used in every error message; a :class:`bp.Network` names its layers by position.
    training : bool
        ``True`` after :meth:`train` (the default), ``False`` after :meth:`eval`. Only
        layers that behave differently (dropout, batch norm) read it.
    dtype : numpy.dtype
        float32 or float64; a network's layers share one dtype.
    """

    name: str = "layer"
    training: bool = True
    dtype: np.dtype = np.dtype(np.float64)

    # ---------------------------------------------------------------- protocol
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute the output for a batch ``x``; cache what :meth:`backward` needs."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Given dL/d(output) of the last :meth:`forward`, fill :meth:`grads` and return
        dL/d(input), the shape of that forward's input."""
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def params(self) -> dict[str, np.ndarray]:
        """The trainable arrays by name (the arrays themselves: optimizers update them
        in place). A layer without parameters returns ``{}``."""
        return {}

    def grads(self) -> dict[str, np.ndarray | None]:
        """The gradients of the last :meth:`backward`, keyed as :meth:`params`
        (``None`` before the first backward)."""
        return {}

    # ------------------------------------------------------------------ modes
    def train(self) -> "Layer":
        """Training mode (the default): dropout drops, batch norm uses batch statistics."""
        self.training = True
        return self

    def eval(self) -> "Layer":
        """Evaluation mode: dropout is the identity, batch norm uses running statistics."""
        self.training = False
        return self

    # ---------------------------------------------------------------- helpers
    @property
    def n_params(self) -> int:
        return int(sum(p.size for p in self.params().values()))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of one example's output for one example's input shape (no batch
        axis), or ``ValueError`` naming the layer when the input cannot be taken.
        The default: the shape is unchanged (element-wise layers)."""
        return tuple(input_shape)

    @property
    def network(self):
        """The :class:`bp.Network` this layer belongs to, or ``None``.

        A layer belongs to one network at a time: two would overwrite each other's
        caches. When that network is gone, the layer is free again.
        """
        ref = getattr(self, "_owner", None)          # None also for layers pickled before
        owner = ref() if ref is not None else None
        return owner if owner is not None and any(l is self for l in owner.layers) else None

    def __getstate__(self) -> dict:                  # weak references are not copied:
        state = self.__dict__.copy()                 # a copied Network claims its copies
        state["_owner"] = None
        return state

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def is_layer(obj: Any) -> bool:
    """Whether ``obj`` follows the protocol (a :class:`Layer`, or anything with
    callable ``forward``, ``backward``, ``params`` and ``grads``)."""
    return isinstance(obj, Layer) or all(
        callable(getattr(obj, m, None)) for m in ("forward", "backward", "params", "grads"))
