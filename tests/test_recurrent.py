"""bp.RNN: backpropagation through time against finite differences, explicit Jacobian
products, and (optionally) torch.nn.RNN; bad input; vanishing and exploding gradients."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import bp
from bp.layers import Layer
from fd_layers import assert_layer_gradients


def make_rnn(n_in=3, n_hidden=4, seq=False, act="tanh", seed=0, dtype=np.float64):
    return bp.RNN(n_in, n_hidden, activation=act, return_sequences=seq, rng=seed,
                  dtype=dtype)


def data(rnn, N, T, seed=1):
    gen = np.random.default_rng(seed)
    x = gen.normal(size=(N, T, rnn.n_in))
    out_shape = (N, T, rnn.n_hidden) if rnn.return_sequences else (N, rnn.n_hidden)
    return x, gen.normal(size=out_shape)


def orthogonal(n, gain, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))
    return gain * q * np.sign(np.diag(r))


# ------------------------------------------------------------- finite differences
@pytest.mark.parametrize("seq", [False, True])
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "identity", "softplus", "gelu_tanh"])
def test_bptt_matches_finite_differences(seq, act):
    rnn = make_rnn(seq=seq, act=act)
    x, R = data(rnn, N=3, T=5)
    errors = assert_layer_gradients(rnn, x, R)
    assert set(errors) == {"input", "W_ih", "W_hh", "b_ih", "b_hh"}


@given(N=st.integers(1, 3), T=st.integers(1, 6), n_in=st.integers(1, 4),
       n_hidden=st.integers(1, 5), seq=st.booleans(), seed=st.integers(0, 2**16))
def test_bptt_matches_finite_differences_for_any_shape(N, T, n_in, n_hidden, seq, seed):
    rnn = bp.RNN(n_in, n_hidden, return_sequences=seq, rng=seed)
    x, R = data(rnn, N, T, seed=seed + 1)
    assert_layer_gradients(rnn, x, R)


class TruncatedRNN(bp.RNN):
    """A planted bug: BPTT truncated to one step (the error of h_t never reaches h_{t-1})."""

    def backward(self, grad_out):
        W_hh = self.W_hh
        self.W_hh = np.zeros_like(W_hh)        # the recurrent term of the backward only
        try:
            dx = super().backward(grad_out)
        finally:
            self.W_hh = W_hh
        return dx


class MissingDerivativeRNN(bp.RNN):
    """A planted bug: delta_t = dL/dh_t, forgetting f'(z_t)."""

    def _derivative(self, Z, Hs):
        return np.ones_like(Z)


@pytest.mark.parametrize("cls", [TruncatedRNN, MissingDerivativeRNN])
@pytest.mark.parametrize("seq", [False, True])
def test_the_finite_difference_check_catches_a_wrong_backward(cls, seq):
    rnn = cls(3, 4, return_sequences=seq, rng=0)
    x, R = data(rnn, N=2, T=4)
    with pytest.raises(AssertionError, match="relative error"):
        assert_layer_gradients(rnn, x, R)


# ------------------------------------------------------------- grad_h, Jacobians
def test_grad_h_of_a_linear_rnn_is_a_power_of_W_hh_transposed():
    rnn = make_rnn(n_in=2, n_hidden=5, act="identity", seed=3)
    x, g = data(rnn, N=4, T=7)
    rnn.forward(x)
    rnn.backward(g)
    assert rnn.grad_h.shape == (4, 7, 5)
    for t in range(7):                          # dL/dh_{t+1} = (W_hh^T)^(T-1-t) g
        expected = g @ np.linalg.matrix_power(rnn.W_hh, 6 - t)
        np.testing.assert_allclose(rnn.grad_h[:, t], expected, rtol=1e-12, atol=1e-14)


def test_grad_h_is_the_product_of_the_step_jacobians():
    rnn = make_rnn(n_in=3, n_hidden=4, seed=5)
    x, g = data(rnn, N=1, T=6)
    rnn.return_sequences = True
    H = rnn.forward(x)[0]                        # (T, n_hidden): h_1 .. h_T
    rnn.return_sequences = False
    rnn.forward(x)
    rnn.backward(g)
    # J_s = dh_s/dh_{s-1} = diag(1 - h_s^2) W_hh, built as full matrices
    J = [np.diag(1 - H[s] ** 2) @ rnn.W_hh for s in range(6)]
    np.testing.assert_allclose(rnn.step_jacobians()[0], np.stack(J), rtol=1e-13, atol=1e-15)
    product = np.eye(4)
    for t in range(5, -1, -1):                   # dh_T/dh_{t+1} = J_T ... J_{t+2}
        np.testing.assert_allclose(rnn.grad_h[0, t], g[0] @ product, rtol=1e-12, atol=1e-14)
        product = product @ J[t]


