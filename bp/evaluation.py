r"""What a trained :class:`bp.Network` is used for: decisions, accuracy, a summary.

Prediction runs in evaluation mode (:meth:`bp.layers.Layer.eval`: dropout is the
identity, batch norm uses its running statistics) and puts back the mode it found,

.. math:: \hat y = F_{\text{eval}}(X), \qquad
          \text{accuracy} = \frac1N \sum_{n=1}^N [\operatorname{decide}(\hat y_n) = y_n],

so that asking for a validation score in the middle of training changes nothing about
the training that follows. :class:`Evaluation` is the part of :class:`bp.Network` that
holds these methods.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from .layers.dense import Dense


@contextmanager
def eval_mode(net) -> Iterator[None]:
    """Run the block with every layer in evaluation mode, then restore each layer's mode."""
    modes = [getattr(layer, "training", True) for layer in net.layers]
    net.eval()
    try:
        yield
    finally:
        for layer, was in zip(net.layers, modes):
            layer.train() if was else layer.eval()


@contextmanager
def train_mode(net) -> Iterator[None]:
    """Run the block with every layer in training mode, then restore each layer's mode."""
    modes = [getattr(layer, "training", True) for layer in net.layers]
    net.train()
    try:
        yield
    finally:
        for layer, was in zip(net.layers, modes):
            layer.train() if was else layer.eval()


class Evaluation:
    """Mixin of :class:`bp.Network`: modes, prediction, accuracy and the summary table."""

    @property
    def training(self) -> bool:
        """``True`` when every layer is in training mode."""
        return all(getattr(layer, "training", True) for layer in self.layers)

    def train(self):
        """Every layer in training mode (the default); returns the network."""
        for layer in self.layers:
            layer.train()
        return self

    def eval(self):
        """Every layer in evaluation mode; returns the network."""
        for layer in self.layers:
            layer.eval()
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Decisions for classification losses (see :meth:`bp.losses.Loss.decide`): labels
        (batch,), or 0/1 (batch, n_out) for multi-label ``bce``; else the outputs.
        Runs in evaluation mode."""
        with eval_mode(self):
            P = self.forward(X)
        return self.loss_fn.decide(P) if self.is_classifier else P

    def accuracy(self, X: Any, Y: Any) -> float:
        """Fraction of correct decisions, every output counted for multi-label ``bce``.

        Also for ``mse`` (a classifier trained on one-hot targets, or one 0/1 output).
        Runs in evaluation mode.
        """
        with eval_mode(self):
            P = self.forward(X)
        return float(np.mean(self.loss_fn.decide(P) == self.labels(Y)))

    def labels(self, Y: Any) -> np.ndarray:
        """Targets as decisions: argmax of one-hot rows, or 0/1 at the threshold 0.5."""
        return self.loss_fn.decide(self.targets(Y), logits=False)

    def input_gradient(self, X: Any, Y: Any) -> np.ndarray:
        r""":math:`\partial\mathcal L/\partial X` for a batch, shape ``(batch, *input_shape)``
        (the backward pass of training skips it: nothing learns from it). The layers'
        gradients are filled as by :meth:`backward`."""
        from .stack import backward_steps
        self.forward(X)
        grad = self.output_delta(self.targets(Y))                      # BP1
        for backward, input_grad in reversed(backward_steps(self.layers, self._dense_out,
                                                            True)):
            grad = backward(grad, input_grad)
        return grad

    def summary(self) -> str:
        """A table of every layer's shapes and parameter counts.

        A network of Dense layers shows ``W``/``b`` shapes and activations; any other
        stack shows each layer's per-example output shape and its parameters.
        """
        if all(isinstance(l, Dense) for l in self.layers):
            rows = [f"{'layer':<8}{'W shape':>12}{'b shape':>10}{'activation':>12}"
                    f"{'params':>9}"]
            for i, l in enumerate(self.layers, start=1):
                rows.append(f"{i:<8}{str(l.W.shape):>12}{str(l.b.shape):>10}"
                            f"{l.activation.name:>12}{l.n_params:>9}")
            rows.append(f"{'total':<42}{self.n_params:>9}")
            return "\n".join(rows)
        rows = [f"{'layer':<8}{'type':<14}{'output shape':>16}{'params':>10}",
                f"{'input':<8}{'':<14}{str(self.input_shape):>16}{'':>10}"]
        for i, (l, shape) in enumerate(zip(self.layers, self.shapes), start=1):
            rows.append(f"{i:<8}{type(l).__name__:<14}{str(shape):>16}{l.n_params:>10}")
        rows.append(f"{'total':<38}{self.n_params:>10}")
        return "\n".join(rows)
