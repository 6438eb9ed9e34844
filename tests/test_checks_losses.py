"""Tests for bp.checks.losses: correct implementations pass, planted bugs fail loudly."""
import numpy as np
import pytest

from bp.checks import check_logsumexp, check_loss, check_loss_gradient, check_output_delta
from bp.checks.losses import loss_cases


def _log(p):
    return np.log(p)


CORRECT_VALUES = {
    "mse": lambda P, Y: float(np.mean((P - Y) ** 2)),
    "bce": lambda P, Y: float(-np.mean(Y * _log(P) + (1 - Y) * _log(1 - P))),
    "bce_with_logits": lambda Z, Y: float(np.mean(np.logaddexp(0, Z) - Y * Z)),
    "cross_entropy": lambda P, Y: float(-np.sum(Y * _log(P)) / P.shape[0]),
    "softmax_cross_entropy": lambda Z, Y: float(
        np.mean(np.logaddexp.reduce(Z, axis=1) - np.sum(Y * Z, axis=1))),
}

CORRECT_GRADS = {
    "mse": lambda P, Y: 2 * (P - Y) / P.size,
    "bce": lambda P, Y: (P - Y) / (P * (1 - P)) / P.size,
    "bce_with_logits": lambda Z, Y: (1 / (1 + np.exp(-Z)) - Y) / Z.size,
    "cross_entropy": lambda P, Y: -Y / P / P.shape[0],
    "softmax_cross_entropy": lambda Z, Y: (
        np.exp(Z - np.logaddexp.reduce(Z, axis=1, keepdims=True)) - Y) / Z.shape[0],
}


@pytest.mark.parametrize("name", sorted(CORRECT_VALUES))
def test_correct_loss_values_pass(name):
    result = check_loss(name, CORRECT_VALUES[name], verbose=False)
    assert result, result.message
    assert result.n_cases >= 3


@pytest.mark.parametrize("name", sorted(CORRECT_GRADS))
def test_correct_loss_gradients_pass(name):
    result = check_loss_gradient(name, CORRECT_GRADS[name], verbose=False)
    assert result, result.message


def test_mse_sum_over_batch_only_fails(capsys):
    """Dividing by N instead of N*m: right for one output, wrong for several."""
    result = check_loss("mse", lambda P, Y: float(np.sum((P - Y) ** 2) / P.shape[0]))
    assert not result
    out = capsys.readouterr().out
    assert "FAILED" in out and "expected" in out and "got" in out and "P =" in out


def test_mse_gradient_without_the_two_fails():
    result = check_loss_gradient("mse", lambda P, Y: (P - Y) / P.size, verbose=False)
    assert not result
    assert "expected" in result.message and "got" in result.message


def test_article_cross_entropy_as_bce_fails():
    """The seed article's -(1/n) sum y log(y_hat) used as binary cross-entropy."""
    result = check_loss("bce", lambda P, Y: float(-np.mean(Y * np.log(P))), verbose=False)
    assert not result
    assert "case" in result.message and "input" in result.message


def test_softmax_delta_correct_and_stable():
    def delta(Z, Y):
        S = np.exp(Z - Z.max(axis=1, keepdims=True))
        S /= S.sum(axis=1, keepdims=True)
        return (S - Y) / Z.shape[0]
    assert check_output_delta(delta, verbose=False)


def test_sigmoid_delta_correct():
    def delta(Z, Y):
        e = np.exp(-np.abs(Z))
        s = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))
        return (s - Y) / Z.size
    assert check_output_delta(delta, output="sigmoid", verbose=False)


def test_naive_softmax_delta_fails_at_extreme_logits():
    def naive(Z, Y):
        with np.errstate(over="ignore", invalid="ignore"):
            S = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        return (S - Y) / Z.shape[0]
    result = check_output_delta(naive, verbose=False)
    assert not result
    assert "1e+04" in result.message or "10000" in result.message


def test_delta_forgetting_the_mean_fails():
    result = check_output_delta(lambda Z, Y: np.exp(Z) / np.exp(Z).sum(1, keepdims=True) - Y,
                                verbose=False)
    assert not result


def test_logsumexp_stable_passes_naive_fails():
    def stable(Z):
        c = Z.max(axis=1)
        return c + np.log(np.exp(Z - c[:, None]).sum(axis=1))

    def naive(Z):
        with np.errstate(over="ignore", divide="ignore"):
            return np.log(np.exp(Z).sum(axis=1))
    assert check_logsumexp(stable, verbose=False)
    bad = check_logsumexp(naive, verbose=False)
    assert not bad and "inf" in bad.message


def test_exception_in_reader_code_is_reported_not_raised():
    def broken(P, Y):
        raise RuntimeError("boom")
    result = check_loss("mse", broken, verbose=False)
    assert not result and "RuntimeError" in result.message


def test_unknown_names_raise():
    with pytest.raises(ValueError, match="unknown loss"):
        check_loss("hinge", lambda P, Y: 0.0)
    with pytest.raises(ValueError, match="output must be"):
        check_output_delta(lambda Z, Y: Z, output="tanh")


def test_cases_are_seeded_and_valid():
    a, b = loss_cases("cross_entropy"), loss_cases("cross_entropy")
    for (P1, Y1), (P2, Y2) in zip(a, b):
        np.testing.assert_array_equal(P1, P2)
        np.testing.assert_allclose(P1.sum(axis=1), 1.0)
        np.testing.assert_array_equal(Y1.sum(axis=1), 1.0)
    for P, Y in loss_cases("bce"):
        assert np.all((P > 0) & (P < 1)) and set(np.unique(Y)) <= {0.0, 1.0}
