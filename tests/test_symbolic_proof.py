"""bp.symbolic.proof: prove_equal proves true identities and never a false one."""
import pytest
import sympy as sp

import bp.symbolic as bps

x, y, w = sp.symbols("x y w", real=True)
s = 1 / (1 + sp.exp(-x))


@pytest.mark.parametrize("a, b, method", [
    (x + y, y + x, "structural"),
    (sp.exp(-x) / (1 + sp.exp(-x)) ** 2, s * (1 - s), "rational"),
    (sp.exp(2 * x) * sp.exp(-x), sp.exp(x), "structural"),
    (1 / (sp.exp(x) + 1) + 1 / (sp.exp(-x) + 1), sp.Integer(1), "rational"),
    ((x + y) ** 2, x ** 2 + 2 * x * y + y ** 2, "rational"),
    (sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1), "simplify"),
])
def test_true_identities_are_proved(a, b, method):
    proof = bps.prove_equal(a, b)
    assert proof and proof.method == method


@pytest.mark.parametrize("a, b", [
    (s * (1 - s), s),                                   # sigma' is not sigma
    (sp.exp(x) * sp.exp(-y), sp.Integer(1)),
    (sp.tanh(x), 1 - sp.tanh(x) ** 2),
    (w * x, w * y),
    (sp.Matrix([x, y]), sp.Matrix([y, x])),
])
def test_false_identities_are_not_proved(a, b):
    assert not bps.prove_equal(a, b)


def test_matrix_shapes_must_agree():
    with pytest.raises(ValueError, match=r"cannot compare shapes \(2, 1\) and \(1, 2\)"):
        bps.prove_equal(sp.Matrix([x, y]), sp.Matrix([[x, y]]))


def test_is_zero():
    assert bps.is_zero(sp.Matrix([x - x, s - 1 / (1 + sp.exp(-x))]))
    assert not bps.is_zero(x)


def test_prove_different_gives_a_witness_point():
    point = bps.prove_different(s * (1 - s), s)
    assert point is not None and set(point) == {x}
    value = (s * (1 - s) - s).subs(point)
    assert abs(sp.N(value, 30)) > 1e-3          # the witness really separates them
    assert bps.prove_different(sp.exp(-x) / (1 + sp.exp(-x)) ** 2, s * (1 - s)) is None


def test_witness_is_deterministic_and_matrix_aware():
    m = sp.Matrix([x - x, w * y])
    assert bps.witness(m) == bps.witness(m) is not None
    assert bps.witness(sp.Matrix([0, 0])) is None
    with pytest.raises(ValueError, match="cannot compare shapes"):
        bps.prove_different(sp.Matrix([x]), sp.Matrix([x, y]))
