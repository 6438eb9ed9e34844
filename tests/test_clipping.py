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


# ----------------------------------------------------------- fit(clip_norm=...)
def _rnn_net(seed=0):
    return bp.Network([bp.RNN(2, 6, rng=seed), bp.Dense(6, 1, "identity", rng=seed + 1)],
                      loss="mse", input_shape=(7, 2))


def _seq_data(n=16, seed=0):
    gen = np.random.default_rng(seed)
    return gen.normal(size=(n, 7, 2)), 50 * gen.normal(size=(n, 1))   # large targets


def _flat(net):
    return np.concatenate([p.ravel() for _, _, p in net.parameters()])


@pytest.mark.parametrize("clip_norm", [0.5, 2.0])
def test_fit_clips_the_step_to_lr_times_clip_norm_in_the_gradients_direction(clip_norm):
    X, Y = _seq_data()
    net, ref = _rnn_net(), _rnn_net()
    before = _flat(net)
    hist = net.fit(X, Y, epochs=1, batch_size=16, optimizer=bp.SGD(0.1),
                   clip_norm=clip_norm, shuffle=False, progress=False)
    ref.loss(X, Y)
    ref.backward(Y)
    g = np.concatenate([g.ravel() for _, _, g in ref.gradients()])
    total = np.linalg.norm(g)
    assert total > 10 * clip_norm                     # the step is really clipped
    step = _flat(net) - before
    assert np.linalg.norm(step) == pytest.approx(0.1 * clip_norm, rel=1e-6)
    np.testing.assert_allclose(step, -0.1 * g * clip_norm / (total + 1e-6), rtol=1e-10,
                               atol=1e-15)
    assert hist["grad_norm"] == [pytest.approx(total, rel=1e-12)]
    assert hist["clipped"] == [1.0]


def test_fit_without_clipping_or_below_the_threshold_is_unchanged():
    X, Y = _seq_data(seed=1)
    plain, loose = _rnn_net(), _rnn_net()
    h0 = plain.fit(X, Y, epochs=2, batch_size=4, optimizer=bp.SGD(1e-4), progress=False)
    h1 = loose.fit(X, Y, epochs=2, batch_size=4, optimizer=bp.SGD(1e-4), progress=False,
                   clip_norm=1e12)
    np.testing.assert_array_equal(_flat(plain), _flat(loose))
    assert "grad_norm" not in h0 and h1["clipped"] == [0.0, 0.0]
    assert all(v > 1 for v in h1["grad_norm"])


def test_clipping_keeps_training_finite_where_plain_sgd_diverges():
    gen = np.random.default_rng(2)
    X, Y = gen.normal(size=(16, 3)), 50 * gen.normal(size=(16, 1))

    def net():
        return bp.Network([bp.Dense(3, 8, "relu", rng=0),
                           bp.Dense(8, 1, "identity", rng=1)], loss="mse")
    with pytest.raises(bp.TrainingDiverged, match="loss became inf"):
        net().fit(X, Y, epochs=20, batch_size=4, optimizer=bp.SGD(0.1), progress=False)
    clipped = net()
    hist = clipped.fit(X, Y, epochs=20, batch_size=4, optimizer=bp.SGD(0.1),
                       clip_norm=1.0, progress=False)
    assert np.all(np.isfinite(_flat(clipped))) and hist["loss"][-1] < hist["loss"][0]


@pytest.mark.parametrize("clip_norm, err, match", [
    (0, ValueError, r"fit: clip_norm must be a positive finite number, got 0"),
    (-1.0, ValueError, "clip_norm.*got -1.0"), (np.nan, ValueError, "clip_norm.*got nan"),
    (np.inf, ValueError, "clip_norm.*got inf"),
    ("1", TypeError, "fit: clip_norm must be a number, got str"),
    (True, TypeError, "clip_norm.*bool"),
])
def test_fit_rejects_a_bad_clip_norm_before_training(clip_norm, err, match):
    X, Y = _seq_data()
    net = _rnn_net()
    before = _flat(net)
    with pytest.raises(err, match=match):
        net.fit(X, Y, epochs=1, clip_norm=clip_norm, progress=False)
    np.testing.assert_array_equal(_flat(net), before)
