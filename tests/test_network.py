"""bp.network: whole-network gradients, the backward contract, fusing, validation."""
import copy
import zlib

import numpy as np
import pytest

import bp
from bp.activations import sigmoid
from conftest import ELEMENTWISE, OUTPUT_LOSS, make_net, make_targets

HIDDEN = ELEMENTWISE + ["softmax"]


@pytest.mark.parametrize("out,loss", OUTPUT_LOSS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_match_centered_differences(hidden, out, loss):
    seed = zlib.crc32(f"{hidden}-{out}-{loss}".encode())      # stable across runs
    rng = np.random.default_rng(seed)
    net = make_net((3, 4, 3), (hidden, out), loss, seed=seed)
    X = rng.normal(size=(5, 3))
    Y = make_targets(loss, 5, 3, rng)
    report = bp.gradcheck(net, X, Y, eps=1e-6, tol=1e-7)
    assert report.passed, str(report)
    assert report.max_rel_error < 1e-7


@pytest.mark.parametrize("out,loss", [("sigmoid", "bce"), ("identity", "bce_with_logits"),
                                      ("sigmoid", "mse"), ("identity", "mse")])
def test_single_output_gradients(out, loss, rng):
    net = make_net((2, 5, 3, 1), ("tanh", "gelu_tanh", out), loss, seed=3)
    X = rng.normal(size=(7, 2))
    Y = make_targets(loss, 7, 1, rng)
    assert bp.gradcheck(net, X, Y).max_rel_error < 1e-7


def test_deep_network_and_batch_of_one(rng):
    net = make_net((4, 6, 5, 4, 3), ("softplus", "tanh", "leaky_relu", "softmax"),
                   "cross_entropy", seed=11)
    X = rng.normal(size=(1, 4))
    assert bp.gradcheck(net, X, np.array([2])).max_rel_error < 1e-7


# ------------------------------------------------------------ backward contract
def test_backward_fills_every_layer_and_returns_deltas(rng):
    net = make_net((3, 5, 2), ("relu", "sigmoid"), "mse")
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    net.forward(X)
    deltas = net.backward(Y)
    assert [d.shape for d in deltas] == [(6, 5), (6, 2)]
    for layer, d in zip(net.layers, deltas):
        assert layer.delta is d
        assert layer.dW.shape == layer.W.shape and layer.db.shape == layer.b.shape
        np.testing.assert_allclose(layer.dW, d.T @ layer.A_prev)             # BP3
        np.testing.assert_allclose(layer.db, d.sum(axis=0))                  # BP4
    # BP2 and BP1 in the column convention, example by example.
    l1, l2 = net.layers
    for n in range(6):
        d2 = (2 / 12) * (l2.A[n] - Y[n]) * sigmoid(l2.Z[n]) * (1 - sigmoid(l2.Z[n]))
        np.testing.assert_allclose(deltas[1][n], d2, rtol=1e-12)
        np.testing.assert_allclose(deltas[0][n], (l2.W.T @ d2) * (l1.Z[n] > 0), rtol=1e-12)


def test_delta_is_dL_dZ(rng):
    """delta^l = dL/dZ^l: perturb Z of the hidden layer directly and watch the loss."""
    net = make_net((3, 4, 2), ("tanh", "identity"), "mse")
    X, Y = rng.normal(size=(3, 3)), rng.normal(size=(3, 2))
    net.forward(X)
    delta = net.backward(Y)[0]
    l1, l2 = net.layers
    Z1 = l1.Z.copy()

    def loss_of_z1():
        return bp.get_loss("mse").value(np.tanh(Z1) @ l2.W.T + l2.b, Y)
    fd = bp.numerical_gradient(loss_of_z1, Z1)
    assert bp.relative_error(delta, fd) < 1e-8


def test_gradients_are_overwritten_not_accumulated(rng):
    net = make_net((3, 4, 2), ("sigmoid", "softmax"), "cross_entropy")
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    net.forward(X)
    net.backward(y)
    first = [g.copy() for _, _, g in net.gradients()]
    deltas = [d.copy() for d in net.backward(y)]
    second = [g.copy() for _, _, g in net.gradients()]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    for layer, d in zip(net.layers, deltas):
        np.testing.assert_array_equal(layer.delta, d)


def test_backward_before_forward():
    net = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce")
    with pytest.raises(RuntimeError, match=r"call forward\(X\) before"):
        net.backward(np.zeros((1, 1)))
    with pytest.raises(RuntimeError, match=r"call forward\(X\) before"):
        net.loss_value(np.zeros((1, 1)))


def test_callers_arrays_are_never_mutated(rng):
    net = make_net((3, 4, 3), ("relu", "identity"), "softmax_cross_entropy")
    X = rng.normal(size=(8, 3))
    y = rng.integers(0, 3, size=8)
    Y = bp.one_hot(y, 3)
    W0 = [layer.W.copy() for layer in net.layers]
    copies = [a.copy() for a in (X, y, Y)]
    net.forward(X)
    net.backward(y)
    net.loss(X, Y)
    net.predict(X)
    net.accuracy(X, y)
    bp.gradcheck(net, X, Y)
    for a, b in zip((X, y, Y), copies):
        np.testing.assert_array_equal(a, b)
    for layer, w in zip(net.layers, W0):          # gradcheck restores the weights bitwise
        np.testing.assert_array_equal(layer.W, w)
    net.fit(X, y, epochs=2, batch_size=4, progress=False)
    for a, b in zip((X, y, Y), copies):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------- fusing
def test_fused_pairs_are_used_and_equal_the_unfused_loss(rng):
    X = rng.normal(size=(6, 3))
    net = make_net((3, 4, 2), ("tanh", "sigmoid"), "bce", seed=1)
    assert net._fused is bp.LOSSES["bce_with_logits"]
    Y = make_targets("bce", 6, 2, rng)
    P = net.forward(X)
    assert net.loss(X, Y) == pytest.approx(bp.get_loss("bce")(P, Y), rel=1e-12)
    net.forward(X)
    np.testing.assert_allclose(net.output_delta(Y), (P - Y) / 12, rtol=1e-12)
    net = make_net((3, 4, 3), ("tanh", "softmax"), "cross_entropy", seed=1)
    assert net._fused is bp.LOSSES["softmax_cross_entropy"]
    y = rng.integers(0, 3, size=6)
    P = net.forward(X)
    assert net.loss(X, y) == pytest.approx(bp.get_loss("cross_entropy")(P, y), rel=1e-12)
    np.testing.assert_allclose(net.output_delta(net.targets(y)), (P - bp.one_hot(y, 3)) / 6,
                               rtol=1e-12, atol=1e-16)
    assert make_net((3, 2), ("sigmoid",), "mse")._fused is None


def test_fused_gradient_right_when_the_output_saturates():
    """A sigmoid output rounded to exactly 1.0: the unfused dL/dA * f'(Z) is 0 * big,
    the fused delta is exactly (y_hat - y)/(N m)."""
    net = bp.Network([bp.Dense(1, 1, "sigmoid", rng=0)], loss="bce")
    net.layers[0].set_params(np.array([[50.0]]), np.array([0.0]))
    X, Y = np.array([[1.0]]), np.array([[0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert net.loss(X, Y) == pytest.approx(50.0)
        assert net.layers[0].A[0, 0] == 1.0
        net.backward(Y)
    np.testing.assert_allclose(net.layers[0].delta, [[1.0]])
    np.testing.assert_allclose(net.layers[0].dW, [[1.0]])


def test_custom_activation_is_not_fused(rng):
    mine = bp.Activation("sigmoid", sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z)))
    net = bp.Network([bp.Dense(3, 4, "tanh", rng=0), bp.Dense(4, 2, mine, rng=1)], loss="bce")
    assert net._fused is None
    X, Y = rng.normal(size=(5, 3)), make_targets("bce", 5, 2, rng)
    assert bp.gradcheck(net, X, Y).max_rel_error < 1e-7


def test_softmax_output_with_mse_uses_the_full_jacobian(rng):
    net = make_net((3, 4), ("softmax",), "mse", seed=2)
    X, Y = rng.normal(size=(2, 3)), make_targets("mse", 2, 4, rng)
    P = net.forward(X)
    delta = net.backward(Y)[0]
    J = bp.activations.softmax_jacobian(net.layers[0].Z)
    expected = np.einsum("ki,kij->kj", (2 / P.size) * (P - Y), J)
    np.testing.assert_allclose(delta, expected, rtol=1e-12, atol=1e-16)


# ------------------------------------------------------------ construction
@pytest.mark.parametrize("out,loss,msg", [
    ("softmax", "softmax_cross_entropy",
     r"loss 'softmax_cross_entropy' needs the output layer's activation to be 'identity', "
     r"but layer 2 \(Dense\(4->3\)\) has 'softmax' \(applying it twice is a common bug\)"),
    ("sigmoid", "bce_with_logits", r"to be 'identity', but layer 2 .* has 'sigmoid'"),
    ("identity", "bce", r"loss 'bce' needs the output layer's activation to be 'sigmoid'"),
    ("softmax", "bce", r"to be 'sigmoid', but layer 2 .* has 'softmax'"),
    ("relu", "cross_entropy", r"loss 'cross_entropy' needs .* to be 'softmax'"),
    ("sigmoid", "cross_entropy", r"to be 'softmax', but layer 2 .* has 'sigmoid'"),
])
def test_rejects_output_that_does_not_suit_the_loss(out, loss, msg):
    with pytest.raises(ValueError, match=msg):
        make_net((2, 4, 3), ("tanh", out), loss)


def test_construction_errors():
    with pytest.raises(ValueError, match="at least one layer"):
        bp.Network([])
    with pytest.raises(TypeError, match="layer 2 must be a bp.Dense, got ndarray"):
        bp.Network([bp.Dense(2, 3, rng=0), np.zeros((3, 3))])
    with pytest.raises(ValueError, match=r"layer 2 \(Dense\(4->1\)\) expects 4 inputs but "
                                         r"layer 1 \(Dense\(2->3\)\) has 3 outputs"):
        bp.Network([bp.Dense(2, 3, rng=0), bp.Dense(4, 1, rng=0)])
    with pytest.raises(TypeError, match="share one dtype: layer 1 .* is float64, layer 2 .* "
                                        "is float32"):
        bp.Network([bp.Dense(2, 3, rng=0), bp.Dense(3, 1, rng=0, dtype=np.float32)])
    shared = bp.Dense(3, 3, rng=0)
    with pytest.raises(ValueError, match="layer 2 is the same Dense object as layer 1"):
        bp.Network([shared, shared])
    with pytest.raises(ValueError, match=r"loss 'softmax_cross_entropy' needs at least 2 "
                                         r"classes, but layer 2 \(Dense\(3->1\)\) has 1 output; "
                                         "for two classes with one output use bce"):
        bp.Network([bp.Dense(2, 3, rng=0), bp.Dense(3, 1, "identity", rng=0)],
                   loss="softmax_cross_entropy")
    with pytest.raises(ValueError, match="unknown loss 'mae'"):
        bp.Network([bp.Dense(2, 1, rng=0)], loss="mae")


def test_layers_are_named_by_position():
    a, b = bp.Dense(2, 3, rng=0), bp.Dense(3, 1, rng=0, name="head")
    bp.Network([a, b])
    assert (a.name, b.name) == ("layer 1 (Dense(2->3))", "head")
    c = bp.Dense(1, 2, rng=0)
    bp.Network([c, a, bp.Dense(3, 1, rng=0)])      # reused in another position: renamed
    assert a.name == "layer 2 (Dense(2->3))"


# ---------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("X,err,msg", [
    (np.zeros((4, 3)), ValueError,
     r"X for layer 1 \(Dense\(2->5\)\) must have shape \(batch, 2\), got shape \(4, 3\)"),
    (np.zeros(2), ValueError,
     r"X for layer 1 \(Dense\(2->5\)\) must be 2-D with shape \(batch, 2\), got shape \(2,\); "
     r"for one example use X.reshape\(1, -1\)"),
    (np.zeros(3), ValueError, r"must be 2-D with shape \(batch, 2\), got shape \(3,\)$"),
    (np.zeros((0, 2)), ValueError, r"X for layer 1 .* is an empty batch \(shape \(0, 2\)\)"),
    (np.array([[0.0, np.nan]]), ValueError, r"X for layer 1 .* contains NaN or inf \(first at "
                                            r"index \(0, 1\)\)"),
    (np.array([[np.inf, 0.0]]), ValueError, "contains NaN or inf"),
    (np.array([[1 + 1j, 0]]), TypeError, "must be real, got dtype complex128"),
    ([["a", "b"]], TypeError, "X for layer 1 .* must be a numeric array, got dtype <U1"),
    (None, TypeError, "must be a numeric array, got NoneType"),
])
def test_forward_bad_inputs(X, err, msg):
    net = make_net((2, 5, 1), ("tanh", "sigmoid"), "bce")
    with pytest.raises(err, match=msg):
        net.forward(X)
    with pytest.raises(err, match=msg):
        net.loss(X, np.zeros((1, 1)))


