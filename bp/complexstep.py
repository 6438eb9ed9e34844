r"""The complex-step derivative: a gradient check without subtractive cancellation.

For a function that is real-analytic (a convergent power series near :math:`x`), a
Taylor expansion with an *imaginary* step :math:`ih` gives

.. math:: f(x + ih) = f(x) + ih f'(x) - \tfrac{h^2}{2} f''(x) - \tfrac{i h^3}{6} f'''(x)
          + \dots, \qquad f'(x) = \frac{\operatorname{Im} f(x + ih)}{h} + O(h^2).

No two nearly equal numbers are subtracted, so nothing cancels and the step can be
tiny: with :math:`h = 10^{-20}` the :math:`O(h^2)` term is far below rounding and the
derivative is exact to rounding. One complex evaluation per parameter.

For a network the forward pass must run in complex arithmetic. :func:`complex_loss`
runs the forward formula :math:`Z^l = A^{l-1}(W^l)^\top + \mathbf 1 (b^l)^\top`,
:math:`A^l = f(Z^l)` and the loss in complex128, on *copies* of the parameters, with
analytic formulas from :data:`COMPLEX_ACTIVATIONS` and :data:`COMPLEX_LOSSES`. The shifts
that keep ``exp`` from overflowing use only the real part, a constant as far as the
imaginary step is concerned. ReLU's and leaky ReLU's kink is not analytic: a network
with them raises a ``ValueError`` naming the layer. The clamps that keep the probability
losses finite at predictions of exactly 0 or 1 are left out (they are not analytic
either, and change nothing elsewhere).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from .activations import is_builtin
from .gradcheck import GradCheckReport, ParamCheck, relative_error
from .losses import LOSSES


def _sigmoid(z):
    s = np.where(z.real >= 0, 1.0, -1.0)         # real sign: exp never overflows
    e = np.exp(-s * z)
    return np.where(s > 0, 1 / (1 + e), e / (1 + e))


def _softplus(z):
    m = np.maximum(z.real, 0)                    # log(1 + e^z) = m + log(e^-m + e^(z-m))
    return m + np.log(np.exp(-m) + np.exp(z - m))


def _log_softmax(z):
    shifted = z - z.real.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _gelu_tanh(z):
    c = np.sqrt(2 / np.pi)
    return 0.5 * z * (1 + np.tanh(c * (z + 0.044715 * z ** 3)))


#: Analytic formulas of the built-in activations, valid for complex ``z``.
COMPLEX_ACTIVATIONS: dict[str, Callable] = {
    "identity": lambda z: z,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softplus": _softplus,
    "gelu_tanh": _gelu_tanh,
    "softmax": lambda z: np.exp(_log_softmax(z)),
}

#: Analytic formulas of the built-in losses (mean reductions as in bp.losses, without the
#: clamps of the probability losses, which are not analytic).
COMPLEX_LOSSES: dict[str, Callable] = {
    "mse": lambda P, Y: np.mean((P - Y) ** 2),
    "bce": lambda P, Y: -np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)),
    "bce_with_logits": lambda Z, Y: np.mean(_softplus(Z) - Z * Y),
    "cross_entropy": lambda P, Y: -np.sum(Y * np.log(P)) / P.shape[0],
    "softmax_cross_entropy": lambda Z, Y: -np.sum(Y * _log_softmax(Z)) / Z.shape[0],
}


def _formulas(net, extra: Mapping[str, Callable] | None) -> list[Callable]:
    extra = dict(extra or {})
    out = []
    for layer in net.layers:
        act = layer.activation
        if act.name in extra:
            out.append(extra[act.name])
        elif is_builtin(act) and act.name in COMPLEX_ACTIVATIONS:
            out.append(COMPLEX_ACTIVATIONS[act.name])
        else:
            why = ("has a kink at 0 (max/where), so it is not analytic" if is_builtin(act)
                   else "is a custom activation; pass its complex formula in `analytic`")
            raise ValueError(
                f"the complex step needs analytic activations, but {layer.name} has "
                f"{act.name!r}, which {why}; analytic: {', '.join(sorted(COMPLEX_ACTIVATIONS))}")
    return out


def _loss_formula(net) -> tuple[Callable, bool]:
    """The complex loss and whether it reads the logits Z (a fused pair) or the output A."""
    loss = net._fused if net._fused is not None else net.loss_fn
    if LOSSES.get(loss.name) is not loss or loss.name not in COMPLEX_LOSSES:
        raise ValueError(f"the complex step needs a built-in loss; got {loss.name!r} "
                         f"(built-in: {', '.join(sorted(COMPLEX_LOSSES))})")
    return COMPLEX_LOSSES[loss.name], net._fused is not None


def complex_loss(net, X: np.ndarray, Y: np.ndarray, params: list[np.ndarray],
                 analytic: Mapping[str, Callable] | None = None) -> complex:
    r"""The loss of ``net``'s forward formula in complex128 with parameters ``params``.

    Parameters
    ----------
    net : bp.Network
        Gives the architecture, activations and loss; its arrays are not used or changed.
    X : ndarray, shape (N, n_0)
    Y : ndarray, shape (N, n_L)
        Checked targets (``net.targets(Y)``).
    params : list of ndarray
        ``[W1, b1, W2, b2, ...]`` in ``net.parameters()`` order, real or complex.
    analytic : mapping, optional
        Complex formulas for custom activations, by activation name.
    """
    acts = _formulas(net, analytic)
    loss, on_logits = _loss_formula(net)
    A = np.asarray(X, dtype=np.complex128)
    for l, f in enumerate(acts):
        W, b = params[2 * l], params[2 * l + 1]
        Z = A @ W.T + b
        A = f(Z)
    return complex(loss(Z if on_logits else A, Y))


@dataclass
class ComplexStepReport(GradCheckReport):
    """A :class:`~bp.gradcheck.GradCheckReport` whose table names the complex step."""

    evaluations: int = 0

    def __str__(self) -> str:
        lines = super().__str__().splitlines()
        lines[0] = (f"complex-step check (h={self.eps:g}, tol={self.tol:g}, "
                    f"{self.evaluations} complex loss evaluations)")
        return "\n".join(lines)


def complex_step_gradient(net, X: Any, Y: Any, h: float = 1e-20,
                          analytic: Mapping[str, Callable] | None = None) -> list[np.ndarray]:
    r"""The complex-step gradient of every parameter array, in ``net.parameters()`` order.

    Entry :math:`i` of each array is :math:`\operatorname{Im}\mathcal L(\theta + ih e_i)/h`
    from :func:`complex_loss`: one complex forward pass per parameter.

    Returns
    -------
    list of ndarray, float64, shapes of the parameters
        ``net``'s parameters are never changed (the complex copies are perturbed); its
        caches hold a forward pass of ``X`` afterwards.
    """
    if not (isinstance(h, (int, float, np.floating)) and np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive finite number, got {h!r}")
    _formulas(net, analytic), _loss_formula(net)          # fail before any work
    net.forward(X)
    Xc, Yc = net.layers[0].A_prev, net.targets(Y)
    base = [p.astype(np.complex128) for _, _, p in net.parameters()]
    grads = []
    for p in base:
        g = np.zeros(p.shape)
        for idx in np.ndindex(p.shape):
            real = p[idx]
            p[idx] = real + 1j * h
            g[idx] = complex_loss(net, Xc, Yc, base, analytic).imag / h
            p[idx] = real
        grads.append(g)
    return grads


def complex_step_check(net, X: Any, Y: Any, h: float = 1e-20, tol: float = 1e-12,
                       analytic: Mapping[str, Callable] | None = None) -> ComplexStepReport:
    r"""Check ``net.backward`` against the complex-step gradient of every parameter.

    .. math:: \frac{\partial\mathcal L}{\partial\theta_i} \approx
              \frac{\operatorname{Im}\mathcal L(\theta + ih e_i)}{h}

    Parameters
    ----------
    net : bp.Network
        Analytic activations and a built-in loss (else ``ValueError``).
    X, Y : array_like
        One batch.
    h : float
        The imaginary step; 1e-20 is exact to rounding in float64.
    tol : float
        Largest relative error :math:`r` per array that passes. The complex step has no
        truncation or cancellation error to allow for, so the bar is far tighter than
        the 1e-7 of centered differences.
    analytic : mapping, optional
        Complex formulas for custom activations, by activation name.

    Returns
    -------
    ComplexStepReport
        One row per parameter array; ``evaluations`` is the number of complex loss
        evaluations (one per parameter). ``net``'s parameters are never changed.
    """
    numeric = complex_step_gradient(net, X, Y, h, analytic)
    net.backward(Y)                               # the caches are the forward of X
    rows = []
    for (i, name, g), num in zip(net.gradients(), numeric):
        rel = relative_error(g, num)
        rows.append(ParamCheck(f"{name}{i + 1}", g.shape, rel,
                               float(np.max(np.abs(g - num))), g.size, rel <= tol))
    return ComplexStepReport(rows, tol, "complex step", h, evaluations=net.n_params)


__all__ = ["COMPLEX_ACTIVATIONS", "COMPLEX_LOSSES", "ComplexStepReport", "complex_loss",
           "complex_step_check", "complex_step_gradient"]
