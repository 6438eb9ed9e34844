r"""Gradient clipping by norm: one rescaling of all gradients together.

When a recurrent network's gradient explodes, one step of gradient descent can throw
the weights far away. Clipping by the *global* norm keeps the direction of the whole
gradient and only shortens it (Pascanu, Mikolov and Bengio, 2013): with every
gradient array :math:`g_1, \dots, g_P` of the network,

.. math:: \lVert g \rVert = \Big(\sum_p \lVert g_p \rVert_2^2\Big)^{1/2}, \qquad
          g_p \leftarrow g_p \cdot
          \min\!\Big(1, \frac{c}{\lVert g \rVert + 10^{-6}}\Big),

exactly as ``torch.nn.utils.clip_grad_norm_(params, max_norm=c)`` (the same
:math:`10^{-6}`, the same factor applied to every array, the norm before clipping
returned). Clipping each array on its own would change the direction.
"""
from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

#: Added to the norm before dividing, as PyTorch does (a zero gradient stays zero).
EPS = 1e-6


def _arrays(grads: Iterable[np.ndarray | None] | Mapping[str, np.ndarray | None]
            ) -> list[np.ndarray]:
    """The gradient arrays to clip (``None`` entries, gradients not computed yet, are
    skipped as PyTorch skips parameters whose ``.grad`` is ``None``)."""
    items = grads.values() if isinstance(grads, Mapping) else grads
    if isinstance(items, np.ndarray):
        items = [items]
    arrays = []
    for k, g in enumerate(items):
        if g is None:
            continue
        if not isinstance(g, np.ndarray) or g.dtype.kind != "f":
            got = g.dtype if isinstance(g, np.ndarray) else type(g).__name__
            raise TypeError(f"clip_grad_norm: gradient {k} must be a float ndarray "
                            f"(it is rescaled in place), got {got}")
        if not g.flags.writeable:
            raise ValueError(f"clip_grad_norm: gradient {k} is read-only; it is "
                             f"rescaled in place")
        arrays.append(g)
    return arrays


def check_max_norm(value: float, name: str = "max_norm",
                   where: str = "clip_grad_norm") -> float:
    """``value`` as a float, or a ``TypeError``/``ValueError`` naming ``name`` unless it
    is a positive finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{where}: {name} must be a positive finite number, got {value}")
    return float(value)


def clip_grad_norm(grads: Iterable[np.ndarray | None] | Mapping[str, np.ndarray | None],
                   max_norm: float, error_if_nonfinite: bool = False) -> float:
    r"""Rescale ``grads`` in place so that their global 2-norm is at most ``max_norm``.

    Parameters
    ----------
    grads : iterable of ndarray, or dict of ndarray
        Gradient arrays of any shapes, e.g. ``[g for layer in net.layers for g in
        layer.grads().values()]`` or one layer's ``grads()``. They are changed in
        place (that is the point); ``None`` entries are skipped.
    max_norm : float
        The largest norm allowed, :math:`c > 0`.
    error_if_nonfinite : bool
        Raise ``FloatingPointError`` when the norm is NaN or inf (PyTorch's option);
        otherwise the arrays are scaled by the resulting NaN or 0, as PyTorch does.

    Returns
    -------
    float
        :math:`\lVert g \rVert`, the global norm *before* clipping.

    Examples
    --------
    >>> g = [np.array([3.0, 0.0]), np.array([[4.0]])]
    >>> clip_grad_norm(g, max_norm=1.0)
    5.0
    >>> [a.round(6).tolist() for a in g]
    [[0.6, 0.0], [[0.8]]]
    """
    max_norm = check_max_norm(max_norm, "max_norm", "clip_grad_norm")
    arrays = _arrays(grads)
    if not arrays:
        return 0.0
    # the norm of the per-array norms, accumulated in float64 (no float32 overflow)
    wide = (g.astype(np.float64, copy=False) for g in arrays)
    total = float(np.sqrt(sum(float(np.vdot(a, a)) for a in wide)))
    if error_if_nonfinite and not np.isfinite(total):
        raise FloatingPointError(f"clip_grad_norm: the total norm of the gradients is "
                                 f"{total}; they contain NaN or inf")
    factor = min(1.0, float(max_norm) / (total + EPS)) if np.isfinite(total) \
        else float(max_norm) / (total + EPS)          # NaN (or 0 for inf), as PyTorch
    if factor < 1.0 or not np.isfinite(total):
        for g in arrays:
            g *= g.dtype.type(factor)
    return total


def clip_network(net, max_norm: float) -> float:
    r"""Clip all the gradients of ``net``'s last backward together (:func:`clip_grad_norm`
    over ``net.gradients()``); return their global norm before clipping.

    :func:`bp.fit` calls it with ``clip_norm`` between backward and the optimizer's
    step, as ``loss.backward(); clip_grad_norm_(model.parameters(), c); opt.step()`` in
    PyTorch.
    """
    return clip_grad_norm([g for _, _, g in net.gradients()], max_norm)
