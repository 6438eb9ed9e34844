r"""Curvature of a network's loss: Hessian-vector products and the top eigenvalue.

The Hessian :math:`H = \nabla^2 \mathcal{L}(\theta)` of a network with :math:`P`
parameters has :math:`P^2` entries, but a product :math:`Hv` costs only two gradients:
the gradient is differentiable, so by a centered difference along :math:`v`

.. math:: H v \approx \frac{\nabla\mathcal{L}(\theta + \varepsilon v)
                            - \nabla\mathcal{L}(\theta - \varepsilon v)}{2\varepsilon},

with an error of order :math:`\varepsilon^2`. Power iteration on these products gives
the eigenvalue of :math:`H` of largest magnitude, the :math:`\lambda_{\max}` that limits
the learning rate of gradient descent (:math:`\alpha < 2/\lambda_{\max}` on a quadratic).

>>> import numpy as np, bp
>>> net = bp.Network([bp.Dense(1, 1, "identity")], loss="mse")
>>> X, Y = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])
>>> lam, _ = top_eigenvalue(lambda v: hvp(net, X, Y, v), net.n_params, seed=0)
>>> round(lam, 6)           # eigenvalues of H = [[5, 3], [3, 2]]: (7 ± sqrt(45))/2
6.854102
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .init import as_generator


def flat_params(net) -> np.ndarray:
    """All parameters of ``net`` as one new vector, layer by layer, ``W`` then ``b``."""
    return np.concatenate([p.ravel() for _, _, p in net.parameters()])


def set_flat_params(net, theta: Any) -> None:
    """Copy ``theta``, shape ``(P,)`` ordered as :func:`flat_params`, into ``net``."""
    theta = _vector(theta, net.n_params, "theta")
    start = 0
    for layer in net.layers:
        W = theta[start:start + layer.W.size].reshape(layer.W.shape)
        start += layer.W.size
        b = theta[start:start + layer.b.size]
        start += layer.b.size
        layer.set_params(W, b)


def flat_gradient(net, X: Any, Y: Any) -> np.ndarray:
    r"""The gradient :math:`\nabla\mathcal{L}(\theta)`, shape ``(P,)``, by backprop."""
    net.forward(X)
    net.backward(Y)
    return np.concatenate([g.ravel() for _, _, g in net.gradients()])


def hvp(net, X: Any, Y: Any, v: Any, eps: float = 1e-5) -> np.ndarray:
    r"""Hessian-vector product :math:`Hv` by a centered difference of two gradients.

    Parameters
    ----------
    net : bp.Network
        Its parameters are restored before returning.
    X, Y : array_like, shapes (N, n_0) and (N, n_L)
    v : array_like, shape (P,)
        The direction (not modified).
    eps : float
        Step along :math:`v / \lVert v\rVert`; the result is scaled back by
        :math:`\lVert v\rVert`.

    Returns
    -------
    ndarray, shape (P,)
    """
    v = _vector(v, net.n_params, "v")
    ok = isinstance(eps, (int, float, np.floating)) and np.isfinite(eps) and eps > 0
    if not ok:
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    norm = float(np.linalg.norm(v))
    if norm == 0:
        return np.zeros_like(v)
    theta = flat_params(net)
    u = v / norm
    try:
        set_flat_params(net, theta + eps * u)
        g_plus = flat_gradient(net, X, Y)
        set_flat_params(net, theta - eps * u)
        g_minus = flat_gradient(net, X, Y)
    finally:
        set_flat_params(net, theta)
    return norm * (g_plus - g_minus) / (2 * eps)


def hessian(net, X: Any, Y: Any, eps: float = 1e-5) -> np.ndarray:
    """The full Hessian, shape ``(P, P)``: one :func:`hvp` per column (small nets)."""
    eye = np.eye(net.n_params)
    return np.column_stack([hvp(net, X, Y, e, eps) for e in eye])


def top_eigenvalue(matvec: Callable[[np.ndarray], np.ndarray], dim: int,
                   iters: int = 200, tol: float = 1e-9,
                   seed: int | np.random.Generator | None = 0,
                   v0: Any = None) -> tuple[float, np.ndarray]:
    r"""Power iteration: the eigenvalue of largest magnitude of a symmetric operator.

    Repeats :math:`v \leftarrow Mv/\lVert Mv\rVert` from a random start and returns the
    Rayleigh quotient :math:`\lambda = v^\top M v` once it changes by less than
    ``tol`` (relative) between iterations. For a Hessian with negative eigenvalues
    larger in magnitude than the positive ones, this is the most *negative* one.

    Parameters
    ----------
    matvec : callable
        ``matvec(v)`` returns :math:`Mv`, shape ``(dim,)``.
    dim : int
    iters : int
        Maximum number of products.
    tol : float
    seed : int or Generator or None
        For the random start.
    v0 : array_like, shape (dim,), optional
        A start vector instead (e.g. the last estimate, when the operator changed).

    Returns
    -------
    lam : float
    v : ndarray, shape (dim,)
        The unit eigenvector estimate.
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be a positive int, got {dim!r}")
    if isinstance(iters, bool) or not isinstance(iters, (int, np.integer)) or iters < 1:
        raise ValueError(f"iters must be a positive int, got {iters!r}")
    v = as_generator(seed).normal(size=dim) if v0 is None else _vector(v0, dim, "v0")
    if not np.linalg.norm(v) > 0:
        raise ValueError("v0 must not be the zero vector")
    v /= np.linalg.norm(v)
    lam = np.inf
    for _ in range(iters):
        w = np.asarray(matvec(v), dtype=float)
        if w.shape != (dim,):
            raise ValueError(f"matvec must return shape ({dim},), got {w.shape}")
        new = float(v @ w)
        norm = float(np.linalg.norm(w))
        if norm == 0:
            return 0.0, v
        v = w / norm
        if abs(new - lam) <= tol * abs(new):
            return new, v
        lam = new
    return lam, v


def _vector(x: Any, size: int, name: str) -> np.ndarray:
    # a copy: the caller's array is never changed
    arr = np.array(x, dtype=float)
    if arr.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},) (one entry per parameter), "
                         f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr
