"""Tests for bp.tensor: every VJP against centered differences, and the engine against
bp.Network (digits MLP) and the scalar Value engine."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bp
from bp import autodiff
from bp.tensor import UNARY, Tensor, cross_entropy, mse, network_loss

seeds = st.integers(0, 2**16)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)


def fd_check(build, *arrays, seed=0, tol=1e-6):
    """Check the Tensor gradients of ``sum(build(*inputs) * R)`` (R fixed and random)
    for every input against centered differences; ``AssertionError`` names the input."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    inputs = [Tensor(a) for a in arrays]
    out = build(*inputs)
    R = np.random.default_rng(seed).normal(size=out.shape)
    (out * R).sum().backward()
    for i, (t, x) in enumerate(zip(inputs, arrays)):
        def f():
            return float(np.sum(build(*[Tensor(a) for a in arrays]).data * R))
        numeric = bp.numerical_gradient(f, x)          # x is arrays[i], moved in place
        err = bp.relative_error(t.grad, numeric)
        if not err <= tol:
            raise AssertionError(f"input {i} of shape {x.shape}: relative error {err:.3g} "
                                 f"between the VJP and centered differences (> {tol:g})")
    return inputs


def normal(seed, shape, low=None):
    x = np.random.default_rng(seed).normal(size=shape)
    if low is not None:                        # |x| >= low: away from 0 (division, kinks)
        x = np.sign(x + (x == 0)) * (low + np.abs(x))
    return x


# --------------------------------------------------------------- element-wise VJPs
BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b,
          "*": lambda a, b: a * b, "/": lambda a, b: a / b}


@pytest.mark.parametrize("op", sorted(BINARY))
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                 max_side=3), seed=seeds)
def test_broadcasting_binary_ops_match_differences(op, shapes, seed):
    a_shape, b_shape = shapes.input_shapes
    A, B = fd_check(BINARY[op], normal(seed, a_shape), normal(seed + 1, b_shape, low=0.5),
                    seed=seed)
    assert A.grad.shape == a_shape and B.grad.shape == b_shape     # un-broadcast


@pytest.mark.parametrize("op", sorted(BINARY))
def test_constants_and_arrays_on_either_side(op):
    x = normal(0, (2, 3), low=0.5)
    c = normal(1, (3,), low=0.5)
    fd_check(lambda t: BINARY[op](c, t) + BINARY[op](t, 2.0) + BINARY[op](3, t), x)
    assert isinstance(BINARY[op](c, Tensor(x)), Tensor)       # ndarray op Tensor


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes, seed=seeds)
def test_elementwise_functions_match_differences(name, shape, seed):
    x = normal(seed, shape, low=0.01)          # relu: away from its kink
    if name == "log":
        x = np.abs(x)
    fd_check(lambda t: getattr(t, name)(), x, seed=seed)


@pytest.mark.parametrize("k", [2, 3, 0.5, -1, -1.5, 1, 0])
@given(shape=shapes, seed=seeds)
def test_power_by_a_constant(k, shape, seed):
    x = np.abs(normal(seed, shape, low=0.2))
    (t,) = fd_check(lambda t: -(t ** k), x, seed=seed)
    if k == 0:
        assert np.all(t.grad == 0)


def test_sigmoid_and_logsumexp_are_stable():
    x = np.array([[-1000.0, 0.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = Tensor(x)
        s = t.sigmoid()
        lse = t.logsumexp(axis=1)
        (s.sum() + lse.sum()).backward()
    np.testing.assert_array_equal(s.data, [[0.0, 0.5, 1.0]])
    assert lse.data[0] == 1000.0
    np.testing.assert_allclose(t.grad, [[0.0, 0.25, 1.0]])      # sigma' + softmax


# ------------------------------------------------------------------- matrix product
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=seeds)
def test_matmul_matches_differences(n, k, m, seed):
    A, B = fd_check(lambda a, b: a @ b, normal(seed, (n, k)), normal(seed + 1, (k, m)),
                    seed=seed)
    R = np.random.default_rng(seed).normal(size=(n, m))
    np.testing.assert_allclose(A.grad, R @ B.data.T)           # dA = dY B^T
    np.testing.assert_allclose(B.grad, A.data.T @ R)           # dB = A^T dY


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 2)),
                                              ((2, 1, 2, 3), (3, 3, 2))])
