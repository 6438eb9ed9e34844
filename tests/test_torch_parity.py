"""Optional: bp's losses and a whole network against PyTorch (skipped without torch).

Checks the claim that every loss is reduced like PyTorch's default ``reduction="mean"``,
including BCELoss's clamping of log at -100, and that a network's gradients match.
"""
import numpy as np
import pytest

import bp
from bp.activations import sigmoid, softmax

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _torch_loss(name, P, Y):
    if name == "mse":
        return F.mse_loss(P, Y)
    if name == "bce":
        return F.binary_cross_entropy(P, Y)
    if name == "bce_with_logits":
        return F.binary_cross_entropy_with_logits(P, Y)
    if name == "cross_entropy":
        return F.nll_loss(torch.log(P), Y.argmax(dim=1))
    return F.cross_entropy(P, Y)          # softmax_cross_entropy, soft targets allowed


@pytest.mark.parametrize("name", list(bp.LOSSES))
def test_losses_and_gradients_match_torch(name, rng):
    Z = rng.normal(scale=2, size=(6, 4))
    P = {"bce": sigmoid(Z), "cross_entropy": softmax(Z)}.get(name, Z)
    if name == "mse":
        Y = rng.normal(size=(6, 4))
    elif name.startswith("bce"):
        Y = rng.uniform(size=(6, 4))
    else:
        Y = bp.one_hot(rng.integers(0, 4, size=6), 4)
    tP = _t(P, grad=True)
    ref = _torch_loss(name, tP, _t(Y))
    ref.backward()
    loss = bp.get_loss(name)
    assert loss(P, Y) == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(loss.gradient(P, Y), tP.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_bce_clamps_like_torch():
    P = np.array([[0.0, 1.0, 0.5]])
    Y = np.array([[1.0, 0.0, 1.0]])
    ref = F.binary_cross_entropy(_t(P), _t(Y)).item()
    assert bp.get_loss("bce")(P, Y) == pytest.approx(ref, rel=1e-12)


def test_network_gradients_match_torch(rng):
    net = bp.Network([bp.Dense(5, 7, "gelu_tanh", rng=0), bp.Dense(7, 6, "softplus", rng=1),
                      bp.Dense(6, 3, "softmax", rng=2)], loss="cross_entropy")
    X, y = rng.normal(size=(8, 5)), rng.integers(0, 3, size=8)
    value = net.loss(X, y)
    net.backward(y)
    params = [(_t(l.W, True), _t(l.b, True)) for l in net.layers]
    (W1, b1), (W2, b2), (W3, b3) = params
    H1 = F.gelu(_t(X) @ W1.T + b1, approximate="tanh")
    H2 = F.softplus(H1 @ W2.T + b2)
    ref = F.cross_entropy(H2 @ W3.T + b3, torch.tensor(y))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-12)
    for layer, (W, b) in zip(net.layers, params):
        np.testing.assert_allclose(layer.dW, W.grad.numpy(), rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(layer.db, b.grad.numpy(), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name, fn", [("silu", lambda t: F.silu(t)), ("elu", lambda t: F.elu(t))])
def test_smooth_relus_and_kinks_match_torch(name, fn):
    z = np.array([-3.0, -0.5, 0.0, 0.7, 2.5])
    t = _t(z, grad=True)
    out = fn(t)
    out.sum().backward()
    act = bp.get_activation(name)
    np.testing.assert_allclose(act.f(z), out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(act.df(z), t.grad.numpy(), rtol=1e-12)
    r = _t(np.zeros(1), grad=True)
    F.relu(r).sum().backward()
    assert float(r.grad[0]) == float(bp.get_activation("relu").df(np.zeros(1))[0]) == 0.0
