"""The engine behind every self-check: run a reader's function on several inputs.

A check calls the reader's function and the reference on the same inputs, case by
case. A failure is reported, never raised (a reader's notebook keeps running): the
:class:`CheckResult` is falsy, so ``assert check_...(fn)`` fails where wanted. The
report names the case, the output part that differs (from the output layer down),
how many entries differ and by how much, the probable cause (:mod:`._diagnose`),
the expected signature, the inputs, the reader's own line when their code raised,
and how to rerun the case.

The reader's function gets the case's own arrays, and each array argument is
compared afterwards with a pristine copy: a function that changes an argument in
place (``theta -= lr * grad``) fails with the name of that argument, even when it
returns the right values, because the chapter's next cell would see the change.
"""
from __future__ import annotations

import copy
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ._diagnose import close, diagnose_leaf
from ._report import (difference, failure, leaf_name, leaves, ordered,
                      structure_problem)
from ._result import CheckResult, finish
from ._signatures import SIGNATURES

_finish = finish            # the older private name, used by bp.checks.autodiff
_LIBRARY = (str(Path(__file__).resolve().parents[1]), str(Path(np.__file__).parent))

Variant = tuple[str, Callable[..., Any]]


def _copy(case: Sequence[Any]) -> list[Any]:
    return [copy.deepcopy(a) for a in case]


def _changed(before: Any, after: Any) -> str:
    """Why ``after`` is not ``before`` any more ('' when unchanged)."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or after.shape != before.shape:
            return "replaced it by something of another shape"
        if np.array_equal(before, after, equal_nan=True):
            return ""
        with np.errstate(all="ignore"):
            diff = np.abs(np.asarray(after, dtype=float) - before)
        diff = np.where(np.isnan(diff), np.inf, diff)
        at = tuple(int(i) for i in np.unravel_index(np.argmax(diff), diff.shape))
        return f"by up to {np.max(diff):.3g} (at index {at})"
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        if len(before) != len(after):
            return f"changed its length from {len(before)} to {len(after)}"
        for i, (b, a) in enumerate(zip(before, after)):
            why = _changed(b, a)
            if why:
                return f"item {i}: {why}"
    return ""


def _own_frame(err: BaseException) -> tuple[str, int, str] | None:
    """The last traceback frame outside ``bp`` and NumPy: the reader's own line."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if not f.filename.startswith(_LIBRARY)]
    if not frames:
        return None
    f = frames[-1]
    return f.filename, int(f.lineno or 0), (f.line or "").strip()


def _call(fn: Callable, args: list, strict_fp: bool):
    if not strict_fp:
        return fn(*args)
    with np.errstate(over="raise", invalid="raise"):
        return fn(*args)


def compare(name: str, user_fn: Callable[..., Any], ref_fn: Callable[..., Any],
            cases: Iterable[Sequence[Any]], arg_names: Sequence[str] | None = None,
            rtol: float = 1e-6, atol: float = 1e-9, verbose: bool = True, *,
            signature: str = "", case_names: Sequence[str] | None = None,
            outputs: str | Sequence[str] | None = None, variants: Sequence[Variant] = (),
            scales: Callable[..., dict] | None = None, strict_fp: bool = False,
            inplace_ok: Sequence[str] = (), rule: str = "") -> CheckResult:
    """Compare ``user_fn(*case)`` with ``ref_fn(*case)`` for every case.

    Parameters
    ----------
    name, user_fn, ref_fn, cases, arg_names, rtol, atol, verbose
        The check's name, the two functions, the argument tuples and their names, the
        tolerances (relaxed to float32's for a float32 answer) and whether to print.
    signature : str
        What the reader's function must look like (defaults to the registered one).
    case_names : sequence of str, optional
        A short name per case (``"square W, batch of 4"``).
    outputs : str or sequence of str, optional
        The name of the output, the names of a tuple's items, or ``"layers"`` for a
        list of ``(dW, db)`` pairs (reported from the output layer down).
    variants : sequence of (message, function)
        Known wrong references: when the reader's output matches one, its message
        is the diagnosis.
    scales : callable, optional
        ``scales(*case) -> {"N": ..., "n_L": ..., "lr": ...}`` for the factor diagnoses.
    strict_fp : bool
        Run the reader's function with NumPy overflow and invalid operations raising.
    inplace_ok : sequence of str
        Arguments the reader's function may change in place.
    rule : str
        A rule the check enforces, repeated in its failure message.
    """
    cases = list(cases)
    names = list(arg_names or [f"arg{i}" for i in range(len(cases[0]) if cases else 0)])
    signature = signature or SIGNATURES.get(name, "")
    failures: list[tuple[int, dict]] = []
    passed_scales: list[dict] = []
    for k, case in enumerate(cases, start=1):
        label = case_names[k - 1] if case_names else ""
        case_scales = scales(*case) if scales else {}
        problem = _one_case(case, user_fn, ref_fn, names, rtol, atol, strict_fp,
                            inplace_ok, outputs, variants, case_scales)
        if problem is None:
            passed_scales.append(case_scales)
            continue
        problem["label"] = label
        problem["scales"] = case_scales
        failures.append((k, problem))
    n = len(cases)
    if not failures:
        return finish(CheckResult(name, True, n, f"all {n} cases agree with the reference",
                                  signature=signature), verbose)
    k, first = failures[0]
    return finish(failure(name, k, n, first, failures, passed_scales, names,
                          signature, rule), verbose)


