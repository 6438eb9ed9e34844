"""Input validation shared by every module.

Every public entry point of ``bp`` checks its arguments here, so that a mistake
gives a ``ValueError`` or ``TypeError`` that names the layer (or argument) and the
expected and actual shapes, instead of a NumPy traceback from deep inside.
"""
from __future__ import annotations

import difflib
from typing import Any, Mapping

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
Array = np.ndarray


def lookup(registry: Mapping[str, Any], name: Any, kind: str) -> Any:
    """Return ``registry[name]`` or raise a ``ValueError`` listing the known names.

    A misspelt or shortened name also gets a suggestion (``'sigmod'`` -> ``'sigmoid'``,
    ``'gelu'`` -> ``'gelu_tanh'``).
    """
    if not isinstance(name, str):
        raise TypeError(f"{kind} must be given by name (a str), got {type(name).__name__}")
    try:
        return registry[name]
    except KeyError:
        known = ", ".join(sorted(registry))
        close = ([k for k in sorted(registry) if len(name) > 2 and k.startswith(name.lower())]
                 or difflib.get_close_matches(name, list(registry), n=1))
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown {kind} {name!r}{hint}; known: {known}") from None


def check_dtype(dtype: Any) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype, accepting only float32 and float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from err
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {dt}")
    return dt


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int, requiring a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def asarray(x: Any, name: str, at: str = "") -> np.ndarray:
    """``np.asarray(x)``, with a clear error for ragged nested lists (rows of unequal
    length), which NumPy cannot turn into an array."""
    try:
        return np.asarray(x)
    except ValueError as err:
        lengths = sorted({len(r) for r in x if hasattr(r, "__len__")}) \
            if isinstance(x, (list, tuple)) else []
        rows = f" (rows of lengths {lengths})" if len(lengths) > 1 else ""
        raise ValueError(f"{name}{at} is ragged{rows}: every row must have the same "
                         f"number of entries") from err


