"""bp.layers.Dense: shapes, the forward formula, parameters and validation."""
import numpy as np
import pytest

import bp


def test_shapes_follow_pytorch_linear():
    layer = bp.Dense(3, 5, "tanh", rng=0)
    assert layer.W.shape == (5, 3) and layer.b.shape == (5,)
    assert layer.W.flags.c_contiguous
    np.testing.assert_array_equal(layer.b, 0)
    assert layer.n_params == 20
    assert all(v is None for v in (layer.dW, layer.db, layer.delta, layer.A_prev, layer.Z,
                                   layer.A))
    assert repr(layer) == "Dense(n_in=3, n_out=5, activation='tanh', dtype=float64)"


def test_forward_is_A_prev_W_transpose_plus_b(rng):
    layer = bp.Dense(3, 2, "sigmoid", rng=0)
    layer.set_params(rng.normal(size=(2, 3)), rng.normal(size=2))
    X = rng.normal(size=(4, 3))
    A = layer.forward(X)
    np.testing.assert_allclose(layer.Z, X @ layer.W.T + layer.b, rtol=1e-15)
    for n in range(4):                       # column convention: z = W x + b per example
        np.testing.assert_allclose(layer.Z[n], layer.W @ X[n] + layer.b, rtol=1e-14)
    np.testing.assert_allclose(A, 1 / (1 + np.exp(-layer.Z)), rtol=1e-15)
    assert layer.A is not A and np.array_equal(layer.A, A) and layer.A_prev is not None


def test_same_seed_same_weights_and_generators_advance():
    a, b = bp.Dense(4, 3, rng=7), bp.Dense(4, 3, rng=7)
    np.testing.assert_array_equal(a.W, b.W)
    gen = np.random.default_rng(7)
    c, d = bp.Dense(4, 3, rng=gen), bp.Dense(4, 3, rng=gen)
    np.testing.assert_array_equal(c.W, a.W)
    assert not np.array_equal(c.W, d.W)


def test_set_params_copies_and_checks():
    layer = bp.Dense(2, 3, rng=0)
    W, b = np.arange(6.0).reshape(3, 2), np.ones(3)
    W_id = id(layer.W)
    layer.set_params(W, b)
    assert id(layer.W) == W_id                     # updated in place, caller's array not kept
    W[0, 0] = 99
    assert layer.W[0, 0] == 0
    with pytest.raises(ValueError, match=r"Dense\(2->3\): W must have shape \(3, 2\), "
                                         r"got shape \(2, 3\)"):
        layer.set_params(np.zeros((2, 3)), b)
    with pytest.raises(ValueError, match=r"b must have shape \(3,\), got shape \(3, 1\)"):
        layer.set_params(np.zeros((3, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="W contains NaN or inf"):
        layer.set_params(np.full((3, 2), np.nan), b)
    with pytest.raises(TypeError, match="W must be a real array, got dtype <U1"):
        layer.set_params(np.full((3, 2), "a"), b)


@pytest.mark.parametrize("kwargs,err,msg", [
    (dict(n_in=0, n_out=2), ValueError, "n_in must be a positive int, got 0"),
    (dict(n_in=2, n_out=-1), ValueError, "n_out must be a positive int, got -1"),
    (dict(n_in=2.0, n_out=2), TypeError, "n_in must be a positive int, got float"),
    (dict(n_in=True, n_out=2), TypeError, "n_in must be a positive int, got bool"),
    (dict(n_in=2, n_out=2, activation="rleu"), ValueError,
     "unknown activation 'rleu' .*did you mean 'relu'"),
    (dict(n_in=2, n_out=2, init="xavier"), ValueError,
     "unknown initializer 'xavier' .*did you mean 'xavier_normal'"),
    (dict(n_in=2, n_out=2, dtype=np.int64), TypeError,
     "dtype must be float32 or float64, got int64"),
    (dict(n_in=2, n_out=2, dtype=np.float16), TypeError, "float32 or float64, got float16"),
    (dict(n_in=2, n_out=2, dtype="nonsense"), TypeError, "dtype must be float32 or float64"),
    (dict(n_in=2, n_out=2, rng="seed"), TypeError, "rng must be a numpy.random.Generator"),
    (dict(n_in=2, n_out=2, name=3), TypeError, "name must be a str, got int"),
    (dict(n_in=2, n_out=1, activation="softmax"), ValueError,
     r"Dense\(2->1\): softmax over a single unit is the constant 1"),
])
def test_constructor_errors(kwargs, err, msg):
    with pytest.raises(err, match=msg):
        bp.Dense(**kwargs)


def test_standalone_forward_validates_and_names_the_layer():
    layer = bp.Dense(3, 2, rng=0, name="encoder")
    with pytest.raises(ValueError, match=r"input for encoder must have shape \(batch, 3\), "
                                         r"got shape \(5, 4\)"):
        layer.forward(np.zeros((5, 4)))
    with pytest.raises(ValueError, match="input for encoder contains NaN"):
        layer.forward(np.array([[0, np.nan, 0]]))


def test_params_and_grads_are_the_arrays_themselves(rng):
    net = bp.Network([bp.Dense(2, 2, "tanh", rng=0)], loss="mse")
    layer = net.layers[0]
    assert layer.params()["W"] is layer.W and layer.params()["b"] is layer.b
    net.forward(rng.normal(size=(3, 2)))
    net.backward(rng.normal(size=(3, 2)))
    assert layer.grads()["W"] is layer.dW and layer.grads()["b"] is layer.db


def test_float32_layer(rng):
    layer = bp.Dense(3, 2, "relu", rng=0, dtype=np.float32)
    assert layer.W.dtype == layer.b.dtype == np.float32
    A = layer.forward(rng.normal(size=(4, 3)))       # float64 input is cast to the layer's dtype
    assert A.dtype == layer.Z.dtype == layer.A_prev.dtype == np.float32


def test_forward_returns_a_copy_of_the_cache():
    layer = bp.Dense(2, 3, "tanh", rng=0)
    A = layer.forward(np.ones((1, 2)))
    assert A is not layer.A
    A[...] = 99.0
    np.testing.assert_allclose(layer.A, np.tanh(layer.Z))


def test_set_params_checks_finiteness_after_the_cast():
    layer = bp.Dense(2, 3, rng=0, dtype=np.float32)
    before = layer.W.copy()
    W = np.zeros((3, 2))
    W[1, 0] = 1e39                                   # finite in float64, inf in float32
    with pytest.raises(ValueError, match=r"Dense\(2->3\): W overflows float32 \(a value of "
                                         r"magnitude 1e\+39 > 3.4e\+38\)"):
        layer.set_params(W, np.zeros(3))
    np.testing.assert_array_equal(layer.W, before)   # nothing written
    with pytest.raises(ValueError, match="b overflows float32"):
        layer.set_params(np.zeros((3, 2)), [0, -1e39, 0])
    layer.set_params(np.full((3, 2), 3e38), np.zeros(3))          # large but representable
    assert np.all(np.isfinite(layer.W))
    bp.Dense(2, 3, rng=0).set_params(W, np.zeros(3))              # float64 holds 1e39


def test_ragged_inputs_are_named():
    layer = bp.Dense(2, 2, rng=0)
    with pytest.raises(ValueError, match=r"input for Dense\(2->2\) is ragged \(rows of lengths "
                                         r"\[1, 2\]\): every row must have the same number"):
        layer.forward([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match=r"Dense\(2->2\): W is ragged"):
        layer.set_params([[1.0, 2.0], [3.0]], [0.0, 0.0])
