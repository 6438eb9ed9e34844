"""Tests for bp.checks.forward_backward: correct code passes, planted bugs fail loudly."""
import numpy as np

from bp.checks import (check_backward_2layer, check_forward_pass, check_gradient_descent,
                       check_sgd_step)
from bp.checks.forward_backward import two_layer_cases


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(X, W1, b1, W2, b2):
    Z1 = X @ W1.T + b1
    A1 = sigmoid(Z1)
    Z2 = A1 @ W2.T + b2
    return Z1, A1, Z2, sigmoid(Z2)


def backward(X, Y, W1, b1, W2, b2, transpose_bug=False, sign=1.0, mean=True):
    Z1, A1, Z2, A2 = forward(X, W1, b1, W2, b2)
    scale = 2 / Y.size if mean else 2.0
    d2 = scale * (A2 - Y) * A2 * (1 - A2)
    back = d2 @ W2 if not transpose_bug else d2 * W2.sum()  # bug: no matrix product
    d1 = back * A1 * (1 - A1)
    return sign * (d1.T @ X), sign * d1.sum(0), sign * (d2.T @ A1), sign * d2.sum(0)


def test_forward_correct_passes():
    result = check_forward_pass(forward, verbose=False)
    assert result, result.message
    assert result.n_cases == 4


def test_forward_without_bias_fails(capsys):
    def no_bias(X, W1, b1, W2, b2):
        return forward(X, W1, 0 * b1, W2, 0 * b2)
    assert not check_forward_pass(no_bias)
    out = capsys.readouterr().out
    assert "FAILED" in out and "W1 =" in out and "expected" in out and "got" in out


def test_forward_untransposed_weights_fail():
    """X @ W1 instead of X @ W1.T: fine for square W1 only by accident, wrong here."""
    def wrong(X, W1, b1, W2, b2):
        Z1 = X @ W1 + b1
        return Z1, sigmoid(Z1), Z1, Z1
    result = check_forward_pass(wrong, verbose=False)
    assert not result
    assert "case 1" in result.message  # square W1 but values differ already


def test_backward_correct_passes():
    result = check_backward_2layer(backward, verbose=False)
    assert result, result.message


def test_backward_planted_bugs_fail():
    assert not check_backward_2layer(
        lambda *a: backward(*a, transpose_bug=True), verbose=False)
    assert not check_backward_2layer(lambda *a: backward(*a, sign=-1.0), verbose=False)
    summed = check_backward_2layer(lambda *a: backward(*a, mean=False), verbose=False)
    assert not summed and "expected" in summed.message


def test_backward_wrong_shape_reported():
    def transposed(*a):
        dW1, db1, dW2, db2 = backward(*a)
        return dW1.T, db1, dW2, db2
    result = check_backward_2layer(transposed, verbose=False)
    assert not result
    assert "`dW1`" in result.message  # dW1 is the culprit, even where it is square
    assert "dW2" not in result.message.splitlines()[0]


def test_sgd_step():
    assert check_sgd_step(lambda t, g, lr: t - lr * g, verbose=False)
    wrong = check_sgd_step(lambda t, g, lr: t + lr * g, verbose=False)
    assert not wrong and "theta =" in wrong.message and "expected" in wrong.message


def test_sgd_step_that_mutates_and_returns_none_fails():
    def inplace(t, g, lr):
        t -= lr * g
    result = check_sgd_step(inplace, verbose=False)
    assert not result and "None" in result.message


def test_gradient_descent_loop():
    def gd(grad, theta0, lr, steps):
        path = [theta0.astype(float)]
        for _ in range(steps):
            path.append(path[-1] - lr * grad(path[-1]))
        return np.array(path)

    def gd_without_start(grad, theta0, lr, steps):
        return gd(grad, theta0, lr, steps)[1:]
    assert check_gradient_descent(gd, verbose=False)
    bad = check_gradient_descent(gd_without_start, verbose=False)
    assert not bad and "shape" in bad.message


def test_cases_are_seeded():
    for a, b in zip(two_layer_cases(), two_layer_cases()):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
