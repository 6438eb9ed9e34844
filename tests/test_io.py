"""bp.io: exact save/load round trips and clear errors for bad files."""
import zipfile

import numpy as np
import pytest

import bp
from conftest import make_net


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("acts,loss", [(("tanh", "sigmoid"), "bce"),
                                       (("relu", "softmax"), "cross_entropy"),
                                       (("gelu_tanh", "identity"), "softmax_cross_entropy"),
                                       (("softplus", "leaky_relu"), "mse")])
def test_round_trip_is_exact(acts, loss, dtype, tmp_path, rng):
    net = make_net((3, 5, 4), acts, loss, dtype=dtype)
    path = bp.save(net, tmp_path / "model")
    assert path == tmp_path / "model.npz" and path.exists()
    back = bp.load(path)
    assert repr(back) == repr(net)
    for a, b in zip(net.layers, back.layers):
        assert a.W.dtype == b.W.dtype == dtype
        np.testing.assert_array_equal(a.W, b.W)
        np.testing.assert_array_equal(a.b, b.b)
    X = rng.normal(size=(6, 3))
    np.testing.assert_array_equal(net.forward(X), back.forward(X))
    assert bp.load(str(path)).n_params == net.n_params            # str paths too
    assert bp.load(tmp_path / "model").n_params == net.n_params   # ".npz" found, as save adds it


def test_trained_network_round_trip(tmp_path, rng):
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 3, size=30)
    net = make_net((2, 6, 3), ("tanh", "identity"), "softmax_cross_entropy")
    net.fit(X, y, epochs=3, batch_size=8, optimizer=bp.Adam(0.01), progress=False)
    back = bp.load(bp.save(net, tmp_path / "trained.npz"))
    assert back.loss(X, y) == net.loss(X, y)


def _write(path, **arrays):
    np.savez(path, **arrays)
    return path


def _good_arrays(net):
    out = {"format_version": np.array(1), "loss": np.array(net.loss_fn.name),
           "activations": np.array([l.activation.name for l in net.layers])}
    for i, l in enumerate(net.layers, start=1):
        out[f"W{i}"], out[f"b{i}"] = l.W, l.b
    return out


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file at .*nothing.npz"):
        bp.load(tmp_path / "nothing.npz")


def test_truncated_and_corrupt_files(tmp_path):
    net = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce")
    data = bp.save(net, tmp_path / "m.npz").read_bytes()
    for name, content in [("half.npz", data[:len(data) // 2]), ("empty.npz", b""),
                          ("junk.npz", b"this is not a zip file at all"),
                          ("tail.npz", data[:-10])]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValueError, match=rf"{name} is not a readable bp model file "
                                             r"\(truncated or corrupt\?"):
            bp.load(path)
    # A flipped byte inside an array's data: the zip CRC catches it.
    corrupt = bytearray(data)
    with zipfile.ZipFile(tmp_path / "m.npz") as z:
        info = z.getinfo("W1.npy")
    corrupt[info.header_offset + 30 + len("W1.npy") + 130] ^= 0xFF
    (tmp_path / "flip.npz").write_bytes(bytes(corrupt))
    with pytest.raises(ValueError, match="flip.npz is not a readable bp model file"):
        bp.load(tmp_path / "flip.npz")


def test_not_a_model(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros(3))
    with pytest.raises(ValueError, match="a single array, not an .npz archive"):
        bp.load(tmp_path / "a.npy")
    _write(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="other.npz is not a bp model file: 'format_version' "
                                         "is missing"):
        bp.load(tmp_path / "other.npz")
    np.savez(tmp_path / "pickled.npz", x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="not a readable bp model file"):   # never unpickled
        bp.load(tmp_path / "pickled.npz")


@pytest.mark.parametrize("change,msg", [
    (dict(format_version=np.array(2)), "has format version 2; this bp reads version 1"),
    (dict(format_version=np.array(1.0)), "has format version 1.0"),
    (dict(loss=np.array(["mse", "bce"])), "malformed header"),
    (dict(activations=np.array("tanh")), "malformed header"),
    (dict(W2=np.zeros((1, 4))), r"the layers do not form a network: layer 2 \(Dense\(4->1\)\) "
                                r"expects 4 inputs but layer 1 \(Dense\(2->3\)\) has 3 outputs"),
    (dict(b1=np.zeros(2)), r"layer 1 has W of shape \(3, 2\) and b of shape \(2,\); expected "
                           r"\(n_out, n_in\) and \(n_out,\)"),
    (dict(W1=np.zeros(6)), r"layer 1 has W of shape \(6,\)"),
    (dict(b1=np.zeros(3, dtype=np.float32)), "layer 1 has W of dtype float64 but b of float32"),
    (dict(W1=np.zeros((3, 2), dtype=int), b1=np.zeros(3, dtype=int)),
     "layer 1: dtype must be float32 or float64, got int64"),
    (dict(W1=np.full((3, 2), np.nan)), "layer 1: .* W contains NaN or inf"),
    (dict(activations=np.array(["tanh", "sigmod"])),
     "layer 2: unknown activation 'sigmod'"),
    (dict(loss=np.array("nope")), "the layers do not form a network: unknown loss 'nope'"),
    (dict(loss=np.array("bce_with_logits")), "needs the output layer's activation"),
    (dict(W3=np.zeros((1, 1))), r"unexpected arrays \['W3'\] for a 2-layer network"),
])
def test_mismatched_contents(change, msg, tmp_path):
    net = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce")
    arrays = _good_arrays(net)
    arrays.update(change)
    path = _write(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=msg):
        bp.load(path)


def test_missing_layer_arrays(tmp_path):
    net = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce")
    arrays = _good_arrays(net)
    del arrays["b2"]
    with pytest.raises(ValueError, match="layer 2 has no W2/b2 arrays"):
        bp.load(_write(tmp_path / "bad.npz", **arrays))


def test_save_refuses_what_it_cannot_restore(tmp_path):
    mine = bp.Activation("sine", np.sin, np.cos)
    net = bp.Network([bp.Dense(2, 2, mine, rng=0)], loss="mse")
    with pytest.raises(TypeError, match=r"layer 1 \(Dense\(2->2\)\) has a custom activation "
                                        "'sine'; only built-in activations can be saved"):
        bp.save(net, tmp_path / "x")
    from bp.losses import Loss, mse, mse_grad
    net = bp.Network([bp.Dense(2, 2, "tanh", rng=0)], loss=Loss("mse", mse, mse_grad))
    with pytest.raises(TypeError, match="the loss 'mse' is custom"):
        bp.save(net, tmp_path / "x")
    with pytest.raises(TypeError, match="save expects a bp.Network, got Dense"):
        bp.save(bp.Dense(2, 2, rng=0), tmp_path / "x")
    assert not list(tmp_path.iterdir())