def real_array(x: Any, name: str, at: str = "") -> np.ndarray:
    """``x`` as a real (integer, boolean or float) array, or a ``TypeError`` naming
    ``name`` (``at``: " for <layer>") for strings, None, objects and complex values."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name}{at} must be a numeric array, got {type(x).__name__}")
    arr = asarray(x, name, at)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise TypeError(f"{name}{at} must be a numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name}{at} must be real, got dtype {arr.dtype}")
    return arr


def as_matrix(x: Any, name: str, dtype: np.dtype, n_cols: int | None = None,
              where: str = "") -> np.ndarray:
    """Convert ``x`` to a finite 2-D float array of ``dtype`` (a copy only if needed).

    Parameters
    ----------
    x : array_like, shape (batch, n_cols)
    name : str
        How the argument is called in error messages (``"X"``, ``"Y"``).
    dtype : numpy dtype
        The network's dtype; the result has exactly this dtype.
    n_cols : int, optional
        The expected number of columns.
    where : str
        The layer or function that expects ``x``, for error messages.
    """
    at = f" for {where}" if where else ""
    arr = real_array(x, name, at)
    if arr.ndim != 2:
        want = f"(batch, {n_cols})" if n_cols is not None else "(batch, features)"
        hint = (f"; for one example use {name}.reshape(1, -1)"
                if arr.ndim == 1 and arr.shape[0] == n_cols else "")
        raise ValueError(f"{name}{at} must be 2-D with shape {want}, got shape "
                         f"{arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name}{at} is an empty batch (shape {arr.shape})")
    if n_cols is not None and arr.shape[1] != n_cols:
        raise ValueError(f"{name}{at} must have shape (batch, {n_cols}), got shape {arr.shape}")
    _check_finite(arr, f"{name}{at} contains NaN or inf")
    if arr.dtype != dtype:
        with np.errstate(over="ignore"):          # reported just below, with the index
            arr = arr.astype(dtype)
        if arr.dtype.itemsize < 8:                # only a narrowing cast can overflow
            _check_finite(arr, f"{name}{at} overflows {dtype}")
    return arr


def own_copy(arr: np.ndarray, given: Any) -> np.ndarray:
    """``arr`` (the conversion of the caller's ``given``) as an array nobody else can
    change: copied if it is ``given`` itself or a view of some other memory."""
    return arr.copy() if arr is given or arr.base is not None else arr


def _check_finite(arr: np.ndarray, message: str) -> None:
    if arr.dtype.kind != "f":                     # integers and booleans are finite
        return
    # Fast path without a boolean mask as big as the data (47 MB for MNIST): a sum of
    # finite numbers is finite unless it overflows, and then the exact check decides.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(arr, axis=None)):
            return
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{message} (first at index {bad})")


def as_labels(y: Any, name: str, n_classes: int, n_rows: int | None = None) -> np.ndarray:
    """Check a 1-D array of integer class labels in ``[0, n_classes)``."""
    arr = asarray(y, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} as class labels must be 1-D, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            raise TypeError(f"{name} as class labels must have an integer dtype, got "
                            f"{arr.dtype}; convert with .astype(int)")
        raise TypeError(f"{name} as class labels must be integers, got dtype {arr.dtype}")
    if n_rows is not None and arr.shape[0] != n_rows:
        raise ValueError(f"{name} must have {n_rows} labels (one per example), "
                         f"got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if arr.min() < 0 or arr.max() >= n_classes:
        raise ValueError(f"{name} labels must lie in [0, {n_classes}), "
                         f"got min {arr.min()} and max {arr.max()}")
    return arr.astype(np.intp, copy=False)


def check_domain(Y: Array, kind: str, name: str, what: str) -> None:
    """Targets (or predictions) must lie where the loss is defined.

    For ``"distribution"`` rows must sum to 1 up to rounding *at the precision of*
    ``Y``'s own dtype (checked before any cast: float32 probabilities sum to 1 only
    to about 1e-7, which a float64 tolerance would reject).
    """
    if kind == "unit" and (Y.min() < 0 or Y.max() > 1):
        raise ValueError(f"{what} for loss {name!r} must lie in [0, 1], "
                         f"got min {Y.min():.4g} and max {Y.max():.4g}")
    if kind == "distribution":
        sums = Y.sum(axis=1)
        eps = np.finfo(Y.dtype).eps if Y.dtype.kind == "f" else np.finfo(np.float64).eps
        tol = min(1e3 * eps * Y.shape[1], 1e-2)
        off = np.abs(sums - 1)
        if Y.min() < 0 or np.max(off) > tol:
            k = int(np.argmax(off + (Y.min(axis=1) < 0)))
            total = np.format_float_positional(sums[k], trim="-")     # every digit needed
            raise ValueError(f"{what} for loss {name!r} must have rows that are probability "
                             f"distributions (one-hot or soft labels: entries >= 0, sum 1); "
                             f"row {k} sums to {total} with min {Y[k].min():.4g} (off by "
                             f"{off[k]:.2g}; the tolerance for {Y.dtype} is {tol:.2g})")


def as_targets(Y, P: Array, loss: Any, where: str = "") -> Array:
    """Return checked targets ``Y`` as a float array shaped like the prediction ``P``.

    Integer labels of shape ``(batch,)`` become one-hot rows for categorical losses;
    for a single-output network a ``(batch,)`` vector is read as one column.

    Parameters
    ----------
    Y : array_like, shape (batch, n_L), or (batch,)
    P : ndarray, shape (batch, n_L)
        The prediction (only its shape and dtype are used).
    loss : bp.losses.Loss
        Its ``categorical``, ``targets`` (domain) and ``name`` are used.
    where : str
        The output layer's name, for error messages.
    """
    at = f" (output of {where})" if where else ""
    Y_arr = asarray(Y, "Y", at)
    if loss.categorical and Y_arr.ndim == 1:
        labels = as_labels(Y_arr, "Y", P.shape[1], n_rows=P.shape[0])
        out = np.zeros_like(P)
        out[np.arange(P.shape[0]), labels] = 1
        return out
    if Y_arr.ndim == 1 and P.shape[1] == 1 and Y_arr.shape[0] == P.shape[0]:
        Y_arr = Y_arr[:, None]
    if Y_arr.shape != P.shape:
        also = f" or integer labels of shape ({P.shape[0]},)" if loss.categorical else ""
        hint = ""
        if Y_arr.ndim == 1 and np.issubdtype(Y_arr.dtype, np.integer) and P.shape[1] > 1:
            hint = f"; for class labels use bp.one_hot(Y, {P.shape[1]})"
        raise ValueError(f"Y must have the prediction's shape {P.shape}{also}{at}, "
                         f"got shape {Y_arr.shape}{hint}")
    given = Y_arr
    Y_arr = as_matrix(Y_arr, "Y", P.dtype, n_cols=P.shape[1], where=where)
    # the domain at the targets' own precision, before the cast to the network's dtype
    check_domain(given if given.dtype.kind == "f" else Y_arr, loss.targets, loss.name, "Y")
    return Y_arr
