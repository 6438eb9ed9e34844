"""Input checks shared by the sequence layers (:mod:`~bp.layers.recurrent`,
:mod:`~bp.layers.attention`).

A sequence batch has PyTorch's ``batch_first`` layout ``(N, T, features)``: ``N``
sequences of ``T`` time steps, each step a vector of ``features`` numbers. A mistake
gives a ``ValueError`` or ``TypeError`` that names the layer and the expected and
actual shapes, instead of a NumPy traceback from inside the time loop.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import _check_finite, asarray, real_array


def as_sequence(x: Any, name: str, dtype: np.dtype, n_features: int,
                where: str) -> np.ndarray:
    """Convert ``x`` to a finite ``(N, T, n_features)`` array of ``dtype``.

    The caller's array is never changed: a cast makes a copy, and the layers only
    read the result.

    Parameters
    ----------
    x : array_like, shape (N, T, n_features)
    name : str
        How the argument is called in messages (``"input"``, ``"grad_out"``).
    dtype : numpy.dtype
        The layer's dtype; the result has exactly this dtype.
    n_features : int
        The expected size of the last axis.
    where : str
        The layer's name, for messages.
    """
    at = f" for {where}"
    arr = real_array(x, name, at)
    want = f"(N, T, {n_features})"
    if arr.ndim != 3:
        hint = (f"; for one sequence use {name}[None]"
                if arr.ndim == 2 and arr.shape[-1] == n_features else "")
        raise ValueError(f"{name}{at} must be 3-D with shape {want} (batch, time, "
                         f"features), got shape {arr.shape}{hint}")
    if arr.shape[2] != n_features:
        raise ValueError(f"{name}{at} must have shape {want}, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name}{at} is an empty batch (shape {arr.shape})")
    if arr.shape[1] == 0:
        raise ValueError(f"{name}{at} is a sequence of length 0 (shape {arr.shape}); "
                         f"every sequence needs T >= 1 time steps")
    _check_finite(arr, f"{name}{at} contains NaN or inf")
    if arr.dtype != dtype:
        with np.errstate(over="ignore"):          # reported just below, with the index
            arr = arr.astype(dtype)
        _check_finite(arr, f"{name}{at} overflows {dtype}")
    return arr


def check_example_shape(input_shape: tuple[int, ...], n_features: int,
                        where: str) -> tuple[int, int]:
    """Check one example's shape ``(T, n_features)`` (no batch axis); return it."""
    shape = tuple(input_shape)
    if len(shape) != 2 or shape[1] != n_features:
        raise ValueError(f"{where} takes examples of shape (T, {n_features}), got "
                         f"shape {shape}")
    if shape[0] < 1:
        raise ValueError(f"{where}: a sequence of length 0 (example shape {shape}); "
                         f"every sequence needs T >= 1 time steps")
    return int(shape[0]), int(shape[1])


def check_grad_out(grad_out: Any, shape: tuple[int, ...] | None, dtype: np.dtype,
                   where: str) -> np.ndarray:
    """``grad_out`` as an array of ``dtype`` with the last forward's output ``shape``
    (``None``: no forward yet, a ``RuntimeError``)."""
    if shape is None:
        raise RuntimeError(f"{where}: backward() needs a forward() first")
    arr = asarray(grad_out, "grad_out", f" for {where}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"grad_out for {where} must be a real array, got dtype "
                        f"{arr.dtype}")
    if arr.shape != tuple(shape):
        raise ValueError(f"grad_out for {where} must have the output's shape "
                         f"{tuple(shape)}, got shape {arr.shape}")
    return arr.astype(dtype, copy=False)
