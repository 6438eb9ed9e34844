"""The chapters are notebooks too: every one parses as a jupytext notebook with a Python
kernel, and JupyterLab (from requirements.txt) opens the Markdown files as notebooks."""
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [c["file"] for c in part["chapters"]]
    return files


@pytest.mark.parametrize("name", toc_files())
def test_chapter_is_a_valid_notebook(name):
    path = ROOT / f"{name}.md"
    assert path.exists(), f"{name} is in _toc.yml but {path} does not exist"
    nb = jupytext.read(path)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["language"] == "python"
    assert nb.metadata["jupytext"]["text_representation"]["format_name"] == "myst"


def test_every_chapter_file_is_in_the_toc():
    listed = {f"{name}.md" for name in toc_files()}
    on_disk = {f"chapters/{p.name}" for p in (ROOT / "chapters").glob("*.md")}
    assert on_disk <= listed, f"not in _toc.yml: {sorted(on_disk - listed)}"


def test_jupyterlab_opens_markdown_chapters_with_jupytext():
    jupyter = Path(sys.executable).parent / "jupyter"
    out = subprocess.run([str(jupyter), "server", "extension", "list"],
                         capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    line = next((l for l in text.splitlines() if "jupyterlab_jupytext" in l and "enabled" in l),
                None)
    assert line is not None, f"jupytext's JupyterLab extension is not enabled:\n{text}"


MAX_CODE_LINE = 88      # what fits the text column at 1400 px (tests/test_book_layout.py)


@pytest.mark.parametrize("name", toc_files())
def test_code_cell_lines_fit_the_column(name):
    nb = jupytext.read(ROOT / f"{name}.md")
    long = [(i, line) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for line in cell.source.splitlines() if len(line) > MAX_CODE_LINE]
    assert not long, (f"{name}: {len(long)} code line(s) longer than {MAX_CODE_LINE} "
                      "characters:\n" + "\n".join(f"  cell {i}: {l}" for i, l in long[:10]))


@pytest.mark.parametrize("name", toc_files())
def test_chapters_keep_the_book_figure_style(name):
    """chapters/matplotlibrc is the one figure style: no chapter lowers its resolution
    or its font sizes (a figure must stay legible as displayed)."""
    text = (ROOT / f"{name}.md").read_text(encoding="utf-8")
    overrides = re.findall(r"""["'](figure\.dpi|font\.size|savefig\.dpi)["']\s*:\s*([\d.]+)""",
                           text)
    low = [(k, v) for k, v in overrides
           if (k.endswith("dpi") and float(v) < 150) or (k == "font.size" and float(v) < 11)]
    assert not low, f"{name} overrides the book's figure style: {low}"
    small = re.findall(r"fontsize\s*=\s*([\d.]+)", text)
    assert all(float(v) >= 9 for v in small), f"{name}: text smaller than 9 pt: {small}"


@pytest.mark.parametrize("name", toc_files())
def test_chapters_hold_no_tab_or_control_character(name):
    """A tab in a chapter is almost always a `\\t` of LaTeX (`\\text`, `\\tau`) written
    by a script through an unescaped string: the formula then renders wrongly."""
    text = (ROOT / f"{name}.md").read_text(encoding="utf-8")
    bad = [(i, line) for i, line in enumerate(text.splitlines(), 1)
           if re.search(r"[\x00-\x08\x09\x0b-\x1f]", line)]
    assert not bad, f"{name}: control characters on lines {[i for i, _ in bad][:10]}"



def comment_lines(text: str) -> list[int]:
    """Lines of ``text``, outside code cells, that MyST reads as a comment: a line whose
    first non-blank character is ``%`` is dropped from the page with everything on it
    (a prose line re-wrapped to begin with "%)" loses the rest of its sentence)."""
    found, fence = [], None
    for i, line in enumerate(text.splitlines(), 1):
        opening = re.match(r"^(`{3,})\{code-cell\}", line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None and line.lstrip().startswith("%"):
            found.append(i)
    return found


@pytest.mark.parametrize("name", toc_files())
def test_no_prose_line_is_read_as_a_comment(name):
    lines = comment_lines((ROOT / f"{name}.md").read_text(encoding="utf-8"))
    assert not lines, f"{name}: lines {lines} begin with '%', which MyST drops as comments"


def test_the_comment_check_catches_a_wrapped_percent_and_spares_code():
    wrapped = "The rows (at $d = 16$: {glue:text}`x:.0f`\n  %): pass nothing back.\n"
    code = "```{code-cell} ipython3\n%matplotlib inline\n```\n"
    assert comment_lines(wrapped) == [2]
    assert comment_lines(code) == []
    assert comment_lines("A share of 5 % of the rows.\n") == []


FIGURE = re.compile(r"^(`{3,}|:{3,})\{(glue:figure|figure)\}.*$", re.M)


def figures_without_alt(text: str) -> list[int]:
    """Lines of the ``figure``/``glue:figure`` directives in ``text`` whose ``:alt:``
    option is missing or shorter than 20 characters."""
    missing = []
    for match in FIGURE.finditer(text):
        options = []
        for line in text[match.end() + 1:].splitlines():
            if not line.startswith(":"):
                break
            options.append(line)
        alt = next((o[len(":alt:"):].strip() for o in options if o.startswith(":alt:")), "")
        if len(alt) < 20:
            missing.append(text[:match.start()].count("\n") + 1)
    return missing


@pytest.mark.parametrize("name", toc_files())
def test_every_figure_has_alt_text(name):
    """A reader who cannot see a figure gets its description: every ``figure`` and
    ``glue:figure`` directive carries an ``:alt:`` option of a sentence or more."""
    missing = figures_without_alt((ROOT / f"{name}.md").read_text(encoding="utf-8"))
    assert not missing, f"{name}: figures without alt text on lines {missing}"


def test_the_alt_text_check_catches_a_figure_without_one():
    bare = "Text.\n\n```{glue:figure} fig-x\n:name: fig-x\n\nCaption.\n```\n"
    short = "```{figure} a.png\n:name: fig-a\n:alt: a plot\n\nCaption.\n```\n"
    good = ("```{glue:figure} fig-x\n:name: fig-x\n:alt: The loss falls with every "
            "step.\n\nCaption.\n```\n")
    assert figures_without_alt(bare) == [3]
    assert figures_without_alt(short) == [1]
    assert figures_without_alt(good) == []
