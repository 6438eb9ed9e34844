r"""The fully connected (dense) layer.

A layer with :math:`n_{in}` inputs and :math:`n_{out}` neurons holds

* ``W``, shape ``(n_out, n_in)`` — row :math:`j` holds the weights *into* neuron
  :math:`j`, as in PyTorch's ``nn.Linear.weight``;
* ``b``, shape ``(n_out,)``.

In mathematics an example is a column vector, :math:`z = W a + b`. In code a batch
stacks examples as *rows*, so the same computation reads

.. math:: Z = A_{prev} W^\top + b, \qquad A = f(Z).

The forward pass caches ``A_prev``, ``Z`` and ``A``. The backward pass follows the
layer protocol (:mod:`bp.layers.base`): :meth:`Dense.backward` receives
:math:`\bar A = \partial \mathcal{L}/\partial A` and applies BP2's local factor,

.. math:: \delta = \bar A \odot f'(Z) \quad (\text{softmax: } \delta_n = J_n^\top \bar A_n),

then :meth:`Dense.backward_delta` (where the network's BP1 enters the output layer
directly) applies BP3 and BP4 and hands BP2's sum back to the layer below,

.. math:: \frac{\partial \mathcal{L}}{\partial W} = \delta^\top A_{prev}, \qquad
          \frac{\partial \mathcal{L}}{\partial b} = \textstyle\sum_n \delta_n, \qquad
          \frac{\partial \mathcal{L}}{\partial A_{prev}} = \delta W,

storing ``delta`` (:math:`\delta = \partial \mathcal{L}/\partial Z`), ``dW`` and ``db`` on
the layer.
"""
from __future__ import annotations

import numpy as np

from .._validation import as_matrix, asarray, check_dtype, check_positive_int
from ..activations import Activation, get_activation
from ..init import as_generator, resolve
from .base import Layer


