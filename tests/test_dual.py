"""Tests for bp.dual: forward mode agrees with reverse mode and with differences."""
import math

import numpy as np

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bp.autodiff import grad_of
from bp.dual import Dual, gradient

finite = st.floats(-2, 2, allow_nan=False)


def f(x, y):
    return (x * y).tanh() + (x - y).sigmoid() * x / (1 + y * y) + (x * x + 1).log() - 2 ** 1 * y


def f_float(x, y):
    s = 1 / (1 + math.exp(-(x - y)))
    return math.tanh(x * y) + s * x / (1 + y * y) + math.log(x * x + 1) - 2 * y


@settings(max_examples=30, deadline=None)
@given(x=finite, y=finite)
def test_forward_mode_equals_reverse_mode(x, y):
    assert gradient(f, [x, y]) == pytest.approx(grad_of(f, x, y), rel=1e-12, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(x=finite, y=finite)
def test_forward_mode_equals_centered_difference(x, y):
    eps = 1e-6
    g = gradient(f, [x, y])
    assert g[0] == pytest.approx((f_float(x + eps, y) - f_float(x - eps, y)) / (2 * eps),
                                 rel=1e-6, abs=1e-7)
    assert g[1] == pytest.approx((f_float(x, y + eps) - f_float(x, y - eps)) / (2 * eps),
                                 rel=1e-6, abs=1e-7)


def test_exp_relu_and_reflected_ops():
    d = (3 - Dual(2.0, 1.0)).exp() + (1 / Dual(2.0, 1.0)) + Dual(-1.0, 1.0).relu()
    assert d.val == pytest.approx(math.e + 0.5)
    assert d.dot == pytest.approx(-math.e - 0.25)


def test_one_pass_per_input():
    calls = []

    def g(*xs):
        calls.append(1)
        return sum(xs, Dual(0.0))

    gradient(g, [1.0] * 7)
    assert len(calls) == 7


@pytest.mark.parametrize("x,k,value,slope", [
    (0.0, 0, 1.0, 0.0), (0.0, 0.0, 1.0, 0.0), (3.0, 0, 1.0, 0.0),
    (0.0, 1, 0.0, 1.0), (0.0, 2, 0.0, 0.0), (0.0, 1.5, 0.0, 0.0),
    (-2.0, 3, -8.0, 12.0), (4.0, 0.5, 2.0, 0.25), (2.0, np.int64(-1), 0.5, -0.25),
])
def test_power_at_and_away_from_zero(x, k, value, slope):
    y = Dual(x, 1.0) ** k
    assert (y.val, y.dot) == (value, slope)


def test_power_where_the_derivative_or_value_is_not_finite():
    with pytest.raises(ValueError, match=r"Dual: x \*\* 0.5 at x = 0 has an infinite "
                                         "derivative"):
        Dual(0.0, 1.0) ** 0.5
    with pytest.raises(ZeroDivisionError, match="divides by zero"):
        Dual(0.0, 1.0) ** -2
    with pytest.raises(ValueError, match="not a real number"):
        Dual(-1.0, 1.0) ** 0.5
    with pytest.raises(TypeError, match="constant .* exponent"):
        Dual(2.0) ** Dual(2.0)
