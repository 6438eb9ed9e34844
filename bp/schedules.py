r"""Learning-rate schedules: the learning rate as a function of the step.

A schedule maps the index :math:`t = 0, 1, 2, \dots` of an optimizer step (one batch,
not one epoch) to a *factor*; the step is taken with :math:`\alpha_t = \alpha_0\,
\text{factor}(t)`, where :math:`\alpha_0` is the optimizer's ``lr`` when it was first
scheduled (kept as ``optimizer.initial_lr``, as PyTorch's schedulers do). The index is
the optimizer's own step counter ``optimizer.t``, so several calls of ``fit`` with the
same optimizer continue one schedule, and ``optimizer.reset()`` restarts it.

* :class:`StepDecay`: :math:`\gamma^{\lfloor t / \text{every} \rfloor}`
  (``torch.optim.lr_scheduler.StepLR``);
* :class:`Cosine`: :math:`f_{min} + (1 - f_{min})\,\tfrac12\big(1 + \cos(\pi t/T)\big)`
  for :math:`t \le T` (``CosineAnnealingLR``), then :math:`f_{min}`;
* :class:`Warmup`: :math:`(t+1)/W` for :math:`t < W`, then ``then(t - W)`` (or 1), so
  ``Warmup(100, then=Cosine(900))`` warms up for 100 steps and then decays.

>>> from bp.schedules import Cosine, Warmup
>>> s = Warmup(2, then=Cosine(4))
>>> [round(s(t), 3) for t in range(7)]
[0.5, 1.0, 1.0, 0.854, 0.5, 0.146, 0.0]

``fit(net, X, Y, schedule=...)`` sets the learning rate before every step with
:func:`apply`; any callable ``t -> factor`` works as a schedule.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any, Callable

import numpy as np

from ._validation import check_positive_int, lookup


def _factor(value: Any, name: str, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (upper is not None and value > upper):
        bound = f" and <= {upper}" if upper is not None else ""
        raise ValueError(f"{name} must be finite, >= 0{bound}; got {value}")
    return value


class Schedule(ABC):
    """A learning-rate factor for every step index ``t >= 0``."""

    @abstractmethod
    def __call__(self, t: int) -> float:
        """The factor of the step with index ``t`` (0 for the first step)."""


class StepDecay(Schedule):
    r"""Multiply the rate by ``gamma`` every ``every`` steps: :math:`\gamma^{\lfloor t/k\rfloor}`."""

    def __init__(self, every: int, gamma: float = 0.1) -> None:
        self.every = check_positive_int(every, "every")
        self.gamma = _factor(gamma, "gamma", upper=1.0)

    def __call__(self, t: int) -> float:
        return self.gamma ** (t // self.every)

    def __repr__(self) -> str:
        return f"StepDecay(every={self.every}, gamma={self.gamma})"


class Cosine(Schedule):
    r"""Half a cosine from 1 down to ``floor`` over ``total`` steps, then ``floor``.

    .. math:: f(t) = f_{min} + (1 - f_{min})\,\frac{1 + \cos(\pi \min(t, T)/T)}{2}
    """

    def __init__(self, total: int, floor: float = 0.0) -> None:
        self.total = check_positive_int(total, "total")
        self.floor = _factor(floor, "floor", upper=1.0)

    def __call__(self, t: int) -> float:
        x = min(t, self.total) / self.total
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * x))

    def __repr__(self) -> str:
        return f"Cosine(total={self.total}, floor={self.floor})"


class Warmup(Schedule):
    """Linear warm-up over ``steps`` steps, from ``1/steps`` to 1, then ``then(t - steps)``."""

    def __init__(self, steps: int, then: Schedule | Callable[[int], float] | None = None) -> None:
        self.steps = check_positive_int(steps, "steps")
        if then is not None and not callable(then):
            raise TypeError(f"then must be a schedule (a callable of the step), got "
                            f"{type(then).__name__}")
        self.then = then

    def __call__(self, t: int) -> float:
        if t < self.steps:
            return (t + 1) / self.steps
        return 1.0 if self.then is None else self.then(t - self.steps)

    def __repr__(self) -> str:
        return f"Warmup(steps={self.steps}, then={self.then!r})"


SCHEDULES: dict[str, type[Schedule]] = {"step": StepDecay, "cosine": Cosine,
                                        "warmup": Warmup}


def get_schedule(schedule: str | Schedule | Callable[[int], float],
                 **kwargs: Any) -> Callable[[int], float]:
    """A schedule from a name (``"step"``, ``"cosine"``, ``"warmup"``) and its arguments,
    or a schedule / callable returned as it is."""
    if isinstance(schedule, str):
        return lookup(SCHEDULES, schedule, "schedule")(**kwargs)
    if isinstance(schedule, type):
        raise TypeError(f"pass a schedule instance such as bp.schedules.{schedule.__name__}"
                        f"(...), not the class {schedule.__name__}")
    if not callable(schedule):
        raise TypeError(f"schedule must be a bp.schedules.Schedule or a callable of the step "
                        f"index, got {type(schedule).__name__}")
    return schedule


def check_schedule(schedule: Any) -> Callable[[int], float]:
    """``schedule`` if it is a schedule object or a callable of the step; else a TypeError
    (a name needs its arguments: use :func:`get_schedule`)."""
    if isinstance(schedule, str):
        raise TypeError(f"schedule={schedule!r}: a name needs its arguments, e.g. "
                        f"bp.schedules.get_schedule({schedule!r}, ...) or "
                        "bp.schedules.Cosine(total=...)")
    return get_schedule(schedule)


def apply(schedule: Callable[[int], float], optimizer) -> float:
    r"""Set ``optimizer.lr`` for its next step, :math:`\alpha_0\,\text{schedule}(t)` with
    ``t = optimizer.t``; returns the new rate.

    Raises
    ------
    ValueError
        If the schedule's factor is not a finite number >= 0 (naming the step).
    """
    base = optimizer.__dict__.setdefault("initial_lr", optimizer.lr)
    t = optimizer.t
    factor = schedule(t)
    if isinstance(factor, bool) or not isinstance(factor, (int, float, np.number)) \
            or not math.isfinite(factor) or factor < 0:
        raise ValueError(f"schedule {schedule!r} gave the factor {factor!r} at step {t}; "
                         "expected a finite number >= 0")
    optimizer.lr = base * float(factor)
    return optimizer.lr
