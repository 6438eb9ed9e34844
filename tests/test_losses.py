"""bp.losses: values and gradients vs SymPy and centered differences, PyTorch-style
reduction, fused pairs, extreme logits, and checked inputs."""
import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bp
from bp import losses as L
from bp.activations import sigmoid, sigmoid_prime, softmax, softmax_vjp


def _sym_loss(name, P, Y, N, m):
    """The loss written independently in SymPy, from its textbook definition."""
    cells = [(P[n, i], Y[n, i]) for n in range(N) for i in range(m)]
    if name == "mse":
        return sum((p - y) ** 2 for p, y in cells) / (N * m)
    if name == "bce":
        return -sum(y * sp.log(p) + (1 - y) * sp.log(1 - p) for p, y in cells) / (N * m)
    if name == "bce_with_logits":
        s = lambda z: 1 / (1 + sp.exp(-z))                               # noqa: E731
        return -sum(y * sp.log(s(z)) + (1 - y) * sp.log(1 - s(z)) for z, y in cells) / (N * m)
    if name == "cross_entropy":
        return -sum(y * sp.log(p) for p, y in cells) / N
    total = 0
    for n in range(N):                                 # softmax_cross_entropy on logits
        den = sum(sp.exp(P[n, j]) for j in range(m))
        total -= sum(Y[n, i] * sp.log(sp.exp(P[n, i]) / den) for i in range(m))
    return total / N


def _inputs(name, N, m, rng):
    Z = rng.normal(scale=2, size=(N, m))
    if name in ("mse", "bce_with_logits", "softmax_cross_entropy"):
        P = Z
    elif name == "bce":
        P = np.clip(sigmoid(Z), 0.05, 0.95)
    else:
        P = softmax(Z)
    if name == "mse":
        Y = rng.normal(size=(N, m))
    elif name.startswith("bce"):
        Y = rng.uniform(0, 1, size=(N, m))       # soft targets: the general formula
    else:
        Y = rng.dirichlet(np.ones(m), size=N)    # soft labels (rows sum to 1)
    return P, Y


@pytest.mark.parametrize("name", list(bp.LOSSES))
@pytest.mark.parametrize("N,m", [(1, 2), (2, 3), (3, 2)])
def test_value_and_gradient_match_sympy(name, N, m, rng):
    P_sym = sp.Matrix(N, m, lambda n, i: sp.Symbol(f"p{n}{i}", real=True))
    Y_sym = sp.Matrix(N, m, lambda n, i: sp.Symbol(f"y{n}{i}", real=True))
    expr = _sym_loss(name, P_sym, Y_sym, N, m)
    args = list(P_sym) + list(Y_sym)
    value = sp.lambdify(args, expr, "math")
    grads = [sp.lambdify(args, sp.diff(expr, p), "math") for p in P_sym]
    P, Y = _inputs(name, N, m, rng)
    vals = list(P.ravel()) + list(Y.ravel())
    loss = bp.get_loss(name)
    np.testing.assert_allclose(loss.value(P, Y), value(*vals), rtol=1e-12)
    np.testing.assert_allclose(loss.grad(P, Y).ravel(), [g(*vals) for g in grads],
                               rtol=1e-10, atol=1e-15)


def _hyp_inputs(draw, name):
    N = draw(st.integers(1, 6))
    m = draw(st.integers(2 if bp.get_loss(name).categorical else 1, 5))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    P, Y = _inputs(name, N, m, np.random.default_rng(seed))
    if name == "cross_entropy":          # keep away from the pole of log at p = 0, where
        P = np.maximum(P, 0.02)          # a fixed step eps = 1e-6 is too coarse
    return P, Y


@pytest.mark.parametrize("name", list(bp.LOSSES))
@given(data=st.data())
def test_gradient_matches_centered_differences(name, data):
    P, Y = _hyp_inputs(data.draw, name)
    loss = bp.get_loss(name)
    fd = bp.numerical_gradient(lambda: loss.value(P, Y), P, eps=1e-6)
    assert bp.relative_error(loss.grad(P, Y), fd) < 1e-7


