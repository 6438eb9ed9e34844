"""How long bp.symbolic takes to derive and prove backprop for small networks (issue 3).

For each network, in a *fresh* Python process (so SymPy's caches start empty, as in a
chapter's first cell) and after ``import bp.symbolic``, time

* derive: build the symbolic network, the brute-force gradients (``sympy.diff`` of
  the whole loss) and the backprop recursion;
* prove:  ``net.prove()``, every weight and bias entry shown equal;
* lambdify: compile the backprop gradients to NumPy (``net.gradient_function()``).

The time reported is the median over ``--repeats`` fresh processes. The target is
"derive and prove the 2-3-2 network" in under 5 s.

    python benchmarks/bench_symbolic.py [--repeats 3] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

#: (sizes, activations, loss); the first is the headline 2-3-2 case.
CASES = [
    ((2, 3, 2), ("sigmoid", "sigmoid"), "mse"),
    ((2, 3, 2), ("tanh", "tanh"), "mse"),
    ((2, 3, 2), ("identity", "identity"), "mse"),
    ((2, 3, 2), ("sigmoid", "softmax"), "cross_entropy"),
    ((2, 3, 2), ("tanh", "softmax"), "cross_entropy"),
    ((2, 2, 1), ("sigmoid", "sigmoid"), "mse"),
    ((2, 2, 2), ("sigmoid", "sigmoid"), "mse"),
]
TARGET_SECONDS = 5.0

CHILD = """
import json, sys, time
import bp.symbolic as bps
sizes, acts, loss = json.loads(sys.argv[1])
t0 = time.perf_counter()
net = bps.SymbolicNetwork(sizes, acts, loss)
net.brute_force_gradients(); net.backprop_gradients()
t1 = time.perf_counter()
proof = net.prove()
t2 = time.perf_counter()
net.gradient_function()
t3 = time.perf_counter()
print(json.dumps({"derive": t1 - t0, "prove": t2 - t1, "lambdify": t3 - t2,
                  "proved": bool(proof), "methods": dict(proof.methods)}))
"""


def run_case(case, repeats: int) -> dict:
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(case)],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout))
    row = {"network": "-".join(map(str, case[0])), "activations": "/".join(case[1]),
           "loss": case[2], "proved": all(r["proved"] for r in runs),
           "methods": runs[0]["methods"]}
    for key in ("derive", "prove", "lambdify"):
        row[key] = statistics.median(r[key] for r in runs)
    row["derive+prove"] = statistics.median(r["derive"] + r["prove"] for r in runs)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    rows = [run_case(case, args.repeats) for case in CASES]
    print(f"bp.symbolic, median of {args.repeats} fresh processes "
          f"(load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs)")
    print(f"{'network':<8}{'activations':<18}{'loss':<15}{'derive':>8}{'prove':>8}"
          f"{'derive+prove':>14}{'lambdify':>10}  proved")
    for r in rows:
        print(f"{r['network']:<8}{r['activations']:<18}{r['loss']:<15}{r['derive']:>7.2f}s"
              f"{r['prove']:>7.2f}s{r['derive+prove']:>13.2f}s{r['lambdify']:>9.2f}s  "
              f"{r['proved']}")
    worst = max(r["derive+prove"] for r in rows if r["network"] == "2-3-2")
    ok = worst < TARGET_SECONDS and all(r["proved"] for r in rows)
    print(f"slowest 2-3-2 derive+prove: {worst:.2f} s (target < {TARGET_SECONDS:.0f} s): "
          f"{'OK' if ok else 'MISSED'}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
