"""Mini-batch training: the loop that repeats forward, backward and step.

:func:`fit` is what :meth:`bp.Network.fit` calls. One epoch visits every example
once, in batches of ``batch_size`` (the last batch may be smaller, or be left out with
``drop_last=True`` as in PyTorch's ``DataLoader``), reshuffled every epoch from a seeded
generator, so a run is reproducible.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validation import as_labels, asarray, check_positive_int
from .clipping import check_max_norm, clip_network
from .divergence import TrainingDiverged, check_finite_weights, diverged
from .early_stopping import BestWeights
from .evaluation import eval_mode, train_mode
from .history import History, _epoch_bar, _in_notebook, _progress_on  # noqa: F401
from .init import as_generator
from .losses import as_targets
from .optimizers import Optimizer, get_optimizer
from .schedules import apply as apply_schedule, check_schedule


def _evaluate(net, X: np.ndarray, Y: np.ndarray, batch_size: int) -> tuple[float, float | None]:
    """Mean loss (and accuracy) over a whole checked data set, in batches."""
    total, correct, n = 0.0, 0, X.shape[0]
    eye = np.eye(net.n_out, dtype=net.dtype)
    for start in range(0, n, batch_size):
        xb = X[start:start + batch_size]
        yb, truth = _batch_targets(net, Y, slice(start, start + batch_size), eye)
        out = net._forward(xb)
        total += net._loss_value(yb) * xb.shape[0]
        if net.is_classifier:
            correct += _correct(net, out, truth)
    return total / n, (correct / n if net.is_classifier else None)


def _correct(net, out: np.ndarray, truth: np.ndarray) -> float:
    """Correct decisions in a batch, as a number of examples (multi-label: averaged)."""
    hits = net.loss_fn.decide(out) == truth
    return np.count_nonzero(hits) / (hits.size // hits.shape[0])


def _batch_targets(net, Y: np.ndarray, sel, eye: np.ndarray) -> tuple[np.ndarray,
                                                                     np.ndarray | None]:
    """The targets of the examples ``sel`` as rows ``(batch, n_out)``, and their decisions
    (labels) for the accuracy. Class labels become one-hot here, a batch at a time, as
    rows of the identity matrix ``eye``, so the whole data set is never held one-hot
    (4.8 MB for 60,000 labels of 10 classes)."""
    if Y.ndim == 2:
        yb = Y[sel]
        return yb, (net.loss_fn.decide(yb, logits=False) if net.is_classifier else None)
    labels = Y[sel]
    return eye[labels], labels


def fit(net, X: Any, Y: Any, epochs: int = 10, batch_size: int = 32,
        optimizer: Optimizer | str | None = None, shuffle: bool = True,
        validation: tuple[Any, Any] | None = None, seed: int | np.random.Generator | None = 0,
        progress: bool | None = None, schedule: Any = None,
        patience: int | None = None, restore_best: bool = False,
        clip_norm: float | None = None, drop_last: bool = False) -> History:
    """Train ``net`` on ``(X, Y)`` with mini-batches.

    Parameters
    ----------
    net : bp.Network
    X : array_like, shape (n, n_in)
    Y : array_like, shape (n, n_out), or (n,) integer labels for categorical losses
    epochs, batch_size : int
    optimizer : Optimizer or str or None
        Default ``SGD(lr=0.1)``.
    shuffle : bool
        Reshuffle the examples at the start of every epoch.
    validation : (X_val, Y_val), optional
        Evaluated after every epoch (``val_loss``, ``val_accuracy``).
    seed : int or Generator or None
        Drives the shuffling.
    progress : bool or None
        A tqdm bar over epochs; ``None`` shows it only in a terminal or a notebook.
    schedule : bp.schedules.Schedule or callable or None
        Learning-rate factor per optimizer *step* (batch, not epoch): before every step
        ``optimizer.lr = optimizer.initial_lr * schedule(optimizer.t)``
        (:func:`bp.schedules.apply`). ``None`` keeps the rate constant.
    patience : int or None
        Early stopping: stop after ``patience`` epochs without a new lowest ``val_loss``
        (needs ``validation``; see :mod:`bp.early_stopping`).
    restore_best : bool
        At the end, set the weights back to those of the epoch with the lowest
        ``val_loss`` (``history.best_epoch``); needs ``validation``.
    clip_norm : float or None
        Clip by global norm (:func:`bp.clip_grad_norm`) after every backward, before
        the optimizer's step: all gradients together are scaled by
        ``min(1, clip_norm / (norm + 1e-6))``. ``None``: no clipping.
    drop_last : bool
        Leave out each epoch's last batch when it is smaller than ``batch_size``
        (PyTorch's ``DataLoader(drop_last=True)``): the examples left over are
        different ones every epoch when shuffling. A step on a few examples is a noisy
        one, and in a batch-norm layer it normalizes with the statistics of those few.
        Needs at least ``batch_size`` examples.

    Returns
    -------
    History
        Per epoch: ``loss``, the mean over the epoch's examples (those in a batch) of
        the batch losses
        as each batch was seen (before its step); for classification losses
        ``accuracy``, measured the same way (as Keras does: no extra pass over the
        data); ``val_loss``, ``val_accuracy`` after the epoch if asked for; and with
        ``clip_norm``, ``grad_norm`` (the mean over the epoch's steps of the norm
        before clipping) and ``clipped`` (the fraction of steps clipped).

    Raises
    ------
    ValueError
        If a weight is NaN or infinite before training (the message names the layer
        and the array; the inputs are checked as well).
    TrainingDiverged
        If a batch's loss is NaN or infinite (that batch's step is not taken), or the
        weights are after an epoch's last step. The message names the epoch, the batch
        and the steps taken, and the state the network is left in; ``err.history``
        holds the finished epochs, ``err.restore()`` puts back the weights from before
        this ``fit`` and ``err.restore("epoch")`` those from the end of the last
        finished epoch (a copy of the weights is kept at the start and updated once per
        epoch: none per step).
    """
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    X = net.check_input(X, "X")
    Y = _rows(net, Y, X.shape[0], "Y")
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError("validation must be a pair (X_val, Y_val)")
        Xv = net.check_input(validation[0], "X_val")
        Yv = _rows(net, validation[1], Xv.shape[0], "Y_val")
    check_finite_weights(net)
    # restore points for TrainingDiverged: at the start, and at the end of each epoch
    saved = {"start": [p.copy() for _, _, p in net.parameters()], "epoch": None}
    best = BestWeights(patience, restore_best, validation is not None)
    opt = get_optimizer(optimizer)
    if schedule is not None:
        schedule = check_schedule(schedule)
    if clip_norm is not None:
        clip_norm = check_max_norm(clip_norm, "clip_norm", "fit")
    if not isinstance(drop_last, (bool, np.bool_)):
        raise TypeError(f"drop_last must be True or False, got {type(drop_last).__name__}")
    rng = as_generator(seed, "seed")
    history = History()
    S = X.shape[0]                                         # training-set size
    if drop_last and S < batch_size:
        raise ValueError(f"drop_last=True needs at least batch_size={batch_size} examples, "
                         f"got {S}: every batch would be dropped")
    # the examples an epoch trains on: all, or the full batches only
    used = S - S % batch_size if drop_last else S
    n_batches = -(-used // batch_size)
    eye = np.eye(net.n_out, dtype=net.dtype)              # one-hot rows for class labels
    # every batch is gathered into this one buffer (no new array per batch, and the
    # previous batch, still cached as layer 1's A_prev, is not kept beside the next)
    xbuf = np.empty((min(batch_size, S),) + X.shape[1:], dtype=X.dtype)
    bar = _epoch_bar(epochs, _progress_on(progress))
    modes = train_mode(net)                                # fit trains in training mode
    modes.__enter__()
    try:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(S) if shuffle else np.arange(S)
            running, correct, norms = 0.0, 0.0, []
            # over/invalid are reported as divergence (one errstate per epoch, not per batch)
            with np.errstate(over="ignore", invalid="ignore"):
                # used = S examples, or only the full batches' with drop_last=True
                for b, start in enumerate(range(0, used, batch_size), start=1):
                    idx = order[start:start + batch_size]
                    xb = X.take(idx, axis=0, out=xbuf[:idx.shape[0]], mode="clip")
                    yb, truth = _batch_targets(net, Y, idx, eye)
                    out = net._forward(xb)
                    loss, delta_L = net._loss_and_output_delta(yb)
                    if not math.isfinite(loss):
                        raise diverged(net, opt, history, saved, epoch, b,
                                       (epoch - 1) * n_batches + b - 1,
                                       f"loss became {loss} at epoch {epoch}, batch {b}")
                    if net.is_classifier:
                        correct += _correct(net, out, truth)
                    net._backward(yb, delta_L)
                    if clip_norm is not None:              # between backward and step
                        norms.append(clip_network(net, clip_norm))
                    if schedule is not None:
                        apply_schedule(schedule, opt)
                    opt.step(net)
                    running += loss * xb.shape[0]
            if not all(np.all(np.isfinite(p)) for _, _, p in net.parameters()):
                raise diverged(net, opt, history, saved, epoch, b, epoch * b,
                               f"the weights became NaN or infinite at epoch {epoch} "
                               f"(by batch {b})")
            if saved["epoch"] is None:                     # one copy per epoch, none per step
                saved["epoch"] = [p.copy() for _, _, p in net.parameters()]
            else:
                for (_, _, p), old in zip(net.parameters(), saved["epoch"]):
                    np.copyto(old, p)
            history.append("loss", running / used)
            if net.is_classifier:
                history.append("accuracy", correct / used)
            if norms:
                history.append("grad_norm", np.mean(norms))
                history.append("clipped", np.mean(np.array(norms) > clip_norm))
            if validation is not None:
                with eval_mode(net):                       # then back to training
                    vl, va = _evaluate(net, Xv, Yv, 1024)
                history.append("val_loss", vl)
                if va is not None:
                    history.append("val_accuracy", va)
            if bar is not None:
                bar.set_postfix({k: f"{v[-1]:.4f}" for k, v in history.metrics.items()})
                bar.update(1)
            if best.update(net, history["val_loss"][-1] if best.active else 0.0, epoch):
                break
    finally:
        modes.__exit__(None, None, None)
        if bar is not None:
            bar.close()
    history.best_epoch = best.finish(net)
    return history


def _rows(net, Y: Any, n: int, name: str) -> np.ndarray:
    """Targets checked once for the whole data set (class labels stay labels)."""
    Y_arr = asarray(Y, name)
    if Y_arr.ndim == 0 or Y_arr.shape[0] != n:
        raise ValueError(f"{name} must have {n} rows (one per example), got shape {Y_arr.shape}")
    if net.loss_fn.categorical and Y_arr.ndim == 1:
        return as_labels(Y_arr, name, net.n_out, n_rows=n)
    probe = np.empty((n, net.n_out), dtype=net.dtype)
    return as_targets(Y_arr, probe, net.loss_fn, where=net.layers[-1].name)

