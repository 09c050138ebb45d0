#!/usr/bin/env python3
"""PyTorch side of the GPU comparison: the default GAN's training step and the Linear layer ops
that bench/gpu times for linact, in eager mode and with torch.compile.

Names follow the Google Benchmark suites so bench/plot_results.py reads both alike:
  gan_step/torch_eager/eager/batch:B
  gan_step/torch_compile/<mode>/batch:B        G and D compiled; BCE and Adam eager
  layer/<forward|backward>/torch_eager/<act>/<layer>/m:../n:../k:..
  layer/<forward|backward>/torch_compile/<act>/<layer>/m:../n:../k:..

Timing: CUDA events around each iteration, the median of the iterations reported, after a
warm-up. Layer inputs rotate over sets spanning 4x the L2 size, as in bench/gpu, and a short
sleep kernel is queued first so the events measure device time. Steps are timed end to end with
nothing queued ahead (host overhead included, as in training). The JSON is rewritten after every
section, so a run stopped by its time limit keeps what it measured.

Usage: torch_compare.py --out torch.json [--budget-s 75] [--device cpu]
--device cpu is for rehearsing the script where no GPU is present: host timers replace the
events, and every name carries "_cpu" after the implementation so no CPU number can pass for a
GPU result.
"""

import argparse
import json
import math
import statistics
import sys
import time

GAN_LAYERS = [("G1", 128, 100), ("G2", 256, 128), ("G3", 512, 256), ("G4", 784, 512),
              ("D1", 512, 784), ("D2", 256, 512), ("D3", 128, 256), ("D4", 1, 128)]
GAN_BATCHES = [64, 256, 1024, 4096]
STEP_BATCHES = [64, 256]
LEAKY_SLOPE = 0.2
# Compiled layer cases: a few activations, dynamic shapes so each compiles once.
COMPILED_ACTS = ["relu", "gelu_tanh"]
COMPILED_BATCHES = [256, 4096]


def activation(name, F):
    return {
        "identity": lambda z: z,
        "relu": F.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, LEAKY_SLOPE),
        "sigmoid": lambda z: z.sigmoid(),
        "tanh": lambda z: z.tanh(),
        "gelu": lambda z: F.gelu(z),
        "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
        "silu": F.silu,
    }[name]


ACTIVATIONS = ["identity", "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "gelu_tanh", "silu"]


class Run:
    def __init__(self, path, budget_s, device):
        self.device = device
        self.suffix = "" if device == "cuda" else "_" + device
        self.path = path
        self.deadline = time.monotonic() + budget_s
        self.doc = {"context": {}, "results": [], "errors": []}

    def time_left(self):
        return self.deadline - time.monotonic()

    def add(self, name, samples_s, extra=None):
        samples_us = sorted(s * 1e6 for s in samples_s)
        row = {"name": name, "median_us": statistics.median(samples_us),
               "min_us": samples_us[0], "iterations": len(samples_us)}
        row.update(extra or {})
        self.doc["results"].append(row)

    def error(self, where, exc):
        msg = f"{where}: {type(exc).__name__}: {exc}"
        print(msg, file=sys.stderr)
        self.doc["errors"].append(msg)

    def save(self):
        with open(self.path, "w") as f:
            json.dump(self.doc, f, indent=1)


def event_times(torch, fn, iterations, warmup, queue_ahead, device="cuda"):
    """Seconds per call of fn(i), one CUDA-event pair per call (host timer on the CPU)."""
    for i in range(warmup):
        fn(i)
    times = []
    if device != "cuda":
        for i in range(warmup, warmup + iterations):
            t0 = time.perf_counter()
            fn(i)
            times.append(time.perf_counter() - t0)
        return times
    torch.cuda.synchronize()
    sleep = getattr(torch.cuda, "_sleep", None)
    for i in range(warmup, warmup + iterations):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        if queue_ahead and sleep is not None:
            sleep(100_000)  # about 50 us of GPU cycles: the calls below are queued behind it
        start.record()
        fn(i)
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) * 1e-3)
    return times


def layer_sets(torch, m, n, k, l2_bytes, dev):
    per_set = 4 * (m * k + n * k + n + 2 * m * n)
    count = max(2, math.ceil(4 * l2_bytes / per_set))
    sets = []
    for _ in range(count):
        x = torch.empty(m, k, device=dev).uniform_(-1, 1).requires_grad_()
        w = torch.empty(n, k, device=dev).uniform_(-1, 1).requires_grad_()
        b = torch.empty(n, device=dev).uniform_(-1, 1).requires_grad_()
        dy = torch.empty(m, n, device=dev).uniform_(-1, 1)
        sets.append((x, w, b, dy))
    return sets


def iterations_for(m, n, k, passes):
    seconds = passes * 2 * m * n * k / 20e12 + 10e-6
    return int(min(50, max(5, math.ceil(2e-3 / seconds))))


