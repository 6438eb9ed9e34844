r"""A feed-forward network with an explicit backward pass.

The backward pass is the four backpropagation equations, written in the batched
row convention (examples are rows, ``W`` of layer ``l`` has shape ``(n_l, n_{l-1})``):

.. math::

   \delta^L &= \partial ℒ/\partial Z^L
       && \text{(BP1: from the loss and the output activation)} \\
   \delta^l &= (\delta^{l+1} W^{l+1}) \odot f'(Z^l)
       && \text{(BP2: one layer back)} \\
   \partial ℒ/\partial W^l &= (\delta^l)^\top A^{l-1}
       && \text{(BP3)} \\
   \partial ℒ/\partial b^l &= \textstyle\sum_{\text{batch}} \delta^l
       && \text{(BP4)}

In column-vector notation (one example) BP2 reads
:math:`\delta^l = (W^{l+1})^\top \delta^{l+1} \odot f'(z^l)`: the transpose is the
same one, moved by writing the example as a row.

BP1 stays here, with the loss; BP2–BP4 are each layer's own business
(:meth:`bp.layers.Dense.backward`), so the network runs any stack of layers that follow
the layer protocol (:mod:`bp.layers.base`): convolutions, pooling, normalization, ...
The stack is checked once, at construction (:mod:`bp.stack`).
"""
from __future__ import annotations

import weakref
from typing import Any, Iterator, Sequence

import numpy as np

from .activations import ACTIVATIONS
from .evaluation import Evaluation
from .layers import Dense
from .losses import Loss, as_targets, get_loss
from .stack import (as_batch, backward_steps, check_layers, check_stack, dtype_of,
                    input_shape_of, unchecked)
from ._validation import own_copy


