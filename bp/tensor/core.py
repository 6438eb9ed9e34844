r"""The :class:`Tensor`: an array in a computational graph, with its vector–Jacobian products.

Each operation stores, for every input ``x`` of its output ``y``, a function that maps
:math:`\bar y = \partial ℒ/\partial y` (shaped as ``y``) to the contribution
:math:`J^\top \bar y` to :math:`\bar x` (shaped as ``x``), never the Jacobian ``J`` itself.
For :math:`Y = A B`, for instance, the two products are

.. math:: \bar A = \bar Y B^\top, \qquad \bar B = A^\top \bar Y,

and for a broadcast operation the product sums :math:`\bar y` over the axes that
broadcasting repeated (:func:`unbroadcast`).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._validation import FLOAT_DTYPES
from ..activations import sigmoid as stable_sigmoid
from ..autodiff import topological_order
from .shapes import ShapeOps

Number = int | float
VJP = Callable[[np.ndarray], np.ndarray]
Operand = Any            # a Tensor, a number, or an array of floats (a constant)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added to or stretched in
    ``shape``."""
    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead))) if lead else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _float_array(data: Any, what: str) -> np.ndarray:
    arr = np.array(data.data if isinstance(data, Tensor) else data)   # a copy: ours
    if arr.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{what} must be float32 or float64, got dtype {arr.dtype}; "
                        "convert with .astype(np.float64) (only real floats have gradients)")
    return arr


#: Element-wise operations: name -> (f(x), local derivative f'(x) from x and y = f(x)).
UNARY: dict[str, tuple[Callable, Callable]] = {
    "exp": (np.exp, lambda x, y: y),
    "log": (np.log, lambda x, y: 1.0 / x),
    "tanh": (np.tanh, lambda x, y: 1.0 - y * y),
    "sigmoid": (stable_sigmoid, lambda x, y: y * (1.0 - y)),
    "relu": (lambda x: np.maximum(x, 0.0), lambda x, y: (x > 0).astype(x.dtype)),
}


