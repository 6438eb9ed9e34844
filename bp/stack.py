r"""Checking a stack of layers before a :class:`bp.Network` runs it.

A network is a composition :math:`F = F_L \circ \dots \circ F_1` of protocol layers
(:mod:`bp.layers.base`). Before the first batch, :func:`check_stack` walks it once with
per-example shapes (no batch axis), asking each layer's ``output_shape``,

.. math:: s_0 = \text{input\_shape}, \qquad s_l = F_l.\text{output\_shape}(s_{l-1}),

so a layer that cannot take its input fails at construction, naming both layers and the
shapes, instead of deep inside a batch. It also requires one dtype for every layer and
each layer object once (one object twice, or in two networks, would share its caches).
:func:`as_batch` checks a batch ``X`` of shape ``(N, *input_shape)`` at the network's door.
"""
from __future__ import annotations

import inspect
from functools import partial
from typing import Any, Callable, Sequence

import numpy as np

from ._validation import as_matrix, asarray
from .layers.base import is_layer
from .layers.dense import Dense


def _claim_names(layers: list) -> None:
    """``"layer i (<its own name>)"`` for every layer not named by the user."""
    for i, layer in enumerate(layers, start=1):
        if getattr(layer, "auto_named", False):
            plain = layer.__dict__.setdefault("_plain_name", layer.name)
            if isinstance(layer, Dense):
                plain = f"Dense({layer.n_in}->{layer.n_out})"
            layer.name = f"layer {i} ({plain})"


def check_layers(layers: Sequence[Any]) -> list:
    """The layers as a list: each a protocol layer, each object once, in no other network,
    every layer with parameters of one dtype."""
    layers = list(layers)
    if not layers:
        raise ValueError("a Network needs at least one layer")
    for i, layer in enumerate(layers, start=1):
        if not is_layer(layer):
            raise TypeError(f"layer {i} must be a bp.Dense, got {type(layer).__name__} "
                            "(or another bp layer: a bp.layers.Layer such as bp.Conv2D, "
                            "bp.MaxPool2D, bp.Flatten)")
        first = next(j for j, other in enumerate(layers, start=1) if other is layer)
        if first != i:      # one object twice would share (and clobber) its caches
            kind = type(layer).__name__
            raise ValueError(f"layer {i} is the same {kind} object as layer {first}; "
                             f"create a new bp.{kind} for each layer")
        owner = getattr(layer, "network", None)
        if owner is not None:           # two networks would clobber each other's caches
            raise ValueError(
                f"layer {i} already belongs to another network ({layer.name} of "
                f"{owner!r}): two networks sharing a layer overwrite each other's "
                "cached A_prev, Z and A, and backward returns wrong gradients; create "
                f"new bp.{type(layer).__name__} layers, or copy.deepcopy(net) for an "
                "independent copy")
    _claim_names(layers)
    typed = [layer for layer in layers if layer.params()]     # pools follow their input
    for prev, layer in zip(typed, typed[1:]):
        if np.dtype(layer.dtype) != np.dtype(prev.dtype):
            raise TypeError(f"all layers must share one dtype: {prev.name} is "
                            f"{prev.dtype}, {layer.name} is {layer.dtype}")
    return layers


def dtype_of(layers: list) -> np.dtype:
    """The dtype of the layers with parameters (float64 if none has any)."""
    return next((np.dtype(l.dtype) for l in layers if l.params()), np.dtype(np.float64))


def input_shape_of(layers: list, input_shape: Any) -> tuple[int, ...]:
    """The per-example input shape: given, or ``(n_in,)`` of a first Dense layer."""
    if input_shape is None:
        if isinstance(layers[0], Dense):
            return (layers[0].n_in,)
        raise ValueError(f"the first layer, {layers[0].name}, is not a Dense: give the "
                         "network its per-example input shape, e.g. "
                         "bp.Network(layers, input_shape=(1, 28, 28))")
    shape = (input_shape,) if isinstance(input_shape, (int, np.integer)) else input_shape
    if not (isinstance(shape, (tuple, list)) and shape and all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
            for s in shape)):
        raise ValueError(f"input_shape must be a tuple of positive ints (one example, no "
                         f"batch axis), got {input_shape!r}")
    return tuple(int(s) for s in shape)


def check_stack(layers: list, input_shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every layer's per-example output shape, first layer first (``ValueError`` naming
    the layer, its input's source and the shapes when a layer cannot take its input)."""
    shapes, shape = [], input_shape
    for l, layer in enumerate(layers):
        source = "the network's input" if l == 0 else layers[l - 1].name
        if isinstance(layer, Dense) and len(shape) == 1 and shape[0] != layer.n_in:
            raise ValueError(f"{layer.name} expects {layer.n_in} inputs but {source} has "
                             f"{shape[0]} outputs")
        try:
            shape = tuple(layer.output_shape(shape))
        except ValueError as err:
            raise ValueError(f"{err}; its input comes from {source}") from None
        shapes.append(shape)
    if len(shapes[-1]) != 1:
        raise ValueError(f"the last layer, {layers[-1].name}, gives per-example shape "
                         f"{shapes[-1]}; a loss needs (n_out,): end with bp.Flatten() "
                         "and a bp.Dense")
    return shapes


def accepts(method: Callable, keyword: str) -> bool:
    """Whether ``method`` takes the keyword argument ``keyword``."""
    try:
        return keyword in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def unchecked(layer: Any) -> Callable[[np.ndarray, bool], np.ndarray]:
    """``layer.forward`` as the network calls it, ``forward(A, check)`` with
    ``check=False``: the network checked ``X`` once, and its layers feed each other. A
    layer whose forward takes no ``check`` gets a wrapper that drops it."""
    if accepts(layer.forward, "check"):
        return layer.forward
    forward = layer.forward
    return lambda A, check: forward(A)


def backward_steps(layers: list, dense_out: bool, input_grad: bool = False) -> list[tuple]:
    """``(backward, input_grad)`` of each layer, first layer first, as the network calls
    them, ``backward(grad, input_grad)``: BP1's :math:`\\delta^L` enters a Dense output
    layer through ``backward_delta``, and the first layer skips
    :math:`\\partial\\mathcal L/\\partial X` (nothing learns from it) unless
    ``input_grad``. A backward that takes no ``input_grad`` gets a wrapper that drops it."""
    steps = []
    for l, layer in enumerate(layers):
        step = layer.backward_delta if dense_out and l == len(layers) - 1 else layer.backward
        if not accepts(step, "input_grad"):
            step = (lambda f: lambda grad, need: f(grad))(step)
        steps.append((step, l > 0 or input_grad))
    return steps


def as_batch(x: Any, name: str, dtype: np.dtype, shape: tuple[int, ...],
             where: str = "") -> np.ndarray:
    """``x`` as a finite float array of shape ``(N, *shape)`` and ``dtype`` (a copy only
    if needed); the checks and messages of :func:`bp._validation.as_matrix`."""
    if len(shape) == 1:
        return as_matrix(x, name, dtype, n_cols=shape[0], where=where)
    at = f" for {where}" if where else ""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name}{at} must be a numeric array, got {type(x).__name__}")
    arr = asarray(x, name, at)
    if arr.ndim != len(shape) + 1 or arr.shape[1:] != shape:
        want = ", ".join(map(str, shape))
        raise ValueError(f"{name}{at} must have shape (batch, {want}), got shape {arr.shape}")
    flat = as_matrix(arr.reshape(arr.shape[0], -1), name, dtype, where=where)
    return flat.reshape(arr.shape)
