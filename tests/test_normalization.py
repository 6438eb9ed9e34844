"""Tests for bp.layers.normalization: BatchNorm and LayerNorm."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bp
import bp.layers.normalization as norm
from layer_gradcheck import check_layer

seeds = st.integers(0, 2**16)


def randomized(layer, seed):
    """Non-trivial gamma and beta (and running statistics for BatchNorm)."""
    gen = np.random.default_rng(seed)
    layer.gamma[...] = gen.normal(size=layer.gamma.shape)
    layer.beta[...] = gen.normal(size=layer.beta.shape)
    if isinstance(layer, bp.BatchNorm):
        layer.running_mean[...] = gen.normal(size=layer.running_mean.shape)
        layer.running_var[...] = gen.uniform(0.5, 2.0, size=layer.running_var.shape)
    return layer


# at least 3 values per feature: with 2, x_hat = +-1 whatever x is, and the gradient is
# nearly 0 (of order eps), below what centered differences resolve
bn_shapes = st.one_of(
    st.tuples(st.integers(3, 6), st.integers(1, 4)),
    st.tuples(st.integers(2, 3), st.integers(1, 3), st.integers(1, 3), st.integers(2, 3)))


@pytest.mark.parametrize("mode", ["train", "eval"])
@given(shape=bn_shapes, seed=seeds)
def test_batchnorm_backward_matches_differences(mode, shape, seed):
    layer = randomized(bp.BatchNorm(shape[1]), seed)
    getattr(layer, mode)()
    x = 2 * np.random.default_rng(seed + 1).normal(size=shape) + 0.5
    errors = check_layer(layer, x, seed=seed)
    assert set(errors) == {"input", "gamma", "beta"}


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=2), F=st.integers(3, 6),
       seed=seeds, mode=st.sampled_from(["train", "eval"]))
def test_layernorm_backward_matches_differences(shape, F, seed, mode):
    layer = getattr(randomized(bp.LayerNorm(F), seed), mode)()
    x = np.random.default_rng(seed + 1).normal(size=(*shape, F))
    check_layer(layer, x, seed=seed)


def test_batchnorm_backward_is_the_compact_formula(rng):
    x, g = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    layer = randomized(bp.BatchNorm(3, eps=1e-3), 1)
    layer.forward(x)
    dx = layer.backward(g)
    N, sigma = 6, np.sqrt(x.var(axis=0) + 1e-3)
    x_hat = (x - x.mean(axis=0)) / sigma
    gh = g * layer.gamma
    compact = (N * gh - gh.sum(0) - x_hat * (gh * x_hat).sum(0)) / (N * sigma)
    np.testing.assert_allclose(dx, compact, rtol=1e-12)
    np.testing.assert_allclose(dx.sum(axis=0), 0, atol=1e-12)   # shifts of x do nothing
    exact = bp.BatchNorm(3, eps=1e-14)     # with eps -> 0, rescaling x changes nothing either
    exact.forward(x)
    np.testing.assert_allclose((exact.backward(g) * x).sum(axis=0), 0, atol=1e-9)


def test_training_output_is_standardized_per_feature_and_channel(rng):
    x = 3 * rng.normal(size=(8, 2, 3, 3)) + 5
    y = bp.BatchNorm(2).forward(x)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-4)     # eps = 1e-5
    z = bp.LayerNorm(4).forward(rng.normal(size=(5, 2, 4)) * 7)
    np.testing.assert_allclose(z.mean(axis=-1), 0, atol=1e-12)


def test_running_statistics_follow_pytorchs_formula(rng):
    layer = bp.BatchNorm(3, momentum=0.1)
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(4):
        x = rng.normal(loc=2.0, scale=3.0, size=(5, 3, 2, 2))
        layer.forward(x)
        m = 5 * 2 * 2
        mean = 0.9 * mean + 0.1 * x.mean(axis=(0, 2, 3))
        var = 0.9 * var + 0.1 * x.var(axis=(0, 2, 3)) * m / (m - 1)     # unbiased
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-13)
    np.testing.assert_allclose(layer.running_var, var, rtol=1e-13)
    layer.eval()
    x = rng.normal(size=(2, 3, 2, 2))
    expected = (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5)
    before = (layer.running_mean.copy(), layer.running_var.copy())
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.running_mean, before[0])    # eval: not updated
    np.testing.assert_array_equal(layer.running_var, before[1])


def test_eval_uses_running_statistics_so_one_example_works(rng):
    layer = bp.BatchNorm(4)
    layer.forward(rng.normal(size=(16, 4)))
    layer.eval()
    one = rng.normal(size=(1, 4))
    out = layer.forward(one)
    batch = layer.forward(np.vstack([one, rng.normal(size=(3, 4))]))
    np.testing.assert_allclose(out[0], batch[0], rtol=1e-14)     # no dependence on batch


@pytest.mark.parametrize("make, shape", [(lambda d: bp.BatchNorm(3, dtype=d), (6, 3)),
                                         (lambda d: bp.BatchNorm(3, dtype=d), (2, 3, 2, 2)),
                                         (lambda d: bp.LayerNorm(3, dtype=d), (4, 2, 3))])
def test_float32_agrees_with_float64(make, shape, rng):
    x, g = rng.normal(size=shape), rng.normal(size=shape)
    l32, l64 = make(np.float32), make(np.float64)
    y32, y64 = l32.forward(x), l64.forward(x)
    d32, d64 = l32.backward(g), l64.backward(g)
    assert y32.dtype == d32.dtype == l32.dgamma.dtype == np.float32
    assert bp.relative_error(y32, y64) < 1e-6 and bp.relative_error(d32, d64) < 1e-5


def test_the_callers_arrays_are_not_changed(rng):
    for layer, shape in [(bp.BatchNorm(3), (4, 3)), (bp.LayerNorm(3), (4, 3))]:
        x, g = rng.normal(size=shape), rng.normal(size=shape)
        xc, gc = x.copy(), g.copy()
        layer.forward(x)
        layer.backward(g)
        np.testing.assert_array_equal(x, xc)
        np.testing.assert_array_equal(g, gc)


def test_params_grads_and_output_shape():
    layer = bp.BatchNorm(3)
    assert set(layer.params()) == set(layer.grads()) == {"gamma", "beta"}
    assert layer.n_params == 6 and layer.grads()["gamma"] is None
    assert layer.output_shape((3,)) == (3,) and layer.output_shape((3, 5, 5)) == (3, 5, 5)
    assert bp.LayerNorm(4).output_shape((7, 4)) == (7, 4)
    with pytest.raises(ValueError, match=r"BatchNorm\(3\).*\(3,\) or \(3, H, W\).*\(4,\)"):
        layer.output_shape((4,))
    with pytest.raises(ValueError, match=r"BatchNorm\(3\)"):
        layer.output_shape((3, 5))
    with pytest.raises(ValueError, match=r"LayerNorm\(4\).*\(\.\.\., 4\).*\(4, 3\)"):
        bp.LayerNorm(4).output_shape((4, 3))


def test_bad_input_fails_clearly(rng):
    bn = bp.BatchNorm(3)
    with pytest.raises(ValueError, match=r"BatchNorm\(3\): expected 3 features.*\(5, 4\)"):
        bn.forward(np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"\(N, 3\) or \(N, 3, H, W\), got shape \(5, 3, 2\)"):
        bn.forward(np.ones((5, 3, 2)))
    with pytest.raises(ValueError, match="more than 1 value per feature"):
        bn.forward(np.ones((1, 3)))
    with pytest.raises(ValueError, match="more than 1 value per feature"):
        bn.forward(np.ones((1, 3, 1, 1)))
    bn.forward(np.ones((1, 3, 2, 1)))                    # H W = 2 values per channel: fine
    with pytest.raises(RuntimeError, match="call forward before backward"):
        bp.BatchNorm(3).backward(np.ones((2, 3)))
    bn.forward(rng.normal(size=(4, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have the output's shape \(4, 3\)"):
        bn.backward(np.ones((3, 4)))
    with pytest.raises(ValueError, match="NaN or inf"):
        bn.forward(np.full((4, 3), np.nan))
    with pytest.raises(TypeError, match="real array"):
        bn.forward(np.ones((4, 3), dtype=complex))
    with pytest.raises(TypeError, match="numeric array"):
        bn.forward(None)
    ln = bp.LayerNorm(4)
    with pytest.raises(ValueError, match=r"LayerNorm\(4\).*\(N, \.\.\., 4\).*\(2, 3\)"):
        ln.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"LayerNorm\(4\).*shape \(4,\)"):
        ln.forward(np.ones(4))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_features": 0}, ValueError, "n_features"),
    ({"n_features": 2.0}, TypeError, "n_features"),
    ({"n_features": 2, "eps": 0}, ValueError, "eps must be > 0"),
    ({"n_features": 2, "eps": -1.0}, ValueError, "eps"),
    ({"n_features": 2, "momentum": 1.5}, ValueError, r"momentum must lie in \[0, 1\]"),
    ({"n_features": 2, "momentum": None}, TypeError, "momentum"),
    ({"n_features": 2, "dtype": np.int64}, TypeError, "float32 or float64"),
])
def test_bad_arguments_fail_clearly(kwargs, error, match):
    with pytest.raises(error, match=match):
        bp.BatchNorm(**kwargs)


def test_a_planted_wrong_backward_is_caught(monkeypatch, rng):
    layer = randomized(bp.BatchNorm(3), 0)
    x = rng.normal(size=(5, 3))
    check_layer(layer, x)                                   # the right backward passes
    # the classic mistake: treat the batch mean and variance as constants
    monkeypatch.setattr(norm, "standardize_backward",
                        lambda gh, x_hat, inv_std, axes: gh * inv_std)
    with pytest.raises(AssertionError, match="for input"):
        check_layer(layer, x)
    layer.eval()
    check_layer(layer, x)            # in eval mode the statistics *are* constants


# ------------------------------------------------------- PyTorch parity (optional)
def test_batchnorm_and_layernorm_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for shape in [(6, 3), (4, 3, 2, 5)]:
        layer = randomized(bp.BatchNorm(3, momentum=0.1), 2)
        rm = torch.tensor(layer.running_mean.copy())
        rv = torch.tensor(layer.running_var.copy())
        w = torch.tensor(layer.gamma.copy(), requires_grad=True)
        b = torch.tensor(layer.beta.copy(), requires_grad=True)
        x_np, g_np = rng.normal(size=shape), rng.normal(size=shape)
        for training in (True, False):
            layer.train() if training else layer.eval()
            x = torch.tensor(x_np, requires_grad=True)
            y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.1, eps=1e-5)
            y.backward(torch.tensor(g_np))
            out = layer.forward(x_np)
            dx = layer.backward(g_np)
            assert bp.relative_error(out, y.detach().numpy()) < 1e-10
            assert bp.relative_error(dx, x.grad.numpy()) < 1e-10
            assert bp.relative_error(layer.dgamma, w.grad.numpy()) < 1e-10
            assert bp.relative_error(layer.dbeta, b.grad.numpy()) < 1e-10
            np.testing.assert_allclose(layer.running_mean, rm.numpy(), rtol=1e-12)
            np.testing.assert_allclose(layer.running_var, rv.numpy(), rtol=1e-12)
            w.grad = b.grad = None
    ln = randomized(bp.LayerNorm(5), 3)
    x_np, g_np = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 4, 5))
    x = torch.tensor(x_np, requires_grad=True)
    w = torch.tensor(ln.gamma.copy(), requires_grad=True)
    b = torch.tensor(ln.beta.copy(), requires_grad=True)
    F.layer_norm(x, (5,), w, b, eps=1e-5).backward(torch.tensor(g_np))
    ln.forward(x_np)
    assert bp.relative_error(ln.backward(g_np), x.grad.numpy()) < 1e-10
    assert bp.relative_error(ln.dgamma, w.grad.numpy()) < 1e-10
    assert bp.relative_error(ln.dbeta, b.grad.numpy()) < 1e-10
