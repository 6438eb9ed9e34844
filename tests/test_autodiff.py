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


@pytest.mark.parametrize("x,k,value,slope", [
    (0.0, 0, 1.0, 0.0), (0.0, 0.0, 1.0, 0.0), (3.0, 0, 1.0, 0.0),   # x**0 is the constant 1
    (0.0, 1, 0.0, 1.0), (0.0, 2, 0.0, 0.0), (0.0, 3, 0.0, 0.0), (0.0, 1.5, 0.0, 0.0),
    (-2.0, 2, 4.0, -4.0), (-2.0, 3.0, -8.0, 12.0), (4.0, 0.5, 2.0, 0.25), (2.0, -1, 0.5, -0.25),
])
def test_power_at_and_away_from_zero(x, k, value, slope):
    v = Value(x)
    y = v ** k
    y.backward()
    assert (y.data, v.grad) == (value, slope)


def test_power_where_the_derivative_or_value_is_not_finite():
    with pytest.raises(ValueError, match=r"Value: x \*\* 0.5 at x = 0 has an infinite "
                                         r"derivative \(0.5 \* x \*\* -0.5\)"):
        Value(0.0) ** 0.5
    with pytest.raises(ZeroDivisionError, match=r"Value: x \*\* -1 at x = 0 divides by zero"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ValueError, match=r"x \*\* 0.5 for x = -1.0 < 0 is not a real number"):
        Value(-1.0) ** 0.5
    with pytest.raises(TypeError, match="constant .* exponent is supported, got bool"):
        Value(2.0) ** True


def test_network_loss_checks_shapes():
    net = bp.Network([bp.Dense(3, 2, "tanh", rng=1)], loss="mse")
    X, Y = np.zeros((4, 3)), np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"X for network_loss must have shape \(batch, 3\), "
                                         r"got shape \(4, 4\)"):
        network_loss(net, np.zeros((4, 4)), Y)              # zip would drop the 4th column
    with pytest.raises(ValueError, match=r"Y must have the prediction's shape \(4, 2\) "
                                         r"\(output of network_loss\), got shape \(3, 2\)"):
        network_loss(net, X, Y[:3])                         # zip would drop the 4th example
    with pytest.raises(ValueError, match=r"Y must have the prediction's shape \(4, 2\)"):
        network_loss(net, X, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"X for network_loss must be 2-D"):
        network_loss(net, np.zeros(3), Y)
    one = bp.Network([bp.Dense(3, 1, "identity", rng=1)], loss="mse")
    assert network_loss(one, X, np.ones(4)).loss.data == pytest.approx(1.0)   # (batch,) ok


# ------------------------------------------- one topological sort for both engines
class _Node:
    """A bare graph node: only ``parents``, pairs of (parent, anything)."""

    def __init__(self, *parents):
        self.parents = tuple((p, None) for p in parents)


def _parents_first(order):
    pos = {id(n): i for i, n in enumerate(order)}
    return all(pos[id(p)] < pos[id(n)] for n in order for p, _ in n.parents)


def test_topological_order_needs_only_parents_and_lists_shared_nodes_once():
    from bp.autodiff import topological_order
    a, b = _Node(), _Node()
    c = _Node(a, b)
    d = _Node(c, a, c)                       # a reached twice, c used twice
    order = topological_order(d)
    assert len(order) == 4 and order[-1] is d
    assert {id(n) for n in order} == {id(n) for n in (a, b, c, d)}
    assert _parents_first(order) and not _parents_first(order[::-1])


def test_value_and_tensor_share_one_topological_sort(monkeypatch):
    import bp.tensor.core as core
    from bp import autodiff
    from bp.tensor import Tensor
    assert core.topological_order is autodiff.topological_order
    x = Tensor(np.array([1.0, 2.0]))
    y = (x * x + x).sum()
    assert [id(n) for n in y.topological_order()] == \
        [id(n) for n in autodiff.topological_order(y)]
    calls = []
    shared = autodiff.topological_order
    monkeypatch.setattr(core, "topological_order",
                        lambda root: calls.append(root) or shared(root))
    y.backward()                      # Tensor.backward goes through the shared sort
    assert calls == [y] and np.array_equal(x.grad, [3.0, 5.0])
    v = Value(2.0)
    w = v * v + v
    monkeypatch.setattr(autodiff, "topological_order",
                        lambda root: calls.append(root) or [])
    w.backward()                             # and so does Value.backward
    assert calls[-1] is w and v.grad == 0.0
