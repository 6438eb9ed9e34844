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


@pytest.mark.parametrize("shuffle", [False, True])
def test_drop_last_leaves_out_the_short_batch_of_every_epoch(shuffle, rng):
    X, y = _data(rng)                                  # 40 examples: 16, 16 and 8
    net, ref = _clf(), _clf()
    net_opt = bp.SGD(0.2)
    hist = net.fit(X, y, epochs=3, batch_size=16, optimizer=net_opt, shuffle=shuffle,
                   seed=7, progress=False, drop_last=True)
    order_rng, opt, Y = np.random.default_rng(7), bp.SGD(0.2), bp.one_hot(y, 3)
    losses, accs = [], []
    for _ in range(3):
        order = order_rng.permutation(40) if shuffle else np.arange(40)
        total = correct = 0.0
        for start in (0, 16):                           # the 8 left over: no step
            idx = order[start:start + 16]
            out = ref.forward(X[idx])
            total += ref.loss_value(Y[idx]) * 16
            correct += np.sum(out.argmax(axis=1) == y[idx])
            ref.backward(Y[idx])
            opt.step(ref)
        losses.append(total / 32)                       # the mean over the examples used
        accs.append(correct / 32)
    assert net_opt.t == opt.t == 6                      # two steps per epoch, not three
    for a, b in zip(_weights(net), _weights(ref)):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    np.testing.assert_allclose(hist["loss"], losses, rtol=1e-13)
    np.testing.assert_allclose(hist["accuracy"], accs, rtol=1e-13)


def test_drop_last_changes_nothing_when_the_batches_divide_the_data(rng):
    X, y = _data(rng)
    a, b = _clf(), _clf()
    ha = a.fit(X, y, epochs=2, batch_size=8, seed=3, progress=False)
    hb = b.fit(X, y, epochs=2, batch_size=8, seed=3, progress=False, drop_last=True)
    for p, q in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(ha["loss"], hb["loss"])


def test_drop_last_differs_from_keeping_the_short_batch(rng):
    X, y = _data(rng)
    a, b = _clf(), _clf()
    a.fit(X, y, epochs=1, batch_size=16, seed=3, progress=False)
    b.fit(X, y, epochs=1, batch_size=16, seed=3, progress=False, drop_last=True)
    assert not all(np.array_equal(p, q) for p, q in zip(_weights(a), _weights(b)))


def test_drop_last_refuses_data_smaller_than_one_batch_and_non_booleans(rng):
    X, y = _data(rng)
    with pytest.raises(ValueError, match=r"drop_last=True needs at least batch_size=64 "
                                         r"examples, got 40"):
        _clf().fit(X, y, batch_size=64, progress=False, drop_last=True)
    with pytest.raises(TypeError, match="drop_last must be True or False, got str"):
        _clf().fit(X, y, progress=False, drop_last="yes")
    _clf().fit(X, y, batch_size=64, epochs=1, progress=False)   # without it: one batch of 40


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


def _overfitting_run(rng, **kwargs):
    """A wide net, few examples, a large step: the validation loss has its minimum early."""
    X, y = _data(rng, 30)
    Xv, yv = _data(rng, 60)
    net = make_net((3, 32, 3), ("tanh", "identity"), "softmax_cross_entropy", seed=1)
    hist = net.fit(X, y, epochs=60, batch_size=8, optimizer=bp.Adam(0.05),
                   validation=(Xv, yv), seed=2, progress=False, **kwargs)
    return net, hist, (X, y, Xv, yv)


def test_restore_best_keeps_the_weights_of_the_lowest_validation_loss(rng):
    net, hist, (X, y, Xv, yv) = _overfitting_run(np.random.default_rng(5), restore_best=True)
    plain_net, plain, _ = _overfitting_run(np.random.default_rng(5))
    assert plain.best_epoch is None and len(hist) == len(plain) == 60   # no early stop
    np.testing.assert_array_equal(hist["val_loss"], plain["val_loss"])  # same run
    best = int(np.argmin(hist["val_loss"])) + 1
    assert hist.best_epoch == best and best < 50       # the minimum is not at the end
    # the restored network is the one that was validated at epoch `best` ...
    assert net.loss(Xv, yv) == pytest.approx(hist["val_loss"][best - 1], rel=1e-12)
    assert net.loss(Xv, yv) < plain_net.loss(Xv, yv)
    # ... and equals a run that simply stopped there (same seeds, same batches)
    ref = make_net((3, 32, 3), ("tanh", "identity"), "softmax_cross_entropy", seed=1)
    ref.fit(X, y, epochs=best, batch_size=8, optimizer=bp.Adam(0.05), seed=2,
            progress=False)
    for a, b in zip(_weights(net), _weights(ref)):
        np.testing.assert_array_equal(a, b)


def test_patience_stops_after_that_many_epochs_without_a_new_best():
    _, full, _ = _overfitting_run(np.random.default_rng(5))
    _, hist, _ = _overfitting_run(np.random.default_rng(5), patience=5)
    vl = np.array(full["val_loss"])
    # the first epoch t whose best so far is 5 epochs old
    best_so_far = np.array([int(np.argmin(vl[:t])) + 1 for t in range(1, 61)])
    stop = int(np.flatnonzero(np.arange(1, 61) - best_so_far >= 5)[0]) + 1
    assert len(hist) == stop < 60 and hist.best_epoch == best_so_far[stop - 1]
    np.testing.assert_array_equal(hist["val_loss"], vl[:stop])
    _, long, _ = _overfitting_run(np.random.default_rng(5), patience=100)
    assert len(long) == 60


@pytest.mark.parametrize("kwargs,err,msg", [
    ({"patience": 0, "validation": True}, ValueError, "patience must be a positive int"),
    ({"patience": 3}, ValueError, r"watch the validation loss: pass validation=\(X_val"),
    ({"restore_best": True}, ValueError, "watch the validation loss"),
    ({"restore_best": "yes", "validation": True}, TypeError,
     "restore_best must be a bool, got str"),
])
def test_early_stopping_bad_arguments(kwargs, err, msg, rng):
    X, y = _data(rng)
    if kwargs.pop("validation", False):
        kwargs["validation"] = (X, y)
    with pytest.raises(err, match=msg):
        _clf().fit(X, y, epochs=2, progress=False, **kwargs)