@pytest.mark.parametrize("seed", range(5))
def test_small_recurrent_weights_make_the_gradient_vanish(seed):
    """Spectral norm 0.5 and |tanh'| <= 1: ||dL/dh_1|| <= 0.5^49 ||dL/dh_50||."""
    rnn = bp.RNN(4, 16, rng=seed)
    rnn.W_hh[...] = orthogonal(16, 0.5, seed)
    x, g = data(rnn, N=8, T=50, seed=seed + 100)
    rnn.forward(x)
    rnn.backward(g)
    norms = np.linalg.norm(rnn.grad_h, axis=(0, 2))          # ||dL/dh_t|| per t
    assert norms[0] / norms[-1] < 1e-12                      # 0.5^49 = 1.8e-15
    assert np.all(np.diff(norms) > 0)                        # shrinking at every step back


@pytest.mark.parametrize("seed", range(5))
def test_large_recurrent_weights_make_the_gradient_explode(seed):
    """Gain 1.5 in tanh's linear range (tiny inputs, zero biases): the error grows
    1.5x per step back (W_hh is 1.5 times an orthogonal matrix), 1.5^19 ~ 2217 over
    19 steps, to 1 % (tanh' stays within 1e-5 of 1)."""
    rnn = bp.RNN(4, 16, init="xavier_uniform", rng=seed)
    rnn.W_hh[...] = orthogonal(16, 1.5, seed)
    x, g = data(rnn, N=8, T=20, seed=seed + 100)
    rnn.forward(1e-6 * x)
    rnn.backward(g)
    norms = np.linalg.norm(rnn.grad_h, axis=(0, 2))
    assert norms[0] / norms[-1] == pytest.approx(1.5 ** 19, rel=0.01)
    assert np.all(np.diff(norms) < 0)                        # growing at every step back


# ------------------------------------------------------------- dtypes, protocol
@pytest.mark.parametrize("seq", [False, True])
def test_float32_keeps_its_dtype_and_agrees_with_float64(seq):
    r64, r32 = make_rnn(seq=seq), make_rnn(seq=seq, dtype=np.float32)
    x, R = data(r64, N=3, T=8)
    y64, y32 = r64.forward(x), r32.forward(x)
    dx64, dx32 = r64.backward(R), r32.backward(R)
    assert y32.dtype == dx32.dtype == np.float32
    assert all(g.dtype == np.float32 for g in r32.grads().values())
    assert r32.grad_h.dtype == np.float32
    assert bp.relative_error(y32, y64) < 1e-6 and bp.relative_error(dx32, dx64) < 1e-5
    for k, g in r64.grads().items():
        assert bp.relative_error(r32.grads()[k], g) < 1e-5, k


def test_the_protocol_params_grads_and_shapes():
    rnn = make_rnn(n_in=3, n_hidden=4)
    assert isinstance(rnn, Layer) and rnn.eval() is rnn and rnn.train() is rnn
    shapes = {k: p.shape for k, p in rnn.params().items()}
    assert shapes == {"W_ih": (4, 3), "W_hh": (4, 4), "b_ih": (4,), "b_hh": (4,)}
    assert rnn.n_params == 12 + 16 + 8
    assert all(g is None for g in rnn.grads().values()) and rnn.grad_h is None
    x, R = data(rnn, N=2, T=5)
    rnn.forward(x)
    rnn.backward(R)
    assert {k: g.shape for k, g in rnn.grads().items()} == shapes
    assert rnn.output_shape((5, 3)) == (4,)
    assert make_rnn(seq=True).output_shape((5, 3)) == (5, 4)


def test_init_auto_is_pytorchs_uniform_and_other_names_zero_the_biases():
    rnn = bp.RNN(3, 25, rng=0)
    for p in rnn.params().values():
        assert np.abs(p).max() <= 0.2 and np.abs(p).max() > 0.15     # U(-1/5, 1/5)
    other = bp.RNN(3, 25, init="xavier_uniform", rng=0)
    assert not other.b_ih.any() and not other.b_hh.any() and other.W_hh.any()
    np.testing.assert_array_equal(bp.RNN(3, 25, rng=7).W_hh, bp.RNN(3, 25, rng=7).W_hh)


