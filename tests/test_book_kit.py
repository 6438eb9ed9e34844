"""The student kit, as a student uses it: unzipped into an empty folder, installed into
a virtual environment, and one chapter notebook and one exercise notebook run there.

To stay fast on a shared machine, the environment sees the project's ``.venv``
packages through a ``.pth`` file (so numpy, sympy, matplotlib, scikit-learn, JupyterLab
and nbclient come from there; ``venv --system-site-packages`` would give the base
interpreter's instead) and only the kit's wheel is installed into it (``pip install
--no-deps``); the test then checks that ``bp`` is imported from that wheel, not from
the repository (whose editable install is not visible there). ``BP_KIT_FRESH=1`` installs the
kit's ``requirements.txt`` into a fresh environment instead (pip's cache is used).

Run by ``make book-tests`` after the build; skipped unless BP_BOOK_TESTS=1.
"""
from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from book_site import HTML, MARKS, require

pytestmark = MARKS

KIT = HTML / "student-kit.zip"
CHAPTER = "neurons"

RUN = r"""
import json, sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
path, folder = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
error = ""
try:
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": folder}}).execute()
except CellExecutionError as err:
    error = str(err)
failed = [c.source for c in nb.cells if c.cell_type == "code"
          and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
print(json.dumps({"error": error, "failed": failed[:1]}))
"""


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    require(KIT.is_file(), f"{KIT} has not been built (make html)")
    folder = tmp_path_factory.mktemp("kit")
    with zipfile.ZipFile(KIT) as z:
        z.extractall(folder)
    wheels = sorted(folder.glob("bp-*.whl"))
    require(len(wheels) == 1, f"the kit holds {len(wheels)} wheels of bp")
    env = folder / ".venv"
    fresh = os.environ.get("BP_KIT_FRESH") == "1"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    python = env / "bin" / "python"
    if not fresh:                      # see the module docstring
        own = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"], check=True,
                             capture_output=True, text=True).stdout.strip()
        Path(own, "project-packages.pth").write_text(
            "\n".join(p for p in site.getsitepackages()) + "\n", encoding="utf-8")
    install = [str(python), "-m", "pip", "install", "-q", str(wheels[0])]
    install += ["-r", str(folder / "requirements.txt")] if fresh else ["--no-deps"]
    subprocess.run(install, check=True, cwd=folder)
    return folder, python


def _run(python: Path, notebook: Path) -> dict:
    out = subprocess.run([str(python), "-c", RUN, str(notebook), str(notebook.parent)],
                         check=True, capture_output=True, text=True, cwd=notebook.parent,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_kit_has_what_its_readme_promises(kit):
    folder, _ = kit
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "python -m venv .venv" in readme and "jupyter lab" in readme
    requirements = (folder / "requirements.txt").read_text(encoding="utf-8")
    for name in ("numpy==", "sympy==", "matplotlib==", "scikit-learn==", "jupyterlab=="):
        assert name in requirements
    assert (folder / "exercises" / f"{CHAPTER}.ipynb").is_file()
    assert (folder / "chapters" / f"{CHAPTER}.ipynb").is_file()


def test_bp_comes_from_the_kits_wheel(kit):
    folder, python = kit
    where = subprocess.run([str(python), "-c", "import bp; print(bp.__file__)"],
                           check=True, capture_output=True, text=True, cwd=folder,
                           env={k: v for k, v in os.environ.items()
                                if k != "PYTHONPATH"}).stdout.strip()
    assert Path(where).is_relative_to(folder / ".venv"), where


def test_a_chapter_notebook_runs_in_the_kit(kit):
    folder, python = kit
    result = _run(python, folder / "chapters" / f"{CHAPTER}.ipynb")
    assert not result["error"], result


def test_an_exercise_notebook_runs_to_its_first_stub(kit):
    folder, python = kit
    result = _run(python, folder / "exercises" / f"{CHAPTER}.ipynb")
    assert "NotImplementedError" in result["error"]
    assert result["failed"] and result["failed"][0].startswith("assert bp.checks.check_")
