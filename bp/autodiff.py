r"""A tiny scalar reverse-mode automatic differentiation engine.

Every :class:`Value` remembers the values it was computed from and the *local*
derivative of the operation that made it. :meth:`Value.backward` visits the graph in
reverse topological order and applies the chain rule,

.. math:: \bar v_i = \sum_{j:\ i \to j} \bar v_j \, \frac{\partial v_j}{\partial v_i},
          \qquad \bar v = \frac{\partial ℒ}{\partial v},

so one backward pass yields the derivative of the output with respect to *every*
input, at a cost of a small multiple of the forward pass. This is what backpropagation
is, written once for any graph; PyTorch's autograd does the same on tensors.

>>> from bp.autodiff import Value
>>> x, w = Value(0.5), Value(-1.0)
>>> y = (x * w + 1).tanh()
>>> y.backward()
>>> round(x.grad, 6), round(w.grad, 6)   # dy/dx = w (1 - y^2), dy/dw = x (1 - y^2)
(-0.786448, 0.393224)
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable, NamedTuple, Sequence

import numpy as np

from ._validation import as_matrix, as_targets
from .activations import sigmoid as stable_sigmoid
from .dual import power_rule

Number = int | float


def topological_order(root: Any) -> list:
    """Every node ``root`` depends on, ``root`` last, each after all of its parents.

    A depth-first search with an explicit stack (a graph thousands of operations deep
    does not reach Python's recursion limit): a node is appended when it is popped the
    second time, after all of its parents. Any node with ``parents``, a tuple of
    ``(parent, edge)`` pairs, will do: :class:`Value` (the edge is a local derivative)
    and :class:`bp.tensor.Tensor` (the edge is a vector-Jacobian product) share it.
    """
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p, _ in node.parents if id(p) not in seen)
    return order


class Value:
    """A scalar in a computational graph, with ``grad`` = :math:`\\partial ℒ/\\partial` self.

    Parameters
    ----------
    data : float
    parents : tuple of (Value, local derivative)
        Filled by operations; leave empty for inputs and parameters.
    op : str
        Name of the operation that made this value (for display).
    """

    __slots__ = ("data", "grad", "parents", "op", "label")

    def __init__(self, data: Number, parents: tuple = (), op: str = "", label: str = ""):
        if isinstance(data, Value) or not isinstance(data, (int, float, np.floating, np.integer)):
            raise TypeError(f"Value holds a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.parents: tuple[tuple[Value, float], ...] = parents
        self.op = op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------ operations
    @staticmethod
    def lift(other: Value | Number) -> Value:
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other: Value | Number) -> Value:
        other = Value.lift(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)), "+")

    def __mul__(self, other: Value | Number) -> Value:
        other = Value.lift(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)), "*")

    def __pow__(self, k: Number) -> Value:
        """``self ** k`` for a constant ``k``; at 0 see :func:`bp.dual.power_rule`
        (``Value(0.0) ** 0`` is 1 with derivative 0)."""
        value, slope = power_rule(self.data, k, "Value")
        return Value(value, ((self, slope),), f"**{k}")

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | Number) -> Value:
        return self + (-Value.lift(other))

    def __truediv__(self, other: Value | Number) -> Value:
        return self * Value.lift(other) ** -1

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other: Number) -> Value:
        return Value.lift(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return Value.lift(other) / self

    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, ((self, e),), "exp")

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log of a non-positive value {self.data}")
        return Value(math.log(self.data), ((self, 1.0 / self.data),), "log")

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value(t, ((self, 1.0 - t * t),), "tanh")

    def sigmoid(self) -> Value:
        s = float(stable_sigmoid(self.data))
        return Value(s, ((self, s * (1.0 - s)),), "sigmoid")

    def relu(self) -> Value:
        return Value(max(self.data, 0.0), ((self, 1.0 if self.data > 0 else 0.0),), "relu")

    def identity(self) -> Value:
        return self

    # -------------------------------------------------------------- backward
    def topological_order(self) -> list[Value]:
        """Every value this one depends on, each after all of its parents
        (:func:`topological_order`)."""
        return topological_order(self)

    def backward(self) -> None:
        """Set ``grad`` of every value in the graph to the derivative of ``self``.

        Gradients are reset first, so calling ``backward`` twice gives the same result.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):          # outputs first, inputs last
            for parent, local in node.parents:
                parent.grad += node.grad * local


class GraphLoss(NamedTuple):
    """A network's loss built from :class:`Value` scalars, and the Values inside it.

    ``W[l][j][k]`` and ``b[l][j]`` are the parameters of layer ``l + 1``;
    ``Z[l][n][j]`` is the weighted input of neuron ``j`` of layer ``l + 1`` for example
    ``n``. After ``loss.backward()``, ``Z[l][n][j].grad`` is the error term
    :math:`\\delta` that :meth:`bp.Network.backward` stores in ``layer.delta[n, j]``.
    """

    loss: Value
    W: list
    b: list
    Z: list


def network_loss(net, X: np.ndarray, Y: np.ndarray) -> GraphLoss:
    """Build ``net``'s loss on ``(X, Y)`` out of :class:`Value` scalars.

    ``X`` has shape (batch, n_in) and ``Y`` (batch, n_out) (or (batch,) for one
    output), checked as :meth:`bp.Network.loss` checks them.

    Supports element-wise activations with a :class:`Value` method of the same name
    (identity, sigmoid, tanh, relu) and the ``mse`` loss, reduced like bp (mean over
    all elements). After ``loss.backward()`` the ``grad`` of the returned weights,
    biases and weighted inputs equal bp's ``dW``, ``db`` and ``delta``.
    """
    if net.loss_fn.name != "mse":
        raise ValueError(f"network_loss supports the 'mse' loss, got {net.loss_fn.name!r}")
    acts = []
    for layer in net.layers:
        name = layer.activation.name
        if not hasattr(Value, name):
            raise ValueError(f"{layer.name}: activation {name!r} is not supported by Value")
        acts.append(getattr(Value, name))
    Ws = [[[Value(w, label=f"w{l+1}_{j}{k}") for k, w in enumerate(row)]
           for j, row in enumerate(layer.W)] for l, layer in enumerate(net.layers)]
    bs = [[Value(v, label=f"b{l+1}_{j}") for j, v in enumerate(layer.b)]
          for l, layer in enumerate(net.layers)]
    X = as_matrix(X, "X", np.dtype(np.float64), n_cols=net.n_in, where="network_loss")
    Y = as_targets(Y, np.empty((X.shape[0], net.n_out)), net.loss_fn, where="network_loss")
    Zs: list = [[] for _ in net.layers]
    total = Value(0.0)
    for x_row, y_row in zip(X, Y):
        a: Sequence[Value | float] = list(x_row)
        for l, (W, b, f) in enumerate(zip(Ws, bs, acts)):
            z = [sum((w * ai for w, ai in zip(row, a)), bj) for row, bj in zip(W, b)]
            Zs[l].append(z)
            a = [f(zj) for zj in z]
        total = total + sum((ai - yi) ** 2 for ai, yi in zip(a, y_row))
    return GraphLoss(total / float(Y.size), Ws, bs, Zs)


def grad_of(f: Callable[..., Value], *xs: Number) -> list[float]:
    """Derivatives of a scalar function of scalars, by one reverse pass."""
    inputs = [Value(x) for x in xs]
    out = f(*inputs)
    out.backward()
    return [v.grad for v in inputs]


def values(xs: Iterable[Value]) -> np.ndarray:
    """The ``data`` of Values as an array."""
    return np.array([v.data for v in xs])
