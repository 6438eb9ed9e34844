"""bp.reporting: printed bounds rounded outward, never past the number they bound."""
import math
from decimal import Decimal

import numpy as np
import pytest

import bp


@pytest.mark.parametrize("x, digits, up, down", [
    (0.003149, 2, 0.0032, 0.0031),
    (0.003149, 1, 0.004, 0.003),
    (-0.123, 2, -0.12, -0.13),
    (9.99, 1, 10.0, 9.0),
    (123456.0, 3, 124000.0, 123000.0),
    (2.0, 2, 2.0, 2.0),                       # already short: unchanged both ways
    (0.3, 1, 0.3, 0.3),                       # no binary noise: 0.3 / 0.1 < 3 in floats
    (0.0, 2, 0.0, 0.0),
])
def test_gold_values(x, digits, up, down):
    assert bp.round_up(x, digits) == up
    assert bp.round_down(x, digits) == down


def test_naive_rounding_breaks_the_bound_and_the_naive_ceiling_adds_noise():
    x = 0.003149
    assert round(x, 4) < x <= bp.round_up(x, 2)           # nearest rounding is not a bound
    assert math.ceil(0.3 / 0.1) * 0.1 != 0.3              # the float recipe prints 0.30000000000000004
    assert bp.round_up(0.3, 1) == 0.3


def test_bounds_hold_and_keep_the_digits_asked_for():
    rng = np.random.default_rng(0)
    xs = rng.standard_normal(2000) * 10.0 ** rng.integers(-12, 12, 2000)
    for x in map(float, xs):
        for digits in (1, 2, 3):
            up, down = bp.round_up(x, digits), bp.round_down(x, digits)
            assert down <= x <= up
            for bound in (up, down):
                significant = Decimal(repr(bound)).normalize().as_tuple().digits
                assert len(significant) <= digits       # 9.99 -> 10 keeps one digit


def test_numpy_scalars_and_float32_read_at_their_own_precision():
    assert bp.round_up(np.float64(0.0123), 2) == 0.013
    assert bp.round_up(np.float32(0.1), 2) == 0.1         # not 0.11 from 0.10000000149
    assert bp.round_down(np.float32(0.1), 2) == 0.1
    assert bp.round_up(np.int64(7), 1) == 7.0


def test_large_digits_and_extreme_exponents():
    assert bp.round_up(2.5, 30) == 2.5
    assert bp.round_up(1.234e300, 2) == 1.3e300
    assert bp.round_down(1.234e-300, 3) == 1.23e-300


@pytest.mark.parametrize("x", ["0.5", True, 1 + 2j, np.array([0.5]), None])
def test_x_that_is_not_a_real_number_is_a_type_error(x):
    for f in (bp.round_up, bp.round_down):
        with pytest.raises(TypeError, match=f.__name__ + ": x must be a real number"):
            f(x)


@pytest.mark.parametrize("x", [math.nan, math.inf, -np.inf])
def test_non_finite_x_is_a_value_error(x):
    with pytest.raises(ValueError, match="round_up: x must be finite"):
        bp.round_up(x)


@pytest.mark.parametrize("digits", [0, -1, 1.5, True, "2"])
def test_bad_digits_is_a_value_error(digits):
    with pytest.raises(ValueError, match="round_down: digits must be an integer >= 1"):
        bp.round_down(0.5, digits)


def test_the_module_examples_run():
    import doctest
    import bp.reporting
    result = doctest.testmod(bp.reporting, verbose=False)
    assert result.attempted >= 4 and result.failed == 0
