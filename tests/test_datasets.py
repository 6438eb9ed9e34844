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
