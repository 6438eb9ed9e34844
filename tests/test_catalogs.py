"""The Chinese edition's catalogs (locales/zh_CN/LC_MESSAGES/chapters/*.po).

* Every translated message keeps its source's math, roles, labels, links and inline
  code, exactly (a dropped ``{ref}`` or an altered ``$...$`` fails).
* No message is fuzzy (an English change not yet carried over).
* A chapter listed in :data:`TRANSLATED` has every message translated; for the others
  the completeness test is a strict xfail, so finishing a chapter's translation fails
  until the chapter is added to :data:`TRANSLATED` (the list can only grow).

That the catalogs are current with the English source (re-extracting changes
nothing) is a book test: ``tests/test_book_catalogs.py``.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "chapters"

#: Chapters whose every message is translated.
TRANSLATED: set[str] = {"preface", "how-to-use", "notation", "background", "faq",
                         "bibliography", "losses", "gradient-derivation", "algorithm",
                         "gradient-checking", "optimizers", "vanishing-gradients",
                         "project-digits", "neurons", "activations",
                         "gradient-descent", "forward-backward", "layers",
                         "convolution", "normalization", "autodiff", "recurrent",
                         "attention", "beyond", "glossary"}

#: What a translation must keep exactly as its source has it.
KEPT = [
    re.compile(r"\$\$.+?\$\$", re.S),                   # display math
    re.compile(r"(?<![\\$])\$[^$\n]+?\$(?!\$)"),        # inline math
    re.compile(r"\{[a-z:-]+\}`[^`]*`"),                 # roles: {ref}`x`, {glue:text}`k`
    re.compile(r"(?<![}`])``?[^`\n]+?``?(?!`)"),        # inline code
    re.compile(r"\]\([^)\s]+\)"),                       # link targets: ](url)
    re.compile(r"^\([\w-]+\)=", re.M),                  # (label)= targets
]


def catalogs() -> list[Path]:
    return sorted(CATALOGS.glob("*.po"))


def messages(path: Path):
    with path.open("rb") as f:
        catalog = read_po(f)
    return [m for m in catalog if m.id]


#: A cross-reference with its own link text, {ref}`text <label>`: the text is prose and
#: is translated; the role and the label are kept.
LINK_TEXT = re.compile(r"^(\{(?:ref|numref|doc)\}`)[^`<]*(<[^<>`]+>`)$")


def kept(text: str) -> Counter:
    """The math, roles, code and targets of ``text``, as a multiset."""
    found: Counter = Counter()
    rest = text
    for pattern in KEPT:                  # longest constructs first; then removed
        found.update(LINK_TEXT.sub(r"\1\2", m) for m in pattern.findall(rest))
        rest = pattern.sub(" ", rest)
    return found


def test_there_is_a_catalog_per_chapter():
    chapters = {p.stem for p in (ROOT / "chapters").glob("*.md")}
    assert {p.stem for p in catalogs()} == chapters


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: p.stem)
def test_translations_keep_math_roles_and_code(path):
    bad = [(m.id[:70], sorted((kept(m.id) - kept(m.string)).elements()),
            sorted((kept(m.string) - kept(m.id)).elements()))
           for m in messages(path) if m.string and kept(m.id) != kept(m.string)]
    assert not bad, f"{path.name}: translations that lose or change (missing, added): {bad}"


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: p.stem)
def test_no_message_is_fuzzy(path):
    fuzzy = [m.id[:70] for m in messages(path) if m.fuzzy]
    assert not fuzzy, (f"{path.name}: {len(fuzzy)} fuzzy message(s) (the English changed; "
                       f"check and update the translation, then drop the flag): {fuzzy[:5]}")


@pytest.mark.parametrize("path", [
    p if p.stem in TRANSLATED else pytest.param(
        p, marks=pytest.mark.xfail(strict=True, reason="not translated yet"))
    for p in catalogs()], ids=lambda p: p.stem)
def test_catalog_is_complete(path):
    missing = [m.id[:70] for m in messages(path) if not m.string]
    assert not missing, f"{path.name}: {len(missing)} untranslated: {missing[:5]}"


def test_a_link_text_is_translated_but_its_label_is_kept():
    source = "See {ref}`the causal section <att-causal>` and {numref}`Fig. %s <fig-x>`."
    assert kept(source) == kept("见{ref}`因果掩码一节 <att-causal>`与{numref}`图 %s <fig-x>`。")
    assert kept(source) != kept("见{ref}`因果掩码一节 <att-mask>`与{numref}`图 %s <fig-x>`。")
    assert kept(source) != kept("见因果掩码一节与{numref}`图 %s <fig-x>`。")
    assert kept("{ref}`notation`") != kept("{ref}`记号 <notation>`")  # a bare ref stays bare


def test_the_kept_pattern_catches_a_dropped_role_and_altered_math():
    source = "See {ref}`notation`, where $z = Wa + b$ and `bp.Dense`."
    assert kept(source) == kept("见 {ref}`notation`，其中 $z = Wa + b$ 与 `bp.Dense`。")
    assert kept(source) != kept("见记号一章，其中 $z = Wa + b$ 与 `bp.Dense`。")
    assert kept(source) != kept("见 {ref}`notation`，其中 $z = aW + b$ 与 `bp.Dense`。")
    assert kept(source) != kept("见 {ref}`notation`，其中 $z = Wa + b$ 与 bp.Dense。")


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: p.stem)
def test_no_message_splits_a_formula(path):
    """A source line that starts with "+ " or "- " inside a paragraph's `$...$` starts a
    list item in Markdown: the paragraph, and its formula, are cut in two (in both
    editions). Every message must then hold an even number of unescaped `$`."""
    split = [m.id[:70] for m in messages(path)
             if len(re.findall(r"(?<!\\)\$", m.id)) % 2]
    assert not split, f"{path.name}: a formula cut by a line break: {split}"


def is_display_math(text: str) -> bool:
    """A message that is a displayed equation's LaTeX: no `$`, no code, no roles, a
    macro, and no word of four or more letters outside macros and ``\\text{...}``."""
    if "$" in text or "`" in text or "\\" not in text:
        return False
    bare = re.sub(r"\\text\{[^}]*\}|\\[A-Za-z]+", " ", text)
    return re.search(r"[A-Za-z]{4,}", bare) is None


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: p.stem)
def test_display_equations_are_not_translated(path):
    """Sphinx rebuilds a translated math block in a way MyST cannot parse: a display
    equation whose ``\\text{}`` was put into Chinese renders as ``\\[::\\]``. Its
    translation must be the equation itself (the prose around it carries the words)."""
    changed = [m.id[:60] for m in messages(path)
               if m.string and is_display_math(m.id) and m.string != m.id]
    assert not changed, f"{path.name}: display equations translated: {changed}"


def test_display_math_is_recognized():
    assert is_display_math(r"\delta^l = (W^{l+1})^\T \delta^{l+1} \had f'(z^l)")
    assert is_display_math(r"\bar x = \frac{1}{N}\Bigl(\text{upstream} - \sum_j g_j\Bigr)")
    assert not is_display_math(r"The error term $\delta$ of a layer.")
    assert not is_display_math(r"(on Windows, `.venv\Scripts\python`)")
