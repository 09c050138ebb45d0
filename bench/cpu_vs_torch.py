#!/usr/bin/env python3
"""One training step of the default GAN: linact's CPU backend against PyTorch, side by side.

linact's side is the Google Benchmark executable bench_cpu_train_step (JSON output); PyTorch's
is the step of bench/torch_gan_reference.py (the same model, losses and Adam), timed here with
torch.set_num_threads set explicitly. The configurations (batch 64 on 1 and 2 threads, batch 256
on 2 threads) run interleaved, linact then PyTorch, for --rounds rounds, so a change in the
machine's load hits both sides alike; the table gives the median over rounds of each side's
per-step time and the ratio PyTorch / linact (above 1: linact is faster).

PyTorch must run on OpenBLAS, not the reference BLAS that Debian's generic libblas.so.3 may be:
the script prints which library torch's process mapped for BLAS and refuses the reference one.

Usage: cpu_vs_torch.py [--bench build/release/bench/cpu/bench_cpu_train_step] [--rounds 3]
                       [--python /usr/bin/python3]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CONFIGS = [(64, 1), (64, 2), (256, 2)]
HERE = os.path.dirname(os.path.abspath(__file__))


def torch_step_ms(batch, threads, seconds):
    """Runs in the child process: median milliseconds of one training step."""
    import torch
    from torch import nn

    sys.path.insert(0, HERE)
    import torch_gan_reference as ref

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    G, D = ref.generator(), ref.discriminator()
    opt_g, opt_d = ref.adam(G, 2e-4), ref.adam(D, 2e-4)
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 784) * 2 - 1
    z = torch.randn(batch, ref.G_WIDTHS[0])

    def step():
        ref.train_step(G, D, opt_g, opt_d, bce, real, z)

    for _ in range(5):
        step()
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 10:
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    with open("/proc/self/maps") as f:
        blas = sorted({line.split()[-1] for line in f if "blas" in line.split()[-1]})
    return statistics.median(times) * 1e3, torch.get_num_threads(), blas


def run_torch(python, batch, threads, seconds):
    out = subprocess.run([python, __file__, "--child", str(batch), str(threads), str(seconds)],
                         check=True, capture_output=True, text=True).stdout
    ms, got_threads, blas = json.loads(out.strip().splitlines()[-1])
    if got_threads != threads:
        sys.exit(f"PyTorch ran on {got_threads} threads where {threads} were set")
    if not any("openblas" in path for path in blas):
        sys.exit(f"PyTorch's BLAS is {blas}, not OpenBLAS: select it with update-alternatives "
                 "--config libblas.so.3-x86_64-linux-gnu (see bench/README.md)")
    return ms, blas


def run_linact(bench, batch, threads, seconds):
    out = subprocess.run([bench, f"--benchmark_filter=^train_step/batch:{batch}/threads:{threads}/",
                          "--benchmark_format=json", f"--benchmark_min_time={seconds}"],
                         check=True, capture_output=True, text=True).stdout
    runs = json.loads(out)["benchmarks"]
    if len(runs) != 1:
        sys.exit(f"{bench}: expected one result for batch {batch}, threads {threads}, got "
                 f"{len(runs)}")
    r = runs[0]
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[r["time_unit"]]
    return r["real_time"] * scale


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(torch_step_ms(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--bench", default=os.path.join(HERE, "..", "build", "release", "bench", "cpu",
                                                   "bench_cpu_train_step"))
    p.add_argument("--python", default="/usr/bin/python3", help="the Python that has torch")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=2.0, help="timing per side and round")
    a = p.parse_args()
    if not os.access(a.bench, os.X_OK):
        sys.exit(f"--bench {a.bench} is not an executable: build the target "
                 "bench_cpu_train_step (cmake --build --preset release --target "
                 "bench_cpu_train_step) or pass its path")

    linact = {c: [] for c in CONFIGS}
    torch_ms = {c: [] for c in CONFIGS}
    blas = None
    for r in range(a.rounds):
        for batch, threads in CONFIGS:
            linact[(batch, threads)].append(run_linact(a.bench, batch, threads, a.seconds))
            ms, blas = run_torch(a.python, batch, threads, a.seconds)
            torch_ms[(batch, threads)].append(ms)
        print(f"round {r + 1}/{a.rounds} done", file=sys.stderr, flush=True)

    print(f"PyTorch BLAS: {', '.join(blas)}; GOMP_SPINCOUNT="
          f"{os.environ.get('GOMP_SPINCOUNT', '(unset)')}; median of {a.rounds} rounds")
    print("| batch | threads | linact CPU ms/step | PyTorch ms/step | PyTorch / linact |")
    print("|------:|--------:|-------------------:|----------------:|-----------------:|")
    for batch, threads in CONFIGS:
        lm = statistics.median(linact[(batch, threads)])
        tm = statistics.median(torch_ms[(batch, threads)])
        print(f"| {batch} | {threads} | {lm:.2f} | {tm:.2f} | {tm / lm:.2f} |")


if __name__ == "__main__":
    main()