class Tensor(ShapeOps):
    """A float array in a computational graph, with ``grad`` = :math:`\\partial ℒ/\\partial`
    self (the same shape) after :meth:`backward`.

    Parameters
    ----------
    data : array_like of float32 or float64
        Copied: changing the caller's array later does not change the tensor.
    label : str
        A name for display.
    """

    __slots__ = ("data", "grad", "parents", "op", "label")
    __array_ufunc__ = None        # ndarray + Tensor calls Tensor.__radd__, not NumPy

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = _float_array(data, f"Tensor {label}".rstrip())
        self.grad: np.ndarray | None = None
        self.parents: tuple[tuple[Tensor, VJP], ...] = ()
        self.op = ""
        self.label = label

    @classmethod
    def _result(cls, data: np.ndarray, parents: tuple, op: str) -> Tensor:
        out = cls.__new__(cls)                    # an operation's own result: no copy
        out.data, out.grad, out.parents, out.op, out.label = data, None, parents, op, ""
        return out

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)

    def __repr__(self) -> str:
        name = f"{self.label}, " if self.label else ""
        return f"Tensor({name}shape={self.shape}, dtype={self.dtype}, op={self.op!r})"

    def lift(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``other`` as a Tensor (a constant of this tensor's dtype if it is a number)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float, np.number)) and not isinstance(other, bool):
            return Tensor(np.asarray(other, dtype=self.dtype))
        return Tensor(other)

    # ------------------------------------------------------- broadcasting arithmetic
    def _binary(self, other: Operand, op: str, f: Callable, da: Callable,
                db: Callable) -> Tensor:
        other = self.lift(other)
        a, b = self.data, other.data
        try:
            data = f(a, b)
        except ValueError:
            raise ValueError(f"Tensor {op}: shapes {a.shape} and {b.shape} do not "
                             "broadcast together") from None
        return Tensor._result(data, (
            (self, lambda g: unbroadcast(da(g, a, b), a.shape)),
            (other, lambda g: unbroadcast(db(g, a, b), b.shape))), op)

    def __add__(self, other: Operand) -> Tensor:
        return self._binary(other, "+", np.add, lambda g, a, b: g, lambda g, a, b: g)

    def __sub__(self, other: Operand) -> Tensor:
        return self._binary(other, "-", np.subtract, lambda g, a, b: g, lambda g, a, b: -g)

    def __mul__(self, other: Operand) -> Tensor:
        return self._binary(other, "*", np.multiply,
                            lambda g, a, b: g * b, lambda g, a, b: g * a)

    def __truediv__(self, other: Operand) -> Tensor:
        return self._binary(other, "/", np.divide, lambda g, a, b: g / b,
                            lambda g, a, b: -g * a / (b * b))

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other: Operand) -> Tensor:
        return self.lift(other) - self

    def __rtruediv__(self, other: Operand) -> Tensor:
        return self.lift(other) / self

    def __neg__(self) -> Tensor:
        return Tensor._result(-self.data, ((self, lambda g: -g),), "neg")

    def __pow__(self, k: Number) -> Tensor:
        """``self ** k`` for a constant ``k``: :math:`\\bar x = k x^{k-1} \\bar y`
        (0 for ``k = 0``)."""
        if isinstance(k, bool) or not isinstance(k, (int, float)):
            raise TypeError(f"Tensor ** k needs a constant int or float k, got "
                            f"{type(k).__name__}")
        x = self.data
        slope = (lambda: np.zeros_like(x)) if k == 0 else (lambda: k * x ** (k - 1))
        return Tensor._result(x ** k, ((self, lambda g: g * slope()),), f"**{k}")

    def __matmul__(self, other: Operand) -> Tensor:
        """``A @ B`` for ``A`` (..., n, k) and ``B`` (..., k, m):
        :math:`\\bar A = \\bar Y B^\\top`, :math:`\\bar B = A^\\top \\bar Y`
        (summed over broadcast batch axes)."""
        other = self.lift(other)
        a, b = self.data, other.data
        if a.ndim < 2 or b.ndim < 2:
            raise ValueError(f"Tensor @: both operands must be at least 2-D, got "
                             f"shapes {a.shape} and {b.shape}; reshape a vector to "
                             "(1, n) or (n, 1)")
        if a.shape[-1] != b.shape[-2]:
            raise ValueError(f"Tensor @: shapes {a.shape} and {b.shape} do not align "
                             f"({a.shape[-1]} columns against {b.shape[-2]} rows)")
        try:
            data = a @ b
        except ValueError:
            raise ValueError(f"Tensor @: batch axes of shapes {a.shape} and {b.shape} "
                             "do not broadcast together") from None
        return Tensor._result(data, (
            (self, lambda g: unbroadcast(g @ np.swapaxes(b, -1, -2), a.shape)),
            (other, lambda g: unbroadcast(np.swapaxes(a, -1, -2) @ g, b.shape))), "@")

    def __rmatmul__(self, other: Operand) -> Tensor:
        return self.lift(other) @ self

    # ------------------------------------------------------ element-wise functions
    def _unary(self, name: str) -> Tensor:
        f, df = UNARY[name]                       # looked up at call time (see the tests)
        x = self.data
        y = np.asarray(f(x), dtype=x.dtype)
        return Tensor._result(y, ((self, lambda g: g * df(x, y)),), name)

    def exp(self) -> Tensor:
        return self._unary("exp")

    def log(self) -> Tensor:
        if np.any(self.data <= 0):
            raise ValueError(f"Tensor log: the input has non-positive entries "
                             f"(min {self.data.min():.4g})")
        return self._unary("log")

    def tanh(self) -> Tensor:
        return self._unary("tanh")

    def sigmoid(self) -> Tensor:
        """:math:`\\sigma(x)`, computed without overflow (:func:`bp.activations.sigmoid`)."""
        return self._unary("sigmoid")

    def relu(self) -> Tensor:
        return self._unary("relu")

    def identity(self) -> Tensor:
        return self

    # ------------------------------------------------------------------ backward
    def topological_order(self) -> list[Tensor]:
        """Every tensor this one depends on, each after all of its parents: the scalar
        engine's :func:`bp.autodiff.topological_order`, which needs only ``parents``."""
        return topological_order(self)

    def backward(self, grad: Any = None) -> None:
        """Set ``grad`` of every tensor in the graph to the derivative of ``self``.

        Parameters
        ----------
        grad : array_like, optional
            :math:`\\bar y`, the shape of ``self``; may be left out only for a tensor
            with one element (a loss), where it is 1.

        Gradients are reset first (unlike PyTorch, which adds to ``.grad`` until
        ``zero_grad``), then *accumulated* over every path: a tensor used twice gets the
        sum of both contributions.
        """
        if grad is None:
            if self.data.size != 1:
                raise ValueError(f"backward on a tensor of shape {self.shape} needs "
                                 "grad= of that shape (only a scalar loss defaults "
                                 "to 1)")
            grad = np.ones_like(self.data)
        grad = _float_array(grad, "backward's grad")
        if grad.shape != self.shape:
            raise ValueError("backward's grad must have the tensor's shape "
                             f"{self.shape}, got {grad.shape}")
        order = self.topological_order()
        for node in order:
            node.grad = np.zeros_like(node.data)
        self.grad += grad
        for node in reversed(order):          # outputs first, inputs last
            for parent, vjp in node.parents:
                parent.grad += vjp(node.grad)
