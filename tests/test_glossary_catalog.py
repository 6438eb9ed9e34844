"""tools/glossary_catalog.py: the glossary's derived messages, filled from the chapters'
catalogs; the rest left to the translator."""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from glossary_catalog import carried_over, fill, where_line  # noqa: E402


def _write(path: Path, pairs: list[tuple[str, str]]) -> None:
    catalog = Catalog(locale="zh_CN")
    for source, translation in pairs:
        catalog.add(source, translation)
    with path.open("wb") as f:
        write_po(f, catalog, width=0)


def test_derived_messages_are_filled_and_prose_is_left(tmp_path):
    _write(tmp_path / "losses.po", [("Test accuracy", "测试准确率")])
    _write(tmp_path / "glossary.po", [
        ("**accuracy** · 准确率", ""), ("B", ""),
        ("→ {ref}`project-digits` § Test accuracy, eq. {eq}`eq-a`; in depth: "
         "{ref}`losses`, {ref}`faq`", ""),
        ("→ {ref}`neurons` § One neuron", ""),                  # chapter untranslated
        ("The fraction of examples whose class is right.", "")])
    assert fill(tmp_path) == 3
    with (tmp_path / "glossary.po").open("rb") as f:
        got = {m.id: m.string for m in read_po(f) if m.id}
    assert got["**accuracy** · 准确率"] == "**accuracy** · 准确率"
    assert got["B"] == "B"
    assert got["→ {ref}`project-digits` § Test accuracy, eq. {eq}`eq-a`; in depth: "
               "{ref}`losses`, {ref}`faq`"] == (
        "→ {ref}`project-digits` § 测试准确率，式 {eq}`eq-a`；深入讨论：{ref}`losses`、"
        "{ref}`faq`")
    assert got["→ {ref}`neurons` § One neuron"] == ""
    assert got["The fraction of examples whose class is right."] == ""


def test_what_counts_as_carried_over():
    assert carried_over("{ref}`A <glossary-en-a>` · {ref}`B <glossary-en-b>`")
    assert carried_over("**准确率** zhǔn què lǜ → {ref}`accuracy <glossary-accuracy>`")
    assert not carried_over("**Conventions.**")
    assert where_line("Not an introduced-in line", {}) is None
