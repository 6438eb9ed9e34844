r"""Reductions, reshapes and indexing of a :class:`~bp.tensor.Tensor`, with their VJPs.

None of these operations computes anything new from the numbers: each one moves,
copies or adds entries, so each VJP moves :math:`\bar y` back the opposite way. A sum
over an axis copies :math:`\bar y` along it, a transpose transposes it back, an index
scatters it into zeros (adding where an entry was picked twice):

.. math:: y = \sum_j x_{ij} \;\Rightarrow\; \bar x_{ij} = \bar y_i, \qquad
          y = x^\top \;\Rightarrow\; \bar x = \bar y^\top .

:class:`ShapeOps` is a mixin: :class:`~bp.tensor.Tensor` inherits these methods.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

if TYPE_CHECKING:
    from .core import Tensor

Axis = int | tuple[int, ...] | None


def _kept_shape(shape: tuple[int, ...], axis: Axis) -> tuple[tuple[int, ...], int]:
    """The shape of a reduction over ``axis`` with ``keepdims=True``, and how many
    entries each output entry reduces."""
    axes = normalize_axis_tuple(range(len(shape)) if axis is None else axis, len(shape))
    kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return kept, int(np.prod([shape[i] for i in axes], dtype=np.int64))


class ShapeOps:
    """Reductions (sum, mean, log-sum-exp), reshape, transpose and indexing."""

    __slots__ = ()

    def sum(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Sum over ``axis`` (all axes by default); shape as ``ndarray.sum``."""
        x = self.data
        kept, _ = _kept_shape(x.shape, axis)
        y = np.asarray(x.sum(axis=axis, keepdims=keepdims))
        return self._result(y, (
            (self, lambda g: np.broadcast_to(np.reshape(g, kept), x.shape).copy()),),
            "sum")

    def mean(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Mean over ``axis``: the sum divided by the number of entries summed."""
        _, count = _kept_shape(self.data.shape, axis)
        if count == 0:
            raise ValueError(f"Tensor mean over axis {axis} of shape {self.data.shape}: "
                             "no entries to average")
        return self.sum(axis, keepdims) / float(count)

    def logsumexp(self, axis: int = -1, keepdims: bool = False) -> "Tensor":
        r"""Log-sum-exp over one axis, computed without overflow,

        .. math:: y = m + \log \sum_j e^{x_j - m}, \quad m = \max_j x_j, \qquad
                  \bar x_j = \bar y \, \mathrm{softmax}(x)_j .
        """
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
            raise TypeError(f"Tensor logsumexp takes one int axis, got {axis!r}")
        x = self.data
        m = x.max(axis=axis, keepdims=True)
        e = np.exp(x - m)
        s = e.sum(axis=axis, keepdims=True)
        y = m + np.log(s)
        p = e / s
        out = y if keepdims else np.squeeze(y, axis=axis)
        return self._result(out, ((self, lambda g: np.reshape(g, y.shape) * p),), "logsumexp")

    def reshape(self, *shape: int) -> "Tensor":
        """The same entries in a new shape (as ``ndarray.reshape``)."""
        x = self.data
        try:
            y = x.reshape(*shape)
        except ValueError:
            raise ValueError(f"Tensor reshape: cannot reshape shape {x.shape} "
                             f"({x.size} entries) into {shape}") from None
        return self._result(y, ((self, lambda g: g.reshape(x.shape)),), "reshape")

    def transpose(self, *axes: int) -> "Tensor":
        """Permute the axes (reverse them when none are given), as ``ndarray.transpose``."""
        perm = normalize_axis_tuple(axes or tuple(reversed(range(self.data.ndim))),
                                    self.data.ndim)
        if len(perm) != self.data.ndim:
            raise ValueError(f"Tensor transpose: axes {axes} do not permute the "
                             f"{self.data.ndim} axes of shape {self.data.shape}")
        inverse = tuple(int(i) for i in np.argsort(perm))
        return self._result(self.data.transpose(perm), (
            (self, lambda g: g.transpose(inverse)),), "transpose")

    T = property(lambda self: self.transpose(), doc="The transpose (axes reversed).")

    def __getitem__(self, index: Any) -> "Tensor":
        """Indexing, e.g. ``Z[np.arange(N), labels]`` picks one logit per row; the VJP
        scatters :math:`\\bar y` into zeros of the input's shape (``np.add.at``)."""
        x = self.data
        if isinstance(index, type(self)):
            raise TypeError("Tensor index must be ints, slices or integer arrays, not a "
                            "Tensor")

        def vjp(g: np.ndarray) -> np.ndarray:
            out = np.zeros_like(x)
            np.add.at(out, index, g)
            return out
        return self._result(np.array(x[index]), ((self, vjp),), "index")
