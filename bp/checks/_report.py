"""How a check names and measures what differs: output parts, entries, errors."""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from ._result import CheckResult

Path = tuple[int, ...]


def fmt(x: Any) -> str:
    """An array printed compactly (at most 40 entries), anything else by ``repr``."""
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=6, suppress_small=False, threshold=40)
    if isinstance(x, (list, tuple)) and x and all(isinstance(a, np.ndarray) for a in
                                                   _flat(x)):
        inner = ", ".join(fmt(a) for a in x)
        return f"[{inner}]" if isinstance(x, list) else f"({inner})"
    return repr(x)


def _flat(x):
    for item in x:
        if isinstance(item, (list, tuple)):
            yield from _flat(item)
        else:
            yield item


def describe(args: Sequence[Any], arg_names: Sequence[str]) -> str:
    """One ``name = value`` line per argument."""
    return "\n".join(f"    {n} = " + fmt(a).replace("\n", "\n" + " " * (7 + len(n)))
                     for n, a in zip(arg_names, args))


def leaves(x: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """The arrays and numbers inside nested tuples/lists, with their index paths."""
    if isinstance(x, (tuple, list)):
        for i, item in enumerate(x):
            yield from leaves(item, path + (i,))
    else:
        yield path, x


def ordered(parts: Iterator[tuple[Path, Any]], outputs) -> list[tuple[Path, Any]]:
    """Layer gradients from the output layer down (where a backward bug starts)."""
    parts = list(parts)
    if callable(outputs) and hasattr(outputs, "order"):
        parts.sort(key=lambda p: outputs.order(p[0]))
    if outputs == "layers":
        parts.sort(key=lambda p: (-p[0][0], p[0][1:]) if p[0] else (0,))
    return parts


def leaf_name(path: Path, outputs) -> str:
    """``layer 2 dW``, ``m_new``, ``item 1`` or the output's name."""
    if callable(outputs):
        return outputs(path)
    if outputs == "layers" and len(path) == 2:
        return f"layer {path[0] + 1} {('dW', 'db')[path[1]] if path[1] < 2 else path[1]}"
    if outputs and not isinstance(outputs, str) and path and path[0] < len(outputs):
        return outputs[path[0]] + "".join(f"[{i}]" for i in path[1:])
    if isinstance(outputs, str) and outputs != "layers" and not path:
        return outputs
    return "output" if not path else "item " + ".".join(str(i) for i in path)


def structure_problem(expected: Any, got: Any, outputs=None) -> str:
    """Why ``got`` is not shaped like ``expected`` (a tuple of that many, an array)."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            names = ""
            if outputs and not isinstance(outputs, str) and not callable(outputs):
                names = f" ({', '.join(outputs)})"
            what = (f"{len(got)} items" if isinstance(got, (tuple, list))
                    else type(got).__name__)
            return f"expected a sequence of {len(expected)} items{names}, got {what}"
        for i, (e, g) in enumerate(zip(expected, got)):
            why = structure_problem(e, g)
            if why:
                return f"{leaf_name((i,), outputs)}: {why}"
        return ""
    if got is None:
        return "the function returned None (did you forget `return`?)"
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"expected a number or an array, got {type(got).__name__}"
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape and g.size != e.size and g.ndim <= e.ndim:
        return f"shape {g.shape}, expected shape {e.shape}"
    return ""


def difference(name: str, expected: Any, got: Any, rtol: float, atol: float) -> str:
    """How ``got`` differs from ``expected``: entries, largest errors, dtype, tolerance."""
    e = np.asarray(expected, dtype=float)
    g_raw = np.asarray(got)
    g = np.asarray(got, dtype=float)
    dtype = getattr(g_raw, "dtype", type(got).__name__)
    tol = f"{dtype}, rtol={rtol:g}, atol={atol:g}"
    if g.shape != e.shape:
        return f"`{name}`: shape {g.shape}, expected {e.shape} ({tol})"
    with np.errstate(all="ignore"):
        bad = ~np.isclose(g, e, rtol=rtol, atol=atol)
        err = np.abs(g - e)
        rel = err / np.maximum(np.abs(e), np.finfo(float).tiny)
    n_bad, total = int(bad.sum()), e.size
    if e.ndim == 0:
        return (f"`{name}`: value {float(g):.8g}, expected {float(e):.8g} "
                f"(absolute error {float(err):.3g}; {tol})")
    at = tuple(int(i) for i in np.argwhere(bad)[0])
    largest = float(np.max(np.where(np.isfinite(err), err, np.inf)))
    largest_rel = float(np.max(np.where(np.isfinite(rel), rel, np.inf)))
    return (f"`{name}`: {n_bad} of {total} entries differ; largest absolute error "
            f"{largest:.3g}, largest relative error {largest_rel:.3g}; first: value "
            f"{g[at]:.8g} at index {at}, expected {e[at]:.8g} ({tol})")


def failure(name: str, k: int, n: int, first: dict, failures: list, passed_scales: list,
            names: Sequence[str], signature: str, rule: str) -> CheckResult:
    """The failed :class:`CheckResult` of case ``k``: its message and its data."""
    label = f" ({first['label']})" if first["label"] else ""
    verb = "" if first["headline"].startswith("raised") else "is wrong: "
    lines = [f"case {k} {verb}{first['headline']}", f"  case {k} of {n}{label}"]
    lines += [f"  {d}" for d in first["detail"]]
    diagnosis = first["diagnosis"]
    if (not diagnosis and any(s.get("N") == 1 for s in passed_scales)
            and all((f["scales"].get("N") or 1) > 1 for _, f in failures)):
        diagnosis = ("right only when the batch has one example: sum (or average) over "
                     "axis 0, the batch axis, and keep examples as rows")
    if diagnosis:
        lines.append(f"  probable cause: {diagnosis}")
    if first.get("frame"):
        file, line, source = first["frame"]
        lines.append(f"  in your code: {file}, line {line}: {source}")
    if rule:
        lines.append(f"  rule: {rule}")
    if signature:
        lines.append(f"  expected signature: {signature}")
    lines.append("  input:\n" + describe(first["pristine"], names))
    if first.get("n_leaves", 1) > 4:        # a big structure: show the parts that differ
        for part, e, g in first["parts"][:2]:
            lines.append(f"  expected {part}:\n    " + fmt(e).replace("\n", "\n    "))
            lines.append(f"  got {part}:\n    " + fmt(g).replace("\n", "\n    "))
    else:
        lines.append("  expected:\n    " + fmt(first["expected"]).replace("\n", "\n    "))
        if first["actual"] is not None:
            lines.append("  got:\n    " + fmt(first["actual"]).replace("\n", "\n    "))
    others = [f"case {j}" + (f" ({f['label']})" if f["label"] else "")
              for j, f in failures[1:]]
    if others:
        lines.append(f"  also failing: {', '.join(others)}")
    lines.append(f"  cases passed: {n - len(failures)} of {n}")
    call = (f"bp.checks.{name}(your_function, verbose=False)" if name.isidentifier()
            else "<the same check>(..., verbose=False)")
    lines.append(f"  rerun this case: r = {call}; r.rerun(your_function)  (r.inputs "
                 "holds its arguments, r.expected the reference's answer)")
    return CheckResult(name, False, k, "\n".join(lines), signature=signature,
                       case=first["label"] or f"case {k}",
                       inputs=dict(zip(names, first["pristine"])),
                       expected=first["expected"], actual=first["actual"],
                       diagnosis=diagnosis, frame=first.get("frame"),
                       failed_cases=[f["label"] or f"case {j}" for j, f in failures])

