"""bp.symbolic.backprop: the recursion equals brute-force sympy.diff, symbolically."""
import pytest

import bp.symbolic as bps

ARCHS = [(2, 2, 1), (2, 2, 2), (2, 3, 2)]
MSE = [(act, act, "mse") for act in ("sigmoid", "tanh", "identity")]
CE = [(act, "softmax", "cross_entropy") for act in ("sigmoid", "tanh", "identity")]
OTHER = [("tanh", "sigmoid", "bce"), ("tanh", "sigmoid", "cross_entropy"), ("sigmoid", "identity", "bce_with_logits"),
         ("tanh", "identity", "softmax_cross_entropy")]


@pytest.mark.parametrize("sizes", ARCHS)
@pytest.mark.parametrize("hidden, out, loss", MSE + CE + OTHER)
def test_brute_force_and_backprop_are_identical(sizes, hidden, out, loss):
    net = bps.symbolic_network(sizes, (hidden, out), loss)
    proof = net.prove()
    assert proof, str(proof)
    assert proof.n_entries == net.n_params
    assert proof.methods["unproved"] == 0
    assert ("sum to 1" in proof.assumption) == (net.fused == "softmax_cross_entropy")


@pytest.mark.parametrize("sizes", ARCHS)
def test_every_delta_both_ways(sizes):
    net = bps.symbolic_network(sizes, "sigmoid", "mse")
    for l in net.layers:
        assert bps.prove_equal(net.brute_force_deltas()[l], net.deltas()[l])


@pytest.mark.parametrize("hidden, out, loss", [
    ("relu", "softmax", "mse"), ("leaky_relu", "sigmoid", "mse"), ("gelu_tanh", "sigmoid", "bce"),
    ("softplus", "identity", "softmax_cross_entropy"), ("softmax", "tanh", "mse"),
])
def test_every_other_activation(hidden, out, loss):
    """ReLU's Piecewise, GELU's nested tanh and a hidden softmax prove as well."""
    assert bps.symbolic_network((2, 2, 2), (hidden, out), loss).prove()


def test_three_layers():
    net = bps.SymbolicNetwork([2, 2, 2, 1], ["tanh", "sigmoid", "identity"], "mse")
    assert net.prove()


def test_gradient_shapes_and_bp3_bp4():
    net = bps.symbolic_network((2, 3, 2), "tanh", "mse")
    dW, db = net.backprop_gradients()
    deltas = net.deltas()
    for l in net.layers:
        assert dW[l].shape == net.W[l].shape and db[l].shape == net.b[l].shape
        assert dW[l] == deltas[l] * net.a[l - 1].T                      # BP3
        assert db[l] == deltas[l]                                       # BP4


def test_output_delta_fused_is_yhat_minus_y():
    net = bps.symbolic_network((2, 2, 2), ("tanh", "softmax"), "cross_entropy")
    assert net.output_delta() == net.a[2] - net.y
    net = bps.symbolic_network((2, 2, 1), "sigmoid", "bce")
    assert net.output_delta() == (net.a[2] - net.y) / 1


def test_a_wrong_recursion_is_not_proved():
    """Sanity check of the checker: dropping f'(z^(1)) from BP2 must not prove."""
    net = bps.symbolic_network((2, 2, 1), "sigmoid", "mse")
    wrong = net.W[2].T * net.deltas()[2]
    assert not bps.prove_equal(net.brute_force_deltas()[1], wrong)


def test_proof_report_is_readable():
    proof = bps.symbolic_network((2, 2, 1), "sigmoid", "mse").prove()
    text = str(proof)
    assert "identical" in text and "9 entries" in text
    assert proof.seconds > 0
