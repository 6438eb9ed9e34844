"""Every check: correct solutions in different styles pass; classic slips fail with the
right probable cause; in-place changes, signatures, reruns and tracebacks are reported.

The tables are the contract of issue 11: each wrong solution is a slip a student makes
(missing transpose on a square layer, dropped f', δ vs ∂ℒ/∂a, sum vs mean, sign,
diagonal Jacobian, unstable softmax at ±1e4, right values in the wrong shape, right only
for a batch of one, ignored bias, in place), and the check must name it.
"""
from __future__ import annotations

import numpy as np
import pytest

import bp
import bp.checks as C
from bp.checks._args import ActivationArg
from bp.checks._signatures import parse, stub


def sig(z):
    return np.exp(-np.logaddexp(0.0, -z))


def softmax_rows(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


# --- correct solutions, two styles each -------------------------------------------
def dense_batched(A, W, b, f):
    return f(A @ W.T + b)


def dense_loop(A, W, b, f):            # one column vector at a time, the name looked up
    act = bp.get_activation(f)
    return np.stack([act.f(W @ a + b) for a in A])


def network_batched(X, Ws, bs, fs):
    for W, b, f in zip(Ws, bs, fs):
        X = f(X @ W.T + b)
    return X


def network_float32(X, Ws, bs, fs):
    A = X.astype(np.float32)
    for W, b, f in zip(Ws, bs, fs):
        A = bp.get_activation(f).f(A @ W.T.astype(np.float32) + b.astype(np.float32))
    return A.astype(np.float32)


def bp2_df(d, W, Z, f):
    return (d @ W) * f.df(Z)


def bp2_lookup(d, W, Z, f):
    return np.einsum("ni,ij->nj", d, W) * bp.get_activation(f).df(Z)


def backward_loop(net, X, Y):
    net.forward(X)
    delta = net.output_delta(net.targets(Y))
    grads = []
    for l in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[l]
        grads.append((delta.T @ layer.A_prev, delta.sum(axis=0)))
        if l > 0:
            below = net.layers[l - 1]
            delta = (delta @ layer.W) * below.activation.df(below.Z)
    return grads[::-1]


def backward_outer(net, X, Y):          # sums outer products example by example
    net.forward(X)
    delta = net.output_delta(net.targets(Y))
    grads = []
    for l in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[l]
        dW = sum(np.outer(d, a) for d, a in zip(delta, layer.A_prev))
        grads.append((dW, np.add.reduce(delta, axis=0)))
        if l > 0:
            below = net.layers[l - 1]
            delta = (delta @ layer.W) * below.activation.df(below.Z)
    return grads[::-1]


def sgd_new(theta, grad, lr):
    return theta - lr * grad


def sgd_copy_then_inplace(theta, grad, lr):
    out = theta.copy()
    out -= lr * grad
    return out


def jac_outer(z):
    s = np.exp(z - z.max())
    s = s / s.sum()
    return np.diag(s) - np.outer(s, s)


def jac_loop(z):
    s = np.exp(z - np.max(z)) / np.exp(z - np.max(z)).sum()
    n = len(z)
    return np.array([[s[i] * ((i == j) - s[j]) for j in range(n)] for i in range(n)])


def sigmoid_where(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_masks(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1 + e)
    return out


def delta_softmax(Z, Y):
    return (softmax_rows(Z) - Y) / Z.shape[0]


def delta_softmax_loop(Z, Y):
    return np.stack([softmax_rows(z[None])[0] - y for z, y in zip(Z, Y)]) / len(Z)


def momentum(theta, v, g, lr, mu):
    v = mu * v + g
    return theta - lr * v, v


def momentum_copy(theta, v, g, lr, mu):
    v_new = np.multiply(v, mu)
    v_new += g
    return np.subtract(theta, lr * v_new), v_new


def adam(theta, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g ** 2
    return theta - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps), m, v


def adam_folded(theta, m, v, g, t, lr, b1, b2, eps):
    m_new, v_new = np.copy(m), np.copy(v)
    m_new *= b1
    m_new += (1 - b1) * g
    v_new *= b2
    v_new += (1 - b2) * g * g
    step = lr / (1 - b1 ** t) * m_new / (np.sqrt(v_new) / np.sqrt(1 - b2 ** t) + eps)
    return theta - step, m_new, v_new


def iteration(net, X, Y, lr):
    net.forward(X)
    delta = net.output_delta(net.targets(Y))
    grads = []
    for l in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[l]
        dW, db = delta.T @ layer.A_prev, delta.sum(axis=0)
        if l > 0:
            below = net.layers[l - 1]
            delta = (delta @ layer.W) * below.activation.df(below.Z)
        layer.W -= lr * dW
        layer.b -= lr * db
        grads.append((dW, db))
    return grads[::-1]


def iteration_after(net, X, Y, lr):     # all gradients first, then every update
    grads = backward_loop(net, X, Y)
    for layer, (dW, db) in zip(net.layers, grads):
        layer.set_params(layer.W - lr * dW, layer.b - lr * db)
    return grads


def centered(f, x, eps):
    g = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x, dtype=float)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def centered_flat(f, x, eps):
    flat = x.astype(float).ravel()
    g = np.empty_like(flat)
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up.reshape(x.shape)) - f(down.reshape(x.shape))) / (2 * eps)
    return g.reshape(x.shape)


