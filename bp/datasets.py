"""Small data sets, all generated or shipped with a package (nothing is downloaded).

* :func:`xor` — the four points of XOR, the classic problem no single neuron solves.
* :func:`two_moons` and :func:`spirals` — 2-D toy problems from our own generators.
* :func:`digits` — scikit-learn's bundled 8×8 handwritten digits (1,797 images).
* :func:`one_hot` — integer labels to one-hot rows.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import as_labels, check_dtype, check_positive_int
from .init import as_generator


def _check_noise(noise) -> float:
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise TypeError(f"noise must be a number, got {type(noise).__name__}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be finite and >= 0, got {noise}")
    return float(noise)


def one_hot(labels, n_classes: int, dtype=np.float64) -> np.ndarray:
    """Rows of zeros with a 1 in column ``labels[i]``; shape ``(len(labels), n_classes)``."""
    n_classes = check_positive_int(n_classes, "n_classes")
    labels = as_labels(labels, "labels", n_classes)
    out = np.zeros((labels.shape[0], n_classes), dtype=check_dtype(dtype))
    out[np.arange(labels.shape[0]), labels] = 1
    return out


def xor(dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: ``X`` of shape (4, 2) and targets ``y`` of shape (4, 1)."""
    dt = check_dtype(dtype)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dt)
    y = np.array([[0], [1], [1], [0]], dtype=dt)
    return X, y


def two_moons(n: int = 200, noise: float = 0.1, seed: int | None = 0,
              dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles; returns ``X`` (n, 2) and integer labels ``y`` (n,)."""
    n = check_positive_int(n, "n")
    noise = _check_noise(noise)
    rng = as_generator(seed, "seed")
    n0 = n // 2
    t0 = rng.uniform(0, np.pi, n0)
    t1 = rng.uniform(0, np.pi, n - n0)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower]) + rng.normal(0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n0, dtype=np.intp), np.ones(n - n0, dtype=np.intp)])
    perm = rng.permutation(n)
    return X[perm].astype(check_dtype(dtype)), y[perm]


def spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2,
            seed: int | None = 0, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms (as in CS231n); labels are integers."""
    n_per_class = check_positive_int(n_per_class, "n_per_class")
    n_classes = check_positive_int(n_classes, "n_classes")
    noise = _check_noise(noise)
    rng = as_generator(seed, "seed")
    X, y = [], []
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, n_per_class) + rng.normal(0, noise, n_per_class)
        X.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y.append(np.full(n_per_class, k, dtype=np.intp))
    return np.vstack(X).astype(check_dtype(dtype)), np.concatenate(y)


class Split(NamedTuple):
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def digits(test_size: float = 0.2, seed: int = 0, scale: bool = True,
           dtype=np.float64) -> Split:
    """scikit-learn's 8×8 digits, split with a seed (stratified) and scaled to [0, 1].

    Returns
    -------
    Split
        ``X_train`` (n_train, 64), ``X_test``, and integer labels ``y_train``, ``y_test``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if isinstance(test_size, bool) or not isinstance(test_size, (float, np.floating)) \
            or not 0 < test_size < 1:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int >= 0, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed}")
    data = load_digits()
    X = data.data / 16.0 if scale else data.data
    X_tr, X_te, y_tr, y_te = train_test_split(
        X.astype(check_dtype(dtype)), data.target.astype(np.intp), test_size=test_size,
        random_state=seed, stratify=data.target)
    return Split(X_tr, X_te, y_tr, y_te)
