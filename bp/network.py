r"""A feed-forward network with an explicit backward pass.

The backward pass is the four backpropagation equations, written in the batched
row convention (examples are rows, ``W`` of layer ``l`` has shape ``(n_l, n_{l-1})``):

.. math::

   \delta^L &= \partial L/\partial Z^L
       && \text{(BP1: from the loss and the output activation)} \\
   \delta^l &= (\delta^{l+1} W^{l+1}) \odot f'(Z^l)
       && \text{(BP2: one layer back)} \\
   \partial L/\partial W^l &= (\delta^l)^\top A^{l-1}
       && \text{(BP3)} \\
   \partial L/\partial b^l &= \textstyle\sum_{\text{batch}} \delta^l
       && \text{(BP4)}

In column-vector notation (one example) BP2 reads
:math:`\delta^l = (W^{l+1})^\top \delta^{l+1} \odot f'(z^l)`: the transpose is the
same one, moved by writing the example as a row.
"""
from __future__ import annotations

import weakref
from typing import Any, Sequence

import numpy as np

from ._validation import as_matrix, own_copy
from .activations import ACTIVATIONS
from .layers import Dense
from .losses import Loss, as_targets, get_loss


class Network:
    """A stack of :class:`~bp.layers.Dense` layers and a loss.

    Parameters
    ----------
    layers : sequence of Dense
        Consecutive layers must agree: ``layers[l].n_in == layers[l-1].n_out``. A
        layer belongs to one network (``layer.network``); another raises ``ValueError``.
    loss : str or Loss
        A name from :data:`bp.losses.LOSSES`. It must suit the output activation
        (``bce``: sigmoid; ``cross_entropy``: softmax; losses on logits: identity).

    Notes
    -----
    When the output activation and the loss fuse (``sigmoid`` + ``bce``,
    ``softmax`` + ``cross_entropy``), the loss value and :math:`\\delta^L` are computed
    from the logits ``Z`` as ``bce_with_logits`` / ``softmax_cross_entropy`` would:
    the same function, but :math:`\\delta^L = (\\hat y - y)/N` (:math:`/(N m)` for
    ``bce``, which averages over every element) is exact and finite where
    ``dL/dA * f'(Z)`` would be 0/0 for a saturated output. (So for outputs rounded to
    exactly 0 or 1, ``net.loss`` is the true value, while ``bce`` on the probabilities
    is clamped at 100 per element, as PyTorch's ``BCELoss``.)
    """

    def __init__(self, layers: Sequence[Dense], loss: str | Loss = "mse") -> None:
        layers = list(layers)
        if not layers:
            raise ValueError("a Network needs at least one layer")
        for i, layer in enumerate(layers, start=1):
            if not isinstance(layer, Dense):
                raise TypeError(f"layer {i} must be a bp.Dense, got {type(layer).__name__}")
            first = next(j for j, other in enumerate(layers, start=1) if other is layer)
            if first != i:      # one object twice would share (and clobber) its caches
                raise ValueError(f"layer {i} is the same Dense object as layer {first}; "
                                 "create a new bp.Dense for each layer")
            owner = layer.network
            if owner is not None:           # two networks would clobber each other's caches
                raise ValueError(
                    f"layer {i} already belongs to another network ({layer.name} of "
                    f"{owner!r}): two networks sharing a layer overwrite each other's "
                    "cached A_prev, Z and A, and backward returns wrong gradients; create "
                    "new bp.Dense layers, or copy.deepcopy(net) for an independent copy")
        for i, layer in enumerate(layers, start=1):
            if layer.auto_named:
                layer.name = f"layer {i} (Dense({layer.n_in}->{layer.n_out}))"
        for i in range(1, len(layers)):
            prev, layer = layers[i - 1], layers[i]
            if layer.n_in != prev.n_out:
                raise ValueError(f"{layer.name} expects {layer.n_in} inputs but "
                                 f"{prev.name} has {prev.n_out} outputs")
            if layer.dtype != prev.dtype:
                raise TypeError(f"all layers must share one dtype: {prev.name} is "
                                f"{prev.dtype}, {layer.name} is {layer.dtype}")
        self.layers = layers
        self.loss_fn = get_loss(loss)
        out = layers[-1]
        self._fused: Loss | None = self.loss_fn.fused_with(out.activation, out.name, out.n_out)
        self._claim_layers()

    def _claim_layers(self) -> None:
        """Mark every layer as this network's (a weak reference: no cycle, and a dropped
        network frees its layers for a new one)."""
        for layer in self.layers:
            layer._owner = weakref.ref(self)

    def __setstate__(self, state: dict) -> None:      # copy.deepcopy and pickle
        self.__dict__.update(state)
        self._claim_layers()

    # ------------------------------------------------------------------ basics
    @property
    def dtype(self) -> np.dtype:
        return self.layers[0].dtype

    @property
    def n_in(self) -> int:
        return self.layers[0].n_in

    @property
    def n_out(self) -> int:
        return self.layers[-1].n_out

    @property
    def n_params(self) -> int:
        return sum(layer.n_params for layer in self.layers)

    @property
    def is_classifier(self) -> bool:
        return self.loss_fn.classification

    def __repr__(self) -> str:
        sizes = "-".join([str(self.n_in)] + [str(l.n_out) for l in self.layers])
        acts = ", ".join(l.activation.name for l in self.layers)
        return (f"Network({sizes}, activations=[{acts}], loss={self.loss_fn.name!r}, "
                f"dtype={self.dtype.name})")

    def summary(self) -> str:
        """A table of every layer's shapes and parameter counts."""
        rows = [f"{'layer':<8}{'W shape':>12}{'b shape':>10}{'activation':>12}{'params':>9}"]
        for i, l in enumerate(self.layers, start=1):
            rows.append(f"{i:<8}{str(l.W.shape):>12}{str(l.b.shape):>10}"
                        f"{l.activation.name:>12}{l.n_params:>9}")
        rows.append(f"{'total':<42}{self.n_params:>9}")
        return "\n".join(rows)

    def parameters(self):
        """Yield ``(layer_index, name, array)`` for every trainable array."""
        for i, layer in enumerate(self.layers):
            for name, p in layer.params().items():
                yield i, name, p

    def gradients(self):
        """Yield ``(layer_index, name, gradient)`` from the last backward pass."""
        for i, layer in enumerate(self.layers):
            for name, g in layer.grads().items():
                yield i, name, g

    # ----------------------------------------------------------------- forward
    def forward(self, X: Any) -> np.ndarray:
        """Run every layer on ``X`` (shape ``(batch, n_in)``), caching what backward needs.

        ``X`` is converted to the network's dtype, and copied if the conversion did not
        already copy it, before it is cached as the first layer's ``A_prev``: changing
        the caller's ``X`` between ``forward`` and ``backward`` cannot change the
        gradients. (The training loop calls ``_forward`` on its own batch buffer,
        without that copy.)

        Returns
        -------
        ndarray, shape (batch, n_out)
            A new array: changing it leaves the cached output ``layers[-1].A`` intact.
        """
        A = as_matrix(X, "X", self.dtype, n_cols=self.n_in, where=self.layers[0].name)
        return self._forward(own_copy(A, X)).copy()

    def _forward(self, X: np.ndarray) -> np.ndarray:
        A = X
        for layer in self.layers:
            layer.A_prev = A
            layer.Z = A @ layer.W.T + layer.b
            layer.A = A = layer.activation.f(layer.Z)
        return A

    def _output(self) -> Dense:
        out = self.layers[-1]
        if out.A is None:
            raise RuntimeError("call forward(X) before asking for the loss or backward(Y)")
        return out

    def targets(self, Y: Any) -> np.ndarray:
        """Check ``Y`` against the last forward's output, shape (batch, n_out).

        Integer labels (batch,) become one-hot rows for categorical losses.
        """
        out = self._output()
        return as_targets(Y, out.A, self.loss_fn, where=out.name)

    def loss_value(self, Y: Any) -> float:
        """The loss of the last forward's output against ``Y`` (checked)."""
        return self._loss_value(self.targets(Y))

    def _loss_value(self, Y: np.ndarray) -> float:
        out = self.layers[-1]
        if self._fused is not None:       # the same function of Z, computed stably
            return self._fused.value(out.Z, Y)
        return self.loss_fn.value(out.A, Y)

    def _loss_and_output_delta(self, Y: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss and BP1's :math:`\\delta^L` for checked ``Y``, as the training loop needs
        them: from one softmax when the loss offers ``value_and_grad``."""
        out = self.layers[-1]
        if self._fused is not None and self._fused.value_and_grad is not None:
            return self._fused.value_and_grad(out.Z, Y)
        if self.loss_fn.value_and_grad is not None and out.activation is ACTIVATIONS["identity"]:
            return self.loss_fn.value_and_grad(out.A, Y)           # dL/dZ = dL/dA
        return self._loss_value(Y), self.output_delta(Y)

    def loss(self, X: Any, Y: Any) -> float:
        """Forward ``X`` (batch, n_in) and return the loss against ``Y`` as a float."""
        self.forward(X)
        return self.loss_value(Y)

    # ---------------------------------------------------------------- backward
    def output_delta(self, Y: np.ndarray) -> np.ndarray:
        r"""BP1: :math:`\delta^L = \partial L / \partial Z^L` for checked targets ``Y``."""
        out = self.layers[-1]
        if self._fused is not None:           # sigmoid+BCE or softmax+CE: (y_hat - y)/N
            return self._fused.grad(out.Z, Y)
        dA = self.loss_fn.grad(out.A, Y)      # dL/dA^L
        if out.activation.elementwise:
            return dA * out.activation.df(out.Z)
        return out.activation.vjp(out.Z, out.A, dA)   # full softmax Jacobian

    def backward(self, Y: Any) -> list[np.ndarray]:
        r"""Backpropagate the loss of the last :meth:`forward` against targets ``Y``.

        Fills every layer's ``delta`` (:math:`\partial L/\partial Z`, shape
        ``(batch, n_out)``), ``dW`` and ``db``. Gradients are *overwritten*, not
        accumulated: calling ``backward`` twice gives the same result.

        Returns
        -------
        list of ndarray
            The deltas, first layer first.
        """
        return self._backward(self.targets(Y))

    def _backward(self, Y: np.ndarray, delta_L: np.ndarray | None = None) -> list[np.ndarray]:
        layers = self.layers
        for layer in layers:            # overwritten below: free them first (peak memory)
            layer.dW = layer.db = None
        delta = self.output_delta(Y) if delta_L is None else delta_L    # BP1
        for l in range(len(layers) - 1, -1, -1):
            layer = layers[l]
            layer.delta = delta
            layer.dW = delta.T @ layer.A_prev                           # BP3
            layer.db = delta.sum(axis=0)                                # BP4
            if l > 0:
                below = layers[l - 1]
                g = delta @ layer.W                                     # dL/dA^{l-1}
                if below.activation.elementwise:
                    delta = g * below.activation.df(below.Z)            # BP2
                else:
                    delta = below.activation.vjp(below.Z, below.A, g)
        return [layer.delta for layer in layers]

    # ------------------------------------------------------------- prediction
    def predict(self, X: Any) -> np.ndarray:
        """Decisions for classification losses (see :meth:`bp.losses.Loss.decide`): labels
        (batch,), or 0/1 (batch, n_out) for multi-label ``bce``; else the outputs."""
        P = self.forward(X)
        return self.loss_fn.decide(P) if self.is_classifier else P

    def accuracy(self, X: Any, Y: Any) -> float:
        """Fraction of correct decisions, every output counted for multi-label ``bce``.

        Also for ``mse`` (a classifier trained on one-hot targets, or one 0/1 output).
        """
        P = self.forward(X)
        return float(np.mean(self.loss_fn.decide(P) == self.labels(Y)))

    def labels(self, Y: Any) -> np.ndarray:
        """Targets as decisions: argmax of one-hot rows, or 0/1 at the threshold 0.5."""
        return self.loss_fn.decide(self.targets(Y), logits=False)

    # --------------------------------------------------------------- training
    def fit(self, X: Any, Y: Any, epochs: int = 10, batch_size: int = 32,
            optimizer: Any = None, **kwargs: Any):
        """Train with mini-batches; see :func:`bp.training.fit`."""
        from .training import fit
        return fit(self, X, Y, epochs=epochs, batch_size=batch_size,
                   optimizer=optimizer, **kwargs)
