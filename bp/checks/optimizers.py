r"""Self-checks for the optimizer exercises: one step of momentum, Nesterov and Adam.

The reader writes one step as a pure function of arrays (no classes, no state kept
between calls). The reference is :mod:`bp.optimizers` itself (the
``update`` method that ``step`` applies to every parameter array), so a passing function agrees with what ``bp.SGD`` and ``bp.Adam``
(and PyTorch's ``torch.optim.SGD``/``Adam``) do:

.. math::

   \text{momentum:}\quad & v \leftarrow \mu v + g, \quad \theta \leftarrow \theta - \alpha v \\
   \text{Nesterov:}\quad & v \leftarrow \mu v + g, \quad
        \theta \leftarrow \theta - \alpha (g + \mu v) \\
   \text{Adam:}\quad & m \leftarrow \beta_1 m + (1-\beta_1) g, \quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2, \\
   & \theta \leftarrow \theta - \alpha\,\frac{m/(1-\beta_1^t)}{\sqrt{v/(1-\beta_2^t)} + \epsilon}

Every check tries several seeded cases, including a first step (``v = 0`` or
``m = v = 0``), arrays of different shapes and, for Adam, gradients so small that
the placement of ``eps`` matters. Rules: PyTorch's forms above (not the dampened
:math:`v \leftarrow \mu v + (1-\mu) g`, not Sutskever's :math:`v \leftarrow \mu v -
\alpha g`), and new arrays returned: a step that changes ``theta``, ``v`` or ``m`` in
place (``m *= beta1``) fails, naming the array.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..optimizers import SGD, Adam, Optimizer
from ._core import CheckResult, compare
from ._signatures import expects

_KEY = (0, "theta")


def _update(opt: Optimizer, theta: np.ndarray, g: np.ndarray, t: int) -> np.ndarray:
    """Apply ``opt``'s rule (its ``update``, which ``step(net)`` calls once per array) as
    step number ``t``, to a copy of ``theta``."""
    theta = np.array(theta, dtype=np.float64, copy=True)
    opt.t = t
    opt.update(_KEY, theta, np.asarray(g, dtype=np.float64))
    return theta


def _ref_momentum(theta, v, g, lr, mu, nesterov=False):
    opt = SGD(lr=lr, momentum=mu, nesterov=nesterov)
    # A zero buffer is the first step: mu * 0 + g = g, as PyTorch's clone of g.
    opt.state[_KEY] = {"v": np.array(v, dtype=np.float64, copy=True)}
    theta_new = _update(opt, theta, g, 1)
    return theta_new, opt.state[_KEY]["v"]


def _ref_nesterov(theta, v, g, lr, mu):
    return _ref_momentum(theta, v, g, lr, mu, nesterov=True)


def _ref_adam(theta, m, v, g, t, lr, beta1, beta2, eps):
    opt = Adam(lr=lr, betas=(beta1, beta2), eps=eps)
    opt.state[_KEY] = {"m": np.array(m, dtype=np.float64, copy=True),
                       "v": np.array(v, dtype=np.float64, copy=True)}
    theta_new = _update(opt, theta, g, t)
    return theta_new, opt.state[_KEY]["m"], opt.state[_KEY]["v"]


def _arrays(seed: int, shape: tuple[int, ...], k: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(k)]


def _momentum_cases() -> list[tuple]:
    cases = []
    for seed, shape, lr, mu, first in [(0, (3,), 0.1, 0.9, True), (1, (3,), 0.1, 0.9, False),
                                        (2, (4, 2), 0.05, 0.5, False),
                                        (3, (2, 3), 0.01, 0.99, False)]:
        theta, v, g = _arrays(seed, shape, 3)
        cases.append((theta, np.zeros(shape) if first else v, g, lr, mu))
    return cases


_MOMENTUM_NAMES = ["first step (v = 0), mu 0.9", "vector, mu 0.9", "4x2, lr 0.05, mu 0.5",
                   "2x3, lr 0.01, mu 0.99"]
_RULE = "PyTorch's form: v ← μ·v + g, then θ ← θ − α·v; return new arrays"


def _momentum_variants(nesterov: bool) -> list:
    def step(update_v, update_theta):
        return lambda t, v, g, lr, mu: (update_theta(t, update_v(v, g, mu), g, lr, mu),
                                        update_v(v, g, mu))
    plain_v = lambda v, g, mu: mu * v + g                                   # noqa: E731
    plain = lambda t, v, g, lr, mu: t - lr * v                               # noqa: E731
    nest = lambda t, v, g, lr, mu: t - lr * (g + mu * v)                     # noqa: E731
    right = nest if nesterov else plain
    found = [
        ("the dampened form v ← μv + (1 − μ)g: PyTorch (and bp) use v ← μv + g",
         step(lambda v, g, mu: mu * v + (1 - mu) * g, right)),
        ("the Sutskever form v ← μv − αg, θ ← θ + v: PyTorch (and bp) use v ← μv + g, "
         "θ ← θ − αv", lambda t, v, g, lr, mu: (t + (mu * v - lr * g), mu * v - lr * g)),
        ("θ is updated with the old v: update v first, then θ",
         lambda t, v, g, lr, mu: (t - lr * (g + mu * v if nesterov else v), mu * v + g)),
        ("the step goes uphill: θ − αv", step(plain_v, lambda t, v, g, lr, mu: t + lr * v)),
    ]
    if nesterov:
        found.append(("this is plain momentum: Nesterov steps by g + μv (with the new v)",
                      step(plain_v, plain)))
    else:
        found.append(("this is Nesterov's step (g + μv); plain momentum steps by v",
                      step(plain_v, nest)))
    return found


@expects("momentum_step(theta, v, g, lr, mu) -> (theta_new, v_new)")
def check_momentum_step(fn: Callable, verbose: bool = True) -> CheckResult:
    r"""Check ``fn(theta, v, g, lr, mu) -> (theta_new, v_new)``, heavy-ball momentum.

    The rule is PyTorch's: :math:`v \leftarrow \mu v + g`, then
    :math:`\theta \leftarrow \theta - \alpha v`. A zero ``v`` is the first step.

    Parameters
    ----------
    fn : callable
        Takes arrays ``theta``, ``v`` (the velocity buffer), ``g`` of one shape and
        floats ``lr`` and ``mu``; returns the pair ``(theta_new, v_new)``.
    verbose : bool
        Print the outcome.
    """
    return compare("check_momentum_step", fn, _ref_momentum, _momentum_cases(),
                   arg_names=["theta", "v", "g", "lr", "mu"], verbose=verbose,
                   case_names=_MOMENTUM_NAMES, outputs=["theta_new", "v_new"],
                   variants=_momentum_variants(False), rule=_RULE,
                   scales=lambda t, v, g, lr, mu: {"lr": lr})


@expects("nesterov_step(theta, v, g, lr, mu) -> (theta_new, v_new)")
def check_nesterov_step(fn: Callable, verbose: bool = True) -> CheckResult:
    r"""Check ``fn(theta, v, g, lr, mu) -> (theta_new, v_new)``, Nesterov momentum.

    PyTorch's rule: :math:`v \leftarrow \mu v + g`, then
    :math:`\theta \leftarrow \theta - \alpha (g + \mu v)` with the *new* ``v``.

    Parameters
    ----------
    fn : callable
        Same arguments and return value as for :func:`check_momentum_step`.
    verbose : bool
        Print the outcome.
    """
    return compare("check_nesterov_step", fn, _ref_nesterov, _momentum_cases(),
                   arg_names=["theta", "v", "g", "lr", "mu"], verbose=verbose,
                   case_names=_MOMENTUM_NAMES, outputs=["theta_new", "v_new"],
                   variants=_momentum_variants(True),
                   rule="PyTorch's form: v ← μ·v + g, then θ ← θ − α·(g + μ·v); "
                        "return new arrays",
                   scales=lambda t, v, g, lr, mu: {"lr": lr})


def _adam(theta, m, v, g, t, lr, b1, b2, eps, inside=False, correct=True, shift=0):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    c1, c2 = (1 - b1 ** (t + shift), 1 - b2 ** (t + shift)) if correct else (1.0, 1.0)
    denom = np.sqrt(v / c2 + eps) if inside else np.sqrt(v / c2) + eps
    return theta - lr * (m / c1) / denom, m, v


ADAM_VARIANTS = [
    ("eps is inside the square root: PyTorch (and bp) use θ − α·m̂/(√v̂ + ε)",
     lambda *a: _adam(*a, inside=True)),
    ("the bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ are missing",
     lambda *a: _adam(*a, correct=False)),
    ("the bias corrections use t − 1 (t counts from 1)", lambda *a: _adam(*a, shift=-1)),
    ("the bias corrections use t + 1 (t counts from 1)", lambda *a: _adam(*a, shift=1)),
]


#: Why a step number 1 from finite inputs gives inf or NaN (not the softmax overflow).
T_FROM_0 = ("a division by 1 − β^t with t = 0 (1 − β⁰ = 0): count t from 1, the first "
            "step is t = 1")


def _adam_scales(theta, m, v, g, t, lr, *rest):
    """The learning rate for the factor diagnoses; at t = 1, the cause of inf/NaN."""
    finite = all(np.all(np.isfinite(x)) for x in (theta, m, v, g))
    return {"lr": lr, **({"nonfinite_cause": T_FROM_0} if t == 1 and finite else {})}


@expects("adam_step(theta, m, v, g, t, lr, beta1, beta2, eps) -> (theta_new, m_new, v_new)")
def check_adam_step(fn: Callable, verbose: bool = True) -> CheckResult:
    r"""Check ``fn(theta, m, v, g, t, lr, beta1, beta2, eps) -> (theta_new, m_new, v_new)``.

    One Adam step number ``t`` (counting from 1), with the bias corrections
    :math:`1-\beta_1^t` and :math:`1-\beta_2^t` and ``eps`` added *outside* the square
    root, as in ``torch.optim.Adam`` and ``bp.Adam``.

    Parameters
    ----------
    fn : callable
        Takes arrays ``theta``, ``m``, ``v``, ``g`` of one shape, the int ``t`` and
        floats ``lr``, ``beta1``, ``beta2``, ``eps``; returns the triple
        ``(theta_new, m_new, v_new)``.
    verbose : bool
        Print the outcome.
    """
    cases = []
    for seed, shape, t, lr, b1, b2, eps in [(0, (3,), 1, 1e-3, 0.9, 0.999, 1e-8),
                                            (1, (3,), 2, 1e-2, 0.9, 0.999, 1e-8),
                                            (2, (4, 2), 10, 0.1, 0.8, 0.99, 1e-6),
                                            (3, (2, 3), 1000, 1e-3, 0.9, 0.999, 1e-8),
                                            (4, (3,), 1, 1e-3, 0.9, 0.999, 1e-8)]:
        theta, m, v, g = _arrays(seed, shape, 4)
        if seed == 4:  # tiny gradients: where eps matters
            g = 1e-5 * g
        if t == 1:
            m, v = np.zeros(shape), np.zeros(shape)
        else:
            v = v * v  # a second-moment estimate is never negative
        cases.append((theta, m, v, g, t, lr, b1, b2, eps))
    names = ["first step (m = v = 0)", "step 2", "4x2, step 10, eps 1e-6", "step 1000",
             "first step, tiny gradients (eps matters)"]
    return compare("check_adam_step", fn, _ref_adam, cases,
                   arg_names=["theta", "m", "v", "g", "t", "lr", "beta1", "beta2", "eps"],
                   verbose=verbose, case_names=names,
                   outputs=["theta_new", "m_new", "v_new"], variants=ADAM_VARIANTS,
                   scales=_adam_scales,
                   rule="torch.optim.Adam's form (eps outside the root, bias-corrected); "
                        "return new arrays")


__all__ = ["check_momentum_step", "check_nesterov_step", "check_adam_step"]
