"""Exercise notebooks a student can take home: one per chapter with exercises, no solutions.

``python _ext/bp_exercises.py [outdir]`` (``make exercises``) writes
``exercises/<chapter>.ipynb`` for every chapter of ``_toc.yml`` that has exercises; the
book's build writes the same files into the site (``_ext/bp_book.py``). Each notebook has

* a first markdown cell (how to work through it, how to get ``bp``) and a code cell
  that imports ``bp`` or says how to install it;
* the chapter's setup: its first code cell and every cell tagged ``exercise-setup``;
* per exercise: its text (from ``{exercise}``, or between ``{exercise-start}`` and
  ``{exercise-end}``, code cells included), then for a coding exercise a stub for every
  function its solution checks, with the signature the check expects
  (``bp.checks.signatures()``) and ``raise NotImplementedError``, and the check cell;
  for any other exercise an empty answer cell;
* never the solution: ``{solution}`` blocks and everything between ``{solution-start}``
  and ``{solution-end}`` are dropped, except the check calls, rebuilt from their syntax.

MyST roles become plain text: ``{ref}`` a section's title, ``{eq}`` the equation
itself, ``{cite}`` author and year, ``{prf:ref}`` the algorithm's or definition's title,
``{glue:text}`` "(value computed in the book)".
"""
from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$")
SOLUTION_SUFFIX = "_solution"

HEADER = """\
# Exercises: {title}

The exercises of the chapter *{title}* of **Backpropagation, derived and run**,
without their solutions. For each coding exercise, replace the stub's
`raise NotImplementedError` by your code, run the cell, then run the check below it:
it prints `[PASSED]`, or the first case it fails with the probable cause. The first
code cell below imports `bp`, the book's library; the solutions are in the book.
"""

#: The notebook's own words; the Chinese ones are ``bp_exercises_zh.STRINGS_ZH``.
STRINGS = {"header": HEADER, "exercise": "## Exercise {number}: {title}",
           "answer": "*Your answer* (a derivation, a prediction, or code: add cells as "
                     "you need them):",
           "section": "the section “{title}”", "glue": "(a value computed in the book)",
           "equation": "equation ({target})"}


class English:
    """The source's own text: what a ``bp_exercises_zh.Locale`` translates."""

    strings = STRINGS
    missing: list[str] = []

    def text(self, markdown: str) -> str:
        return markdown

    def section(self, title: str) -> str:
        return title


IMPORT_CELL = """\
try:
    import myst_nb                      # the book's build tool: not needed here
except ImportError:                     # so `from myst_nb import glue` just shows
    import sys, types
    import IPython.display as _ipd

    def _glue(name, variable, display=True):
        if display:
            _ipd.display(variable)
    sys.modules["myst_nb"] = types.SimpleNamespace(glue=_glue)
try:
    import bp
    import bp.checks
except ImportError as err:
    raise ImportError(
        "This notebook needs `bp`, the book's library. In the student kit's folder run\\n"
        "    python -m pip install bp-*.whl\\n"
        "(or, in a copy of the book's repository, `python -m pip install -e .`), then\\n"
        "restart the kernel.") from err
"""


@dataclass
class Exercise:
    """One exercise: its title, label, text cells and the checks of its solution."""

    title: str
    label: str = ""
    cells: list = field(default_factory=list)         # ("markdown"|"code", source)
    solution_code: list[str] = field(default_factory=list)


@dataclass
class Chapter:
    """What a chapter contributes: title, setup code cells and exercises in order."""

    name: str
    title: str
    setup: list[str] = field(default_factory=list)
    exercises: list[Exercise] = field(default_factory=list)


def _options(lines: list[str], i: int) -> tuple[dict[str, str], int]:
    opts = {}
    while i < len(lines) and (m := re.match(r"^:([\w-]+):\s*(.*)$", lines[i])):
        opts[m.group(1)] = m.group(2).strip()
        i += 1
    return opts, i


