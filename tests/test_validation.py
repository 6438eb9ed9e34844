"""bp._validation: the checks behind every public entry point."""
import numpy as np
import pytest

import bp
from bp import _validation as V


def test_as_matrix_converts_without_needless_copies():
    x = np.ones((2, 3))
    assert V.as_matrix(x, "X", np.dtype(np.float64)) is x            # no copy when not needed
    y = V.as_matrix(x, "X", np.dtype(np.float32))
    assert y.dtype == np.float32 and y is not x
    assert V.as_matrix([[1, 2]], "X", np.dtype(np.float64)).dtype == np.float64
    assert V.as_matrix(np.array([[True, False]]), "X", np.dtype(np.float64)).tolist() == [[1, 0]]


@pytest.mark.parametrize("x,kwargs,err,msg", [
    (np.zeros((2, 3)), dict(n_cols=2, where="layer 1"), ValueError,
     r"X for layer 1 must have shape \(batch, 2\), got shape \(2, 3\)"),
    (np.zeros((2, 3, 1)), dict(n_cols=3), ValueError,
     r"X must be 2-D with shape \(batch, 3\), got shape \(2, 3, 1\)"),
    (np.zeros(()), dict(), ValueError, r"2-D with shape \(batch, features\), got shape \(\)"),
    (np.zeros((0, 3)), dict(), ValueError, r"X is an empty batch \(shape \(0, 3\)\)"),
    (np.array([[1.0, -np.inf]]), dict(), ValueError, r"contains NaN or inf \(first at index "
                                                     r"\(0, 1\)\)"),
    (np.array([[1e300]]), dict(dtype=np.float32), ValueError,
     r"X overflows float32 \(first at index \(0, 0\)\)"),
    (np.array([[1j]]), dict(), TypeError, "X must be real, got dtype complex128"),
    (np.array([[None]]), dict(), TypeError, "must be a numeric array, got dtype object"),
    (b"ab", dict(), TypeError, "must be a numeric array, got bytes"),
    (np.array([["2020-01-01"]], dtype="datetime64[D]"), dict(), TypeError,
     "must be a numeric array, got dtype datetime64"),
])
def test_as_matrix_errors(x, kwargs, err, msg):
    dtype = np.dtype(kwargs.pop("dtype", np.float64))
    with pytest.raises(err, match=msg):
        V.as_matrix(x, "X", dtype, **kwargs)


def test_as_labels():
    out = V.as_labels(np.array([0, 2, 1], dtype=np.int8), "y", 3)
    assert out.dtype == np.intp and out.tolist() == [0, 2, 1]
    with pytest.raises(TypeError, match="must be integers, got dtype bool"):
        V.as_labels(np.array([True, False]), "y", 2)
    with pytest.raises(TypeError, match="must be integers, got dtype <U1"):
        V.as_labels(np.array(["a"]), "y", 2)
    with pytest.raises(ValueError, match=r"y must have 3 labels \(one per example\)"):
        V.as_labels(np.array([0, 1]), "y", 2, n_rows=3)


def test_lookup_and_scalar_checks():
    reg = {"alpha": 1, "beta": 2}
    assert V.lookup(reg, "beta", "thing") == 2
    with pytest.raises(ValueError, match=r"unknown thing 'alpah' \(did you mean 'alpha'\?\); "
                                         "known: alpha, beta"):
        V.lookup(reg, "alpah", "thing")
    with pytest.raises(ValueError, match=r"unknown thing 'zzz'; known: alpha, beta"):
        V.lookup(reg, "zzz", "thing")
    with pytest.raises(TypeError, match=r"thing must be given by name \(a str\), got list"):
        V.lookup(reg, ["alpha"], "thing")
    assert V.check_dtype("float32") == np.float32
    assert V.check_positive_int(np.int64(3), "n") == 3 and type(V.check_positive_int(3, "n")) is int


def test_as_targets_for_each_loss_kind():
    P = np.zeros((3, 2))
    Yl = V.as_targets(np.array([1, 0, 1]), P, bp.get_loss("softmax_cross_entropy"))
    np.testing.assert_array_equal(Yl, [[0, 1], [1, 0], [0, 1]])
    soft = np.array([[0.3, 0.7], [0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_array_equal(V.as_targets(soft, P, bp.get_loss("cross_entropy")), soft)
    P1 = np.zeros((3, 1), dtype=np.float32)
    Y1 = V.as_targets(np.array([1, 0, 1]), P1, bp.get_loss("bce"))
    assert Y1.shape == (3, 1) and Y1.dtype == np.float32
    with pytest.raises(ValueError, match=r"Y must have the prediction's shape \(3, 1\) "
                                         r"\(output of out\), got shape \(2,\)"):
        V.as_targets(np.array([1, 0]), P1, bp.get_loss("bce"), where="out")
    tiny = 1e-9
    ok = np.array([[0.5 + tiny, 0.5 - tiny]] * 3)
    V.as_targets(ok, P, bp.get_loss("cross_entropy"))            # rounding is tolerated
    with pytest.raises(ValueError, match="row 2 sums to 1.1"):
        V.as_targets(np.array([[1, 0], [0, 1], [0.6, 0.5]]), P, bp.get_loss("cross_entropy"))


def test_soft_labels_are_checked_at_their_own_precision():
    rng = np.random.default_rng(0)
    soft = rng.uniform(size=(200, 5)).astype(np.float32)
    soft /= soft.sum(axis=1, keepdims=True)               # sums to 1 in float32
    assert np.max(np.abs(soft.astype(np.float64).sum(axis=1) - 1)) > 1e-9
    ce = bp.get_loss("cross_entropy")
    P64 = np.full((200, 5), 0.2)
    Y = V.as_targets(soft, P64, ce)                        # a float64 network accepts them
    assert Y.dtype == np.float64 and np.array_equal(Y, soft.astype(np.float64))
    net = bp.Network([bp.Dense(3, 5, "softmax", rng=0)], loss="cross_entropy")
    net.fit(rng.normal(size=(200, 3)), soft, epochs=1, progress=False)
    # float64 targets off by 1e-9: rejected, and the message shows the digits that differ
    bad = np.array([[0.5, 0.5 + 1e-9], [1.0, 0.0]])
    with pytest.raises(ValueError, match=r"row 0 sums to 1.000000001 with min 0.5 \(off by "
                                         r"1e-09; the tolerance for float64 is 4.4e-13\)"):
        V.as_targets(bad, np.zeros((2, 2)), ce)
    # the same numbers in float32 are 1 to float32's precision ...
    V.as_targets(bad.astype(np.float32), np.zeros((2, 2)), ce)
    # ... but a float32 row that is off by far more than float32 rounding is not
    with pytest.raises(ValueError, match=r"row 1 sums to 1.000999\d* with min 0.5 .*tolerance for float32"):
        V.as_targets(np.array([[1, 0], [0.5, 0.501]], dtype=np.float32), np.zeros((2, 2)),
                     ce)
    with pytest.raises(ValueError, match=r"sums to 1.1 .*tolerance for float16 is 0.01"):
        V.as_targets(np.array([[0.6, 0.5]], dtype=np.float16), np.zeros((1, 2)), ce)
