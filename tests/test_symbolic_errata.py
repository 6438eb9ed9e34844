"""bp.symbolic.errata: the seed article's formulas are WRONG, and stay provably wrong.

If one of these tests fails, a chapter's claim "this formula is wrong" may have
become false (or the erratum was coded so that it accidentally became right).
"""
import numpy as np
import pytest
import sympy as sp

import bp
import bp.symbolic as bps
from bp.symbolic import errata as E

#: (network, errata defined on it)
CASES = [
    (((2, 2, 1), "sigmoid", "mse"), ["no_weight", "no_derivative", "dz_conflation",
                                     "no_minus_sign"]),
    (((2, 2, 2), "sigmoid", "mse"), list(E.ERRATA)),
    (((2, 2, 2), ("tanh", "softmax"), "cross_entropy"), list(E.ERRATA)),
    (((2, 3, 2), "tanh", "mse"), ["no_derivative", "no_minus_sign"]),
]


def params_for(sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(m, n)), rng.normal(size=m)) for n, m in zip(sizes, sizes[1:])]


def batch(sizes, loss, seed=1, n=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0]))
    Y = rng.integers(0, sizes[-1], n) if loss == "cross_entropy" else rng.uniform(
        size=(n, sizes[-1]))
    return X, Y


@pytest.mark.parametrize("arch, names", CASES)
def test_every_erratum_is_provably_wrong_in_the_hidden_layer(arch, names):
    net = bps.symbolic_network(*arch)
    for name in names:
        points = bps.prove_wrong(net, name)
        assert points[1] is not None, f"{name} agrees with brute force on {arch}"
        # only the sign erratum is wrong in the output layer: BP1 is right in the article
        assert (points[net.L] is not None) == (name == "no_minus_sign"), name


@pytest.mark.parametrize("arch, names", CASES)
def test_every_erratum_is_numerically_far_off(arch, names):
    net = bps.symbolic_network(*arch)
    X, Y = batch(arch[0], arch[2])
    table = bps.errata_table(net, params_for(arch[0]), X, Y)
    for name in names:
        m = table[name]
        assert isinstance(m, bps.Measure), m
        assert m.relative_distance[1] > 0.05, (name, m)
        assert m.relative_distance[net.L] < 1e-12 or name == "no_minus_sign"
    undefined = set(E.ERRATA) - set(names)
    assert all(isinstance(table[n], str) and "not even defined" in table[n] for n in undefined)


def test_no_minus_sign_reverses_every_gradient_and_raises_the_loss():
    sizes = (2, 3, 1)
    net = bps.symbolic_network(sizes, "sigmoid", "mse")
    X, Y = batch(sizes, "mse")
    params = params_for(sizes)
    m = bps.measure_erratum(net, "no_minus_sign", params, X, Y)
    np.testing.assert_allclose(list(m.relative_distance.values()), 2.0, rtol=1e-12)
    np.testing.assert_allclose(list(m.cosine.values()), -1.0, rtol=1e-12)
    np.testing.assert_allclose(list(m.norm_ratio.values()), 1.0, rtol=1e-12)
    bp_net = bp.Network([bp.Dense(2, 3, "sigmoid"), bp.Dense(3, 1, "sigmoid")], "mse")
    for layer, (W, b) in zip(bp_net.layers, params):
        layer.set_params(W, b)
    before = bp_net.loss(X, Y)
    bp_net.backward(Y)
    for layer in bp_net.layers:                   # the article's update: +alpha * gradient
        layer.set_params(layer.W + 0.1 * layer.dW, layer.b + 0.1 * layer.db)
    assert bp_net.loss(X, Y) > before


def test_the_articles_delta_is_dL_da_not_dL_dz():
    """The conflation: one step of 'delta = W^T delta' gives dL/da^(L-1), a real quantity,
    but not the error term dL/dz^(L-1) that BP3 needs."""
    net = bps.symbolic_network((2, 2, 1), "sigmoid", "mse")
    a = sp.Matrix(sp.symbols("a_1:3", real=True))
    loss = net.loss_fn(bps.activations.apply("sigmoid", net.W[2] * a + net.b[2]), net.y)
    dL_da = sp.Matrix([sp.diff(loss, ai) for ai in a]).xreplace(dict(zip(a, net.a[1])))
    article = E.ERRATA["no_derivative"].deltas(net)[1]
    assert bps.prove_equal(article, dL_da)
    assert not bps.prove_equal(article, net.brute_force_deltas()[1])


def test_update_has_the_learning_rate_and_the_sign():
    net = bps.symbolic_network((2, 2, 1), "sigmoid", "mse")
    lr = sp.Symbol("alpha", positive=True)
    right = [None] + [-lr * g for g in net.backprop_gradients()[0][1:]]
    wrong = E.ERRATA["no_minus_sign"].update(net, lr)
    assert bps.prove_equal(wrong[2], -right[2])


def test_every_erratum_documents_itself():
    for e in E.ERRATA.values():
        assert e.section and e.seed and e.correct and len(e.explanation) > 40
        assert e.seed != e.correct


def test_undefined_formula_names_the_layer_and_sizes():
    net = bps.symbolic_network((2, 3, 2), "tanh", "mse")
    with pytest.raises(ValueError, match=r"layer 1: .*delta\^\(2\) has 2 entries, "
                                         r"f'\(z\^\(1\)\) has 3"):
        E.ERRATA["no_weight"].deltas(net)
    with pytest.raises(ValueError, match="unknown erratum"):
        bps.get_erratum("no_bias")


def test_errata_table_takes_a_bp_network():
    net = bp.Network([bp.Dense(2, 2, "sigmoid", rng=1), bp.Dense(2, 2, "sigmoid", rng=2)], "mse")
    X, Y = batch((2, 2, 2), "mse")
    sym = bps.SymbolicNetwork.from_bp(net)
    from_net = bps.errata_table(sym, net, X, Y)
    from_pairs = bps.errata_table(sym, [(l.W, l.b) for l in net.layers], X, Y)
    assert from_net == from_pairs


def test_the_articles_column_reading_is_not_the_common_no_transpose_bug():
    """The article's 4.2 read with columns has no f'; the common bug W delta * f' is not its."""
    net = bps.symbolic_network((2, 2, 2), "sigmoid", "mse")
    article = E.ERRATA["column_reading"].deltas(net)[1]
    assert bps.prove_equal(article, net.W[2] * net.output_delta())
    assert not bps.prove_equal(article, E.ERRATA["no_transpose"].deltas(net)[1])
    assert not E.ERRATA["no_transpose"].in_article and E.ERRATA["column_reading"].in_article
    assert E.ERRATA["no_transpose"].label.startswith("common bug")
    with pytest.raises(ValueError, match="not square"):
        E.ERRATA["column_reading"].deltas(bps.symbolic_network((2, 3, 2), "tanh", "mse"))
