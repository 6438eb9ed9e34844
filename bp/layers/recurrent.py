r"""The simple (Elman) recurrent layer and backpropagation through time.

For each sequence of a batch ``x`` of shape ``(N, T, n_in)`` (PyTorch's
``batch_first``), with :math:`h_0 = 0`,

.. math:: z_t = W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}, \qquad h_t = f(z_t),
          \qquad t = 1, \dots, T,

exactly as ``torch.nn.RNN(n_in, n_hidden, batch_first=True)`` (parameters
``weight_ih_l0`` = ``W_ih`` (n_hidden, n_in), ``weight_hh_l0`` = ``W_hh`` (n_hidden,
n_hidden), ``bias_ih_l0`` = ``b_ih``, ``bias_hh_l0`` = ``b_hh``).

Backpropagation through time (BPTT) is BP2 along the time axis: the same weights are
used at every step, so the error of :math:`h_t` comes from the output at step
:math:`t` *and* from :math:`h_{t+1}`,

.. math:: \bar h_t = \frac{\partial \mathcal{L}}{\partial h_t}
          = g_t + W_{hh}^\top \delta_{t+1}, \qquad
          \delta_t = \frac{\partial \mathcal{L}}{\partial z_t} = \bar h_t \odot f'(z_t),

and the shared weights sum their gradients over time (BP3 summed over steps),

.. math:: \frac{\partial \mathcal{L}}{\partial W_{ih}} = \sum_t \delta_t x_t^\top, \quad
          \frac{\partial \mathcal{L}}{\partial W_{hh}}
          = \sum_t \delta_t h_{t-1}^\top, \quad
          \frac{\partial \mathcal{L}}{\partial b_{ih}}
          = \frac{\partial \mathcal{L}}{\partial b_{hh}} = \sum_t \delta_t .

with :math:`g_t` the error the output brings to :math:`h_t` (zero for
:math:`t < T` when only :math:`h_T` is returned). Unrolled,
:math:`\partial h_T/\partial h_t
= \prod_{s=t+1}^{T} \operatorname{diag}(f'(z_s))\, W_{hh}`
(the latest step leftmost): a
product of :math:`T - t` Jacobians, which shrinks or grows geometrically with the
distance — the vanishing and exploding gradients that ``grad_h`` lets you measure.
"""
from __future__ import annotations

import numpy as np

from .._validation import check_dtype, check_positive_int, lookup
from ..activations import Activation, get_activation, is_builtin
from ..init import INITIALIZERS, as_generator
from ._sequence import as_sequence, check_example_shape, check_grad_out
from .base import Layer

#: f'(z) from the output a = f(z), for activations where that is cheaper than from z.
_FROM_OUTPUT = {
    "tanh": lambda a: 1 - a * a,
    "sigmoid": lambda a: a * (1 - a),
    "identity": lambda a: np.ones_like(a),
}


