"""The layer protocol in bp.Network (bp.network, bp.stack, bp.evaluation, bp.io_stack):
Dense on the protocol, any stack validated, run, trained, saved; modes propagate."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import bp
from bp.layers import Layer
from conftest import make_net
from layer_checks import check_all_gradients, mse_net, targets


class Scale(Layer):
    """y = s * x with one parameter; records the mode of every forward call."""

    def __init__(self, s=2.0):
        self.s = np.array([s])
        self.ds = None
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        self.x = x
        return self.s * x

    def backward(self, grad_out):
        self.ds = np.array([np.sum(grad_out * self.x)])
        return self.s * grad_out

    def params(self):
        return {"s": self.s}

    def grads(self):
        return {"s": self.ds}


def cnn(seed=0, dtype=np.float64):
    gen = np.random.default_rng(seed)
    return bp.Network([bp.Conv2D(1, 4, 3, activation="relu", rng=gen, dtype=dtype),
                       bp.MaxPool2D(2), bp.Flatten(),
                       bp.Dense(36, 2, "identity", rng=gen, dtype=dtype)],
                      loss="softmax_cross_entropy", input_shape=(1, 8, 8))


def bars(n, seed):
    """8x8 images of a vertical (class 0) or a horizontal (class 1) bar, with noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(scale=0.3, size=(n, 1, 8, 8))
    pos = rng.integers(1, 7, n)
    for i in range(n):
        if y[i]:
            X[i, 0, pos[i], :] += 1.0
        else:
            X[i, 0, :, pos[i]] += 1.0
    return X, y


