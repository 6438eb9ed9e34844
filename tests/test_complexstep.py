"""bp.complexstep: complex-step gradients of a network, against backprop and finite
differences, with planted bugs that must fail and non-analytic networks that must raise."""
import numpy as np
import pytest

import bp
from bp.complexstep import (COMPLEX_ACTIVATIONS, complex_loss, complex_step_check,
                            complex_step_gradient)

ANALYTIC_PAIRS = [("identity", "mse"), ("sigmoid", "mse"), ("tanh", "mse"),
                  ("softplus", "mse"), ("softmax", "mse"), ("gelu_tanh", "mse"),
                  ("sigmoid", "bce"), ("identity", "bce_with_logits"),
                  ("softmax", "cross_entropy"), ("identity", "softmax_cross_entropy")]


def make(hidden, out, loss, n_out=3, seed=0):
    return bp.Network([bp.Dense(4, 5, hidden, rng=seed), bp.Dense(5, n_out, out, rng=seed + 1)],
                      loss=loss)


def batch(rng, loss, n_out=3, N=6):
    X = rng.normal(size=(N, 4))
    if loss in ("cross_entropy", "softmax_cross_entropy"):
        return X, rng.integers(0, n_out, size=N)
    return X, rng.uniform(size=(N, n_out))


@pytest.mark.parametrize("out,loss", ANALYTIC_PAIRS)
@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "softplus", "gelu_tanh"])
def test_agrees_with_backprop_to_rounding_and_with_finite_differences(rng, hidden, out, loss):
    net = make(hidden, out, loss)
    X, Y = batch(rng, loss)
    report = complex_step_check(net, X, Y)
    assert report.passed and report.max_rel_error < 1e-13, str(report)
    cs = complex_step_gradient(net, X, Y)
    for (_, _, p), g in zip(net.parameters(), cs):
        fd = bp.numerical_gradient(lambda: net.loss(X, Y), p)
        assert bp.relative_error(g, fd) < 1e-7


def test_complex_loss_has_the_real_loss_as_its_real_part(rng):
    for out, loss in ANALYTIC_PAIRS:
        net = make("tanh", out, loss)
        X, Y = batch(rng, loss)
        real = net.loss(X, Y)
        value = complex_loss(net, X, net.targets(Y), [p for _, _, p in net.parameters()])
        assert value.imag == 0 and value.real == pytest.approx(real, rel=1e-12)


def test_no_cancellation_the_step_can_be_absurdly_small(rng):
    net = make("tanh", "sigmoid", "mse")
    X, Y = batch(rng, "mse")
    ref = complex_step_gradient(net, X, Y, h=1e-20)
    for h in (1e-8, 1e-50, 1e-200):
        for a, b in zip(ref, complex_step_gradient(net, X, Y, h=h)):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-18)


def test_saturated_outputs_stay_finite(rng):
    """Logits of several hundred: the shifts by the real part keep exp from overflowing."""
    net = make("tanh", "sigmoid", "bce", n_out=2)
    net.layers[1].W *= 300
    X, Y = batch(rng, "bce", n_out=2)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        grads = complex_step_gradient(net, X, Y)
    assert all(np.isfinite(g).all() for g in grads)
    assert complex_step_check(net, X, Y).max_rel_error < 1e-12


class HalfDelta(bp.Network):
    """A planted bug: BP1 without the factor 2 of the MSE derivative."""

    def output_delta(self, Y):
        return 0.5 * super().output_delta(Y)


class NoActivationDerivative(bp.Network):
    """A planted bug: BP2 without f'(z) (the error passes straight through)."""

    def _backward(self, Y, delta_L=None):
        delta = self.output_delta(Y)
        for l in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[l]
            layer.delta, layer.dW, layer.db = delta, delta.T @ layer.A_prev, delta.sum(axis=0)
            delta = delta @ layer.W
        return [layer.delta for layer in self.layers]


def test_a_planted_wrong_bp1_fails_with_r_one_third(rng):
    net = HalfDelta([bp.Dense(4, 5, "tanh", rng=0), bp.Dense(5, 3, "identity", rng=1)],
                    loss="mse")
    X, Y = batch(rng, "mse")
    report = complex_step_check(net, X, Y)
    assert not report.passed and not report
    np.testing.assert_allclose([r.rel_error for r in report.rows], 1 / 3, rtol=1e-12)


