"""bp.training.fit: the loop, history, reproducibility, divergence, progress bar."""
import sys

import numpy as np
import pytest

import bp
from conftest import make_net


def _data(rng, n=40):
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 2] > 1)
    return X, y


def _clf(seed=0):
    return make_net((3, 8, 3), ("tanh", "identity"), "softmax_cross_entropy", seed=seed)


def _weights(net):
    return [p.copy() for _, _, p in net.parameters()]


@pytest.mark.parametrize("shuffle", [False, True])
def test_fit_is_the_plain_minibatch_loop(shuffle, rng):
    X, y = _data(rng)
    net, ref = _clf(), _clf()
    hist = net.fit(X, y, epochs=3, batch_size=16, optimizer=bp.SGD(0.2), shuffle=shuffle,
                   seed=7, progress=False)
    order_rng, opt, Y = np.random.default_rng(7), bp.SGD(0.2), bp.one_hot(y, 3)
    losses = []
    for _ in range(3):
        order = order_rng.permutation(40) if shuffle else np.arange(40)
        total = 0.0
        for start in range(0, 40, 16):                # batches of 16, 16 and 8
            idx = order[start:start + 16]
            total += ref.loss(X[idx], Y[idx]) * len(idx)
            ref.backward(Y[idx])
            opt.step(ref)
        losses.append(total / 40)
    for a, b in zip(_weights(net), _weights(ref)):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    np.testing.assert_allclose(hist["loss"], losses, rtol=1e-13)


def test_history_contents(rng):
    X, y = _data(rng)
    Xv, yv = _data(rng, 20)
    net = _clf()
    hist = net.fit(X, y, epochs=4, batch_size=8, optimizer=bp.Adam(0.01),
                   validation=(Xv, yv), progress=False)
    assert set(hist.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(hist) == 4 and all(len(hist[k]) == 4 for k in hist.keys())
    assert "val_loss" in hist and "nope" not in hist
    assert all(0 <= a <= 1 for a in hist["accuracy"] + hist["val_accuracy"])
    assert hist["loss"][-1] < hist["loss"][0]
    assert hist["val_loss"][-1] == pytest.approx(net.loss(Xv, yv), rel=1e-12)
    assert hist["val_accuracy"][-1] == pytest.approx(net.accuracy(Xv, yv))
    assert repr(hist).startswith("History(4 epochs; last: loss=")
    reg = make_net((3, 4, 1), ("tanh", "identity"), "mse")
    hist = reg.fit(X, X[:, :1] * 2, epochs=2, batch_size=10, validation=(Xv, Xv[:, 0]),
                   progress=False)
    assert set(hist.keys()) == {"loss", "val_loss"}


def test_training_accuracy_is_counted_per_batch_as_seen(rng):
    X, y = _data(rng)
    net, ref = _clf(), _clf()
    hist = net.fit(X, y, epochs=1, batch_size=40, optimizer=bp.SGD(0.5), progress=False)
    assert hist["accuracy"][0] == ref.accuracy(X, y)        # one batch: before its step


def test_seeded_runs_are_reproducible(rng):
    X, y = _data(rng)
    runs = []
    for seed in (3, 3, 4):
        net = _clf(seed=1)
        hist = net.fit(X, y, epochs=3, batch_size=8, optimizer=bp.SGD(0.1, momentum=0.9),
                       seed=seed, progress=False)
        runs.append((hist["loss"], _weights(net)))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)
    assert runs[0][0] != runs[2][0]


def test_labels_one_hot_and_1d_targets_agree(rng):
    X, y = _data(rng)
    a, b = _clf(), _clf()
    ha = a.fit(X, y, epochs=2, batch_size=8, progress=False)
    hb = b.fit(X, bp.one_hot(y, 3), epochs=2, batch_size=8, progress=False)
    assert ha["loss"] == hb["loss"]
    yb = (y > 0).astype(float)
    c = make_net((3, 4, 1), ("tanh", "sigmoid"), "bce")
    d = make_net((3, 4, 1), ("tanh", "sigmoid"), "bce")
    assert c.fit(X, yb, epochs=2, progress=False)["loss"] == \
        d.fit(X, yb[:, None], epochs=2, progress=False)["loss"]