def _one_case(case, user_fn, ref_fn, names, rtol, atol, strict_fp, inplace_ok, outputs,
              variants, scales) -> dict | None:
    pristine = _copy(case)
    expected = ref_fn(*_copy(case))
    given = _copy(case)
    base = {"pristine": pristine, "expected": expected, "actual": None}
    try:
        got = _call(user_fn, given, strict_fp)
    except FloatingPointError as err:
        with np.errstate(all="ignore"):
            got = user_fn(*_copy(case))
        if not structure_problem(expected, got) and all(
                close(g, e, max(rtol, 1e-5), atol) for (_, e), (_, g)
                in zip(leaves(expected), leaves(got))):
            return {**base, "actual": got, "headline": "the values are right, but computing them overflowed",
                    "detail": [f"your function returns the right, finite values, but "
                               f"computing them raised FloatingPointError under the "
                               f"check's np.errstate ({err}): this check requires that no intermediate "
                               "value overflows (e.g. avoid np.exp of a large positive "
                               "number)"],
                    "diagnosis": "right and finite, but an intermediate value overflowed"}
        return {**base, "actual": got, "headline": f"raised FloatingPointError ({err})",
                "detail": ["an intermediate value overflowed or was invalid (inf − inf, "
                           "0/0); this check runs your function with NumPy's "
                           "overflow warnings turned into errors"],
                "diagnosis": "the naive formula overflows: shift by the maximum or use "
                             "the stable form", "frame": _own_frame(err)}
    except Exception as err:  # a reader's bug is reported, not raised
        return {**base, "headline": f"raised {type(err).__name__}: {err}", "detail": [],
                "diagnosis": "", "frame": _own_frame(err)}
    for arg, before, after in zip(names, pristine, given):
        if arg in inplace_ok:
            continue
        why = _changed(before, after)
        if why:
            none = " and returned None" if got is None else ""
            return {**base, "actual": got,
                    "headline": f"your function changed `{arg}` in place ({why}){none}",
                    "detail": [f"the exercise asks for new arrays: write `{arg} = {arg} - "
                               f"...` instead of `{arg} -= ...` (and copy before "
                               "assigning into an entry); the caller's next cell would "
                               "see the changed array"],
                    "diagnosis": f"`{arg}` changed in place"}
    return _wrong(expected, got, pristine, ref_fn, rtol, atol, outputs, variants, scales,
                  base)


def _wrong(expected, got, pristine, ref_fn, rtol, atol, outputs, variants, scales, base):
    """``None`` when ``got`` matches ``expected``, else what is wrong and why."""
    shape = structure_problem(expected, got, outputs)
    base = {**base, "actual": got}
    if shape:
        diagnosis = _variant_match(variants, pristine, got, rtol, atol)
        if (outputs == "layers" and isinstance(got, (list, tuple))
                and not structure_problem(expected, list(got)[::-1], outputs)
                and _all_close(expected, list(got)[::-1], rtol, atol)):
            diagnosis = "the layers are in reverse order: return them first layer first"
        if not diagnosis and not isinstance(expected, (tuple, list)):
            found = diagnose_leaf(expected, got, scales)
            diagnosis = found[0] if found else ""
        return {**base, "headline": shape, "detail": [], "diagnosis": diagnosis}
    diffs = []
    for path, e in ordered(leaves(expected), outputs):
        g = _at(got, path)
        tol_r, tol_a = _tolerance(g, rtol, atol)
        if not close(np.asarray(g, dtype=float), np.asarray(e, dtype=float), tol_r, tol_a):
            diffs.append((path, e, g, tol_r, tol_a))
    if not diffs:
        return None
    detail = [difference(leaf_name(p, outputs), e, g, r, a) for p, e, g, r, a in diffs[:3]]
    if len(diffs) > 3:
        detail.append(f"... and {len(diffs) - 3} more part(s)")
    what = ", ".join(f"`{leaf_name(p, outputs)}`" for p, *_ in diffs[:3])
    if len(diffs) > 3:
        what += f" and {len(diffs) - 3} more part(s)"
    diagnosis = _variant_match(variants, pristine, got, rtol, atol)
    if not diagnosis:
        path, e, g = diffs[0][:3]
        found = diagnose_leaf(e, g, scales)
        diagnosis = found[0] if found else ""
        if found and len(diffs) > 1 and found[1] == "factor":
            diagnosis = f"{leaf_name(path, outputs)}: {diagnosis}"
    parts = [(leaf_name(p, outputs), e, g) for p, e, g, *_ in diffs]
    return {**base, "headline": f"{what} differ{'s' if len(diffs) == 1 else ''}",
            "detail": detail, "diagnosis": diagnosis, "parts": parts,
            "n_leaves": len(list(leaves(expected)))}


def _variant_match(variants, pristine, got, rtol, atol) -> str:
    """The message of the first known wrong reference that ``got`` matches."""
    for message, wrong_ref in variants:
        try:
            with np.errstate(all="ignore"):
                candidate = wrong_ref(*_copy(pristine))
            if not structure_problem(candidate, got) and _all_close(candidate, got,
                                                                    rtol, atol):
                return message
        except Exception:          # a variant that does not apply to this case
            continue
    return ""


def _at(x, path):
    for i in path:
        x = x[i]
    return x


def _tolerance(g, rtol, atol):
    if getattr(g, "dtype", None) == np.float32:
        return max(rtol, 1e-5), max(atol, 1e-6)
    return rtol, atol


def _all_close(expected, got, rtol, atol) -> bool:
    return all(close(np.asarray(_at(got, p), dtype=float), np.asarray(e, dtype=float),
                     *_tolerance(_at(got, p), rtol, atol)) for p, e in leaves(expected))
