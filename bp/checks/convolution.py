r"""Self-checks for the convolution chapter: a 2-D convolution's backward pass.

The reader writes the backward pass of ``Z = conv2d(X, W) + b`` (PyTorch's
``nn.Conv2d``, a cross-correlation, NCHW) for a given :math:`\delta = \partial\mathcal
L/\partial Z`, and the check compares it with :meth:`bp.Conv2D.backward`:

.. math::

   \frac{\partial \mathcal L}{\partial W_{f c a b}} = \sum_{n,i,j}
   \delta_{n f i j}\, X^{p}_{n c,\, s i + a,\, s j + b}, \qquad
   \frac{\partial \mathcal L}{\partial b_f} = \sum_{n,i,j} \delta_{n f i j}, \qquad
   \frac{\partial \mathcal L}{\partial X^{p}_{n c u v}} = \sum_{f,i,j}
   \delta_{n f i j}\, W_{f c,\, u - s i,\, v - s j},

with :math:`X^p` the zero-padded input (the gradient of the padding is cropped away)
and :math:`s` the stride. The last sum is a full correlation of the dilated
:math:`\delta` with the flipped kernel; the classic slips (no flip, no crop, the mean
over the batch) are diagnosed by name.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..layers import Conv2D
from ._core import CheckResult, compare
from ._signatures import expects

#: (N, C_in, H, W, C_out, (kh, kw), stride, padding) of the cases.
CONV_CASES = [
    (2, 1, 5, 5, 2, (3, 3), 1, 0),
    (1, 2, 6, 5, 3, (2, 3), 1, 1),
    (2, 2, 7, 7, 2, (3, 3), 2, 0),
    (2, 3, 6, 6, 3, (3, 3), 2, 1),
]


def conv_cases(seed: int = 0) -> list[tuple]:
    """Seeded ``(X, W, delta, stride, padding)`` cases, float64, in NCHW."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, c, h, w, f, (kh, kw), s, p in CONV_CASES:
        ho, wo = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
        cases.append((rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)),
                      rng.normal(size=(n, f, ho, wo)), s, p))
    return cases


def conv_case_names() -> list[str]:
    """``"N=2, 1->2 channels, 5x5 input, 3x3 kernel, stride 1, padding 0"``, per case."""
    return [f"N={n}, {c}->{f} channels, {h}x{w} input, {kh}x{kw} kernel, stride {s}, "
            f"padding {p}" for n, c, h, w, f, (kh, kw), s, p in CONV_CASES]


def reference_conv2d_backward(X: np.ndarray, W: np.ndarray, delta: np.ndarray,
                              stride: int, padding: int) -> tuple:
    """``(dX, dW, db)`` from :meth:`bp.Conv2D.backward` (identity activation)."""
    layer = Conv2D(W.shape[1], W.shape[0], W.shape[2:], stride=stride, padding=padding)
    layer.W[...] = W
    layer.forward(X)
    dX = layer.backward(delta)
    return dX, layer.dW, layer.db


def full_correlation(X: np.ndarray, W: np.ndarray, delta: np.ndarray, stride: int,
                     padding: int, flip: bool = True, crop: bool = True) -> np.ndarray:
    r"""BP2 as a convolution: dilate :math:`\delta` by the stride, pad it by
    :math:`k-1`, correlate with the (flipped, channel-transposed) kernel; ``flip`` and
    ``crop`` switched off give two classic slips."""
    n, f, ho, wo = delta.shape
    kh, kw = W.shape[2:]
    hp, wp = X.shape[2] + 2 * padding, X.shape[3] + 2 * padding
    d = np.zeros((n, f, hp + kh - 1, wp + kw - 1))       # room for the k-1 border
    d[:, :, kh - 1:kh - 1 + stride * ho:stride, kw - 1:kw - 1 + stride * wo:stride] = delta
    K = W[:, :, ::-1, ::-1] if flip else W
    win = np.lib.stride_tricks.sliding_window_view(d, (kh, kw), axis=(2, 3))
    dXp = np.einsum("nfuvab,fcab->ncuv", win, K)
    if not crop:
        return dXp
    return dXp[:, :, padding:padding + X.shape[2], padding:padding + X.shape[3]]


def _variants() -> list[tuple[str, Callable]]:
    def swap(i, value):
        def wrong(X, W, delta, s, p):
            out = list(reference_conv2d_backward(X, W, delta, s, p))
            out[i] = value(X, W, delta, s, p, out[i])
            return tuple(out)
        return wrong
    return [
        ("dX: the kernel is not flipped. BP2 is a full correlation of δ with the "
         "*flipped* kernel W[:, :, ::-1, ::-1] (or, with loops, add δ[n, f, i, j] * "
         "W[f] into the window X[n, :, s*i:s*i+kh, s*j:s*j+kw] it came from)",
         swap(0, lambda X, W, d, s, p, g: full_correlation(X, W, d, s, p, flip=False))),
        ("dX still has the padded shape: crop the padding, dXp[:, :, p:p+H, p:p+W]",
         swap(0, lambda X, W, d, s, p, g: full_correlation(X, W, d, s, p, crop=False))),
        ("dW is averaged over the batch: the loss's 1/N is already inside δ, so sum "
         "over the examples and positions", swap(1, lambda X, W, d, s, p, g: g / len(X))),
        ("db is averaged over the positions (or the batch): db[f] is the sum of "
         "δ[:, f] over every example and position",
         swap(2, lambda X, W, d, s, p, g: g / (d.shape[2] * d.shape[3]))),
        ("db is summed over the batch only: sum δ over axes (0, 2, 3), one number per "
         "output channel", swap(2, lambda X, W, d, s, p, g: d.sum(axis=0))),
    ]


@expects("conv2d_backward(X, W, delta, stride, padding) -> (dX, dW, db)")
def check_conv2d_backward(fn: Callable[..., tuple], verbose: bool = True) -> CheckResult:
    r"""Check a convolution's backward pass (BP2, BP3 and BP4 of a Conv2D).

    Parameters
    ----------
    fn : callable
        ``fn(X, W, delta, stride, padding)`` with ``X`` of shape ``(N, C_in, H, W)``,
        ``W`` of shape ``(C_out, C_in, kh, kw)`` (``nn.Conv2d.weight``), ``delta`` =
        dL/dZ of shape ``(N, C_out, H_o, W_o)`` and ints ``stride`` and ``padding``
        (zeros on each side); returns ``(dX, dW, db)`` of shapes ``X.shape``,
        ``W.shape`` and ``(C_out,)``. The forward pass is PyTorch's cross-correlation
        ``Z[n, f, i, j] = sum(W[f] * Xp[n, :, s*i:s*i+kh, s*j:s*j+kw]) + b[f]``. Sum
        over the batch (do not average) and do not change the arguments in place.
    verbose : bool
        Print the outcome.

    Returns
    -------
    CheckResult
        Truthy when every case matches :meth:`bp.Conv2D.backward`.
    """
    return compare("check_conv2d_backward", fn, reference_conv2d_backward, conv_cases(),
                   arg_names=["X", "W", "delta", "stride", "padding"], rtol=1e-6,
                   atol=1e-9, verbose=verbose, case_names=conv_case_names(),
                   outputs=["dX", "dW", "db"], variants=_variants(),
                   scales=lambda X, W, d, s, p: {"N": X.shape[0]},
                   rule="sum over the batch; return new arrays")