CORRECT = [
    (C.check_dense_forward, dense_batched), (C.check_dense_forward, dense_loop),
    (C.check_network_forward, network_batched),
    (C.check_network_forward, network_float32),
    (C.check_delta_recursion, bp2_df), (C.check_delta_recursion, bp2_lookup),
    (C.check_backward, backward_loop), (C.check_backward, backward_outer),
    (C.check_sgd_step, sgd_new), (C.check_sgd_step, sgd_copy_then_inplace),
    (C.check_softmax_jacobian, jac_outer), (C.check_softmax_jacobian, jac_loop),
    (C.check_stable_sigmoid, sigmoid_where), (C.check_stable_sigmoid, sigmoid_masks),
    (C.check_output_delta, delta_softmax), (C.check_output_delta, delta_softmax_loop),
    (C.check_momentum_step, momentum), (C.check_momentum_step, momentum_copy),
    (C.check_adam_step, adam), (C.check_adam_step, adam_folded),
    (C.check_training_iteration, iteration), (C.check_training_iteration, iteration_after),
    (C.check_centered_difference, centered), (C.check_centered_difference, centered_flat),
]


@pytest.mark.parametrize("check, fn", CORRECT,
                         ids=[f"{c.__name__}-{f.__name__}" for c, f in CORRECT])
def test_correct_solutions_in_any_style_pass(check, fn, capsys):
    result = check(fn)
    assert result, result.message
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("[PASSED]")      # one line


# --- classic slips and the probable cause the check must name ----------------------
def _mse_sum(P, Y):
    return float(np.sum((P - Y) ** 2) / P.shape[1])      # a sum over the batch


def _sgd_inplace(theta, grad, lr):
    theta -= lr * grad
    return theta


def _bp2_no_df(d, W, Z, f):
    return d @ W


def _backward_dA(net, X, Y):            # δ^L := ∂ℒ/∂A^L (the f' of the output dropped)
    net.forward(X)
    out = net.layers[-1]
    delta = net.loss_fn.grad(out.A, net.targets(Y))
    grads = []
    for l in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[l]
        grads.append((delta.T @ layer.A_prev, delta.sum(axis=0)))
        if l > 0:
            below = net.layers[l - 1]
            delta = (delta @ layer.W) * below.activation.df(below.Z)
    return grads[::-1]


def _backward_mean(net, X, Y):
    return [(dW / len(X), db / len(X)) for dW, db in backward_loop(net, X, Y)]


def _only_batch_of_one(A, W, b, f):      # sums the batch away, then broadcasts back
    return np.broadcast_to(f(A.sum(axis=0, keepdims=True) @ W.T + b), (len(A), len(b)))


def _iteration_no_update(net, X, Y, lr):
    return backward_loop(net, X, Y)


def _iteration_sign(net, X, Y, lr):
    return iteration(net, X, Y, -lr)


def _iteration_no_bias(net, X, Y, lr):
    grads = backward_loop(net, X, Y)
    for layer, (dW, _) in zip(net.layers, grads):
        layer.W -= lr * dW
    return grads


def _iteration_fixed_lr(net, X, Y, lr):
    return iteration(net, X, Y, 0.1)