def test_batched_matmul_unbroadcasts(a_shape, b_shape):
    fd_check(lambda a, b: a @ b, normal(0, a_shape), normal(1, b_shape))
    fd_check(lambda a: np.ones((3, 2)) @ a.reshape(2, -1), normal(2, (2, 3)))   # rmatmul


# -------------------------------------------------------------- reductions, shapes
@given(shape=shapes, seed=seeds, keepdims=st.booleans(), data=st.data())
def test_sum_and_mean_over_axes(shape, seed, keepdims, data):
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1)
                     | st.lists(st.integers(0, len(shape) - 1), min_size=1,
                                unique=True).map(tuple))
    (t,) = fd_check(lambda t: t.sum(axis, keepdims) * 2 + t.mean(axis, keepdims),
                    normal(seed, shape), seed=seed)
    out = Tensor(np.zeros(shape)).mean(axis, keepdims)
    assert out.shape == np.zeros(shape).mean(axis=axis, keepdims=keepdims).shape


@given(shape=shapes, seed=seeds, keepdims=st.booleans(), data=st.data())
def test_logsumexp_over_an_axis(shape, seed, keepdims, data):
    from scipy.special import logsumexp
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = 3 * normal(seed, shape)
    fd_check(lambda t: t.logsumexp(axis, keepdims), x, seed=seed)
    np.testing.assert_allclose(Tensor(x).logsumexp(axis, keepdims).data,
                               logsumexp(x, axis=axis, keepdims=keepdims), rtol=1e-13)


@given(shape=shapes, seed=seeds)
def test_reshape_transpose_and_T(shape, seed):
    perm = tuple(np.random.default_rng(seed).permutation(len(shape)))
    fd_check(lambda t: t.reshape(-1) * t.T.reshape(-1) + t.transpose(*perm).reshape(-1),
             normal(seed, shape), seed=seed)


def test_indexing_scatters_and_adds_repeated_picks():
    x = normal(0, (4, 3))
    labels = np.array([2, 0, 2, 2])
    fd_check(lambda t: t[np.arange(4), labels] + t[[0, 0, 1, 3], [1, 1, 0, 2]], x)
    fd_check(lambda t: t[1:, ::2] * t[:-1, :2], x)
    t = Tensor(x)
    t[[0, 0, 0], [1, 1, 1]].sum().backward()
    assert t.grad[0, 1] == 3 and t.grad.sum() == 3


