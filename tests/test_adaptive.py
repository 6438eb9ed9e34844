"""bp.adaptive: AdaGrad, RMSProp and AdamW against hand-computed updates (and torch)."""
import numpy as np
import pytest

import bp
from bp.optimizers import get_optimizer
from conftest import gradients_after_backward as _grads
from conftest import optimizer_net_and_batch as _net_and_batch
from conftest import parameter_copies as _params


def _check(opt, hand_step, steps=5):
    """Run ``opt`` and ``hand_step(t, theta, g, state) -> theta`` side by side."""
    net, X, Y = _net_and_batch()
    theta, state = _params(net), [dict() for _ in _params(net)]
    for t in range(1, steps + 1):
        g = _grads(net, X, Y)
        theta = [hand_step(t, th, gi, st) for th, gi, st in zip(theta, g, state)]
        opt.step(net)
        for th, p in zip(theta, _params(net)):
            np.testing.assert_allclose(p, th, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("lr_decay,wd,init", [(0.0, 0.0, 0.0), (0.1, 0.01, 0.5)])
def test_adagrad_matches_hand_computed_steps(lr_decay, wd, init):
    def hand(t, th, g, st):
        g = g + wd * th
        st["G"] = st.get("G", np.full_like(th, init)) + g * g
        clr = 0.05 / (1 + (t - 1) * lr_decay)
        return th - clr * g / (np.sqrt(st["G"]) + 1e-10)
    _check(bp.AdaGrad(lr=0.05, lr_decay=lr_decay, weight_decay=wd,
                      initial_accumulator_value=init), hand)


@pytest.mark.parametrize("momentum,centered,wd", [(0.0, False, 0.0), (0.9, False, 0.01),
                                                  (0.0, True, 0.0), (0.5, True, 0.01)])
def test_rmsprop_matches_hand_computed_steps(momentum, centered, wd):
    rho, lr, eps = 0.9, 0.01, 1e-8

    def hand(t, th, g, st):
        g = g + wd * th
        st["s"] = rho * st.get("s", 0.0) + (1 - rho) * g * g
        denom = st["s"]
        if centered:
            st["gbar"] = rho * st.get("gbar", 0.0) + (1 - rho) * g
            denom = st["s"] - st["gbar"] ** 2
        denom = np.sqrt(denom) + eps
        if momentum:
            st["b"] = momentum * st.get("b", 0.0) + g / denom
            return th - lr * st["b"]
        return th - lr * g / denom
    _check(bp.RMSProp(lr=lr, alpha=rho, eps=eps, weight_decay=wd, momentum=momentum,
                      centered=centered), hand)


def test_rmsprop_first_step_is_lr_over_sqrt_one_minus_rho():
    net, X, Y = _net_and_batch()
    before, g = _params(net), _grads(net, X, Y)
    bp.RMSProp(lr=1e-3, alpha=0.99, eps=1e-30).step(net)
    for p0, gi, p in zip(before, g, _params(net)):
        np.testing.assert_allclose(p0 - p, 1e-3 * np.sign(gi) / np.sqrt(0.01), rtol=1e-9)


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_adamw_decays_before_an_uncoupled_adam_step(wd):
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01

    def hand(t, th, g, st):
        th = th * (1 - lr * wd)                               # decoupled decay first
        st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g        # g has no lambda * theta
        st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g * g
        return th - lr * (st["m"] / (1 - b1 ** t)) / (np.sqrt(st["v"] / (1 - b2 ** t)) + eps)
    _check(bp.AdamW(lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd), hand)


def test_adamw_without_decay_is_adam_and_differs_from_coupled_adam():
    runs = {}
    for name, make in [("adamw0", lambda: bp.AdamW(0.01, weight_decay=0.0)),
                       ("adam", lambda: bp.Adam(0.01)),
                       ("adamw", lambda: bp.AdamW(0.01, weight_decay=0.5)),
                       ("adam_l2", lambda: bp.Adam(0.01, weight_decay=0.5))]:
        net, X, Y = _net_and_batch()
        opt = make()
        for _ in range(5):
            _grads(net, X, Y)
            opt.step(net)
        runs[name] = np.concatenate([p.ravel() for p in _params(net)])
    np.testing.assert_array_equal(runs["adamw0"], runs["adam"])
    assert bp.relative_error(runs["adamw"], runs["adam_l2"]) > 1e-3


@pytest.mark.parametrize("make", [
    lambda: bp.AdaGrad(lr=np.float64(0.1), weight_decay=np.float64(1e-3)),
    lambda: bp.RMSProp(lr=np.float64(0.01), momentum=0.9, centered=True, weight_decay=1e-3),
    lambda: bp.AdamW(lr=np.float64(1e-3), weight_decay=np.float64(1e-2)),
])
def test_float32_stays_float32(make):
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


def test_registered_by_name_with_reprs():
    assert isinstance(get_optimizer("adagrad", lr=0.1), bp.AdaGrad)
    assert isinstance(get_optimizer("rmsprop"), bp.RMSProp)
    assert isinstance(get_optimizer("adamw"), bp.AdamW)
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprp'.*did you mean 'rmsprop'"):
        get_optimizer("rmsprp")
    assert repr(bp.AdamW()) == ("AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, "
                                "weight_decay=0.01)")
    assert repr(bp.AdaGrad()).startswith("AdaGrad(lr=0.01, lr_decay=0.0")
    assert repr(bp.RMSProp()).startswith("RMSProp(lr=0.01, alpha=0.99, eps=1e-08")
    net, X, Y = _net_and_batch()
    bp.fit(net, X, Y, epochs=2, batch_size=2, optimizer="rmsprop", progress=False)


@pytest.mark.parametrize("make,err,msg", [
    (lambda: bp.AdaGrad(lr=0), ValueError, "lr must be > 0"),
    (lambda: bp.AdaGrad(eps=0), ValueError, "eps must be > 0, got 0.0"),
    (lambda: bp.AdaGrad(lr_decay=-1), ValueError, "lr_decay must be finite, >= 0"),
    (lambda: bp.AdaGrad(initial_accumulator_value="1"), TypeError,
     "initial_accumulator_value must be a number, got str"),
    (lambda: bp.RMSProp(alpha=1.0), ValueError, r"alpha must be finite, >= 0 and < 1.0"),
    (lambda: bp.RMSProp(momentum=-0.1), ValueError, "momentum must be finite, >= 0"),
    (lambda: bp.RMSProp(eps=float("nan")), ValueError, "eps must be finite"),
    (lambda: bp.AdamW(weight_decay=-1), ValueError, "weight_decay must be finite, >= 0"),
    (lambda: bp.AdamW(betas=(0.9,)), ValueError, "betas must be a pair"),
])
def test_bad_hyperparameters(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


@pytest.mark.parametrize("which", ["adagrad", "rmsprop", "rmsprop_full", "adamw"])
def test_matches_torch_when_available(which):
    torch = pytest.importorskip("torch")
    make_bp, make_torch = {
        "adagrad": (lambda: bp.AdaGrad(0.05, lr_decay=0.01, weight_decay=1e-2,
                                       initial_accumulator_value=0.1),
                    lambda ps: torch.optim.Adagrad(ps, lr=0.05, lr_decay=0.01,
                                                   weight_decay=1e-2,
                                                   initial_accumulator_value=0.1)),
        "rmsprop": (lambda: bp.RMSProp(0.01), lambda ps: torch.optim.RMSprop(ps, lr=0.01)),
        "rmsprop_full": (lambda: bp.RMSProp(0.01, momentum=0.9, centered=True,
                                            weight_decay=1e-2),
                         lambda ps: torch.optim.RMSprop(ps, lr=0.01, momentum=0.9,
                                                        centered=True, weight_decay=1e-2)),
        "adamw": (lambda: bp.AdamW(0.01, weight_decay=0.1),
                  lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1)),
    }[which]
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
