"""bp.SelfAttention: the softmax-Jacobian backward against finite differences and
(optionally) PyTorch's scaled_dot_product_attention and nn.MultiheadAttention; the
causal mask; bad input."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import bp
from bp.layers import Layer
from fd_layers import assert_layer_gradients

PARAMS = ["W_q", "b_q", "W_k", "b_k", "W_v", "b_v", "W_o", "b_o"]


def make_attn(d=4, heads=1, causal=False, seed=0, dtype=np.float64, scale=0.5):
    """A layer with random non-zero biases (the default biases are 0)."""
    layer = bp.SelfAttention(d, heads, causal=causal, rng=seed, dtype=dtype)
    gen = np.random.default_rng(seed + 1000)
    for k, p in layer.params().items():
        if k.startswith("b"):
            p[...] = gen.normal(scale=scale, size=p.shape)
    return layer


def data(layer, N, T, seed=1):
    gen = np.random.default_rng(seed)
    shape = (N, T, layer.d_model)
    return gen.normal(size=shape), gen.normal(size=shape)


# ------------------------------------------------------------- finite differences
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("d, heads", [(4, 1), (4, 2), (6, 3), (8, 4)])
def test_backward_matches_finite_differences(d, heads, causal):
    layer = make_attn(d, heads, causal)
    x, R = data(layer, N=2, T=5)
    # b_k adds q_i . b_k to every score of row i: the softmax ignores it, dL/db_k = 0
    errors = assert_layer_gradients(layer, x, R, zero=("b_k",))
    assert set(errors) == {"input", *PARAMS} - {"b_k"}


@given(N=st.integers(1, 3), T=st.integers(1, 6), heads=st.integers(1, 3),
       d_head=st.integers(1, 3), causal=st.booleans(), seed=st.integers(0, 2**16))
def test_backward_matches_finite_differences_for_any_shape(N, T, heads, d_head, causal,
                                                          seed):
    layer = make_attn(heads * d_head, heads, causal, seed=seed)
    x, R = data(layer, N, T, seed=seed + 1)
    assert_layer_gradients(layer, x, R, zero=("b_k",))


class UnscaledAttention(bp.SelfAttention):
    """A planted bug: the forward divides by sqrt(d_head), the backward does not."""

    def backward(self, grad_out):
        scale = self.scale
        self.scale = 1.0
        try:
            return super().backward(grad_out)
        finally:
            self.scale = scale


def test_the_finite_difference_check_catches_an_elementwise_softmax_backward(monkeypatch):
    """A planted bug: dS = P * dP, the Jacobian's diagonal only (-p p^T forgotten)."""
    monkeypatch.setattr(bp.layers.attention, "softmax_vjp", lambda z, a, g: a * g)
    layer = bp.SelfAttention(4, 1, rng=0)
    x, R = data(layer, N=2, T=4)
    with pytest.raises(AssertionError, match="relative error"):
        assert_layer_gradients(layer, x, R, zero=("b_k",))


def test_the_finite_difference_check_catches_an_unscaled_backward():
    layer = UnscaledAttention(4, 1, rng=0)
    x, R = data(layer, N=2, T=4)
    with pytest.raises(AssertionError, match="relative error"):
        assert_layer_gradients(layer, x, R, zero=("b_k",))


def test_the_key_bias_gradient_is_zero_and_the_others_are_not():
    layer = make_attn(4, 2)
    x, R = data(layer, N=3, T=6)
    layer.forward(x)
    layer.backward(R)
    g = layer.grads()
    assert np.abs(g["b_k"]).max() < 1e-12 * np.abs(g["b_q"]).max()
    assert min(np.abs(g[k]).max() for k in PARAMS if k != "b_k") > 1e-3


# ------------------------------------------------------------- what attention computes
def test_one_step_reads_only_itself():
    """T = 1: the softmax of one score is 1, so y = (x W_v^T + b_v) W_o^T + b_o."""
    layer = make_attn(6, 3)
    x, _ = data(layer, N=4, T=1)
    expected = (x @ layer.W_v.T + layer.b_v) @ layer.W_o.T + layer.b_o
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12, atol=1e-14)


def test_the_backward_pass_keeps_the_weights_not_the_scores():
    """Only P is needed by the softmax's VJP: one (N, h, T, T) array is cached, not two."""
    layer = make_attn(4, 2)
    x, _ = data(layer, N=3, T=5)
    layer.forward(x)
    square = [a for a in layer._cache if a.shape[-2:] == (5, 5)]
    assert len(square) == 1
    np.testing.assert_array_equal(square[0], layer.attn)


