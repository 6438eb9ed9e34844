"""The outcome of a self-check, with everything needed to reproduce a failure."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class CheckResult:
    """The outcome of a self-check; truthy when every case passed.

    A failed result carries the failing case: ``inputs`` (argument name -> value, as
    the reader's function received them, before any change it made), ``expected``
    and ``actual`` (the reference's and the reader's outputs), ``diagnosis`` (the
    probable cause, when one is recognised), ``frame`` (``(file, line, source)`` of the
    last line of the reader's own code when it raised) and ``signature`` (what the
    check expects). ``result.rerun(fn)`` calls ``fn`` again on a copy of the inputs.
    """

    name: str
    passed: bool
    n_cases: int
    message: str
    signature: str = ""
    case: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    expected: Any = None
    actual: Any = None
    diagnosis: str = ""
    frame: tuple[str, int, str] | None = None
    failed_cases: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "PASSED" if self.passed else "FAILED"
        return f"[{mark}] {self.name}: {self.message}"

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    def rerun(self, fn: Callable[..., Any]) -> Any:
        """Call ``fn`` on a fresh copy of the failing case's inputs (to debug it)."""
        return fn(*copy.deepcopy(list(self.inputs.values())))


def finish(result: CheckResult, verbose: bool) -> CheckResult:
    """Print ``result`` when ``verbose`` and return it."""
    if verbose:
        print(result)
    return result
