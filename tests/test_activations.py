"""bp.activations: values, derivatives (vs finite differences and SymPy), stability."""
import math
import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bp
from bp import activations as A
from conftest import ELEMENTWISE, KINKED, away_from_kinks

z_sym = sp.Symbol("z", real=True)
_C = sp.sqrt(2 / sp.pi)
#: The same formulas, written independently in SymPy.
SYMPY_FORMULAS = {
    "identity": z_sym,
    "sigmoid": 1 / (1 + sp.exp(-z_sym)),
    "tanh": sp.tanh(z_sym),
    "relu": sp.Piecewise((z_sym, z_sym > 0), (0, True)),
    "leaky_relu": sp.Piecewise((z_sym, z_sym > 0), (sp.Rational(1, 100) * z_sym, True)),
    "softplus": sp.log(1 + sp.exp(z_sym)),
    "gelu_tanh": sp.Rational(1, 2) * z_sym
    * (1 + sp.tanh(_C * (z_sym + sp.Rational(44715, 1000000) * z_sym ** 3))),
    "silu": z_sym / (1 + sp.exp(-z_sym)),
    "elu": sp.Piecewise((z_sym, z_sym > 0), (sp.exp(z_sym) - 1, True)),
}

shapes = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6)
values = st.floats(-20, 20, allow_nan=False, allow_infinity=False)
z_arrays = hnp.arrays(np.float64, shapes, elements=values)


