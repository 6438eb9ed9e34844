r"""A small vectorized reverse-mode engine: :mod:`bp.autodiff` on arrays.

:class:`~bp.autodiff.Value` holds one number and, for each parent, one local
derivative. A :class:`Tensor` holds an array and, for each parent, a *vector–Jacobian
product* (VJP): a function from :math:`\bar y = \partial \mathcal{L}/\partial y` to the
parent's share of :math:`\bar x = J^\top \bar y`, computed without ever forming the
Jacobian :math:`J`. :meth:`Tensor.backward` visits the graph in reverse topological
order and adds up those shares, exactly as :meth:`Value.backward` does,

.. math:: \bar x = \sum_{y:\ x \to y} J_{y,x}^\top \, \bar y ,

which is what PyTorch's autograd does with its own ``Tensor``.

>>> import numpy as np
>>> from bp.tensor import Tensor
>>> W = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]))
>>> x = Tensor(np.array([[1.0], [2.0]]))
>>> loss = (W @ x).tanh().sum()
>>> loss.backward()
>>> W.grad.shape, bool(np.allclose(W.grad[0], (1 - np.tanh(-3.0) ** 2) * np.array([1, 2])))
((2, 2), True)

Modules: :mod:`bp.tensor.core` (the graph, broadcasting arithmetic, matmul,
element-wise functions), :mod:`bp.tensor.shapes` (sums, log-sum-exp, reshapes,
indexing), :mod:`bp.tensor.losses` (cross-entropy, MSE, a :class:`bp.Network`'s loss).
"""
from .core import UNARY, Tensor, unbroadcast
from .losses import cross_entropy, mse, network_loss

__all__ = ["Tensor", "UNARY", "unbroadcast", "cross_entropy", "mse", "network_loss"]
