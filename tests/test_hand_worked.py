"""A hand-worked example: the classic 2-2-2 sigmoid network (Mazur's numbers).

Inputs 0.05, 0.10; W1 = [[.15, .20], [.25, .30]], b1 = .35; W2 = [[.40, .45], [.50, .55]],
b2 = .60; targets .01, .99; loss mse; one forward, one backward, one SGD step (lr 0.5).

Every expected number is computed here independently with scalar Python (math.exp,
explicit loops, the chain rule written out per weight), and the famous published
values are asserted too.

About the loss convention: bp's mse averages over all N*m elements (PyTorch's mean).
With one example and two outputs that is (1/2) * sum (y_hat - y)^2, which is *exactly*
the "1/2 sum of squares" E of the classic write-up: the value and every gradient agree
(dL/dy_hat = 2/(N m) (y_hat - y) = y_hat - y here), so the published numbers hold as they
are, not halved. In general (N examples, m outputs) bp's gradients are 2/(N m) times
those of the 1/2-sum convention; they coincide only because N m = 2. The last test shows
the factor for a batch of two.
"""
import math

import numpy as np
import pytest

import bp

X = [0.05, 0.10]
W1 = [[0.15, 0.20], [0.25, 0.30]]
B1 = 0.35
W2 = [[0.40, 0.45], [0.50, 0.55]]
B2 = 0.60
T = [0.01, 0.99]
LR = 0.5


def sig(v):
    return 1.0 / (1.0 + math.exp(-v))


def scalar_reference():
    """Forward, backward and one SGD step, one scalar at a time."""
    net_h = [W1[j][0] * X[0] + W1[j][1] * X[1] + B1 for j in range(2)]
    out_h = [sig(v) for v in net_h]
    net_o = [W2[k][0] * out_h[0] + W2[k][1] * out_h[1] + B2 for k in range(2)]
    out_o = [sig(v) for v in net_o]
    loss = sum((out_o[k] - T[k]) ** 2 for k in range(2)) / 2          # mean over 2 outputs
    # dL/d out_o = 2/2 (out_o - t); d out_o / d net_o = out_o (1 - out_o)
    d_o = [(out_o[k] - T[k]) * out_o[k] * (1 - out_o[k]) for k in range(2)]
    # dL/d out_h_j = sum_k d_o[k] * W2[k][j]; times out_h (1 - out_h)
    d_h = [sum(d_o[k] * W2[k][j] for k in range(2)) * out_h[j] * (1 - out_h[j])
           for j in range(2)]
    dW2 = [[d_o[k] * out_h[j] for j in range(2)] for k in range(2)]
    dW1 = [[d_h[j] * X[i] for i in range(2)] for j in range(2)]
    return dict(net_h=net_h, out_h=out_h, net_o=net_o, out_o=out_o, loss=loss, d_o=d_o,
                d_h=d_h, dW1=dW1, dW2=dW2, db1=d_h, db2=d_o,
                W1_new=[[W1[j][i] - LR * dW1[j][i] for i in range(2)] for j in range(2)],
                W2_new=[[W2[k][j] - LR * dW2[k][j] for j in range(2)] for k in range(2)],
                b1_new=[B1 - LR * d_h[j] for j in range(2)],
                b2_new=[B2 - LR * d_o[k] for k in range(2)])


def classic_net():
    l1, l2 = bp.Dense(2, 2, "sigmoid", rng=0), bp.Dense(2, 2, "sigmoid", rng=0)
    l1.set_params(np.array(W1), np.full(2, B1))
    l2.set_params(np.array(W2), np.full(2, B2))
    return bp.Network([l1, l2], loss="mse")


@pytest.fixture
def run():
    net = classic_net()
    out = net.forward(np.array([X]))
    loss = net.loss_value(np.array([T]))
    deltas = net.backward(np.array([T]))
    return net, out, loss, deltas


