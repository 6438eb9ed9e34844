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


# ---------------------------------------------------------------- atomic, finite save
def test_a_save_that_fails_half_way_keeps_the_old_file(tmp_path, monkeypatch):
    old = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce", seed=0)
    path = bp.save(old, tmp_path / "model.npz")
    before = path.read_bytes()
    real_savez = np.savez

    def savez_then_fail(file, **arrays):           # writes some bytes, then the disk is full
        real_savez(file, **arrays)
        file.seek(0)
        file.truncate(len(before) // 2)
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(np, "savez", savez_then_fail)
    new = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce", seed=1)
    with pytest.raises(OSError, match="No space left"):
        bp.save(new, path)
    assert path.read_bytes() == before                    # the old model is intact
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]   # no temporary file left
    np.testing.assert_array_equal(bp.load(path).layers[0].W, old.layers[0].W)
    monkeypatch.setattr(np, "savez", real_savez)
    bp.save(new, path)                                    # a successful save replaces it
    np.testing.assert_array_equal(bp.load(path).layers[0].W, new.layers[0].W)
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_an_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = bp.save(make_net((2, 1), ("sigmoid",), "bce"), tmp_path / "m")
    before = path.read_bytes()

    def interrupted(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt
    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        bp.save(make_net((2, 1), ("sigmoid",), "bce", seed=3), path)
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


def test_save_gives_the_permissions_of_a_plain_file(tmp_path):
    import os
    import stat
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    path = bp.save(make_net((2, 1), ("sigmoid",), "bce"), tmp_path / "m")
    assert stat.S_IMODE(os.stat(path).st_mode) == stat.S_IMODE(os.stat(plain).st_mode)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_save_refuses_non_finite_weights(bad, tmp_path):
    net = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce")
    net.layers[1].b[0] = bad
    with pytest.raises(ValueError, match=rf"layer 2 \(Dense\(3->1\)\): b contains {bad} at "
                                         r"index \(0,\); save refuses weights that load would "
                                         r"reject \(nothing was written\)"):
        bp.save(net, tmp_path / "m")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------ damaged files, built by hand
def _npy(header: str, data: bytes = b"", magic: bytes = b"\x93NUMPY\x01\x00") -> bytes:
    """An NPY 1.0 member: magic, version, header length, the header dict, then data."""
    text = header.encode("latin1")
    pad = -(len(magic) + 2 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    return magic + len(text).to_bytes(2, "little") + text + data


def _zip(path, members: dict, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return path


def _good_members(net) -> dict:
    import io
    out = {}
    for key, arr in _good_arrays(net).items():
        buf = io.BytesIO()
        np.save(buf, arr)
        out[f"{key}.npy"] = buf.getvalue()
    return out


def _patch_headers(data: bytes, name: str, local_at: int, central_at: int,
                   value: int) -> bytes:
    """Set a 2-byte field of member ``name`` in its local header (``local_at`` bytes
    after the signature PK\\3\\4: 6 flags, 8 method) and in the central directory
    (``central_at`` after PK\\1\\2: 8 flags, 10 method)."""
    out = bytearray(data)
    for sig, at, name_at in ((b"PK\x03\x04", local_at, 30), (b"PK\x01\x02", central_at, 46)):
        start = 0
        while (start := out.find(sig, start)) >= 0:
            if out[start + name_at:start + name_at + len(name)] == name.encode():
                out[start + at:start + at + 2] = value.to_bytes(2, "little")
            start += 4
    return bytes(out)


@pytest.fixture
def model_file(tmp_path):
    net = make_net((2, 3, 1), ("tanh", "sigmoid"), "bce")
    return bp.save(net, tmp_path / "model.npz"), net


def test_member_without_an_npy_header(model_file, tmp_path):
    path, net = model_file
    members = _good_members(net)
    members["W1.npy"] = b"just some bytes, no header"
    with pytest.raises(ValueError, match=r"bad.npz is not a readable bp model file: member "
                                         r"'W1.npy' has no NPY header, it is not an array"):
        bp.load(_zip(tmp_path / "bad.npz", members))
    members["W1.npy"] = b""
    with pytest.raises(ValueError, match=r"member 'W1.npy' has no NPY header"):
        bp.load(_zip(tmp_path / "bad.npz", members))
    members["W1.npy"] = _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }",
                             magic=b"\x93NUMPY\x09\x00")
    with pytest.raises(ValueError, match=r"member 'W1.npy' has NPY format version \(9, 0\)"):
        bp.load(_zip(tmp_path / "bad.npz", members))
    members["W1.npy"] = _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2) }")[:40]
    with pytest.raises(ValueError, match=r"member 'W1.npy' has a malformed NPY header"):
        bp.load(_zip(tmp_path / "bad.npz", members))
    members["W1.npy"] = _npy("{'descr': '<f8', 'fortran_order': False, 'shape': [3, 2], }")
    with pytest.raises(ValueError, match=r"member 'W1.npy' has a malformed NPY header"):
        bp.load(_zip(tmp_path / "bad.npz", members))
    members["W1.npy"] = _npy("__import__('os').system('touch pwned')")
    with pytest.raises(ValueError, match=r"member 'W1.npy' has a malformed NPY header"):
        bp.load(_zip(tmp_path / "bad.npz", members))
    assert not (tmp_path / "pwned").exists()