def test_without_a_mask_permuting_time_permutes_the_output():
    layer = make_attn(4, 2)
    x, _ = data(layer, N=2, T=5)
    perm = np.array([3, 0, 4, 1, 2])
    np.testing.assert_allclose(layer.forward(x[:, perm]), layer.forward(x)[:, perm],
                               rtol=1e-12, atol=1e-14)


def test_the_causal_mask_hides_the_future():
    layer = make_attn(4, 2, causal=True)
    x, R = data(layer, N=2, T=6)
    y = layer.forward(x)
    P = layer.attn
    assert P.shape == (2, 2, 6, 6)
    np.testing.assert_allclose(P.sum(axis=-1), 1, rtol=1e-12)
    assert np.all(P[..., np.triu(np.ones((6, 6), bool), k=1)] == 0)
    x2 = x.copy()
    x2[:, 4:] += 10                                  # change the last two steps
    np.testing.assert_allclose(layer.forward(x2)[:, :4], y[:, :4], rtol=1e-12)
    layer.forward(x)
    R[:, 3:] = 0                                     # a loss on steps 0..2 only
    dx = layer.backward(R)
    assert np.all(dx[:, 3:] == 0) and np.abs(dx[:, :3]).max() > 1e-3


def test_without_the_mask_every_step_sees_every_step():
    layer = make_attn(4, 2)
    x, _ = data(layer, N=2, T=6)
    y = layer.forward(x)
    x2 = x.copy()
    x2[:, 5] += 1
    assert np.abs(layer.forward(x2)[:, 0] - y[:, 0]).max() > 1e-3


# ------------------------------------------------------------- dtypes, protocol
def test_float32_keeps_its_dtype_and_agrees_with_float64():
    a64, a32 = make_attn(8, 2, causal=True), make_attn(8, 2, causal=True, dtype=np.float32)
    x, R = data(a64, N=3, T=7)
    y64, y32 = a64.forward(x), a32.forward(x)
    dx64, dx32 = a64.backward(R), a32.backward(R)
    assert y32.dtype == dx32.dtype == a32.attn.dtype == np.float32
    assert all(g.dtype == np.float32 for g in a32.grads().values())
    assert bp.relative_error(y32, y64) < 1e-6 and bp.relative_error(dx32, dx64) < 1e-5
    for k in set(PARAMS) - {"b_k"}:
        assert bp.relative_error(a32.grads()[k], a64.grads()[k]) < 1e-5, k


def test_the_protocol_params_grads_and_shapes():
    layer = bp.SelfAttention(6, 2, rng=0)
    assert isinstance(layer, Layer) and layer.d_head == 3 and layer.attn is None
    assert list(layer.params()) == list(layer.grads()) == PARAMS
    assert all(g is None for g in layer.grads().values())
    assert layer.n_params == 4 * (36 + 6)
    x, R = data(layer, N=2, T=3)
    layer.forward(x)
    layer.backward(R)
    assert {k: g.shape for k, g in layer.grads().items()} == \
        {k: p.shape for k, p in layer.params().items()}
    assert layer.output_shape((3, 6)) == (3, 6)


def test_the_callers_arrays_are_never_changed_and_attn_is_a_copy():
    layer = make_attn(4, 2, causal=True)
    x, R = data(layer, N=2, T=5)
    x0, R0 = x.copy(), R.copy()
    layer.forward(x)
    layer.attn[...] = 0                              # editing the copy ...
    dx = layer.backward(R)
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(R), dx)   # ... corrupts nothing
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(R, R0)


# ------------------------------------------------------------- bad input
def test_d_model_not_divisible_by_n_heads_is_a_clear_error():
    with pytest.raises(ValueError, match=r"d_model=6 is not divisible by n_heads=4"):
        bp.SelfAttention(6, 4)


@pytest.mark.parametrize("x, err, match", [
    (np.zeros((2, 0, 4)), ValueError, r"SelfAttention\(4, heads=2\).*length 0"),
    (np.zeros((5, 4)), ValueError, r"3-D.*\(N, T, 4\).*\(5, 4\).*input\[None\]"),
    (np.zeros((2, 5, 3)), ValueError, r"\(N, T, 4\).*\(2, 5, 3\)"),
    (np.zeros((2, 5, 4), dtype=complex), TypeError, "real"),
    (np.full((2, 5, 4), np.inf), ValueError, "NaN or inf"),
])
def test_bad_input_is_a_clear_error(x, err, match):
    with pytest.raises(err, match=match):
        bp.SelfAttention(4, 2, rng=0).forward(x)


