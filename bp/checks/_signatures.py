"""The signature each check expects of a reader's function, in one registry.

Every ``check_*`` function is registered with :func:`expects`, which stores the
signature both in :data:`SIGNATURES` (``bp.checks.signatures()`` lists them, for the
exercise texts) and on the check itself as ``check.signature``. The exercise
notebooks turn a signature into a stub, and a failing check prints it.

>>> from bp.checks import check_network_forward, signatures
>>> check_network_forward.signature
'network_forward(X, weights, biases, activations) -> A'
>>> signatures()["check_network_forward"] == check_network_forward.signature
True
"""
from __future__ import annotations

import re
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)

#: check name -> ``"fn_name(arg, ...) -> result"``.
SIGNATURES: dict[str, str] = {}

_SIGNATURE = re.compile(r"^(\w+)\(([^)]*)\)\s*->\s*(.+)$")


def expects(signature: str) -> Callable[[F], F]:
    """Register ``signature`` for the decorated check (and set ``check.signature``)."""
    if not _SIGNATURE.match(signature):
        raise ValueError(f"a signature reads 'name(arg, ...) -> result', got {signature!r}")

    def register(check: F) -> F:
        SIGNATURES[check.__name__] = signature
        check.signature = signature
        return check
    return register


def signatures() -> dict[str, str]:
    """A copy of :data:`SIGNATURES`: every check's expected signature, by check name."""
    return dict(SIGNATURES)


def parse(signature: str) -> tuple[str, list[str], str]:
    """``"f(a, b=1) -> r"`` as ``("f", ["a", "b=1"], "r")``."""
    match = _SIGNATURE.match(signature)
    if match is None:
        raise ValueError(f"not a signature: {signature!r}")
    name, args, result = match.groups()
    return name, [a.strip() for a in args.split(",") if a.strip()], result.strip()


def stub(signature: str, name: str | None = None) -> str:
    """Python source of a stub with ``signature`` that raises ``NotImplementedError``."""
    fn, args, result = parse(signature)
    name = name or fn
    return (f"def {name}({', '.join(args)}):\n"
            f'    """Return {result}. Expected: {signature}"""\n'
            f"    raise NotImplementedError(\"write {name}, then run the check below\")\n")
