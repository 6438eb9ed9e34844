r"""Optimizers: turn the gradients of the last backward pass into a step.

Every optimizer follows PyTorch's formulation, so that the same hyper-parameters give
the same trajectory:

* :class:`SGD`: :math:`v \leftarrow \mu v + g`; the step is :math:`v`, or
  :math:`g + \mu v` with Nesterov; :math:`\theta \leftarrow \theta - \alpha\,\text{step}`.
  With :math:`\mu = 0` this is plain gradient descent, :math:`\Delta W = -\alpha\,
  \partial ℒ/\partial W`: note the minus sign.
* :class:`Adam`: bias-corrected first and second moment estimates (Kingma & Ba, 2015).

``step(net)`` updates every parameter *in place* (the arrays keep their identity).
The learning rate is cast to each parameter's dtype, so a float32 network stays
float32 even when ``lr`` is a NumPy float64.
"""
from __future__ import annotations

import weakref
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ._validation import lookup

#: Elements per slice of an in-place update (256 KiB of float32): the temporary
#: ``lr * g`` of one slice stays in cache instead of being as big as ``W``.
_CHUNK = 1 << 16


def _sub_scaled(p: np.ndarray, scale: np.generic, g: np.ndarray) -> None:
    """``p -= scale * g`` in place, a slice at a time for big contiguous arrays."""
    if p.size <= _CHUNK or not (p.flags.c_contiguous and g.flags.c_contiguous):
        p -= scale * g
        return
    flat_p, flat_g = p.reshape(-1), g.reshape(-1)      # views, not copies
    for i in range(0, flat_p.size, _CHUNK):
        flat_p[i:i + _CHUNK] -= scale * flat_g[i:i + _CHUNK]


