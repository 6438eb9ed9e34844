r"""Saving any stack of protocol layers (the stack layout of :mod:`bp.io`'s format 1).

A network of Dense layers keeps the Dense layout (``activations``, ``W1, b1, ...``). Any
other stack is stored as plain arrays: the layer type names, the per-example ``input_shape``, each layer's
constructor arguments as a JSON string (``config{i}``, from ``layer.config()``), and
each layer's arrays as ``layer{i}.{name}``: its :meth:`params` and, when it has them,
its ``buffers()`` (state that is not trained, as batch norm's running statistics).
Loading rebuilds each layer from its type and config and copies every array in after
checking its shape and dtype, so the round trip is exact,

.. math:: \text{load}(\text{save}(F))(X) = F(X) \quad \text{bit for bit}.

A layer type is known when it subclasses :class:`bp.layers.Layer` and defines
``config()``; anything else is refused with a ``TypeError`` naming it. A block of layers
(:class:`bp.Residual`) stores its inner layers' types and configs inside its own config
and is rebuilt by its ``from_config``; its arrays are keyed ``layer{i}.{j}.{name}``.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .layers.base import Layer
from .stack import accepts

FORMAT_VERSION = 1      # both layouts; the stack layout has 'layers', no 'activations'


def layer_types() -> dict[str, type]:
    """Every :class:`~bp.layers.Layer` subclass that can be saved (it defines ``config``),
    by class name."""
    found, todo = {}, [Layer]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if callable(getattr(sub, "config", None)) and not sub.__name__.startswith("_"):
                found[sub.__name__] = sub
    return found


def walk(layers):
    """Every layer of ``layers`` and, depth first, the inner layers of each block."""
    for layer in layers:
        yield layer
        if callable(getattr(type(layer), "from_config", None)):
            yield from walk(layer.layers)


def _state(layer) -> dict[str, np.ndarray]:
    buffers = layer.buffers() if callable(getattr(layer, "buffers", None)) else {}
    return {**layer.params(), **buffers}


def stack_arrays(net) -> dict[str, np.ndarray]:
    """The arrays of format 2 for ``net`` (``TypeError`` for a layer it cannot restore)."""
    known = layer_types()
    for layer in walk(net.layers):
        kind = type(layer).__name__
        if known.get(kind) is not type(layer):
            raise TypeError(f"{layer.name}: bp.save cannot store a layer of type {kind!r} "
                            f"(it needs a bp.layers.Layer subclass with config()); "
                            f"known: {', '.join(sorted(known))}")
    arrays = {"format_version": np.array(FORMAT_VERSION), "loss": np.array(net.loss_fn.name),
              "layers": np.array([type(l).__name__ for l in net.layers]),
              "input_shape": np.array(net.input_shape, dtype=np.int64)}
    for i, layer in enumerate(net.layers, start=1):
        arrays[f"config{i}"] = np.array(json.dumps(layer.config(), sort_keys=True))
        for key, p in _state(layer).items():
            if not np.all(np.isfinite(p)):
                raise ValueError(f"{layer.name}: {key} contains NaN or inf; save refuses "
                                 "weights that load would reject (nothing was written)")
            arrays[f"layer{i}.{key}"] = p
    return arrays


def _make(kind: str, config: dict, dtype) -> Layer:
    """A layer of type ``kind`` from its config (``ValueError`` or ``TypeError`` if not)."""
    known = layer_types()
    if kind not in known:
        raise ValueError(f"unknown layer type {kind!r}; known: {', '.join(sorted(known))}")
    cls = known[kind]
    if callable(getattr(cls, "from_config", None)):      # a block: build its layers
        return cls.from_config(config, lambda k, c: _make(k, c, dtype))
    kwargs = {"dtype": dtype} if dtype is not None and accepts(cls.__init__, "dtype") else {}
    return cls(**config, **kwargs)


def _build(path: Path, i: int, kind: str, data: dict, dtype) -> Layer:
    known = layer_types()
    if kind not in known:
        raise ValueError(f"{path}: layer {i} has the unknown type {kind!r}; "
                         f"known: {', '.join(sorted(known))}")
    try:
        config = json.loads(str(data[f"config{i}"]))
        if not isinstance(config, dict):
            raise ValueError("not a JSON object")
    except (KeyError, ValueError) as err:
        raise ValueError(f"{path}: layer {i} ({kind}) has no readable config{i}: {err}") \
            from None
    try:
        layer = _make(kind, config, dtype)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: layer {i} ({kind}) cannot be rebuilt from {config}: "
                         f"{err}") from err
    for key, own in _state(layer).items():
        name = f"layer{i}.{key}"
        if name not in data:
            raise ValueError(f"{path}: layer {i} ({kind}) has no array {name!r}")
        arr = data[name]
        if arr.shape != own.shape or arr.dtype != own.dtype:
            raise ValueError(f"{path}: {name} has shape {arr.shape} and dtype {arr.dtype}; "
                             f"{kind} expects {own.shape} and {own.dtype}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{path}: {name} contains NaN or inf")
        own[...] = arr
    return layer


def stack_from_arrays(path: Path, data: dict[str, np.ndarray]):
    """The network of format-2 ``data`` read from ``path`` (``ValueError`` naming the file
    and the layer for anything missing, unknown or of the wrong shape)."""
    from .network import Network
    for key in ("layers", "input_shape"):
        if key not in data:
            raise ValueError(f"{path} is not a bp model file: '{key}' is missing")
    kinds, shape = data["layers"], data["input_shape"]
    if kinds.ndim != 1 or kinds.dtype.kind != "U" or shape.ndim != 1 \
            or not np.issubdtype(shape.dtype, np.integer):
        raise ValueError(f"{path}: malformed header (layers, input_shape)")
    dtypes = {data[k].dtype for k in data if k.startswith("layer") and "." in k}
    if len(dtypes) > 1:
        raise ValueError(f"{path}: the arrays mix dtypes {sorted(map(str, dtypes))}")
    dtype = dtypes.pop() if dtypes else None
    layers = [_build(path, i, str(k), data, dtype) for i, k in enumerate(kinds, start=1)]
    expected = {"format_version", "loss", "layers", "input_shape"}
    for i, layer in enumerate(layers, start=1):
        expected |= {f"config{i}"} | {f"layer{i}.{key}" for key in _state(layer)}
    extra = sorted(set(data) - expected)
    if extra:
        raise ValueError(f"{path}: unexpected arrays {extra} for a {len(layers)}-layer network")
    try:
        return Network(layers, loss=str(data["loss"]), input_shape=tuple(int(s) for s in shape))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: the layers do not form a network: {err}") from err