def test_the_callers_arrays_are_never_changed_and_outputs_are_copies():
    for seq in (False, True):
        rnn = make_rnn(seq=seq)
        x, R = data(rnn, N=1, T=4)
        x0, R0 = x.copy(), R.copy()
        y = rnn.forward(x)
        y_before = y.copy()
        y[...] = 99                              # editing the output ...
        dx = rnn.backward(R)
        rnn.forward(x)
        np.testing.assert_array_equal(rnn.backward(R), dx)   # ... corrupts nothing
        np.testing.assert_array_equal(rnn.forward(x), y_before)
        np.testing.assert_array_equal(x, x0)
        np.testing.assert_array_equal(R, R0)


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize("x, err, match", [
    (np.zeros((2, 3)), ValueError, r"RNN\(3->4\).*3-D.*\(N, T, 3\).*\(2, 3\).*input\[None\]"),
    (np.zeros((2, 5, 2)), ValueError, r"RNN\(3->4\).*\(N, T, 3\).*\(2, 5, 2\)"),
    (np.zeros((2, 0, 3)), ValueError, r"RNN\(3->4\).*length 0"),
    (np.zeros((0, 5, 3)), ValueError, r"empty batch"),
    (np.full((1, 2, 3), np.nan), ValueError, r"NaN or inf"),
    (np.full((1, 2, 3), 1e39), ValueError, r"overflows float32"),
    (np.zeros((1, 2, 3), dtype=complex), TypeError, r"real"),
    ("abc", TypeError, r"numeric array"),
])
def test_bad_input_is_a_clear_error(x, err, match):
    rnn = bp.RNN(3, 4, rng=0, dtype=np.float32)
    with pytest.raises(err, match=match):
        rnn.forward(x)


def test_bad_grad_out_and_order_of_calls():
    rnn = make_rnn()
    with pytest.raises(RuntimeError, match="forward"):
        rnn.step_jacobians()
    with pytest.raises(RuntimeError, match="forward"):
        rnn.backward(np.zeros((2, 4)))
    rnn.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"grad_out.*\(2, 4\).*\(2, 5, 4\)"):
        rnn.backward(np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match=r"\(T, 3\).*\(5, 2\)"):
        rnn.output_shape((5, 2))
    with pytest.raises(ValueError, match="length 0"):
        rnn.output_shape((0, 3))


@pytest.mark.parametrize("kwargs, err, match", [
    ({"activation": "softmax"}, ValueError, "element-wise"),
    ({"activation": "tanhh"}, ValueError, "unknown activation"),
    ({"return_sequences": "yes"}, TypeError, "return_sequences"),
    ({"init": "kaiming"}, ValueError, "unknown initializer"),
    ({"dtype": np.int32}, TypeError, "float32 or float64"),
    ({"n_hidden": 0}, ValueError, "n_hidden"),
])
def test_bad_construction_is_a_clear_error(kwargs, err, match):
    args = {"n_in": 3, "n_hidden": 4, **kwargs}
    with pytest.raises(err, match=match):
        bp.RNN(**args)


# ------------------------------------------------------------- PyTorch (optional)
@pytest.mark.parametrize("seq", [False, True])
@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_matches_torch_nn_rnn_forward_and_backward(seq, act):
    torch = pytest.importorskip("torch")
    rnn = make_rnn(n_in=3, n_hidden=5, seq=seq, act=act, seed=2)
    x, R = data(rnn, N=4, T=7)
    y = rnn.forward(x)
    dx = rnn.backward(R)
    ref = torch.nn.RNN(3, 5, nonlinearity=act, batch_first=True, dtype=torch.float64)
    names = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0",
             "b_hh": "bias_hh_l0"}
    with torch.no_grad():
        for k, p in rnn.params().items():
            getattr(ref, names[k]).copy_(torch.from_numpy(p))
    tx = torch.tensor(x, requires_grad=True)
    states, h_T = ref(tx)                                   # (N, T, H), (1, N, H)
    out = states if seq else h_T[0]
    (out * torch.from_numpy(R)).sum().backward()
    assert bp.relative_error(y, out.detach().numpy()) < 1e-12
    assert bp.relative_error(dx, tx.grad.numpy()) < 1e-10
    for k, g in rnn.grads().items():
        assert bp.relative_error(g, getattr(ref, names[k]).grad.numpy()) < 1e-10, k
