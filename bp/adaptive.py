r"""Adaptive optimizers: a step size per parameter from the history of its gradient.

Each follows the update of its PyTorch namesake, so the same hyper-parameters give
the same trajectory (``tests/test_adaptive.py`` checks them step by step):

* :class:`AdaGrad` (Duchi et al., 2011), ``torch.optim.Adagrad``: divides by the root
  of the *sum* of all squared gradients so far.
* :class:`RMSProp` (Tieleman & Hinton, 2012), ``torch.optim.RMSprop``: divides by the
  root of a moving *average* of squared gradients (no bias correction).
* :class:`AdamW` (Loshchilov & Hutter, 2019), ``torch.optim.AdamW``: Adam with
  decoupled weight decay, :math:`\theta \leftarrow \theta - \alpha\lambda\theta` before
  the Adam step.

Importing this module registers ``"adagrad"``, ``"rmsprop"`` and ``"adamw"`` with
:func:`bp.optimizers.get_optimizer`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .optimizers import OPTIMIZERS, Adam, Optimizer, _check_rate


def _positive(value: float, name: str) -> float:
    value = _check_rate(value, name)
    if value == 0:
        raise ValueError(f"{name} must be > 0, got 0.0")
    return value


def _coupled_step_start(opt: Optimizer, key, p: np.ndarray, g: np.ndarray,
                        new_state: Callable[[np.ndarray], dict]) -> tuple[np.ndarray, dict]:
    r"""The gradient with coupled L2 decay, :math:`g + \lambda p` (a new array: the
    caller's ``g`` is not changed), and the state of parameter ``key``, made by
    ``new_state(p)`` at its first step."""
    if opt.weight_decay:
        g = g + p.dtype.type(opt.weight_decay) * p
    s = opt.state.get(key)
    if s is None:
        s = opt.state[key] = new_state(p)
    return g, s


class AdaGrad(Optimizer):
    r"""AdaGrad, as ``torch.optim.Adagrad``.

    .. math::
       G \leftarrow G + g^2, \qquad
       \theta \leftarrow \theta - \frac{\alpha_t\, g}{\sqrt{G} + \epsilon}, \qquad
       \alpha_t = \frac{\alpha}{1 + (t-1)\,\text{lr\_decay}}

    Parameters
    ----------
    lr : float
    lr_decay : float, >= 0
    weight_decay : float, >= 0
        Adds ``weight_decay * p`` to the gradient (coupled L2, as PyTorch).
    initial_accumulator_value : float, >= 0
        The starting value of :math:`G`.
    eps : float, > 0
    """

    def __init__(self, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> None:
        super().__init__(lr)
        self.lr_decay = _check_rate(lr_decay, "lr_decay")
        self.weight_decay = _check_rate(weight_decay, "weight_decay")
        self.initial_accumulator_value = _check_rate(initial_accumulator_value,
                                                     "initial_accumulator_value")
        self.eps = _positive(eps, "eps")

    def update(self, key, p, g):
        t = p.dtype.type
        g, s = _coupled_step_start(
            self, key, p, g,
            lambda q: {"sum": np.full_like(q, self.initial_accumulator_value)})
        G = s["sum"]
        G += g * g
        clr = self.lr / (1 + (self.t - 1) * self.lr_decay)
        p -= t(clr) * g / (np.sqrt(G) + t(self.eps))

    def __repr__(self) -> str:
        return (f"AdaGrad(lr={self.lr}, lr_decay={self.lr_decay}, "
                f"weight_decay={self.weight_decay}, eps={self.eps})")


class RMSProp(Optimizer):
    r"""RMSProp, as ``torch.optim.RMSprop`` (whose smoothing constant is ``alpha``).

    .. math::
       s \leftarrow \rho\, s + (1-\rho)\, g^2, \qquad
       \theta \leftarrow \theta - \frac{\alpha\, g}{\sqrt{s} + \epsilon}

    with :math:`\rho` = ``alpha`` (PyTorch's name) and :math:`\alpha` = ``lr``. With
    ``centered=True`` the denominator is :math:`\sqrt{s - \bar g^2} + \epsilon`, with
    :math:`\bar g` the moving average of :math:`g`; with ``momentum`` :math:`\mu > 0`,
    :math:`b \leftarrow \mu b + g / (\sqrt{s} + \epsilon)` and the step is
    :math:`\alpha b`. :math:`s` starts at 0 and is not bias-corrected, so the first
    step is :math:`\alpha / \sqrt{1-\rho}` per coordinate (10 α for ρ = 0.99).

    Parameters
    ----------
    lr : float
    alpha : float in [0, 1)
    eps : float, > 0
    weight_decay : float, >= 0
    momentum : float in [0, 1)
    centered : bool
    """

    def __init__(self, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        super().__init__(lr)
        self.alpha = _check_rate(alpha, "alpha", upper=1.0)
        self.eps = _positive(eps, "eps")
        self.weight_decay = _check_rate(weight_decay, "weight_decay")
        self.momentum = _check_rate(momentum, "momentum", upper=1.0)
        self.centered = bool(centered)

    def update(self, key, p, g):
        t = p.dtype.type
        g, s = _coupled_step_start(self, key, p, g, self._new_state)
        rho = t(self.alpha)
        sq = s["square_avg"]
        sq *= rho
        sq += (1 - rho) * (g * g)
        if self.centered:
            ga = s["grad_avg"]
            ga *= rho
            ga += (1 - rho) * g
            avg = np.sqrt(sq - ga * ga) + t(self.eps)
        else:
            avg = np.sqrt(sq) + t(self.eps)
        if self.momentum:
            buf = s["buf"]
            buf *= t(self.momentum)
            buf += g / avg
            p -= t(self.lr) * buf
        else:
            p -= t(self.lr) * g / avg

    def _new_state(self, p: np.ndarray) -> dict:
        names = ["square_avg"] + ["grad_avg"] * self.centered + ["buf"] * bool(self.momentum)
        return {name: np.zeros_like(p) for name in names}

    def __repr__(self) -> str:
        return (f"RMSProp(lr={self.lr}, alpha={self.alpha}, eps={self.eps}, "
                f"weight_decay={self.weight_decay}, momentum={self.momentum}, "
                f"centered={self.centered})")


class AdamW(Adam):
    r"""Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    .. math::
       \theta \leftarrow (1 - \alpha\lambda)\,\theta, \quad\text{then the Adam step of
       :class:`bp.Adam` with the gradient } g \text{ unchanged.}

    The decay does not pass through Adam's division by :math:`\sqrt{\hat v}`, so every
    weight shrinks by the same fraction :math:`\alpha\lambda` per step. Same arguments
    as :class:`bp.Adam`; ``weight_decay`` (λ) defaults to 0.01, as in PyTorch.
    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(lr, betas, eps, weight_decay)

    def update(self, key, p, g):
        if self.weight_decay:
            p *= p.dtype.type(1 - self.lr * self.weight_decay)   # decoupled: not in g
        self._adam_step(key, p, g)

    def __repr__(self) -> str:
        return "AdamW" + super().__repr__()[len("Adam"):]


OPTIMIZERS.update({"adagrad": AdaGrad, "rmsprop": RMSProp, "adamw": AdamW})
