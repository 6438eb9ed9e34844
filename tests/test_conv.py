"""bp.layers.convolution: Conv2D's forward and backward (im2col / col2im), checked by
finite differences through bp.Network, against a direct loop and against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import bp
from layer_checks import check_all_gradients, mse_net, targets


def direct_conv(X, W, b, stride, padding):
    """The textbook sum, one output position at a time (the reference, not bp's way)."""
    (sh, sw), (ph, pw) = stride, padding
    Xp = np.pad(X, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out, _, kh, kw = W.shape
    ho, wo = (Xp.shape[2] - kh) // sh + 1, (Xp.shape[3] - kw) // sw + 1
    Z = np.empty((X.shape[0], out, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = Xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            Z[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return Z


conv_cases = st.fixed_dictionaries({
    "batch": st.integers(1, 3), "c_in": st.integers(1, 2), "c_out": st.integers(1, 3),
    "h": st.integers(3, 7), "w": st.integers(3, 7), "k": st.integers(1, 3),
    "stride": st.integers(1, 3), "padding": st.integers(0, 2)})


@settings(max_examples=25)
@given(conv_cases)
def test_forward_is_the_direct_sum(case):
    rng = np.random.default_rng(0)
    layer = bp.Conv2D(case["c_in"], case["c_out"], case["k"], stride=case["stride"],
                      padding=case["padding"], rng=1)
    layer.b[...] = rng.normal(size=layer.b.shape)
    X = rng.normal(size=(case["batch"], case["c_in"], case["h"], case["w"]))
    ref = direct_conv(X, layer.W, layer.b, layer.stride, layer.padding)
    np.testing.assert_allclose(layer.forward(X), ref, rtol=1e-12, atol=1e-12)
    assert layer.output_shape(X.shape[1:]) == ref.shape[1:]


@settings(max_examples=20)
@given(conv_cases, st.sampled_from(["tanh", "identity", "sigmoid"]))
def test_gradients_of_every_parameter_and_the_input(case, act):
    rng = np.random.default_rng(2)
    conv = bp.Conv2D(case["c_in"], case["c_out"], case["k"], stride=case["stride"],
                     padding=case["padding"], activation=act, rng=3)
    conv.b[...] = rng.normal(scale=0.3, size=conv.b.shape)
    net = mse_net([conv], (case["c_in"], case["h"], case["w"]))
    X = rng.normal(size=(case["batch"], case["c_in"], case["h"], case["w"]))
    report, input_error = check_all_gradients(net, X, targets(net, X))
    assert report.passed, str(report)
    assert input_error < 1e-7


def test_rectangular_kernel_stride_and_padding():
    rng = np.random.default_rng(4)
    conv = bp.Conv2D(2, 3, (2, 3), stride=(2, 1), padding=(1, 0), activation="tanh", rng=0)
    net = mse_net([conv, bp.Conv2D(3, 2, 2, activation="tanh", rng=1)], (2, 5, 6))
    X = rng.normal(size=(2, 2, 5, 6))
    report, input_error = check_all_gradients(net, X, targets(net, X))
    assert report.passed and input_error < 1e-7, str(report)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_and_float32_agrees_with_float64(dtype):
    X = np.random.default_rng(5).normal(size=(2, 2, 6, 6))
    ref = bp.Conv2D(2, 4, 3, padding=1, activation="relu", rng=0)
    layer = bp.Conv2D(2, 4, 3, padding=1, activation="relu", rng=0, dtype=dtype)
    A = layer.forward(X.astype(dtype))
    assert A.dtype == layer.W.dtype == dtype
    layer.backward(np.ones_like(A))
    assert layer.dW.dtype == layer.db.dtype == dtype
    np.testing.assert_allclose(A, ref.forward(X), rtol=1e-5, atol=1e-5)


def test_planted_wrong_backward_is_caught():
    class Unflipped(bp.Conv2D):             # dW with the kernel's rows and columns swapped
        def backward(self, grad_out, input_grad=True):
            out = super().backward(grad_out, input_grad)
            self.dW = self.dW.swapaxes(2, 3).copy()
            return out

    rng = np.random.default_rng(6)
    net = mse_net([Unflipped(1, 2, 3, activation="tanh", rng=0)], (1, 5, 5))
    X = rng.normal(size=(2, 1, 5, 5))
    report = bp.gradcheck(net, X, targets(net, X))
    assert not report.passed
    assert [r.ok for r in report.rows][:2] == [False, True]     # W1 wrong, b1 right


def test_caller_arrays_are_not_changed():
    rng = np.random.default_rng(7)
    net = mse_net([bp.Conv2D(1, 2, 3, padding=1, activation="tanh", rng=0)], (1, 4, 4))
    X = rng.normal(size=(3, 1, 4, 4))
    Y = targets(net, X)
    X0, Y0 = X.copy(), Y.copy()
    net.input_gradient(X, Y)
    net.fit(X, Y, epochs=2, batch_size=2, progress=False)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


@pytest.mark.parametrize("make,err,msg", [
    (lambda: bp.Conv2D(1, 2, 3, stride=0), ValueError, r"stride must be >= 1, got 0"),
    (lambda: bp.Conv2D(1, 2, 3, padding=-1), ValueError, r"padding must be >= 0, got -1"),
    (lambda: bp.Conv2D(1, 2, 0), ValueError, r"kernel_size must be >= 1"),
    (lambda: bp.Conv2D(1, 2, 2.5), TypeError, r"kernel_size must be an int or a pair"),
    (lambda: bp.Conv2D(0, 2, 3), ValueError, r"in_channels must be a positive int"),
    (lambda: bp.Conv2D(1, 2, 3, activation="softmax"), ValueError, "element-wise"),
])
def test_bad_construction(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


@pytest.mark.parametrize("X,msg", [
    (np.zeros((2, 1, 5)), r"Conv2D\(1->2, 3x3\) expects NCHW input .* got shape \(2, 1, 5\)"),
    (np.zeros((2, 3, 5, 5)), r"expects 1 input channels, got per-example shape \(3, 5, 5\)"),
    (np.zeros((2, 1, 2, 5)), r"kernel \(3, 3\) is larger than the padded input \(2, 5\)"),
])
def test_bad_input_names_the_layer_and_the_shapes(X, msg):
    with pytest.raises(ValueError, match=msg):
        bp.Conv2D(1, 2, 3).forward(X)


def test_bad_stacks_fail_at_construction():
    with pytest.raises(ValueError, match=r"layer 2 \(Conv2D\(3->1, 3x3\)\) expects 3 input "
                                         r"channels, got per-example shape \(2, 6, 6\)"):
        bp.Network([bp.Conv2D(1, 2, 3, padding=1), bp.Conv2D(3, 1, 3), bp.Flatten(),
                    bp.Dense(16, 1)], input_shape=(1, 6, 6))
    with pytest.raises(ValueError, match=r"kernel \(5, 5\) is larger than the padded input "
                                         r"\(4, 4\) .*; its input comes from the network's input"):
        bp.Network([bp.Conv2D(1, 1, 5, padding=1), bp.Flatten(), bp.Dense(1, 1)],
                   input_shape=(1, 2, 2))


def test_save_and_load_round_trip(tmp_path):
    rng = np.random.default_rng(8)
    for dtype in (np.float32, np.float64):
        net = mse_net([bp.Conv2D(2, 3, (3, 2), stride=(1, 2), padding=1, activation="relu",
                                 rng=0, dtype=dtype)], (2, 5, 6), dtype=dtype)
        net.layers[0].b[...] = rng.normal(size=3)
        back = bp.load(bp.save(net, tmp_path / f"cnn-{np.dtype(dtype).name}"))
        X = rng.normal(size=(2, 2, 5, 6))
        assert back.dtype == dtype and repr(back.layers[0]) == repr(net.layers[0])
        np.testing.assert_array_equal(back.forward(X), net.forward(X))


def test_against_torch_conv2d():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(9)
    for k, stride, padding in [(3, 1, 0), (3, 2, 1), ((2, 3), (2, 1), (1, 2)), (1, 1, 0)]:
        layer = bp.Conv2D(3, 4, k, stride=stride, padding=padding, rng=0)
        layer.b[...] = rng.normal(size=4)
        X = rng.normal(size=(2, 3, 7, 6))
        A = layer.forward(X)
        G = rng.normal(size=A.shape)
        dX = layer.backward(G)
        Xt = torch.tensor(X, requires_grad=True)
        Wt = torch.tensor(layer.W, requires_grad=True)
        bt = torch.tensor(layer.b, requires_grad=True)
        At = F.conv2d(Xt, Wt, bt, stride=layer.stride, padding=layer.padding)
        At.backward(torch.tensor(G))
        for ours, theirs in [(A, At), (dX, Xt.grad), (layer.dW, Wt.grad), (layer.db, bt.grad)]:
            assert bp.relative_error(ours, theirs.detach().numpy()) < 1e-10
