"""The student kit: one zip that runs the book's notebooks outside the repository.

``python _ext/bp_kit.py <site>`` (run by the book's build, ``_ext/bp_book.py``) writes
``<site>/student-kit.zip`` holding

* ``bp-<version>-py3-none-any.whl``, a wheel of the library (``pip wheel --no-deps .``,
  kept in ``_build/kit/`` and rebuilt when ``bp/`` or ``pyproject.toml`` change);
* ``exercises/<chapter>.ipynb`` (no solutions) and ``chapters/<chapter>.ipynb`` (the
  executed notebooks of the same chapters, from ``<site>/_sources``), each opening
  with how to get ``bp``,
  and the chapters' ``matplotlibrc`` in both folders;
* ``requirements.txt``: what the notebooks import, pinned as the project's own
  ``requirements.txt``; and ``README.md`` with the two commands.

Nothing is fetched but what the student's pip already uses.
"""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
KIT = "student-kit.zip"
#: What the notebooks import (pinned from the project's requirements.txt).
NEEDED = ["numpy", "sympy", "matplotlib", "scikit-learn", "scipy", "mlxtend", "tqdm",
          "threadpoolctl",
          "jupyterlab", "ipykernel"]

GETTING_BP = """\
**To run this notebook** you need `bp`, the book's small library, and NumPy, SymPy,
Matplotlib, scikit-learn and JupyterLab. In the folder of the student kit
(`student-kit.zip`, offered on every page of the book):

    python -m venv .venv
    .venv/bin/python -m pip install -r requirements.txt bp-*.whl    # Windows: .venv\\Scripts\\python

then start JupyterLab with `.venv/bin/jupyter lab` and open this notebook. In a copy of
the book's repository, `make venv` does the same. The first code cell stops with this
advice when `import bp` fails.
"""

README = """\
# Backpropagation, derived and run: the student kit

This folder runs the book's notebooks on your computer, without the book's repository:

* `exercises/`: one notebook per chapter with its exercises, stubs to fill in and
  the self-checks, but no solutions (they are in the book);
* `chapters/`: the same chapters as executed notebooks;
* `{wheel}`: `bp`, the book's library; `requirements.txt`: what the notebooks need,
  pinned to the versions the book is built with.

Two commands (Python 3.11 or newer; on Windows write `.venv\\Scripts\\python` and
`.venv\\Scripts\\jupyter`):

    python -m venv .venv && .venv/bin/python -m pip install -r requirements.txt {wheel}
    .venv/bin/jupyter lab

Open an exercise notebook, run its cells from the top, and replace each stub's
`raise NotImplementedError` with your code; the check below it prints `[PASSED]` or
the first case it fails with the probable cause. pip installs from the package index
it already uses; nothing else is downloaded.
"""

_WATCHED = ("bp/**/*.py", "pyproject.toml")


def _source_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for pattern in _WATCHED:
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_wheel(root: Path = ROOT, cache: Path | None = None) -> Path:
    """A wheel of ``bp`` in ``_build/kit/<hash>/``, rebuilt only when its sources change."""
    folder = (cache or root / "_build" / "kit") / _source_hash(root)
    wheels = sorted(folder.glob("bp-*.whl"))
    if wheels:
        return wheels[-1]
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(folder), str(root)], check=True, capture_output=True)
    return sorted(folder.glob("bp-*.whl"))[-1]


def requirements(root: Path = ROOT) -> str:
    """The lines of the project's requirements.txt for :data:`NEEDED`, pins kept."""
    pins = {}
    for line in (root / "requirements.txt").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)\s*==\s*([^\s#]+)", line)
        if m:
            pins[m.group(1).lower()] = f"{m.group(1)}=={m.group(2)}"
    missing = [n for n in NEEDED if n not in pins]
    if missing:
        raise ValueError(f"requirements.txt pins none of {missing}")
    return "# What the book's notebooks need, pinned as the book's build.\n" + \
        "\n".join(pins[n] for n in NEEDED) + "\n"


def with_getting_started(nb: nbformat.NotebookNode, text: str = GETTING_BP
                         ) -> nbformat.NotebookNode:
    """``nb`` opening with "how to get bp", its first code cell guarding ``import bp``.

    The guard (:data:`bp_exercises.IMPORT_CELL`) is put at the top of the first code
    cell, so an executed notebook keeps every cell's outputs; where ``bp`` imports it
    does nothing, and where it does not it stops with the pip command.
    """
    from bp_exercises import IMPORT_CELL
    if nb.cells and nb.cells[0].get("metadata", {}).get("bp-kit"):
        return nb
    first = next((c for c in nb.cells if c.cell_type == "code"), None)
    if first is not None:
        first.source = IMPORT_CELL + "\n" + first.source
    intro = nbformat.v4.new_markdown_cell(text, metadata={"bp-kit": True})
    nb.cells.insert(0, intro)
    return nb


def build_kit(site: Path, root: Path = ROOT, locale=None) -> Path:
    """Write ``<site>/student-kit.zip`` (see the module docstring); with a
    ``bp_exercises_zh.Locale``, its exercise notebooks and README are Chinese."""
    sys.path.insert(0, str(Path(__file__).parent))
    import bp_exercises
    words = getattr(locale, "strings", {})
    wheel = build_wheel(root)
    folder = "exercises-zh" if locale is not None else "exercises"
    exercises = bp_exercises.write_all(root / "_build" / "kit" / folder, root, locale)
    chapters = [site / "_sources" / "chapters" / f"{p.stem}.ipynb"
                for p in bp_exercises.chapters_with_exercises(root)]
    chapters = [p for p in chapters if p.is_file()]
    rc = (root / "chapters" / "matplotlibrc").read_bytes()
    target = site / KIT
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as kit:
        kit.writestr("README.md", words.get("readme", README).format(wheel=wheel.name))
        kit.writestr("requirements.txt", requirements(root))
        kit.write(wheel, wheel.name)
        for folder, notebooks in (("exercises", exercises), ("chapters", chapters)):
            kit.writestr(f"{folder}/matplotlibrc", rc)
            for path in notebooks:
                nb = nbformat.read(path, as_version=4)
                if folder == "chapters":
                    nb = with_getting_started(nb, words.get("getting_bp", GETTING_BP))
                kit.writestr(f"{folder}/{path.name}", nbformat.writes(nb))
    tmp.replace(target)
    return target


if __name__ == "__main__":
    print(build_kit(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html"))