def test_forward_every_number(run):
    net, out, loss, _ = run
    ref = scalar_reference()
    l1, l2 = net.layers
    np.testing.assert_allclose(l1.Z[0], ref["net_h"], rtol=1e-15)
    np.testing.assert_allclose(l1.A[0], ref["out_h"], rtol=1e-15)
    np.testing.assert_allclose(l2.Z[0], ref["net_o"], rtol=1e-15)
    np.testing.assert_allclose(out[0], ref["out_o"], rtol=1e-15)
    assert loss == pytest.approx(ref["loss"], rel=1e-14)
    # The published values (9 significant digits).
    np.testing.assert_allclose(l1.Z[0, 0], 0.3775, rtol=1e-14)
    np.testing.assert_allclose(l1.A[0], [0.593269992, 0.596884378], atol=1e-9)
    np.testing.assert_allclose(l2.Z[0, 0], 1.105905967, atol=1e-9)
    np.testing.assert_allclose(out[0], [0.75136507, 0.772928465], atol=1e-8)
    assert loss == pytest.approx(0.298371109, abs=1e-9)


def test_backward_every_number(run):
    net, _, _, deltas = run
    ref = scalar_reference()
    l1, l2 = net.layers
    np.testing.assert_allclose(deltas[1][0], ref["d_o"], rtol=1e-14)
    np.testing.assert_allclose(deltas[0][0], ref["d_h"], rtol=1e-13)
    np.testing.assert_allclose(l2.dW, ref["dW2"], rtol=1e-14)
    np.testing.assert_allclose(l1.dW, ref["dW1"], rtol=1e-13)
    np.testing.assert_allclose(l2.db, ref["db2"], rtol=1e-14)
    np.testing.assert_allclose(l1.db, ref["db1"], rtol=1e-13)
    # Published: dE/dw5 = 0.082167041 and dE/dw1 = 0.000438568.
    assert l2.dW[0, 0] == pytest.approx(0.082167041, abs=1e-9)
    assert l1.dW[0, 0] == pytest.approx(0.000438568, abs=1e-9)


def test_one_sgd_step_every_number(run):
    net, _, _, _ = run
    ref = scalar_reference()
    bp.SGD(lr=LR).step(net)
    l1, l2 = net.layers
    np.testing.assert_allclose(l1.W, ref["W1_new"], rtol=1e-15)
    np.testing.assert_allclose(l2.W, ref["W2_new"], rtol=1e-15)
    np.testing.assert_allclose(l1.b, ref["b1_new"], rtol=1e-15)
    np.testing.assert_allclose(l2.b, ref["b2_new"], rtol=1e-15)
    # Published updated weights w5..w8 and w1..w4.
    np.testing.assert_allclose(l2.W, [[0.35891648, 0.408666186], [0.511301270, 0.561370121]],
                               atol=1e-8)
    np.testing.assert_allclose(l1.W, [[0.149780716, 0.19956143], [0.24975114, 0.29950229]],
                               atol=1e-8)
    # The loss went down.
    assert net.loss(np.array([X]), np.array([T])) < ref["loss"]


def test_gradcheck_agrees_on_the_classic_net():
    report = bp.gradcheck(classic_net(), np.array([X]), np.array([T]))
    assert report.passed and report.max_rel_error < 1e-7   # dW1 ~ 4e-4: FD noise ~1e-11


def test_mean_reduction_factor_for_a_batch_of_two():
    """Two copies of the example: the mean loss is the same, each example's delta halves
    (1/N), and dW (a sum over the batch of per-example terms) equals the single-example dW."""
    one, two = classic_net(), classic_net()
    one.forward(np.array([X]))
    one.backward(np.array([T]))
    assert two.loss(np.array([X, X]), np.array([T, T])) == pytest.approx(
        one.loss_value(np.array([T])), rel=1e-15)
    two.backward(np.array([T, T]))
    np.testing.assert_allclose(two.layers[1].delta, [one.layers[1].delta[0] / 2] * 2, rtol=1e-15)
    np.testing.assert_allclose(two.layers[0].dW, one.layers[0].dW, rtol=1e-14)
