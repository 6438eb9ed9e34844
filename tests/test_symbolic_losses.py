"""bp.symbolic.losses: gradients by sympy.diff equal the textbook forms; values match bp."""
import numpy as np
import pytest
import sympy as sp

import bp
import bp.symbolic as bps
from bp.symbolic import losses as SL


@pytest.mark.parametrize("name", sorted(SL.LOSSES))
@pytest.mark.parametrize("n", [1, 2, 3])
def test_diff_equals_textbook(name, n):
    assert SL.LOSSES[name].prove(n)


def test_mse_gradient_has_the_two_over_n():
    p, y = SL.symbols(3)
    grad = SL.LOSSES["mse"].gradient(p, y)
    assert sp.simplify(grad[0] - sp.Rational(2, 3) * (p[0] - y[0])) == 0
    # forgetting the 2 (or the 1/n) is wrong, and the prover says so
    assert not bps.prove_equal(grad, (p - y) / 3)
    assert not bps.prove_equal(grad, 2 * (p - y))


@pytest.mark.parametrize("pair", sorted(SL.FUSED))
@pytest.mark.parametrize("n", [2, 3])
def test_fused_delta_is_yhat_minus_y(pair, n):
    assert bps.prove_fused(*pair, n=n)


def test_not_fused_pair_fails():
    with pytest.raises(ValueError, match="not a fused pair"):
        bps.prove_fused("tanh", "bce")


def test_softmax_ce_without_normalised_targets_is_not_yhat_minus_y():
    """The fused form needs targets summing to 1: the textbook gradient keeps the sum."""
    z, y = SL.symbols(2, "z")
    grad = SL.LOSSES["softmax_cross_entropy"].gradient(z, y)
    assert not bps.prove_equal(grad, SL.softmax(z) - y)


@pytest.mark.parametrize("name", sorted(SL.LOSSES))
def test_values_and_gradients_match_bp(name):
    """Flattening a batch of N examples with batch=N gives bp's reduction exactly."""
    rng = np.random.default_rng(3)
    N, m = 3, 2
    P = rng.uniform(0.1, 0.9, size=(N, m))
    if name in ("cross_entropy",):
        P = P / P.sum(1, keepdims=True)
    if name in ("bce_with_logits", "softmax_cross_entropy"):
        P = rng.normal(size=(N, m))
    Y = np.eye(m)[rng.integers(0, m, N)] if "cross" in name else rng.uniform(size=(N, m))
    loss, ref = SL.LOSSES[name], bp.LOSSES[name]
    if name == "softmax_cross_entropy":       # one example at a time, then the batch mean
        values = [float(loss(sp.Matrix(P[i]), sp.Matrix(Y[i]))) for i in range(N)]
        assert np.isclose(np.mean(values), ref(P, Y), rtol=1e-13)
        return
    p, y = SL.symbols(N * m)
    point = dict(zip(list(p) + list(y), list(P.ravel()) + list(Y.ravel())))
    value = float(loss(p, y, batch=N).subs(point))
    grad = np.array(loss.gradient(p, y, batch=N).subs(point), dtype=float).reshape(N, m)
    np.testing.assert_allclose(value, ref(P, Y), rtol=1e-13)
    np.testing.assert_allclose(grad, ref.gradient(P, Y), rtol=1e-12)


def test_shapes_must_agree():
    p, _ = SL.symbols(2)
    _, y = SL.symbols(3)
    with pytest.raises(ValueError, match="column vectors of one shape"):
        SL.LOSSES["mse"](p, y)


def test_softmax_ce_takes_one_example():
    z, y = SL.symbols(2, "z")
    with pytest.raises(ValueError, match="one example"):
        SL.LOSSES["softmax_cross_entropy"](z, y, batch=2)


def test_names_mirror_bp():
    assert set(SL.LOSSES) == set(bp.LOSSES)
    assert SL.FUSED == bp.losses.FUSED
