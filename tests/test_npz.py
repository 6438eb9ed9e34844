"""bp._npz: the atomic writer and the distrustful reader under bp.save / bp.load
(the damaged model files themselves are tested through bp.load in test_io)."""
import zipfile

import numpy as np
import pytest

from bp._npz import read_npz, write_npz


def test_round_trip_keeps_dtype_shape_and_order(tmp_path):
    arrays = {"a": np.arange(6.0).reshape(2, 3), "b": np.asfortranarray(np.ones((3, 2),
                                                                              np.float32)),
              "s": np.array(["tanh", "relu"]), "n": np.array(1), "e": np.zeros((0, 4))}
    write_npz(tmp_path / "x.npz", arrays)
    back = read_npz(tmp_path / "x.npz")
    assert sorted(back) == sorted(arrays)
    for k, v in arrays.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape
        np.testing.assert_array_equal(back[k], v)
    back["a"][0, 0] = 7                              # the arrays are writable copies
    assert [p.name for p in tmp_path.iterdir()] == ["x.npz"]


def test_write_failure_removes_the_temporary_file(tmp_path):
    unpicklable = np.array([lambda: 0], dtype=object)     # np.savez fails half-way
    with pytest.raises(Exception, match="pickle"):
        write_npz(tmp_path / "x.npz", {"good": np.zeros(1000), "bad": unpicklable})
    assert not list(tmp_path.iterdir())
    with pytest.raises(FileNotFoundError):
        write_npz(tmp_path / "missing" / "x.npz", {"a": np.zeros(2)})


def test_truncated_data_raises_without_allocating_what_is_claimed(tmp_path):
    path = tmp_path / "x.npz"
    write_npz(path, {"a": np.arange(1000.0)})
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(data[:len(data) // 2]))
    with pytest.raises((zipfile.BadZipFile, EOFError, ValueError)):
        read_npz(path)


def test_members_not_named_npy_are_read_under_their_own_name(tmp_path):
    import io
    buf = io.BytesIO()
    np.save(buf, np.zeros(2))
    with zipfile.ZipFile(tmp_path / "x.npz", "w") as z:
        z.writestr("plain", buf.getvalue())
    assert list(read_npz(tmp_path / "x.npz")) == ["plain"]
