"""bp.smooth_relus: GELU (tanh), SiLU and ELU; known values, limits, stability, mistakes."""
import math
import warnings

import numpy as np
import pytest

from bp import smooth_relus as R
from bp.activations import ACTIVATIONS, sigmoid


def test_known_values():
    assert R.silu(np.array(0.0)) == 0.0 and R.silu_prime(np.array(0.0)) == 0.5
    np.testing.assert_allclose(R.silu(np.array([1.0])), [1 / (1 + math.exp(-1))], rtol=1e-15)
    np.testing.assert_allclose(R.elu(np.array([-1.0, 0.0, 2.0])), [math.expm1(-1), 0.0, 2.0],
                               rtol=1e-15)
    np.testing.assert_array_equal(R.elu_prime(np.array([0.0, 3.0])), [1.0, 1.0])
    np.testing.assert_allclose(R.elu_prime(np.array([-2.0])), [math.exp(-2)], rtol=1e-15)


def test_silu_minimum_and_limits():
    z = np.linspace(-10, 10, 200_001)
    f = R.silu(z)
    # the minimum of z*sigma(z) is about -0.2785 at z = -1.2785 (where f' = 0)
    assert abs(z[np.argmin(f)] + 1.2785) < 1e-3 and abs(f.min() + 0.2785) < 1e-4
    assert abs(R.silu_prime(np.array(z[np.argmin(f)]))) < 1e-3
    np.testing.assert_allclose(R.silu(np.array([40.0])), [40.0])
    assert abs(R.silu(np.array([-40.0]))[0]) < 1e-15


def test_elu_is_continuous_with_continuous_slope_at_zero():
    h = 1e-7
    left, right = R.elu(np.array(-h)), R.elu(np.array(h))
    assert abs(left) < 2 * h and abs(right - h) < 1e-22
    assert abs(R.elu_prime(np.array(-h)) - R.elu_prime(np.array(h))) < 2 * h


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_no_overflow_at_extremes(dtype):
    z = np.array([-1e4, -1000.0, 0.0, 1000.0, 1e4], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")
        out = [R.silu(z), R.silu_prime(z), R.elu(z), R.elu_prime(z)]
    for a in out:
        assert a.dtype == dtype and np.all(np.isfinite(a))
    np.testing.assert_array_equal(out[2][[0, -1]], [-1.0, 1e4])


def test_registered_under_their_names():
    for name, f, df in [("silu", R.silu, R.silu_prime), ("elu", R.elu, R.elu_prime),
                        ("gelu_tanh", R.gelu_tanh, R.gelu_tanh_prime)]:
        assert ACTIVATIONS[name].f is f and ACTIVATIONS[name].df is df


def test_forgetting_the_product_rule_is_wrong():
    """A common slip: d/dz [z sigma(z)] taken as sigma(z) (or as sigma'(z))."""
    z = np.linspace(-4, 4, 81)
    assert not np.allclose(R.silu_prime(z), sigmoid(z))
    assert not np.allclose(R.silu_prime(z), sigmoid(z) * (1 - sigmoid(z)))


def test_input_not_mutated():
    z = np.array([-1.0, 0.5, 2.0])
    before = z.copy()
    for fn in (R.silu, R.silu_prime, R.elu, R.elu_prime):
        fn(z)
    np.testing.assert_array_equal(z, before)