class Network(Evaluation):
    """A stack of layers (:class:`~bp.layers.Dense`, :class:`~bp.layers.Conv2D`, ...)
    and a loss.

    Parameters
    ----------
    layers : sequence of layers
        Protocol layers (:class:`bp.layers.Layer`). Consecutive layers must agree
        (``layers[l].n_in == layers[l-1].n_out`` for Dense layers; in general each
        layer's ``output_shape`` must accept the previous one's). A layer belongs to one
        network (``layer.network``); another raises ``ValueError``.
    loss : str or Loss
        A name from :data:`bp.losses.LOSSES`. It must suit the output activation
        (``bce``: sigmoid; ``cross_entropy``: softmax; losses on logits: identity; a
        last layer that is not a Dense counts as identity).
    input_shape : tuple of int, optional
        One example's shape, e.g. ``(1, 28, 28)`` for a first ``Conv2D``; by default
        ``(n_in,)`` of a first Dense layer.

    Notes
    -----
    When the output activation and the loss fuse (``sigmoid`` + ``bce``,
    ``softmax`` + ``cross_entropy``), the loss value and :math:`\\delta^L` are computed
    from the logits ``Z`` as ``bce_with_logits`` / ``softmax_cross_entropy`` would:
    the same function, but :math:`\\delta^L = (\\hat y - y)/N` (:math:`/(N n_L)` for
    ``bce``, which averages over every element) is exact and finite where
    ``dL/dA * f'(Z)`` would be 0/0 for a saturated output. (So for outputs rounded to
    exactly 0 or 1, ``net.loss`` is the true value, while ``bce`` on the probabilities
    is clamped at 100 per element, as PyTorch's ``BCELoss``.)
    """

    def __init__(self, layers: Sequence[Any], loss: str | Loss = "mse",
                 input_shape: tuple[int, ...] | None = None) -> None:
        layers = check_layers(layers)
        self.input_shape = input_shape_of(layers, input_shape)
        #: Each layer's per-example output shape.
        self.shapes = check_stack(layers, self.input_shape)
        self.layers = layers
        self._dtype = dtype_of(layers)
        self.loss_fn = get_loss(loss)
        out = layers[-1]
        self._dense_out = isinstance(out, Dense)      # BP1 then enters as its delta
        act = out.activation if self._dense_out else ACTIVATIONS["identity"]
        self._fused: Loss | None = self.loss_fn.fused_with(act, out.name, self.n_out)
        self._setup()

    def _setup(self) -> None:
        """Mark every layer as this network's (a weak reference: no cycle, and a dropped
        network frees its layers for a new one); bind the unchecked forward calls."""
        for layer in self.layers:
            layer._owner = weakref.ref(self)
        self._steps = [unchecked(layer) for layer in self.layers]
        self._backs = backward_steps(self.layers, self._dense_out)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_steps", None)                     # rebound by __setstate__
        state.pop("_backs", None)
        return state

    def __setstate__(self, state: dict) -> None:      # copy.deepcopy and pickle
        self.__dict__.update(state)
        self._setup()

    # ------------------------------------------------------------------ basics
    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    @property
    def n_in(self) -> int:
        """Inputs per example (the product of ``input_shape``)."""
        return int(np.prod(self.input_shape))

    @property
    def n_out(self) -> int:
        return self.shapes[-1][0]

    @property
    def n_params(self) -> int:
        return sum(layer.n_params for layer in self.layers)

    @property
    def is_classifier(self) -> bool:
        return self.loss_fn.classification

    def __repr__(self) -> str:
        if all(isinstance(l, Dense) for l in self.layers):
            sizes = "-".join([str(self.n_in)] + [str(l.n_out) for l in self.layers])
            acts = ", ".join(l.activation.name for l in self.layers)
            return (f"Network({sizes}, activations=[{acts}], loss={self.loss_fn.name!r}, "
                    f"dtype={self.dtype.name})")
        kinds = ", ".join(type(l).__name__ for l in self.layers)
        return (f"Network({self.input_shape} -> {self.shapes[-1]}, layers=[{kinds}], "
                f"loss={self.loss_fn.name!r}, dtype={self.dtype.name})")

    def parameters(self) -> Iterator[tuple[int, str, np.ndarray]]:
        """``(layer_index, name, array)`` for every trainable array (an iterator)."""
        return iter([(i, name, p) for i, layer in enumerate(self.layers)
                     for name, p in layer.params().items()])

    def gradients(self) -> Iterator[tuple[int, str, np.ndarray]]:
        """``(layer_index, name, gradient)`` from the last backward pass (an iterator)."""
        return iter([(i, name, g) for i, layer in enumerate(self.layers)
                     for name, g in layer.grads().items()])

    # ----------------------------------------------------------------- forward
    def check_input(self, X: Any, name: str = "X") -> np.ndarray:
        """``X`` checked against ``(batch, *input_shape)`` and cast to the dtype."""
        return as_batch(X, name, self.dtype, self.input_shape, where=self.layers[0].name)

    def forward(self, X: Any) -> np.ndarray:
        """Run every layer on ``X`` (shape ``(batch, *input_shape)``), caching what backward
        needs.

        ``X`` is converted to the network's dtype, and copied if the conversion did not
        already copy it, before it is cached by the first layer: changing the caller's
        ``X`` between ``forward`` and ``backward`` cannot change the gradients. (The
        training loop calls ``_forward`` on its own batch buffer, without that copy.)

        Returns
        -------
        ndarray, shape (batch, n_out)
            A new array: changing it leaves the cached output intact.
        """
        A = self.check_input(X)
        return self._forward(own_copy(A, X)).copy()

    def _forward(self, X: np.ndarray) -> np.ndarray:
        A = X
        for forward in self._steps:      # layer.forward of each layer, in order: it caches
            A = forward(A, False)        # what its backward needs (Dense: A_prev, Z, A)
        self.output = A
        return A

    def _output(self) -> np.ndarray:
        if getattr(self, "output", None) is None:
            raise RuntimeError("call forward(X) before asking for the loss or backward(Y)")
        return self.output

    def targets(self, Y: Any) -> np.ndarray:
        """Check ``Y`` against the last forward's output, shape (batch, n_out).

        Integer labels (batch,) become one-hot rows for categorical losses.
        """
        return as_targets(Y, self._output(), self.loss_fn, where=self.layers[-1].name)

    def loss_value(self, Y: Any) -> float:
        """The loss of the last forward's output against ``Y`` (checked)."""
        return self._loss_value(self.targets(Y))

    def _loss_value(self, Y: np.ndarray) -> float:
        if self._fused is not None:       # the same function of Z, computed stably
            return self._fused.value(self.layers[-1].Z, Y)
        return self.loss_fn.value(self.output, Y)

    def _loss_and_output_delta(self, Y: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss and BP1's :math:`\\delta^L` for checked ``Y``, as the training loop needs
        them: from one softmax when the loss offers ``value_and_grad``."""
        out = self.layers[-1]
        if self._fused is not None and self._fused.value_and_grad is not None:
            return self._fused.value_and_grad(out.Z, Y)
        if self.loss_fn.value_and_grad is not None and (
                not self._dense_out or out.activation is ACTIVATIONS["identity"]):
            return self.loss_fn.value_and_grad(self.output, Y)    # dL/dZ = dL/dA
        return self._loss_value(Y), self.output_delta(Y)

    def loss(self, X: Any, Y: Any) -> float:
        """Forward ``X`` (batch, *input_shape) and return the loss against ``Y``."""
        self.forward(X)
        return self.loss_value(Y)

    # ---------------------------------------------------------------- backward
    def output_delta(self, Y: np.ndarray) -> np.ndarray:
        r"""BP1: :math:`\delta^L = \partial ℒ / \partial Z^L` for checked targets ``Y``
        (:math:`\partial ℒ/\partial A^L` when the last layer is not a Dense)."""
        if self._fused is not None:           # sigmoid+BCE or softmax+CE: (y_hat - y)/N
            return self._fused.grad(self.layers[-1].Z, Y)
        dA = self.loss_fn.grad(self.output, Y)  # dL/dA^L
        if not self._dense_out:
            return dA
        out = self.layers[-1]
        if out.activation.elementwise:
            return dA * out.activation.df(out.Z)
        return out.activation.vjp(out.Z, out.A, dA)   # full softmax Jacobian

    def backward(self, Y: Any) -> list[np.ndarray]:
        r"""Backpropagate the loss of the last :meth:`forward` against targets ``Y``.

        Fills every Dense layer's ``delta`` (:math:`\partial ℒ/\partial Z`, shape
        ``(batch, n_out)``), ``dW`` and ``db``, and every other layer's :meth:`grads`.
        Gradients are *overwritten*, not accumulated: calling ``backward`` twice gives
        the same result.

        Returns
        -------
        list of ndarray
            The deltas, first layer first (``None`` for a layer without one).
        """
        self._backward(self.targets(Y))
        return [getattr(layer, "delta", None) for layer in self.layers]

    def _backward(self, Y: np.ndarray, delta_L: np.ndarray | None = None) -> None:
        delta = self.output_delta(Y) if delta_L is None else delta_L    # BP1
        grad = delta           # enters the output Dense as its delta (backward_delta)
        for backward, input_grad in reversed(self._backs):   # last layer first
            grad = backward(grad, input_grad)    # Dense: f'(Z), BP3, BP4, delta @ W

    # --------------------------------------------------------------- training
    def fit(self, X: Any, Y: Any, epochs: int = 10, batch_size: int = 32,
            optimizer: Any = None, **kwargs: Any):
        """Train with mini-batches, in training mode; see :func:`bp.training.fit`."""
        from .training import fit
        return fit(self, X, Y, epochs=epochs, batch_size=batch_size,
                   optimizer=optimizer, **kwargs)