def test_divergence_names_epoch_and_batch(rng):
    X = rng.normal(size=(32, 3)) * 10
    Y = rng.normal(size=(32, 1)) * 10
    net = make_net((3, 16, 1), ("identity", "identity"), "mse", seed=0)
    ref = make_net((3, 16, 1), ("identity", "identity"), "mse", seed=0)
    opt = bp.SGD(5.0)
    where = None
    with np.errstate(all="ignore"):                    # find where it blows up, by hand
        for epoch in range(1, 6):
            for b, start in enumerate(range(0, 32, 4), start=1):
                if not np.isfinite(ref.loss(X[start:start + 4], Y[start:start + 4])):
                    where = (epoch, b)
                    break
                ref.backward(Y[start:start + 4])
                opt.step(ref)
            if where:
                break
    assert where is not None
    with pytest.raises(bp.TrainingDiverged,
                       match=rf"loss became (nan|inf) at epoch {where[0]}, batch {where[1]}; "
                             r"try a smaller learning rate \(optimizer: SGD\(lr=5.0"):
        net.fit(X, Y, epochs=5, batch_size=4, optimizer=bp.SGD(5.0), shuffle=False,
                progress=False)
    assert issubclass(bp.TrainingDiverged, FloatingPointError)


def test_progress_bar_off_unless_a_terminal(rng, capsys, monkeypatch):
    X, y = _data(rng)
    _clf().fit(X, y, epochs=2, progress=None)
    assert capsys.readouterr().err == ""                # captured stderr is not a tty
    _clf().fit(X, y, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and "epoch" in err and "loss=" in err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    _clf().fit(X, y, epochs=2, progress=None)
    assert "2/2" in capsys.readouterr().err
    _clf().fit(X, y, epochs=2, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("kwargs,err,msg", [
    (dict(epochs=0), ValueError, "epochs must be a positive int, got 0"),
    (dict(epochs=2.5), TypeError, "epochs must be a positive int, got float"),
    (dict(batch_size=0), ValueError, "batch_size must be a positive int, got 0"),
    (dict(optimizer="sgdd"), ValueError, "unknown optimizer 'sgdd'"),
    (dict(optimizer=0.1), TypeError, "optimizer must be given by name"),
    (dict(validation=np.zeros((3, 3))), TypeError, r"validation must be a pair \(X_val, Y_val\)"),
    (dict(validation=(np.zeros((3, 2)), np.zeros(3, int))), ValueError,
     r"X_val for layer 1 \(Dense\(3->8\)\) must have shape \(batch, 3\), got shape \(3, 2\)"),
    (dict(validation=(np.zeros((3, 3)), np.zeros(4, int))), ValueError,
     r"Y_val must have 3 rows \(one per example\), got shape \(4,\)"),
])
def test_bad_arguments(kwargs, err, msg, rng):
    X, y = _data(rng)
    with pytest.raises(err, match=msg):
        _clf().fit(X, y, progress=False, **kwargs)


def test_bad_data(rng):
    X, y = _data(rng)
    net = _clf()
    with pytest.raises(ValueError, match=r"Y must have 40 rows \(one per example\), got shape "
                                         r"\(39,\)"):
        net.fit(X, y[:-1], progress=False)
    with pytest.raises(ValueError, match=r"X for layer 1 .* must have shape \(batch, 3\)"):
        net.fit(X[:, :2], y, progress=False)
    with pytest.raises(ValueError, match=r"X for layer 1 .* is an empty batch"):
        net.fit(X[:0], y[:0], progress=False)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        net.fit(X, y + 1, progress=False)
    Xn = X.copy()
    Xn[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"contains NaN or inf \(first at index \(5, 1\)\)"):
        net.fit(Xn, y, progress=False)


def test_divergence_in_the_very_last_step_is_reported(rng):
    X, Y = rng.normal(size=(8, 3)) * 100, rng.normal(size=(8, 1)) * 100
    net = make_net((3, 1), ("identity",), "mse")
    with pytest.raises(bp.TrainingDiverged, match=r"the weights became NaN or infinite at "
                                                  r"epoch 1 \(by batch 1\)"):
        net.fit(X, Y, epochs=1, batch_size=8, optimizer=bp.SGD(1e306), progress=False)


def test_progress_bar_on_in_a_notebook(rng, capsys, monkeypatch):
    import types
    from bp import training

    class ZMQInteractiveShell:                        # what Jupyter's kernel reports
        pass
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: ZMQInteractiveShell()
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert training._in_notebook()
    X, y = _data(rng)
    _clf().fit(X, y, epochs=1, progress=None)
    assert "1/1" in capsys.readouterr().err
    fake.get_ipython = lambda: None                   # plain python with IPython imported
    assert not training._in_notebook()


# ------------------------------------------------------------------ divergence
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
