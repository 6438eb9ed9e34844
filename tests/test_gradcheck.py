"""bp.gradcheck: finite differences, the relative error, the report, and planted bugs."""
import numpy as np
import pytest

import bp
from bp.activations import sigmoid, softmax
from conftest import make_net, make_targets


def test_numerical_gradient_of_known_functions(rng):
    x = rng.normal(size=(3, 4))
    g = bp.numerical_gradient(lambda: np.sum(np.sin(x)), x)
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-8, atol=1e-10)
    assert g.dtype == np.float64 and g.shape == x.shape


def test_central_is_second_order_forward_first_order():
    x = np.array([0.7])
    f = lambda: float(np.exp(x[0]))                                  # noqa: E731
    exact = np.exp(0.7)
    err = {m: [abs(bp.numerical_gradient(f, x, eps, m)[0] - exact) for eps in (1e-2, 1e-3)]
           for m in ("central", "forward")}
    assert err["central"][0] / err["central"][1] == pytest.approx(100, rel=0.05)  # O(eps^2)
    assert err["forward"][0] / err["forward"][1] == pytest.approx(10, rel=0.05)   # O(eps)


def test_x_restored_bitwise_even_when_f_raises(rng):
    x = rng.normal(size=5)
    before = x.copy()
    calls = []

    def f():
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("boom")
        return float(np.sum(x ** 2))
    with pytest.raises(RuntimeError, match="boom"):
        bp.numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)


def test_indices_and_the_actual_step_in_float32():
    x = np.array([0.3, 1.7, -2.2], dtype=np.float32)
    f = lambda: float(np.sum(x.astype(np.float64) ** 3))                 # noqa: E731
    g = bp.numerical_gradient(f, x, eps=1e-3, indices=[(0,), (2,)])
    assert np.isnan(g[1])
    # x[i] +- 1e-3 is rounded to float32. For x**3 the centered quotient over the steps
    # actually taken is 3 x^2 + h^2 (h ~ 1e-3) up to the rounding of h itself; dividing
    # by the nominal 2e-3 instead would be off by about 1e-3 at x = -2.2.
    exact = 3 * x.astype(np.float64) ** 2
    np.testing.assert_allclose(g[[0, 2]] - exact[[0, 2]], 1e-6, rtol=1e-3)
    up, down = np.float32(x[2] + 1e-3), np.float32(x[2] - 1e-3)
    nominal = (float(up) ** 3 - float(down) ** 3) / 2e-3
    assert abs(nominal - exact[2]) > 1e-4


@pytest.mark.parametrize("kwargs,err,msg", [
    (dict(method="backward"), ValueError, r"method must be one of \['central', 'forward'\]"),
    (dict(eps=0.0), ValueError, "eps must be a positive finite number"),
    (dict(eps=float("inf")), ValueError, "eps must be a positive finite number"),
])
def test_numerical_gradient_bad_arguments(kwargs, err, msg):
    x = np.zeros(2)
    with pytest.raises(err, match=msg):
        bp.numerical_gradient(lambda: 0.0, x, **kwargs)
    with pytest.raises(TypeError, match="x must be a float ndarray"):
        bp.numerical_gradient(lambda: 0.0, np.zeros(2, dtype=int))


def test_relative_error(rng):
    a = rng.normal(size=10)
    assert bp.relative_error(a, a) == 0
    assert bp.relative_error(np.zeros(3), np.zeros(3)) == 0
    assert bp.relative_error(a, -a) == pytest.approx(1.0)
    assert bp.relative_error(a, 2 * a) == pytest.approx(1 / 3)
    b = a + 1e-6 * rng.normal(size=10)
    assert bp.relative_error(a, b) == pytest.approx(bp.relative_error(b, a))
    assert bp.relative_error(1e-9 * a, 1e-9 * b) == pytest.approx(bp.relative_error(a, b))


