"""Re-run the clipping cells of chapters/recurrent.md with W_hh nudged by one ulp.

    python maintainers/perturb_recurrent.py 1 2 3 ...      (one trial per number)

The clipping experiment trains through exploding gradients, so which seeds succeed
changes with the last bit of the initial weights (another machine's BLAS or LAPACK
already differs by that much). The chapter therefore asserts only means and shares
over many seeds. This script checks that its assertions hold when a random half of
every initial W_hh is moved to the next float (np.nextafter): it executes the
chapter's own code cells, unchanged, up to the end of the clipping section, with
``scaled_rnn`` wrapped, and prints PASS or the assertion that failed. Not part of the
build or the tests (a trial takes about half a minute).
"""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

import jupytext
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "recurrent.md"
LAST = 'solved = clipped["acc"].values > SOLVED'     # the clipping section's last cell


def cells() -> list[str]:
    nb = jupytext.read(CHAPTER)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    end = next(i for i, c in enumerate(code) if c.startswith(LAST))
    return code[:end + 1]


def trial(k: int) -> str:
    ns: dict = {}
    for src in cells():
        src = src.replace("from myst_nb import glue", "glue = lambda *a, **kw: None")
        try:
            exec(compile(src, str(CHAPTER), "exec"), ns)          # noqa: S102
        except AssertionError:
            return "FAIL " + traceback.format_exc().strip().splitlines()[-2].strip()
        if "scaled_rnn" in ns and not getattr(ns["scaled_rnn"], "nudged", False):
            original = ns["scaled_rnn"]

            def nudged(rho, seed, *args, **kwargs):
                rnn = original(rho, seed, *args, **kwargs)
                g = np.random.default_rng(10**6 + 97 * k + seed)
                m = g.random(rnn.W_hh.shape) < 0.5
                rnn.W_hh[m] = np.nextafter(rnn.W_hh[m], np.inf)
                return rnn

            nudged.nudged = True
            ns["scaled_rnn"] = nudged
    return "PASS"


if __name__ == "__main__":
    for k in map(int, sys.argv[1:]):
        print(f"trial {k}: {trial(k)}", flush=True)