# ------------------------------------------------------------------ Dense on the protocol
def test_dense_backward_is_bp2_bp3_bp4(rng):
    layer = bp.Dense(3, 4, "tanh", rng=0)
    A_prev = rng.normal(size=(5, 3))
    layer.forward(A_prev)
    G = rng.normal(size=(5, 4))
    dA_prev = layer.backward(G)
    delta = G * (1 - np.tanh(layer.Z) ** 2)
    np.testing.assert_allclose(layer.delta, delta, rtol=1e-14)
    np.testing.assert_allclose(layer.dW, delta.T @ A_prev, rtol=1e-14)
    np.testing.assert_allclose(layer.db, delta.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(dA_prev, delta @ layer.W, rtol=1e-14)
    assert layer.backward(G, input_grad=False) is None and layer.dW is not None


def test_dense_backward_of_a_softmax_is_the_jacobian_vjp(rng):
    layer = bp.Dense(3, 4, "softmax", rng=0)
    layer.forward(rng.normal(size=(2, 3)))
    G = rng.normal(size=(2, 4))
    layer.backward(G)
    J = bp.get_activation("softmax").jacobian(layer.Z)          # (batch, n, n)
    np.testing.assert_allclose(layer.delta, np.einsum("bij,bi->bj", J, G), rtol=1e-12)


def test_network_backward_equals_the_old_explicit_loop(rng):
    net = make_net((3, 5, 4, 2), ("tanh", "softmax", "sigmoid"), "bce", seed=1)
    X, Y = rng.normal(size=(6, 3)), rng.uniform(size=(6, 2))
    net.forward(X)
    deltas = net.backward(Y)
    delta = net.output_delta(net.targets(Y))
    for l in range(len(net.layers) - 1, -1, -1):            # BP1-BP4 as Part I writes them
        layer = net.layers[l]
        np.testing.assert_allclose(deltas[l], delta, rtol=1e-13)
        np.testing.assert_allclose(layer.dW, delta.T @ layer.A_prev, rtol=1e-13)
        if l:
            below = net.layers[l - 1]
            delta = below.activation.vjp(below.Z, below.A, delta @ layer.W)


# ------------------------------------------------------------------ any stack
def test_a_cnn_passes_every_gradient_check(rng):
    net = cnn()
    for layer in net.layers:
        if layer.params():
            layer.b[...] = rng.normal(scale=0.3, size=layer.b.shape)
    X, y = bars(4, 0)
    report, input_error = check_all_gradients(net, X, y)
    assert report.passed, str(report)
    assert input_error < 1e-7
    assert [r.name for r in report.rows] == ["W1", "b1", "W4", "b4"]


def test_a_custom_protocol_layer_runs_and_is_checked(rng):
    net = bp.Network([bp.Dense(3, 4, "tanh", rng=0), Scale(1.5), bp.Dense(4, 2, rng=1)])
    X = rng.normal(size=(5, 3))
    report = bp.gradcheck(net, X, rng.normal(size=(5, 2)))
    assert report.passed and [r.name for r in report.rows] == ["W1", "b1", "s2", "W3", "b3"]
    assert net.layers[1].name == "layer"                        # not auto-named: kept


def test_parameters_gradients_summary_and_counts():
    net = cnn()
    X, y = bars(3, 1)
    net.forward(X)
    net.backward(y)
    assert [(i, k) for i, k, _ in net.parameters()] == [(0, "W"), (0, "b"), (3, "W"), (3, "b")]
    assert all(g.shape == p.shape for (_, _, g), (_, _, p) in
               zip(net.gradients(), net.parameters()))
    assert net.n_params == 4 * 9 + 4 + 36 * 2 + 2 == sum(l.n_params for l in net.layers)
    assert net.shapes == [(4, 6, 6), (4, 3, 3), (36,), (2,)]
    assert (net.n_in, net.n_out, net.input_shape) == (64, 2, (1, 8, 8))
    table = net.summary()
    assert "MaxPool2D" in table and "(4, 3, 3)" in table and table.endswith(str(net.n_params))
    assert repr(net).startswith("Network((1, 8, 8) -> (2,), layers=[Conv2D, MaxPool2D")


def test_forward_copies_X_and_checks_its_shape():
    net = cnn()
    X, y = bars(3, 2)
    X0 = X.copy()
    net.forward(X)
    X[...] = 0.0                                     # after forward: cannot reach the cache
    net.backward(y)
    ref = cnn()
    ref.forward(X0)
    ref.backward(y)
    for (_, _, g), (_, _, h) in zip(net.gradients(), ref.gradients()):
        np.testing.assert_array_equal(g, h)
    with pytest.raises(ValueError, match=r"X for layer 1 \(Conv2D\(1->4, 3x3\)\) must have "
                                         r"shape \(batch, 1, 8, 8\), got shape \(3, 64\)"):
        net.forward(X0.reshape(3, 64))
    with pytest.raises(ValueError, match="contains NaN or inf"):
        net.forward(np.full((1, 1, 8, 8), np.nan))


@pytest.mark.parametrize("build,err,msg", [
    (lambda: bp.Network([bp.Conv2D(1, 2, 3), bp.Flatten(), bp.Dense(8, 1)]), ValueError,
     r"the first layer, layer 1 \(Conv2D\(1->2, 3x3\)\), is not a Dense: give the network "
     r"its per-example input shape"),
    (lambda: bp.Network([bp.Conv2D(1, 2, 3)], input_shape=(1, 4, 4)), ValueError,
     r"gives per-example shape \(2, 2, 2\); a loss needs \(n_out,\): end with bp.Flatten"),
    (lambda: bp.Network([bp.Flatten(), bp.Dense(16, 2)], input_shape=(1, -4, 4)), ValueError,
     "input_shape must be a tuple of positive ints"),
    (lambda: bp.Network([bp.Conv2D(1, 2, 3, dtype=np.float32), bp.Flatten(),
                         bp.Dense(8, 1)], input_shape=(1, 4, 4)), TypeError,
     r"share one dtype: layer 1 .* is float32, layer 3 .* is float64"),
    (lambda: bp.Network([bp.Flatten(), bp.Dense(16, 2, "identity"), Scale()], loss="bce",
                        input_shape=(1, 4, 4)), ValueError,
     r"loss 'bce' needs the output layer's activation to be 'sigmoid', but layer"),
    (lambda: bp.Network([bp.Conv2D(1, 2, 3), bp.Dense(8, 1)], input_shape=(1, 4, 4)),
     ValueError, r"layer 2 \(Dense\(8->1\)\) expects 8 inputs .* got per-example shape "
                 r"\(2, 2, 2\): add a bp.Flatten\(\) before it; its input comes from layer 1"),
    (lambda: bp.Network([bp.Dense(2, 2), object()]), TypeError,
     "layer 2 must be a bp.Dense, got object"),
])
def test_bad_stacks(build, err, msg):
    with pytest.raises(err, match=msg):
        build()


def test_one_layer_object_twice_is_refused():
    flat = bp.Flatten()
    with pytest.raises(ValueError, match="layer 3 is the same Flatten object as layer 1"):
        bp.Network([flat, bp.Dense(4, 4), flat, bp.Dense(4, 1)], input_shape=(2, 2))


def test_fusion_only_when_the_last_layer_is_a_dense(rng):
    X = rng.normal(size=(4, 3))
    y = np.array([0, 1, 2, 1])
    fused = bp.Network([bp.Dense(3, 3, "softmax", rng=0)], loss="cross_entropy")
    assert fused._fused is not None
    last_scale = bp.Network([bp.Dense(3, 3, "identity", rng=0), Scale(1.0)],
                            loss="softmax_cross_entropy")
    assert last_scale._fused is None
    assert bp.gradcheck(last_scale, X, y).passed
    np.testing.assert_allclose(last_scale.loss(X, y),
                               bp.Network([bp.Dense(3, 3, "identity", rng=0)],
                                          loss="softmax_cross_entropy").loss(X, y))


# ------------------------------------------------------------------ modes
def test_train_and_eval_propagate_and_prediction_restores_the_mode(rng):
    scale = Scale()
    net = bp.Network([bp.Dense(2, 2, rng=0), scale, bp.Dense(2, 2, "softmax", rng=1)],
                     loss="cross_entropy")
    assert net.training and net.eval() is net and not any(l.training for l in net.layers)
    assert net.train().training
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 2, 6)
    scale.modes.clear()
    net.predict(X)
    net.accuracy(X, y)
    assert scale.modes == [False, False] and net.training      # eval inside, train after
    net.eval()
    net.predict(X)
    assert not net.training                                     # the mode it found


