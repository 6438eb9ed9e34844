"""How long the book takes to build: a clean build (every chapter executed) and a
rebuild with nothing changed.

The book's sources (every file git tracks) are copied to a temporary folder, so the
repository's own ``_build`` and execution cache are left alone, and built there with
this environment's ``jupyter-book`` exactly as ``make html`` does. The clean build's
log says how long the parallel execution of the chapters took (``_ext/bp_execute.py``).

Usage: python benchmarks/bench_build.py          (targets: execution <= 120 s, rebuild <= 10 s)
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JB = Path(sys.executable).parent / "jupyter-book"
FLAGS = ["--builder", "html", "-W", "-n", "--keep-going"]


def copy_sources(target: Path) -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    for name in files:
        src, dst = ROOT / name, target / name
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    os.symlink(ROOT / "node_modules", target / "node_modules")


def build(folder: Path) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run([str(JB), "build", ".", *FLAGS], cwd=folder, capture_output=True,
                         text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"bench_build: the build failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return seconds, out.stdout + out.stderr


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "book"
        copy_sources(folder)
        clean, log = build(folder)
        match = re.search(r"parallel execution took ([\d.]+) s", log)
        executed = float(match.group(1)) if match else float("nan")
        rebuild, _ = build(folder)
    print(f"clean build: {clean:.1f} s wall, of which chapter execution {executed:.1f} s "
          f"(target <= 120 s) on {os.cpu_count()} cores")
    print(f"no-change rebuild: {rebuild:.1f} s wall (target <= 10 s)")


if __name__ == "__main__":
    main()