def parse_chapter(path: Path) -> Chapter:
    """Split a MyST chapter into its setup cells and its exercises (no solutions kept)."""
    nb = jupytext.read(path)
    title = next((c.source.split("\n# ", 1)[-1].split("\n")[0].lstrip("# ").strip()
                  for c in nb.cells if c.cell_type == "markdown" and "# " in c.source), "")
    chapter = Chapter(path.stem, title)
    by_label: dict[str, Exercise] = {}
    state, current, solution = "out", None, None
    first_code = True
    for cell in nb.cells:
        if cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            if state == "solution" and solution is not None:
                solution.solution_code.append(cell.source)
            elif state == "exercise" and current is not None:
                current.cells.append(("code", cell.source))
            elif first_code or "exercise-setup" in tags:
                chapter.setup.append(cell.source)
            first_code = False
            continue
        lines = cell.source.split("\n")
        i, text = 0, []
        while i < len(lines):
            m = FENCE.match(lines[i])
            if not m:
                if state == "exercise":
                    text.append(lines[i])
                i += 1
                continue
            fence, name, arg = m.group("fence"), m.group("name"), m.group("arg").strip()
            opts, j = _options(lines, i + 1)
            if name in ("exercise", "solution"):
                end = next((k for k in range(j, len(lines)) if lines[k].strip() == fence),
                           len(lines))
                if name == "exercise":
                    ex = Exercise(arg, opts.get("label", ""))
                    ex.cells.append(("markdown", "\n".join(lines[j:end]).strip()))
                    chapter.exercises.append(ex)
                    by_label[ex.label] = ex
                i = end + 1
                continue
            close = j if j < len(lines) and lines[j].strip() == fence else j - 1
            if name == "exercise-start":
                if text and current is not None:
                    current.cells.append(("markdown", "\n".join(text).strip()))
                current = Exercise(arg, opts.get("label", ""))
                chapter.exercises.append(current)
                by_label[current.label] = current
                state, text = "exercise", []
            elif name == "exercise-end":
                if current is not None and "\n".join(text).strip():
                    current.cells.append(("markdown", "\n".join(text).strip()))
                state, current, text = "out", None, []
            elif name == "solution-start":
                state, solution = "solution", by_label.get(arg)
            elif name == "solution-end":
                state, solution = "out", None
            i = close + 1
        if state == "exercise" and current is not None and "\n".join(text).strip():
            current.cells.append(("markdown", "\n".join(text).strip()))
    return chapter


