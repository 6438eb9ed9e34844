"""bp.symbolic.notation: backprop in the symbols a, z, delta equals brute force."""
import pytest
import sympy as sp

import bp.symbolic as bps
from bp.symbolic.backprop import target_constraint


@pytest.mark.parametrize("arch", [
    ((2, 2, 1), "sigmoid", "mse"), ((2, 3, 2), ("tanh", "softmax"), "cross_entropy"),
    ((2, 2, 2), ("relu", "softmax"), "mse"), ((2, 2, 1), ("softplus", "sigmoid"), "bce"),
    ((2, 2, 2), ("gelu_tanh", "identity"), "softmax_cross_entropy"),
])
def test_book_notation_gradients_equal_brute_force(arch):
    net = bps.symbolic_network(*arch)
    bn = bps.BookNotation(net)
    subs, _ = target_constraint(net)
    (dW, db), (bW, bb) = bn.gradients(), net.brute_force_gradients()
    for l in net.layers:
        assert bps.prove_equal(bn.concrete(dW[l]).subs(subs), bW[l].subs(subs))
        assert bps.prove_equal(bn.concrete(db[l]).subs(subs), bb[l].subs(subs))


def test_textbook_forms_in_a():
    net = bps.symbolic_network((2, 2, 1), "sigmoid", "mse")
    bn = bps.BookNotation(net)
    a = bps.a_symbol(2, 1)
    assert bn.output_delta()[0] == 2 * (a - net.y[0]) * a * (1 - a)
    assert bn.derivative(1)[0] == bps.a_symbol(1, 1) * (1 - bps.a_symbol(1, 1))
    assert bn.a[0] == net.x and bps.a_symbol(0, 2) == net.x[1]
    assert sp.latex(bps.delta_symbol(1, 2)) == r"\delta^{(1)}_{2}"
    assert sp.latex(bps.z_symbol(3, 1)) == "z^{(3)}_{1}"


def test_one_bp2_step_keeps_the_delta_symbols():
    net = bps.symbolic_network((2, 2, 2), "tanh", "mse")
    bn = bps.BookNotation(net)
    step = bn.delta_step(1)[0]
    d1, d2 = bn.delta[2]
    w = net.W[2]
    assert sp.expand(step - (w[0, 0] * d1 + w[1, 0] * d2) * (1 - bn.a[1][0] ** 2)) == 0