def _adam_inplace(theta, m, v, g, t, lr, b1, b2, eps):
    m *= b1
    m += (1 - b1) * g
    v_new = b2 * v + (1 - b2) * g * g
    return adam(theta, m / b1 - (1 - b1) / b1 * g, v, g, t, lr, b1, b2, eps)[0], m, v_new


def _centered_inplace(f, x, eps):
    g = np.empty_like(x)
    for i in np.ndindex(x.shape):
        x[i] += eps
        up = f(x)
        x[i] -= 2 * eps
        down = f(x)
        g[i] = (up - down) / (2 * eps)      # x is left eps lower... not restored
    return g


WRONG = [
    (C.check_dense_forward, lambda A, W, b, f: f(A @ W + b), "transpose is missing"),
    (C.check_dense_forward, lambda A, W, b, f: f(A @ W.T), "bias is ignored"),
    (C.check_dense_forward, lambda A, W, b, f: f(A @ W.T + b).reshape(-1), "shape"),
    (C.check_dense_forward, _only_batch_of_one, "batch has one example"),
    (C.check_network_forward,
     lambda X, Ws, bs, fs: network_batched(X, Ws[::-1], bs[::-1], fs[::-1]),
     "reverse order"),
    (C.check_delta_recursion, _bp2_no_df, "f'(Z) is dropped"),
    (C.check_backward, _backward_dA, "∂ℒ/∂A^L"),
    (C.check_backward, _backward_mean, "divided by N again"),
    (C.check_backward, lambda n, X, Y: backward_loop(n, X, Y)[::-1], "reverse order"),
    (C.check_backward, lambda n, X, Y: [(-dW, -db) for dW, db in backward_loop(n, X, Y)],
     "wrong sign"),
    (C.check_loss, None, "sum over the batch"),
    (C.check_sgd_step, _sgd_inplace, "changed `theta` in place"),
    (C.check_sgd_step, lambda t, g, lr: t + lr * g, "uphill"),
    (C.check_softmax_jacobian, lambda z: jac_outer(z).diagonal(), "only the diagonal"),
    (C.check_softmax_jacobian, lambda z: np.diag(np.diag(jac_outer(z))), "diagonal"),
    (C.check_stable_sigmoid, lambda z: 1 / (1 + np.exp(-z)), "overflowed"),
    (C.check_output_delta, lambda Z, Y: (np.exp(Z) / np.exp(Z).sum(1, keepdims=True) - Y)
     / len(Z), "inf or NaN"),
    (C.check_output_delta, lambda Z, Y: -Y / (len(Z) * softmax_rows(Z)), "∂ℒ/∂ŷ"),
    (C.check_logsumexp, lambda Z: np.log(np.exp(Z).sum(axis=1)), "inf or NaN"),
    (C.check_momentum_step, lambda t, v, g, lr, mu: (t - lr * (mu * v + (1 - mu) * g),
                                                     mu * v + (1 - mu) * g), "dampened"),
    (C.check_adam_step, _adam_inplace, "in place"),
    (C.check_adam_step, lambda th, m, v, g, t, lr, b1, b2, eps: adam(
        th, m, v, g, 1, lr, b1, b2, eps) if False else (
        th - lr * (b1 * m + (1 - b1) * g) / (np.sqrt(b2 * v + (1 - b2) * g * g) + eps),
        b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g), "bias corrections"),
    (C.check_training_iteration, _iteration_no_update, "never updated"),
    (C.check_training_iteration, _iteration_sign, "uphill"),
    (C.check_training_iteration, _iteration_no_bias, "biases are not updated"),
    (C.check_training_iteration, _iteration_fixed_lr, "learning rate is ignored"),
    (C.check_centered_difference, _centered_inplace, "changed `x` in place"),
    (C.check_layer_gradients, lambda d, A: (d.T @ A / len(d), d.mean(axis=0)),
     "divide by N again"),
    (C.check_weight_decay_step, lambda W, dW, lr, lam: W - lr * dW - lam * W,
     "not scaled by lr"),
    (C.check_he_std, lambda n_in, n_out: 2 / n_in, "variance"),
]


def _check(check, fn):
    if check is C.check_loss:
        return check("mse", _mse_sum, verbose=False)
    return check(fn, verbose=False)