# --- the checks of a solution, rebuilt as stub + check cells --------------------------
def _check_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def student_checks(code: str, signatures: dict[str, str]) -> list[tuple[str, str, str]]:
    """``(function name, signature, check call)`` for every ``assert check_...(fn)``.

    A demonstration (``assert not check(...)``, ``verbose=False``) is not a task and is
    skipped. A solution function called ``name_solution`` becomes the student's
    ``name``; a lambda becomes the signature's own name.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    asserted = {n.test.id for n in ast.walk(tree)
                if isinstance(n, ast.Assert) and isinstance(n.test, ast.Name)}
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            tests = node.test.values if isinstance(node.test, ast.BoolOp) and \
                isinstance(node.test.op, ast.And) else [node.test]
            calls += [t for t in tests if isinstance(t, ast.Call)]
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if any(isinstance(t, ast.Name) and t.id in asserted for t in node.targets):
                calls.append(node.value)
    found = []
    for call in calls:
        check = _check_name(call.func)
        if check not in signatures or any(k.arg == "verbose" for k in call.keywords):
            continue
        signature = signatures[check]
        for k, arg in enumerate(call.args):
            if isinstance(arg, ast.Constant):
                continue
            if isinstance(arg, ast.Name):
                name = arg.id.removesuffix(SOLUTION_SUFFIX)
            else:
                name = signature.split("(")[0]
            call.args[k] = ast.Name(name)
            break
        else:
            continue
        call.func = ast.Attribute(ast.Attribute(ast.Name("bp"), "checks"), check)
        found.append((name, signature, f"assert {ast.unparse(call)}"))
    return found


# --- MyST roles as plain text ---------------------------------------------------------
@dataclass
class Targets:
    """Labels of the whole book: section titles, equations, proofs, citations."""

    sections: dict[str, str] = field(default_factory=dict)
    equations: dict[str, str] = field(default_factory=dict)
    proofs: dict[str, str] = field(default_factory=dict)
    citations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path = ROOT) -> "Targets":
        t = cls()
        for md in sorted((root / "chapters").glob("*.md")):
            text = md.read_text(encoding="utf-8")
            for m in re.finditer(r"^\((?P<label>[\w-]+)\)=\s*\n#+\s+(?P<title>.+)$", text,
                                 re.M):
                t.sections[m.group("label")] = m.group("title").strip()
            for m in re.finditer(r"^`{3,}\{math\}\s*\n:label:\s*(?P<label>[\w-]+)\s*\n"
                                 r"(?P<body>.*?)\n`{3,}", text, re.M | re.S):
                t.equations[m.group("label")] = m.group("body").strip()
            for m in re.finditer(r"^`{3,}\{prf:(?P<kind>\w+)\}\s*(?P<title>.*)\n"
                                 r":label:\s*(?P<label>[\w-]+)", text, re.M):
                t.proofs[m.group("label")] = (f"{m.group('kind').capitalize()} "
                                              f"“{m.group('title').strip()}”")
        bib = (root / "references.bib")
        if bib.is_file():
            for m in re.finditer(r"@\w+\{(?P<key>[^,\s]+),(?P<body>.*?)\n\}",
                                 bib.read_text(encoding="utf-8"), re.S):
                author = re.search(r"author\s*=\s*[{\"](.+?)[}\"],?\s*\n", m.group("body"))
                year = re.search(r"year\s*=\s*[{\"]?(\d{4})", m.group("body"))
                name = author.group(1).split(" and ")[0].split(",")[0].strip("{} ") \
                    if author else m.group("key")
                etal = " et al." if author and " and " in author.group(1) else ""
                t.citations[m.group("key")] = f"{name}{etal} {year.group(1) if year else ''}"
        return t


ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<body>[^`]*)`")


def plain_roles(text: str, targets: Targets, locale: "English | None" = None) -> str:
    """Replace the MyST roles a notebook cannot render by plain text."""
    locale = locale or English()
    words = locale.strings
    def one(m: re.Match) -> str:
        role, body = m.group("role"), m.group("body")
        shown = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^>]+)>$", body, re.S)
        target = shown.group("target") if shown else body
        if role == "eq":
            latex = (targets.equations.get(target) or "").rstrip(" ,.")
            if not latex:
                return words["equation"].format(target=target)
            return f"${latex}$" if "\n" not in latex else f"\n$$\n{latex}\n$$\n"
        if role.startswith("cite"):
            keys = [k.strip() for k in body.split(",")]
            names = "; ".join(targets.citations.get(k, k) for k in keys)
            return names if role == "cite:t" else f"({names})"
        if role.startswith("glue"):
            return words["glue"]
        if shown:
            return shown.group("text")
        if role == "prf:ref":
            return targets.proofs.get(target, target)
        if role in ("ref", "numref", "doc"):
            title = targets.sections.get(target)
            return words["section"].format(title=locale.section(title)) if title else target
        return body
    return ROLE.sub(one, text)


def macros_cell(root: Path = ROOT) -> str:
    """The book's LaTeX macros as MathJax definitions (a markdown cell)."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    macros = (config.get("sphinx", {}).get("config", {}).get("mathjax3_config", {})
              .get("tex", {}).get("macros", {}))
    defs = []
    for name, value in macros.items():
        if isinstance(value, list):
            defs.append(f"\\newcommand{{\\{name}}}[{value[1]}]{{{value[0]}}}")
        else:
            defs.append(f"\\newcommand{{\\{name}}}{{{value}}}")
    return "$" + " ".join(defs) + "$"


# --- the notebook ---------------------------------------------------------------------
def build_notebook(chapter: Chapter, targets: Targets, signatures: dict[str, str],
                   root: Path = ROOT, locale: "English | None" = None
                   ) -> nbformat.NotebookNode:
    """The exercise notebook of ``chapter`` (see the module docstring), in the words of
    ``locale`` (the English source by default)."""
    locale = locale or English()
    words = locale.strings
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell

    def prose(text: str) -> str:
        return plain_roles(locale.text(text), targets, locale)

    title = plain_roles(locale.section(chapter.title), targets, locale)
    cells = [md(macros_cell(root) + "\n\n" + words["header"].format(title=title)),
             code(IMPORT_CELL)]
    cells += [code(source) for source in chapter.setup]
    for number, ex in enumerate(chapter.exercises, start=1):
        cells.append(md(words["exercise"].format(number=number, title=prose(ex.title))))
        for kind, source in ex.cells:
            cells.append(md(prose(source)) if kind == "markdown" else code(source))
        checks = [c for source in ex.solution_code for c in student_checks(source,
                                                                            signatures)]
        stubs = {}
        for name, signature, _ in checks:
            stubs.setdefault(name, signature)
        for name, signature in stubs.items():
            cells.append(code(_stub(name, signature)))
        if checks:
            calls = list(dict.fromkeys(call for *_, call in checks))
            cells.append(code("\n".join(calls)))
        else:
            cells.append(md(words["answer"]))
            cells.append(code(""))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def _stub(name: str, signature: str) -> str:
    args = signature.split("(", 1)[1].split(")", 1)[0]
    result = signature.split("->", 1)[1].strip()
    return (f"def {name}({args}):\n"
            f'    """Expected: {name}({args}) -> {result}"""\n'
            f"    raise NotImplementedError(\"write {name}, then run the check below\")\n")


