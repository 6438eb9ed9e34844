"""Tests for bp.checks.initialization: right scales pass, planted bugs fail loudly."""
import numpy as np
import pytest

import bp
from bp.checks.initialization import (check_he_limit, check_he_std, check_xavier_limit,
                                      check_xavier_std)

CORRECT = {
    check_xavier_std: lambda n_in, n_out: np.sqrt(2 / (n_in + n_out)),
    check_xavier_limit: lambda n_in, n_out: np.sqrt(6 / (n_in + n_out)),
    check_he_std: lambda n_in, n_out: np.sqrt(2 / n_in),
    check_he_limit: lambda n_in, n_out: np.sqrt(6 / n_in),
}


@pytest.mark.parametrize("check", list(CORRECT), ids=lambda c: c.__name__)
def test_correct_scales_pass(check):
    result = check(CORRECT[check], verbose=False)
    assert result, result.message
    assert result.n_cases >= 4


@pytest.mark.parametrize("name, check, std", [
    ("xavier_normal", check_xavier_std, True), ("xavier_uniform", check_xavier_limit, False),
    ("he_normal", check_he_std, True), ("he_uniform", check_he_limit, False),
])
def test_the_references_match_what_bp_init_draws(name, check, std):
    # The check's formula is the scale bp.init really uses: measure it on a big draw.
    n_in, n_out = 300, 200
    W = bp.INITIALIZERS[name](n_in, n_out, np.random.default_rng(0))
    assert W.shape == (n_out, n_in)
    measured = W.std() if std else np.abs(W).max()
    expected = CORRECT[check](n_in, n_out)
    np.testing.assert_allclose(measured, expected, rtol=0.01)


@pytest.mark.parametrize("check, wrong, why", [
    (check_xavier_std, lambda n_in, n_out: 2 / (n_in + n_out), "variance instead of std"),
    (check_xavier_std, lambda n_in, n_out: np.sqrt(1 / n_in), "LeCun, not Xavier"),
    (check_xavier_limit, lambda n_in, n_out: np.sqrt(2 / (n_in + n_out)), "std as the limit"),
    (check_he_std, lambda n_in, n_out: np.sqrt(2 / n_out), "fan-out instead of fan-in"),
    (check_he_std, lambda n_in, n_out: np.sqrt(1 / n_in), "the factor 2 forgotten"),
    (check_he_limit, lambda n_in, n_out: np.sqrt(3 / n_in), "uniform bound of LeCun"),
])
def test_planted_bugs_fail_with_a_clear_message(check, wrong, why):
    result = check(wrong, verbose=False)
    assert not result, why
    assert "input:" in result.message and "n_in =" in result.message
    assert "expected:" in result.message and "got:" in result.message


def test_a_missing_return_is_explained():
    result = check_xavier_std(lambda n_in, n_out: None, verbose=False)
    assert not result
    assert "return" in result.message
