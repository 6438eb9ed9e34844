"""Tests for bp.checks.recurrent: a correct BPTT passes, the classic slips fail with
their diagnosis."""
import numpy as np
import pytest

import bp
from bp.checks.recurrent import VARIANTS, _slipped, check_bptt, reference_bptt


def bptt(X, W_ih, W_hh, b, dh_T):
    """A reader's correct BPTT, written independently of bp.RNN."""
    N, T, _ = X.shape
    hs = [np.zeros((N, W_hh.shape[0]))]
    for t in range(T):
        hs.append(np.tanh(X[:, t] @ W_ih.T + hs[-1] @ W_hh.T + b))
    dW_ih, dW_hh, db = np.zeros(W_ih.shape), np.zeros(W_hh.shape), np.zeros(b.shape)
    dh = dh_T
    for t in range(T, 0, -1):
        delta = dh * (1 - hs[t] ** 2)
        dW_ih = dW_ih + delta.T @ X[:, t - 1]
        dW_hh = dW_hh + delta.T @ hs[t - 1]
        db = db + delta.sum(axis=0)
        dh = delta @ W_hh
    return dW_ih, dW_hh, db


def test_a_correct_bptt_passes():
    result = check_bptt(bptt, verbose=False)
    assert result, result.message
    assert result.n_cases == 5
    assert check_bptt.signature == bp.checks.signatures()["check_bptt"]


def test_the_reference_is_bp_rnn_and_agrees_with_finite_differences():
    g = np.random.default_rng(0)
    X, W_ih, W_hh = g.normal(size=(2, 4, 2)), g.normal(size=(3, 2)), g.normal(size=(3, 3))
    b, R = g.normal(size=3), g.normal(size=(2, 3))

    def loss():
        hs = np.zeros((2, 3))
        for t in range(4):
            hs = np.tanh(X[:, t] @ W_ih.T + hs @ W_hh.T + b)
        return float(np.sum(hs * R))
    got = reference_bptt(X, W_ih, W_hh, b, R)
    for grad, p in zip(got, (W_ih, W_hh, b)):
        assert bp.relative_error(grad, bp.numerical_gradient(loss, p)) < 1e-8


@pytest.mark.parametrize("k", range(len(VARIANTS)))
def test_each_classic_slip_fails_with_its_diagnosis(k):
    message, wrong = VARIANTS[k]
    result = check_bptt(wrong, verbose=False)
    assert not result
    assert result.diagnosis == message
    assert "expected:" in result.message and "got:" in result.message


def test_slips_really_differ_from_the_reference():
    W_hh = np.array([[0.5, 0.3], [-0.2, 0.4]])              # not symmetric
    case = (np.ones((1, 3, 1)), np.ones((2, 1)), W_hh, np.zeros(2), np.ones((1, 2)))
    ref = reference_bptt(*case)
    for slip in ["truncated", "h_t", "no_df", "transposed", "late_df"]:
        got = _slipped(slip)(*case)
        assert not all(np.allclose(a, e) for a, e in zip(got, ref)), slip


def test_in_place_changes_and_exceptions_are_reported():
    def in_place(X, W_ih, W_hh, b, dh_T):
        out = bptt(X, W_ih, W_hh, b, dh_T)
        dh_T *= 0
        return out
    result = check_bptt(in_place, verbose=False)
    assert not result and "changed `dh_T` in place" in result.message

    def broken(X, W_ih, W_hh, b, dh_T):
        raise NotImplementedError("write bptt")
    result = check_bptt(broken, verbose=False)
    assert not result and "NotImplementedError" in result.message