def test_encrypted_member(model_file, tmp_path):
    path, _ = model_file
    bad = tmp_path / "locked.npz"
    bad.write_bytes(_patch_headers(path.read_bytes(), "b1.npy", 6, 8, 0x1))
    with pytest.raises(ValueError, match=r"locked.npz is not a readable bp model file: member "
                                         r"'b1.npy' is encrypted"):
        bp.load(bad)


@pytest.mark.parametrize("method", [99, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_unknown_compression_method(method, model_file, tmp_path):
    path, _ = model_file
    bad = tmp_path / "odd.npz"
    bad.write_bytes(_patch_headers(path.read_bytes(), "W2.npy", 8, 10, method))
    with pytest.raises(ValueError, match=rf"odd.npz is not a readable bp model file: member "
                                         rf"'W2.npy' uses compression method {method}; only "
                                         r"stored \(0\) and deflated \(8\) are read"):
        bp.load(bad)


@pytest.mark.parametrize("shape", ["(10**12, 2)", "(1000000000000, 2)", "(3, 2, 10**9)",
                                   "(2**62, 2**62)", "(3, 3)", "(3, 1)"])
def test_header_claiming_a_shape_the_data_cannot_fill(shape, model_file, tmp_path):
    path, net = model_file
    members = _good_members(net)
    members["W1.npy"] = _npy(f"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}",
                             net.layers[0].W.tobytes())
    if "**" in shape:          # not a literal: numpy's header parser refuses it
        match = r"member 'W1.npy' has a malformed NPY header"
    else:
        match = (r"member 'W1.npy' claims shape \(.*\) of float64 \(\d+ bytes\) but holds "
                 r"48 bytes of data")
    for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with pytest.raises(ValueError, match=match):
            bp.load(_zip(tmp_path / "huge.npz", members, compression))


def test_header_claiming_a_negative_shape(model_file, tmp_path):
    _, net = model_file
    members = _good_members(net)
    members["W1.npy"] = _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-3, -2), }",
                             net.layers[0].W.tobytes())
    with pytest.raises(ValueError, match=r"member 'W1.npy' claims the negative shape"):
        bp.load(_zip(tmp_path / "neg.npz", members))


class _Trap:
    """Unpickling this would create a file: proof that load never unpickles."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("descr", ["'|O'", "[('a', '<f8'), ('b', '<i8')]", "'<c16'",
                                   "'|V16'", "'<M8[s]'"])
def test_members_that_are_not_plain_arrays(descr, model_file, tmp_path):
    _, net = model_file
    members = _good_members(net)
    members["b1.npy"] = _npy(f"{{'descr': {descr}, 'fortran_order': False, 'shape': (3,), }}",
                             bytes(48))
    what = "holds Python objects" if descr == "'|O'" else "has dtype"
    with pytest.raises(ValueError, match=rf"member 'b1.npy' {what}"):
        bp.load(_zip(tmp_path / "odd.npz", members))


def test_a_pickle_in_the_file_is_never_executed(model_file, tmp_path):
    _, net = model_file
    import io
    marker = tmp_path / "executed"
    buf = io.BytesIO()
    np.save(buf, np.array([_Trap(marker)], dtype=object), allow_pickle=True)
    members = _good_members(net)
    members["W1.npy"] = buf.getvalue()
    with pytest.raises(ValueError, match=r"member 'W1.npy' holds Python objects \(dtype '\|O'\)"
                                         r", which only pickle could read; bp never unpickles"):
        bp.load(_zip(tmp_path / "trap.npz", members))
    assert not marker.exists()


def test_duplicate_members_and_a_compressed_file(model_file, tmp_path):
    path, net = model_file
    members = _good_members(net)
    back = bp.load(_zip(tmp_path / "packed.npz", members, zipfile.ZIP_DEFLATED))
    np.testing.assert_array_equal(back.layers[0].W, net.layers[0].W)   # savez_compressed too
    bad = tmp_path / "twice.npz"
    with zipfile.ZipFile(bad, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
        with pytest.warns(UserWarning, match="Duplicate name"):
            z.writestr("W1.npy", members["W1.npy"])
    with pytest.raises(ValueError, match=r"member 'W1.npy' appears twice"):
        bp.load(bad)


def test_fortran_order_and_big_endian_members(model_file, tmp_path):
    _, net = model_file
    members = _good_members(net)
    W = net.layers[0].W
    members["W1.npy"] = _npy("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }",
                             W.T.tobytes())
    np.testing.assert_array_equal(bp.load(_zip(tmp_path / "f.npz", members)).layers[0].W, W)
    members["W1.npy"] = _npy("{'descr': '>f8', 'fortran_order': False, 'shape': (3, 2), }",
                             W.astype(">f8").tobytes())
    members["b1.npy"] = _npy("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }",
                             net.layers[0].b.astype(">f8").tobytes())
    with pytest.raises(ValueError, match=r"layer 1: dtype must be float32 or float64, got "
                                         r">f8"):
        bp.load(_zip(tmp_path / "be.npz", members))