class Dense(Layer):
    """A fully connected layer ``A = f(A_prev @ W.T + b)``.

    Parameters
    ----------
    n_in, n_out : int
        Number of inputs and of neurons.
    activation : str
        A name from :data:`bp.activations.ACTIVATIONS`.
    init : str
        A name from :data:`bp.init.INITIALIZERS`, or ``"auto"`` (He for the ReLU
        family, Xavier otherwise).
    rng : numpy.random.Generator or int or None
        Source of the initial weights.
    dtype : float32 or float64
    name : str, optional
        Used in error messages; the network names its layers ``"layer 1"``, ... .

    Attributes
    ----------
    W : ndarray, shape (n_out, n_in)
    b : ndarray, shape (n_out,)
    dW, db, delta : ndarray or None
        Filled by the backward pass; overwritten (never accumulated) by each call.
    A_prev, Z, A : ndarray or None
        Cached by :meth:`forward`.
    """

    def __init__(self, n_in: int, n_out: int, activation: str = "sigmoid",
                 init: str = "auto", rng: np.random.Generator | int | None = None,
                 dtype=np.float64, name: str | None = None) -> None:
        self.n_in = check_positive_int(n_in, "n_in")
        self.n_out = check_positive_int(n_out, "n_out")
        self.activation: Activation = get_activation(activation)
        self.dtype = check_dtype(dtype)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        #: A network renames its layers "layer 1 (Dense(2->3))", ... unless named by you.
        self.auto_named = name is None
        self.name = name or f"Dense({self.n_in}->{self.n_out})"
        if not self.activation.elementwise and self.n_out < 2:
            raise ValueError(f"{self.name}: {self.activation.name} over a single unit is the "
                             "constant 1 (its gradient is 0); use n_out >= 2, or sigmoid")
        draw = resolve(init, self.activation.name)
        self.init = init
        gen = as_generator(rng, "rng")
        self.W = np.ascontiguousarray(draw(self.n_in, self.n_out, gen), dtype=self.dtype)
        self.b = np.zeros(self.n_out, dtype=self.dtype)
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None
        self.delta: np.ndarray | None = None
        self.A_prev: np.ndarray | None = None
        self.Z: np.ndarray | None = None
        self.A: np.ndarray | None = None

    def forward(self, A_prev: np.ndarray, check: bool = True) -> np.ndarray:
        """Compute and cache ``Z = A_prev @ W.T + b`` and ``A = f(Z)``.

        Parameters
        ----------
        A_prev : ndarray, shape (batch, n_in)
        check : bool
            ``True`` (the default) checks and converts ``A_prev`` and returns a copy;
            :class:`bp.Network`, which checks its input once, passes ``False``.

        Returns
        -------
        A : ndarray, shape (batch, n_out)
            A copy of the cached ``self.A``: editing it cannot corrupt a later backward
            pass (as with :meth:`bp.Network.forward`). ``A_prev`` itself is cached
            without a copy (when it has the layer's dtype), so that a layer can share
            the previous layer's ``A`` as :class:`bp.Network` does: do not change it
            before the backward pass (:meth:`bp.Network.forward` copies its ``X``).
        """
        if check:
            A_prev = as_matrix(A_prev, "input", self.dtype, n_cols=self.n_in,
                               where=self.name)
        self.A_prev = A_prev
        self.Z = A_prev @ self.W.T + self.b
        self.A = self.activation.f(self.Z)
        return self.A.copy() if check else self.A

    def backward(self, grad_out: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        r"""The layer protocol's backward: ``grad_out`` is
        :math:`\partial\mathcal L/\partial A`.

        Parameters
        ----------
        grad_out : ndarray, shape (batch, n_out)
        input_grad : bool
            ``False`` skips the product ``delta @ W`` (the network's first layer).

        Returns
        -------
        ndarray, shape (batch, n_in), or None
            :math:`\partial\mathcal L/\partial A_{prev}`, from :meth:`backward_delta`.
        """
        f = self.activation
        if f.elementwise:
            delta = grad_out * f.df(self.Z)                  # BP2's local factor f'(Z)
        else:
            delta = f.vjp(self.Z, self.A, grad_out)          # softmax: J^T grad_out
        return self.backward_delta(delta, input_grad)

    def backward_delta(self, delta: np.ndarray,
                       input_grad: bool = True) -> np.ndarray | None:
        r"""BP3 and BP4 for a given :math:`\delta = \partial\mathcal L/\partial Z`
        (shape (batch, n_out)); returns :math:`\delta W = \partial\mathcal L/\partial
        A_{prev}`, BP2's sum over this layer's neurons (``None`` if not ``input_grad``).
        The network's BP1 enters the output layer here."""
        self.delta = delta
        self.dW = self.db = None                             # freed first: peak memory
        self.dW = delta.T @ self.A_prev                      # BP3
        self.db = delta.sum(axis=0)                          # BP4
        return delta @ self.W if input_grad else None        # dL/dA_prev, for BP2 below

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """``(n_out,)`` for an input of shape ``(n_in,)``, else ``ValueError``."""
        if tuple(input_shape) != (self.n_in,):
            hint = ": add a bp.Flatten() before it" if len(input_shape) > 1 else ""
            raise ValueError(f"{self.name} expects {self.n_in} inputs (per-example shape "
                             f"({self.n_in},)), got per-example shape {tuple(input_shape)}"
                             f"{hint}")
        return (self.n_out,)

    def config(self) -> dict:
        """The constructor's arguments, for :func:`bp.save`."""
        return {"n_in": self.n_in, "n_out": self.n_out, "activation": self.activation.name,
                "init": self.init}

    def params(self) -> dict[str, np.ndarray]:
        """The trainable arrays, by name (the arrays themselves, not copies)."""
        return {"W": self.W, "b": self.b}

    def grads(self) -> dict[str, np.ndarray | None]:
        """The gradients of the last backward pass, by parameter name."""
        return {"W": self.dW, "b": self.db}

    def set_params(self, W: np.ndarray, b: np.ndarray) -> None:
        """Copy new values into ``W`` (n_out, n_in) and ``b`` (n_out,), checking them.

        The values are cast to the layer's dtype; the caller's arrays are not kept.
        A value that is not finite, before or after the cast (``1e39`` overflows
        float32), raises ``ValueError``.
        """
        new = {}
        for key, value, own in (("W", W, self.W), ("b", b, self.b)):
            arr = asarray(value, f"{self.name}: {key}")
            if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
                raise TypeError(f"{self.name}: {key} must be a real array, got dtype {arr.dtype}")
            if arr.shape != own.shape:
                raise ValueError(f"{self.name}: {key} must have shape {own.shape}, "
                                 f"got shape {arr.shape}")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{self.name}: {key} contains NaN or inf")
            with np.errstate(over="ignore"):          # reported just below
                cast = arr.astype(self.dtype)
            if not np.all(np.isfinite(cast)):
                big = float(np.max(np.abs(arr[~np.isfinite(cast)])))
                raise ValueError(f"{self.name}: {key} overflows {self.dtype} (a value of "
                                 f"magnitude {big:.3g} > {np.finfo(self.dtype).max:.3g})")
            new[key] = cast
        self.W[...] = new["W"]
        self.b[...] = new["b"]

    @property
    def n_params(self) -> int:
        return self.W.size + self.b.size

    def __repr__(self) -> str:
        return (f"Dense(n_in={self.n_in}, n_out={self.n_out}, "
                f"activation={self.activation.name!r}, dtype={self.dtype.name})")
