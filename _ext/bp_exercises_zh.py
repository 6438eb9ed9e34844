"""The Chinese exercise notebooks and student kit, from the same catalogs as the site.

``bp_exercises`` builds a chapter's exercise notebook from the English source; with a
:class:`Locale` the notebook's text is the Chinese edition's instead: every paragraph,
list item and title of an exercise is looked up in the chapters' catalogs
(``locales/zh_CN/LC_MESSAGES/chapters/*.po``, the messages the Chinese site shows),
and the notebook's own words (its heading, the answer prompt, how to get ``bp``) are
:data:`STRINGS_ZH`. Code, stubs, checks and their messages stay as they are, as in the
Chinese site. A paragraph with no translation stays English and is reported in
:attr:`Locale.missing`, which the tests require to be empty for translated chapters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "chapters"

STRINGS_ZH = {
    "header": """\
# 练习：{title}

《误差逆传播：推导与运行》中“{title}”一章的练习，不含解答。对每道编程练习，把桩函数中的
`raise NotImplementedError` 换成你的代码，运行该单元格，再运行它下面的检查：检查通过时打印
`[PASSED]`，否则给出第一个失败的用例和可能的原因。下面第一个代码单元格导入本书的库 `bp`；
解答在书中。
""",
    "exercise": "## 练习 {number}：{title}",
    "answer": "*你的答案*（推导、预测或代码：按需添加单元格）：",
    "section": "“{title}”一节",
    "glue": "（书中计算得到的一个值）",
    "equation": "式 ({target})",
    "getting_bp": """\
**运行本笔记本**需要本书的小型库 `bp`，以及 NumPy、SymPy、Matplotlib、scikit-learn 和
JupyterLab。在学生工具包（`student-kit.zip`，书中每一页都提供下载）的文件夹中运行

    python -m venv .venv
    .venv/bin/python -m pip install -r requirements.txt bp-*.whl    # Windows: .venv\\Scripts\\python

然后用 `.venv/bin/jupyter lab` 启动 JupyterLab 并打开本笔记本。在本书代码仓库的副本中，
`make venv` 完成同样的事。`import bp` 失败时，第一个代码单元格会停下并给出这条提示。
""",
    "readme": """\
# 误差逆传播：推导与运行——学生工具包

这个文件夹让你在自己的电脑上运行本书的笔记本，无须本书的代码仓库：

* `exercises/`：每章一个笔记本，含该章的练习、待填写的桩函数和自我检查，但不含解答
  （解答在书中）；
* `chapters/`：同样这些章节的已执行笔记本（正文为英文，中文正文见本书的中文网站）；
* `{wheel}`：本书的库 `bp`；`requirements.txt`：笔记本所需的软件包，版本与构建本书时
  相同。

两条命令（需要 Python 3.11 或更新版本；在 Windows 上写 `.venv\\Scripts\\python` 和
`.venv\\Scripts\\jupyter`）：

    python -m venv .venv && .venv/bin/python -m pip install -r requirements.txt {wheel}
    .venv/bin/jupyter lab

打开一个练习笔记本，从头运行它的单元格，把每个桩函数中的 `raise NotImplementedError` 换成
你的代码；它下面的检查会打印 `[PASSED]`，或给出第一个失败的用例和可能的原因。pip 从它已经
在使用的软件包索引安装；除此之外不下载任何东西。
""",
}

LIST_ITEM = re.compile(r"^(?P<indent>\s*)(?P<marker>[*+-]|\d+[.)])\s+(?P<text>.*)$")
FENCE = re.compile(r"^\s*(`{3,}|:{3,}|\$\$)")


def _key(text: str) -> str:
    """A message as Sphinx extracts it, whitespace-insensitive."""
    return " ".join(text.split())


@dataclass
class Locale:
    """The Chinese edition's messages, and what a notebook needed but did not find."""

    messages: dict[str, str] = field(default_factory=dict)
    strings: dict[str, str] = field(default_factory=lambda: dict(STRINGS_ZH))
    missing: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, catalogs: Path = CATALOGS) -> "Locale":
        messages = {}
        for path in sorted(catalogs.glob("*.po")):
            with path.open("rb") as f:
                for m in read_po(f):
                    if m.id and m.string and not m.fuzzy:
                        messages.setdefault(_key(m.id), m.string)
        return cls(messages)

    def message(self, text: str) -> str:
        """The translation of one message (a paragraph, an item, a title)."""
        if not text.strip() or not re.search(r"[A-Za-z]{2}", text):
            return text
        found = self.messages.get(_key(text))
        if found is None:
            self.missing.append(_key(text)[:80])
            return text
        return found

    def text(self, markdown: str) -> str:
        """Translate a markdown cell block by block; fences (code, math, directives'
        option lines) are kept as they are."""
        out, block, in_fence = [], [], None

        def flush() -> None:
            if block:
                out.extend(self._block(block))
                block.clear()

        for line in markdown.split("\n"):
            fence = FENCE.match(line)
            if in_fence is not None:
                out.append(line)
                if fence and fence.group(1) == in_fence:
                    in_fence = None
                continue
            if fence:
                flush()
                out.append(line)
                closes = fence.group(1) == "$$" and line.strip().endswith("$$") \
                    and len(line.strip()) > 2
                in_fence = None if closes else fence.group(1)
                continue
            if not line.strip() or line.lstrip().startswith(":") and not block:
                flush()
                out.append(line)
                continue
            block.append(line)
        flush()
        return "\n".join(out)

    def _block(self, lines: list[str]) -> list[str]:
        """A paragraph, or a list whose items are translated one by one."""
        if not LIST_ITEM.match(lines[0]):
            return [self.message(" ".join(l.strip() for l in lines))]
        items: list[tuple[str, list[str]]] = []
        for line in lines:
            m = LIST_ITEM.match(line)
            if m:
                items.append((f"{m.group('indent')}{m.group('marker')} ", [m.group("text")]))
            else:
                items[-1][1].append(line.strip())
        return [head + self.message(" ".join(parts)) for head, parts in items]

    def section(self, title: str) -> str:
        return self.messages.get(_key(title), title)
