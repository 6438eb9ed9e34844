"""bp.clip_grad_norm: one factor for all gradients, as torch.nn.utils.clip_grad_norm_."""
import doctest

import numpy as np
import pytest

import bp
import bp.clipping


def grads(seed=0, scale=10.0, dtype=np.float64):
    gen = np.random.default_rng(seed)
    return [(scale * gen.normal(size=s)).astype(dtype) for s in ((4, 3), (4,), (2, 2, 2))]


def global_norm(arrays):
    return float(np.sqrt(sum(np.sum(np.asarray(a, np.float64) ** 2) for a in arrays)))


def test_a_large_gradient_is_shortened_to_max_norm_keeping_its_direction():
    g = grads()
    before = [a.copy() for a in g]
    total = bp.clip_grad_norm(g, max_norm=1.0)
    assert total == pytest.approx(global_norm(before), rel=1e-14)
    assert total > 10
    assert global_norm(g) == pytest.approx(1.0 * total / (total + 1e-6), rel=1e-14)
    factors = [a / b for a, b in zip(g, before)]
    np.testing.assert_allclose(np.concatenate([f.ravel() for f in factors]),
                               1.0 / (total + 1e-6), rtol=1e-13)


def test_a_small_gradient_is_left_exactly_as_it_is():
    g = grads(scale=0.01)
    before = [a.copy() for a in g]
    total = bp.clip_grad_norm(g, max_norm=5.0)
    assert total < 5.0
    for a, b in zip(g, before):
        np.testing.assert_array_equal(a, b)


def test_clipping_each_array_alone_would_change_the_direction():
    g = grads()
    alone = [a * min(1.0, 1.0 / np.linalg.norm(a)) for a in g]
    bp.clip_grad_norm(g, 1.0)
    flat = np.concatenate([a.ravel() for a in g])
    flat_alone = np.concatenate([a.ravel() for a in alone])
    cosine = flat @ flat_alone / np.linalg.norm(flat) / np.linalg.norm(flat_alone)
    assert cosine < 0.999


def test_a_layers_grads_dict_and_none_entries():
    rnn = bp.RNN(3, 4, rng=0)
    assert bp.clip_grad_norm(rnn.grads(), 1.0) == 0.0         # None before backward
    x = np.random.default_rng(1).normal(size=(2, 5, 3))
    rnn.forward(x)
    rnn.backward(100 * np.ones((2, 4)))
    total = bp.clip_grad_norm(rnn.grads(), 1.0)
    assert total > 1 and global_norm(rnn.grads().values()) == pytest.approx(1.0, rel=1e-5)
    g = grads()
    assert bp.clip_grad_norm([g[0], None, g[1]], 1e9) == pytest.approx(global_norm(g[:2]))
    assert bp.clip_grad_norm([], 1.0) == 0.0


def test_float32_is_rescaled_in_place_in_float32():
    g = grads(dtype=np.float32)
    arrays = list(g)
    total = bp.clip_grad_norm(g, 2.0)
    assert all(a is b and a.dtype == np.float32 for a, b in zip(g, arrays))
    assert global_norm(g) == pytest.approx(2.0, rel=1e-6) and total > 2


def test_nonfinite_gradients_follow_pytorch_or_raise_on_request():
    g = grads()
    g[1][0] = np.nan
    assert np.isnan(bp.clip_grad_norm(g, 1.0)) and all(np.isnan(a).all() for a in g)
    g = grads()
    g[0][0, 0] = np.inf
    with pytest.raises(FloatingPointError, match="inf"):
        bp.clip_grad_norm(g, 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("max_norm, err, match", [
    (0, ValueError, "positive finite.*got 0"), (-1.0, ValueError, "got -1.0"),
    (np.nan, ValueError, "got nan"), (np.inf, ValueError, "got inf"),
    ("1", TypeError, "max_norm must be a number"), (True, TypeError, "bool"),
])
def test_bad_max_norm_is_a_clear_error(max_norm, err, match):
    with pytest.raises(err, match=match):
        bp.clip_grad_norm(grads(), max_norm)


def test_bad_gradients_are_a_clear_error():
    with pytest.raises(TypeError, match="gradient 1 must be a float ndarray.*int64"):
        bp.clip_grad_norm([np.ones(2), np.ones(2, dtype=np.int64)], 1.0)
    with pytest.raises(TypeError, match="gradient 0.*list"):
        bp.clip_grad_norm([[1.0, 2.0]], 1.0)
    frozen = np.ones(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        bp.clip_grad_norm([frozen], 1.0)


def test_the_docstring_example_runs():
    result = doctest.testmod(bp.clipping, verbose=False)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 1e3])
def test_matches_torch_clip_grad_norm(max_norm):
    torch = pytest.importorskip("torch")
    g = grads(seed=3)
    params = [torch.zeros(a.shape, dtype=torch.float64, requires_grad=True) for a in g]
    for p, a in zip(params, g):
        p.grad = torch.tensor(a)
    ref = torch.nn.utils.clip_grad_norm_(params, max_norm)
    total = bp.clip_grad_norm(g, max_norm)
    assert total == pytest.approx(ref.item(), rel=1e-14)
    for p, a in zip(params, g):
        np.testing.assert_allclose(a, p.grad.numpy(), rtol=1e-14, atol=0)