# ----------------------------------------------------------------- graph behaviour
def test_shared_subexpression_accumulates_and_backward_twice_is_the_same():
    x = Tensor(np.array([3.0, -1.0]))
    y = (x * x + x).sum()                        # dy/dx = 2x + 1, x used three times
    y.backward()
    np.testing.assert_array_equal(x.grad, [7.0, -1.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [7.0, -1.0])


def test_the_callers_array_is_never_changed(rng):
    X = rng.normal(size=(3, 2))
    before = X.copy()
    t = Tensor(X)
    X[0, 0] = 99.0
    assert t.data[0, 0] == before[0, 0]
    ((t * 2) @ t.T).sum().backward()
    t.data[...] = 0.0
    assert X[0, 0] == 99.0


def test_float32_stays_float32(rng):
    W = Tensor(rng.normal(size=(3, 2)).astype(np.float32))
    y = ((W @ W.T).tanh() * 2 + 1.0).logsumexp(axis=0).mean()
    y.backward()
    assert y.dtype == np.float32 and W.grad.dtype == np.float32


def test_backward_with_an_explicit_gradient(rng):
    x = Tensor(rng.normal(size=(2, 3)))
    g = rng.normal(size=(2, 3))
    (x * 3).backward(g)
    np.testing.assert_allclose(x.grad, 3 * g)


# -------------------------------------------------------------------- losses
def test_cross_entropy_labels_and_one_hot_agree_with_the_softmax_gradient(rng):
    Z = rng.normal(size=(5, 4))
    y = np.array([0, 3, 1, 1, 2])
    a, b = Tensor(Z), Tensor(Z)
    la, lb = cross_entropy(a, y), cross_entropy(b, bp.one_hot(y, 4))
    la.backward()
    lb.backward()
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert float(la.data) == pytest.approx(-np.mean(np.log(P[np.arange(5), y])), rel=1e-14)
    np.testing.assert_allclose(a.grad, (P - bp.one_hot(y, 4)) / 5, rtol=1e-13)
    np.testing.assert_allclose(b.grad, a.grad, rtol=1e-13)
    fd_check(lambda t: cross_entropy(t, y), Z)


def test_mse_is_the_mean_over_every_element(rng):
    P, Y = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    assert float(mse(Tensor(P), Y).data) == pytest.approx(np.mean((P - Y) ** 2), rel=1e-14)
    fd_check(lambda t: mse(t, Y), P)


# ------------------------------------------------------ against bp.Network and Value
def digits_net(hidden, seed=0):
    out, loss = ("softmax", "cross_entropy") if hidden == "sigmoid" else \
        ("identity", "softmax_cross_entropy")
    gen = np.random.default_rng(seed)
    net = bp.Network([bp.Dense(64, 16, hidden, rng=gen), bp.Dense(16, 10, out, rng=gen)],
                     loss=loss)
    for layer in net.layers:
        layer.b[...] = gen.normal(scale=0.3, size=layer.b.shape)
    return net


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
def test_digits_mlp_gradients_equal_the_networks(hidden):
    d = bp.digits()
    X, y = d.X_train[:300], d.y_train[:300]
    net = digits_net(hidden)
    value = net.loss(X, y)
    net.backward(y)
    g = network_loss(net, X, y)
    g.loss.backward()
    assert float(g.loss.data) == pytest.approx(value, rel=1e-13)
    for layer, W, b, Z in zip(net.layers, g.W, g.b, g.Z):
        assert bp.relative_error(W.grad, layer.dW) <= 1e-12
        assert bp.relative_error(b.grad, layer.db) <= 1e-12
        assert bp.relative_error(Z.grad, layer.delta) <= 1e-12


def test_tiny_network_agrees_with_the_scalar_value_engine():
    from conftest import make_net
    net = make_net([3, 4, 2], ["tanh", "sigmoid"], loss="mse", seed=7)
    X = np.random.default_rng(1).normal(size=(5, 3))
    Y = np.random.default_rng(2).normal(size=(5, 2))
    scalar = autodiff.network_loss(net, X, Y)
    scalar.loss.backward()
    tensor = network_loss(net, X, Y)
    tensor.loss.backward()
    assert float(tensor.loss.data) == pytest.approx(scalar.loss.data, rel=1e-13)
    for l in range(2):
        dW = np.array([[w.grad for w in row] for row in scalar.W[l]])
        delta = np.array([[z.grad for z in row] for row in scalar.Z[l]])
        assert bp.relative_error(tensor.W[l].grad, dW) <= 1e-12
        assert bp.relative_error(tensor.b[l].grad, [b.grad for b in scalar.b[l]]) <= 1e-12
        assert bp.relative_error(tensor.Z[l].grad, delta) <= 1e-12


def train_digits_with_tensor(seed, steps=60, lr=0.5, batch=64):
    """Mini-batch gradient descent on the digits with Tensor; initial and final loss."""
    d = bp.digits()
    gen = np.random.default_rng(seed)
    W1 = Tensor(gen.normal(scale=1 / 8, size=(32, 64)))
    W2 = Tensor(gen.normal(scale=1 / np.sqrt(32), size=(10, 32)))
    b1, b2 = Tensor(np.zeros(32)), Tensor(np.zeros(10))

    def loss(X, y):
        return cross_entropy((X @ W1.T + b1).sigmoid() @ W2.T + b2, y)
    first = float(loss(Tensor(d.X_train), d.y_train).data)
    for _ in range(steps):
        idx = gen.choice(len(d.y_train), size=batch, replace=False)
        loss(Tensor(d.X_train[idx]), d.y_train[idx]).backward()
        for p in (W1, b1, W2, b2):
            p.data -= lr * p.grad
    return {"first": first, "last": float(loss(Tensor(d.X_train), d.y_train).data)}


def test_training_the_digits_mlp_with_tensor_lowers_the_loss():
    runs = bp.repeat(train_digits_with_tensor, seeds=range(5))
    bp.claim_less(runs["last"], runs["first"], margin=0.5, min_wins=1.0,
                  what="60 Tensor SGD steps lower the digits training loss by > 0.5")


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("bad", [np.array([1, 2]), np.array([True]), np.array([1j]),
                                 np.array(["a"]), [1, 2], np.array([None])])
def test_non_float_data_is_refused(bad):
    with pytest.raises(TypeError, match="float32 or float64"):
        Tensor(bad)


def test_matmul_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match="at least 2-D"):
        Tensor(np.ones(3)) @ Tensor(np.ones((3, 1)))
    with pytest.raises(ValueError, match="batch axes"):
        Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 1)))