def bench_layers(torch, F, run, mode, acts, batches, l2_bytes):
    for batch in batches:
        for layer, n, k in GAN_LAYERS:
            sets = None
            for act in acts:
                if run.time_left() < 5:
                    return
                f = activation(act, F)

                def fwd(x, w, b, f=f):
                    return f(F.linear(x, w, b))

                fn = torch.compile(fwd, dynamic=True) if mode == "torch_compile" else fwd
                try:
                    if sets is None:
                        sets = layer_sets(torch, batch, n, k, l2_bytes, run.device)
                    iters = iterations_for(batch, n, k, 1)
                    with torch.no_grad():
                        t = event_times(torch, lambda i: fn(*sets[i % len(sets)][:3]), iters, 3,
                                        True, run.device)
                    suffix = f"{run.suffix}/{act}/{layer}/m:{batch}/n:{n}/k:{k}"
                    run.add(f"layer/forward/{mode}" + suffix, t)
                    graphs = [fn(*s[:3]) for s in sets]

                    def backward(i):
                        x, w, b, dy = sets[i % len(sets)]
                        torch.autograd.grad(graphs[i % len(sets)], (x, w, b), dy,
                                            retain_graph=True)

                    t = event_times(torch, backward, iterations_for(batch, n, k, 2), 3, True,
                                    run.device)
                    run.add(f"layer/backward/{mode}" + suffix, t)
                    del graphs
                except Exception as exc:  # record and go on: one failure must not end the run
                    run.error(f"{mode} {act} {layer} batch {batch}", exc)
        run.save()


def gan_models(torch, nn, dev):
    g = nn.Sequential(nn.Linear(100, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(),
                      nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784), nn.Tanh()).to(dev)
    d = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(LEAKY_SLOPE), nn.Linear(512, 256),
                      nn.LeakyReLU(LEAKY_SLOPE), nn.Linear(256, 128), nn.LeakyReLU(LEAKY_SLOPE),
                      nn.Linear(128, 1)).to(dev)
    return g, d


def bench_step(torch, nn, run, mode, batch):
    if run.time_left() < 10:
        run.doc["errors"].append(f"step {mode} batch {batch}: not run, time budget spent")
        return
    torch.manual_seed(0)
    dev = run.device
    g, d = gan_models(torch, nn, dev)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    gm, dm = g, d
    if mode != "eager":
        gm = torch.compile(g, mode=mode)
        dm = torch.compile(d, mode=mode)
    bce = nn.BCEWithLogitsLoss()
    real = torch.empty(batch, 784, device=dev).uniform_(-1, 1)
    ones = torch.ones(batch, 1, device=dev)
    zeros = torch.zeros(batch, 1, device=dev)
    losses = {}

    def step(_):
        noise = torch.randn(batch, 100, device=dev)
        fake = gm(noise)
        logits = dm(torch.cat([real, fake.detach()]))
        loss_d = bce(logits[:batch], ones) + bce(logits[batch:], zeros)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # Only G's gradients, as linact's step computes them.
        loss_g = bce(dm(fake), ones)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward(inputs=list(g.parameters()))
        opt_g.step()
        losses["d"], losses["g"] = loss_d, loss_g

    impl = "torch_eager" if mode == "eager" else "torch_compile"
    t = event_times(torch, step, 30, 10, False, dev)
    run.add(f"gan_step/{impl}{run.suffix}/{mode}/batch:{batch}", t,
            {"images_per_s": batch / statistics.median(t), "loss_d": float(losses["d"]),
             "loss_g": float(losses["g"])})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget-s", type=float, default=75.0)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    args = ap.parse_args()
    run = Run(args.out, args.budget_s, args.device)
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except ImportError as exc:
        run.error("import torch", exc)
        run.save()
        return 2
    if args.device == "cuda" and not torch.cuda.is_available():
        run.error("torch.cuda", RuntimeError("no GPU: torch.cuda.is_available() is False"))
        run.save()
        return 2

    l2_bytes = 50 << 20
    run.doc["context"] = {"torch": torch.__version__, "device": args.device,
                          "adam": "torch.optim.Adam defaults (foreach on CUDA)"}
    if args.device == "cuda":
        props = torch.cuda.get_device_properties(0)
        l2_bytes = getattr(props, "L2_cache_size", l2_bytes)
        run.doc["context"].update({"cuda": torch.version.cuda, "gpu_name": props.name,
                                   "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
                                   "l2_bytes": l2_bytes})
    run.save()

    sections = [("step eager", lambda: [bench_step(torch, nn, run, "eager", b)
                                        for b in STEP_BATCHES]),
                ("layers eager", lambda: bench_layers(torch, F, run, "torch_eager", ACTIVATIONS,
                                                      GAN_BATCHES, l2_bytes)),
                ("step compiled", lambda: [bench_step(torch, nn, run, m, b)
                                           for m in ("default", "reduce-overhead")
                                           for b in STEP_BATCHES]),
                ("layers compiled", lambda: bench_layers(torch, F, run, "torch_compile",
                                                         COMPILED_ACTS, COMPILED_BATCHES,
                                                         l2_bytes))]
    for label, section in sections:
        if run.time_left() < 5:
            run.doc["errors"].append(f"{label}: not run, time budget spent")
            continue
        t0 = time.monotonic()
        try:
            section()
        except Exception as exc:
            run.error(label, exc)
        print(f"{label}: {time.monotonic() - t0:.1f} s", flush=True)
        run.save()
    run.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
