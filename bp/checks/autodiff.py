r"""Self-checks for the chapter *Automatic differentiation*.

The reader writes the two halves of reverse mode for :class:`bp.autodiff.Value`
graphs:

* a topological order: every node after all of the nodes it was computed from;
* the reverse sweep: with :math:`\bar v = \partial\mathcal{L}/\partial v`, set
  :math:`\bar{\mathcal{L}} = 1` and, visiting nodes from the output back,
  :math:`\bar u \mathrel{+}= \bar v \,\partial v/\partial u` for every parent
  :math:`u` of :math:`v` (``node.parents`` holds ``(u, ∂v/∂u)`` pairs).

The graphs tried include a value used several times (its gradient must *accumulate*)
and a chain deeper than Python's recursion limit.
"""
from __future__ import annotations

from typing import Callable

from ..autodiff import Value
from ._core import CheckResult, _finish, compare
from ._signatures import expects


def _shared(x: float, y: float) -> tuple[Value, list[Value]]:
    a, b = Value(x, label="x"), Value(y, label="y")
    return a * a * b + a + (a * b).tanh(), [a, b]


def _diamond(x: float, y: float) -> tuple[Value, list[Value]]:
    a, b = Value(x, label="x"), Value(y, label="y")
    h = a * b
    return (h.sigmoid() + h * h - 3 / (1 + b * b)).exp() * 0.1, [a, b]


def _neuron(x: float, y: float) -> tuple[Value, list[Value]]:
    w, b = Value(x, label="w"), Value(y, label="b")
    out = (w * 0.5 + b).tanh()
    return (out - 0.25) ** 2, [w, b]


def _deep(x: float, y: float) -> tuple[Value, list[Value]]:
    a, b = Value(x, label="x"), Value(y, label="y")
    v = a
    for _ in range(2500):            # deeper than a recursive sort can go
        v = v * 0.999 + b * 0.001
    return v, [a, b]


GRAPHS: dict[str, Callable[[float, float], tuple[Value, list[Value]]]] = {
    "x*x*y + x + tanh(x*y)": _shared,
    "diamond through h = x*y": _diamond,
    "one tanh neuron, squared error": _neuron,
    "chain of 2500 steps": _deep,
}
POINTS = [(0.7, -1.3), (-0.4, 0.9), (1.5, 0.2)]


def _cases() -> list[tuple[str, float, float]]:
    return [(name, x, y) for name in GRAPHS for x, y in POINTS[:2]] + \
           [("x*x*y + x + tanh(x*y)", *POINTS[2])]


def _sweep(root: Value, order: str = "reversed", seed: bool = True,
           accumulate: bool = True, term: str = "chain") -> None:
    """The reverse sweep, or one of its classic slips (the check's wrong references)."""
    nodes = root.topological_order()
    if seed:
        root.grad = 1.0
    for node in (reversed(nodes) if order == "reversed" else nodes):
        for parent, local in node.parents:
            push = {"chain": node.grad * local, "local only": local,
                    "adjoint only": node.grad}[term]
            parent.grad = parent.grad + push if accumulate else push


#: (diagnosis, keyword arguments of :func:`_sweep` that make the slip).
SWEEP_SLIPS: list[tuple[str, dict]] = [
    ("the root's gradient was never seeded: set root.grad = 1 (d root / d root) before "
     "the sweep, or every adjoint stays 0", {"seed": False}),
    ("you visited the nodes in topological order, inputs first, so each node pushed its "
     "adjoint before it had received it: sweep from the output back, "
     "reversed(root.topological_order())", {"order": "forward"}),
    ("you overwrote with `=` instead of accumulating with `+=`: a value used in several "
     "places must receive the sum of the adjoints of all its uses (x*x needs 2x, not x)",
     {"accumulate": False}),
    ("you pushed only the local derivative ∂v/∂u: the chain rule multiplies it by the "
     "node's adjoint, parent.grad += node.grad * local", {"term": "local only"}),
    ("you pushed the node's adjoint without the local derivative: parent.grad += "
     "node.grad * local, with local = ∂v/∂u from node.parents", {"term": "adjoint only"}),
]


def _run_sweep(name: str, x: float, y: float, sweep: Callable[[Value], None]) -> list:
    root, inputs = GRAPHS[name](x, y)
    for node in root.topological_order():
        node.grad = 0.0
    sweep(root)
    return [root.grad] + [v.grad for v in inputs]


