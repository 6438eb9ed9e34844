r"""Self-check for the backward pass of scaled dot-product attention.

For one head, queries ``Q`` (T, d), keys ``K`` (T, d) and values ``V`` (T, d_v),

.. math:: S = \frac{Q K^\top}{\sqrt d}, \qquad P = \operatorname{softmax}_{\text{row}}(S),
          \qquad O = P V,

and, from :math:`\bar O = \partial\loss/\partial O`, the backward pass is two matrix
products and the softmax Jacobian applied row by row:

.. math:: \bar P = \bar O V^\top, \quad \bar V = P^\top \bar O, \quad
          \bar S = P \odot \big(\bar P - \operatorname{rowsum}(\bar P \odot P)\big), \quad
          \bar Q = \frac{\bar S K}{\sqrt d}, \quad \bar K = \frac{\bar S^\top Q}{\sqrt d}.

The reference uses :func:`bp.activations.softmax` and
:func:`bp.activations.softmax_vjp`, the functions :class:`bp.SelfAttention` calls. The
check recognises the classic slips: the diagonal of the softmax Jacobian only, the
row-sum term dropped or summed over the wrong axis, :math:`1/\sqrt d` forgotten in the
backward pass, and a missing transpose in :math:`\bar K` or :math:`\bar V`.

>>> from bp.checks.attention import check_attention_backward, reference_attention_backward
>>> bool(check_attention_backward(reference_attention_backward, verbose=False))
True
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..activations import softmax, softmax_vjp
from ._core import CheckResult, compare
from ._signatures import expects

Array = np.ndarray


def _slipped(slip: str = "") -> Callable[..., tuple[Array, Array, Array]]:
    """The backward pass, with one classic mistake (``""``: none)."""
    def backward(Q, K, V, dO):
        scale = 1 / np.sqrt(Q.shape[-1])
        S = Q @ K.T * scale
        P = softmax(S)
        dP = dO @ V.T
        dV = P @ dO if slip == "dV" else P.T @ dO
        if slip == "diagonal":
            dS = P * (1 - P) * dP
        elif slip == "no_rowsum":
            dS = P * dP
        elif slip == "column_sum":
            dS = P * (dP - np.sum(dP * P, axis=0, keepdims=True))
        else:
            dS = softmax_vjp(S, P, dP)               # P * (dP - rowsum(dP * P))
        if slip != "no_scale":
            dS = dS * scale
        dK = dS @ Q if slip == "dK" else dS.T @ Q
        return dS @ K, dK, dV
    return backward


reference_attention_backward = _slipped()
reference_attention_backward.__doc__ = "``(dQ, dK, dV)`` of one unmasked head, by ``bp``."

VARIANTS = [
    ("only the diagonal of the softmax Jacobian: each row's Jacobian is diag(p) − p pᵀ, "
     "so dS = P ⊙ (dP − rowsum(dP ⊙ P)), not P ⊙ (1 − P) ⊙ dP", _slipped("diagonal")),
    ("the row-sum term is missing: dS = P ⊙ (dP − rowsum(dP ⊙ P)), because every "
     "score of a row changes every probability of that row", _slipped("no_rowsum")),
    ("the sum runs over the wrong axis: each row of P is one softmax, so sum dP ⊙ P "
     "along the row (axis=-1, keepdims=True)", _slipped("column_sum")),
    ("the scale 1/√d is missing in the backward pass: S = Q Kᵀ/√d, so dQ and dK carry "
     "the factor 1/√d too", _slipped("no_scale")),
    ("dK needs the transpose: K enters S as Kᵀ, so dK = dSᵀ Q / √d", _slipped("dK")),
    ("dV needs the transpose: O = P V, so dV = Pᵀ dO", _slipped("dV")),
]


def _cases() -> list[tuple[Array, ...]]:
    """(Q, K, V, dO): from two steps of one feature up to seven steps, d = 4."""
    cases = []
    for seed, (T, d, dv, scale) in enumerate([(2, 1, 1, 1.0), (3, 2, 2, 1.0),
                                              (4, 4, 3, 1.0), (7, 3, 2, 0.5),
                                              (5, 4, 4, 3.0)]):
        g = np.random.default_rng(200 + seed)
        cases.append((scale * g.normal(size=(T, d)), scale * g.normal(size=(T, d)),
                      g.normal(size=(T, dv)), g.normal(size=(T, dv))))
    return cases


_NAMES = ["T = 2, d = 1", "T = 3, d = 2", "T = 4, d = 4, d_v = 3",
          "T = 7, small scores", "T = 5, large scores (peaked softmax)"]


@expects("attention_backward(Q, K, V, dO) -> (dQ, dK, dV)")
def check_attention_backward(fn: Callable[..., tuple[Array, Array, Array]],
                             verbose: bool = True) -> CheckResult:
    r"""Check a reader's backward pass of one head of scaled dot-product attention.

    Parameters
    ----------
    fn : callable
        ``fn(Q, K, V, dO)`` with ``Q`` and ``K`` of shape (T, d), ``V`` and ``dO`` of
        shape (T, d_v), for :math:`O = \operatorname{softmax}(Q K^\top/\sqrt d)\, V`
        (no mask); returns the new arrays ``(dQ, dK, dV)`` with the shapes of ``Q``,
        ``K``, ``V``. No argument may be changed in place.
    verbose : bool
        Print the outcome.

    Returns
    -------
    CheckResult
        Truthy when the three gradients agree with ``bp``'s on every case.
    """
    return compare("check_attention_backward", fn, reference_attention_backward,
                   _cases(), arg_names=["Q", "K", "V", "dO"], rtol=1e-6, atol=1e-10,
                   verbose=verbose, case_names=_NAMES, outputs=["dQ", "dK", "dV"],
                   variants=VARIANTS,
                   rule="softmax over each row of S = Q Kᵀ/√d; return new arrays "
                        "(dQ, dK, dV); do not change the arguments in place")


__all__ = ["check_attention_backward", "reference_attention_backward"]
