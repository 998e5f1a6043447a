#!/usr/bin/env python3
"""Sums oneDNN's per-primitive execution times from a run with ONEDNN_VERBOSE=1 (libtorch 2.x, ours) or
DNNL_VERBOSE=1 (PyTorch 1.13, the reference): milliseconds per training step for each primitive,
implementation, layout and problem, over the second half of the run (the first half is warm-up).

    ONEDNN_VERBOSE=1 java -Dai.djl.pytorch.num_threads=1 -jar benchmarks/target/benchmarks.jar forda 5 10 > ours.log
    DNNL_VERBOSE=1 OMP_NUM_THREADS=1 python3 benchmarks/python/reference.py forda 5 10 --threads 1 > ref.log
    benchmarks/python/onednn_verbose.py ours.log 15      # 15 = the steps the run made (warm-up + timed)
"""
import collections
import sys


def layouts(descriptors):
    # oneDNN 3: "src:f32:a:blocked:acdb::f0"; oneDNN 2: "src_f32::blocked:acdb:f0"
    out = []
    for d in descriptors.split(" "):
        parts = d.replace("_f32", ":f32").split(":")
        tags = [p for p in parts[1:] if p and p[0] in "aAbB" and p not in ("a", "ap", "p", "blocked")]
        out.append(parts[0] + ":" + (tags[0] if tags else "-"))
    return " ".join(out)


def main():
    path, steps = sys.argv[1], int(sys.argv[2])
    times = collections.defaultdict(list)
    for line in open(path, errors="replace"):
        fields = line.strip().split(",")
        if "verbose" not in fields[0] or "exec" not in fields[:5]:
            continue
        fields = fields[fields.index("exec") + 1:]  # engine, primitive, impl, prop, memory, attr, aux, problem, time
        key = (fields[1], fields[2], fields[3], layouts(fields[4]), fields[-2])
        times[key].append(float(fields[-1]))
    rows = []
    for key, t in times.items():
        steady = t[len(t) // 2:]
        rows.append((sum(steady) / (steps / 2), len(steady), sum(steady) / len(steady), key))
    rows.sort(reverse=True)
    print(f"{'ms/step':>8} {'calls':>5} {'ms/call':>8}  primitive, implementation, propagation, problem, layouts")
    for per_step, calls, per_call, (prim, impl, prop, lay, problem) in rows[:25]:
        print(f"{per_step:8.2f} {calls:5d} {per_call:8.2f}  {prim} {impl} {prop} {problem} {lay}")
    print(f"total ms/step: {sum(r[0] for r in rows):.1f}")


if __name__ == "__main__":
    main()
