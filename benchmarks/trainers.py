"""The same training run, three ways: ``bp.fit``, a PyTorch loop, scikit-learn's MLP.

What is identical on every side: the data arrays and their dtype, the architecture
(ReLU hidden layers, softmax cross-entropy on the logits, mean over the batch), plain
SGD with the same learning rate, the batch order (``bp.fit``'s permutations), the number
of steps, and the loss computed every step and checked to be finite. ``bp.fit`` also
counts each batch's correct predictions for its running accuracy; the PyTorch loop does
the same. PyTorch starts from bp's initial weights, so the two trajectories agree to
rounding (:func:`same_trajectory` checks it).

scikit-learn cannot take a batch order, so it gets each epoch's rows pre-permuted
(outside the timed region) with ``shuffle=False``; so it slices its batches instead of
gathering them, draws its own initial weights, records no accuracy and, as
``MLPClassifier`` always does, adds the (here zero) L2 penalty to its loss.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

import bp
from _common import build_bp, epoch_orders

LR = 0.01


def bp_trainer(X, y, sizes, epochs: int, batch: int, seed: int = 0) -> Callable[[], list]:
    """A callable that trains a fresh bp network (built outside the timing) with ``bp.fit``."""
    init = build_bp(sizes, X.dtype, seed)
    params = [(l.W.copy(), l.b.copy()) for l in init.layers]
    state = {"net": _fresh(init, params)}

    def run():
        net = state["net"]
        hist = net.fit(X, y, epochs=epochs, batch_size=batch, optimizer=bp.SGD(lr=LR),
                       shuffle=True, seed=seed, progress=False)
        state["net"] = _fresh(init, params)
        return hist["loss"]

    return run


def _fresh(net: bp.Network, params) -> bp.Network:
    for layer, (W, b) in zip(net.layers, params):
        layer.set_params(W, b)
    return net


def torch_model(net: bp.Network):
    """An ``nn.Sequential`` with the architecture, dtype and current weights of ``net``."""
    import torch
    mods = []
    for layer in net.layers:
        lin = torch.nn.Linear(layer.n_in, layer.n_out, dtype=getattr(torch, layer.dtype.name))
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.W))
            lin.bias.copy_(torch.from_numpy(layer.b))
        mods.append(lin)
        if layer.activation.name == "relu":
            mods.append(torch.nn.ReLU())
        elif layer.activation.name != "identity":
            raise ValueError(f"no torch twin for {layer.activation.name}")
    return torch.nn.Sequential(*mods)


def torch_fit(model, Xt, yt, epochs: int, batch: int, seed: int) -> list[float]:
    """What ``bp.fit`` does, written as an ordinary PyTorch training loop (the batch
    order drawn the same way, from ``numpy.random.default_rng(seed)``)."""
    import torch
    import torch.nn.functional as F
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    n = Xt.shape[0]
    history = []
    rng = np.random.default_rng(seed)
    for epoch in range(1, epochs + 1):
        order = torch.from_numpy(rng.permutation(n))
        running, correct = 0.0, 0
        for b, start in enumerate(range(0, n, batch), start=1):
            idx = order[start:start + batch]
            xb, yb = Xt[idx], yt[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(f"loss {value} at epoch {epoch}, batch {b}")
            correct += int((out.detach().argmax(1) == yb).sum())
            loss.backward()
            opt.step()
            running += value * idx.shape[0]
        history.append((running / n, correct / n))
    return history


def torch_trainer(X, y, sizes, epochs: int, batch: int, seed: int = 0) -> Callable[[], list]:
    """A callable that trains a fresh copy of bp's initial network with :func:`torch_fit`."""
    import torch
    init = build_bp(sizes, X.dtype, seed)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    state = {"model": torch_model(init)}

    def run():
        hist = torch_fit(state["model"], Xt, yt, epochs, batch, seed)
        state["model"] = torch_model(init)
        return hist

    return run


def sklearn_trainer(X, y, sizes, epochs: int, batch: int, seed: int = 0) -> Callable[[], list]:
    """A callable that trains ``MLPClassifier(solver="sgd")`` one ``partial_fit`` per epoch."""
    import warnings

    from sklearn.neural_network import MLPClassifier
    orders = epoch_orders(X.shape[0], epochs, seed)
    epochs_data = [(np.ascontiguousarray(X[o]), y[o]) for o in orders]
    classes = np.arange(sizes[-1])

    def run():
        clf = MLPClassifier(hidden_layer_sizes=sizes[1:-1], activation="relu", solver="sgd",
                            alpha=0.0, batch_size=batch, learning_rate="constant",
                            learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False,
                            shuffle=False, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for Xe, ye in epochs_data:
                clf.partial_fit(Xe, ye, classes=classes)
        assert clf.coefs_[0].dtype == X.dtype, "scikit-learn changed the dtype"
        return clf.loss_curve_

    return run


def same_trajectory(n: int = 4096, steps_batch: int = 128) -> float:
    """Train bp and torch side by side in float64 for one epoch on ``n`` examples and
    return the largest relative difference of the final weights (rounding only)."""
    import torch
    from _common import MNIST_SIZES, mnist_like
    X, y = mnist_like(n, np.float64, seed=1)
    net = build_bp(MNIST_SIZES, np.float64, seed=0)
    model = torch_model(net)
    net.fit(X, y, epochs=1, batch_size=steps_batch, optimizer=bp.SGD(lr=LR), seed=3,
            progress=False)
    torch_fit(model, torch.from_numpy(X), torch.from_numpy(y), 1, steps_batch, seed=3)
    lins = [m for m in model if isinstance(m, torch.nn.Linear)]
    worst = 0.0
    for layer, lin in zip(net.layers, lins):
        for mine, theirs in ((layer.W, lin.weight), (layer.b, lin.bias)):
            theirs = theirs.detach().numpy()
            worst = max(worst, float(np.max(np.abs(mine - theirs)) / np.max(np.abs(theirs))))
    return worst
