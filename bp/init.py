r"""Weight initializers.

Each initializer draws ``W`` of shape ``(n_out, n_in)`` from a seeded
``numpy.random.Generator``. Biases start at zero.

===================  ==================================================  ========================
name                 distribution                                        Var(W)
===================  ==================================================  ========================
``uniform``          :math:`U(-0.05, 0.05)` (small; the classic choice)  :math:`1/1200`
``normal``           :math:`N(0, 0.01^2)`                                :math:`10^{-4}`
``xavier_uniform``   :math:`U(-r, r),\ r = \sqrt{6/(n_{in}+n_{out})}`    :math:`2/(n_{in}+n_{out})`
``xavier_normal``    :math:`N(0, 2/(n_{in}+n_{out}))`                    :math:`2/(n_{in}+n_{out})`
``he_uniform``       :math:`U(-r, r),\ r = \sqrt{6/n_{in}}`              :math:`2/n_{in}`
``he_normal``        :math:`N(0, 2/n_{in})`                              :math:`2/n_{in}`
===================  ==================================================  ========================

Glorot and Bengio (2010) chose :math:`2/(n_{in}+n_{out})` to keep the variance of
activations and of gradients roughly constant through tanh layers; He et al. (2015)
doubled :math:`1/n_{in}` because ReLU zeroes half of its inputs. ``"auto"`` picks He for
the ReLU family and Xavier otherwise.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ._validation import lookup

Init = Callable[[int, int, np.random.Generator], np.ndarray]


def uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    r""":math:`W_{ij} \sim U(-0.05, 0.05)`, shape (n_out, n_in)."""
    return rng.uniform(-0.05, 0.05, size=(n_out, n_in))


def normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    r""":math:`W_{ij} \sim N(0, 0.01^2)`, shape (n_out, n_in)."""
    return rng.normal(0.0, 0.01, size=(n_out, n_in))


def xavier_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    r"""Glorot/Xavier uniform, shape (n_out, n_in).

    .. math:: W_{ij} \sim U(-r, r), \quad r = \sqrt{6/(n_{in}+n_{out})},
              \quad \operatorname{Var} W_{ij} = 2/(n_{in}+n_{out})
    """
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, size=(n_out, n_in))


def xavier_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    r""":math:`W_{ij} \sim N(0, 2/(n_{in}+n_{out}))`, shape (n_out, n_in)."""
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))


def he_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    r"""He (Kaiming) uniform, shape (n_out, n_in).

    .. math:: W_{ij} \sim U(-r, r), \quad r = \sqrt{6/n_{in}},
              \quad \operatorname{Var} W_{ij} = 2/n_{in}
    """
    r = np.sqrt(6.0 / n_in)
    return rng.uniform(-r, r, size=(n_out, n_in))


def he_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    r""":math:`W_{ij} \sim N(0, 2/n_{in})`, shape (n_out, n_in)."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


INITIALIZERS: dict[str, Init] = {
    "uniform": uniform,
    "normal": normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "glorot_uniform": xavier_uniform,
    "glorot_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}

#: Activations for which ``init="auto"`` chooses He rather than Xavier.
RELU_FAMILY = frozenset({"relu", "leaky_relu", "gelu_tanh"})


def resolve(init: str, activation: str) -> Init:
    """Return the initializer named ``init``; ``"auto"`` depends on the activation."""
    if init == "auto":
        init = "he_normal" if activation in RELU_FAMILY else "xavier_uniform"
    return lookup(INITIALIZERS, init, "initializer")


def as_generator(rng: np.random.Generator | int | None, name: str = "rng"
                 ) -> np.random.Generator:
    """Accept a ``Generator``, a non-negative int seed, or ``None`` (fresh entropy).

    ``name`` is how the caller calls the argument (``"rng"``, ``"seed"``), for the
    error message.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
        shown = f" {rng!r}" if isinstance(rng, (bool, float, str)) else ""
        raise TypeError(f"{name} must be a numpy.random.Generator, an int seed >= 0 or None, "
                        f"got {type(rng).__name__}{shown}")
    if rng < 0:
        raise ValueError(f"{name} must be a numpy.random.Generator, an int seed >= 0 or None, "
                         f"got {rng}")
    return np.random.default_rng(int(rng))
