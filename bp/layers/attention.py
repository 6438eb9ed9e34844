r"""Multi-head self-attention, and its backward pass through the softmax Jacobian.

For a batch ``x`` of shape ``(N, T, d)`` (``d = d_model``), each sequence's rows are
projected to queries, keys and values (as ``nn.MultiheadAttention``'s in-projection),
split into :math:`h` heads of :math:`d_h = d / h` columns, and each head computes
scaled dot-product attention (``torch.nn.functional.scaled_dot_product_attention``):

.. math:: Q = x W_q^\top + b_q, \quad K = x W_k^\top + b_k, \quad V = x W_v^\top + b_v,

.. math:: S = \frac{Q K^\top}{\sqrt{d_h}} + M, \qquad
          P = \operatorname{softmax}_{\text{row}}(S), \qquad O = P V, \qquad
          y = O W_o^\top + b_o,

with :math:`M_{ij} = -\infty` for :math:`j > i` when ``causal`` (step :math:`i` sees
only steps :math:`\le i`), else :math:`M = 0`. Dividing by :math:`\sqrt{d_h}` keeps the
scores' variance near 1 for unit-variance queries and keys, so the softmax does not
saturate as :math:`d_h` grows.

The backward pass is two matrix products and one softmax, each a vector–Jacobian
product. With :math:`\bar O = \partial \mathcal{L}/\partial O`,

.. math:: \bar P = \bar O V^\top, \quad \bar V = P^\top \bar O, \quad
          \bar S = P \odot \Big(\bar P - \big(\textstyle\sum_j \bar P_{ij} P_{ij}\big)
          \mathbf{1}^\top\Big), \quad
          \bar Q = \frac{\bar S K}{\sqrt{d_h}}, \quad
          \bar K = \frac{\bar S^\top Q}{\sqrt{d_h}},

where :math:`\bar S` is the row-wise product with the softmax Jacobian
:math:`\operatorname{diag}(p) - p p^\top` (never formed: :math:`T \times T` per row).
Masked entries have :math:`P_{ij} = 0`, so their gradient is 0 too.
"""
from __future__ import annotations

import numpy as np

from .._validation import check_dtype, check_positive_int
from ..activations import softmax, softmax_vjp
from ..init import as_generator, xavier_uniform
from ._sequence import as_sequence, check_example_shape, check_grad_out
from .base import Layer

_PROJECTIONS = ("q", "k", "v", "o")


