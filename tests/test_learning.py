"""bp learns: XOR to 100 %, the digits to >= 97 % test accuracy (seeded, a few seconds)."""
import numpy as np
import pytest

import bp


@pytest.mark.parametrize("hidden,loss,out,make_opt", [
    ("tanh", "bce", "sigmoid", lambda: bp.SGD(1.0)),
    ("sigmoid", "mse", "sigmoid", lambda: bp.SGD(2.0, momentum=0.9)),
    ("relu", "softmax_cross_entropy", "identity", lambda: bp.Adam(0.05)),
    ("tanh", "softmax_cross_entropy", "identity", lambda: bp.Adam(0.05)),
])
def test_xor(hidden, loss, out, make_opt):
    X, y = bp.xor()
    n_out = 2 if loss == "softmax_cross_entropy" else 1
    Y = y[:, 0].astype(int) if n_out == 2 else y
    net = bp.Network([bp.Dense(2, 4, hidden, rng=0), bp.Dense(4, n_out, out, rng=10)],
                     loss=loss)
    hist = net.fit(X, Y, epochs=1000, batch_size=4, optimizer=make_opt(), progress=False)
    assert net.accuracy(X, Y) == 1.0
    assert hist["accuracy"][-1] == 1.0 if loss != "mse" else "accuracy" not in hist
    assert hist["loss"][-1] < 0.01 * hist["loss"][0]
    pred = net.predict(X) if n_out == 2 else (net.forward(X)[:, 0] > 0.5).astype(int)
    np.testing.assert_array_equal(pred, [0, 1, 1, 0])


def test_digits_small_mlp():
    d = bp.digits(seed=0)
    assert d.X_train.shape == (1437, 64) and d.X_test.shape == (360, 64)
    net = bp.Network([bp.Dense(64, 64, "tanh", rng=0),
                      bp.Dense(64, 10, "identity", rng=1)], loss="softmax_cross_entropy")
    hist = net.fit(d.X_train, d.y_train, epochs=30, batch_size=32,
                   optimizer=bp.Adam(3e-3, weight_decay=1e-3),
                   validation=(d.X_test, d.y_test), seed=0, progress=False)
    acc = net.accuracy(d.X_test, d.y_test)
    assert acc >= 0.97
    assert hist["val_accuracy"][-1] == acc
    assert hist["accuracy"][-1] > 0.99


def test_digits_with_sigmoid_and_mse_like_the_classic_books():
    d = bp.digits(seed=0)
    net = bp.Network([bp.Dense(64, 30, "sigmoid", rng=0), bp.Dense(30, 10, "sigmoid", rng=1)],
                     loss="mse")
    net.fit(d.X_train, bp.one_hot(d.y_train, 10), epochs=40, batch_size=10,
            optimizer=bp.SGD(3.0), progress=False)
    assert net.accuracy(d.X_test, bp.one_hot(d.y_test, 10)) >= 0.93
