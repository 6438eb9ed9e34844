"""bp.save / bp.load for the layers of Part III: every layer type round-trips through a
network (parameters, batch norm's running statistics, constructor arguments), and a
layer that cannot be rebuilt is refused before anything is written."""
from __future__ import annotations

import numpy as np
import pytest

import bp


def _roundtrip(net, X, tmp_path):
    path = tmp_path / "net.npz"
    bp.save(net, path)
    again = bp.load(path)
    net.eval(), again.eval()
    np.testing.assert_array_equal(again.forward(X), net.forward(X))
    return again


def test_batch_norm_dropout_and_layer_norm_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 5))
    Y = rng.integers(0, 3, size=16)
    net = bp.Network([bp.Dense(5, 8, "relu", rng=1), bp.BatchNorm(8, momentum=0.3),
                      bp.Dropout(0.25, rng=2), bp.LayerNorm(8, eps=1e-4),
                      bp.Dense(8, 3, "softmax", rng=3)], loss="cross_entropy")
    net.fit(X, Y, epochs=3, batch_size=8, optimizer=bp.SGD(0.1), progress=False, seed=0)
    bn = net.layers[1]
    assert not np.allclose(bn.running_mean, 0)          # statistics were updated
    again = _roundtrip(net, X, tmp_path)
    np.testing.assert_array_equal(again.layers[1].running_var, bn.running_var)
    assert again.layers[1].momentum == 0.3 and again.layers[3].eps == 1e-4
    assert again.layers[2].p == 0.25


def test_recurrent_and_attention_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4, 6, 8))
    net = bp.Network([bp.SelfAttention(8, n_heads=2, causal=True, rng=0),
                      bp.RNN(8, 5, rng=1), bp.Dense(5, 2, "identity", rng=2)],
                     loss="mse", input_shape=(6, 8))
    again = _roundtrip(net, X, tmp_path)
    assert again.layers[0].n_heads == 2 and again.layers[0].causal
    assert again.layers[1].n_hidden == 5 and not again.layers[1].return_sequences


def test_a_residual_block_is_refused_and_nothing_is_written(tmp_path):
    net = bp.Network([bp.Dense(3, 3, "tanh", rng=0),
                      bp.Residual(bp.Dense(3, 3, "tanh", rng=1)),
                      bp.Dense(3, 1, "identity", rng=2)], loss="mse")
    path = tmp_path / "net.npz"
    with pytest.raises(TypeError, match="Residual"):
        bp.save(net, path)
    assert not path.exists()
