r"""Repeated runs: claims about random experiments, asserted over seeds.

A single training run is one draw of a random variable (the initial weights, the order of
the batches). "Momentum beats plain SGD" is a claim about the *distribution*, so the book
asserts it on the mean over several seeds, with a stated margin, and (where it matters) in
most seeds:

>>> import bp
>>> a = bp.repeat(lambda seed: 1.0 + 0.01 * seed, seeds=range(5))
>>> b = bp.repeat(lambda seed: 0.5 + 0.02 * seed, seeds=range(5))
>>> bool(bp.claim_greater(a, b, margin=0.3, min_wins=1.0))
True

:func:`repeat` runs a function of the seed and collects what it returns (a number, an
array such as a learning curve, or a dict of either); :func:`claim_greater` checks
:math:`\bar a - \bar b > \text{margin}` on the means and, if asked, that ``a`` beats ``b``
in at least a fraction ``min_wins`` of the seeds (paired by seed), and raises
:class:`ClaimFailed` (an ``AssertionError``) with the numbers when it does not hold.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np


class ClaimFailed(AssertionError):
    """A claim about repeated runs does not hold; the message gives the numbers."""


@dataclass(frozen=True)
class Runs:
    """The results of one experiment over several seeds.

    Attributes
    ----------
    seeds : tuple of int
    values : ndarray, shape (n_seeds, ...)
        ``values[s]`` is what the run with ``seeds[s]`` returned (a scalar or an array).
    """

    seeds: tuple[int, ...]
    values: np.ndarray

    @property
    def mean(self) -> np.ndarray | float:
        """Mean over the seeds (an array for array-valued runs)."""
        m = self.values.mean(axis=0)
        return float(m) if np.ndim(m) == 0 else m

    @property
    def std(self) -> np.ndarray | float:
        """Sample standard deviation over the seeds (``ddof=1``; 0 for one seed)."""
        if len(self.seeds) < 2:
            s = np.zeros_like(self.values[0], dtype=float)
        else:
            s = self.values.std(axis=0, ddof=1)
        return float(s) if np.ndim(s) == 0 else s

    @property
    def sem(self) -> np.ndarray | float:
        """Standard error of the mean, ``std / sqrt(n_seeds)``."""
        return self.std / np.sqrt(len(self.seeds))

    def __len__(self) -> int:
        return len(self.seeds)

    def __repr__(self) -> str:
        if self.values.ndim == 1:
            return f"Runs({self.mean:.4g} ± {self.std:.2g} (sd) over {len(self)} seeds)"
        return f"Runs(values of shape {self.values.shape[1:]} over {len(self)} seeds)"


def _seeds(seeds: Iterable[int]) -> tuple[int, ...]:
    if isinstance(seeds, (int, np.integer)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be an iterable of ints (e.g. range(5)), got "
                        f"{type(seeds).__name__}")
    out = tuple(seeds)
    if not out:
        raise ValueError("seeds is empty: give at least one seed (five or more for a claim)")
    for s in out:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"every seed must be a non-negative int, got {s!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must be distinct, got {out}")
    return tuple(int(s) for s in out)


def _stack(results: list[Any], seeds: tuple[int, ...], what: str) -> np.ndarray:
    arrays = []
    for s, r in zip(seeds, results):
        a = np.asarray(r, dtype=float)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{what} of the run with seed {s} is not finite: {r!r}")
        if arrays and a.shape != arrays[0].shape:
            raise ValueError(f"{what}: the run with seed {s} returned shape {a.shape}, "
                             f"the run with seed {seeds[0]} shape {arrays[0].shape}")
        arrays.append(a)
    return np.stack(arrays)


def repeat(run: Callable[[int], Any], seeds: Iterable[int] = range(5)) -> Runs | dict[str, Runs]:
    """Call ``run(seed)`` for every seed and collect the results.

    Parameters
    ----------
    run : callable
        ``run(seed)`` returns a number, an array (the same shape for every seed), or a
        dict of those with the same keys for every seed.
    seeds : iterable of int
        Distinct non-negative seeds; ``range(5)`` by default.

    Returns
    -------
    Runs, or dict of str to Runs when ``run`` returns dicts.
    """
    if not callable(run):
        raise TypeError(f"run must be a function of the seed, got {type(run).__name__}")
    seeds = _seeds(seeds)
    results = [run(s) for s in seeds]
    if isinstance(results[0], dict):
        keys = list(results[0])
        for s, r in zip(seeds, results):
            if not isinstance(r, dict) or list(r) != keys:
                raise ValueError(f"the run with seed {s} returned keys "
                                 f"{list(r) if isinstance(r, dict) else type(r).__name__}, "
                                 f"expected {keys}")
        return {k: Runs(seeds, _stack([r[k] for r in results], seeds, repr(k)))
                for k in keys}
    return Runs(seeds, _stack(results, seeds, "the result"))


@dataclass(frozen=True)
class Comparison:
    """``a`` against ``b``, paired by seed: ``diff = a - b`` per seed and the share of
    seeds in which ``a`` is larger."""

    diff: Runs
    wins: float

    def __bool__(self) -> bool:       # a Comparison is returned only when the claim holds
        return True


def claim_greater(a: Runs, b: Runs | float, margin: float = 0.0,
                  min_wins: float | None = None, what: str = "a > b",
                  _sign: float = 1.0) -> Comparison:
    r"""Check that ``a`` exceeds ``b`` on average by more than ``margin``.

    Parameters
    ----------
    a : Runs
        Scalar-valued runs.
    b : Runs or float
        Runs over the *same seeds* (then the comparison is paired), or a fixed number.
    margin : float
        Required: :math:`\bar a - \bar b > \text{margin}`.
    min_wins : float in (0, 1], optional
        Also require :math:`a_s > b_s` in at least this fraction of the seeds.
    what : str
        The claim in words, for the failure message.

    Raises
    ------
    ClaimFailed
        With the means, the margin and the number of wins.
    """
    if not isinstance(a, Runs) or a.values.ndim != 1:
        raise TypeError("a must be scalar-valued Runs (from bp.repeat)")
    if isinstance(b, Runs):
        if b.values.ndim != 1:
            raise TypeError("b must be scalar-valued Runs or a number")
        if b.seeds != a.seeds:
            raise ValueError(f"a and b must use the same seeds to be paired, got {a.seeds} "
                             f"and {b.seeds}")
        bv = b.values
    else:
        bv = np.full_like(a.values, float(b))
    margin = float(margin)
    if not np.isfinite(margin):
        raise ValueError(f"margin must be finite, got {margin}")
    if min_wins is not None and not 0 < min_wins <= 1:
        raise ValueError(f"min_wins must lie in (0, 1], got {min_wins}")
    d = a.values - bv
    wins = float(np.mean(d > 0))
    diff = Runs(a.seeds, d)
    # (claim_less calls this with both sides negated; _sign = -1 prints them as given)
    numbers = (f"mean {_sign * a.mean:.4g} vs {_sign * float(bv.mean()):.4g} (difference "
               f"{_sign * diff.mean:.4g}, sd {diff.std:.2g}), margin {margin:.4g}, ahead in "
               f"{int(np.sum(d > 0))} of {len(d)} seeds")
    if not diff.mean > margin:
        raise ClaimFailed(f"claim '{what}' fails on the means: {numbers}")
    if min_wins is not None and wins < min_wins:
        raise ClaimFailed(f"claim '{what}' fails in too many seeds (needs {min_wins:.0%}): "
                          f"{numbers}")
    return Comparison(diff, wins)


def claim_less(a: Runs, b: Runs | float, margin: float = 0.0,
               min_wins: float | None = None, what: str = "a < b") -> Comparison:
    """Check that ``a`` is below ``b`` on average by more than ``margin`` (see
    :func:`claim_greater`, with the signs of both reversed)."""
    if not isinstance(a, Runs) or a.values.ndim != 1:
        raise TypeError("a must be scalar-valued Runs (from bp.repeat)")
    neg_b = Runs(b.seeds, -b.values) if isinstance(b, Runs) else -float(b)
    result = claim_greater(Runs(a.seeds, -a.values), neg_b, margin, min_wins, what, _sign=-1.0)
    return Comparison(Runs(a.seeds, -result.diff.values), result.wins)
