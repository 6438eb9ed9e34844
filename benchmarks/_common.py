"""Shared pieces of the benchmarks: data, batch orders, thread pinning, timing, machine facts.

Every comparison in this folder gives each library the *same* data (same arrays, same
dtype), the *same* batch order (the permutations ``bp.fit`` draws from its seed, handed
to the others) and the *same* number of steps, in one process, one after the other.
"""
from __future__ import annotations

import contextlib
import os
import platform
import statistics
import time
from typing import Callable, Iterator

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import bp

#: Layer sizes of the two benchmark networks (input first).
MNIST_SIZES = (784, 256, 128, 10)
DIGITS_SIZES = (64, 32, 10)


def mnist_like(n: int = 60_000, dtype=np.float32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-sized random data: ``X`` (n, 784) uniform in [0, 1), labels (n,) in 0..9."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, MNIST_SIZES[0]), dtype=np.float32).astype(dtype, copy=False)
    y = rng.integers(0, MNIST_SIZES[-1], size=n)
    return X, y


def digits_data(dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """The training split of :func:`bp.digits` (1,437 images of 8x8, scaled to [0, 1])."""
    split = bp.digits(test_size=0.2, seed=0)
    return np.ascontiguousarray(split.X_train, dtype=dtype), split.y_train


def epoch_orders(n: int, epochs: int, seed: int) -> list[np.ndarray]:
    """The permutations ``bp.fit(..., shuffle=True, seed=seed)`` uses, one per epoch."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(n) for _ in range(epochs)]


def build_bp(sizes, dtype, seed: int = 0) -> bp.Network:
    """ReLU hidden layers, identity output, softmax cross-entropy on the logits."""
    layers = [bp.Dense(n_in, n_out, "relu" if i < len(sizes) - 2 else "identity",
                       rng=seed + i, dtype=dtype)
              for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]))]
    return bp.Network(layers, loss="softmax_cross_entropy")


def torch_threads(n: int) -> None:
    import sys
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


@contextlib.contextmanager
def pinned(n_threads: int) -> Iterator[None]:
    """Limit every BLAS and OpenMP pool (threadpoolctl) and torch's intra-op pool."""
    torch_threads(n_threads)
    with threadpool_limits(limits=n_threads):
        yield


def median_time(fn: Callable[[], object], repeats: int, warmup: int = 1) -> tuple[float, list[float]]:
    """Median wall time of ``fn()`` over ``repeats`` calls after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def interleaved(fns: dict[str, Callable[[], object]], repeats: int,
                warmup: int = 1, clock: Callable[[], float] = time.perf_counter
                ) -> dict[str, list[float]]:
    """Time several callables round-robin, so that a burst of load from elsewhere on
    the machine hits all of them alike; returns every time per name. ``clock`` is wall
    time by default; ``time.process_time`` counts only this process's CPU time (for
    1-thread runs on a loaded machine)."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = clock()
            fn()
            times[name].append(clock() - t0)
    return times


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return " ".join(f for f in ("avx2", "fma", "avx512f", "avx512_bf16")
                                    if f in flags)
    except OSError:
        pass
    return ""


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> dict[str, str]:
    """What the numbers were measured on (printed with the results)."""
    blas = [f"{i['internal_api']} {i.get('version')} ({i.get('architecture', '?')} kernel, "
            f"{i['num_threads']} threads)" for i in threadpool_info() if i["user_api"] == "blas"
            and "numpy" in i["filepath"]]
    facts = {
        "cpu": f"{cpu_model()} ({os.cpu_count()} logical cores; {cpu_flags()})",
        "python": platform.python_version(),
        "numpy": f"{np.__version__}, BLAS: {'; '.join(blas) or 'unknown'}",
        "OPENBLAS_CORETYPE/L2_SIZE": f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')}/"
                                     f"{os.environ.get('OPENBLAS_L2_SIZE', 'unset')}",
        "load average (1/5/15 min)": load(),
    }
    try:
        import torch
        cfg = torch.__config__.show()
        blas_t = "MKL" if "USE_MKL=ON" in cfg else "?"
        dnn = "oneDNN" if "USE_MKLDNN=ON" in cfg else ""
        cap = next((l.split(":")[1].strip() for l in cfg.splitlines()
                    if "CPU capability" in l), "?")
        facts["torch"] = f"{torch.__version__} (BLAS {blas_t}, {dnn}, CPU capability {cap})"
    except ImportError:
        facts["torch"] = "not installed"
    import sklearn
    facts["scikit-learn"] = sklearn.__version__
    return facts
