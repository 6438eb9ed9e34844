"""`bp`'s docstrings use the book's notation (chapters/notation.md): the loss is ℒ
(``\\mathcal{L}``), never a bare L, which is the number of layers (``δ^L = ∂L/∂Z^L``
would mix the two in one formula); the number of outputs is n_L, never m."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "bp").rglob("*.py"))

#: A derivative of a bare L, and the factor 1/(N m) of a mean over outputs.
RULES = {
    "the loss written L": re.compile(r"\\partial ?L(?![A-Za-z_])"),
    "m for the number of outputs": re.compile(r"\{N ?m\}|\(N m\)|\(batch, m\)"),
}


def offences(text: str) -> list[str]:
    return [f"{name}: {m.group(0)!r}" for name, rule in RULES.items()
            for m in rule.finditer(text)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_docstrings_use_the_books_symbols(path):
    found = offences(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)}: {found}"


@pytest.mark.parametrize("bad", [r":math:`\delta^L = \partial L/\partial Z^L`",
                                 r"\frac{\partial L}{\partial W}",
                                 r"\frac{2}{N m}(\hat y - y)", "shape (batch, m)"])
def test_the_rules_catch_the_old_spellings(bad):
    assert offences(bad)


def test_the_rules_accept_the_books_spellings():
    assert not offences(r"\partial ℒ/\partial Z^L, \partial\mathcal{L}, \partial Loss, "
                        r"\frac{2}{N n_L}, shape (batch, n_L)")
