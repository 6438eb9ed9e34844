"""bp.symbolic.network: the symbolic network mirrors bp's shapes, names and losses."""
import numpy as np
import pytest
import sympy as sp

import bp
import bp.symbolic as bps


def test_shapes_and_symbols_follow_bp():
    net = bps.SymbolicNetwork([2, 3, 2], ["tanh", "sigmoid"], loss="mse")
    assert net.L == 2 and list(net.layers) == [1, 2]
    assert net.W[0] is None and net.b[0] is None and net.z[0] is None
    assert net.a[0] == net.x
    assert net.W[1].shape == (3, 2) and net.W[2].shape == (2, 3)     # (n_l, n_{l-1})
    assert net.b[2].shape == (2, 1) and net.z[2].shape == (2, 1) and net.a[2].shape == (2, 1)
    assert net.W[2][0, 2] == bps.weight_symbol(2, 1, 3)               # w^{(2)}_{13}
    assert sp.latex(net.W[2][0, 2]) == "w^{(2)}_{13}"
    assert sp.latex(net.b[1][2]) == "b^{(1)}_{3}"
    assert net.n_params == 3 * 2 + 3 + 2 * 3 + 2
    assert net.parameters[:7] == list(net.W[1]) + [net.b[1][0]]       # bp order


def test_forward_is_z_equals_Wa_plus_b():
    net = bps.SymbolicNetwork([2, 2, 1], "sigmoid")
    assert (net.z[1] - (net.W[1] * net.x + net.b[1])).is_zero_matrix
    assert net.a[2][0] == bps.sigmoid(net.z[2][0])


def test_loss_is_bp_reduction_for_one_example():
    """Evaluated at numbers, the symbolic loss equals bp's loss on a batch of one."""
    bp_net = bp.Network([bp.Dense(2, 3, "tanh", rng=0), bp.Dense(3, 2, "softmax", rng=1)],
                        loss="cross_entropy")
    net = bps.SymbolicNetwork.from_bp(bp_net)
    x, y = np.array([0.3, -0.8]), np.array([0.0, 1.0])
    values = {}
    for l, layer in enumerate(bp_net.layers, start=1):
        values.update(zip(net.W[l], layer.W.ravel()))
        values.update(zip(net.b[l], layer.b))
    values.update(zip(net.x, x))
    values.update(zip(net.y, y))
    assert np.isclose(float(net.loss.subs(values)), bp_net.loss(x[None], y[None]), rtol=1e-13)


def test_cached_constructor_returns_the_same_object():
    a = bps.symbolic_network((2, 2, 1), "tanh", "mse")
    b = bps.symbolic_network([2, 2, 1], ["tanh", "tanh"], "mse")
    assert a is b


def test_repr():
    net = bps.SymbolicNetwork([2, 2, 1], ["tanh", "sigmoid"], "bce")
    assert repr(net) == "SymbolicNetwork(2-2-1, activations=['tanh', 'sigmoid'], loss='bce')"
    assert net.fused == "bce_with_logits"


@pytest.mark.parametrize("kwargs, match", [
    (dict(sizes=[2]), "at least one layer"),
    (dict(sizes=[2, 0, 1]), "positive int"),
    (dict(sizes=[2, 2, 1], activations=["tanh"]), "2 layers need 2 activations"),
    (dict(sizes=[2, 2, 1], activations="sigmod"), "layer 1: unknown activation 'sigmod'"),
    (dict(sizes=[2, 2, 1], loss="hinge"), "unknown symbolic loss 'hinge'"),
    (dict(sizes=[2, 2, 2], activations="softmax", loss="softmax_cross_entropy"),
     "must be 'identity', got 'softmax'"),
])
def test_invalid_networks_fail(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bps.SymbolicNetwork(**kwargs)
