"""Tests for bp.layers.regularization: Dropout and Residual."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bp
from bp.layers import Layer
from layer_gradcheck import check_layer

seeds = st.integers(0, 2**16)
shapes = hnp.array_shapes(min_dims=2, max_dims=4, max_side=4)


class Affine(Layer):
    """A protocol layer for these tests: ``y = tanh(x @ W.T + b)`` over the last axis."""

    def __init__(self, n_in, n_out, seed=0):
        gen = np.random.default_rng(seed)
        self.W = gen.normal(scale=0.5, size=(n_out, n_in))
        self.b = gen.normal(scale=0.5, size=n_out)
        self.dW = self.db = None

    def forward(self, x):
        self.x = x
        self.y = np.tanh(x @ self.W.T + self.b)
        return self.y

    def backward(self, grad_out):
        d = grad_out * (1 - self.y ** 2)
        flat_d, flat_x = d.reshape(-1, d.shape[-1]), self.x.reshape(-1, self.x.shape[-1])
        self.dW, self.db = flat_d.T @ flat_x, flat_d.sum(axis=0)
        return d @ self.W

    def params(self):
        return {"W": self.W, "b": self.b}

    def grads(self):
        return {"W": self.dW, "b": self.db}

    def output_shape(self, input_shape):
        return (*input_shape[:-1], self.W.shape[0])


# --------------------------------------------------------------------- Dropout
@given(shape=shapes, seed=seeds, p=st.sampled_from([0.0, 0.1, 0.5, 0.9]))
def test_dropout_backward_matches_differences_with_its_mask_replayed(shape, seed, p):
    layer = bp.Dropout(p)

    def replay():                          # the same mask in every forward of the check
        layer.rng = np.random.default_rng(seed)
    x = np.random.default_rng(seed + 1).normal(size=shape)
    check_layer(layer, x, seed=seed, reset=replay)
    check_layer(layer.eval(), x, seed=seed)


def test_dropout_preserves_the_expectation():
    p, draws = 0.3, 20_000
    x = np.array([[1.0, -2.0, 0.5, 3.0]])
    out = bp.Dropout(p, rng=0).forward(np.repeat(x, draws, axis=0))
    # each entry is x / (1 - p) with probability 1 - p, else 0: sd |x| sqrt(p / (1 - p))
    sem = np.abs(x[0]) * np.sqrt(p / (1 - p)) / np.sqrt(draws)
    assert np.all(np.abs(out.mean(axis=0) - x[0]) < 4 * sem)       # 4 standard errors
    dropped = np.mean(out == 0)
    assert abs(dropped - p) < 4 * np.sqrt(p * (1 - p) / out.size)
    kept = out != 0                                  # kept entries are scaled by 1/(1-p)
    np.testing.assert_allclose(out[kept], (np.repeat(x, draws, axis=0) / (1 - p))[kept],
                               rtol=1e-15)


def test_dropout_is_the_identity_in_eval_and_for_p_zero(rng):
    x = rng.normal(size=(5, 3))
    for layer in (bp.Dropout(0.5, rng=1).eval(), bp.Dropout(0.0, rng=1)):
        y = layer.forward(x)
        np.testing.assert_array_equal(y, x)
        assert y is not x                                          # a copy, not an alias
        g = rng.normal(size=(5, 3))
        np.testing.assert_array_equal(layer.backward(g), g)


def test_dropout_masks_the_gradient_like_the_output(rng):
    layer = bp.Dropout(0.5, rng=3)
    x = rng.normal(size=(6, 4)) + 10.0                     # no entry is 0 by chance
    y = layer.forward(x)
    g = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(g == 0, y == 0)
    np.testing.assert_allclose(g[g != 0], 2.0)             # 1 / (1 - p)
    assert 0 < np.mean(y == 0) < 1


def test_dropout_draws_a_new_mask_each_forward_and_keeps_float32(rng):
    layer = bp.Dropout(0.5, rng=0, dtype=np.float32)
    x = rng.normal(size=(8, 8))
    a, b = layer.forward(x), layer.forward(x)
    assert a.dtype == np.float32 and not np.array_equal(a == 0, b == 0)
    assert layer.n_params == 0 and layer.params() == {} == layer.grads()


@pytest.mark.parametrize("p, error", [(1.0, ValueError), (-0.1, ValueError),
                                      (True, TypeError), ("0.5", TypeError)])
def test_dropout_refuses_bad_p(p, error):
    with pytest.raises(error, match="p must"):
        bp.Dropout(p)


def test_dropout_bad_input(rng):
    layer = bp.Dropout(0.5, rng=0)
    with pytest.raises(RuntimeError, match="call forward before backward"):
        layer.backward(np.ones((2, 2)))
    layer.forward(rng.normal(size=(3, 2)))
    with pytest.raises(ValueError, match=r"Dropout\(0.5\): grad_out must have the output's "
                                         r"shape \(3, 2\), got shape \(2, 3\)"):
        layer.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="empty batch"):
        layer.forward(np.ones((0, 3)))
    with pytest.raises(TypeError, match="rng"):
        bp.Dropout(0.5, rng="seed")


# -------------------------------------------------------------------- Residual
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 4)),
       seed=seeds)
def test_residual_backward_matches_differences(shape, seed):
    n = shape[-1]
    block = bp.Residual(Affine(n, 3, seed), Affine(3, n, seed + 1))
    x = np.random.default_rng(seed + 2).normal(size=shape)
    errors = check_layer(block, x, seed=seed)
    assert set(errors) == {"input", "0.W", "0.b", "1.W", "1.b"}


def test_residual_with_normalization_and_dropout_layers(rng):
    block = bp.Residual(Affine(4, 4, 1), bp.LayerNorm(4), bp.Dropout(0.3))
    block.layers[1].gamma[...] = rng.normal(size=4)

    def replay():
        block.layers[2].rng = np.random.default_rng(7)
    check_layer(block, rng.normal(size=(5, 4)), reset=replay)
    assert set(block.params()) == {"0.W", "0.b", "1.gamma", "1.beta"}
    block.eval()
    assert not any(layer.training for layer in block.layers)
    block.train()
    assert all(layer.training for layer in block.layers)


def test_residual_gradient_is_the_skip_path_plus_the_blocks(rng):
    inner = Affine(3, 3, 0)
    block = bp.Residual(inner)
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    y = block.forward(x)
    np.testing.assert_allclose(y, x + np.tanh(x @ inner.W.T + inner.b))
    dx = block.backward(g)
    alone = Affine(3, 3, 0)
    alone.forward(x)
    np.testing.assert_allclose(dx, g + alone.backward(g), rtol=1e-15)
    # a block with zero weights passes the gradient through unchanged
    zero = bp.Residual(Affine(3, 3, 0))
    zero.layers[0].W[...] = 0.0
    zero.forward(x)
    np.testing.assert_allclose(zero.backward(g), g, rtol=1e-15)


def test_nested_residual_keys_and_output_shape():
    outer = bp.Residual(bp.Residual(Affine(3, 3)), Affine(3, 3))
    assert set(outer.params()) == {"0.0.W", "0.0.b", "1.W", "1.b"}
    assert outer.n_params == 24
    assert outer.output_shape((3,)) == (3,)
    with pytest.raises(ValueError, match=r"Residual: F maps an example of shape \(3,\) to "
                                         r"\(2,\)"):
        bp.Residual(Affine(3, 2)).output_shape((3,))


def test_residual_bad_input(rng):
    with pytest.raises(ValueError, match=r"Residual: F maps shape \(4, 3\) to \(4, 2\)"):
        bp.Residual(Affine(3, 2)).forward(rng.normal(size=(4, 3)))
    with pytest.raises(ValueError, match="at least one layer"):
        bp.Residual()
    with pytest.raises(TypeError, match="layer 0 must follow the layer protocol"):
        bp.Residual(np.tanh)
    same = Affine(3, 3)
    with pytest.raises(ValueError, match="layer 1 is the same object"):
        bp.Residual(same, same)
    with pytest.raises(TypeError, match="share one dtype"):
        bp.Residual(bp.LayerNorm(3, dtype=np.float32), bp.LayerNorm(3))
    with pytest.raises(RuntimeError, match="call forward before backward"):
        bp.Residual(Affine(3, 3)).backward(np.ones((1, 3)))


def test_the_callers_arrays_are_not_changed(rng):
    for layer in (bp.Dropout(0.5, rng=0), bp.Residual(Affine(3, 3), bp.Dropout(0.2, rng=1))):
        x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
        xc, gc = x.copy(), g.copy()
        layer.forward(x)
        layer.backward(g)
        np.testing.assert_array_equal(x, xc)
        np.testing.assert_array_equal(g, gc)


# ----------------------------------------------- the checker catches wrong backwards
def test_planted_wrong_backwards_are_caught(monkeypatch, rng):
    x = rng.normal(size=(4, 3))
    block = bp.Residual(Affine(3, 3))
    check_layer(block, x)
    monkeypatch.setattr(bp.Residual, "backward",        # forgot the skip path
                        lambda self, g: self.layers[0].backward(g))
    with pytest.raises(AssertionError, match="for input"):
        check_layer(block, x)
    drop = bp.Dropout(0.5)

    def replay():
        drop.rng = np.random.default_rng(0)
    check_layer(drop, x, reset=replay)
    monkeypatch.setattr(bp.Dropout, "backward",          # mask without the 1/(1-p)
                        lambda self, g: g * (self.mask != 0))
    with pytest.raises(AssertionError, match="for input"):
        check_layer(drop, x, reset=replay)
