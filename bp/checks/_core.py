"""The engine behind every self-check: run a reader's function on several inputs.

A check calls the reader's function and the reference on the same inputs, one case
at a time, and stops at the first case where they differ, printing the input, the
expected and the actual value. It never raises on a wrong answer (a reader's
notebook should keep running); it returns a :class:`CheckResult` that is falsy when
the check failed, so ``assert check_...(fn)`` fails loudly where that is wanted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np


@dataclass
class CheckResult:
    """The outcome of a self-check; truthy when every case passed."""

    name: str
    passed: bool
    n_cases: int
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "PASSED" if self.passed else "FAILED"
        return f"[{mark}] {self.name}: {self.message}"

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))


def _fmt(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=6, suppress_small=False, threshold=40)
    return repr(x)


def _describe(args: Sequence[Any], arg_names: Sequence[str] | None) -> str:
    names = arg_names or [f"arg{i}" for i in range(len(args))]
    return "\n".join(f"    {n} = {_fmt(a)}" for n, a in zip(names, args))


def compare(name: str, user_fn: Callable[..., Any], ref_fn: Callable[..., Any],
            cases: Iterable[Sequence[Any]], arg_names: Sequence[str] | None = None,
            rtol: float = 1e-6, atol: float = 1e-9, verbose: bool = True) -> CheckResult:
    """Compare ``user_fn(*case)`` with ``ref_fn(*case)`` for every case.

    Outputs may be arrays, scalars, or tuples/lists of them (compared item by item).
    The reader's function receives copies, so it cannot spoil the next case.
    """
    n = 0
    for n, case in enumerate(cases, start=1):
        expected = ref_fn(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in case])
        try:
            got = user_fn(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in case])
        except Exception as err:  # a reader's bug is reported, not raised
            msg = (f"case {n} raised {type(err).__name__}: {err}\n  input:\n"
                   f"{_describe(case, arg_names)}")
            return _finish(CheckResult(name, False, n, msg), verbose)
        problem = _mismatch(expected, got, rtol, atol)
        if problem:
            msg = (f"case {n} is wrong: {problem}\n  input:\n{_describe(case, arg_names)}\n"
                   f"  expected:\n    {_fmt(expected)}\n  got:\n    {_fmt(got)}")
            return _finish(CheckResult(name, False, n, msg), verbose)
    return _finish(CheckResult(name, True, n, f"all {n} cases agree with the reference"),
                   verbose)


def _mismatch(expected: Any, got: Any, rtol: float, atol: float) -> str:
    """Why ``got`` differs from ``expected`` (empty string when it does not)."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected a sequence of {len(expected)} items, got {type(got).__name__}"
        for i, (e, g) in enumerate(zip(expected, got)):
            why = _mismatch(e, g, rtol, atol)
            if why:
                return f"item {i}: {why}"
        return ""
    if got is None:
        return "the function returned None (did you forget `return`?)"
    e = np.asarray(expected, dtype=float)
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"expected a number or an array, got {type(got).__name__}"
    if e.shape != g.shape:
        return f"shape {g.shape}, expected shape {e.shape}"
    if not np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=False):
        bad = np.argwhere(~np.isclose(g, e, rtol=rtol, atol=atol)).ravel()
        where = f" at index {tuple(int(i) for i in bad[:e.ndim])}" if e.ndim else ""
        first_e = e[tuple(bad[:e.ndim])] if e.ndim else e
        first_g = g[tuple(bad[:e.ndim])] if e.ndim else g
        return f"value {float(first_g):.8g}{where}, expected {float(first_e):.8g}"
    return ""


def _finish(result: CheckResult, verbose: bool) -> CheckResult:
    if verbose:
        print(result)
    return result
