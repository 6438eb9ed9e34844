"""bp.symbolic.numeric: lambdified symbolic gradients equal bp.Network.backward."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bp
import bp.symbolic as bps

ARCHS = [
    ((2, 2, 1), ("sigmoid", "sigmoid"), "mse"),
    ((2, 2, 2), ("tanh", "tanh"), "mse"),
    ((2, 3, 2), ("sigmoid", "softmax"), "cross_entropy"),
    ((2, 3, 2), ("tanh", "identity"), "softmax_cross_entropy"),
    ((2, 2, 1), ("tanh", "sigmoid"), "bce"),
    ((2, 3, 1), ("softplus", "identity"), "bce_with_logits"),
    ((2, 3, 2), ("leaky_relu", "identity"), "mse"),
    ((3, 2, 2, 2), ("gelu_tanh", "tanh", "softmax"), "cross_entropy"),
]


def build(sizes, acts, loss, seed):
    rng = np.random.default_rng(seed)
    layers = [bp.Dense(a, b, f, rng=rng) for a, b, f in zip(sizes[:-1], sizes[1:], acts)]
    for layer in layers:
        layer.b[...] = rng.normal(scale=0.5, size=layer.b.shape)
    return bp.Network(layers, loss=loss), rng


def data(sizes, loss, rng, n):
    X = rng.normal(size=(n, sizes[0]))
    if "cross_entropy" in loss:
        return X, rng.integers(0, sizes[-1], n)
    Y = rng.uniform(size=(n, sizes[-1])) if "bce" in loss else rng.normal(size=(n, sizes[-1]))
    return X, Y


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(1, 5))
@pytest.mark.parametrize("sizes, acts, loss", ARCHS)
@pytest.mark.parametrize("kind", bps.numeric.KINDS)
def test_symbolic_gradients_match_bp(sizes, acts, loss, kind, seed, n):
    net, rng = build(sizes, acts, loss, seed)
    X, Y = data(sizes, loss, rng, n)
    assert bps.compare_with_bp(net, X, Y, kind) < 1e-12


def test_batch_average_of_per_example_gradients_is_bp_dW():
    net, rng = build((2, 3, 2), ("tanh", "sigmoid"), "mse", 7)
    X, Y = data((2, 3, 2), "mse", rng, 4)
    f = bps.symbolic_network((2, 3, 2), ("tanh", "sigmoid"), "mse").gradient_function()
    per = f.per_example(net, X, Y)
    assert len(per) == net.n_params and per[0].shape == (4,)
    net.forward(X)
    net.backward(Y)
    # first entry is dL/dw^{(1)}_{11}: bp's dW is the batch mean of the per-example values
    np.testing.assert_allclose(per[0].mean(), net.layers[0].dW[0, 0], rtol=1e-12)
    dW, db = f(net, X, Y)
    assert dW[0] is None
    for l, layer in enumerate(net.layers, start=1):
        np.testing.assert_allclose(dW[l], layer.dW, rtol=1e-12)
        np.testing.assert_allclose(db[l], layer.db, rtol=1e-12)


def test_lambdify_is_cached_per_network_and_kind():
    snet = bps.symbolic_network((2, 2, 1), "sigmoid", "mse")
    assert snet.gradient_function() is snet.gradient_function("backprop")
    assert snet.gradient_function("brute_force") is not snet.gradient_function()


def test_pairs_of_arrays_work_like_a_network():
    net, rng = build((2, 2, 1), ("sigmoid", "sigmoid"), "mse", 1)
    X, Y = data((2, 2, 1), "mse", rng, 3)
    f = bps.lambdify_gradients(bps.SymbolicNetwork.from_bp(net))
    a, b = f(net, X, Y), f([(l.W, l.b) for l in net.layers], X, Y)
    assert bps.max_relative_error(a[0], b[0]) == 0


@pytest.mark.parametrize("bad, match", [
    (lambda net: [(net.layers[0].W, net.layers[0].b)], "for 2 layers, got 1"),
    (lambda net: [(net.layers[0].W.T, net.layers[0].b), (net.layers[1].W, net.layers[1].b)],
     r"layer 1: W must have shape \(3, 2\) and b shape \(3,\), got \(2, 3\) and \(3,\)"),
])
def test_bad_parameters_fail(bad, match):
    net, _ = build((2, 3, 1), ("sigmoid", "sigmoid"), "mse", 1)
    f = bps.symbolic_network((2, 3, 1), "sigmoid", "mse").gradient_function()
    with pytest.raises(ValueError, match=match):
        f(bad(net), np.zeros((1, 2)), np.zeros((1, 1)))


def test_bad_data_fails():
    f = bps.symbolic_network((2, 2, 1), "sigmoid", "mse").gradient_function()
    net, _ = build((2, 2, 1), ("sigmoid", "sigmoid"), "mse", 1)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        f(net, np.zeros((3, 3)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="kind must be one of"):
        bps.lambdify_gradients(bps.symbolic_network((2, 2, 1), "sigmoid", "mse"), "autograd")


def test_evaluate_any_expression_at_bp_numbers():
    """A single example: bp's delta (batch of one) is the symbolic delta at the same numbers."""
    net, rng = build((2, 3, 2), ("tanh", "softmax"), "cross_entropy", 5)
    snet = bps.SymbolicNetwork.from_bp(net)
    x, y = rng.normal(size=2), np.array([0.0, 1.0])
    net.forward(x[None])
    net.backward(y[None])
    for l, layer in enumerate(net.layers, start=1):
        np.testing.assert_allclose(snet.evaluate(snet.deltas()[l], net, x, y).ravel(),
                                   layer.delta[0], rtol=1e-12)
        np.testing.assert_allclose(snet.evaluate(snet.notation.deltas[l], net, x, y).ravel(),
                                   layer.delta[0], rtol=1e-12)
    assert np.isclose(snet.evaluate(snet.loss, net, x, y), net.loss_value(y[None]), rtol=1e-13)
    np.testing.assert_allclose(snet.evaluate(snet.z[1], net, x).ravel(), net.layers[0].Z[0],
                               rtol=1e-13)


