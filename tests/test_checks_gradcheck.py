"""Tests for bp.checks.gradcheck: correct implementations pass, planted bugs fail."""
import numpy as np

import bp
from bp.checks import gradcheck as cg


def centered(f, x, eps):
    g = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x, dtype=float)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def one_sided(f, x, eps):
    g = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x, dtype=float)
        e[i] = eps
        g[i] = (f(x + e) - f(x)) / eps
    return g


def test_centered_passes(capsys):
    result = cg.check_centered_difference(centered)
    assert result and result.n_cases == len(cg.FUNCTIONS)
    assert "PASSED" in capsys.readouterr().out


def test_centered_agrees_with_bp_numerical_gradient():
    for f, x, eps in cg.difference_cases():
        x = x.copy()
        ref = bp.numerical_gradient(lambda: f(x), x, eps=eps)
        np.testing.assert_allclose(cg.reference_centered_difference(f, x, eps), ref,
                                   rtol=1e-10)


def test_one_sided_fails(capsys):
    result = cg.check_centered_difference(one_sided)
    assert not result
    out = capsys.readouterr().out
    assert "FAILED" in out and "f = f(x) = sum(sin(x))" in out and "expected" in out


def test_dividing_by_eps_fails():
    halfway = lambda f, x, eps: 2 * centered(f, x, eps)
    assert not cg.check_centered_difference(halfway, verbose=False)


def test_flattened_result_fails():
    result = cg.check_centered_difference(lambda f, x, eps: centered(f, x, eps).ravel(),
                                          verbose=False)
    assert not result and "shape" in result.message


def test_reference_does_not_mutate_x():
    f, x, eps = cg.difference_cases()[0]
    before = x.copy()
    cg.reference_centered_difference(f, x, eps)
    np.testing.assert_array_equal(x, before)


def good_rel(a, b):
    d = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if d == 0 else float(np.linalg.norm(a - b) / d)


def test_relative_error_passes():
    assert cg.check_relative_error(good_rel, verbose=False)


def test_relative_error_planted_bugs_fail():
    divide_by_a = lambda a, b: float(np.linalg.norm(a - b) / np.linalg.norm(a))
    absolute = lambda a, b: float(np.linalg.norm(a - b))
    max_entry = lambda a, b: float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b) + 1e-300)))
    for bad in (divide_by_a, absolute, max_entry):
        result = cg.check_relative_error(bad, verbose=False)
        assert not result, bad
        assert "input" in result.message


def test_relative_error_of_opposite_gradients_is_one():
    a = np.array([1.0, -2.0])
    assert bp.relative_error(a, -a) == 1.0


def test_scalar_function_repr():
    assert repr(cg.FUNCTIONS[0]) == "f(x) = sum(sin(x))"
