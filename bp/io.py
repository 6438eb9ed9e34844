"""Saving and loading networks as ``.npz`` files (no pickle).

The file holds, as plain arrays: a format version, the loss name, each layer's
activation, and ``W1, b1, W2, b2, ...``. :func:`load` reads it with
``allow_pickle=False`` and checks every shape before building the network, so a
missing, truncated or tampered file gives a clear error.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from .layers import Dense
from .network import Network

FORMAT_VERSION = 1


def save(net: Network, path: str | os.PathLike) -> Path:
    """Write ``net`` to ``path`` (``.npz`` is appended if missing); returns the path."""
    if not isinstance(net, Network):
        raise TypeError(f"save expects a bp.Network, got {type(net).__name__}")
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arrays = {
        "format_version": np.array(FORMAT_VERSION),
        "loss": np.array(net.loss_fn.name),
        "activations": np.array([l.activation.name for l in net.layers]),
    }
    for i, layer in enumerate(net.layers, start=1):
        arrays[f"W{i}"] = layer.W
        arrays[f"b{i}"] = layer.b
    np.savez(path, **arrays)
    return path


def load(path: str | os.PathLike) -> Network:
    """Read a network written by :func:`save`; the round trip is exact."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        with np.load(path, allow_pickle=False) as f:
            data = {k: f[k] for k in f.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise ValueError(f"{path} is not a readable bp model file ({err})") from err
    for key in ("format_version", "loss", "activations"):
        if key not in data:
            raise ValueError(f"{path} is not a bp model file: '{key}' is missing")
    if int(data["format_version"]) != FORMAT_VERSION:
        raise ValueError(f"{path} has format version {int(data['format_version'])}; "
                         f"this bp reads version {FORMAT_VERSION}")
    activations = [str(a) for a in data["activations"]]
    layers = []
    for i, act in enumerate(activations, start=1):
        if f"W{i}" not in data or f"b{i}" not in data:
            raise ValueError(f"{path}: layer {i} has no W{i}/b{i} arrays")
        W, b = data[f"W{i}"], data[f"b{i}"]
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise ValueError(f"{path}: layer {i} has W of shape {W.shape} and b of shape "
                             f"{b.shape}; expected (n_out, n_in) and (n_out,)")
        layer = Dense(W.shape[1], W.shape[0], activation=act, dtype=W.dtype, rng=0)
        layer.set_params(W, b)
        layers.append(layer)
    return Network(layers, loss=str(data["loss"]))
