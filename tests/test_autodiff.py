"""Tests for bp.autodiff: the scalar reverse-mode engine."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bp
from bp.autodiff import Value, grad_of, network_loss

finite = st.floats(-3, 3, allow_nan=False)


def centered(f, xs, i, eps=1e-6):
    up = list(xs)
    up[i] += eps
    dn = list(xs)
    dn[i] -= eps
    return (f(*up) - f(*dn)) / (2 * eps)


FUNCS = {
    "poly": (lambda x, y: x * x * y + 3 * y - x / (1 + y * y),
             lambda x, y: x * x * y + 3 * y - x / (1 + y * y)),
    "exp_log": (lambda x, y: (x.exp() + (y * y + 1).log()) * x,
                lambda x, y: (math.exp(x) + math.log(y * y + 1)) * x),
    "tanh_sigmoid": (lambda x, y: (x * y).tanh() + (x - y).sigmoid() ** 2,
                     lambda x, y: math.tanh(x * y) + (1 / (1 + math.exp(-(x - y)))) ** 2),
    "sub_rsub_rdiv": (lambda x, y: 2 - x + 1 / (2 + y * y) - (x - y),
                      lambda x, y: 2 - x + 1 / (2 + y * y) - (x - y)),
}


@pytest.mark.parametrize("name", sorted(FUNCS))
@settings(max_examples=25, deadline=None)
@given(x=finite, y=finite)
def test_gradient_matches_centered_differences(name, x, y):
    fv, ff = FUNCS[name]
    got = grad_of(fv, x, y)
    for i in range(2):
        expected = centered(ff, [x, y], i)
        assert got[i] == pytest.approx(expected, rel=1e-6, abs=1e-7)


def test_shared_subexpression_accumulates():
    x = Value(3.0)
    y = x * x + x          # dy/dx = 2x + 1 = 7: x is used three times
    y.backward()
    assert x.grad == 7.0


def test_backward_twice_gives_same_gradients():
    x = Value(0.3)
    y = (x * x).tanh() * x
    y.backward()
    first = x.grad
    y.backward()
    assert x.grad == first


def test_relu_kink_uses_zero():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


def test_deep_graph_does_not_hit_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def test_rejects_bad_inputs():
    with pytest.raises(TypeError):
        Value("1.0")
    with pytest.raises(TypeError):
        Value(2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="non-positive"):
        Value(-1.0).log()


@pytest.mark.parametrize("acts", [("sigmoid", "sigmoid"), ("tanh", "identity"),
                                  ("relu", "sigmoid")])
def test_network_loss_matches_bp_backward(acts):
    rng = np.random.default_rng(7)
    net = bp.Network([bp.Dense(3, 4, acts[0], rng=1), bp.Dense(4, 2, acts[1], rng=2)],
                     loss="mse")
    X = rng.normal(size=(5, 3))
    Y = rng.uniform(size=(5, 2))
    graph = network_loss(net, X, Y)
    graph.loss.backward()
    assert graph.loss.data == pytest.approx(net.loss(X, Y), rel=1e-12)
    net.backward(Y)
    for layer, W, b, Z in zip(net.layers, graph.W, graph.b, graph.Z):
        np.testing.assert_allclose([[w.grad for w in row] for row in W], layer.dW,
                                   rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose([v.grad for v in b], layer.db, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose([[z.data for z in row] for row in Z], layer.Z, rtol=1e-12)
        # the adjoint of each weighted input is the error term delta = dL/dz
        np.testing.assert_allclose([[z.grad for z in row] for row in Z], layer.delta,
                                   rtol=1e-10, atol=1e-14)


def test_network_loss_rejects_unsupported():
    net = bp.Network([bp.Dense(2, 2, "identity", rng=0)], loss="softmax_cross_entropy")
    with pytest.raises(ValueError, match="mse"):
        network_loss(net, np.zeros((1, 2)), np.array([0]))
    net = bp.Network([bp.Dense(2, 2, "softplus", rng=0)], loss="mse")
    with pytest.raises(ValueError, match="softplus"):
        network_loss(net, np.zeros((1, 2)), np.zeros((1, 2)))


def test_doctest_example_runs():
    import doctest

    import bp.autodiff
    result = doctest.testmod(bp.autodiff)
    assert result.attempted > 0 and result.failed == 0