class SelfAttention(Layer):
    r"""Multi-head scaled dot-product self-attention on ``(N, T, d_model)``.

    Parameters
    ----------
    d_model : int
        Features per time step (input and output).
    n_heads : int
        Number of heads; must divide ``d_model``.
    causal : bool
        Mask the future: step ``i`` attends to steps ``0..i`` only.
    rng : numpy.random.Generator or int or None
        Source of the initial weights (Xavier uniform per matrix, zero biases).
    dtype : float32 or float64
    name : str, optional

    Attributes
    ----------
    W_q, W_k, W_v, W_o : ndarray, shape (d_model, d_model)
        ``nn.MultiheadAttention``'s ``in_proj_weight`` is ``W_q``, ``W_k``, ``W_v``
        stacked; ``out_proj.weight`` is ``W_o``.
    b_q, b_k, b_v, b_o : ndarray, shape (d_model,)
    d_head : int
        ``d_model // n_heads``.
    scale : float
        :math:`1/\sqrt{d_h}`, the factor of the scores (PyTorch's default ``scale``).
    attn : ndarray, shape (N, n_heads, T, T), or None
        A copy of the attention weights :math:`P` of the last forward (rows sum to
        1; ``attn[n, head, i, j]`` is how much step ``i`` reads from step ``j``).
    """

    def __init__(self, d_model: int, n_heads: int = 1, causal: bool = False,
                 rng: np.random.Generator | int | None = None, dtype=np.float64,
                 name: str | None = None) -> None:
        self.d_model = check_positive_int(d_model, "d_model")
        self.n_heads = check_positive_int(n_heads, "n_heads")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        self.auto_named = name is None
        self.name = name or f"SelfAttention({self.d_model}, heads={self.n_heads})"
        if self.d_model % self.n_heads:
            raise ValueError(f"{self.name}: d_model={self.d_model} is not divisible by "
                             f"n_heads={self.n_heads} (each head takes d_model / "
                             f"n_heads features)")
        if not isinstance(causal, (bool, np.bool_)):
            raise TypeError(f"{self.name}: causal must be a bool, got "
                            f"{type(causal).__name__}")
        self.causal = bool(causal)
        self.d_head = self.d_model // self.n_heads
        self.scale = 1 / np.sqrt(self.d_head)
        self.dtype = check_dtype(dtype)
        gen = as_generator(rng, "rng")
        d = self.d_model
        for p in _PROJECTIONS:
            W = xavier_uniform(d, d, gen)                # fan-in = fan-out = d_model
            setattr(self, f"W_{p}", np.ascontiguousarray(W, dtype=self.dtype))
            setattr(self, f"b_{p}", np.zeros(d, dtype=self.dtype))
            setattr(self, f"dW_{p}", None)
            setattr(self, f"db_{p}", None)
        self._cache: tuple | None = None
        self._out_shape: tuple[int, ...] | None = None

    @property
    def attn(self) -> np.ndarray | None:
        """A copy of the last forward's attention weights, (N, n_heads, T, T)."""
        return None if self._cache is None else self._cache[-1].copy()

    def params(self) -> dict[str, np.ndarray]:
        return {f"{w}_{p}": getattr(self, f"{w}_{p}")
                for p in _PROJECTIONS for w in "Wb"}

    def grads(self) -> dict[str, np.ndarray | None]:
        return {f"{w}_{p}": getattr(self, f"d{w}_{p}")
                for p in _PROJECTIONS for w in "Wb"}

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return check_example_shape(input_shape, self.d_model, self.name)

    # (N, T, d) <-> (N, h, T, d_h)
    def _split(self, a: np.ndarray) -> np.ndarray:
        N, T, _ = a.shape
        return a.reshape(N, T, self.n_heads, self.d_head).transpose(0, 2, 1, 3)

    @staticmethod
    def _merge(a: np.ndarray) -> np.ndarray:
        N, h, T, dh = a.shape
        return a.transpose(0, 2, 1, 3).reshape(N, T, h * dh)

    def config(self) -> dict:
        """The constructor's arguments, for :func:`bp.save`."""
        return {"d_model": self.d_model, "n_heads": self.n_heads, "causal": self.causal}

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Attend within each sequence of ``x`` (N, T, d_model); same shape out."""
        x = as_sequence(x, "input", self.dtype, self.d_model, self.name)
        T = x.shape[1]
        Q, K, V = (self._split(x @ getattr(self, f"W_{p}").T + getattr(self, f"b_{p}"))
                   for p in "qkv")
        S = Q @ K.transpose(0, 1, 3, 2)
        S *= self.scale                                  # (N, h, T, T)
        if self.causal:
            S[..., np.triu(np.ones((T, T), dtype=bool), k=1)] = -np.inf
        P = softmax(S)                       # row-wise; the diagonal is never -inf
        O = self._merge(P @ V)                           # (N, T, d)
        self._cache = (x, Q, K, V, O, P)   # not S: the softmax's VJP reads only P
        self._out_shape = x.shape
        return O @ self.W_o.T + self.b_o

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Given dL/dy (N, T, d_model), fill the eight gradients; return dL/dx."""
        g = check_grad_out(grad_out, self._out_shape, self.dtype, self.name)
        x, Q, K, V, O, P = self._cache
        d = self.d_model
        self.dW_o = g.reshape(-1, d).T @ O.reshape(-1, d)
        self.db_o = g.sum(axis=(0, 1))
        dO = self._split(g @ self.W_o)                   # (N, h, T, d_h)
        dP = dO @ V.transpose(0, 1, 3, 2)                # (N, h, T, T)
        dV = P.transpose(0, 1, 3, 2) @ dO
        dS = softmax_vjp(None, P, dP)                    # P * (dP - rowsum(dP * P))
        dS *= self.scale                                 # now dL/d(QK^T)
        dQ = dS @ K
        dK = dS.transpose(0, 1, 3, 2) @ Q
        dx = np.zeros_like(x)
        xf = x.reshape(-1, d)
        for p, dA in zip("qkv", (dQ, dK, dV)):
            dA = self._merge(dA)                         # (N, T, d)
            setattr(self, f"dW_{p}", dA.reshape(-1, d).T @ xf)
            setattr(self, f"db_{p}", dA.sum(axis=(0, 1)))
            dx += dA @ getattr(self, f"W_{p}")
        return dx

    def __repr__(self) -> str:
        return (f"SelfAttention(d_model={self.d_model}, n_heads={self.n_heads}, "
                f"causal={self.causal}, dtype={self.dtype.name})")