def test_a_planted_wrong_bp2_fails_below_the_top_only(rng):
    net = NoActivationDerivative([bp.Dense(4, 5, "tanh", rng=0),
                                  bp.Dense(5, 3, "identity", rng=1)], loss="mse")
    X, Y = batch(rng, "mse")
    ok = {r.name: r.ok for r in complex_step_check(net, X, Y).rows}
    assert ok == {"W1": False, "b1": False, "W2": True, "b2": True}


def test_a_custom_activation_with_its_complex_formula(rng):
    buggy = bp.Activation("tanh_buggy", np.tanh, lambda z: 1 - np.tanh(z))
    net = bp.Network([bp.Dense(4, 5, buggy, rng=0), bp.Dense(5, 3, "sigmoid", rng=1)],
                     loss="mse")
    X, Y = batch(rng, "mse")
    report = complex_step_check(net, X, Y, analytic={"tanh_buggy": np.tanh})
    assert [r.ok for r in report.rows] == [False, False, True, True]
    good = bp.Activation("my_tanh", np.tanh, bp.activations.tanh_prime)
    net = bp.Network([bp.Dense(4, 5, good, rng=0), bp.Dense(5, 3, "sigmoid", rng=1)],
                     loss="mse")
    assert complex_step_check(net, X, Y, analytic={"my_tanh": np.tanh}).passed


@pytest.mark.parametrize("act", ["relu", "leaky_relu"])
def test_kinked_activations_are_refused_by_name(rng, act):
    net = make(act, "identity", "mse")
    X, Y = batch(rng, "mse")
    with pytest.raises(ValueError, match=rf"layer 1 .*'{act}'.*kink"):
        complex_step_check(net, X, Y)
    net = bp.Network([bp.Dense(4, 5, "tanh", rng=0), bp.Dense(5, 3, act, rng=1)], loss="mse")
    with pytest.raises(ValueError, match=rf"layer 2 .*'{act}'"):
        complex_step_gradient(net, X, Y)


def test_custom_activation_or_loss_without_formula_is_refused(rng):
    X, Y = batch(rng, "mse")
    custom = bp.Activation("mine", np.tanh, bp.activations.tanh_prime)
    net = bp.Network([bp.Dense(4, 5, custom, rng=0), bp.Dense(5, 3, "identity", rng=1)])
    with pytest.raises(ValueError, match="'mine'.*custom activation"):
        complex_step_check(net, X, Y)
    from bp.losses import mse, mse_grad
    loss = bp.Loss("my_mse", mse, mse_grad, classification=False)
    net = bp.Network([bp.Dense(4, 5, "tanh", rng=0), bp.Dense(5, 3, "identity", rng=1)],
                     loss=loss)
    with pytest.raises(ValueError, match="built-in loss; got 'my_mse'"):
        complex_step_check(net, X, Y)


@pytest.mark.parametrize("h", [0, -1e-20, np.inf, "1e-20"])
def test_bad_step(rng, h):
    net = make("tanh", "identity", "mse")
    X, Y = batch(rng, "mse")
    with pytest.raises(ValueError, match="h must be a positive finite number"):
        complex_step_check(net, X, Y, h=h)


def test_parameters_and_inputs_untouched_and_report(rng):
    net = make("tanh", "sigmoid", "mse")
    X, Y = batch(rng, "mse")
    X0, before = X.copy(), [p.copy() for _, _, p in net.parameters()]
    report = complex_step_check(net, X, Y)
    np.testing.assert_array_equal(X, X0)
    for b, (_, _, p) in zip(before, net.parameters()):
        np.testing.assert_array_equal(b, p)
        assert p.dtype == np.float64
    assert report.evaluations == net.n_params == sum(r.checked for r in report.rows)
    text = str(report)
    assert text.startswith("complex-step check (h=1e-20") and text.endswith("PASSED")
    assert set(COMPLEX_ACTIVATIONS) == {"identity", "sigmoid", "tanh", "softplus",
                                        "gelu_tanh", "softmax"}
