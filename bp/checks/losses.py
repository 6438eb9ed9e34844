r"""Self-checks for the loss-function exercises (chapter *Loss functions*).

Every check runs the reader's function and :mod:`bp.losses` on the same seeded
inputs, prints ``[PASSED]`` or the first input where they differ (with the expected
and the actual value), and returns a :class:`~bp.checks._core.CheckResult`.

The reductions are PyTorch's ``reduction="mean"`` (see :mod:`bp.losses`):

.. math::

   \text{mse} = \frac{1}{N n_L}\sum_{n,i}(\hat y_{ni}-y_{ni})^2, \qquad
   \text{bce} = -\frac{1}{N n_L}\sum_{n,i}\big[y\log\hat y + (1-y)\log(1-\hat y)\big],

   \text{cross\_entropy} = -\frac1N\sum_{n,i} y_{ni}\log\hat y_{ni}, \qquad
   \text{softmax\_cross\_entropy}(Z, Y) = \text{cross\_entropy}(\operatorname{softmax}(Z), Y).

>>> from bp.checks import check_loss
>>> import numpy as np
>>> r = check_loss("mse", lambda P, Y: float(np.mean((P - Y) ** 2)), verbose=False)
>>> bool(r)
True
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..activations import softmax
from ..losses import LOSSES
from ._core import CheckResult, compare
from ._signatures import expects

Array = np.ndarray

#: Shapes ``(N, m)`` of the predictions every loss check tries, in this order.
SHAPES = [(1, 1), (1, 3), (4, 1), (5, 3), (8, 4)]


def _targets(name: str, rng: np.random.Generator, N: int, m: int) -> Array:
    """Targets that make sense for the loss: reals, 0/1 entries, or one-hot rows."""
    if name == "mse":
        return rng.normal(size=(N, m))
    if name in ("bce", "bce_with_logits"):
        return rng.integers(0, 2, size=(N, m)).astype(float)
    return np.eye(m)[rng.integers(0, m, size=N)]


def _predictions(name: str, rng: np.random.Generator, N: int, m: int) -> Array:
    """Predictions in the loss's domain: logits, probabilities in (0, 1), or softmax rows."""
    Z = rng.normal(scale=2.0, size=(N, m))
    if name in ("mse", "bce_with_logits", "softmax_cross_entropy"):
        return Z
    if name == "bce":
        return np.clip(1 / (1 + np.exp(-Z)), 0.02, 0.98)
    return softmax(Z)


def loss_cases(name: str, seed: int = 0) -> list[tuple[Array, Array]]:
    """Seeded ``(P, Y)`` pairs for the loss ``name``, one per shape in :data:`SHAPES`.

    Categorical losses skip the one-column shapes (one class is not a classification).
    """
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; known: {', '.join(sorted(LOSSES))}")
    rng = np.random.default_rng(seed)
    cases = []
    for N, m in SHAPES:
        if LOSSES[name].categorical and m == 1:
            continue
        cases.append((_predictions(name, rng, N, m), _targets(name, rng, N, m)))
    return cases


def _names(name: str) -> list[str]:
    return [f"batch of {N}, n_L = {m}" for N, m in SHAPES
            if not (LOSSES[name].categorical and m == 1)]


def _scales(P: Array, Y: Array) -> dict:
    return {"N": P.shape[0], "n_L": P.shape[1]}


@expects("loss(P, Y) -> float")
def check_loss(name: str, fn: Callable[[Array, Array], float],
               verbose: bool = True) -> CheckResult:
    """Check a reader's loss value against :data:`bp.losses.LOSSES[name] <bp.losses.LOSSES>`.

    Parameters
    ----------
    name : str
        ``"mse"``, ``"bce"``, ``"bce_with_logits"``, ``"cross_entropy"`` or
        ``"softmax_cross_entropy"``.
    fn : callable
        ``fn(P, Y) -> float`` with ``P`` and ``Y`` of shape ``(N, m)`` (one-hot rows
        for the categorical losses; logits for the ``*_logits``/``softmax_*`` ones),
        reduced as PyTorch's ``reduction="mean"``.
    verbose : bool
        Print the outcome.

    Returns
    -------
    CheckResult
        Truthy when every case agrees (relative tolerance 1e-6).
    """
    cases = loss_cases(name)
    return compare(f"check_loss({name!r})", fn, LOSSES[name].value, cases, arg_names=["P", "Y"],
                   verbose=verbose, signature=check_loss.signature, case_names=_names(name),
                   outputs="loss", scales=_scales)


@expects("loss_gradient(P, Y) -> dP")
def check_loss_gradient(name: str, fn: Callable[[Array, Array], Array],
                        verbose: bool = True) -> CheckResult:
    r"""Check a reader's :math:`\partial ℒ/\partial P` against bp's for the loss ``name``.

    Parameters
    ----------
    name : str
        A name from :data:`bp.losses.LOSSES`.
    fn : callable
        ``fn(P, Y) -> ndarray`` of shape ``(N, m)``: the gradient of the *mean* loss,
        so it carries the factor :math:`1/(Nm)` (mse: :math:`2/(Nm)`) or :math:`1/N`.
    verbose : bool

    Returns
    -------
    CheckResult
    """
    cases = loss_cases(name)
    return compare(f"check_loss_gradient({name!r})", fn, LOSSES[name].grad, cases,
                   arg_names=["P", "Y"], verbose=verbose,
                   signature=check_loss_gradient.signature, case_names=_names(name),
                   outputs="dP", scales=_scales)