def test_registry_names():
    assert set(bp.ACTIVATIONS) == {"identity", "sigmoid", "tanh", "relu", "leaky_relu",
                                   "softplus", "gelu_tanh", "silu", "elu", "softmax"}
    assert set(SYMPY_FORMULAS) == set(ELEMENTWISE)
    for name, act in bp.ACTIVATIONS.items():
        assert act.name == name and bp.get_activation(name) is act
        assert A.is_builtin(act)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_value_matches_sympy(name):
    z = np.linspace(-6, 6, 41)
    f = sp.lambdify(z_sym, SYMPY_FORMULAS[name], "numpy")
    np.testing.assert_allclose(bp.get_activation(name)(z), f(z) * np.ones_like(z),
                               rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_sympy_diff(name):
    df_sym = sp.lambdify(z_sym, sp.diff(SYMPY_FORMULAS[name], z_sym), "numpy")
    z = away_from_kinks(np.linspace(-8, 8, 81), 1e-3)
    expected = df_sym(z) * np.ones_like(z)
    np.testing.assert_allclose(bp.get_activation(name).derivative(z), expected,
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(z=z_arrays)
def test_derivative_matches_centered_differences(name, z):
    act = bp.get_activation(name)
    if name in KINKED:
        z = away_from_kinks(z, 1e-3)
    eps = 1e-6
    fd = (act(z + eps) - act(z - eps)) / (2 * eps)
    np.testing.assert_allclose(act.derivative(z), fd, rtol=1e-6, atol=1e-7)
    assert bp.gradcheck.check_derivative(act.f, act.df, z) < 1e-6


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(z=z_arrays)
def test_vjp_is_g_times_derivative(name, z):
    act = bp.get_activation(name)
    g = np.cos(z)
    np.testing.assert_allclose(act.vjp(z, act(z), g), g * act.derivative(z), rtol=1e-15)


def test_kinks_follow_pytorch():
    z = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(A.relu_prime(z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(A.leaky_relu_prime(z), [0.01, 0.01, 1.0])
    np.testing.assert_array_equal(A.relu(z), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(A.leaky_relu(z), [-0.01, 0.0, 1.0])


def test_known_values():
    assert A.sigmoid(np.array(0.0)) == 0.5
    assert A.sigmoid_prime(np.array(0.0)) == 0.25
    np.testing.assert_allclose(A.softplus(np.array([0.0])), [math.log(2)], rtol=1e-15)
    # GELU (tanh approximation) at 1, computed by hand from its formula.
    expected = 0.5 * (1 + math.tanh(math.sqrt(2 / math.pi) * (1 + 0.044715)))
    np.testing.assert_allclose(A.gelu_tanh(np.array([1.0])), [expected], rtol=1e-15)
    # Differs from the exact (erf) GELU by less than 1e-3 on [-5, 5].
    z = np.linspace(-5, 5, 101)
    exact = 0.5 * z * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))
    assert np.max(np.abs(A.gelu_tanh(z) - exact)) < 1e-3


# ------------------------------------------------------------------- softmax
def _sympy_softmax_jacobian(n):
    zs = sp.symbols(f"z0:{n}", real=True)
    den = sum(sp.exp(v) for v in zs)
    s = [sp.exp(v) / den for v in zs]
    return zs, sp.lambdify(zs, sp.Matrix(s).jacobian(zs), "numpy")


@pytest.mark.parametrize("n", [2, 3, 5])
def test_softmax_jacobian_matches_sympy(n, rng):
    zs, jac = _sympy_softmax_jacobian(n)
    Z = rng.normal(scale=2, size=(4, n))
    J = A.softmax_jacobian(Z)
    assert J.shape == (4, n, n)
    for k in range(4):
        np.testing.assert_allclose(J[k], np.array(jac(*Z[k]), dtype=float), rtol=1e-12,
                                   atol=1e-15)
    np.testing.assert_array_equal(bp.get_activation("softmax").derivative(Z), J)


@given(Z=hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(2, 6)),
                    elements=values))
def test_softmax_jacobian_and_vjp_vs_centered_differences(Z):
    eps = 1e-6
    n = Z.shape[1]
    J = A.softmax_jacobian(Z)
    for j in range(n):
        e = np.zeros(n)
        e[j] = eps
        fd = (A.softmax(Z + e) - A.softmax(Z - e)) / (2 * eps)
        np.testing.assert_allclose(J[:, :, j], fd, rtol=1e-5, atol=1e-8)
    g = np.sin(np.arange(Z.size).reshape(Z.shape))
    act = bp.get_activation("softmax")
    vjp = act.vjp(Z, act(Z), g)
    np.testing.assert_allclose(vjp, np.einsum("ki,kij->kj", g, J), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(J.sum(axis=1), 0, atol=1e-15)   # softmax rows sum to 1


def test_softmax_diagonal_alone_is_not_the_derivative(rng):
    Z = rng.normal(size=(3, 4))
    s = A.softmax(Z)
    g = rng.normal(size=(3, 4))
    wrong = g * s * (1 - s)
    assert not np.allclose(A.softmax_vjp(Z, s, g), wrong)


def test_softmax_rows_are_distributions_and_shift_invariant(rng):
    Z = rng.normal(size=(5, 4))
    s = A.softmax(Z)
    np.testing.assert_allclose(s.sum(axis=1), 1, rtol=1e-15)
    np.testing.assert_allclose(A.softmax(Z + 1000.0), s, rtol=1e-13)


# ----------------------------------------------------------------- stability
STRICT = dict(over="raise", invalid="raise", divide="raise")  # underflow to 0 is correct


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("big", [1e3, 1e4])
def test_extreme_inputs_no_overflow(big, dtype):
    z = np.array([-big, -1.0, 0.0, 1.0, big], dtype=dtype)
    with np.errstate(**STRICT), warnings.catch_warnings():
        warnings.simplefilter("error")
        s = A.sigmoid(z)
        ds = A.sigmoid_prime(z)
        sp_ = A.softplus(z)
        dsp = A.softplus_prime(z)
        sm = A.softmax(np.stack([z, -z]))
        J = A.softmax_jacobian(np.stack([z, -z]))
        t = A.tanh_prime(z)
    for arr in (s, ds, sp_, dsp, sm, J, t):
        assert np.all(np.isfinite(arr)) and arr.dtype == dtype
    np.testing.assert_array_equal(s[[0, -1]], [0.0, 1.0])
    np.testing.assert_array_equal(ds[[0, -1]], [0.0, 0.0])
    np.testing.assert_allclose(sp_[[0, -1]], [0.0, big])
    np.testing.assert_array_equal(sm[0], [0, 0, 0, 0, 1])
    np.testing.assert_allclose(sm.sum(axis=1), 1, rtol=1e-6)


@pytest.mark.parametrize("name", list(bp.ACTIVATIONS))
def test_float32_in_float32_out_and_input_untouched(name, rng):
    act = bp.get_activation(name)
    z = rng.normal(size=(3, 4)).astype(np.float32)
    before = z.copy()
    assert act(z).dtype == np.float32
    assert act.derivative(z).dtype == np.float32
    assert act.vjp(z, act(z), np.ones_like(z)).dtype == np.float32
    np.testing.assert_array_equal(z, before)
    assert act(z) is not z                          # identity returns a copy


# ------------------------------------------------------------- registry/API
def test_unknown_name_suggests_closest():
    with pytest.raises(ValueError, match=r"unknown activation 'sigmod' \(did you mean "
                                         r"'sigmoid'\?\); known: elu, gelu_tanh, identity"):
        bp.get_activation("sigmod")
    with pytest.raises(ValueError, match="unknown activation 'gelu'.*did you mean 'gelu_tanh'"):
        bp.get_activation("gelu")
    with pytest.raises(TypeError, match="activation must be given by name"):
        bp.get_activation(3)


def test_custom_activation_checked():
    with pytest.raises(TypeError, match="element-wise, so df must be callable"):
        bp.Activation("mine", np.sin, None)
    with pytest.raises(TypeError, match="needs callable jacobian and vjp_fn"):
        bp.Activation("rowwise", A.softmax, None, elementwise=False)
    with pytest.raises(TypeError, match="f must be callable"):
        bp.Activation("bad", 3, np.cos)
    mine = bp.Activation("sine", np.sin, np.cos)
    assert bp.get_activation(mine) is mine and not A.is_builtin(mine)
    # A custom activation that borrows a built-in name is still not the built-in.
    assert not A.is_builtin(bp.Activation("sigmoid", A.sigmoid, A.sigmoid_prime))


def test_activation_name_must_be_a_string():
    with pytest.raises(TypeError, match="an activation's name must be a str, got int"):
        bp.Activation(3, np.sin, np.cos)