@pytest.mark.parametrize("loss,out,Y,err,msg", [
    ("mse", "identity", np.zeros((4, 2)), ValueError,
     r"Y must have the prediction's shape \(4, 3\) \(output of layer 2 \(Dense\(5->3\)\)\), "
     r"got shape \(4, 2\)"),
    ("mse", "identity", np.zeros((3, 3)), ValueError, r"shape \(4, 3\).*got shape \(3, 3\)"),
    ("softmax_cross_entropy", "identity", np.array([0, 1, 2]), ValueError,
     r"Y must have 4 labels \(one per example\), got shape \(3,\)"),
    ("softmax_cross_entropy", "identity", np.array([0, 1, 2, 3]), ValueError,
     r"labels must lie in \[0, 3\)"),
    ("softmax_cross_entropy", "identity", np.array([[0], [1], [2], [1]]), ValueError,
     r"\(4, 3\) or integer labels of shape \(4,\) .* got shape \(4, 1\)"),
    ("cross_entropy", "softmax", np.array([0.0, 1, 2, 1]), TypeError, "integer dtype"),
    ("bce", "sigmoid", np.full((4, 3), 2.0), ValueError, r"must lie in \[0, 1\]"),
    ("mse", "identity", np.full((4, 3), np.nan), ValueError,
     r"Y for layer 2 \(Dense\(5->3\)\) contains NaN"),
])
def test_backward_bad_targets(loss, out, Y, err, msg, rng):
    net = make_net((2, 5, 3), ("tanh", out), loss)
    net.forward(rng.normal(size=(4, 2)))
    with pytest.raises(err, match=msg):
        net.backward(Y)
    with pytest.raises(err, match=msg):
        net.loss_value(Y)


