r"""Self-check for backpropagation through time (the recurrent chapter's exercise).

The reader writes the forward and the backward pass of a tanh recurrent layer with one
bias, :math:`h_0 = 0`,

.. math:: z_t = x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b, \qquad h_t = \tanh z_t,

and, from the error :math:`\bar h_T = \partial\loss/\partial h_T` of the last state
alone, returns the three gradients of BPTT,

.. math:: \delta_t = \bar h_t \odot (1 - h_t^2), \qquad
          \bar h_{t-1} = \delta_t W_{hh}, \qquad
          \pd{\loss}{W_{ih}} = \sum_t \delta_t^\top x_t, \quad
          \pd{\loss}{W_{hh}} = \sum_t \delta_t^\top h_{t-1}, \quad
          \pd{\loss}{b} = \sum_t \mathbf{1}^\top \delta_t .

The reference is :class:`bp.RNN` itself (``b_ih = b``, ``b_hh = 0``). The check
recognises the classic slips: the recurrent path dropped (BPTT truncated to one
step), :math:`h_t` for :math:`h_{t-1}` in :math:`\partial\loss/\partial W_{hh}`, the
missing :math:`f'`, :math:`W_{hh}^\top` for :math:`W_{hh}` on the way back, and the
derivative taken at the wrong step.

>>> import numpy as np
>>> from bp.checks.recurrent import check_bptt, reference_bptt
>>> bool(check_bptt(reference_bptt, verbose=False))
True
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..layers.recurrent import RNN
from ._core import CheckResult, compare
from ._signatures import expects

Array = np.ndarray


def reference_bptt(X: Array, W_ih: Array, W_hh: Array, b: Array,
                   dh_T: Array) -> tuple[Array, Array, Array]:
    """``(dW_ih, dW_hh, db)`` from :class:`bp.RNN` (tanh, ``b_ih = b``, ``b_hh = 0``)."""
    H, n_in = W_ih.shape
    rnn = RNN(n_in, H, rng=0)
    rnn.W_ih[...], rnn.W_hh[...], rnn.b_ih[...], rnn.b_hh[...] = W_ih, W_hh, b, 0.0
    rnn.forward(X)
    rnn.backward(dh_T)
    return rnn.dW_ih, rnn.dW_hh, rnn.db_ih


def _states(X, W_ih, W_hh, b):
    """Every h_t (h_0 = 0 first), shape (T + 1, N, H)."""
    N, T, _ = X.shape
    Hs = [np.zeros((N, W_hh.shape[0]))]
    for t in range(T):
        Hs.append(np.tanh(X[:, t] @ W_ih.T + Hs[-1] @ W_hh.T + b))
    return np.stack(Hs)


def _slipped(slip: str) -> Callable[..., tuple[Array, Array, Array]]:
    """BPTT with one classic mistake."""
    def bptt(X, W_ih, W_hh, b, dh_T):
        Hs = _states(X, W_ih, W_hh, b)
        T = X.shape[1]
        dW_ih, dW_hh, db = np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros_like(b)
        dh = dh_T
        for t in range(T, 0, -1):
            d = 1 - Hs[t] ** 2 if slip != "late_df" else 1 - Hs[min(t + 1, T)] ** 2
            delta = dh if slip == "no_df" else dh * d
            h_prev = Hs[t] if slip == "h_t" else Hs[t - 1]
            dW_ih += delta.T @ X[:, t - 1]
            dW_hh += delta.T @ h_prev
            db += delta.sum(axis=0)
            if slip == "truncated":
                dh = np.zeros_like(dh)
            else:
                dh = delta @ (W_hh.T if slip == "transposed" else W_hh)
        return dW_ih, dW_hh, db
    return bptt


VARIANTS = [
    ("the recurrent path is missing: the error of h_{t-1} is δ_t W_hh, and it "
     "carries the gradient back through every earlier step (without it only the last "
     "step contributes: BPTT truncated to one step)", _slipped("truncated")),
    ("dW_hh uses h_t; the weight W_hh multiplies h_{t-1}, so its gradient is "
     "Σ_t δ_tᵀ h_{t-1} (with h_0 = 0)", _slipped("h_t")),
    ("the derivative of tanh is missing: δ_t = (error of h_t) ⊙ (1 − h_t²)",
     _slipped("no_df")),
    ("on the way back the error of h_{t-1} is δ_t @ W_hh (rows are examples), not "
     "δ_t @ W_hh.T", _slipped("transposed")),
    ("f'(z_t) is taken at the wrong step: δ_t multiplies by 1 − h_t² of the same step t",
     _slipped("late_df")),
]


def _cases() -> list[tuple[Array, ...]]:
    """(X, W_ih, W_hh, b, dh_T): shapes from one unit and one step up to T = 7."""
    cases = []
    for seed, (N, T, n_in, H) in enumerate([(1, 1, 1, 1), (2, 3, 1, 2), (4, 5, 3, 4),
                                            (3, 7, 2, 5), (5, 4, 2, 3)]):
        g = np.random.default_rng(100 + seed)
        cases.append((g.normal(size=(N, T, n_in)), g.normal(size=(H, n_in)),
                      g.normal(size=(H, H)) / np.sqrt(H), 0.3 * g.normal(size=H),
                      g.normal(size=(N, H))))
    return cases


_NAMES = ["one unit, one step", "T = 3, two units", "T = 5, batch of 4",
          "T = 7, five units", "T = 4, three units"]


@expects("bptt(X, W_ih, W_hh, b, dh_T) -> (dW_ih, dW_hh, db)")
def check_bptt(fn: Callable[..., tuple[Array, Array, Array]],
               verbose: bool = True) -> CheckResult:
    r"""Check a reader's backpropagation through time for a tanh recurrent layer.

    Parameters
    ----------
    fn : callable
        ``fn(X, W_ih, W_hh, b, dh_T)`` with ``X`` (N, T, n_in), ``W_ih`` (H, n_in),
        ``W_hh`` (H, H), ``b`` (H,) and ``dh_T`` (N, H), the error of the last state
        :math:`h_T`; runs the forward pass (tanh, :math:`h_0 = 0`) and BPTT and returns
        the new arrays ``(dW_ih, dW_hh, db)`` with the shapes of ``W_ih``, ``W_hh``, ``b``.
        No argument may be changed in place.
    verbose : bool
        Print the outcome.

    Returns
    -------
    CheckResult
        Truthy when all three gradients agree with :class:`bp.RNN` on every case.
    """
    return compare("check_bptt", fn, reference_bptt, _cases(),
                   arg_names=["X", "W_ih", "W_hh", "b", "dh_T"], rtol=1e-6, atol=1e-10,
                   verbose=verbose, case_names=_NAMES,
                   outputs=["dW_ih", "dW_hh", "db"], variants=VARIANTS,
                   rule="return new arrays (dW_ih, dW_hh, db), each summed over all T "
                        "steps; do not change the arguments in place")


__all__ = ["check_bptt", "reference_bptt"]
