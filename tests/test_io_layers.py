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


def _residual_net():
    """Dense -> Residual(Dense, BatchNorm, Residual(Dense)) -> Dense, trained a little so
    that batch norm's running statistics and every weight have moved."""
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(24, 4)), rng.integers(0, 3, size=24)
    net = bp.Network([bp.Dense(4, 6, "tanh", rng=0),
                      bp.Residual(bp.Dense(6, 6, "relu", rng=1), bp.BatchNorm(6, momentum=0.2),
                                  bp.Residual(bp.Dense(6, 6, "sigmoid", rng=2))),
                      bp.Dense(6, 3, "identity", rng=3)], loss="softmax_cross_entropy")
    net.fit(X, Y, epochs=2, batch_size=8, optimizer=bp.SGD(0.1), progress=False, seed=0)
    return net, X


def test_a_residual_block_round_trips_with_its_running_statistics(tmp_path):
    net, X = _residual_net()
    block = net.layers[1]
    assert not np.allclose(block.layers[1].running_mean, 0)     # statistics were updated
    again = _roundtrip(net, X, tmp_path)                        # bit for bit, in eval mode
    loaded = again.layers[1]
    assert isinstance(loaded, bp.Residual) and isinstance(loaded.layers[2], bp.Residual)
    assert [type(l) for l in loaded.layers] == [type(l) for l in block.layers]
    for name, arr in {**block.params(), **block.buffers()}.items():
        mine = {**loaded.params(), **loaded.buffers()}[name]
        np.testing.assert_array_equal(mine, arr, err_msg=name)
        assert mine is not arr and mine.dtype == arr.dtype
    assert loaded.layers[1].momentum == 0.2
    assert loaded.layers[2].layers[0].activation.name == "sigmoid"
    net.train(), again.train()                  # and in training mode (batch statistics)
    np.testing.assert_array_equal(again.forward(X), net.forward(X))


def test_a_float32_residual_block_round_trips(tmp_path):
    net = bp.Network([bp.Residual(bp.LayerNorm(5, dtype=np.float32),
                                  bp.Dense(5, 5, "tanh", rng=0, dtype=np.float32),
                                  bp.Dropout(0.3, rng=1, dtype=np.float32)),
                      bp.Dense(5, 1, "identity", rng=2, dtype=np.float32)], loss="mse",
                     input_shape=(5,))
    X = np.random.default_rng(0).normal(size=(7, 5)).astype(np.float32)
    again = _roundtrip(net, X, tmp_path)
    assert again.dtype == np.float32 and again.layers[0].layers[2].p == pytest.approx(0.3)


def _stored(net, tmp_path):
    path = bp.save(net, tmp_path / "net.npz")
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("damage, message", [
    (lambda a: a.pop("layer2.1.running_var"), r"layer 2 \(Residual\) has no array "
                                              "'layer2.1.running_var'"),
    (lambda a: a.update({"layer2.0.W": a["layer2.0.W"][:, :5]}),
     r"layer2.0.W has shape \(6, 5\).*Residual expects \(6, 6\)"),
    (lambda a: a.update({"layer2.2.0.b": np.full(6, np.nan)}), "layer2.2.0.b contains NaN"),
    (lambda a: a.update({"config2": np.array(str(a["config2"]).replace("BatchNorm",
                                                                       "BatchNorn"))}),
     r"layer 2 \(Residual\) cannot be rebuilt.*unknown layer type 'BatchNorn'"),
    (lambda a: a.update({"config2": np.array('{"layers": []}')}),
     r"layer 2 \(Residual\) cannot be rebuilt.*at least one layer"),
    (lambda a: a.update({"config2": np.array('{"layers": [["Dense", {"n_in": 6}]]}')}),
     r"layer 2 \(Residual\) cannot be rebuilt"),
    (lambda a: a.update({"layer2.7.W": np.zeros((6, 6))}), r"unexpected arrays \['layer2.7.W'\]"),
])
def test_a_damaged_residual_block_is_refused_with_the_layer_named(damage, message, tmp_path):
    net, _ = _residual_net()
    arrays = _stored(net, tmp_path)
    damage(arrays)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ValueError, match=message):
        bp.load(bad)


class _Custom(bp.layers.Layer):                      # on the protocol, but no config()
    def forward(self, x):
        return x

    def backward(self, grad_out):
        return grad_out


def test_a_residual_block_that_cannot_be_restored_is_refused_and_nothing_is_written(
        tmp_path):
    sine = bp.Activation("sine", np.sin, np.cos)
    for inner, message in [(_Custom(), "_Custom"), (bp.Dense(3, 3, sine, rng=1), "custom "
                                                    "activation 'sine'")]:
        net = bp.Network([bp.Dense(3, 3, "tanh", rng=0), bp.Residual(inner),
                          bp.Dense(3, 1, "identity", rng=2)], loss="mse")
        path = tmp_path / "net.npz"
        with pytest.raises(TypeError, match=message):
            bp.save(net, path)
        assert not path.exists()
