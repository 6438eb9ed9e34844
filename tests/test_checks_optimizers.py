"""Tests for bp.checks.optimizers: correct update rules pass, planted bugs fail loudly."""
import numpy as np
import pytest

import bp
from bp.checks.optimizers import check_adam_step, check_momentum_step, check_nesterov_step


def momentum_step(theta, v, g, lr, mu):
    v = mu * v + g
    return theta - lr * v, v


def nesterov_step(theta, v, g, lr, mu):
    v = mu * v + g
    return theta - lr * (g + mu * v), v


def adam_step(theta, m, v, g, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def test_correct_steps_pass():
    for check, fn in [(check_momentum_step, momentum_step),
                      (check_nesterov_step, nesterov_step),
                      (check_adam_step, adam_step)]:
        result = check(fn, verbose=False)
        assert result, result.message
        assert result.n_cases >= 4


def test_polyak_form_with_constant_lr_passes_momentum():
    # Polyak's v' = mu v' - lr g; theta += v' is the same rule with v' = -lr v.
    def polyak(theta, v, g, lr, mu):
        u = mu * (-lr * v) - lr * g
        return theta + u, -u / lr
    assert check_momentum_step(polyak, verbose=False)


def test_references_agree_with_a_bp_training_step():
    # The check's reference is bp itself: one Network step with SGD(momentum) moves W
    # exactly as momentum_step predicts from the layer's gradient.
    net = bp.Network([bp.Dense(3, 2, "tanh", rng=0)], loss="mse")
    X, Y = np.random.default_rng(1).normal(size=(5, 3)), np.zeros((5, 2))
    opt = bp.SGD(lr=0.1, momentum=0.9)
    for _ in range(2):
        W_before = net.layers[0].W.copy()
        v_before = opt.state.get((0, "W"), {}).get("v", np.zeros_like(W_before)).copy()
        net.forward(X)
        net.backward(Y)
        expected, _ = momentum_step(W_before, v_before, net.layers[0].dW, 0.1, 0.9)
        opt.step(net)
        np.testing.assert_allclose(net.layers[0].W, expected, rtol=1e-12)


@pytest.mark.parametrize("check, wrong, why", [
    (check_momentum_step, lambda th, v, g, lr, mu: (th - lr * (mu * v + g), v),
     "velocity not returned updated"),
    (check_momentum_step, lambda th, v, g, lr, mu: (th + lr * (mu * v + g), mu * v + g),
     "sign of the update"),
    (check_momentum_step, lambda th, v, g, lr, mu: (th - lr * (mu * v + (1 - mu) * g),
                                                    mu * v + (1 - mu) * g),
     "dampened (EMA) velocity"),
    (check_nesterov_step, momentum_step, "plain momentum is not Nesterov"),
    (check_nesterov_step, lambda th, v, g, lr, mu: (th - lr * (g + mu * v), mu * v + g),
     "look-ahead with the old velocity"),
    (check_adam_step, lambda th, m, v, g, t, lr, b1, b2, eps: (
        th - lr * (b1 * m + (1 - b1) * g) / (np.sqrt(b2 * v + (1 - b2) * g * g) + eps),
        b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g), "no bias correction"),
    (check_adam_step, lambda th, m, v, g, t, lr, b1, b2, eps: (
        th - lr * ((b1 * m + (1 - b1) * g) / (1 - b1 ** t))
        / np.sqrt((b2 * v + (1 - b2) * g * g) / (1 - b2 ** t) + eps),
        b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g), "eps inside the square root"),
    (check_adam_step, lambda th, m, v, g, t, lr, b1, b2, eps: adam_step(th, m, v, g, t + 1, lr,
                                                                         b1, b2, eps),
     "off-by-one step count"),
])
def test_planted_bugs_fail_with_a_clear_message(check, wrong, why):
    result = check(wrong, verbose=False)
    assert not result, why
    assert "input:" in result.message and "expected:" in result.message
    assert "got:" in result.message


def test_t_counted_from_0_is_diagnosed_as_a_division_by_zero_not_an_overflow():
    # The planted mistake: the first step passes t = 0 to the bias corrections, so
    # m / (1 - beta1 ** 0) divides by zero on finite inputs.
    def from_0(th, m, v, g, t, lr, b1, b2, eps):
        return adam_step(th, m, v, g, t - 1, lr, b1, b2, eps)
    with np.errstate(all="ignore"):
        result = check_adam_step(from_0, verbose=False)
    assert not result
    assert "1 − β^t with t = 0" in result.message and "count t from 1" in result.message
    assert "overflows" not in result.message and "subtract the maximum" not in result.message


def test_an_overflow_elsewhere_keeps_the_overflow_diagnosis():
    from bp.checks._diagnose import diagnose_leaf
    message, key = diagnose_leaf(np.ones(3), np.array([1.0, np.inf, 1.0]), {})
    assert key == "nonfinite" and "subtract the maximum" in message


def test_a_function_that_raises_is_reported_not_raised():
    def broken(theta, v, g, lr, mu):
        raise RuntimeError("not written yet")
    result = check_momentum_step(broken, verbose=False)
    assert not result
    assert "RuntimeError" in result.message


def test_verbose_prints_the_verdict(capsys):
    check_adam_step(adam_step)
    assert "[PASSED] check_adam_step" in capsys.readouterr().out


def test_a_step_in_place_fails_with_the_name_of_the_array():
    # Right values, returned as the caller's own arrays changed in place: fails.
    def in_place(theta, v, g, lr, mu):
        v *= mu
        v += g
        theta -= lr * v
        return theta, v
    result = check_momentum_step(in_place, verbose=False)
    assert not result
    assert "changed `theta` in place" in result.message or \
        "changed `v` in place" in result.message
