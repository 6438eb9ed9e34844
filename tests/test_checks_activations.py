"""Tests for bp.checks.activations: correct implementations pass, planted bugs fail."""
from __future__ import annotations

import numpy as np
import pytest

from bp.checks.activations import (
    EXTREMES, check_activation, check_derivative, check_sigmoid_derivative,
    check_softmax_jacobian, check_stable_sigmoid,
)


# ---------------------------------------------------------------- correct ones
def stable_sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def naive_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def stable_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def jacobian(z):
    s = stable_softmax(z)
    return np.diag(s) - np.outer(s, s)


C = np.sqrt(2 / np.pi)

CORRECT = {
    "identity": (lambda z: z * 1.0, lambda z: np.ones_like(z)),
    "sigmoid": (stable_sigmoid, lambda z: stable_sigmoid(z) * (1 - stable_sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 / np.cosh(np.clip(z, -300, 300)) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0) * 1.0),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z),
                   lambda z: np.where(z > 0, 1.0, 0.01)),
    "softplus": (lambda z: np.logaddexp(0.0, z), stable_sigmoid),
    "gelu_tanh": (
        lambda z: 0.5 * z * (1 + np.tanh(C * (z + 0.044715 * z ** 3))),
        lambda z: (0.5 * (1 + np.tanh(C * (z + 0.044715 * z ** 3)))
                   + 0.5 * z * (1 - np.tanh(C * (z + 0.044715 * z ** 3)) ** 2)
                   * C * (1 + 3 * 0.044715 * z ** 2)),
    ),
    "silu": (lambda z: z * stable_sigmoid(z),
             lambda z: stable_sigmoid(z) + z * stable_sigmoid(z) * stable_sigmoid(-z)),
    "elu": (lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
            lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0)))),
}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_activation_and_derivative_pass(name):
    f, df = CORRECT[name]
    assert check_activation(name, f, verbose=False)
    assert check_derivative(name, df, verbose=False)


def test_correct_softmax_and_jacobian_pass():
    assert check_activation("softmax", stable_softmax, verbose=False)
    assert check_softmax_jacobian(jacobian, verbose=False)


def test_stable_sigmoid_passes_and_results_count_cases():
    result = check_stable_sigmoid(stable_sigmoid, verbose=False)
    assert result and result.n_cases >= 5
    assert check_sigmoid_derivative(CORRECT["sigmoid"][1], verbose=False)


def test_extremes_include_large_values_and_the_kink():
    assert EXTREMES.min() <= -1000 and EXTREMES.max() >= 1000 and 0.0 in EXTREMES


# ---------------------------------------------------------------- planted bugs
def test_naive_sigmoid_fails_stability_check_with_input_shown(capsys):
    result = check_stable_sigmoid(naive_sigmoid)
    assert not result
    out = capsys.readouterr().out
    assert "FAILED" in out and "overflow" in out and "-1000" in out


def test_naive_exp_ratio_sigmoid_gives_nan_and_fails():
    result = check_activation("sigmoid", lambda z: np.exp(z) / (1 + np.exp(z)), verbose=False)
    assert not result
    assert "z =" in result.message


def test_wrong_sigmoid_derivative_fails_with_expected_and_got():
    # a classic slip: sigma(z) * (1 - z) instead of sigma(z) * (1 - sigma(z))
    result = check_sigmoid_derivative(lambda z: stable_sigmoid(z) * (1 - z), verbose=False)
    assert not result
    assert "expected" in result.message and "got" in result.message
    assert "0.5" in result.message          # the first input, z = 0.5, is shown


def test_relu_derivative_with_one_at_the_kink_fails():
    result = check_derivative("relu", lambda z: (z >= 0) * 1.0, verbose=False)
    assert not result
    assert "expected 0" in result.message and "value 1" in result.message


def test_gelu_exact_erf_form_is_not_the_tanh_approximation():
    from math import erf
    exact = np.vectorize(lambda z: 0.5 * z * (1 + erf(z / np.sqrt(2))))
    assert not check_activation("gelu_tanh", exact, verbose=False)


def test_softmax_without_max_shift_fails_on_large_logits():
    def unshifted(z):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)
    result = check_activation("softmax", unshifted, verbose=False)
    assert not result and result.n_cases == 4   # the +-1000 case


def test_softmax_normalised_over_wrong_axis_fails():
    def by_column(z):
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    assert not check_activation("softmax", by_column, verbose=False)


def test_diagonal_only_softmax_jacobian_fails():
    result = check_softmax_jacobian(lambda z: np.diag(stable_softmax(z) * (1 - stable_softmax(z))),
                                    verbose=False)
    assert not result
    assert "expected" in result.message


def test_jacobian_with_wrong_shape_fails():
    result = check_softmax_jacobian(lambda z: stable_softmax(z) * (1 - stable_softmax(z)),
                                    verbose=False)
    assert not result and "shape" in result.message


def test_exception_in_reader_code_is_reported_not_raised():
    def broken(z):
        raise RuntimeError("not implemented yet")
    result = check_derivative("tanh", broken, verbose=False)
    assert not result and "RuntimeError" in result.message


def test_unknown_name_and_softmax_derivative_are_rejected():
    with pytest.raises(ValueError, match="unknown activation"):
        check_activation("swish", np.tanh)
    with pytest.raises(ValueError, match="check_softmax_jacobian"):
        check_derivative("softmax", np.tanh)



PLANTED = [
    # (check, planted bug, text the report must contain)
    (lambda fn: check_activation("tanh", fn, verbose=False), lambda z: np.tanh(z) + 1e-3,
     ["expected", "got", "z ="]),
    (lambda fn: check_derivative("softplus", fn, verbose=False), np.tanh,
     ["expected", "got", "z ="]),
    (lambda fn: check_sigmoid_derivative(fn, verbose=False),
     lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, ["raised FloatingPointError", "z ="]),
    (lambda fn: check_stable_sigmoid(fn, verbose=False), naive_sigmoid,
     ["raised FloatingPointError", "overflow", "z ="]),
    (lambda fn: check_softmax_jacobian(fn, verbose=False), lambda z: -jacobian(z),
     ["expected", "got", "z ="]),
]


@pytest.mark.parametrize("check, bug, shown", PLANTED)
def test_every_check_reports_a_planted_bug_with_its_input(check, bug, shown):
    result = check(bug)
    assert not result
    assert "input:" in result.message
    for text in shown:
        assert text in result.message
