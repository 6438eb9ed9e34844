"""bp.layers.pooling: MaxPool2D routes, AvgPool2D spreads, Flatten reshapes; checked by
finite differences through bp.Network and against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import bp
from layer_checks import check_all_gradients, mse_net, targets

pool_cases = st.fixed_dictionaries({
    "batch": st.integers(1, 3), "c": st.integers(1, 3), "h": st.integers(2, 7),
    "w": st.integers(2, 7), "k": st.integers(1, 3), "stride": st.one_of(st.none(),
                                                                        st.integers(1, 3))})


def _input(case, seed):
    """Distinct values in every window (centered differences need no ties)."""
    rng = np.random.default_rng(seed)
    n = case["batch"] * case["c"] * case["h"] * case["w"]
    return rng.permutation(n).reshape(case["batch"], case["c"], case["h"], case["w"]) / n


@settings(max_examples=30)
@given(pool_cases, st.sampled_from([bp.MaxPool2D, bp.AvgPool2D]))
def test_gradients_through_a_network(case, Pool):
    assume(case["k"] <= min(case["h"], case["w"]))
    net = mse_net([bp.Conv2D(case["c"], case["c"], 1, activation="tanh", rng=0),
                   Pool(case["k"], stride=case["stride"])], (case["c"], case["h"], case["w"]))
    X = _input(case, 1)
    report, input_error = check_all_gradients(net, X, targets(net, X))
    assert report.passed, str(report)
    assert input_error < 1e-7


@settings(max_examples=30)
@given(pool_cases)
def test_forward_values(case):
    assume(case["k"] <= min(case["h"], case["w"]))
    X = _input(case, 2)
    s = case["k"] if case["stride"] is None else case["stride"]
    k = case["k"]
    mx, av = bp.MaxPool2D(k, case["stride"]).forward(X), bp.AvgPool2D(k, s).forward(X)
    for i in range(mx.shape[2]):
        for j in range(mx.shape[3]):
            window = X[:, :, i * s:i * s + k, j * s:j * s + k]
            np.testing.assert_array_equal(mx[:, :, i, j], window.max(axis=(2, 3)))
            np.testing.assert_allclose(av[:, :, i, j], window.mean(axis=(2, 3)), rtol=1e-14)


def test_ties_route_to_the_first_maximum():
    pool = bp.MaxPool2D(2)
    X = np.ones((1, 1, 2, 4))
    X[0, 0, 1, 2] = X[0, 0, 0, 3] = 2.0                 # second window: a tie at 2
    pool.forward(X)
    dX = pool.backward(np.array([[[[10.0, 20.0]]]]))
    expected = np.zeros_like(X)
    expected[0, 0, 0, 0] = 10.0                         # all ones: the first one wins
    expected[0, 0, 0, 3] = 20.0                         # row-major first of the two 2s
    np.testing.assert_array_equal(dX, expected)


def test_overlapping_windows_add_their_gradients():
    X = np.arange(9.0).reshape(1, 1, 3, 3)
    mx, av = bp.MaxPool2D(2, stride=1), bp.AvgPool2D(2, stride=1)
    mx.forward(X)
    av.forward(X)
    G = np.ones((1, 1, 2, 2))
    np.testing.assert_array_equal(mx.backward(G)[0, 0], [[0, 0, 0], [0, 1, 1], [0, 1, 1]])
    np.testing.assert_array_equal(av.backward(G)[0, 0] * 4, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_follows_the_input(dtype):
    X = np.random.default_rng(3).normal(size=(2, 2, 4, 4)).astype(dtype)
    for layer in (bp.MaxPool2D(2), bp.AvgPool2D(2), bp.Flatten()):
        out = layer.forward(X)
        assert out.dtype == dtype and layer.backward(np.ones_like(out)).dtype == dtype


def test_flatten_is_c_order_and_its_backward_reshapes():
    X = np.arange(24.0).reshape(2, 3, 2, 2)
    flat = bp.Flatten()
    np.testing.assert_array_equal(flat.forward(X), X.reshape(2, 12))
    np.testing.assert_array_equal(flat.backward(np.arange(24.0).reshape(2, 12)), X)
    assert flat.output_shape((3, 2, 2)) == (12,)


@pytest.mark.parametrize("make,X,err,msg", [
    (lambda: bp.MaxPool2D(2, stride=0), None, ValueError, r"MaxPool2D: stride must be >= 1"),
    (lambda: bp.AvgPool2D(0), None, ValueError, r"AvgPool2D: kernel_size must be >= 1"),
    (lambda: bp.MaxPool2D("2"), None, TypeError, "kernel_size must be an int or a pair"),
    (lambda: bp.MaxPool2D(2), np.zeros((2, 4, 4)), ValueError,
     r"MaxPool2D\(2x2\) expects NCHW input of shape \(N, C, H, W\), got shape \(2, 4, 4\)"),
    (lambda: bp.AvgPool2D(3), np.zeros((1, 1, 2, 5)), ValueError,
     r"AvgPool2D\(3x3\): kernel \(3, 3\) is larger than the padded input \(2, 5\)"),
    (lambda: bp.Flatten(), np.zeros(3), ValueError, r"Flatten expects a batch"),
])
def test_bad_input(make, X, err, msg):
    with pytest.raises(err, match=msg):
        make().forward(X)


def test_save_and_load_round_trip(tmp_path):
    net = mse_net([bp.Conv2D(1, 2, 3, padding=1, rng=0), bp.MaxPool2D((2, 1), stride=(2, 1)),
                   bp.AvgPool2D(2, stride=1)], (1, 6, 5))
    back = bp.load(bp.save(net, tmp_path / "pools"))
    assert [repr(l) for l in back.layers] == [repr(l) for l in net.layers]
    X = np.random.default_rng(4).normal(size=(3, 1, 6, 5))
    np.testing.assert_array_equal(back.forward(X), net.forward(X))


@pytest.mark.parametrize("name", ["max", "avg"])
def test_against_torch(name):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(5)
    for k, stride in [(2, None), (3, 2), ((2, 3), (1, 2)), (2, 1)]:
        layer = (bp.MaxPool2D if name == "max" else bp.AvgPool2D)(k, stride)
        # integers: ties in many windows, so the routing rule is compared too
        X = rng.integers(0, 4, size=(2, 3, 7, 6)).astype(np.float64)
        A = layer.forward(X)
        G = rng.normal(size=A.shape)
        dX = layer.backward(G)
        Xt = torch.tensor(X, requires_grad=True)
        fn = F.max_pool2d if name == "max" else F.avg_pool2d
        At = fn(Xt, layer.kernel_size, layer.stride)
        At.backward(torch.tensor(G))
        assert bp.relative_error(A, At.detach().numpy()) < 1e-10
        assert bp.relative_error(dX, Xt.grad.numpy()) < 1e-10
