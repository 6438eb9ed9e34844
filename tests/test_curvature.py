"""bp.curvature: Hessian-vector products and power iteration, seeded, float64."""
import numpy as np
import pytest

import bp
from bp.curvature import (flat_gradient, flat_params, hessian, hvp, set_flat_params,
                          top_eigenvalue)


def _linear_net_and_data():
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 0.7, size=20)
    y = 1.5 * x - 0.5 + rng.normal(0, 0.3, size=20)
    net = bp.Network([bp.Dense(1, 1, "identity")], loss="mse")
    net.layers[0].set_params([[0.3]], [-0.2])
    return net, x[:, None], y[:, None]


def _tiny_tanh_net():
    net = bp.Network([bp.Dense(2, 3, "tanh", rng=1), bp.Dense(3, 1, "sigmoid", rng=2)],
                     loss="bce")
    X, y = bp.two_moons(12, noise=0.2, seed=0)
    for layer in net.layers:
        layer.b[...] = np.random.default_rng(3).normal(size=layer.b.shape)
    return net, X, y[:, None]


def test_flat_params_round_trip_and_order():
    net, _, _ = _tiny_tanh_net()
    theta = flat_params(net)
    assert theta.shape == (net.n_params,)
    np.testing.assert_array_equal(theta[:6], net.layers[0].W.ravel())
    np.testing.assert_array_equal(theta[6:9], net.layers[0].b)
    set_flat_params(net, 2 * theta)
    np.testing.assert_array_equal(flat_params(net), 2 * theta)


def test_hvp_of_a_quadratic_is_the_exact_hessian_times_v():
    net, X, Y = _linear_net_and_data()
    x = X[:, 0]
    H = 2 / len(x) * np.array([[x @ x, x.sum()], [x.sum(), len(x)]])
    v = np.array([0.7, -1.3])
    np.testing.assert_allclose(hvp(net, X, Y, v), H @ v, rtol=1e-8)


def test_hvp_matches_second_differences_of_the_loss():
    """Independent of backprop: H_ij from four loss values per entry."""
    net, X, Y = _tiny_tanh_net()
    theta, P, h = flat_params(net), net.n_params, 1e-4

    def loss(t):
        set_flat_params(net, t)
        return net.loss(X, Y)

    E = np.eye(P) * h
    H_fd = np.array([[(loss(theta + E[i] + E[j]) - loss(theta + E[i] - E[j])
                       - loss(theta - E[i] + E[j]) + loss(theta - E[i] - E[j]))
                      / (4 * h * h) for j in range(P)] for i in range(P)])
    set_flat_params(net, theta)
    H = hessian(net, X, Y)
    np.testing.assert_allclose(H, H_fd, atol=1e-5)
    np.testing.assert_allclose(H, H.T, atol=1e-8)      # columns from separate gradients
    assert np.abs(H).max() > 1e-2                       # not trivially zero


def test_hvp_restores_parameters_and_leaves_v_alone():
    net, X, Y = _tiny_tanh_net()
    theta = flat_params(net)
    v = np.ones(net.n_params)
    v_copy = v.copy()
    hvp(net, X, Y, v)
    np.testing.assert_array_equal(flat_params(net), theta)
    np.testing.assert_array_equal(v, v_copy)
    np.testing.assert_array_equal(hvp(net, X, Y, np.zeros(net.n_params)), 0)


def test_top_eigenvalue_of_a_known_matrix():
    rng = np.random.default_rng(4)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    eigs = np.array([5.0, 2.0, 1.0, 0.5, -0.3, 0.1])
    M = Q @ np.diag(eigs) @ Q.T
    lam, v = top_eigenvalue(lambda u: M @ u, 6, iters=500, tol=1e-12, seed=0)
    assert lam == pytest.approx(5.0, rel=1e-8)
    np.testing.assert_allclose(abs(v @ Q[:, 0]), 1.0, rtol=1e-6)
    # a warm start converges in few products
    start = v + 0.01 * Q[:, 1]
    calls = []
    lam2, _ = top_eigenvalue(lambda u: calls.append(1) or M @ u, 6, tol=1e-10, v0=start)
    assert lam2 == pytest.approx(5.0, rel=1e-8) and len(calls) < 20


def test_top_eigenvalue_of_a_network_hessian_matches_eigvalsh():
    net, X, Y = _tiny_tanh_net()
    H = hessian(net, X, Y)
    lam, _ = top_eigenvalue(lambda u: hvp(net, X, Y, u), net.n_params, iters=1000,
                            tol=1e-10, seed=0)
    eigs = np.linalg.eigvalsh((H + H.T) / 2)
    top = eigs[np.argmax(np.abs(eigs))]
    assert lam == pytest.approx(top, rel=1e-5)


def test_flat_gradient_is_backprop():
    net, X, Y = _tiny_tanh_net()
    g = flat_gradient(net, X, Y)
    assert bp.gradcheck(net, X, Y)
    np.testing.assert_allclose(g[:6], net.layers[0].dW.ravel())


@pytest.mark.parametrize("bad, match", [
    (np.ones(3), r"v must have shape \(13,\)"),
    (np.full(13, np.nan), "v contains NaN"),
])
def test_hvp_rejects_a_bad_direction(bad, match):
    net, X, Y = _tiny_tanh_net()
    with pytest.raises(ValueError, match=match):
        hvp(net, X, Y, bad)


@pytest.mark.parametrize("eps", [0.0, -1e-3, np.inf])
def test_hvp_rejects_a_bad_step(eps):
    net, X, Y = _tiny_tanh_net()
    with pytest.raises(ValueError, match="eps must be a positive"):
        hvp(net, X, Y, np.ones(net.n_params), eps=eps)


def test_top_eigenvalue_rejects_bad_arguments():
    with pytest.raises(ValueError, match="dim must be a positive int"):
        top_eigenvalue(lambda u: u, 0)
    with pytest.raises(ValueError, match="iters must be a positive int"):
        top_eigenvalue(lambda u: u, 3, iters=0)
    with pytest.raises(ValueError, match=r"matvec must return shape \(3,\)"):
        top_eigenvalue(lambda u: np.ones(2), 3)
    with pytest.raises(ValueError, match="v0 must not be the zero vector"):
        top_eigenvalue(lambda u: u, 3, v0=np.zeros(3))
    with pytest.raises(ValueError, match=r"v0 must have shape \(3,\)"):
        top_eigenvalue(lambda u: u, 3, v0=np.ones(4))
    with pytest.raises(ValueError, match=r"theta must have shape"):
        set_flat_params(_tiny_tanh_net()[0], np.ones(2))


def test_module_docstring_example_runs():
    import doctest
    result = doctest.testmod(bp.curvature)
    assert result.attempted >= 3 and result.failed == 0
