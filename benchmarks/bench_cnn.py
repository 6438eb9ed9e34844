"""A small CNN, one epoch: bp against PyTorch CPU and against a direct-loop convolution.

Conv2D(1 -> 8, 3x3) -> ReLU -> MaxPool2D(2) -> Flatten -> Dense(1352 -> 10), softmax
cross-entropy, plain SGD (lr 0.01), batch 64, one epoch of 5,000 random 28x28 float32
images, every BLAS/OpenMP pool and torch pinned to 1 thread. The three trainers see the
same batches (one seeded permutation) and start from the same weights. "loop" is bp's
network with its Conv2D replaced by the textbook loops over output positions (the
forward sum and its backward, one (i, j) at a time), to show what im2col buys.
"conv layer" times the convolution alone, the same layer both ways: forward and
backward (as the network calls it, first layer: no input gradient) on the epoch's 79
batches, without the pooling, dense layer and loss that the two networks share.

    python benchmarks/bench_cnn.py [--repeats 3] [--cpu]

``--cpu`` times CPU seconds of this process (``time.process_time``) instead of wall
seconds: on a machine shared with other jobs the wall time also counts the time the
process waited for a core, the CPU time does not (everything runs on 1 thread).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import bp  # noqa: E402
from _common import interleaved, pinned  # noqa: E402

N, BATCH, LR = 5_000, 64, 0.01


class LoopConv2D(bp.Conv2D):
    """The same layer, forward and backward as loops over the output positions."""

    def forward(self, X, check=True):
        self.X = X
        n, _, h, w = X.shape
        k = self.kernel_size[0]
        ho, wo = h - k + 1, w - k + 1
        Z = np.empty((n, self.out_channels, ho, wo), dtype=X.dtype)
        for i in range(ho):
            for j in range(wo):
                patch = X[:, :, i:i + k, j:j + k]
                Z[:, :, i, j] = np.tensordot(patch, self.W, axes=([1, 2, 3], [1, 2, 3]))
        self.Z = Z + self.b[:, None, None]
        self.A = self.activation.f(self.Z)
        return self.A

    def backward(self, grad_out, input_grad=True):
        delta = grad_out * self.activation.df(self.Z)
        k = self.kernel_size[0]
        dW = np.zeros_like(self.W)
        dX = np.zeros_like(self.X) if input_grad else None
        for i in range(delta.shape[2]):
            for j in range(delta.shape[3]):
                patch = self.X[:, :, i:i + k, j:j + k]
                dW += np.tensordot(delta[:, :, i, j], patch, axes=([0], [0]))
                if input_grad:
                    dX[:, :, i:i + k, j:j + k] += np.tensordot(delta[:, :, i, j], self.W,
                                                               axes=([1], [0]))
        self.delta, self.dW, self.db = delta, dW, delta.sum(axis=(0, 2, 3))
        return dX


def bp_net(conv_cls, seed=0):
    gen = np.random.default_rng(seed)
    return bp.Network([conv_cls(1, 8, 3, activation="relu", rng=gen, dtype=np.float32),
                       bp.MaxPool2D(2), bp.Flatten(),
                       bp.Dense(8 * 13 * 13, 10, "identity", rng=gen, dtype=np.float32)],
                      loss="softmax_cross_entropy", input_shape=(1, 28, 28))


def bp_trainer(X, y, conv_cls):
    def run():
        net = bp_net(conv_cls)
        net.fit(X, y, epochs=1, batch_size=BATCH, optimizer=bp.SGD(lr=LR), seed=0,
                progress=False)
    return run


def torch_trainer(X, y):
    import torch
    ref = bp_net(bp.Conv2D)
    conv, dense = ref.layers[0], ref.layers[3]
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def run():
        model = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(),
                                    torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                                    torch.nn.Linear(8 * 13 * 13, 10))
        with torch.no_grad():
            for p, v in zip(model.parameters(), (conv.W, conv.b, dense.W, dense.b)):
                p.copy_(torch.from_numpy(v))
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        order = torch.from_numpy(np.random.default_rng(0).permutation(N))
        for start in range(0, N, BATCH):
            idx = order[start:start + BATCH]
            out = model(Xt[idx])
            loss = torch.nn.functional.cross_entropy(out, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return run


def layer_trainer(X, conv_cls):
    """Forward and backward of a Conv2D(1 -> 8, 3x3, ReLU) over the epoch's batches."""
    layer = conv_cls(1, 8, 3, activation="relu", rng=0, dtype=np.float32)
    batches = [X[s:s + BATCH] for s in range(0, N, BATCH)]
    grads = [np.ones((len(b), 8, 26, 26), dtype=np.float32) for b in batches]

    def run():
        for xb, g in zip(batches, grads):
            layer.forward(xb)
            layer.backward(g, input_grad=False)
    return run


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cpu", action="store_true", help="CPU time instead of wall time")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    X = rng.random((N, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, N)
    fns = {"bp": bp_trainer(X, y, bp.Conv2D), "loop": bp_trainer(X, y, LoopConv2D)}
    try:
        fns["torch"] = torch_trainer(X, y)
    except ImportError:
        print("torch is not installed: bp against the loop only")
    clock = time.process_time if args.cpu else time.perf_counter
    print(f"timing {'CPU' if args.cpu else 'wall'} seconds")
    with pinned(1):
        times = interleaved(fns, args.repeats, clock=clock)
        layer_times = interleaved({"bp": layer_trainer(X, bp.Conv2D),
                                   "loop": layer_trainer(X, LoopConv2D)}, args.repeats,
                                  clock=clock)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"{k:>6}: {v:.3f} s  (all: {', '.join(f'{t:.3f}' for t in times[k])})")
    if "torch" in med:
        print(f"bp / torch = {med['bp'] / med['torch']:.2f}   (target <= 1.5)")
    print(f"bp / loop  = {med['bp'] / med['loop']:.2f}   (target <= 0.2)")
    lay = {k: statistics.median(v) for k, v in layer_times.items()}
    print(f"conv layer alone, forward + backward over the epoch: bp {lay['bp']:.3f} s, "
          f"loop {lay['loop']:.3f} s, bp / loop = {lay['bp'] / lay['loop']:.2f}")


if __name__ == "__main__":
    main()
