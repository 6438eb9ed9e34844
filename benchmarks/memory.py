"""Peak memory of one training epoch, each library in a fresh subprocess.

Method. The child process imports only what its library needs, makes the data, builds
the model and trains it once on 1,024 examples (so one-time costs such as thread pools,
kernel caches and lazily loaded code are paid before we measure). Then it

1. runs ``gc.collect()``, resets the kernel's high-water mark of its resident set
   (writing ``5`` to ``/proc/self/clear_refs``) and reads the current ``VmRSS``;
2. trains one full epoch, exactly as the timed benchmark does (``bp.fit`` or the
   equivalent PyTorch loop, including the end-of-epoch accuracy pass);
3. reads ``VmHWM``, the peak resident set since the reset.

``VmHWM - VmRSS`` is the extra memory the epoch needed at its peak: every allocation
(NumPy's, PyTorch's and the C allocator's) counts, and the data set itself, which both
sides hold before training starts, does not. For bp the child also reports
``tracemalloc``'s peak of a second epoch, which counts NumPy's array buffers exactly
and is a cross-check of the RSS figure (PyTorch's CPU allocator is invisible to
tracemalloc, so only the RSS method compares the two).

Run as ``python benchmarks/memory.py {bp,torch,sklearn} {float32,float64}``; prints JSON.
"""
from __future__ import annotations

import ctypes
import gc
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _child(impl: str, dtype: str) -> dict:
    import tracemalloc

    from _common import MNIST_SIZES, mnist_like, pinned
    import trainers
    make = {"bp": trainers.bp_trainer, "torch": trainers.torch_trainer,
            "sklearn": trainers.sklearn_trainer}[impl]
    X, y = mnist_like(60_000, np.dtype(dtype))
    with pinned(1):
        make(X[:1024], y[:1024], MNIST_SIZES, epochs=1, batch=128)()    # warm-up
        run = make(X, y, MNIST_SIZES, epochs=1, batch=128)
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = _status_kib("VmRSS")
        run()
        peak = _status_kib("VmHWM")
        result = {"impl": impl, "dtype": dtype, "rss_before_mib": before / 1024,
                  "peak_extra_mib": (peak - before) / 1024}
        if impl == "bp":
            gc.collect()
            tracemalloc.start()
            run()
            result["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2 ** 20
            tracemalloc.stop()
    return result


def measure(impl: str, dtype: str, repeats: int = 3) -> dict:
    """Run the child ``repeats`` times; keep the median peak (and every value)."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, os.path.abspath(__file__), impl, dtype],
                             check=True, capture_output=True, text=True, cwd=HERE)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    runs.sort(key=lambda r: r["peak_extra_mib"])
    median = dict(runs[len(runs) // 2])
    median["all_peaks_mib"] = [round(r["peak_extra_mib"], 1) for r in runs]
    return median


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    print(json.dumps(_child(sys.argv[1], sys.argv[2])))
