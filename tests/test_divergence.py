"""bp.divergence: what fit says and keeps when training blows up (the weights named
before training, overflow before any step, divergence after k steps, restore)."""
import numpy as np
import pytest

import bp
from conftest import make_net


def _regression(seed=0):
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(64, 3))
    return X, X @ np.array([[1.0], [-2.0], [0.5]])


def _regressor():
    return make_net((3, 8, 1), ("tanh", "identity"), "mse", seed=0)


def test_non_finite_weights_are_named_before_any_step(rng):
    X, Y = _regression()
    net = _regressor()
    net.layers[1].W[0, 5] = np.nan
    before = [p.copy() for _, _, p in net.parameters()]
    with pytest.raises(ValueError, match=r"layer 2 \(Dense\(8->1\)\): W\[0, 5\] = nan before "
                                         r"training \(no step was taken, so the learning rate "
                                         r"is not the cause\)"):
        net.fit(X, Y, epochs=2, progress=False)
    for (_, _, p), old in zip(net.parameters(), before):
        np.testing.assert_array_equal(p, old)
    net.layers[1].W[0, 5] = 0.0
    net.layers[0].b[2] = -np.inf
    with pytest.raises(ValueError, match=r"layer 1 \(Dense\(3->8\)\): b\[2\] = -inf before "):
        net.fit(X, Y, progress=False)


def test_overflow_before_any_step_does_not_blame_the_learning_rate():
    X, Y = _regression()
    net = make_net((3, 1), ("identity",), "mse", dtype=np.float32)
    net.layers[0].W[...] = 1e30                       # finite, but (1e30 x)^2 overflows
    W = net.layers[0].W.copy()
    with pytest.raises(bp.TrainingDiverged) as info:
        net.fit(X.astype(np.float32), Y.astype(np.float32), epochs=3, progress=False)
    err = info.value
    assert str(err).startswith("loss became inf at epoch 1, batch 1, before any step, with "
                               "finite weights and inputs: the forward pass overflows float32")
    assert "learning rate" not in str(err) and "the network is unchanged" in str(err)
    assert (err.epoch, err.batch, err.steps, len(err.history)) == (1, 1, 0, 0)
    np.testing.assert_array_equal(net.layers[0].W, W)


def test_divergence_after_k_steps_keeps_history_and_offers_restore():
    X, Y = _regression()
    net = _regressor()
    start = [p.copy() for _, _, p in net.parameters()]
    with pytest.raises(bp.TrainingDiverged) as info:
        net.fit(X, Y, epochs=50, batch_size=8, optimizer=bp.SGD(3.0), progress=False)
    err = info.value
    e, b, steps = err.epoch, err.batch, err.steps
    assert e > 2 and steps == (e - 1) * 8 + b - 1
    assert str(err).startswith(f"loss became inf at epoch {e}, batch {b}; try a smaller "
                               "learning rate (optimizer: SGD(lr=3.0")
    assert (f"The network holds the weights after {steps} steps (finite, but too large); "
            "err.restore() puts back those it had when fit was called, err.restore('epoch') "
            f"those after the {e - 1} finished epochs of err.history") in str(err)
    # the history of the finished epochs is the one an undisturbed run records
    ref = _regressor()
    with np.errstate(over="ignore"):
        expected = ref.fit(X, Y, epochs=e - 1, batch_size=8, optimizer=bp.SGD(3.0),
                           progress=False)
    assert len(err.history) == e - 1 and err.history["loss"] == expected["loss"]
    err.restore("epoch")                              # what history ends in
    for (_, _, p), (_, _, q) in zip(net.parameters(), ref.parameters()):
        np.testing.assert_array_equal(p, q)
    assert max(np.abs(p).max() for _, _, p in net.parameters()) > 1e100   # no use to refit
    err.restore()                                     # the weights fit started from
    for (_, _, p), old in zip(net.parameters(), start):
        np.testing.assert_array_equal(p, old)
    history = net.fit(X, Y, epochs=30, batch_size=8, optimizer=bp.SGD(0.05), progress=False)
    assert history["loss"][-1] < 0.1 * history["loss"][0]       # a smaller rate trains
    with pytest.raises(ValueError, match="to must be 'start' or 'epoch', got 'best'"):
        err.restore("best")


def test_weights_that_overflow_in_the_last_step_are_restored():
    X, Y = _regression()
    net = make_net((3, 1), ("identity",), "mse")
    start = net.layers[0].W.copy()
    net.fit(X, Y, epochs=2, batch_size=64, optimizer=bp.SGD(0.1), progress=False)
    after_two = net.layers[0].W.copy()
    with pytest.raises(bp.TrainingDiverged,
                       match=r"the weights became NaN or infinite at epoch 1 \(by batch 1\); "
                             r"try a smaller learning rate .* The network holds the weights "
                             r"after 1 step \(not finite: layer 1 \(Dense\(3->1\)\): W\[0, "
                             r"\d\] = -?inf\)") as info:
        net.fit(X * 100, Y * 100, epochs=3, batch_size=64, optimizer=bp.SGD(1e306),
                progress=False)
    err = info.value
    assert (err.epoch, err.steps, len(err.history)) == (1, 1, 0)
    err.restore("epoch")                              # no epoch finished: the start
    np.testing.assert_array_equal(net.layers[0].W, after_two)
    assert not np.array_equal(after_two, start)


class _StepThenBreak(bp.SGD):
    """SGD(0.01) that writes an inf into a weight with step ``after + 1``."""

    def __init__(self, after):
        super().__init__(lr=0.01)
        self.after = after

    def step(self, net):
        super().step(net)
        if self.t == self.after + 1:
            net.layers[0].W[0, 0] = np.inf


def test_restore_point_moves_with_each_finished_epoch():
    X, Y = _regression()
    net = make_net((3, 1), ("identity",), "mse")
    with pytest.raises(bp.TrainingDiverged, match=r"loss became (inf|nan) at epoch 4, batch 2;"
                                                  r".* after 7 steps \(not finite: layer 1 "
                                                  r"\(Dense\(3->1\)\): W\[0, 0\] = inf\)"
                       ) as info:
        net.fit(X, Y, epochs=5, batch_size=32, optimizer=_StepThenBreak(after=6),
                shuffle=False, progress=False)
    err = info.value
    assert (err.epoch, err.batch, err.steps, len(err.history)) == (4, 2, 7, 3)
    ref = make_net((3, 1), ("identity",), "mse")
    expected = ref.fit(X, Y, epochs=3, batch_size=32, optimizer=bp.SGD(0.01), shuffle=False,
                       progress=False)
    assert err.history["loss"] == expected["loss"]
    err.restore("epoch")
    np.testing.assert_array_equal(net.layers[0].W, ref.layers[0].W)
    np.testing.assert_array_equal(net.layers[0].b, ref.layers[0].b)
