"""Fill the glossary catalog's derived messages from the other catalogs.

Most of the glossary's messages are generated from its entries and need no translator:
the term lines, index lines, jump bars and letters are the same in both editions, and
an entry's "introduced in" line (``→ {ref}`chapter` § Section, eq. {eq}`x`; in depth:
...``) is the section's title as the Chinese edition already translates it in that
chapter's catalog. ``python tools/edition.py update`` runs :func:`fill` after
updating the catalogs; it fills only empty (or fuzzy) messages, and leaves an
"introduced in" line empty while its section's chapter is untranslated (a fuzzy guess
for such a line is emptied: it is another line's translation).
"""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROLE = re.compile(r"\{[\w:-]+\}`[^`]*`")
WHERE = re.compile(r"→ (\{ref\}`[\w-]+`)(?: § (.+?))?(?:, eq\. (\{eq\}`[\w-]+`))?"
                   r"(?:; in depth: (.+))?", re.S)


def carried_over(text: str) -> bool:
    """Messages shown as they are in both editions."""
    rest = ROLE.sub("", text)
    return (bool(re.fullmatch(r"[A-Z#]", text.strip())) or not rest.strip(" ·")
            or (text.startswith("**") and (" · " in text or " → " in text))
            or (text.startswith("→ {ref}`") and "<glossary-" in text and "§" not in text))


def where_line(text: str, titles: dict[str, str]) -> str | None:
    m = WHERE.fullmatch(text)
    if not m:
        return None
    ref, section, eq, deep = m.groups()
    out = "→ " + ref
    if section:
        if section not in titles:
            return None
        out += " § " + titles[section]
    if eq:
        out += "，式 " + eq
    if deep:
        out += "；深入讨论：" + "、".join(deep.split(", "))
    return out


def fill(catalogs: Path) -> int:
    """Fill the derived messages of ``catalogs/glossary.po``; return how many."""
    titles = {}
    for path in sorted(catalogs.glob("*.po")):
        if path.stem == "glossary":
            continue
        with path.open("rb") as f:
            for m in read_po(f):
                if m.id and m.string and not m.fuzzy and "\n" not in m.id:
                    titles.setdefault(m.id, m.string)
    target = catalogs / "glossary.po"
    with target.open("rb") as f:
        catalog = read_po(f)
    filled = 0
    for m in catalog:
        if not m.id or (m.string and not m.fuzzy):
            continue
        new = m.id if carried_over(m.id) else where_line(m.id, titles)
        if new is None and m.fuzzy and WHERE.fullmatch(m.id):
            new = ""                   # sphinx-intl's guess from a neighbour: not a line
        if new is not None:
            m.string = new
            m.flags.discard("fuzzy")
            m.previous_id = []
            filled += 1
    if filled:
        with target.open("wb") as f:
            write_po(f, catalog, width=0)
    return filled
