"""Probable causes of a wrong answer: known wrong transformations of the reference.

When a reader's output differs from the reference, each entry of :data:`DIAGNOSES`
is tried on the differing part: it transforms the *expected* array the way a classic
slip would (a constant factor such as 2, -1, N, n_L or the learning rate, a
transpose, a reshape, the diagonal of a Jacobian, a NaN from an overflowing formula)
and, when the reader's array matches the transformed one, names the slip. A check
adds its own wrong references (a forgotten transpose on a square layer, a dropped
:math:`f'`, an ignored bias) as *variants*, whole-output functions tried the same
way. The registry is a list, not a chain of ``if``: add a :class:`Diagnosis` to it.

>>> import numpy as np
>>> from bp.checks._diagnose import diagnose_leaf
>>> e = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> diagnose_leaf(e, 2 * e, {"N": 2})[0]
'every entry is exactly 2× the reference: did you sum over the batch instead of taking the mean (a missing 1/N), or count a factor 2 twice?'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


def close(g: Array, e: Array, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Same shape and :func:`numpy.allclose` (NaN never equal)."""
    g, e = np.asarray(g), np.asarray(e)
    return g.shape == e.shape and bool(np.allclose(g, e, rtol=rtol, atol=atol))


#: (label, factor from the case's scales or None, hint), tried on ``got / expected``.
FACTORS: list[tuple[str, Callable[[dict], float | None], str]] = [
    ("-1", lambda s: -1.0, "the sign is flipped: `+` where the rule has `-`, or "
     "`y - yhat` where it has `yhat - y`?"),
    ("N", lambda s: s.get("N"), "did you sum over the batch instead of taking the mean "
     "(a missing 1/N)"),
    ("1/N", lambda s: 1 / s["N"] if s.get("N") else None,
     "did you divide by N again (the loss's 1/N is already inside δ; sum over the batch)"),
    ("2", lambda s: 2.0, "count a factor 2 twice"),
    ("1/2", lambda s: 0.5, "a factor 2 is missing: d/dŷ (ŷ − y)² = 2(ŷ − y)"),
    ("N·n_L", lambda s: s["N"] * s["n_L"] if s.get("N") and s.get("n_L") else None,
     "did you sum over all N·n_L entries instead of taking the mean"),
    ("n_L", lambda s: s.get("n_L"), "did you average over the batch only where the mean "
     "runs over all N·n_L entries"),
    ("1/n_L", lambda s: 1 / s["n_L"] if s.get("n_L") else None,
     "did you average over all N·n_L entries where the loss averages over the batch only"),
    ("lr", lambda s: s.get("lr"), "did you return the step lr·g instead of the new values"),
    ("-lr", lambda s: -s["lr"] if s.get("lr") else None,
     "did you return the change −lr·g instead of the new values"),
    ("1/lr", lambda s: 1 / s["lr"] if s.get("lr") else None, "is the learning rate ignored"),
]


def _factor(e: Array, g: Array, scales: dict) -> str | None:
    e, g = np.asarray(e, dtype=float), np.asarray(g, dtype=float)
    if e.shape != g.shape or not np.all(np.isfinite(g)) or not np.any(e):
        return None
    k = float(np.sum(g * e) / np.sum(e * e))
    if np.isclose(k, 1.0) or not close(g, k * e, rtol=1e-6, atol=1e-12):
        return None
    hints = [hint for label, value, hint in FACTORS
             if (v := value(scales)) is not None and np.isclose(k, v, rtol=1e-9)]
    if not hints:
        return f"every entry is exactly {k:.6g}× the reference: a constant factor is wrong"
    shown = f"{k:.6g}" if k != -1 else "−1"
    text = " or ".join(hints)
    return f"every entry is exactly {shown}× the reference: {text}?".replace("??", "?")


@dataclass(frozen=True)
class Diagnosis:
    """A classic slip: ``test(expected, got, scales)`` returns a message or ``None``."""

    key: str
    test: Callable[[Array, Array, dict], str | None]


def _transpose(e, g, s):
    if e.ndim == 2 and e.shape[0] != e.shape[1] and close(g, e.T):
        return (f"you returned the transpose: shape {g.shape} where {e.shape} is expected "
                "(W has shape (n_l, n_{l-1}); dW = δᵀ A_prev)")
    if e.ndim == 2 and e.shape[0] == e.shape[1] and e.shape[0] > 1 and close(g, e.T):
        return "you returned the transpose of the right matrix (J_ij = ∂s_i/∂z_j)"
    return None


def _reshaped(e, g, s):
    if g.shape != e.shape and g.size == e.size and close(g.reshape(e.shape), e):
        return (f"the values are right but the shape is {g.shape}, expected {e.shape} "
                "(a stray reshape, keepdims, or a column where a row is expected?)")
    return None


def _broadcast(e, g, s):
    if g.ndim > e.ndim or (g.shape != e.shape and g.size > e.size > 0):
        return (f"shape {g.shape} where {e.shape} is expected: did a (n, 1) array meet a "
                "(n,) one and broadcast to a matrix?")
    return None


def _diagonal(e, g, s):
    if e.ndim != 2 or e.shape[0] != e.shape[1] or e.shape[0] < 2:
        return None
    d = np.diag(e)
    if close(g, d) or close(g, np.diag(d)):
        return ("you returned only the diagonal of the Jacobian, s_i(1 − s_i): the "
                "off-diagonal entries −s_i s_j are missing (J = diag(s) − s sᵀ)")
    return None


def _nonfinite(e, g, s):
    if g.shape == e.shape and np.all(np.isfinite(e)) and not np.all(np.isfinite(g)):
        n_bad = int(np.sum(~np.isfinite(g)))
        cause = s.get("nonfinite_cause") or (
            "the naive formula overflows at large |z| (e^1000 = inf); subtract the "
            "maximum first, or use the stable form")
        return (f"{n_bad} entr{'y is' if n_bad == 1 else 'ies are'} inf or NaN where the "
                f"reference is finite: {cause}")
    return None


def _zeros(e, g, s):
    if g.shape == e.shape and not np.any(g) and np.any(e):
        return "your result is all zeros: is a value never accumulated or never written?"
    return None


#: Tried in order on the first part that differs; the first that matches is reported.
DIAGNOSES: list[Diagnosis] = [
    Diagnosis("factor", lambda e, g, s: _factor(e, g, s)),
    Diagnosis("transpose", _transpose),
    Diagnosis("diagonal", _diagonal),
    Diagnosis("reshape", _reshaped),
    Diagnosis("broadcast", _broadcast),
    Diagnosis("nonfinite", _nonfinite),
    Diagnosis("zeros", _zeros),
]


def diagnose_leaf(expected, got, scales: dict) -> tuple[str, str] | None:
    """``(message, key)`` of the first matching :data:`DIAGNOSES` entry, else ``None``."""
    try:
        e = np.asarray(expected, dtype=float)
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    with np.errstate(all="ignore"):
        for diagnosis in DIAGNOSES:
            message = diagnosis.test(e, g, scales)
            if message:
                return message, diagnosis.key
    return None
