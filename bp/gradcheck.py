r"""Gradient checking: compare backpropagation with finite differences.

The centered difference

.. math:: \frac{\partial ℒ}{\partial \theta_i} \approx
          \frac{L(\theta + \epsilon e_i) - L(\theta - \epsilon e_i)}{2\epsilon}

has error :math:`O(\epsilon^2)` (the one-sided difference only :math:`O(\epsilon)`),
plus a rounding error of about :math:`u\,|L|/\epsilon` for unit round-off :math:`u`.
In float64, :math:`\epsilon = 10^{-6}` balances the two.

We compare per parameter array with the relative error

.. math:: r = \frac{\lVert g_{bp} - g_{fd} \rVert}{\lVert g_{bp} \rVert + \lVert g_{fd} \rVert},

which is 0 for a perfect match, 1 for opposite gradients (:math:`g_{fd} = -g_{bp}`),
about 0.71 for orthogonal ones of equal length, and is not blown up by individual
entries that are almost zero.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ._validation import check_positive_int
from .init import as_generator

def _shifted(f: Callable[[], float], x: np.ndarray, i: tuple, eps: float) -> tuple[float, float]:
    """``f()`` with ``x[i]`` moved by about ``eps``; returns the value and the *actual*
    move (``old + eps`` is rounded to ``x``'s dtype). ``x[i]`` is always restored."""
    old = x[i].copy()
    try:
        x[i] = old + eps
        return f(), float(x[i]) - float(old)
    finally:
        x[i] = old


def _no_step(x: np.ndarray, i: tuple, eps: float) -> ValueError:
    return ValueError(f"eps={eps:g} is below the spacing of {x.dtype} numbers at "
                      f"x[{', '.join(map(str, i))}] = {x[i]}: the entry did not move; "
                      f"use a larger eps")


def _central(f, x, i, eps, base):
    up, h_up = _shifted(f, x, i, eps)
    down, h_down = _shifted(f, x, i, -eps)
    if h_up == h_down:
        raise _no_step(x, i, eps)
    return (up - down) / (h_up - h_down)


def _forward(f, x, i, eps, base):
    up, h = _shifted(f, x, i, eps)
    if h == 0:
        raise _no_step(x, i, eps)
    return (up - base) / h


METHODS = {"central": _central, "forward": _forward}


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``|a - b| / (|a| + |b|)`` in the 2-norm; 0 when both are zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6,
                       method: str = "central", indices=None) -> np.ndarray:
    """Finite-difference gradient of ``f()`` with respect to the array ``x``.

    ``x`` is perturbed in place, one entry at a time, and always restored (even if
    ``f`` raises). Entries not in ``indices`` (default: all) are left as NaN. The
    quotient divides by the step actually taken (``x[i] + eps`` rounded to ``x``'s
    dtype), not by the nominal ``eps``.

    Returns
    -------
    ndarray, float64, shape of ``x``
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError("x must be a float ndarray (it is perturbed in place)")
    if not (isinstance(eps, (int, float, np.floating)) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    diff = METHODS[method]
    base = f() if method == "forward" else None     # f at x, shared by every entry
    grad = np.full(x.shape, np.nan)
    for i in (np.ndindex(x.shape) if indices is None else indices):
        grad[i] = diff(f, x, tuple(i), eps, base)
    return grad


def derivative_error(f: Callable, df: Callable, z: np.ndarray, eps: float = 1e-6) -> float:
    r"""Largest *mixed absolute/relative error* of an element-wise derivative ``df``.

    Compares ``df(z)`` with the centered difference :math:`D_0 f(z_i)` at every entry
    and returns

    .. math:: \max_i \frac{|f'(z_i) - D_0 f(z_i)|}{\max(1, |D_0 f(z_i)|)},

    an *absolute* error where :math:`|D_0 f| < 1` (a derivative near 0 would make a
    relative one meaningless) and a *relative* one above. It is none of the book's
    three measures (relative error, entrywise relative error, relative distance).
    Use it away from kinks. ``check_derivative`` is an older name of this function
    (not to be confused with :func:`bp.checks.check_derivative`, a reader's check).

    Parameters
    ----------
    f, df : callable
        An element-wise function and its claimed derivative, arrays to arrays.
    z : array_like
        The points, any shape.
    eps : float
        The step of the centered difference.

    Returns
    -------
    float
    """
    z = np.asarray(z, dtype=np.float64)
    numeric = (f(z + eps) - f(z - eps)) / (2 * eps)
    return float(np.max(np.abs(df(z) - numeric) / np.maximum(1.0, np.abs(numeric))))


check_derivative = derivative_error     # the older name, kept for existing code


@dataclass
class ParamCheck:
    name: str
    shape: tuple
    rel_error: float
    max_abs_error: float
    checked: int
    ok: bool


@dataclass
class GradCheckReport:
    """One :class:`ParamCheck` per parameter array; ``passed`` when all are within ``tol``."""

    rows: list
    tol: float
    method: str
    eps: float

    @property
    def passed(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def max_rel_error(self) -> float:
        return max(r.rel_error for r in self.rows)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [f"gradient check ({self.method} differences, eps={self.eps:g}, tol={self.tol:g})",
                 f"{'parameter':<12}{'shape':>12}{'checked':>9}{'rel. error':>13}"
                 f"{'max |diff|':>13}  ok"]
        for r in self.rows:
            lines.append(f"{r.name:<12}{str(r.shape):>12}{r.checked:>9}{r.rel_error:>13.2e}"
                         f"{r.max_abs_error:>13.2e}  {'yes' if r.ok else 'NO'}")
        lines.append("PASSED" if self.passed else "FAILED")
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle) -> None:  # IPython shows the table
        p.text(str(self))


def gradcheck(net, X: Any, Y: Any, eps: float = 1e-6, tol: float = 1e-7,
              method: str = "central", max_entries: int | None = None,
              rng: np.random.Generator | int | None = 0) -> GradCheckReport:
    """Check ``net.backward`` against finite differences of ``net.loss``.

    Parameters
    ----------
    net : bp.Network
    X, Y : array_like
        One batch; the loss is the network's loss on it.
    eps : float
        The step. Use float64 networks: in float32 no step gives better than ~1e-3.
    tol : float
        Largest relative error (per parameter array) that passes.
    method : {"central", "forward"}
    max_entries : int or None
        Check at most this many randomly chosen entries per array (for big nets); a
        positive int, or ``None`` for every entry.
    rng : Generator or int or None
        Chooses the entries when ``max_entries`` is set.

    Returns
    -------
    GradCheckReport
        Print it for a table. The weights are exactly as before, whatever happens.
    """
    if max_entries is not None:
        max_entries = check_positive_int(max_entries, "max_entries")
    gen = as_generator(rng, "rng")
    net.forward(X)
    net.backward(Y)
    analytic = [(i, name, g.copy()) for i, name, g in net.gradients()]
    saved = [p.copy() for _, _, p in net.parameters()]
    rows = []
    try:
        for (i, name, p), (_, _, g) in zip(net.parameters(), analytic):
            idx = None
            if max_entries is not None and p.size > max_entries:
                flat = gen.choice(p.size, size=max_entries, replace=False)
                idx = [np.unravel_index(k, p.shape) for k in flat]
            num = numerical_gradient(lambda: net.loss(X, Y), p, eps, method, idx)
            mask = ~np.isnan(num)
            rel = relative_error(g[mask], num[mask])
            mad = float(np.max(np.abs(g[mask] - num[mask]))) if mask.any() else 0.0
            rows.append(ParamCheck(f"{name}{i + 1}", p.shape, rel, mad, int(mask.sum()),
                                   rel <= tol))
    finally:
        for (_, _, p), old in zip(net.parameters(), saved):
            p[...] = old
        net.forward(X)
        net.backward(Y)
    return GradCheckReport(rows, tol, method, eps)


# ``bp.gradcheck`` is this function (the package re-exports it over the module's name;
# even ``import bp.gradcheck as m`` gives the function), so the module's public names are
# also reachable as its attributes: bp.gradcheck.check_derivative, ...
gradcheck.check_derivative = check_derivative
gradcheck.derivative_error = derivative_error
gradcheck.numerical_gradient = numerical_gradient
gradcheck.relative_error = relative_error
gradcheck.GradCheckReport = GradCheckReport
gradcheck.ParamCheck = ParamCheck