def test_reduction_is_pytorch_mean():
    P = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    Y = np.zeros((2, 3))
    assert L.mse(P, Y) == pytest.approx(14 / 6)              # over all 6 elements
    np.testing.assert_allclose(L.mse_grad(P, Y), 2 * P / 6)  # note the 2
    Z = np.array([[0.0, 0.0], [0.0, 0.0]])
    Yc = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert L.softmax_cross_entropy(Z, Yc) == pytest.approx(np.log(2))   # over the batch only
    assert L.bce_with_logits(Z, Yc) == pytest.approx(np.log(2))         # over all elements
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(Z, Yc), (0.5 - Yc) / 2)
    np.testing.assert_allclose(L.bce_with_logits_grad(Z, Yc), (0.5 - Yc) / 4)


@given(data=st.data())
def test_fused_losses_equal_the_composition(data):
    N, m = data.draw(st.integers(1, 5)), data.draw(st.integers(2, 5))
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    Z = rng.normal(scale=3, size=(N, m))
    Yb = rng.uniform(size=(N, m))
    Yc = rng.dirichlet(np.ones(m), size=N)
    np.testing.assert_allclose(L.bce_with_logits(Z, Yb), L.bce(sigmoid(Z), Yb), rtol=1e-10)
    np.testing.assert_allclose(L.bce_with_logits_grad(Z, Yb),
                               L.bce_grad(sigmoid(Z), Yb) * sigmoid_prime(Z), rtol=1e-8)
    np.testing.assert_allclose(L.softmax_cross_entropy(Z, Yc),
                               L.cross_entropy(softmax(Z), Yc), rtol=1e-10)
    S = softmax(Z)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(Z, Yc),
                               softmax_vjp(Z, S, L.cross_entropy_grad(S, Yc)),
                               rtol=1e-8, atol=1e-15)


STRICT = dict(over="raise", invalid="raise", divide="raise")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_logits_finite_and_right(dtype):
    Z = np.array([[1e4, -1e4, 0.0], [-1e4, 0.0, 1e4]], dtype=dtype)
    y = np.array([1, 0])
    with np.errstate(**STRICT), warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = bp.get_loss("softmax_cross_entropy")
        value = loss(Z, y)
        grad = loss.gradient(Z, y)
        bl = bp.get_loss("bce_with_logits")
        bvalue = bl(Z[:, :1], np.array([[0.0], [1.0]]))
        bgrad = bl.gradient(Z[:, :1], np.array([[0.0], [1.0]]))
    # Row 0 puts all mass on class 0 but the label is 1: -log s_1 = 1e4 - (-1e4) = 2e4.
    # Row 1 puts all mass on class 2, label 0: 1e4 - (-1e4) = 2e4.
    assert value == pytest.approx(2e4)
    np.testing.assert_allclose(grad, np.array([[1, -1, 0], [-1, 0, 1]]) / 2, atol=1e-7)
    assert grad.dtype == dtype
    assert bvalue == pytest.approx(1e4)             # z = 1e4 with y = 0, and z = -1e4 with y = 1
    np.testing.assert_allclose(bgrad, [[0.5], [-0.5]], atol=1e-7)


def test_probability_losses_clamp_like_pytorch():
    P = np.array([[0.0, 1.0]])
    Y = np.array([[1.0, 0.0]])
    with np.errstate(**STRICT):
        assert L.bce(P, Y) == pytest.approx(100.0)   # log clamped at -100, as nn.BCELoss
        assert np.all(np.isfinite(L.bce_grad(P, Y)))
        assert L.cross_entropy(np.array([[0.0, 1.0]]), Y) == pytest.approx(100.0)