@expects("reverse_sweep(root) -> None")
def check_reverse_sweep(fn: Callable[[Value], None], verbose: bool = True) -> CheckResult:
    """Check a reader's reverse sweep ``fn(root)``.

    ``fn`` receives the output :class:`~bp.autodiff.Value` of a graph whose ``grad``
    fields are all 0, and must set every node's ``grad`` to the derivative of the
    output with respect to it (it may use ``root.topological_order()``). The root's
    gradient (1) and the inputs' gradients are compared with :meth:`Value.backward`;
    a wrong answer that matches a classic slip (:data:`SWEEP_SLIPS`) is named.
    """
    variants = [(why, lambda n, x, y, kw=kw: _run_sweep(n, x, y, lambda r: _sweep(r, **kw)))
                for why, kw in SWEEP_SLIPS]
    return compare("reverse sweep", lambda n, x, y: _run_sweep(n, x, y, fn),
                   lambda n, x, y: _run_sweep(n, x, y, Value.backward), _cases(),
                   arg_names=["graph", "first input", "second input"], rtol=1e-9,
                   atol=1e-12, verbose=verbose, signature=check_reverse_sweep.signature,
                   case_names=[f"{n} at ({x}, {y})" for n, x, y in _cases()],
                   outputs=["d/d(root)", "d/d(first input)", "d/d(second input)"],
                   variants=variants)


@expects("topological_order(root) -> [Value, ...]")
def check_topological_order(fn: Callable[[Value], list], verbose: bool = True) -> CheckResult:
    """Check a reader's ``fn(root) -> list of Values``.

    The list must hold every node the root depends on (the root included), each
    exactly once, and each after all of its parents. A wrong list that shows a classic
    slip (:data:`ORDER_SLIPS`) gets its diagnosis.
    """
    for n, (name, x, y) in enumerate(_cases(), start=1):
        root, _ = GRAPHS[name](x, y)
        expected = {id(v) for v in root.topological_order()}
        try:
            order = list(fn(root))
        except Exception as err:  # a reader's bug is reported, not raised
            return _finish(CheckResult("topological order", False, n,
                                       f"case {n} ({name}) raised {type(err).__name__}: {err}"),
                           verbose)
        problem = _order_problem(order, expected)
        if problem:
            hint = next((why for why, test in ORDER_SLIPS if test(order, root, expected)), "")
            return _finish(CheckResult("topological order", False, n,
                                       f"case {n} ({name}): {problem}"
                                       + (f"\n  probable cause: {hint}" if hint else "")),
                           verbose)
    return _finish(CheckResult("topological order", True, n,
                               f"all {n} graphs ordered correctly"), verbose)


def _order_problem(order: list, expected: set) -> str:
    ids = [id(v) for v in order]
    if len(ids) != len(set(ids)):
        return "a node appears more than once"
    if set(ids) != expected:
        missing, extra = len(expected - set(ids)), len(set(ids) - expected)
        return f"{missing} node(s) missing and {extra} unexpected node(s)"
    position = {i: k for k, i in enumerate(ids)}
    for node in order:
        for parent, _ in node.parents:
            if position[id(parent)] > position[id(node)]:
                return (f"node {node!r} comes before its parent {parent!r} "
                        f"(positions {position[id(node)]} and {position[id(parent)]})")
    return ""


def _is_reversed(order: list, root: Value, expected: set) -> bool:
    return not _order_problem(order[::-1], expected)


def _root_first(order: list, root: Value, expected: set) -> bool:
    return bool(order) and order[0] is root and len(order) > 1


def _repeats(order: list, root: Value, expected: set) -> bool:
    return len({id(v) for v in order}) < len(order)


def _root_missing(order: list, root: Value, expected: set) -> bool:
    return all(v is not root for v in order)


def _leaves_missing(order: list, root: Value, expected: set) -> bool:
    listed = {id(v) for v in order}
    return any(not v.parents and id(v) not in listed for v in root.topological_order())


#: (diagnosis, test(order, root, expected ids)), tried in order on a wrong list.
ORDER_SLIPS: list[tuple[str, Callable[[list, Value, set], bool]]] = [
    ("the list is reversed, root first: the order wanted is inputs first, root last "
     "(append a node after all of its parents, then do not reverse)", _is_reversed),
    ("the root comes first: you appended each node when you first reached it "
     "(pre-order); append it only after all of its parents are listed (post-order: "
     "push it back on the stack as 'expanded' and append it when it is popped again)",
     _root_first),
    ("a node reached along two paths (a shared value) was listed twice: keep a set of "
     "the nodes already visited, by id(node), and skip them", _repeats),
    ("the root itself is missing: the order ends with the root", _root_missing),
    ("some inputs (nodes without parents) are missing: list every node, leaves too, "
     "not only the results of operations", _leaves_missing),
]
