"""Tests for bp.checks.parallel: correct implementations pass, planted bugs fail."""
from bp.checks import check_data_parallel, check_weight_decay_step


def weighted_average(net, shards_X, shards_Y):
    N = sum(len(X) for X in shards_X)
    total = None
    for X, Y in zip(shards_X, shards_Y):
        net.forward(X)
        net.backward(Y)
        part = [(len(X) / N * l.dW, len(X) / N * l.db) for l in net.layers]
        total = part if total is None else [(a + c, b + d) for (a, b), (c, d) in zip(total, part)]
    return total


def plain_average(net, shards_X, shards_Y):         # wrong when shard sizes differ
    grads = []
    for X, Y in zip(shards_X, shards_Y):
        net.forward(X)
        net.backward(Y)
        grads.append([(l.dW.copy(), l.db.copy()) for l in net.layers])
    k = len(grads)
    return [(sum(g[i][0] for g in grads) / k, sum(g[i][1] for g in grads) / k)
            for i in range(len(grads[0]))]


def summed(net, shards_X, shards_Y):                # forgets to divide at all
    grads = None
    for X, Y in zip(shards_X, shards_Y):
        net.forward(X)
        net.backward(Y)
        part = [(l.dW.copy(), l.db.copy()) for l in net.layers]
        grads = part if grads is None else [(a + c, b + d) for (a, b), (c, d) in zip(grads, part)]
    return grads


def test_weighted_average_passes(capsys):
    assert check_data_parallel(weighted_average)
    assert "PASSED" in capsys.readouterr().out


def test_plain_average_fails_on_unequal_shards():
    result = check_data_parallel(plain_average, verbose=False)
    assert not result
    # the first case has equal shards, so the plain average survives it
    assert "case 2" in result.message and "expected" in result.message


def test_sum_fails_on_first_case():
    result = check_data_parallel(summed, verbose=False)
    assert not result and "case 1" in result.message


def test_weight_decay_step():
    assert check_weight_decay_step(lambda W, dW, lr, lam: W - lr * (dW + lam * W),
                                   verbose=False)
    assert check_weight_decay_step(lambda W, dW, lr, lam: (1 - lr * lam) * W - lr * dW,
                                   verbose=False)
    wrong = check_weight_decay_step(lambda W, dW, lr, lam: W - lr * dW - lam * W,
                                    verbose=False)
    assert not wrong and "got" in wrong.message