@pytest.mark.parametrize("kwargs, err, match", [
    ({"n_heads": 0}, ValueError, "n_heads"), ({"causal": 1}, TypeError, "causal"),
    ({"d_model": 2.0}, TypeError, "d_model"), ({"dtype": "float16"}, TypeError, "float32"),
])
def test_bad_construction_is_a_clear_error(kwargs, err, match):
    with pytest.raises(err, match=match):
        bp.SelfAttention(**{"d_model": 4, **kwargs})


def test_bad_grad_out_and_order_of_calls():
    layer = bp.SelfAttention(4, 2, rng=0)
    with pytest.raises(RuntimeError, match="forward"):
        layer.backward(np.zeros((2, 5, 4)))
    layer.forward(np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match=r"grad_out.*\(2, 5, 4\).*\(2, 4, 4\)"):
        layer.backward(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match=r"\(T, 4\).*\(5, 3\)"):
        layer.output_shape((5, 3))
    with pytest.raises(ValueError, match="length 0"):
        layer.output_shape((0, 4))


# ------------------------------------------------------------- PyTorch (optional)
def _torch_inputs(torch, layer, x):
    """The layer's parameters as float64 leaf tensors, and x."""
    params = {k: torch.tensor(p, requires_grad=True) for k, p in layer.params().items()}
    return params, torch.tensor(x, requires_grad=True)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("heads", [1, 2, 4])
def test_matches_torch_scaled_dot_product_attention(heads, causal):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    layer = make_attn(8, heads, causal)
    x, R = data(layer, N=3, T=6)
    y = layer.forward(x)
    dx = layer.backward(R)
    p, tx = _torch_inputs(torch, layer, x)

    def heads_of(a):                                  # (N, T, d) -> (N, h, T, d_h)
        return a.reshape(3, 6, heads, 8 // heads).transpose(1, 2)

    q, k, v = (heads_of(tx @ p[f"W_{c}"].T + p[f"b_{c}"]) for c in "qkv")
    o = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    out = o.transpose(1, 2).reshape(3, 6, 8) @ p["W_o"].T + p["b_o"]
    (out * torch.from_numpy(R)).sum().backward()
    assert bp.relative_error(y, out.detach().numpy()) < 1e-12
    assert bp.relative_error(dx, tx.grad.numpy()) < 1e-10
    for name, g in layer.grads().items():
        ref = p[name].grad.numpy()
        if name == "b_k":                              # both are rounding noise around 0
            assert np.abs(g).max() < 1e-12 and np.abs(ref).max() < 1e-12
        else:
            assert bp.relative_error(g, ref) < 1e-10, name


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("heads", [1, 3])
def test_matches_torch_multihead_attention_batch_first(heads, causal):
    torch = pytest.importorskip("torch")
    layer = make_attn(6, heads, causal, seed=4)
    x, R = data(layer, N=2, T=5, seed=9)
    y = layer.forward(x)
    dx = layer.backward(R)
    mha = torch.nn.MultiheadAttention(6, heads, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.from_numpy(np.vstack([layer.W_q, layer.W_k,
                                                            layer.W_v])))
        mha.in_proj_bias.copy_(torch.from_numpy(np.concatenate([layer.b_q, layer.b_k,
                                                               layer.b_v])))
        mha.out_proj.weight.copy_(torch.from_numpy(layer.W_o))
        mha.out_proj.bias.copy_(torch.from_numpy(layer.b_o))
    tx = torch.tensor(x, requires_grad=True)
    mask = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1) if causal else None
    out, weights = mha(tx, tx, tx, attn_mask=mask, need_weights=True,
                       average_attn_weights=False)
    (out * torch.from_numpy(R)).sum().backward()
    assert bp.relative_error(y, out.detach().numpy()) < 1e-12
    assert bp.relative_error(layer.attn, weights.detach().numpy()) < 1e-12
    assert bp.relative_error(dx, tx.grad.numpy()) < 1e-10
    g = layer.grads()
    W_in, b_in = mha.in_proj_weight.grad.numpy(), mha.in_proj_bias.grad.numpy()
    assert bp.relative_error(np.vstack([g["W_q"], g["W_k"], g["W_v"]]), W_in) < 1e-10
    assert bp.relative_error(np.concatenate([g["b_q"], g["b_v"]]),
                             np.concatenate([b_in[:6], b_in[12:]])) < 1e-10
    assert np.abs(b_in[6:12]).max() < 1e-12                    # torch's b_k gradient too
    assert bp.relative_error(g["W_o"], mha.out_proj.weight.grad.numpy()) < 1e-10
    assert bp.relative_error(g["b_o"], mha.out_proj.bias.grad.numpy()) < 1e-10