def _softmax_ce_delta(Z: Array, Y: Array) -> Array:
    return LOSSES["softmax_cross_entropy"].grad(Z, Y)


def _sigmoid_bce_delta(Z: Array, Y: Array) -> Array:
    return LOSSES["bce_with_logits"].grad(Z, Y)


#: Output layer -> (loss on logits it fuses with, reference delta).
OUTPUT_DELTAS: dict[str, tuple[str, Callable[[Array, Array], Array]]] = {
    "softmax": ("softmax_cross_entropy", _softmax_ce_delta),
    "sigmoid": ("bce_with_logits", _sigmoid_bce_delta),
}


def _sigmoid(Z: Array) -> Array:
    return np.exp(-np.logaddexp(0.0, -Z))


#: Output layer -> known wrong output deltas (probable cause, function of Z, Y).
DELTA_VARIANTS = {
    "softmax": [("you returned ∂ℒ/∂ŷ (= −y/(N ŷ)), not δ = ∂ℒ/∂z = (ŷ − y)/N",
                 lambda Z, Y: -Y / (Z.shape[0] * softmax(Z))),
                ("the softmax is missing: δ = (softmax(Z) − Y)/N", lambda Z, Y: (Z - Y) / len(Z))],
    "sigmoid": [("you returned ∂ℒ/∂ŷ, not δ = ∂ℒ/∂z = (ŷ − y)/(N·n_L)",
                 lambda Z, Y: (_sigmoid(Z) - Y) / (_sigmoid(Z) * (1 - _sigmoid(Z)) * Y.size)),
                ("the sigmoid is missing: δ = (σ(Z) − Y)/(N·n_L)",
                 lambda Z, Y: (Z - Y) / Y.size)],
}


@expects("output_delta(Z, Y) -> delta")
def check_output_delta(fn: Callable[[Array, Array], Array], output: str = "softmax",
                       verbose: bool = True) -> CheckResult:
    r"""Check a reader's output error term :math:`\delta^L = \partial ℒ/\partial Z^L`.

    For a softmax output with cross-entropy (``output="softmax"``) or a sigmoid
    output with binary cross-entropy (``output="sigmoid"``) the answer is

    .. math:: \delta^L = \frac{1}{N}(\hat y - y) \quad\text{resp.}\quad
              \frac{1}{N n_L}(\hat y - y),

    where :math:`\hat y` is the softmax (sigmoid) of the logits. Extreme logits
    (:math:`\pm 10^4`) are among the cases, so the function must not produce NaN.

    Parameters
    ----------
    fn : callable
        ``fn(Z, Y) -> ndarray`` of shape ``(N, m)``; ``Z`` are the logits, ``Y`` one-hot
        rows (softmax) or 0/1 entries (sigmoid).
    output : {"softmax", "sigmoid"}
    verbose : bool

    Returns
    -------
    CheckResult
    """
    if output not in OUTPUT_DELTAS:
        raise ValueError(f"output must be one of {sorted(OUTPUT_DELTAS)}, got {output!r}")
    loss_name, ref = OUTPUT_DELTAS[output]
    cases = loss_cases(loss_name)
    m = 3
    Y_extreme = _targets(loss_name, np.random.default_rng(1), 2, m)
    cases.append((np.array([[1e4, -1e4, 0.0], [-1e4, 0.0, 1e4]]), Y_extreme))
    names = _names(loss_name) + ["logits ±1e4"]
    return compare(f"check_output_delta(output={output!r})", fn, ref, cases,
                   arg_names=["Z", "Y"], verbose=verbose,
                   signature=check_output_delta.signature, case_names=names,
                   outputs="delta", variants=DELTA_VARIANTS[output], scales=_scales)


def _logsumexp(Z: Array) -> Array:
    top = Z.max(axis=1)
    return top + np.log(np.sum(np.exp(Z - top[:, None]), axis=1))


@expects("logsumexp(Z) -> lse")
def check_logsumexp(fn: Callable[[Array], Array], verbose: bool = True) -> CheckResult:
    r"""Check a reader's row-wise :math:`\operatorname{LSE}(z) = \log\sum_j e^{z_j}`.

    The cases include logits of :math:`\pm 10^4`, where the naive formula overflows
    (``inf``) or underflows (``-inf``); shift by the row maximum,
    :math:`\operatorname{LSE}(z) = c + \log\sum_j e^{z_j - c}` with :math:`c = \max_j z_j`.

    Parameters
    ----------
    fn : callable
        ``fn(Z) -> ndarray`` of shape ``(N,)`` for ``Z`` of shape ``(N, m)``.
    verbose : bool

    Returns
    -------
    CheckResult
    """
    rng = np.random.default_rng(0)
    cases = [(rng.normal(size=(3, 4)),),
             (np.array([[1e4, 0.0, -1e4]]),),
             (np.array([[-1e4, -1e4 + 1.0, -1e4 - 2.0], [1e4, 1e4, 1e4]]),),
             (rng.normal(scale=50.0, size=(5, 6)),)]
    variants = [("the sum runs over the batch axis: use axis=1 (one value per row)",
                 lambda Z: Z.max(axis=0) + np.log(np.exp(Z - Z.max(axis=0)).sum(axis=0))),
                ("the maximum is subtracted but not added back: c + log Σ e^(z − c)",
                 lambda Z: np.log(np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1)))]
    return compare("check_logsumexp", fn, _logsumexp, cases, arg_names=["Z"],
                   verbose=verbose, case_names=["3x4 normal", "logits ±1e4",
                                                "rows near ±1e4", "5x6, scale 50"],
                   outputs="lse", variants=variants)