def _check_rate(value: Any, name: str, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (upper is not None and value >= upper):
        bound = f" and < {upper}" if upper is not None else ""
        raise ValueError(f"{name} must be finite, >= 0{bound}; got {value}")
    return value


class Optimizer(ABC):
    """Base class: keeps per-parameter state keyed by ``(layer index, name)``."""

    def __init__(self, lr: float) -> None:
        self.lr = _check_rate(lr, "lr")
        if self.lr == 0:
            raise ValueError("lr must be > 0")
        self.state: dict[tuple[int, str], dict[str, np.ndarray]] = {}
        self.t = 0
        self._net: weakref.ref | None = None

    def step(self, net) -> None:
        """Update every parameter of ``net`` from the gradients of its last backward.

        Raises
        ------
        ValueError
            If the optimizer holds momentum or moments from another network (its
            state would silently leak into this one): use a new optimizer or ``reset()``.
        RuntimeError
            If a layer has no gradient yet (``backward`` was never called).
        """
        owner = self._net() if self._net is not None else None
        if self.state and owner is not net:
            raise ValueError(f"this {type(self).__name__} holds state (momentum or moment "
                             "estimates) for another network; use a new optimizer per "
                             "network, or call .reset() first")
        if owner is not net:
            self._net = weakref.ref(net)
        grads = list(net.gradients())
        for i, name, g in grads:
            if g is None:
                raise RuntimeError(f"{net.layers[i].name} has no gradient: call "
                                   "backward(Y) before step()")
        self.t += 1
        for (i, name, p), (_, _, g) in zip(net.parameters(), grads):
            self.update((i, name), p, g)

    @abstractmethod
    def update(self, key: tuple[int, str], p: np.ndarray, g: np.ndarray) -> None:
        """Change ``p`` in place from its gradient ``g``; ``key`` names its state."""

    def reset(self) -> None:
        """Forget momentum and moment estimates (and the network they belong to)."""
        self.state.clear()
        self.t = 0
        self._net = None


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum and weight decay.

    Parameters
    ----------
    lr : float
    momentum : float in [0, 1)
    nesterov : bool
    weight_decay : float
        Adds ``weight_decay * p`` to the gradient (L2 regularization).
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__(lr)
        self.momentum = _check_rate(momentum, "momentum", upper=1.0)
        self.weight_decay = _check_rate(weight_decay, "weight_decay")
        if nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.nesterov = bool(nesterov)

    def update(self, key, p, g):
        t = p.dtype.type
        if self.weight_decay:
            g = g + t(self.weight_decay) * p
        if self.momentum:
            mu = t(self.momentum)
            v = self.state.setdefault(key, {}).get("v")
            if v is None:
                v = self.state[key]["v"] = np.array(g, copy=True)
            else:
                v *= mu
                v += g
            g = g + mu * v if self.nesterov else v
        # self.lr is a Python float: "weak" under NEP 50, so float32 stays float32
        if p.size <= _CHUNK:
            p -= self.lr * g
        else:
            _sub_scaled(p, t(self.lr), g)              # p -= lr * g, a slice at a time

    def __repr__(self) -> str:
        return (f"SGD(lr={self.lr}, momentum={self.momentum}, nesterov={self.nesterov}, "
                f"weight_decay={self.weight_decay})")


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    .. math::
       m &\leftarrow \beta_1 m + (1-\beta_1) g, \qquad
       v \leftarrow \beta_2 v + (1-\beta_2) g^2 \\
       \theta &\leftarrow \theta - \alpha\, \frac{m / (1-\beta_1^t)}
                                          {\sqrt{v / (1-\beta_2^t)} + \epsilon}

    Parameters
    ----------
    lr : float > 0
    betas : pair of floats in [0, 1)
    eps : float > 0
        Keeps the denominator positive where :math:`v = 0` (a zero gradient).
    weight_decay : float >= 0
    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(lr)
        pair = "(beta1, beta2), two numbers in [0, 1)"
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__"):
            raise TypeError(f"betas must be a pair {pair}, got {type(betas).__name__}")
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair, got {betas!r}; expected {pair}")
        self.beta1 = _check_rate(betas[0], "betas[0]", upper=1.0)
        self.beta2 = _check_rate(betas[1], "betas[1]", upper=1.0)
        self.eps = _check_rate(eps, "eps")
        if self.eps == 0:               # sqrt(v) + eps is 0/0 for a zero gradient
            raise ValueError("eps must be > 0 (with eps = 0 a zero gradient gives the "
                             "step 0/0 = NaN); got 0.0")
        self.weight_decay = _check_rate(weight_decay, "weight_decay")

    def update(self, key, p, g):
        if self.weight_decay:
            g = g + p.dtype.type(self.weight_decay) * p     # coupled: an L2 term in g
        self._adam_step(key, p, g)

    def _adam_step(self, key, p, g):
        """The bias-corrected moment step itself (shared with :class:`bp.AdamW`)."""
        t = p.dtype.type
        s = self.state.get(key)
        if s is None:
            s = self.state[key] = {"m": np.zeros_like(p), "v": np.zeros_like(p)}
        m, v = s["m"], s["v"]
        m *= t(self.beta1)
        m += t(1 - self.beta1) * g
        v *= t(self.beta2)
        v += t(1 - self.beta2) * (g * g)
        c1 = 1 - self.beta1 ** self.t
        c2 = 1 - self.beta2 ** self.t
        step_size = t(self.lr / c1)
        denom = np.sqrt(v) / t(np.sqrt(c2)) + t(self.eps)
        p -= step_size * (m / denom)

    def __repr__(self) -> str:
        return (f"Adam(lr={self.lr}, betas=({self.beta1}, {self.beta2}), eps={self.eps}, "
                f"weight_decay={self.weight_decay})")


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam}


def get_optimizer(opt: str | Optimizer | None, **kwargs: Any) -> Optimizer:
    """An optimizer instance from a name (``"sgd"``, ``"adam"``), an instance, or ``None`` (SGD)."""
    if opt is None:
        return SGD(**kwargs)
    if isinstance(opt, Optimizer):
        return opt
    if isinstance(opt, type) and issubclass(opt, Optimizer):
        raise TypeError(f"pass an optimizer instance such as bp.{opt.__name__}(lr=...), "
                        f"not the class {opt.__name__}")
    return lookup(OPTIMIZERS, opt, "optimizer")(**kwargs)
