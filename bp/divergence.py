"""Training that diverges: the error :func:`bp.training.fit` raises, and its message.

Three situations, three messages: a weight that is NaN or infinite *before* training
(a ``ValueError`` naming the layer, the array and the index: the learning rate is not
to blame), a loss that overflows before any step although weights and inputs are
finite (the forward pass overflows the dtype), and divergence after ``k`` steps
(:class:`TrainingDiverged`: try a smaller learning rate; it says what the network
holds and offers the weights from before ``fit`` or from the last finished epoch).
"""
from __future__ import annotations

import numpy as np


class TrainingDiverged(FloatingPointError):
    """The loss or the weights became NaN or infinite during :func:`bp.training.fit`.

    The message names the epoch, the batch and the number of steps taken, and says
    what state the network is left in (the weights after the last step taken).

    Attributes
    ----------
    history : bp.History
        The metrics of the epochs that finished before the failure.
    epoch, batch, steps : int
        Where it was detected, and how many optimizer steps this ``fit`` had taken.

    Notes
    -----
    :meth:`restore` puts back earlier weights, to refit from (with a smaller learning
    rate, say). By default those the network had when ``fit`` was called: a loss that
    grows until it overflows has weights of :math:`10^{150}` long before it is
    infinite, so the last *finite* weights are rarely worth keeping. ``"epoch"``
    gives those from the end of the last finished epoch, what ``history`` ends in
    (worth it when a run that went well blows up suddenly).
    """

    def __init__(self, message: str, history=None, epoch: int = 0, batch: int = 0,
                 steps: int = 0, net=None, saved=None) -> None:
        super().__init__(message)
        self.history = history
        self.epoch, self.batch, self.steps = epoch, batch, steps
        self._net, self._saved = net, saved or {}

    def restore(self, to: str = "start") -> None:
        """Copy earlier weights back into the network, in place.

        Parameters
        ----------
        to : {"start", "epoch"}
            ``"start"``: the weights when ``fit`` was called; ``"epoch"``: those at the
            end of the last finished epoch (the start, if none finished).

        The optimizer's state (momentum, Adam's moments) is not restored: refit with a
        new optimizer.
        """
        if to not in ("start", "epoch"):
            raise ValueError(f"to must be 'start' or 'epoch', got {to!r}")
        saved = self._saved.get(to) or self._saved.get("start")
        if self._net is None or saved is None:
            raise RuntimeError("this TrainingDiverged holds no weights to restore")
        for (_, _, p), old in zip(self._net.parameters(), saved):
            p[...] = old


def first_bad(net) -> str | None:
    """Where the first non-finite weight is: ``"layer 1 (...) W[0, 1] = nan"``."""
    for i, name, p in net.parameters():
        if not np.all(np.isfinite(p)):
            at = tuple(int(k) for k in np.argwhere(~np.isfinite(p))[0])
            return f"{net.layers[i].name}: {name}[{', '.join(map(str, at))}] = {p[at]}"
    return None


def check_finite_weights(net) -> None:
    """``ValueError`` naming the first NaN or infinite weight, before training."""
    bad = first_bad(net)
    if bad is not None:
        raise ValueError(f"{bad} before training (no step was taken, so the learning rate "
                         "is not the cause); re-initialize or fix the weights")


def diverged(net, opt, history, saved, epoch, batch, steps, what):
    """The :class:`TrainingDiverged` for a failure seen at ``batch`` of ``epoch``, after
    ``steps`` steps of this fit; ``what`` says what and where."""
    if steps == 0:          # finite weights and inputs, no step: the forward pass overflows
        msg = (f"{what}, before any step, with finite weights and inputs: the forward pass "
               f"overflows {net.dtype} (scale the inputs, or start from smaller weights); "
               "the network is unchanged")
        return TrainingDiverged(msg, history, epoch, batch, steps, net, saved)
    bad = first_bad(net)
    state = f"not finite: {bad}" if bad is not None else "finite, but too large"
    msg = (f"{what}; try a smaller learning rate (optimizer: {opt!r}). The network holds "
           f"the weights after {steps} step{'s' if steps > 1 else ''} ({state}); "
           "err.restore() puts back those it had when fit was called, "
           f"err.restore('epoch') those after the {len(history)} finished epochs of "
           "err.history")
    return TrainingDiverged(msg, history, epoch, batch, steps, net, saved)
