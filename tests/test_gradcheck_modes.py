"""bp.gradcheck_modes: the directional check and the input-gradient check, on correct
networks (must pass), planted bugs (must fail), and bad arguments (clear errors)."""
import numpy as np
import pytest

import bp
from bp.activations import sigmoid
from bp.gradcheck_modes import directional_check, input_gradcheck, input_gradient


def make(hidden="tanh", out="sigmoid", loss="mse", act=None):
    return bp.Network([bp.Dense(4, 5, act or hidden, rng=0), bp.Dense(5, 3, out, rng=1)],
                      loss=loss)


BAD_SIGMOID = bp.Activation("bad_sigmoid", sigmoid, sigmoid)     # forgot the (1 - s)


@pytest.fixture
def data(rng):
    return rng.normal(size=(6, 4)), rng.uniform(size=(6, 3))


@pytest.mark.parametrize("hidden,out,loss", [("tanh", "sigmoid", "mse"),
                                             ("softplus", "sigmoid", "bce"),
                                             ("gelu_tanh", "softmax", "cross_entropy")])
def test_directional_check_passes_correct_networks(data, hidden, out, loss):
    X, Y = data
    if loss == "cross_entropy":
        Y = np.argmax(Y, axis=1)
    report = directional_check(make(hidden, out, loss), X, Y, n_directions=8)
    assert report.passed and report.rel_errors.max() < 1e-7
    np.testing.assert_allclose(report.numeric, report.analytic, rtol=1e-7)


def test_directional_derivative_is_v_dot_gradient(data):
    """The analytic side is v . g for the drawn unit v (steps rounded, so to ~1e-9)."""
    X, Y = data
    net = make()
    report = directional_check(net, X, Y, n_directions=3, rng=7)
    net.forward(X); net.backward(Y)
    g = np.concatenate([g.ravel() for _, _, g in net.gradients()])
    gen = np.random.default_rng(7)
    for k in range(3):
        v = gen.normal(size=g.size); v /= np.linalg.norm(v)
        assert report.analytic[k] == pytest.approx(v @ g, rel=1e-8)


def test_directional_check_fails_a_planted_bug_and_costs_two_evaluations(data, monkeypatch):
    X, Y = data
    net = make(act=BAD_SIGMOID)
    calls = []
    real = net.loss
    monkeypatch.setattr(net, "loss", lambda *a: calls.append(1) or real(*a))
    report = directional_check(net, X, Y, n_directions=4)
    assert not report.passed and not report and report.rel_errors.min() > 1e-2
    assert len(calls) == report.evaluations == 8
    assert str(report).endswith("FAILED") and "8 loss evaluations" in str(report)


def test_directional_check_restores_weights_even_if_the_loss_raises(data, monkeypatch):
    X, Y = data
    net = make()
    before = [p.copy() for _, _, p in net.parameters()]
    real, calls = net.loss, []

    def flaky(*a):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return real(*a)

    monkeypatch.setattr(net, "loss", flaky)
    with pytest.raises(RuntimeError):
        directional_check(net, X, Y)
    for b, (_, _, p) in zip(before, net.parameters()):
        np.testing.assert_array_equal(b, p)


def test_directional_check_seeds(data):
    X, Y = data
    a, b = (directional_check(make(), X, Y, rng=s).analytic for s in (0, 1))
    c = directional_check(make(), X, Y, rng=0).analytic
    np.testing.assert_array_equal(a, c)
    assert not np.allclose(a, b)


@pytest.mark.parametrize("kwargs,err,msg", [
    (dict(n_directions=0), ValueError, "n_directions"),
    (dict(n_directions="3"), TypeError, "n_directions"),
    (dict(eps=-1e-6), ValueError, "eps must be a positive"),
    (dict(eps=np.nan), ValueError, "eps must be a positive"),
])
def test_directional_check_bad_arguments(data, kwargs, err, msg):
    with pytest.raises(err, match=msg):
        directional_check(make(), *data, **kwargs)


def test_input_gradient_is_delta1_times_W1(data):
    X, Y = data
    net = make()
    G = input_gradient(net, X, Y)
    assert G.shape == X.shape
    np.testing.assert_array_equal(G, net.layers[0].delta @ net.layers[0].W)
    Xc = X.copy()
    fd = bp.numerical_gradient(lambda: net.loss(Xc, Y), Xc)
    assert bp.relative_error(G, fd) < 1e-8


def test_input_gradcheck_passes_fails_and_leaves_X_alone(data):
    X, Y = data
    X0 = X.copy()
    report = input_gradcheck(make(), X, Y)
    assert report.passed and report.rows[0].name == "X" and report.rows[0].checked == X.size
    np.testing.assert_array_equal(X, X0)
    assert not input_gradcheck(make(act=BAD_SIGMOID), X, Y).passed
    assert input_gradcheck(make(), X.tolist(), Y).passed          # array-likes too


def test_input_gradcheck_leaves_the_caches_of_the_original_batch(data):
    X, Y = data
    net = make()
    input_gradcheck(net, X, Y)
    np.testing.assert_array_equal(net.layers[0].A_prev, X)
    grads = [g.copy() for _, _, g in net.gradients()]
    net.forward(X); net.backward(Y)
    for a, (_, _, b) in zip(grads, net.gradients()):
        np.testing.assert_array_equal(a, b)