def test_fit_trains_in_training_mode_and_validates_in_eval_mode(rng):
    scale = Scale()
    net = bp.Network([bp.Dense(2, 2, rng=0), scale, bp.Dense(2, 2, "softmax", rng=1)],
                     loss="cross_entropy")
    X, y = rng.normal(size=(8, 2)), rng.integers(0, 2, 8)
    net.eval()
    scale.modes.clear()
    net.fit(X, y, epochs=2, batch_size=4, validation=(X, y), progress=False)
    assert scale.modes == [True, True, False] * 2               # 2 batches, 1 validation
    assert not net.training                                     # fit restores the mode


# ------------------------------------------------------------------ training, copies, io
def test_a_tiny_cnn_learns_over_five_seeds():
    def run(seed):
        X, y = bars(96, seed)
        net = cnn(seed)
        before = net.loss(X, y)
        net.fit(X, y, epochs=5, batch_size=16, optimizer=bp.SGD(lr=0.1), seed=seed,
                progress=False)
        return {"before": before, "after": net.loss(X, y)}

    runs = bp.repeat(run, seeds=range(5))
    bp.claim_less(runs["after"], runs["before"], margin=0.2, min_wins=1.0,
                  what="the CNN's training loss falls by more than 0.2 in 5 epochs")


def test_optimizers_and_copies_work_on_any_stack():
    X, y = bars(32, 3)
    for opt in (bp.Adam(lr=0.01), bp.SGD(lr=0.05, momentum=0.9), bp.AdamW(lr=0.01)):
        net = cnn(1, dtype=np.float32)
        net.fit(X, y, epochs=2, batch_size=8, optimizer=opt, progress=False)
        assert all(np.isfinite(p).all() and p.dtype == np.float32 for _, _, p in net.parameters())
    twin, back = copy.deepcopy(net), pickle.loads(pickle.dumps(net))
    for other in (twin, back):
        assert all(l.network is other for l in other.layers)
        np.testing.assert_array_equal(other.forward(X), net.forward(X))
    assert all(l.network is net for l in net.layers)


def test_save_load_refuses_an_unknown_layer_type(tmp_path):
    net = bp.Network([bp.Dense(2, 2, rng=0), Scale()])
    with pytest.raises(TypeError, match=r"bp.save cannot store a layer of type 'Scale' "
                                        r"\(it needs a bp.layers.Layer subclass with config"):
        bp.save(net, tmp_path / "scale")
    assert not (tmp_path / "scale.npz").exists()


def test_load_rejects_a_tampered_stack_file(tmp_path):
    path = bp.save(cnn(), tmp_path / "cnn")
    data = dict(np.load(path))
    bad = [("layers", np.array(["Conv2D", "Mystery", "Flatten", "Dense"]),
            "layer 2 has the unknown type 'Mystery'"),
           ("layer1.W", np.zeros((4, 1, 2, 2)), r"layer1.W has shape \(4, 1, 2, 2\)"),
           ("config1", np.array("{not json"), "no readable config1"),
           ("extra", np.zeros(1), r"unexpected arrays \['extra'\]")]
    for key, value, msg in bad:
        np.savez(tmp_path / "bad.npz", **{**data, key: value})
        with pytest.raises(ValueError, match=msg):
            bp.load(tmp_path / "bad.npz")