@pytest.mark.parametrize("check, fn, cause", WRONG,
                         ids=[f"{c.__name__}-{why[:24]}" for c, _, why in WRONG])
def test_classic_slips_fail_with_their_probable_cause(check, fn, cause):
    with np.errstate(all="ignore"):
        result = _check(check, fn)
    assert not result
    assert cause in result.diagnosis + result.message.splitlines()[0], result.message
    assert "probable cause" in result.message or "in place" in result.message
    assert result.signature and result.signature in result.message


def test_a_failure_is_reproducible():
    result = C.check_dense_forward(lambda A, W, b, f: f(A @ W.T), verbose=False)
    assert set(result.inputs) == {"A_prev", "W", "b", "activation"}
    np.testing.assert_allclose(result.rerun(dense_batched), result.expected)
    assert "rerun this case" in result.message and result.case.startswith("square W")


def test_the_readers_own_failing_line_is_reported():
    def broken(A, W, b, f):
        Z = A @ W.T + b
        return f(Z) @ np.ones((7, 7))     # the line of the bug
    result = C.check_dense_forward(broken, verbose=False)
    file, line, source = result.frame
    assert file == __file__ and "np.ones((7, 7))" in source
    assert f"line {line}" in result.message


def test_backward_parts_are_reported_from_the_output_layer_down():
    def wrong_last_db(net, X, Y):
        grads = backward_loop(net, X, Y)
        grads[0] = (grads[0][0], grads[0][1] * 3)
        grads[-1] = (grads[-1][0], grads[-1][1] * 3)
        return grads
    first = C.check_backward(wrong_last_db, verbose=False).message.splitlines()[0]
    assert first.index("layer 2 db") < first.index("layer 1 db")


def test_a_float32_answer_is_compared_with_float32_tolerance():
    result = C.check_network_forward(network_float32, verbose=False)
    assert result
    wrong = C.check_network_forward(lambda *a: network_float32(*a) * 1.01, verbose=False)
    assert "float32" in wrong.message


def test_activation_is_a_name_and_a_function_in_every_check():
    act = ActivationArg("tanh")
    assert act == "tanh" and isinstance(act, str)
    z = np.linspace(-2, 2, 5)
    np.testing.assert_allclose(act(z), np.tanh(z))
    np.testing.assert_allclose(act.df(z), 1 - np.tanh(z) ** 2)
    assert bp.get_activation(act).name == "tanh"
    for case in C.neurons.dense_cases() + C.backward.delta_cases():
        assert isinstance(case[-1], ActivationArg)
    with pytest.raises(ValueError, match="sigmod"):
        ActivationArg("sigmod")


def test_every_public_check_states_its_signature():
    checks = [name for name in C.__all__ if name.startswith("check_")]
    assert set(checks) <= set(C.signatures())
    for name in checks:
        fn, args, result = parse(getattr(C, name).signature)
        assert fn.isidentifier() and result
        source = stub(getattr(C, name).signature, name="student_fn")
        namespace: dict = {}
        exec(source, namespace)
        with pytest.raises(NotImplementedError):
            namespace["student_fn"](*range(len(args)))


def test_a_stub_fails_the_check_with_a_clear_message():
    namespace: dict = {}
    exec(stub(C.check_sgd_step.signature), namespace)
    result = C.check_sgd_step(namespace["sgd_step"], verbose=False)
    assert not result and "NotImplementedError" in result.message


def test_two_layer_gradients_are_reported_output_layer_first():
    def all_doubled(X, Y, W1, b1, W2, b2):
        Z1 = X @ W1.T + b1
        A1 = sig(Z1)
        A2 = sig(A1 @ W2.T + b2)
        d2 = 2 * (A2 - Y) / Y.size * A2 * (1 - A2) * 2
        d1 = (d2 @ W2) * A1 * (1 - A1)
        return d1.T @ X, d1.sum(0), d2.T @ A1, d2.sum(0)
    result = C.check_backward_2layer(all_doubled, verbose=False)
    first = result.message.splitlines()[0]
    assert first.index("`dW2`") < first.index("`dW1`")
    # the first case has N·n_L = 2, so "×2" and "the sum, not the mean" coincide there
    assert "1/(N·n_L) is missing" in result.diagnosis or "2×" in result.diagnosis
