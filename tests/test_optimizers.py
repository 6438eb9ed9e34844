"""bp.optimizers: SGD (momentum, Nesterov, weight decay) and Adam, step by step."""
import numpy as np
import pytest

import bp
from conftest import make_net
from conftest import gradients_after_backward as _grads
from conftest import optimizer_net_and_batch as _net_and_batch
from conftest import parameter_copies as _params


def test_plain_sgd_is_minus_lr_times_gradient():
    net, X, Y = _net_and_batch()
    before, g = _params(net), _grads(net, X, Y)
    ids = [id(p) for _, _, p in net.parameters()]
    bp.SGD(lr=0.3).step(net)
    for p0, gi, (_, _, p) in zip(before, g, net.parameters()):
        np.testing.assert_allclose(p, p0 - 0.3 * gi, rtol=1e-15)
    assert ids == [id(p) for _, _, p in net.parameters()]          # updated in place


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_momentum_matches_the_recursion(nesterov, weight_decay):
    net, X, Y = _net_and_batch()
    opt = bp.SGD(lr=0.1, momentum=0.9, nesterov=nesterov, weight_decay=weight_decay)
    theta = _params(net)
    v = None
    for _ in range(4):
        g = _grads(net, X, Y)
        g = [gi + weight_decay * t for gi, t in zip(g, theta)]
        v = [gi.copy() for gi in g] if v is None else [0.9 * vi + gi for vi, gi in zip(v, g)]
        step = [gi + 0.9 * vi for gi, vi in zip(g, v)] if nesterov else v
        theta = [t - 0.1 * s for t, s in zip(theta, step)]
        opt.step(net)
        for t, p in zip(theta, _params(net)):
            np.testing.assert_allclose(p, t, rtol=1e-13, atol=1e-15)


def test_adam_matches_the_paper():
    net, X, Y = _net_and_batch()
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    opt = bp.Adam(lr=lr, betas=(b1, b2), eps=eps)
    theta = _params(net)
    m = [np.zeros_like(t) for t in theta]
    v = [np.zeros_like(t) for t in theta]
    for t in range(1, 6):
        g = _grads(net, X, Y)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi ** 2 for vi, gi in zip(v, g)]
        theta = [th - lr * (mi / (1 - b1 ** t)) / (np.sqrt(vi / (1 - b2 ** t)) + eps)
                 for th, mi, vi in zip(theta, m, v)]
        opt.step(net)
        for th, p in zip(theta, _params(net)):
            np.testing.assert_allclose(p, th, rtol=1e-12, atol=1e-15)
    assert opt.t == 5


@pytest.mark.parametrize("make", [
    lambda: bp.SGD(lr=np.float64(0.1)),
    lambda: bp.SGD(lr=np.float64(0.1), momentum=np.float64(0.9), nesterov=True,
                   weight_decay=np.float64(1e-3)),
    lambda: bp.Adam(lr=np.float64(1e-3), weight_decay=np.float64(1e-3)),
])
def test_float32_stays_float32_with_float64_hyperparameters(make):
    net, X, Y = _net_and_batch(np.float32)
    opt = make()
    for _ in range(3):
        _grads(net, X, Y)
        opt.step(net)
    for _, _, p in net.parameters():
        assert p.dtype == np.float32
    for state in opt.state.values():
        for arr in state.values():
            assert arr.dtype == np.float32


def test_matches_torch_when_available():
    torch = pytest.importorskip("torch")
    for make_bp, make_torch in [
        (lambda: bp.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
         lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)),
        (lambda: bp.Adam(0.01), lambda ps: torch.optim.Adam(ps, lr=0.01)),
    ]:
        net, X, Y = _net_and_batch()
        tparams = [torch.tensor(p.copy(), requires_grad=True) for _, _, p in net.parameters()]
        topt, opt = make_torch(tparams), make_bp()
        for _ in range(4):
            g = _grads(net, X, Y)
            for tp, gi in zip(tparams, g):
                tp.grad = torch.tensor(gi)
            topt.step()
            opt.step(net)
        for tp, (_, _, p) in zip(tparams, net.parameters()):
            np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-12, atol=1e-15)


def test_step_before_backward_changes_nothing():
    net, _, _ = _net_and_batch()
    before = _params(net)
    opt = bp.SGD(0.1)
    with pytest.raises(RuntimeError, match=r"layer 1 \(Dense\(3->4\)\) has no gradient: call "
                                           r"backward\(Y\) before step\(\)"):
        opt.step(net)
    assert opt.t == 0
    for a, b in zip(before, _params(net)):
        np.testing.assert_array_equal(a, b)


