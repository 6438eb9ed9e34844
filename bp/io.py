"""Saving and loading networks as ``.npz`` files (no pickle).

The file holds, as plain arrays: a format version, the loss name, each layer's
activation, and ``W1, b1, W2, b2, ...``. :func:`save` writes it atomically;
:func:`load` reads it member by member without trusting it (:mod:`bp._npz`) and checks
every shape before building the network, so a missing, truncated or tampered file
gives a clear error.
"""
from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ._npz import read_npz, write_npz
from .activations import is_builtin
from .layers import Dense
from .losses import LOSSES
from .network import Network
from .io_stack import FORMAT_VERSION, stack_arrays, stack_from_arrays, walk


def save(net: Network, path: str | os.PathLike) -> Path:
    """Write ``net`` to ``path`` (``.npz`` is appended if missing); returns the path.

    The write is atomic: the file goes to a temporary name in the same folder and
    replaces ``path`` only when complete, so a failure half-way (a full disk, an
    interrupt) leaves the previous file intact and no partial file behind.

    Raises
    ------
    TypeError
        For a custom activation or loss: a file stores only names, and loading would
        silently substitute the built-in function of that name.
    ValueError
        If a weight is NaN or infinite (:func:`load` would reject the file).
    """
    if not isinstance(net, Network):
        raise TypeError(f"save expects a bp.Network, got {type(net).__name__}")
    for layer in walk(net.layers):                  # blocks' inner layers too
        if hasattr(layer, "activation") and not is_builtin(layer.activation):
            raise TypeError(f"{layer.name} has a custom activation {layer.activation.name!r}; "
                            "only built-in activations can be saved")
    if LOSSES.get(net.loss_fn.name) is not net.loss_fn:
        raise TypeError(f"the loss {net.loss_fn.name!r} is custom; only built-in losses "
                        "can be saved")
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if not all(isinstance(layer, Dense) for layer in net.layers):
        write_npz(path, stack_arrays(net))
        return path
    arrays = {
        "format_version": np.array(FORMAT_VERSION),
        "loss": np.array(net.loss_fn.name),
        "activations": np.array([l.activation.name for l in net.layers]),
    }
    for i, layer in enumerate(net.layers, start=1):
        for key, p in layer.params().items():
            if not np.all(np.isfinite(p)):
                bad = tuple(int(k) for k in np.argwhere(~np.isfinite(p))[0])
                raise ValueError(f"{layer.name}: {key} contains {p[bad]} at index {bad}; "
                                 "save refuses weights that load would reject (nothing "
                                 "was written)")
            arrays[f"{key}{i}"] = p
    write_npz(path, arrays)
    return path


def _read(path: Path) -> dict[str, np.ndarray]:
    """Every array of the archive at ``path``, or a ``ValueError`` naming the file."""
    if not path.exists():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        return read_npz(path)
    except ValueError as err:
        raise ValueError(f"{path} is not a readable bp model file: {err}") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError,
            NotImplementedError, KeyError) as err:
        raise ValueError(f"{path} is not a readable bp model file "
                         f"(truncated or corrupt? {err})") from err


def load(path: str | os.PathLike) -> Network:
    """Read a network written by :func:`save`; the round trip is exact (same dtype,
    same bits). Like :func:`save`, ``"model"`` finds ``"model.npz"``.

    Nothing in the file is executed (no pickle), and no array is allocated before its
    header has been checked against the data actually present (see :mod:`bp._npz`).

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        For every kind of damage, naming the file and the problem: truncated or corrupt,
        a member that is not a plain array (no NPY header, encrypted, compressed with an
        unknown method, a shape its data cannot fill, Python objects), not a bp model,
        of another format version, or arrays that do not fit together (the message
        names the layer and shapes).
    """
    path = Path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")       # as save() named it
    data = _read(path)
    version = data.get("format_version")
    if "layers" in data and "activations" not in data and version is not None and \
            version.shape == () and np.issubdtype(version.dtype, np.integer) and \
            int(version) == FORMAT_VERSION and "loss" in data:   # any stack of layers
        return stack_from_arrays(path, data)
    for key in ("format_version", "loss", "activations"):
        if key not in data:
            raise ValueError(f"{path} is not a bp model file: '{key}' is missing")
    meta = (data["format_version"], data["loss"], data["activations"])
    if meta[0].shape != () or meta[1].shape != () or meta[2].ndim != 1 \
            or meta[1].dtype.kind != "U" or meta[2].dtype.kind != "U":
        raise ValueError(f"{path}: malformed header (format_version, loss, activations)")
    if not np.issubdtype(meta[0].dtype, np.integer) or int(meta[0]) != FORMAT_VERSION:
        raise ValueError(f"{path} has format version {meta[0]}; "
                         f"this bp reads version {FORMAT_VERSION}")
    activations = [str(a) for a in data["activations"]]
    expected = {"format_version", "loss", "activations"}
    layers = []
    for i, act in enumerate(activations, start=1):
        expected |= {f"W{i}", f"b{i}"}
        if f"W{i}" not in data or f"b{i}" not in data:
            raise ValueError(f"{path}: layer {i} has no W{i}/b{i} arrays")
        W, b = data[f"W{i}"], data[f"b{i}"]
        if W.ndim != 2 or b.shape != (W.shape[0],) or W.size == 0:
            raise ValueError(f"{path}: layer {i} has W of shape {W.shape} and b of shape "
                             f"{b.shape}; expected (n_out, n_in) and (n_out,)")
        if W.dtype != b.dtype:
            raise ValueError(f"{path}: layer {i} has W of dtype {W.dtype} but b of {b.dtype}")
        try:
            layer = Dense(W.shape[1], W.shape[0], activation=act, dtype=W.dtype, rng=0)
            layer.set_params(W, b)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{path}: layer {i}: {err}") from err
        layers.append(layer)
    extra = sorted(set(data) - expected)
    if extra:
        raise ValueError(f"{path}: unexpected arrays {extra} for a {len(layers)}-layer network")
    try:
        return Network(layers, loss=str(data["loss"]))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: the layers do not form a network: {err}") from err