def test_other_bad_input():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(2,\)"):
        t + np.ones(2)
    with pytest.raises(ValueError, match=r"shape \(2, 3\) needs grad="):
        (t * 2).backward()
    with pytest.raises(ValueError, match=r"must have the tensor's shape \(2, 3\)"):
        t.backward(np.ones((3, 2)))
    with pytest.raises(TypeError, match="constant"):
        t ** t
    with pytest.raises(ValueError, match="non-positive"):
        (t - 1).log()
    with pytest.raises(ValueError, match="cannot reshape"):
        t.reshape(4)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        cross_entropy(t, np.array([0, 3]))
    with pytest.raises(ValueError, match="mse: target"):
        mse(t, np.ones(3))
    with pytest.raises(ValueError, match="supports the losses"):
        network_loss(bp.Network([bp.Dense(2, 1, "sigmoid", rng=0)], loss="bce"),
                     np.ones((1, 2)), np.ones(1))


# -------------------------------------------------- the checker catches wrong VJPs
@pytest.mark.parametrize("name, wrong", [
    ("tanh", lambda x, y: 1.0 - y),                     # forgot to square
    ("sigmoid", lambda x, y: y * (1.0 + y)),            # sign slip
])
def test_a_planted_wrong_vjp_is_caught(monkeypatch, name, wrong):
    x = normal(0, (3, 4))
    fd_check(lambda t: getattr(t, name)(), x)           # the right VJP passes
    monkeypatch.setitem(UNARY, name, (UNARY[name][0], wrong))
    with pytest.raises(AssertionError, match="relative error"):
        fd_check(lambda t: getattr(t, name)(), x)


def test_a_deep_graph_needs_no_recursion():
    x = Tensor(np.array([0.5]))
    y = x
    for _ in range(5000):                    # deeper than Python's recursion limit
        y = y * 1.0001 + 0.0
    y.sum().backward()
    assert x.grad[0] == pytest.approx(1.0001 ** 5000, rel=1e-10)


def test_the_same_graph_matches_pytorch_autograd(rng):
    torch = pytest.importorskip("torch")
    X, W, b = rng.normal(size=(6, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3,))
    y = np.array([0, 2, 1, 1, 0, 2])
    ours = [Tensor(a) for a in (X, W, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (X, W, b)]

    def graph(X, W, b, ce):
        H = (X @ W.T + b).tanh() * (X[:, :3] - 0.5).sigmoid() + (X[:, 1:] / 2.0).exp()
        return ce(H, y) + (H.T ** 2).mean() * 0.1
    loss = graph(*ours, cross_entropy)
    loss.backward()
    ref = graph(*theirs, lambda H, y: torch.nn.functional.cross_entropy(H, torch.tensor(y)))
    ref.backward()
    assert float(loss.data) == pytest.approx(ref.item(), rel=1e-13)
    for t, r in zip(ours, theirs):
        assert bp.relative_error(t.grad, r.grad.numpy()) <= 1e-12


def test_the_package_docstring_example_runs():
    import doctest

    import bp.tensor
    result = doctest.testmod(bp.tensor, verbose=False)
    assert result.attempted > 0 and result.failed == 0
