"""bp's backward pass against HIPS autograd on random architectures.

The forward pass is written again here, independently, in ``autograd.numpy`` (every
activation and loss from its textbook formula, no bp code), and autograd's reverse mode
differentiates it. bp's dW, db must agree to near machine precision.
"""
import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given, settings
from hypothesis import strategies as st

import bp
from conftest import make_targets

C = np.sqrt(2 / np.pi)
ACT = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: anp.where(z > 0, z, 0.01 * z),
    "softplus": lambda z: anp.log(1 + anp.exp(z)),
    "gelu_tanh": lambda z: 0.5 * z * (1 + anp.tanh(C * (z + 0.044715 * z ** 3))),
    "silu": lambda z: z / (1 + anp.exp(-z)),
    "elu": lambda z: anp.where(z > 0, z, anp.exp(anp.minimum(z, 0.0)) - 1),
    "softmax": lambda z: anp.exp(z) / anp.sum(anp.exp(z), axis=1, keepdims=True),
}


def _sig(z):
    return 1 / (1 + anp.exp(-z))


LOSS = {
    "mse": lambda P, Y: anp.mean((P - Y) ** 2),
    "bce": lambda P, Y: -anp.mean(Y * anp.log(P) + (1 - Y) * anp.log(1 - P)),
    "bce_with_logits": lambda Z, Y: -anp.mean(Y * anp.log(_sig(Z))
                                              + (1 - Y) * anp.log(1 - _sig(Z))),
    "cross_entropy": lambda P, Y: -anp.sum(Y * anp.log(P)) / P.shape[0],
    "softmax_cross_entropy": lambda Z, Y: -anp.sum(
        Y * (Z - anp.log(anp.sum(anp.exp(Z), axis=1, keepdims=True)))) / Z.shape[0],
}
OUTPUT_FOR = {"bce": ["sigmoid"], "cross_entropy": ["softmax"],
              "bce_with_logits": ["identity"], "softmax_cross_entropy": ["identity"],
              "mse": list(ACT)}


def reference_loss(params, acts, loss, X, Y):
    A = X
    for (W, b), act in zip(params, acts):
        A = ACT[act](anp.dot(A, W.T) + b)
    return LOSS[loss](A, Y)


@st.composite
def architectures(draw):
    depth = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 6)) for _ in range(depth + 1)]
    loss = draw(st.sampled_from(sorted(LOSS)))
    if bp.get_loss(loss).categorical or "softmax" in OUTPUT_FOR[loss]:
        sizes[-1] = max(sizes[-1], 2)
    acts = []
    for n_out in sizes[1:-1]:
        choices = [a for a in ACT if a != "softmax" or n_out >= 2]
        acts.append(draw(st.sampled_from(choices)))
    out_choices = [a for a in OUTPUT_FOR[loss] if a != "softmax" or sizes[-1] >= 2]
    acts.append(draw(st.sampled_from(out_choices)))
    batch = draw(st.integers(1, 7))
    seed = draw(st.integers(0, 2 ** 31))
    return sizes, acts, loss, batch, seed


@settings(max_examples=200)
@given(arch=architectures())
def test_backward_matches_autograd(arch):
    sizes, acts, loss, batch, seed = arch
    rng = np.random.default_rng(seed)
    layers = [bp.Dense(a, b, act, rng=rng) for a, b, act in zip(sizes[:-1], sizes[1:], acts)]
    for layer in layers:
        layer.b[...] = rng.normal(scale=0.5, size=layer.b.shape)
    net = bp.Network(layers, loss=loss)
    X = rng.normal(size=(batch, sizes[0]))
    Y = make_targets(loss, batch, sizes[-1], rng)
    value = net.loss(X, Y)
    net.backward(Y)
    params = [(l.W.copy(), l.b.copy()) for l in layers]
    ref_value = reference_loss(params, acts, loss, X, Y)
    ref_grads = grad(reference_loss)(params, acts, loss, X, Y)
    assert value == pytest.approx(float(ref_value), rel=1e-12, abs=1e-14)
    for layer, (gW, gb) in zip(layers, ref_grads):
        np.testing.assert_allclose(layer.dW, gW, rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(layer.db, gb, rtol=1e-9, atol=1e-13)


def test_a_wide_deep_network_matches_autograd(rng):
    sizes = (12, 20, 16, 10, 5)
    acts = ["gelu_tanh", "leaky_relu", "softplus", "identity"]
    layers = [bp.Dense(a, b, act, rng=rng) for a, b, act in zip(sizes[:-1], sizes[1:], acts)]
    net = bp.Network(layers, loss="softmax_cross_entropy")
    X, y = rng.normal(size=(32, 12)), rng.integers(0, 5, size=32)
    Y = bp.one_hot(y, 5)
    net.forward(X)
    net.backward(y)
    params = [(l.W.copy(), l.b.copy()) for l in layers]
    ref = grad(reference_loss)(params, acts, "softmax_cross_entropy", X, Y)
    for layer, (gW, gb) in zip(layers, ref):
        np.testing.assert_allclose(layer.dW, gW, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(layer.db, gb, rtol=1e-10, atol=1e-14)
