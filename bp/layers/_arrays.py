"""Input checks shared by the layers of Part III: a batch in, a gradient of the right
shape back.

Each returns an array of the layer's dtype (a copy only when the dtype changes; the
caller's array is never written to) or raises an error that names the layer, the
expected and the actual value.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import asarray


def as_batch(x: Any, where: str, dtype: np.dtype, ranks: tuple[int, ...] | None = None,
             want: str = "") -> np.ndarray:
    """``x`` as a finite real array of ``dtype`` with a non-empty batch axis (a copy only
    when the dtype changes; never written to). ``ranks``: the allowed numbers of axes."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{where}: input must be a numeric array, got {type(x).__name__}")
    arr = asarray(x, "input", f" for {where}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: input must be a real array, got dtype {arr.dtype}")
    if arr.ndim < 1 or (ranks is not None and arr.ndim not in ranks):
        expected = want or f"{' or '.join(map(str, ranks or (1,)))}-D"
        raise ValueError(f"{where}: input must have shape {expected}, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{where}: input is an empty batch (shape {arr.shape})")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}: input contains NaN or inf")
    return arr if arr.dtype == dtype else arr.astype(dtype)


def as_grad(grad_out: Any, shape: tuple[int, ...], where: str, dtype: np.dtype) -> np.ndarray:
    """``grad_out`` checked against the shape of the last forward's output."""
    g = asarray(grad_out, "grad_out", f" for {where}")
    if g.dtype.kind not in "iuf":
        raise TypeError(f"{where}: grad_out must be a real array, got dtype {g.dtype}")
    if g.shape != shape:
        raise ValueError(f"{where}: grad_out must have the output's shape {shape}, got "
                         f"shape {g.shape}")
    return g if g.dtype == dtype else g.astype(dtype)


def check_real(value: Any, name: str, low: float, high: float, where: str) -> float:
    """``value`` as a float in [low, high], or an error naming ``where`` and ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{where}: {name} must lie in [{low:g}, {high:g}], got {value}")
    return float(value)
