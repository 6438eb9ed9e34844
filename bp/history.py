r"""What :func:`bp.fit` reports: the per-epoch :class:`History`, and its progress bar.

After every epoch :func:`bp.fit` appends one number per metric,

.. math:: \text{history}[\text{"loss"}]_e = \frac1S \sum_{\text{batches } B}
          \lvert B \rvert\, \loss_B \qquad (e = 1, \dots, \text{epochs}),

the mean over the epoch's examples of the batch losses as each batch was seen, and,
when they apply, ``accuracy``, ``val_loss``, ``val_accuracy`` and (with ``clip_norm``)
``grad_norm`` and ``clipped``. A tqdm bar over the epochs shows the last values; by
default it appears only in a terminal or a Jupyter notebook.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field


@dataclass
class History:
    """Per-epoch metrics: ``loss`` and, when they apply, ``accuracy``, ``val_loss``,
    ``val_accuracy``, ``grad_norm``, ``clipped``. Index it like a dict:
    ``history["loss"]``. With early stopping, ``best_epoch`` is the (1-based) epoch of
    the lowest ``val_loss``."""

    metrics: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int | None = None

    def append(self, name: str, value: float) -> None:
        self.metrics.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        return self.metrics[name]

    def __contains__(self, name: str) -> bool:
        return name in self.metrics

    def keys(self):
        return self.metrics.keys()

    def __len__(self) -> int:
        return len(self.metrics.get("loss", []))

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.metrics.items() if v)
        return f"History({len(self)} epochs; last: {last})"


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ip = shell.get_ipython() if hasattr(shell, "get_ipython") else None
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def _progress_on(progress: bool | None) -> bool:
    if progress is None:
        return sys.stderr.isatty() or _in_notebook()
    return bool(progress)


def _epoch_bar(epochs: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.std import tqdm  # plain text: works in a terminal and in a notebook
    return tqdm(total=epochs, unit="epoch", file=sys.stderr, leave=True)
