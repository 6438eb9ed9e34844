r"""Two more gradient checks: along random directions, and with respect to the input.

*Directional check.* For a unit vector :math:`v` in parameter space, the directional
derivative is :math:`v^\top\nabla\mathcal L`, and a centered difference along :math:`v`
estimates it from two loss evaluations, whatever the number of parameters :math:`P`:

.. math:: \frac{\mathcal L(\theta + hv) - \mathcal L(\theta - hv)}{2h}
          = v^\top \nabla\mathcal L + O(h^2).

A wrong gradient :math:`g \ne \nabla\mathcal L` fails for almost every random :math:`v`
(it passes only if :math:`v \perp g - \nabla\mathcal L`), so a few directions test all
:math:`P` entries at once; they do not say *which* entry is wrong.

*Input gradient.* :math:`\partial\mathcal L/\partial X = \delta^1 W^1`, shape
:math:`(N, n_0)`: one BP2 step past the first layer (with :math:`f' = 1` for the input).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import check_positive_int
from .gradcheck import GradCheckReport, ParamCheck, numerical_gradient, relative_error
from .init import as_generator


@dataclass
class DirectionalReport:
    """The result of :func:`directional_check`: one row per random direction.

    Attributes
    ----------
    numeric, analytic : ndarray, shape (n_directions,)
        The centered difference along each :math:`v` and :math:`v^\top g_{bp}`.
    rel_errors : ndarray, shape (n_directions,)
        :math:`|a - b| / (|a| + |b|)` per direction (the relative error :math:`r` of two
        numbers).
    tol, eps : float
    evaluations : int
        Loss evaluations used (two per direction).
    """

    numeric: np.ndarray
    analytic: np.ndarray
    rel_errors: np.ndarray
    tol: float
    eps: float
    evaluations: int

    @property
    def passed(self) -> bool:
        return bool(np.all(self.rel_errors <= self.tol))

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [f"directional check (eps={self.eps:g}, tol={self.tol:g}, "
                 f"{self.evaluations} loss evaluations)",
                 f"{'direction':>9}{'difference':>15}{'v . g_bp':>15}{'rel. error':>13}"]
        for k, (a, b, r) in enumerate(zip(self.numeric, self.analytic, self.rel_errors)):
            lines.append(f"{k + 1:>9}{a:>15.6e}{b:>15.6e}{r:>13.2e}")
        lines.append("PASSED" if self.passed else "FAILED")
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))


def directional_check(net, X: Any, Y: Any, n_directions: int = 5, eps: float = 1e-6,
                      tol: float = 1e-7,
                      rng: np.random.Generator | int | None = 0) -> DirectionalReport:
    r"""Check ``net.backward`` along random unit directions of the whole parameter space.

    Every parameter moves at once, :math:`\theta \pm hv`; the analytic side is
    :math:`g_{bp}^\top(\theta_+ - \theta_-)/(2h)` with the steps actually taken (after
    rounding), so rounding of :math:`\theta + hv` does not count as an error.

    Parameters
    ----------
    net : bp.Network
    X, Y : array_like
        One batch.
    n_directions : int
        Number of random directions :math:`v`, drawn uniformly on the unit sphere of
        :math:`\mathbb{R}^P` (normalized Gaussian vectors).
    eps : float
        The step :math:`h`.
    tol : float
        Largest relative error per direction that passes.
    rng : Generator or int or None
        Draws the directions.

    Returns
    -------
    DirectionalReport
        The weights are exactly as before, whatever happens.
    """
    n_directions = check_positive_int(n_directions, "n_directions")
    if not (isinstance(eps, (int, float, np.floating)) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    gen = as_generator(rng)
    net.forward(X)
    net.backward(Y)
    grads = [g.copy() for _, _, g in net.gradients()]
    params = [p for _, _, p in net.parameters()]
    saved = [p.copy() for p in params]
    sizes = [p.size for p in params]
    numeric, analytic = np.zeros(n_directions), np.zeros(n_directions)
    try:
        for k in range(n_directions):
            v = gen.normal(size=sum(sizes))
            v /= np.linalg.norm(v)
            parts = np.split(v, np.cumsum(sizes)[:-1])
            values, moved = [], []
            for sign in (1.0, -1.0):
                for p, old, part in zip(params, saved, parts):
                    p[...] = old + sign * eps * part.reshape(old.shape)
                moved.append([p.astype(np.float64) for p in params])
                values.append(net.loss(X, Y))
            numeric[k] = (values[0] - values[1]) / (2 * eps)
            analytic[k] = sum(float(np.vdot(g, up - down)) for g, up, down
                              in zip(grads, *moved)) / (2 * eps)
    finally:
        for p, old in zip(params, saved):
            p[...] = old
        net.forward(X)
        net.backward(Y)
    rel = np.array([relative_error(a, b) for a, b in zip(numeric, analytic)])
    return DirectionalReport(numeric, analytic, rel, tol, eps, 2 * n_directions)


def input_gradient(net, X: Any, Y: Any) -> np.ndarray:
    r"""The gradient of the loss with respect to the input, :math:`\delta^1 W^1`.

    Returns
    -------
    ndarray, shape (N, n_0)
        Entry :math:`(n, k)` is :math:`\partial\mathcal L/\partial x_{nk}`.
    """
    net.forward(X)
    net.backward(Y)
    first = net.layers[0]
    return first.delta @ first.W


def input_gradcheck(net, X: Any, Y: Any, eps: float = 1e-6,
                    tol: float = 1e-7) -> GradCheckReport:
    r"""Check :func:`input_gradient` against centered differences in every entry of ``X``.

    Returns
    -------
    GradCheckReport
        One row, named ``X``. The caller's ``X`` is not changed (a float64 copy is
        perturbed), and the network's caches hold the pass of the original ``X``.
    """
    analytic = input_gradient(net, X, Y)
    Xc = np.array(X, dtype=np.float64)                     # a copy, perturbed in place
    try:
        num = numerical_gradient(lambda: net.loss(Xc, Y), Xc, eps, "central")
    finally:
        net.forward(X)
        net.backward(Y)
    rel = relative_error(analytic, num)
    row = ParamCheck("X", Xc.shape, rel, float(np.max(np.abs(analytic - num))), Xc.size,
                     rel <= tol)
    return GradCheckReport([row], tol, "central", eps)


__all__ = ["DirectionalReport", "directional_check", "input_gradient", "input_gradcheck"]
