"""bp.symbolic.activations: every SymPy derivative equals its textbook form, and both match bp."""
import numpy as np
import pytest
import sympy as sp

import bp
import bp.symbolic as bps
from bp.symbolic import activations as SA

z = SA.z


@pytest.mark.parametrize("name", sorted(SA.ACTIVATIONS))
def test_diff_equals_textbook(name):
    act = SA.ACTIVATIONS[name]
    proof = act.prove()
    assert proof, f"{name}: {act.derivative(z)} != {act.textbook(z)}"
    # independent of our prover: SymPy's own simplify agrees (or .equals for Piecewise)
    diff = act.derivative(z) - act.textbook(z)
    assert sp.simplify(diff) == 0 or act.derivative(z).equals(act.textbook(z))


def test_the_textbook_identities_themselves():
    s = SA.sigmoid(z)
    assert sp.simplify(sp.diff(s, z) - s * (1 - s)) == 0                 # sigma' = sigma(1-sigma)
    assert sp.simplify(sp.diff(sp.tanh(z), z) - (1 - sp.tanh(z) ** 2)) == 0
    softplus = SA.ACTIVATIONS["softplus"].f(z)
    assert sp.simplify(sp.diff(softplus, z) - s) == 0                    # softplus' = sigma


@pytest.mark.parametrize("name", sorted(SA.ACTIVATIONS))
def test_lambdified_matches_bp(name):
    """The SymPy function and its derivative evaluate to bp's, away from ReLU's kink."""
    act, ref = SA.ACTIVATIONS[name], bp.ACTIVATIONS[name]
    zs = np.array([-3.0, -0.7, -0.1, 0.2, 1.3, 4.0])
    f = sp.lambdify(z, act.f(z), "numpy")
    df = sp.lambdify(z, act.derivative(z), "numpy")
    np.testing.assert_allclose(np.broadcast_to(f(zs), zs.shape), ref.f(zs), rtol=1e-13)
    np.testing.assert_allclose(np.broadcast_to(df(zs), zs.shape), ref.df(zs), rtol=1e-13)


@pytest.mark.parametrize("name, at_zero", [("relu", 0), ("leaky_relu", sp.Rational(1, 100)),
                                           ("elu", 1)])
def test_kink_convention_matches_bp(name, at_zero):
    assert SA.ACTIVATIONS[name].derivative(sp.Integer(0)) == at_zero
    assert float(at_zero) == bp.ACTIVATIONS[name].df(np.array([0.0]))[0]


@pytest.mark.parametrize("n", [2, 3, 4])
def test_softmax_jacobian_is_diag_minus_outer(n):
    assert bps.prove_softmax_jacobian(n)


def test_softmax_jacobian_is_not_its_diagonal():
    """The common mistake s(1-s) on the diagonal only is NOT the Jacobian."""
    v = sp.Matrix(sp.symbols("z_1:4", real=True))
    s = SA.softmax(v)
    wrong = sp.diag(*[si * (1 - si) for si in s])
    assert not bps.prove_equal(SA.softmax_jacobian(v), wrong)
    point = {vi: val for vi, val in zip(v, (0.1, -0.4, 0.9))}
    diff = (SA.softmax_jacobian(v) - wrong).subs(point).evalf()
    assert max(abs(d) for d in diff) > 0.05


def test_softmax_jacobian_matches_bp():
    v = sp.Matrix(sp.symbols("z_1:4", real=True))
    J = sp.lambdify(list(v), SA.softmax_jacobian(v), "numpy")
    zs = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(np.array(J(*zs), dtype=float),
                               bp.activations.softmax_jacobian(zs[None])[0], rtol=1e-13)


def test_names_mirror_bp():
    assert set(SA.NAMES) == set(bp.ACTIVATIONS)


def test_unknown_name_fails():
    with pytest.raises(ValueError, match="unknown symbolic activation 'sigmod'"):
        SA.get_activation("sigmod")


def test_kink_value_is_a_convention_not_sympys_heaviside():
    """diff(Max(0, z)) is SymPy's Heaviside, 1/2 at 0; bp's Piecewise chooses 0 (PyTorch)."""
    h = sp.diff(sp.Max(0, z), z)
    assert h.subs(z, 0) == sp.Rational(1, 2)
    assert SA.ACTIVATIONS["relu"].derivative(sp.Integer(0)) == 0
    # the convention sits in the condition: writing z >= 0 would have chosen 1
    other = sp.diff(sp.Piecewise((z, z >= 0), (0, True)), z)
    assert other.subs(z, 0) == 1
