r"""Early stopping: keep the weights of the epoch with the best validation loss.

:func:`bp.fit` uses :class:`BestWeights` when it is given ``patience`` or
``restore_best=True``. After every epoch it looks at the validation loss
:math:`\loss_{\text{val}}(t)`; the best epoch is

.. math::

    t^* = \arg\min_{t \le T} \loss_{\text{val}}(t),

training stops once :math:`T - t^* \ge` ``patience`` (no new best for that many epochs),
and with ``restore_best`` the network's parameters are set back to their values at the
end of epoch :math:`t^*`. Only the weights are restored, not the optimizer's state
(momentum, Adam's moments): the network afterwards is exactly the one that was validated.
"""
from __future__ import annotations

import math

import numpy as np

from ._validation import check_positive_int


class BestWeights:
    """Tracks the lowest validation loss and a copy of the weights that gave it.

    Parameters
    ----------
    patience : int or None
        Stop after this many epochs without a new lowest validation loss; ``None``
        never stops early.
    restore_best : bool
        At the end, put back the weights of the best epoch.
    has_validation : bool
        Whether ``fit`` was given validation data (both options need it).
    """

    def __init__(self, patience: int | None, restore_best: bool,
                 has_validation: bool) -> None:
        if patience is not None:
            patience = check_positive_int(patience, "patience")
        if not isinstance(restore_best, (bool, np.bool_)):
            raise TypeError(f"restore_best must be a bool, got {type(restore_best).__name__}")
        self.active = patience is not None or bool(restore_best)
        if self.active and not has_validation:
            raise ValueError("patience and restore_best watch the validation loss: pass "
                             "validation=(X_val, Y_val) to fit")
        self.patience, self.restore_best = patience, bool(restore_best)
        self.best_loss, self.best_epoch = math.inf, None
        self._saved: list[np.ndarray] | None = None

    def update(self, net, val_loss: float, epoch: int) -> bool:
        """Record epoch ``epoch``'s validation loss; return True when training should stop."""
        if not self.active:
            return False
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch = float(val_loss), epoch
            if self.restore_best:
                self._saved = [p.copy() for _, _, p in net.parameters()]
        return self.patience is not None and epoch - self.best_epoch >= self.patience

    def finish(self, net) -> int | None:
        """Restore the best weights (if asked) and return the best epoch (1-based)."""
        if self.restore_best and self._saved is not None:
            for (_, _, p), saved in zip(net.parameters(), self._saved):
                p[...] = saved
        return self.best_epoch