# ------------------------------------------------------ prediction, accuracy
def test_predict_and_accuracy(rng):
    X = rng.normal(size=(10, 2))
    net = make_net((2, 3, 4), ("tanh", "identity"), "softmax_cross_entropy")
    labels = net.predict(X)
    assert labels.shape == (10,)
    np.testing.assert_array_equal(labels, net.forward(X).argmax(axis=1))
    assert net.accuracy(X, labels) == 1.0
    assert net.accuracy(X, bp.one_hot(labels, 4)) == 1.0
    assert net.accuracy(X, (labels + 1) % 4) == 0.0
    # binary with logits thresholds at 0, with probabilities at 0.5
    net = make_net((2, 3, 1), ("tanh", "identity"), "bce_with_logits")
    np.testing.assert_array_equal(net.predict(X), (net.forward(X)[:, 0] > 0).astype(int))
    net = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce")
    np.testing.assert_array_equal(net.predict(X), (net.forward(X)[:, 0] > 0.5).astype(int))
    # multi-label bce: every output is a decision; accuracy counts all of them
    net = make_net((2, 3, 2), ("tanh", "sigmoid"), "bce")
    pred = net.predict(X)
    assert pred.shape == (10, 2)
    flipped = pred.astype(float)
    flipped[:5, 0] = 1 - flipped[:5, 0]
    assert net.accuracy(X, flipped) == pytest.approx(15 / 20)
    # mse: raw outputs, but accuracy as a classifier on one-hot targets
    net = make_net((2, 3, 4), ("tanh", "sigmoid"), "mse")
    np.testing.assert_array_equal(net.predict(X), net.forward(X))
    best = net.forward(X).argmax(axis=1)
    assert net.accuracy(X, bp.one_hot(best, 4)) == 1.0


