"""Run every benchmark of bp against PyTorch and scikit-learn and print the tables.

``make bench`` runs this (after ``pip install -r benchmarks/requirements.txt``). Each
comparison runs in this one process, the libraries timed round-robin (so that load from
elsewhere on the machine hits them alike), with every BLAS/OpenMP pool and torch pinned
to 1 and then 2 threads; a time is the median of ``--repeats`` runs. See README.md for
the method and the last recorded results.

    python benchmarks/run.py [--repeats 5] [--threads 1 2] [--quick] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import gemm  # noqa: E402
import gradient_cost  # noqa: E402
import memory  # noqa: E402
import trainers  # noqa: E402
from _common import (DIGITS_SIZES, MNIST_SIZES, digits_data, interleaved, load,  # noqa: E402
                     machine, mnist_like, pinned)

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False

#: (name, sizes, dtype, epochs, batch)
CASES = [("MNIST-size float32", MNIST_SIZES, np.float32, 1, 128),
         ("MNIST-size float64", MNIST_SIZES, np.float64, 1, 128),
         ("digits float32", DIGITS_SIZES, np.float32, 100, 32)]


def time_case(name, sizes, dtype, epochs, batch, threads, repeats, with_sklearn, n):
    X, y = mnist_like(n, dtype) if sizes == MNIST_SIZES else digits_data(dtype)
    makers = {"bp": trainers.bp_trainer}
    if HAVE_TORCH:
        makers["torch"] = trainers.torch_trainer
    if with_sklearn:
        makers["sklearn"] = trainers.sklearn_trainer
    with pinned(threads):
        fns = {k: make(X, y, sizes, epochs=epochs, batch=batch) for k, make in makers.items()}
        if sizes == MNIST_SIZES:        # the GEMM-bound limit, timed under the same load
            fns["gemm"] = gemm.flops_as_gemm(dtype, gemm.train_flops(sizes, X.shape[0]))
        times = interleaved(fns, repeats)
    row = {"case": name, "threads": threads, "n": X.shape[0], "epochs": epochs,
           "batch": batch, "load": load()}
    if "gemm" in fns:
        row["gemm_gflops"] = fns["gemm"].flops / statistics.median(times["gemm"]) / 1e9
    for k, t in times.items():
        row[k] = statistics.median(t)
        row[k + "_all"] = [round(v, 4) for v in t]
    return row


def gemm_rows(threads_list, quick):
    rows = []
    for threads in threads_list:
        with pinned(threads):
            for dtype in (np.float32, np.float64):
                rows.append({"threads": threads, "dtype": np.dtype(dtype).name,
                             "gflops": gemm.gemm_rate(dtype, seconds=0.1 if quick else 0.3),
                             "step_gemm_s": gemm.step_gemm_time(MNIST_SIZES, 128, dtype)})
    return rows


def fmt_ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"


def print_results(res):
    print("\n## Machine\n")
    for k, v in res["machine"].items():
        print(f"- {k}: {v}")
    print(f"\nbp vs torch, same initial weights and batch order, float64, one epoch on 4,096 "
          f"examples: largest relative weight difference {res.get('trajectory', 'n/a')}")
    print("\n## Training time (median seconds)\n")
    print("| case | threads | bp | torch | sklearn | bp/torch | bp/sklearn | load |")
    print("|---|---|---|---|---|---|---|---|")
    for r in res["timings"]:
        print(f"| {r['case']} ({r['epochs']} epoch{'s' * (r['epochs'] > 1)}, batch "
              f"{r['batch']}) | {r['threads']} | {r['bp']:.3f} | {r.get('torch', 0):.3f} | "
              f"{r.get('sklearn', 0):.3f} | {fmt_ratio(r['bp'], r.get('torch'))} | "
              f"{fmt_ratio(r['bp'], r.get('sklearn'))} | {r['load']} |")
    print("\n## GEMM-bound limit (MNIST-size, one epoch of 60,000)\n")
    print("| threads | dtype | GEMM GFLOP/s, best of 5 alone | GEMM GFLOP/s, side by side "
          "with the runs | GEMM GFLOP per epoch | limit (s) | bp (s) | bp/limit | the step's "
          "GEMMs alone, as bp calls them (s per epoch) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for g in res["gemm"]:
        case = f"MNIST-size {g['dtype']}"
        t = next((r for r in res["timings"] if r["case"] == case and
                  r["threads"] == g["threads"]), None)
        n = t["n"] if t else 60_000
        train = gemm.train_flops(MNIST_SIZES, n)
        side = t["gemm_gflops"] if t else g["gflops"]
        limit = train / (side * 1e9)
        steps = -(-n // 128)
        g.update(limit_s=limit, train_gflop=train / 1e9, bp_s=t["bp"] if t else None)
        print(f"| {g['threads']} | {g['dtype']} | {g['gflops']:.1f} | {side:.1f} | "
              f"{train / 1e9:.1f} | "
              f"{limit:.3f} | {t['bp'] if t else float('nan'):.3f} | "
              f"{fmt_ratio(t['bp'] if t else None, limit)} | {g['step_gemm_s'] * steps:.3f} |")
    if res.get("memory"):
        print("\n## Peak extra memory of one MNIST-size epoch (MiB, median of subprocesses)\n")
        print("| dtype | bp | torch | sklearn | bp/torch | bp tracemalloc peak |")
        print("|---|---|---|---|---|---|")
        for dtype, m in res["memory"].items():
            get = lambda k: m.get(k, {}).get("peak_extra_mib")  # noqa: E731
            print(f"| {dtype} | {get('bp'):.1f} | {get('torch') or 0:.1f} | "
                  f"{get('sklearn') or 0:.1f} | {fmt_ratio(get('bp'), get('torch'))} | "
                  f"{m['bp'].get('tracemalloc_peak_mib', 0):.1f} |")
    if res.get("gradient"):
        g = res["gradient"]
        print("\n## Cost of a gradient (MNIST-size, batch 128, float32, 1 thread)\n")
        for k, v in g["times"].items():
            print(f"- {k}: {v * 1e6:.0f} us")
        print(f"- bp (forward+backward)/forward = {g['bp_ratio']:.2f}"
              + (f"; torch: {g['torch_ratio']:.2f}" if "torch_ratio" in g else ""))
        fd = g["fd"]
        print(f"- full gradient of the 64-32-10 net ({fd['n_params']} parameters, batch 32, "
              f"float64): backprop {fd['backprop_s'] * 1e6:.0f} us, centered differences "
              f"({fd['loss_evaluations']} losses) {fd['finite_diff_s']:.3f} s: "
              f"{fd['speedup']:.0f}x faster (relative error between them {fd['max_rel_error']:.1e})")


def targets(res):
    """Each target of the issue with its measured value."""
    out = []
    def timing(case, threads):
        return next((r for r in res["timings"] if r["case"] == case and r["threads"] == threads),
                    None)
    for case, threads, goal in (("MNIST-size float32", 1, 0.9), ("MNIST-size float32", 2, 1.0),
                                ("digits float32", 1, 0.25), ("digits float32", 2, 0.25),
                                ("MNIST-size float64", 1, 1.1), ("MNIST-size float64", 2, 1.1)):
        r = timing(case, threads)
        if r and r.get("torch"):
            v = r["bp"] / r["torch"]
            out.append((f"{case}, {threads} thread(s): bp/torch", goal, v))
    for g in res["gemm"]:
        if g["dtype"] == "float32" and g.get("bp_s"):
            out.append((f"MNIST-size float32, {g['threads']} thread(s): bp/GEMM limit", 1.3,
                        g["bp_s"] / g["limit_s"]))
    for dtype, m in res.get("memory", {}).items():
        if "torch" in m:
            out.append((f"peak memory {dtype}: bp/torch", 0.6,
                        m["bp"]["peak_extra_mib"] / m["torch"]["peak_extra_mib"]))
    if res.get("gradient"):
        out.append(("(forward+backward)/forward", 3.0, res["gradient"]["bp_ratio"]))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--quick", action="store_true", help="6,000 MNIST-size examples, 2 repeats")
    ap.add_argument("--no-sklearn", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--cases", nargs="+", default=[c[0] for c in CASES])
    ap.add_argument("--json", help="also write every number to this file")
    args = ap.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    n = 6_000 if args.quick else 60_000
    if os.environ.get("OPENBLAS_CORETYPE") or os.environ.get("OPENBLAS_L2_SIZE"):
        print("note: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set and pick a slower OpenBLAS "
              "kernel; `make bench` unsets both for this command", file=sys.stderr)
    if not HAVE_TORCH:
        print("note: torch is not installed (pip install -r benchmarks/requirements.txt); "
              "comparing with scikit-learn only", file=sys.stderr)
    t_start = time.time()
    res = {"machine": machine(), "timings": []}
    if HAVE_TORCH:
        res["trajectory"] = f"{trainers.same_trajectory():.1e}"
    res["gemm"] = gemm_rows(args.threads, args.quick)
    for threads in args.threads:
        for name, sizes, dtype, epochs, batch in CASES:
            if name in args.cases:
                row = time_case(name, sizes, dtype, epochs, batch, threads, repeats,
                                not args.no_sklearn, n)
                res["timings"].append(row)
                print(f"[{time.time() - t_start:5.0f}s] {name}, {threads} thread(s): "
                      + ", ".join(f"{k} {row[k]:.3f}s" for k in ("bp", "torch", "sklearn", "gemm")
                                  if k in row), file=sys.stderr, flush=True)
    if not args.no_memory and not args.quick:
        res["memory"] = {}
        for dtype in ("float64", "float32"):
            impls = ["bp"] + (["torch"] if HAVE_TORCH else []) + \
                ([] if args.no_sklearn else ["sklearn"])
            res["memory"][dtype] = {i: memory.measure(i, dtype) for i in impls}
    with pinned(1):
        times = gradient_cost.forward_vs_gradient(repeats=3 if args.quick else 7)
        grad = {"times": times,
                "bp_ratio": times["bp forward+backward"] / times["bp forward"],
                "fd": gradient_cost.finite_difference_speedup(repeats=1 if args.quick else 3)}
        if "torch forward" in times:
            grad["torch_ratio"] = times["torch forward+backward"] / times["torch forward"]
        res["gradient"] = grad
    res["machine"]["load average at the end"] = load()
    print_results(res)
    res["targets"] = targets(res)
    print("\n## Targets\n")
    print("| target | goal | measured | met |")
    print("|---|---|---|---|")
    for what, goal, value in res["targets"]:
        print(f"| {what} | <= {goal} | {value:.3f} | {'yes' if value <= goal else 'NO'} |")
    print(f"\n(total {time.time() - t_start:.0f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1, default=str)


if __name__ == "__main__":
    main()