def test_state_does_not_leak_between_networks():
    net1, X, Y = _net_and_batch(seed=1)
    net2, _, _ = _net_and_batch(seed=2)
    opt = bp.Adam(0.01)
    _grads(net1, X, Y)
    opt.step(net1)
    _grads(net2, X, Y)
    with pytest.raises(ValueError, match="holds state .* for another network.*reset"):
        opt.step(net2)
    opt.reset()
    assert opt.t == 0 and not opt.state
    opt.step(net2)                                   # fine after reset
    plain = bp.SGD(0.1)                              # stateless: may serve several nets
    plain.step(net1)
    plain.step(net2)


@pytest.mark.parametrize("make,err,msg", [
    (lambda: bp.SGD(lr=0), ValueError, "lr must be > 0"),
    (lambda: bp.SGD(lr=-1), ValueError, r"lr must be finite, >= 0; got -1.0"),
    (lambda: bp.SGD(lr=float("nan")), ValueError, "lr must be finite"),
    (lambda: bp.SGD(lr="0.1"), TypeError, "lr must be a number, got str"),
    (lambda: bp.SGD(lr=True), TypeError, "lr must be a number, got bool"),
    (lambda: bp.SGD(momentum=1.0), ValueError, "momentum must be finite, >= 0 and < 1.0"),
    (lambda: bp.SGD(nesterov=True), ValueError, "nesterov=True needs momentum > 0"),
    (lambda: bp.SGD(weight_decay=-0.1), ValueError, "weight_decay must be finite, >= 0"),
    (lambda: bp.Adam(betas=(0.9,)), ValueError, r"betas must be a pair, got \(0.9,\)"),
    (lambda: bp.Adam(betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be finite, >= 0 and < 1.0"),
    (lambda: bp.Adam(eps=-1e-8), ValueError, "eps must be finite, >= 0"),
])
def test_bad_hyperparameters(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


def test_get_optimizer_and_repr():
    from bp.optimizers import get_optimizer
    assert isinstance(get_optimizer(None), bp.SGD) and get_optimizer(None).lr == 0.1
    assert isinstance(get_optimizer("adam", lr=0.5), bp.Adam)
    opt = bp.SGD(0.2)
    assert get_optimizer(opt) is opt
    with pytest.raises(ValueError, match="unknown optimizer 'adma'.*did you mean 'adam'"):
        get_optimizer("adma")
    with pytest.raises(TypeError, match=r"pass an optimizer instance such as bp.Adam\(lr=...\), "
                                        "not the class Adam"):
        get_optimizer(bp.Adam)
    assert repr(bp.SGD(0.2, momentum=0.5)) == ("SGD(lr=0.2, momentum=0.5, nesterov=False, "
                                               "weight_decay=0.0)")
    assert repr(bp.Adam()) == ("Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, "
                               "weight_decay=0.0)")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_big_parameter_arrays_update_exactly(dtype, rng):
    """A 300x300 W (90 000 entries, updated in slices for speed) gets exactly p - lr g."""
    net = make_net((300, 300, 2), ("tanh", "identity"), "mse", dtype=dtype)
    X = rng.normal(size=(4, 300)).astype(dtype)
    Y = rng.normal(size=(4, 2)).astype(dtype)
    before, g = _params(net), _grads(net, X, Y)
    lr = dtype(0.3)
    bp.SGD(0.3).step(net)
    for p0, gi, (_, _, p) in zip(before, g, net.parameters()):
        np.testing.assert_array_equal(p, p0 - lr * gi)
        assert p.dtype == dtype


@pytest.mark.parametrize("make,err,msg", [
    (lambda: bp.Adam(eps=0), ValueError, r"eps must be > 0 .*0/0 = NaN"),
    (lambda: bp.Adam(eps=0.0), ValueError, r"eps must be > 0"),
    (lambda: bp.Adam(betas=0.9), TypeError,
     r"betas must be a pair \(beta1, beta2\), two numbers in \[0, 1\), got float"),
    (lambda: bp.Adam(betas="ab"), TypeError, r"betas must be a pair .* got str"),
    (lambda: bp.Adam(betas=(0.9, 0.99, 0.999)), ValueError,
     r"betas must be a pair, got \(0.9, 0.99, 0.999\); expected \(beta1, beta2\)"),
    (lambda: bp.Adam(betas=(-0.1, 0.999)), ValueError, r"betas\[0\] must be finite, >= 0"),
    (lambda: bp.Adam(betas=(0.9, "x")), TypeError, r"betas\[1\] must be a number, got str"),
])
def test_adam_edges(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


def test_adam_with_a_zero_gradient_stays_finite():
    net = bp.Network([bp.Dense(2, 1, "identity", rng=0)], loss="mse")
    X = np.zeros((3, 2))                     # dW = 0: v = 0 at every step
    opt = bp.Adam(lr=0.1, betas=np.array([0.9, 0.999]), eps=1e-12)
    for _ in range(3):
        net.forward(X)
        net.backward(np.ones((3, 1)))
        opt.step(net)
    assert np.all(np.isfinite(net.layers[0].W)) and net.layers[0].b[0] > 0