def test_check_derivative():
    z = np.linspace(-3, 3, 13)
    assert bp.check_derivative(np.tanh, lambda v: 1 - np.tanh(v) ** 2, z) < 1e-8
    assert bp.gradcheck.check_derivative is bp.check_derivative
    assert bp.check_derivative(np.tanh, lambda v: 1 - np.tanh(v), z) > 0.1
    assert bp.check_derivative is bp.derivative_error is bp.gradcheck.derivative_error


def test_derivative_error_is_absolute_below_1_and_relative_above():
    z = np.array([0.5, 2.0])
    # f = c z: a wrong derivative c + 0.01 is off by 0.01 absolutely, by 0.01 / c relatively
    for c, expected in [(1e-3, 0.01), (0.5, 0.01), (100.0, 0.01 / 100.0)]:
        err = bp.derivative_error(lambda v: c * v, lambda v: c + 0.01 + 0 * v, z)
        assert err == pytest.approx(expected, rel=1e-6)
    # not a relative error: with a derivative near 0, a relative error would be about 1
    err = bp.derivative_error(lambda v: 1e-9 * v, lambda v: 2e-9 + 0 * v, z)
    assert err == pytest.approx(1e-9, rel=1e-3)
    assert bp.relative_error(np.full(2, 2e-9), np.full(2, 1e-9)) > 0.3


def test_report_table_and_passing(rng):
    net = make_net((3, 4, 2), ("tanh", "sigmoid"), "bce")
    X, Y = rng.normal(size=(5, 3)), make_targets("bce", 5, 2, rng)
    report = bp.gradcheck(net, X, Y)
    assert report and report.passed
    assert [r.name for r in report.rows] == ["W1", "b1", "W2", "b2"]
    assert [r.shape for r in report.rows] == [(4, 3), (4,), (2, 4), (2,)]
    assert [r.checked for r in report.rows] == [12, 4, 8, 2]
    text = str(report)
    assert text.startswith("gradient check (central differences, eps=1e-06, tol=1e-07)")
    assert "rel. error" in text and text.splitlines()[-1] == "PASSED"
    assert len(text.splitlines()) == 2 + 4 + 1

    class Printer:
        out = ""

        def text(self, s):
            self.out += s
    p = Printer()
    report._repr_pretty_(p, False)
    assert p.out == text
    # The net is left as after forward(X), backward(Y) at the original weights.
    grads = [g.copy() for _, _, g in net.gradients()]
    net.forward(X)
    net.backward(Y)
    for a, (_, _, b) in zip(grads, net.gradients()):
        np.testing.assert_array_equal(a, b)


def test_planted_wrong_activation_derivative_is_caught(rng):
    """A sigmoid whose df forgot the (1 - s) factor, put into the hidden layer."""
    wrong = bp.Activation("bad_sigmoid", sigmoid, sigmoid)
    net = bp.Network([bp.Dense(3, 4, wrong, rng=0), bp.Dense(4, 2, "identity", rng=1)],
                     loss="mse")
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    report = bp.gradcheck(net, X, Y)
    assert not report.passed and not report
    ok = {r.name: r.ok for r in report.rows}
    assert ok == {"W1": False, "b1": False, "W2": True, "b2": True}   # BP2 is where it bites
    assert report.max_rel_error > 0.1
    assert str(report).splitlines()[-1] == "FAILED" and "NO" in str(report)


def test_planted_wrong_loss_gradient_is_caught(rng):
    """An mse gradient without its factor 2: every gradient is half the truth, so the
    relative error is |g - g/2| / (|g| + |g/2|) = 1/3 for every array."""
    from bp.losses import Loss, mse
    half = Loss("mse_missing_2", mse, lambda P, Y: (P - Y) / P.size, classification=False)
    net = bp.Network([bp.Dense(3, 4, "tanh", rng=0), bp.Dense(4, 2, "identity", rng=1)],
                     loss=half)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    report = bp.gradcheck(net, X, Y)
    assert not report.passed
    for row in report.rows:
        assert row.rel_error == pytest.approx(1 / 3, rel=1e-5)


