"""The Chinese exercise notebooks (_ext/bp_exercises_zh.py): the same notebooks as the
English ones, cell for cell, with the text of the Chinese edition's catalogs."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

import bp_exercises as bx  # noqa: E402
import bp_exercises_zh as bz  # noqa: E402
from bp.checks import signatures  # noqa: E402
from test_catalogs import TRANSLATED  # noqa: E402

HAN = re.compile(r"[\u4e00-\u9fff]")
CHAPTERS = bx.chapters_with_exercises()


def _notebooks(path: Path):
    targets, sigs = bx.Targets.load(), signatures()
    chapter = bx.parse_chapter(path)
    locale = bz.Locale.load()
    return (bx.build_notebook(chapter, targets, sigs),
            bx.build_notebook(chapter, targets, sigs, locale=locale), locale)


@pytest.mark.parametrize("path", [p for p in CHAPTERS if p.stem in TRANSLATED],
                         ids=lambda p: p.stem)
def test_a_translated_chapter_gives_a_chinese_notebook(path):
    en, zh, locale = _notebooks(path)
    assert not locale.missing, f"{path.stem}: no translation for {locale.missing[:5]}"
    assert len(en.cells) == len(zh.cells)
    for a, b in zip(en.cells, zh.cells):
        assert a.cell_type == b.cell_type
        if a.cell_type == "code":
            assert a.source == b.source               # code, stubs and checks shared
    prose = [c.source for c in zh.cells if c.cell_type == "markdown"][1:]
    assert all(HAN.search(text) for text in prose), "a markdown cell stayed English"
    assert zh.cells[0].source.split("\n\n", 1)[1].startswith("# 练习：")
    assert sum(c.source.startswith("## 练习 ") for c in zh.cells) == \
        sum(c.source.startswith("## Exercise ") for c in en.cells) > 0


def test_an_untranslated_paragraph_is_reported_and_kept_english():
    locale = bz.Locale({"A translated sentence.": "一个已翻译的句子。"})
    text = locale.text("A translated\nsentence.\n\n* an item\n* A translated sentence.\n\n"
                       "$$\nx = 1\n$$\n\n```python\nprint('code')\n```")
    assert "一个已翻译的句子。" in text and "* 一个已翻译的句子。" in text
    assert "* an item" in text and "print('code')" in text and "x = 1" in text
    assert locale.missing == ["an item"]
