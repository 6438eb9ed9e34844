"""Tests for bp.checks.backward: correct implementations pass, planted bugs fail."""
import numpy as np
import pytest

import bp
from bp.checks import backward as cb


def good_backward(net, X, Y):
    net.forward(X)
    delta = net.output_delta(net.targets(Y))                  # BP1
    grads = []
    for l in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[l]
        grads.append((delta.T @ layer.A_prev, delta.sum(axis=0)))   # BP3, BP4
        if l > 0:
            below = net.layers[l - 1]
            delta = (delta @ layer.W) * below.activation.df(below.Z)  # BP2
    return grads[::-1]


def no_transpose_backward(net, X, Y):
    net.forward(X)
    delta = net.output_delta(net.targets(Y))
    grads = []
    for l in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[l]
        grads.append((delta.T @ layer.A_prev, delta.sum(axis=0)))
        if l > 0:
            below = net.layers[l - 1]
            delta = (delta @ layer.W.T) * below.activation.df(below.Z)
    return grads[::-1]


def mean_db_backward(net, X, Y):
    return [(dW, db / X.shape[0]) for dW, db in good_backward(net, X, Y)]


def test_check_backward_passes_correct(capsys):
    result = cb.check_backward(good_backward)
    assert result and result.n_cases == len(cb.NETWORKS)
    assert "PASSED" in capsys.readouterr().out


def test_check_backward_passes_bp_itself():
    def via_bp(net, X, Y):
        net.forward(X)
        net.backward(Y)
        return [(l.dW, l.db) for l in net.layers]
    assert cb.check_backward(via_bp, verbose=False)


def test_check_backward_reports_missing_transpose(capsys):
    result = cb.check_backward(no_transpose_backward)
    assert not result
    out = capsys.readouterr().out
    assert "FAILED" in out and "raised ValueError" in out and "net = Network(" in out


def test_check_backward_reports_averaged_db(capsys):
    result = cb.check_backward(mean_db_backward)
    assert not result
    out = capsys.readouterr().out
    assert "case 1 is wrong" in out and "expected" in out and "got" in out


def test_check_backward_reports_none():
    result = cb.check_backward(lambda net, X, Y: None, verbose=False)
    assert not result
    assert "sequence" in result.message


def test_check_backward_does_not_touch_callers_nets():
    net, X, Y = cb.backward_cases()[0]
    W = net.layers[0].W.copy()
    cb.reference_backward(net, X, Y)
    np.testing.assert_array_equal(net.layers[0].W, W)
    assert net.layers[0].dW is None                # the reference worked on a copy


def test_reference_matches_gradcheck():
    for net, X, Y in cb.backward_cases():
        if net.loss_fn.name == "mse" and any(l.activation.name == "relu" for l in net.layers):
            continue                               # a kink could be hit; smooth nets only
        report = bp.gradcheck(net, X, Y)
        assert report.passed, str(report)


def test_check_delta_recursion():
    good = lambda d, W, Z, act: (d @ W) * bp.get_activation(act).df(Z)
    assert cb.check_delta_recursion(good, verbose=False)
    no_fprime = lambda d, W, Z, act: d @ W
    seed_article = lambda d, W, Z, act: d @ W.T                   # no derivative, no transpose
    wrong_side = lambda d, W, Z, act: (W.T @ d.T).T * bp.get_activation(act).df(Z).T
    for bad in (no_fprime, seed_article, wrong_side):
        result = cb.check_delta_recursion(bad, verbose=False)
        assert not result
        assert "input" in result.message and "delta_next" in result.message


def test_check_delta_recursion_message_shows_values():
    result = cb.check_delta_recursion(lambda d, W, Z, act: d @ W, verbose=False)
    assert "expected:" in result.message and "got:" in result.message


def test_check_layer_gradients():
    assert cb.check_layer_gradients(lambda d, A: (d.T @ A, d.sum(0)), verbose=False)
    assert not cb.check_layer_gradients(lambda d, A: (A.T @ d, d.sum(0)), verbose=False)
    assert not cb.check_layer_gradients(lambda d, A: (d.T @ A, d.mean(0)), verbose=False)
    # batch 1: summing or not is the same, but the shape of db must still be (n_l,)
    res = cb.check_layer_gradients(lambda d, A: (d.T @ A, d.sum(0, keepdims=True)),
                                   verbose=False)
    assert not res and "shape" in res.message


@pytest.mark.parametrize("seed", [0, 1])
def test_cases_are_seeded(seed):
    a = cb.backward_cases(seed)
    b = cb.backward_cases(seed)
    for (n1, X1, Y1), (n2, X2, Y2) in zip(a, b):
        np.testing.assert_array_equal(X1, X2)
        np.testing.assert_array_equal(np.asarray(Y1), np.asarray(Y2))
        np.testing.assert_array_equal(n1.layers[0].W, n2.layers[0].W)