# --- the book's side of the convention: solutions never take the student's names -----
def rename_solutions(text: str, signatures: dict[str, str]) -> tuple[str, list[str]]:
    """Rename every checked function inside the chapter's solutions to ``name_solution``.

    A student's notebook defines ``network_forward``; the book's solution defines and
    checks ``network_forward_solution``, so "Run all" never replaces the student's
    code. Only Python names in code cells between ``{solution-start}`` and
    ``{solution-end}`` change (not strings, not attributes such as ``row.rel_error``).
    Returns the new text and one ``"line N: old -> new"`` entry per changed line.
    """
    import io
    import tokenize
    lines = text.split("\n")
    cells, inside, start = [], False, None
    for i, line in enumerate(lines):
        m = FENCE.match(line)
        if m and m.group("name") in ("solution-start", "solution-end"):
            inside = m.group("name") == "solution-start"
        elif line.startswith("```{code-cell}"):
            start = i + 1
        elif start is not None and line.startswith("```"):
            if inside:
                cells.append((start, i))
            start = None
    names = {n for a, b in cells for n, *_ in student_checks(
        "\n".join(line for line in lines[a:b] if not line.startswith(":")), signatures)}
    changed = []
    for a, b in cells:
        body = lines[a:b]
        offset = next((k for k, line in enumerate(body) if not line.startswith(":")), 0)
        source = "\n".join(body[offset:]) + "\n"
        hits, previous = [], None
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NAME and tok.string in names and previous != ".":
                hits.append((tok.start, tok.string))
            previous = tok.string if tok.type == tokenize.OP else None
        for (row, col), name in sorted(hits, reverse=True):
            k = a + offset + row - 1
            old = lines[k]
            lines[k] = old[:col] + name + SOLUTION_SUFFIX + old[col + len(name):]
        for k in sorted({a + offset + row - 1 for (row, _), _ in hits}):
            long = f"  [{len(lines[k])} > 88 characters: wrap it]" if len(lines[k]) > 88 \
                else ""
            changed.append(f"line {k + 1}: {lines[k].strip()}{long}")
    return "\n".join(lines), changed


def chapters_with_exercises(root: Path = ROOT) -> list[Path]:
    """The chapters of ``_toc.yml``, in reading order, that have at least one exercise."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    paths = [root / f"{f}.md" for f in files]
    return [p for p in paths if p.is_file() and re.search(
        r"^(`{3,}|:{3,})\{exercise(-start)?\}", p.read_text(encoding="utf-8"), re.M)]


def write_all(outdir: Path, root: Path = ROOT, locale: "English | None" = None
              ) -> list[Path]:
    """Write ``<outdir>/<chapter>.ipynb`` for every chapter with exercises, in the words
    of ``locale`` (the English source by default)."""
    sys.path.insert(0, str(root))
    from bp.checks import signatures
    targets, sigs = Targets.load(root), signatures()
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in chapters_with_exercises(root):
        nb = build_notebook(parse_chapter(path), targets, sigs, root, locale)
        nbformat.validate(nb)
        target = outdir / f"{path.stem}.ipynb"
        nbformat.write(nb, target)
        written.append(target)
    return written


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rename-solutions"]:      # the chapters' side, run once
        sys.path.insert(0, str(ROOT))
        from bp.checks import signatures as _signatures
        for md in sys.argv[2:] or map(str, chapters_with_exercises()):
            new_text, edits = rename_solutions(Path(md).read_text(encoding="utf-8"),
                                               _signatures())
            Path(md).write_text(new_text, encoding="utf-8")
            print(f"{md}: {len(edits)} line(s)", *edits, sep="\n  ")
        sys.exit(0)
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "exercises"
    for p in write_all(out):
        print(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