def test_evaluate_names_missing_values():
    net, _ = build((2, 2, 1), ("sigmoid", "sigmoid"), "mse", 1)
    snet = bps.SymbolicNetwork.from_bp(net)
    with pytest.raises(ValueError, match="no value for y_1: pass x and/or y"):
        snet.evaluate(snet.loss, net, [0.1, 0.2])
    with pytest.raises(ValueError, match="x must have 2 entries, got 3"):
        bps.substitutions(snet, net, [0.1, 0.2, 0.3])


def test_targets_of_the_wrong_shape_are_not_reshaped():
    f = bps.symbolic_network((2, 2, 2), "sigmoid", "mse").gradient_function()
    net, _ = build((2, 2, 2), ("sigmoid", "sigmoid"), "mse", 1)
    with pytest.raises(ValueError, match=r"Y shape \(N, 2\), got \(2, 2\) and \(4,\)"):
        f(net, np.zeros((2, 2)), np.zeros(4))          # was read as two rows of two
    with pytest.raises(ValueError, match=r"got \(2, 2\) and \(1, 4\)"):
        f(net, np.zeros((2, 2)), np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        f(net, np.zeros((2, 2, 1)), np.zeros((2, 2)))
    dW, _ = f(net, np.zeros(2), np.array([0.0, 1.0]))  # one example as 1-D arrays
    assert dW[1].shape == (2, 2)
    one = bps.symbolic_network((2, 1), "sigmoid", "mse").gradient_function()
    net1, _ = build((2, 1), ("sigmoid",), "mse", 1)
    assert one(net1, np.zeros((3, 2)), np.zeros(3))[0][1].shape == (1, 2)
