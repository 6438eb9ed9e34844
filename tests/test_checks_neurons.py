"""Tests for bp.checks.neurons: correct layers pass, planted bugs are reported as failed."""
import numpy as np
import pytest

from bp.checks.neurons import (DENSE_CASES, NETWORK_CASES, check_dense_forward,
                               check_network_forward, dense_cases, network_cases)


def dense(A_prev, W, b, activation):
    return activation(A_prev @ W.T + b)


def network(X, weights, biases, activations):
    A = X
    for W, b, f in zip(weights, biases, activations):
        A = f(A @ W.T + b)
    return A


def test_dense_correct_passes():
    result = check_dense_forward(dense, verbose=False)
    assert result, result.message
    assert result.n_cases == len(DENSE_CASES)


def test_dense_missing_transpose_fails_with_values(capsys):
    """A @ W instead of A @ W.T: the square first case gives wrong numbers, not an error."""
    result = check_dense_forward(lambda A, W, b, f: f(A @ W + b))
    assert not result
    assert "case 1 is wrong" in result.message
    out = capsys.readouterr().out
    assert "FAILED" in out and "expected" in out and "got" in out and "W =" in out


@pytest.mark.parametrize("bug", [
    lambda A, W, b, f: f(A @ W.T),                 # bias forgotten
    lambda A, W, b, f: A @ W.T + b,                # activation forgotten
    lambda A, W, b, f: f(A @ W.T) + b,             # bias added after the activation
    lambda A, W, b, f: f(A @ W.T + b).T,           # wrong orientation
    lambda A, W, b, f: f(A @ W.T + b).sum(0),      # batch summed away
    lambda A, W, b, f: None,                       # forgot to return
])
def test_dense_planted_bugs_fail(bug):
    result = check_dense_forward(bug, verbose=False)
    assert not result
    assert result.message.startswith("case ")


def test_dense_non_square_transpose_bug_is_reported_not_raised():
    def wrong(A, W, b, f):
        if W.shape[0] == W.shape[1]:
            return dense(A, W, b, f)    # only right by accident on square weights
        return f(A @ W + b)
    result = check_dense_forward(wrong, verbose=False)
    assert not result
    assert "case 2" in result.message and "raised ValueError" in result.message


def test_dense_that_spoils_its_inputs_fails_and_names_them():
    # Right values, but the caller's W is zeroed: the chapter's next cell would break.
    def mutating(A, W, b, f):
        out = dense(A, W, b, f)
        W *= 0
        return out
    result = check_dense_forward(mutating, verbose=False)
    assert not result
    assert "changed `W` in place" in result.message
    assert result.inputs["W"].any()          # the pristine input is kept for a rerun


def test_network_correct_passes():
    result = check_network_forward(network, verbose=False)
    assert result, result.message
    assert result.n_cases == len(NETWORK_CASES)


@pytest.mark.parametrize("bug", [
    lambda X, Ws, bs, fs: network(X, Ws[::-1], bs[::-1], fs[::-1]),          # reversed order
    lambda X, Ws, bs, fs: network(X, Ws, bs, [fs[0]] * len(fs)),             # one activation
    lambda X, Ws, bs, fs: network(X, Ws, bs, [lambda z: z] * len(fs)),       # none at all
    lambda X, Ws, bs, fs: network(X, Ws[:-1], bs[:-1], fs[:-1]),             # last layer lost
])
def test_network_planted_bugs_fail(bug):
    assert not check_network_forward(bug, verbose=False)


def test_cases_are_seeded_and_shaped():
    for (A, W, b, f), (N, n_in, n_out, _) in zip(dense_cases(), DENSE_CASES):
        assert A.shape == (N, n_in) and W.shape == (n_out, n_in) and b.shape == (n_out,)
        assert A.dtype == np.float64
    np.testing.assert_array_equal(dense_cases()[0][0], dense_cases()[0][0])
    for X, Ws, bs, fs in network_cases():
        for W_prev, W in zip(Ws, Ws[1:]):
            assert W.shape[1] == W_prev.shape[0]
        assert len(Ws) == len(bs) == len(fs)
