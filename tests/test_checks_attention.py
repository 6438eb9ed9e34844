"""Tests for bp.checks.attention: a correct attention backward passes, the classic
slips fail with their diagnosis, and the reference is bp.SelfAttention's backward."""
import numpy as np
import pytest

import bp
from bp.checks.attention import (VARIANTS, check_attention_backward,
                                 reference_attention_backward)


def attention_backward(Q, K, V, dO):
    """A reader's correct backward pass, with the full Jacobian of every row."""
    d = Q.shape[1]
    S = Q @ K.T / np.sqrt(d)
    E = np.exp(S - S.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    dP = dO @ V.T
    dS = np.stack([(np.diag(p) - np.outer(p, p)) @ g for p, g in zip(P, dP)])
    return dS @ K / np.sqrt(d), dS.T @ Q / np.sqrt(d), P.T @ dO


def test_a_correct_backward_passes():
    result = check_attention_backward(attention_backward, verbose=False)
    assert result, result.message
    assert result.n_cases == 5


def test_the_reference_is_bp_selfattention():
    # identity projections and zero biases: Q = K = V = x, so dx = dQ + dK + dV
    g = np.random.default_rng(0)
    x, dy = g.normal(size=(1, 4, 3)), g.normal(size=(1, 4, 3))
    layer = bp.SelfAttention(3, rng=0)
    for p in "qkvo":
        getattr(layer, f"W_{p}")[...] = np.eye(3)
    layer.forward(x)
    dx = layer.backward(dy)
    dQ, dK, dV = reference_attention_backward(x[0], x[0], x[0], dy[0])
    np.testing.assert_allclose(dx[0], dQ + dK + dV, rtol=1e-12, atol=1e-14)


def test_the_reference_agrees_with_finite_differences():
    g = np.random.default_rng(1)
    Q, K, V, R = (g.normal(size=(3, 2)) for _ in range(4))

    def loss():
        S = Q @ K.T / np.sqrt(2)
        P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
        return float(np.sum(P @ V * R))
    for grad, p in zip(reference_attention_backward(Q, K, V, R), (Q, K, V)):
        assert bp.relative_error(grad, bp.numerical_gradient(loss, p)) < 1e-8


@pytest.mark.parametrize("k", range(len(VARIANTS)))
def test_each_classic_slip_fails_with_its_diagnosis(k):
    message, wrong = VARIANTS[k]
    result = check_attention_backward(wrong, verbose=False)
    assert not result
    assert result.diagnosis == message


def test_in_place_changes_are_reported():
    def in_place(Q, K, V, dO):
        out = attention_backward(Q, K, V, dO)
        Q *= 2
        return out
    result = check_attention_backward(in_place, verbose=False)
    assert not result and "changed `Q` in place" in result.message