def test_labels_and_one_hot_agree(rng):
    Z = rng.normal(size=(5, 4))
    y = np.array([0, 3, 1, 1, 2])
    for name in ("softmax_cross_entropy", "cross_entropy"):
        loss = bp.get_loss(name)
        P = Z if loss.on_logits else softmax(Z)
        assert loss(P, y) == loss(P, bp.one_hot(y, 4))
        np.testing.assert_array_equal(loss.gradient(P, y), loss.gradient(P, bp.one_hot(y, 4)))


@pytest.mark.parametrize("name", list(bp.LOSSES))
def test_float32_kept_and_inputs_untouched(name, rng):
    P, Y = _inputs(name, 4, 3, rng)
    P, Y = P.astype(np.float32), Y.astype(np.float32)
    P0, Y0 = P.copy(), Y.copy()
    loss = bp.get_loss(name)
    assert loss.gradient(P, Y).dtype == np.float32
    assert isinstance(loss(P, Y), float)
    np.testing.assert_array_equal(P, P0)
    np.testing.assert_array_equal(Y, Y0)


# --------------------------------------------------------------- bad inputs
def test_unknown_loss_name():
    with pytest.raises(ValueError, match=r"unknown loss 'cross_entropi' \(did you mean "
                                         r"'cross_entropy'\?\)"):
        bp.get_loss("cross_entropi")
    with pytest.raises(TypeError, match="loss must be given by name"):
        bp.get_loss(None)


@pytest.mark.parametrize("name,P,Y,err,msg", [
    ("mse", np.zeros((4, 2)), np.zeros((4, 3)), ValueError,
     r"Y must have the prediction's shape \(4, 2\), got shape \(4, 3\)"),
    ("mse", np.zeros((4, 3)), np.array([0, 1, 2, 1]), ValueError,
     r"got shape \(4,\); for class labels use bp.one_hot\(Y, 3\)"),
    ("softmax_cross_entropy", np.zeros((4, 3)), np.zeros((4, 2)), ValueError,
     r"shape \(4, 3\) or integer labels of shape \(4,\), got shape \(4, 2\)"),
    ("softmax_cross_entropy", np.zeros((4, 3)), np.array([0, 1, 3, 1]), ValueError,
     r"labels must lie in \[0, 3\), got min 0 and max 3"),
    ("softmax_cross_entropy", np.zeros((4, 3)), np.array([0, 1, -1, 1]), ValueError,
     r"labels must lie in \[0, 3\), got min -1"),
    ("softmax_cross_entropy", np.zeros((4, 3)), np.array([0.0, 1.0, 2.0, 1.0]), TypeError,
     r"integer dtype, got float64; convert with .astype\(int\)"),
    ("softmax_cross_entropy", np.zeros((4, 3)), np.array([0.5, 1.0, 2.0, 1.0]), TypeError,
     "class labels must be integers, got dtype float64"),
    ("softmax_cross_entropy", np.zeros((4, 3)), np.array([0, 1, 2]), ValueError,
     r"Y must have 4 labels \(one per example\), got shape \(3,\)"),
    ("softmax_cross_entropy", np.zeros((2, 3)), np.array([[0, 1, 1], [1, 0, 0]]), ValueError,
     "rows that are probability distributions.*row 0 sums to 2"),
    ("cross_entropy", np.full((2, 2), 0.5), np.array([[-0.5, 1.5], [1, 0]]), ValueError,
     "row 0 sums to 1 with min -0.5"),
    ("bce", np.full((2, 1), 0.5), np.array([[2.0], [0.0]]), ValueError,
     r"Y for loss 'bce' must lie in \[0, 1\], got min 0 and max 2"),
    ("bce", np.array([[1.5], [0.5]]), np.array([[1.0], [0.0]]), ValueError,
     r"the prediction for loss 'bce' must lie in \[0, 1\], got min 0.5 and max 1.5"),
    ("mse", np.zeros((2, 2)), np.array([[0, np.nan], [0, 0]]), ValueError,
     r"Y contains NaN or inf \(first at index \(0, 1\)\)"),
    ("mse", np.array([[0, np.inf], [0, 0]]), np.zeros((2, 2)), ValueError,
     "prediction contains NaN or inf"),
    ("mse", np.zeros((0, 2)), np.zeros((0, 2)), ValueError,
     r"prediction is an empty batch \(shape \(0, 2\)\)"),
    ("mse", np.zeros(3), np.zeros(3), ValueError,
     r"prediction must be 2-D with shape \(batch, features\), got shape \(3,\)"),
    ("mse", "abc", np.zeros(3), TypeError, "prediction must be a numeric array, got str"),
    ("mse", np.zeros((2, 2)), np.array([["a", "b"], ["c", "d"]]), TypeError,
     "Y must be a numeric array"),
])
def test_bad_inputs_give_clear_errors(name, P, Y, err, msg):
    loss = bp.get_loss(name)
    with pytest.raises(err, match=msg):
        loss(P, Y)
    with pytest.raises(err, match=msg):
        loss.gradient(P, Y)