def test_planted_diagonal_softmax_jacobian_is_caught(rng):
    """The common mistake: backpropagate through softmax with s(1 - s) only."""
    diag = bp.Activation("softmax_diag", softmax, None, elementwise=False,
                         jacobian=lambda z: None, vjp_fn=lambda z, a, g: g * a * (1 - a))
    net = bp.Network([bp.Dense(3, 4, "tanh", rng=0), bp.Dense(4, 3, diag, rng=1)], loss="mse")
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    assert not bp.gradcheck(net, X, Y).passed


def test_weights_restored_even_if_the_loss_raises(rng, monkeypatch):
    net = make_net((2, 3, 1), ("tanh", "identity"), "mse")
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    before = [p.copy() for _, _, p in net.parameters()]
    calls = []
    real = net.loss

    def flaky(X_, Y_):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("interrupted")
        return real(X_, Y_)
    monkeypatch.setattr(net, "loss", flaky)
    with pytest.raises(RuntimeError, match="interrupted"):
        bp.gradcheck(net, X, Y)
    for a, (_, _, p) in zip(before, net.parameters()):
        np.testing.assert_array_equal(a, p)


def test_max_entries_samples_reproducibly(rng):
    net = make_net((10, 8, 3), ("tanh", "identity"), "mse")
    X, Y = rng.normal(size=(4, 10)), rng.normal(size=(4, 3))
    r1 = bp.gradcheck(net, X, Y, max_entries=5, rng=1)
    r2 = bp.gradcheck(net, X, Y, max_entries=5, rng=1)
    assert [r.checked for r in r1.rows] == [5, 5, 5, 3]
    assert [r.rel_error for r in r1.rows] == [r.rel_error for r in r2.rows]
    assert r1.passed


def test_forward_differences_are_less_accurate(rng):
    net = make_net((3, 4, 2), ("tanh", "sigmoid"), "mse")
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    central = bp.gradcheck(net, X, Y, method="central")
    forward = bp.gradcheck(net, X, Y, method="forward", tol=1e-4)
    assert forward.max_rel_error > 10 * central.max_rel_error
    assert "forward differences" in str(forward)


def test_step_below_float_spacing_is_a_clear_error():
    x = np.array([1.0], np.float32)
    for method in ("central", "forward"):
        with pytest.raises(ValueError, match="spacing of float32"):
            bp.numerical_gradient(lambda: float(x[0] ** 2), x, eps=1e-9, method=method)
    assert x[0] == 1.0


def test_forward_differences_evaluate_f_once_per_entry_plus_one():
    x = np.arange(5.0)
    calls = []

    def f():
        calls.append(1)
        return float(np.sum(x ** 2))

    g = bp.numerical_gradient(f, x, eps=1e-6, method="forward")
    assert len(calls) == x.size + 1
    np.testing.assert_allclose(g, 2 * np.arange(5.0), atol=1e-5)


@pytest.mark.parametrize("bad,err,msg", [
    (0, ValueError, "max_entries must be a positive int, got 0"),
    (-1, ValueError, "max_entries must be a positive int, got -1"),
    (2.0, TypeError, "max_entries must be a positive int, got float"),
    (True, TypeError, "max_entries must be a positive int, got bool"),
])
def test_max_entries_must_be_positive_or_none(bad, err, msg, rng):
    net = bp.Network([bp.Dense(2, 3, "tanh", rng=0)], loss="mse")
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 3))
    with pytest.raises(err, match=msg):
        bp.gradcheck(net, X, Y, max_entries=bad)
    full = bp.gradcheck(net, X, Y, max_entries=None)
    assert full.passed and [r.checked for r in full.rows] == [6, 3]
    one = bp.gradcheck(net, X, Y, max_entries=1)
    assert [r.checked for r in one.rows] == [1, 1]
