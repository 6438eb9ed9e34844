"""Tests for bp.checks.normalization: right batch-norm backward passes pass, the classic
wrong ones fail, each with its diagnosis."""
import numpy as np
import pytest

import bp
from bp.checks import check_batchnorm_backward, signatures


def compact(dy, x, gamma, eps):
    """The chapter's compact formula."""
    N = x.shape[0]
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv
    g = dy * gamma
    dx = inv / N * (N * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


def staged(dy, x, gamma, eps):
    """CS231n's staged backward: one node of the graph at a time."""
    N = x.shape[0]
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc ** 2).mean(axis=0)
    std = np.sqrt(var + eps)
    x_hat = xc / std
    dx_hat = dy * gamma
    dstd = -(dx_hat * xc).sum(axis=0) / std ** 2
    dvar = dstd / (2 * std)
    dxc = dx_hat / std + 2 * xc * dvar / N
    dx = dxc - dxc.mean(axis=0)
    return dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


@pytest.mark.parametrize("fn", [compact, staged], ids=["compact", "staged"])
def test_right_implementations_pass(fn):
    result = check_batchnorm_backward(fn, verbose=False)
    assert result, result.message
    assert result.n_cases == 5


def test_the_reference_agrees_with_finite_differences():
    rng = np.random.default_rng(0)
    x, dy, gamma = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.uniform(1, 2, 3)

    def loss():
        x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
        return float(np.sum((gamma * x_hat) * dy))
    dx = bp.checks.normalization.reference(dy, x, gamma, 1e-5)[0]
    assert bp.relative_error(dx, bp.numerical_gradient(loss, x)) < 1e-7


def _wrong(change):
    def fn(dy, x, gamma, eps):
        N = x.shape[0]
        ddof = 1 if change == "ddof" else 0
        inv = 1 / np.sqrt(x.var(axis=0, ddof=ddof) + eps)
        x_hat = (x - x.mean(axis=0)) * inv
        g = dy if change == "gamma" else dy * gamma
        if change == "const":
            dx = g * inv
        elif change == "mean_only":
            dx = inv * (g - g.mean(axis=0))
        elif change == "no_1/N":
            dx = inv * (N * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
        else:
            dx = inv / N * (N * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
        dgamma, dbeta = (dy * x_hat).sum(axis=0), dy.sum(axis=0)
        return (dx, dbeta, dgamma) if change == "swap" else (dx, dgamma, dbeta)
    return fn


def _layer_norm_axis(dy, x, gamma, eps):
    F = x.shape[1]
    inv = 1 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - x.mean(axis=1, keepdims=True)) * inv
    g = dy * gamma
    dx = inv / F * (F * g - g.sum(axis=1, keepdims=True)
                    - x_hat * (g * x_hat).sum(axis=1, keepdims=True))
    return dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


@pytest.mark.parametrize("fn, diagnosis", [
    (_wrong("const"), "treated as constants"),
    (_wrong("mean_only"), "path through σ is missing"),
    (_wrong("ddof"), "N − 1"),
    (_wrong("gamma"), "γ is missing"),
    (_wrong("no_1/N"), "1/N is missing"),
    (_wrong("swap"), "swapped"),
    (_layer_norm_axis, "layer norm's axis"),
])
def test_classic_mistakes_fail_with_their_diagnosis(fn, diagnosis):
    result = check_batchnorm_backward(fn, verbose=False)
    assert not result
    assert diagnosis in result.diagnosis, result.message
    assert "batchnorm_backward(dy, x, gamma, eps)" in result.message


def test_changing_an_argument_in_place_fails_even_with_right_values():
    def inplace(dy, x, gamma, eps):
        out = compact(dy, x, gamma, eps)
        x -= x.mean(axis=0)                  # centres the caller's x
        return out
    result = check_batchnorm_backward(inplace, verbose=False)
    assert not result and "changed `x` in place" in result.message


def test_a_missing_return_and_a_crash_are_reported():
    assert not check_batchnorm_backward(lambda dy, x, gamma, eps: None, verbose=False)
    result = check_batchnorm_backward(lambda dy, x, gamma, eps: 1 / 0, verbose=False)
    assert not result and "ZeroDivisionError" in result.message


def test_the_signature_is_registered():
    assert signatures()["check_batchnorm_backward"] == \
        "batchnorm_backward(dy, x, gamma, eps) -> (dx, dgamma, dbeta)"