def test_summary_repr_and_counts():
    net = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce")
    assert net.n_params == 2 * 3 + 3 + 3 * 1 + 1 == 13
    assert (net.n_in, net.n_out, net.dtype) == (2, 1, np.float64)
    assert repr(net) == ("Network(2-3-1, activations=[tanh, sigmoid], loss='bce', "
                         "dtype=float64)")
    s = net.summary()
    assert "(3, 2)" in s and "(1, 3)" in s and s.splitlines()[-1].split()[-1] == "13"
    names = [(i, n, p.shape) for i, n, p in net.parameters()]
    assert names == [(0, "W", (3, 2)), (0, "b", (3,)), (1, "W", (1, 3)), (1, "b", (1,))]
    assert all(g is None for _, _, g in net.gradients())


def test_deepcopy_gives_an_independent_network(rng):
    net = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce")
    twin = copy.deepcopy(net)
    twin.layers[0].W += 1
    assert not np.array_equal(net.layers[0].W, twin.layers[0].W)
    X = rng.normal(size=(3, 2))
    net.forward(X)
    assert twin.layers[0].A is None


def test_changing_the_returned_output_does_not_corrupt_backward(rng):
    net = make_net((3, 4, 2), ("tanh", "identity"), "mse")
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    net.forward(X)
    expected = [d.copy() for d in net.backward(Y)]
    out = net.forward(X)
    out -= Y                                          # a reader's in-place edit
    for d, e in zip(net.backward(Y), expected):
        np.testing.assert_array_equal(d, e)