def test_single_output_accepts_a_vector_of_targets():
    P = np.array([[0.2], [0.7], [0.9]])
    y = np.array([0, 1, 1])
    loss = bp.get_loss("bce")
    assert loss(P, y) == loss(P, y[:, None].astype(float))


def test_loss_decide():
    P = np.array([[0.2, 0.9], [0.6, 0.1]])
    np.testing.assert_array_equal(bp.get_loss("cross_entropy").decide(P), [1, 0])
    np.testing.assert_array_equal(bp.get_loss("bce").decide(P), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(bp.get_loss("bce_with_logits").decide(P - 0.5),
                                  [[0, 1], [1, 0]])
    np.testing.assert_array_equal(bp.get_loss("bce").decide(P[:, :1]), [0, 1])
    np.testing.assert_array_equal(bp.get_loss("mse").decide(P), [1, 0])


def test_custom_loss_is_checked():
    with pytest.raises(ValueError, match="targets must be 'any', 'unit' or 'distribution', "
                                         "got 'probability'"):
        L.Loss("mine", L.mse, L.mse_grad, targets="probability")
    with pytest.raises(TypeError, match="value and grad must be callable"):
        L.Loss("mine", L.mse, None)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_fused_value_and_grad_equals_the_two_functions(dtype, scale):
    """The training loop's one-softmax shortcut gives exactly the value and gradient of
    softmax_cross_entropy and its gradient (also at logits of +-1e4, and in float32)."""
    from bp.losses import (softmax_cross_entropy, softmax_cross_entropy_grad,
                           softmax_cross_entropy_value_and_grad)
    rng = np.random.default_rng(3)
    Z = (rng.normal(size=(7, 5)) * scale).astype(dtype)
    Y = np.eye(5, dtype=dtype)[rng.integers(0, 5, size=7)]
    value, grad = softmax_cross_entropy_value_and_grad(Z.copy(), Y)
    assert grad.dtype == dtype and np.isfinite(value)
    np.testing.assert_allclose(value, softmax_cross_entropy(Z, Y), rtol=1e-6 if dtype == np.float32 else 1e-14)
    np.testing.assert_allclose(grad, softmax_cross_entropy_grad(Z, Y),
                               rtol=1e-6 if dtype == np.float32 else 1e-14, atol=1e-12)


def test_training_step_uses_the_same_delta_as_backward():
    net = bp.Network([bp.Dense(4, 6, "tanh", rng=0), bp.Dense(6, 3, "softmax", rng=1)],
                     loss="cross_entropy")
    X = np.random.default_rng(0).normal(size=(5, 4))
    y = np.array([0, 2, 1, 1, 0])
    net.forward(X)
    Y = net.targets(y)
    value, delta_L = net._loss_and_output_delta(Y)
    assert value == pytest.approx(net.loss_value(y), rel=1e-14)
    np.testing.assert_allclose(delta_L, net.output_delta(Y), rtol=1e-14, atol=1e-17)