class RNN(Layer):
    r"""A one-layer recurrent network,
    ``h_t = f(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Parameters
    ----------
    n_in, n_hidden : int
        Features per time step, and size of the hidden state.
    activation : str
        An element-wise activation from :data:`bp.ACTIVATIONS` (PyTorch offers
        ``"tanh"`` and ``"relu"``).
    return_sequences : bool
        ``False``: the output is the last state :math:`h_T`, shape ``(N, n_hidden)``;
        ``True``: every state, shape ``(N, T, n_hidden)``.
    init : str
        ``"auto"`` is PyTorch's: every weight and bias drawn from
        :math:`U(-1/\sqrt{n_{hidden}}, 1/\sqrt{n_{hidden}})`. A name from
        :data:`bp.INITIALIZERS` draws ``W_ih`` (fan-in ``n_in``) and ``W_hh`` (fan-in
        ``n_hidden``) with that initializer, and the biases are zero.
    rng : numpy.random.Generator or int or None
    dtype : float32 or float64
    name : str, optional

    Attributes
    ----------
    W_ih : ndarray, shape (n_hidden, n_in)
    W_hh : ndarray, shape (n_hidden, n_hidden)
    b_ih, b_hh : ndarray, shape (n_hidden,)
    dW_ih, dW_hh, db_ih, db_hh : ndarray or None
        Filled (overwritten) by :meth:`backward`.
    grad_h : ndarray, shape (N, T, n_hidden), or None
        After :meth:`backward`: ``grad_h[:, t]`` is :math:`\partial\mathcal{L}/\partial
        h_{t+1}`, the whole error of the state after step ``t + 1`` (from its output
        and from every later step). Its norm over ``t`` measures vanishing gradients.
    """

    def __init__(self, n_in: int, n_hidden: int, activation: str = "tanh",
                 return_sequences: bool = False, init: str = "auto",
                 rng: np.random.Generator | int | None = None, dtype=np.float64,
                 name: str | None = None) -> None:
        self.n_in = check_positive_int(n_in, "n_in")
        self.n_hidden = check_positive_int(n_hidden, "n_hidden")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        self.auto_named = name is None
        self.name = name or f"RNN({self.n_in}->{self.n_hidden})"
        self.activation: Activation = get_activation(activation)
        if not self.activation.elementwise:
            raise ValueError(f"{self.name}: the activation must be element-wise, got "
                             f"{self.activation.name!r}")
        if not isinstance(return_sequences, (bool, np.bool_)):
            raise TypeError(f"{self.name}: return_sequences must be a bool, got "
                            f"{type(return_sequences).__name__}")
        self.return_sequences = bool(return_sequences)
        self.dtype = check_dtype(dtype)
        self.init = init
        gen = as_generator(rng, "rng")
        H, k = self.n_hidden, 1 / np.sqrt(self.n_hidden)
        if init == "auto":                       # torch.nn.RNN.reset_parameters
            draws = [gen.uniform(-k, k, s) for s in ((H, n_in), (H, H), H, H)]
        else:
            draw = lookup(INITIALIZERS, init, "initializer")
            draws = [draw(n_in, H, gen), draw(H, H, gen), np.zeros(H), np.zeros(H)]
        self.W_ih, self.W_hh, self.b_ih, self.b_hh = (
            np.ascontiguousarray(a, dtype=self.dtype) for a in draws)
        self.dW_ih = self.dW_hh = self.db_ih = self.db_hh = None
        self.grad_h: np.ndarray | None = None
        self._cache: tuple | None = None
        self._out_shape: tuple[int, ...] | None = None

    def params(self) -> dict[str, np.ndarray]:
        return {"W_ih": self.W_ih, "W_hh": self.W_hh, "b_ih": self.b_ih,
                "b_hh": self.b_hh}

    def grads(self) -> dict[str, np.ndarray | None]:
        return {"W_ih": self.dW_ih, "W_hh": self.dW_hh, "b_ih": self.db_ih,
                "b_hh": self.db_hh}

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        T, _ = check_example_shape(input_shape, self.n_in, self.name)
        return (T, self.n_hidden) if self.return_sequences else (self.n_hidden,)

    def config(self) -> dict:
        """The constructor's arguments, for :func:`bp.save`."""
        return {"n_in": self.n_in, "n_hidden": self.n_hidden,
                "activation": self.activation.name,
                "return_sequences": self.return_sequences, "init": self.init}

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Run the recurrence over ``x`` of shape ``(N, T, n_in)``; cache the states.

        Returns
        -------
        ndarray, shape (N, n_hidden), or (N, T, n_hidden) with ``return_sequences``
            A new array (editing it cannot corrupt the backward pass).
        """
        x = as_sequence(x, "input", self.dtype, self.n_in, self.name)
        N, T, _ = x.shape
        xs = x.transpose(1, 0, 2)                        # time-major view (T, N, n_in)
        Z = xs @ self.W_ih.T                             # (T, N, H): all t at once
        Z += self.b_ih + self.b_hh
        Hs = np.zeros((T + 1, N, self.n_hidden), dtype=self.dtype)   # Hs[0] = h_0 = 0
        W_hhT, f = self.W_hh.T, self.activation.f
        buf = np.empty((N, self.n_hidden), dtype=self.dtype)
        for t in range(T):
            Z[t] += np.matmul(Hs[t], W_hhT, out=buf)
            Hs[t + 1] = f(Z[t])
        self._cache = (xs, Z, Hs)
        out = Hs[1:].transpose(1, 0, 2) if self.return_sequences else Hs[T]
        self._out_shape = out.shape
        return np.array(out, order="C")                  # a copy, never a view of Hs

    def _derivative(self, Z: np.ndarray, Hs: np.ndarray) -> np.ndarray:
        """f'(z_t) for every step at once, shape (T, N, H)."""
        act = self.activation
        if is_builtin(act) and act.name in _FROM_OUTPUT:
            return _FROM_OUTPUT[act.name](Hs[1:])
        return act.df(Z)

    def step_jacobians(self) -> np.ndarray:
        r"""The Jacobians of the last forward's steps, (N, T, n_hidden, n_hidden).

        ``J[n, t]`` is :math:`\partial h_{t+1}/\partial h_t = \operatorname{diag}
        (f'(z_{t+1}))\, W_{hh}` for sequence ``n`` (``t`` counts from 0, as
        :attr:`grad_h`), so :math:`\partial h_T/\partial h_{t+1}` is the product
        ``J[n, T-1] @ ... @ J[n, t+1]``, whose singular values show vanishing and
        exploding gradients directly. Memory: ``N * T * n_hidden**2`` numbers.
        """
        if self._cache is None:
            raise RuntimeError(f"{self.name}: step_jacobians() needs a forward() first")
        _, Z, Hs = self._cache
        J = self._derivative(Z, Hs)[..., None] * self.W_hh     # (T, N, H, H)
        return np.ascontiguousarray(J.transpose(1, 0, 2, 3))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        r"""Backpropagation through time: one loop from ``t = T`` down to 1.

        Parameters
        ----------
        grad_out : ndarray, shape of the last forward's output
            :math:`\partial\mathcal{L}/\partial h_T` (N, n_hidden), or
            :math:`\partial\mathcal{L}/\partial h_t` for every t (N, T, n_hidden).

        Returns
        -------
        ndarray, shape (N, T, n_in)
            :math:`\partial\mathcal{L}/\partial x`.
        """
        g = check_grad_out(grad_out, self._out_shape, self.dtype, self.name)
        xs, Z, Hs = self._cache
        T, N, H = Z.shape
        D = self._derivative(Z, Hs)                      # f'(z_t), (T, N, H)
        delta = np.empty_like(Z)                         # delta[t] = dL/dz_{t+1}
        grad_h = np.empty_like(Z)
        G = g.transpose(1, 0, 2) if self.return_sequences else None
        # dh: the error of h_t; before the loop, what the output gives h_T
        dh = G[T - 1].copy() if G is not None else np.array(g)
        for t in range(T - 1, -1, -1):
            if G is not None and t < T - 1:
                dh += G[t]                               # the output's share at step t
            grad_h[t] = dh
            np.multiply(dh, D[t], out=delta[t])          # BP2's Hadamard product
            dh = delta[t] @ self.W_hh                    # on to h_{t-1}
        flat = delta.reshape(T * N, H)
        self.dW_ih = flat.T @ xs.reshape(T * N, self.n_in)
        self.dW_hh = flat.T @ Hs[:-1].reshape(T * N, H)  # h_{t-1}, with h_0 = 0
        self.db_ih = flat.sum(axis=0)
        self.db_hh = self.db_ih.copy()
        self.grad_h = grad_h.transpose(1, 0, 2)          # (N, T, H), the layer's own
        return delta.transpose(1, 0, 2) @ self.W_ih      # (N, T, n_in), a new array

    def __repr__(self) -> str:
        return (f"RNN(n_in={self.n_in}, n_hidden={self.n_hidden}, "
                f"activation={self.activation.name!r}, "
                f"return_sequences={self.return_sequences}, dtype={self.dtype.name})")