@pytest.mark.parametrize("big", [1e3, 1e4])
def test_extreme_inputs_through_a_network(big):
    """Saturating sigmoid, softplus and softmax layers: no overflow, finite gradients."""
    X = np.array([[big, -big, 0.0], [-big, big, big]])
    for acts, loss, Y in [(("sigmoid", "softmax"), "cross_entropy", np.array([0, 2])),
                          (("softplus", "sigmoid"), "bce", np.array([[1, 0, 1], [0, 1, 0.0]])),
                          (("sigmoid", "identity"), "softmax_cross_entropy", np.array([1, 0]))]:
        net = make_net((3, 4, 3), acts, loss, seed=4)
        net.layers[0].W[...] = np.abs(net.layers[0].W) + 1
        net.layers[1].W[...] *= big                   # logits of order +-big
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value = net.loss(X, Y)
            net.backward(Y)
        assert np.isfinite(value)
        assert all(np.all(np.isfinite(g)) for _, _, g in net.gradients())


def test_ragged_X_and_Y_are_named():
    net = make_net((2, 3, 2), ("tanh", "identity"), "mse")
    with pytest.raises(ValueError, match=r"X for layer 1 \(Dense\(2->3\)\) is ragged \(rows of "
                                         r"lengths \[1, 2\]\)"):
        net.forward([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match=r"Y \(output of layer 2 \(Dense\(3->2\)\)\) is ragged"):
        net.loss([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match=r"Y is ragged"):
        net.fit([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0]], progress=False)
    clf = make_net((2, 3), ("softmax",), "cross_entropy")
    with pytest.raises(ValueError, match=r"X for layer 1 .* is ragged"):
        clf.fit([[1.0, 2.0], [3.0]], [0, 1], progress=False)


@pytest.mark.parametrize("make_X", [lambda X: X, lambda X: X[:, :3],
                                    lambda X: np.asfortranarray(X)])
def test_changing_X_between_forward_and_backward_leaves_the_gradients(make_X, rng):
    net = make_net((3, 4, 2), ("tanh", "identity"), "mse")
    X = make_X(rng.normal(size=(5, 3)))
    Y = rng.normal(size=(5, 2))
    net.forward(X.copy())
    net.backward(Y)
    expected = [l.dW.copy() for l in net.layers]
    net.forward(X)
    X[...] = 0                                        # the caller reuses its buffer
    net.backward(Y)
    for layer, dW in zip(net.layers, expected):
        np.testing.assert_array_equal(layer.dW, dW)


def test_conversion_copies_are_not_copied_twice(rng):
    net = make_net((3, 2), ("identity",), "mse")
    X32 = rng.normal(size=(4, 3)).astype(np.float32)   # the cast already copies
    net.forward(X32)
    assert net.layers[0].A_prev.dtype == np.float64 and net.layers[0].A_prev.base is None
    net.forward([[1.0, 2.0, 3.0]])
    assert net.layers[0].A_prev.base is None


def test_a_layer_belongs_to_one_network(rng):
    import gc
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    first = make_net((2, 3, 1), ("tanh", "identity"), "mse")
    shared = first.layers[0]
    assert shared.network is first
    with pytest.raises(ValueError, match=r"layer 1 already belongs to another network \(layer "
                                         r"1 \(Dense\(2->3\)\) of Network\(2-3-1.*backward "
                                         "returns wrong gradients; create new bp.Dense"):
        bp.Network([shared, bp.Dense(3, 2, rng=0)])
    with pytest.raises(ValueError, match=r"layer 2 already belongs to another network"):
        bp.Network([bp.Dense(2, 2, rng=0), first.layers[1]])
    assert first.layers[1].name == "layer 2 (Dense(3->1))"     # not renamed by the failure
    twin = copy.deepcopy(first)                       # an independent copy owns its copies
    assert all(l.network is twin for l in twin.layers)
    assert all(l.network is first for l in first.layers)
    first.forward(X)
    first.backward(Y)
    free = bp.Dense(2, 3, rng=0)
    with pytest.raises(ValueError, match="unknown loss"):   # a failed network claims nothing
        bp.Network([free], loss="nope")
    assert free.network is None
    bp.Network([free])
    layers = first.layers
    del first, twin
    gc.collect()
    again = bp.Network(layers)                        # free once the first network is gone
    assert layers[0].network is again


def test_pickled_network_owns_its_layers():
    import pickle
    net = make_net((2, 3, 1), ("tanh", "identity"), "mse")
    back = pickle.loads(pickle.dumps(net))
    assert all(l.network is back for l in back.layers)
    np.testing.assert_array_equal(back.layers[0].W, net.layers[0].W)
