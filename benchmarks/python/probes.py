"""Probes of this machine: each CPU's speed, and the reference's library (Debian's python3-torch, OpenBLAS):

  python3 probes.py cpus [REPEATS]             each CPU this process may run on, one after the other:
      the same single-threaded loop pinned to it, the best of REPEATS (default 5) timings; prints
      "cpu_ms=0:104,1:190" and "cpu_speed_ratio=0.55" (the slowest CPU's speed over the fastest's). The
      hypervisor does not report the time it takes from a virtual CPU as steal here, so this is how a
      slow CPU shows; benchmarks/run probes before every run of either side. Needs no torch.

  python3 probes.py drift [SECONDS] [THREADS]   each second: 0.5 s of 1024 x 1024 float32 matrix
      multiplies, then 0.5 s of ReLU over 16 MiB (a new output each call, as a training step's layers
      make them); prints both series' spread. MachineDrift does the same beside our training.
  python3 probes.py dense [THREADS]            the CIFAR-10 CNN's first dense layer (batch 128,
      4 096 -> 256): the forward product and the backward's two (weight's and input's gradients), in
      milliseconds. DenseLayerForms times ours.

Run as benchmarks/run runs the reference: OMP_NUM_THREADS=THREADS OPENBLAS_NUM_THREADS=1.
"""
import os
import statistics
import sys
import time


def rate(fn, work, seconds):
    n, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        fn()
        n += 1
    return n * work / (time.perf_counter() - started)


def spread(name, values):
    print("%s: min %.0f, median %.0f, max %.0f, slowest/fastest %.2f"
          % (name, min(values), statistics.median(values), max(values), min(values) / max(values)))


def loop_seconds():
    started, total = time.perf_counter(), 0
    for i in range(1_000_000):
        total += i * i
    return time.perf_counter() - started


def cpus(repeats):
    allowed = sorted(os.sched_getaffinity(0))
    ms = {}
    try:
        for cpu in allowed:
            os.sched_setaffinity(0, {cpu})
            ms[cpu] = min(loop_seconds() for _ in range(repeats)) * 1000
    finally:
        os.sched_setaffinity(0, allowed)
    print("cpu_ms=" + ",".join("%d:%.0f" % (c, v) for c, v in ms.items()))
    print("cpu_speed_ratio=%.2f" % (min(ms.values()) / max(ms.values())))


def drift(seconds, threads):
    import torch
    torch.set_num_threads(threads)
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    x = torch.randn(4 * 1024 * 1024)
    gemm, relu = [], []
    for _ in range(seconds):
        gemm.append(rate(lambda: torch.mm(a, b), 2 * 1024 ** 3, 0.5) / 1e9)
        relu.append(rate(lambda: torch.relu(x), 2 * 4 * x.numel(), 0.5) / 1e9)
    spread("GEMM GFLOP/s", gemm)
    spread("ReLU 16 MiB GB/s", relu)


def dense(threads):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    x, w, g = torch.randn(128, 4096), torch.randn(256, 4096), torch.randn(128, 256)
    for r in range(1, 5):
        forward = backward = 0.0
        for _ in range(100):
            started = time.perf_counter()
            F.linear(x, w)
            forward += time.perf_counter() - started
            started = time.perf_counter()
            g.t().mm(x)
            g.mm(w)
            backward += time.perf_counter() - started
        print("round %d: forward %.2f ms, backward's two products %.2f ms" % (r, forward * 10, backward * 10))


if __name__ == "__main__":
    if sys.argv[1:2] == ["cpus"]:
        cpus(int(sys.argv[2]) if len(sys.argv) > 2 else 5)
    elif sys.argv[1:2] == ["drift"]:
        drift(int(sys.argv[2]) if len(sys.argv) > 2 else 40, int(sys.argv[3]) if len(sys.argv) > 3 else 2)
    elif sys.argv[1:2] == ["dense"]:
        dense(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    else:
        print(__doc__)
        sys.exit(2)
