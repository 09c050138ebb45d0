#!/usr/bin/env python3
"""Turns the JSON of a GPU check into a Markdown summary and PNG plots.

Reads from --check-dir (the results folder of bench/gpu_check.sh): bench_layer.json and
bench_step.json (Google Benchmark), torch.json (bench/torch_compare.py), ceilings.json,
verify.txt, steps.tsv, gpu_before.csv, gpu_after.csv, context.txt and main_job_metrics.jsonl
(linact-gan's metrics of the main-job step); any of them may be missing. Writes to
--out-dir: summary.md, and with matplotlib time_vs_batch_<pass>.png and speedup_<pass>.png.

Every speedup is a ratio of medians measured in the same run: comparator time / linact time,
so above 1 means linact is faster. Layer speedups are summarised by their geometric mean.
"""

import argparse
import csv
import json
import math
import os
import statistics
import sys
from collections import defaultdict

TARGET_VS_CUBLAS = 1.3
TARGET_STEP_VS_TORCH = 3.0
PLOT_ACT = "relu"  # the activation every comparator (cuBLASLt too) has, for the time plots


def parse_name(name):
    """'layer/forward/linact/relu/G1/m:64/n:128/k:100[/iterations:N][/manual_time]' -> dict of its
    fields; Google Benchmark appends the last two."""
    parts = [p for p in name.split("/")
             if p and p != "manual_time" and not p.startswith("iterations:")]
    rec = {"name": "/".join(parts), "kind": parts[0]}
    fields = dict(p.split(":", 1) for p in parts if ":" in p)
    plain = [p for p in parts if ":" not in p]
    if rec["kind"] == "layer" and len(plain) >= 5:
        rec.update({"pass": plain[1], "impl": plain[2], "act": plain[3], "layer": plain[4],
                    "m": int(fields["m"]), "n": int(fields["n"]), "k": int(fields["k"])})
    elif rec["kind"] == "gan_step" and len(plain) >= 3:
        rec.update({"impl": plain[1], "mode": plain[2], "batch": int(fields["batch"])})
    else:
        return None
    return rec


def to_us(value, unit):
    return value * {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[unit]


def load_gbench(path, records, errors, context):
    with open(path) as f:
        doc = json.load(f)
    context.update({k: v for k, v in doc.get("context", {}).items() if isinstance(v, (str, bool))})
    for b in doc.get("benchmarks", []):
        run_name = b.get("run_name", b["name"])
        rec = parse_name(run_name)
        if rec is None:
            continue
        if b.get("error_occurred"):
            errors[rec["name"]] = b.get("error_message", "error")
            continue
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        rec["median_us"] = to_us(b["real_time"], b.get("time_unit", "ns"))
        for key in ("TFLOP/s", "GB/s", "items_per_second", "loss_d_real", "loss_d_fake",
                    "loss_g"):
            if key in b:
                rec[key] = b[key]
        records[rec["name"]] = rec


def load_torch(path, records, errors, context):
    with open(path) as f:
        doc = json.load(f)
    context.update({"torch_" + k: v for k, v in doc.get("context", {}).items()})
    for e in doc.get("errors", []):
        errors["torch: " + e] = e
    for row in doc.get("results", []):
        rec = parse_name(row["name"])
        if rec is not None:
            rec["median_us"] = row["median_us"]
            records[rec["name"]] = rec


def load_all(check_dir):
    records, errors, context = {}, {}, {}
    for name, loader in (("bench_layer.json", load_gbench), ("bench_step.json", load_gbench),
                         ("torch.json", load_torch)):
        path = os.path.join(check_dir, name)
        if os.path.exists(path):
            try:
                loader(path, records, errors, context)
            except (OSError, ValueError, KeyError) as exc:
                errors[name] = f"unreadable: {exc}"
    return records, errors, context


def geomean(values):
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def fmt(v, digits=1):
    return "-" if v is None else f"{v:.{digits}f}"


def fmt_x(v):
    return "-" if v is None else f"{v:.2f}x"


def layer_table(records):
    """{(pass, layer, m, act): {impl: median_us}} for the GAN layers and squares."""
    table = defaultdict(dict)
    gemm = {}
    for r in records.values():
        if r["kind"] != "layer":
            continue
        if r["impl"] == "cublas_gemm_only":
            gemm[(r["pass"], r["layer"], r["m"], r["n"], r["k"])] = r["median_us"]
            continue
        table[(r["pass"], r["layer"], r["m"], r["n"], r["k"], r["act"])][r["impl"]] = r["median_us"]
    return table, gemm


def best_lt(impls):
    lt = [v for k, v in impls.items() if k.startswith("cublaslt")]
    return min(lt) if lt else None


COMPARATORS = [("cuBLAS + separate kernels", lambda i: i.get("cublas")),
               ("cuBLASLt epilogue (best)", best_lt),
               ("PyTorch eager", lambda i: i.get("torch_eager")),
               ("torch.compile", lambda i: i.get("torch_compile"))]


def main_job_epochs(check_dir):
    """The epochs of main_job_metrics.jsonl (linact-gan's metrics, one JSON object a line); a
    line that does not parse ends the list, as a run stopped mid-write would leave it."""
    path = os.path.join(check_dir, "main_job_metrics.jsonl")
    epochs = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    break
                if not isinstance(record, dict):
                    break
                epochs.append(record)
    return epochs


def table_head(columns):
    """A Markdown table's header row and the separator row under it, one cell per column."""
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]


def number(record, key):
    """record[key] when it is a number, else None (absent, null or text)."""
    v = record.get(key)
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def epoch_rate(e):
    """Images per second of one main-job epoch, or None without a positive time."""
    images, seconds = number(e, "images"), number(e, "seconds")
    return images / seconds if images is not None and seconds and seconds > 0 else None


def summary_md(records, errors, context, check_dir):
    lines = []
    fixture = any(str(v).lower() == "true" for k, v in context.items() if k.endswith("fixture"))
    lines.append("# linact GPU check")
    lines.append("")
    if fixture:
        lines.append("**FIXTURE DATA: made-up numbers for testing this script, not a "
                     "measurement.**")
        lines.append("")

    lines.append("## Run")
    ctx_path = os.path.join(check_dir, "context.txt")
    if os.path.exists(ctx_path):
        with open(ctx_path) as f:
            lines += [f"- {line.strip()}" for line in f if line.strip()]
    for key in ("gpu_name", "cuda_driver_version", "cuda_runtime_version", "comparator_math",
                "timing", "torch_torch", "torch_tf32_matmul"):
        if key in context:
            lines.append(f"- {key}: {context[key]}")
    for when in ("before", "after"):
        path = os.path.join(check_dir, f"gpu_{when}.csv")
        if os.path.exists(path):
            with open(path) as f:
                rows = list(csv.reader(f))
            if len(rows) >= 2:
                lines.append(f"- nvidia-smi {when}: " + "; ".join(
                    f"{h.strip()}={v.strip()}" for h, v in zip(rows[0], rows[1])))
    lines.append("")

    steps_path = os.path.join(check_dir, "steps.tsv")
    if os.path.exists(steps_path):
        lines.append("## Steps")
        with open(steps_path) as f:
            rows = [r for r in csv.reader(f, delimiter="\t")]
        lines += table_head(rows[0])
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        lines.append("")

    ceil_path = os.path.join(check_dir, "ceilings.json")
    if os.path.exists(ceil_path):
        try:
            with open(ceil_path) as f:
                c = json.load(f)
            lines.append("## Ceilings")
            lines.append(f"- copy {fmt(c.get('copy_gbps_read_plus_write'))} GB/s (read + write); "
                         f"SGEMM fp32 {fmt(c.get('sgemm_fp32_tflops'), 2)} TFLOP/s; "
                         f"TF32 {fmt(c.get('gemm_tf32_tflops'), 2)}; "
                         f"bf16 {fmt(c.get('gemm_bf16_tflops'), 2)} "
                         f"({c.get('gemm_size')}^3, {c.get('method', '')})")
            lines.append("")
        except (OSError, ValueError) as exc:
            lines.append(f"- ceilings.json unreadable: {exc}")

    lines.append("## Headline")
    steps = defaultdict(dict)
    for r in records.values():
        if r["kind"] == "gan_step":
            steps[r["batch"]][f"{r['impl']}/{r['mode']}"] = r["median_us"]
    if steps:
        cols = ["linact/graph", "linact/eager", "cublas/graph", "cublas/eager",
                "torch_eager/eager", "torch_compile/default", "torch_compile/reduce-overhead",
                "runner/graph"]
        lines.append("GAN training step, median us per step (lower is better). runner/graph is "
                     "linact-gan's CUDA backend: the batch from host memory and the losses read "
                     "back every step; the other columns keep their data on the GPU and do not "
                     "wait.")
        lines.append("")
        lines += table_head(["batch"] + cols +
                            [f"linact graph vs torch eager (target {TARGET_STEP_VS_TORCH:.0f}x)",
                             "linact vs cublas, graph"])
        for batch in sorted(steps):
            s = steps[batch]
            lg = s.get("linact/graph")
            vs_torch = s["torch_eager/eager"] / lg if lg and "torch_eager/eager" in s else None
            vs_cublas = s["cublas/graph"] / lg if lg and "cublas/graph" in s else None
            lines.append(f"| {batch} | " + " | ".join(fmt(s.get(c)) for c in cols) +
                         f" | {fmt_x(vs_torch)} | {fmt_x(vs_cublas)} |")
        lines.append("")
    else:
        lines.append("No GAN step results.")
        lines.append("")

    job = main_job_epochs(check_dir)
    if job:
        last = job[-1]
        train_s = sum(number(e, "seconds") or 0.0 for e in job)
        rates = [r for r in (epoch_rate(e) for e in job) if r is not None]
        rate = statistics.median(rates) if rates else None
        score = (f"; score after epoch {last.get('epoch')}: {fmt(number(last, 'score'))} "
                 f"(spread {fmt(number(last, 'spread'), 2)})" if "score" in last else "")
        lines.append(f"Main job (`linact-gan train`, backend {last.get('backend', '?')}, "
                     f"Fashion-MNIST): epochs finished: {len(job)}, {fmt(train_s, 2)} s of "
                     f"training, median {fmt(rate, 0)} images/s{score}.")
        lines.append("")

    verify_path = os.path.join(check_dir, "verify.txt")
    if os.path.exists(verify_path):
        with open(verify_path) as f:
            vlines = [line.rstrip() for line in f if line.strip()]
        bad = [line for line in vlines if line.startswith("BAD")]
        lines.append("Same function check (`linact_bench_layer_gpu --verify`): " +
                     (vlines[-1] if vlines else "no output"))
        lines += ["    " + line for line in bad[:20]]
        lines.append("")

    table, gemm = layer_table(records)
    gan = {k: v for k, v in table.items() if k[1] != "S" and "linact" in v}
    if gan:
        lines.append("Layers, speedup of linact (comparator time / linact time, geometric mean "
                     "over the GAN layers and activations measured; slower cases counted):")
        lines.append("")
        lines += table_head(["pass", "batch"] + [c for c, _ in COMPARATORS])
        for p in ("forward", "backward"):
            for batch in sorted({k[2] for k in gan}):
                cells = []
                for _, pick in COMPARATORS:
                    ratios = [pick(i) / i["linact"] for k, i in gan.items()
                              if k[0] == p and k[2] == batch and pick(i)]
                    slower = sum(1 for r in ratios if r < 1)
                    cells.append(f"{fmt_x(geomean(ratios))} ({slower}/{len(ratios)} slower)"
                                 if ratios else "-")
                lines.append(f"| {p} | {batch} | " + " | ".join(cells) + " |")
        lines.append("")
        lines.append(f"Targets: at least {TARGET_VS_CUBLAS}x over cuBLAS + separate kernels on the "
                     "GAN shapes; at least on par with cuBLASLt's epilogues.")
        lines.append("")
    else:
        lines.append("No layer results for linact.")
        lines.append("")

    if table:
        lines.append("## Layer detail (median us)")
        lines.append("")
        lines += table_head(["pass", "layer", "m", "n", "k", "act", "linact", "cublas",
                             "gemm only", "cublaslt best", "torch eager", "torch compile",
                             "vs cublas", "vs cublaslt"])
        for key in sorted(table, key=lambda k: (k[0] != "forward", k[1] == "S", k[1], k[2], k[5])):
            p, layer, m, n, k, act = key
            i = table[key]
            lin = i.get("linact")
            lt = best_lt(i)
            lines.append(
                f"| {p} | {layer} | {m} | {n} | {k} | {act} | {fmt(lin)} | {fmt(i.get('cublas'))} "
                f"| {fmt(gemm.get((p, layer, m, n, k)))} | {fmt(lt)} | {fmt(i.get('torch_eager'))} "
                f"| {fmt(i.get('torch_compile'))} "
                f"| {fmt_x(i['cublas'] / lin if lin and i.get('cublas') else None)} "
                f"| {fmt_x(lt / lin if lin and lt else None)} |")
        lines.append("")

    if job:
        lines.append("## Main job, per epoch")
        lines.append("")
        lines += table_head(["epoch", "seconds", "images/s", "d_loss", "g_loss", "D(x)",
                             "D(G(z))", "score", "spread"])
        for e in job:
            lines.append(f"| {e.get('epoch')} | {fmt(number(e, 'seconds'), 2)} "
                         f"| {fmt(epoch_rate(e), 0)} "
                         f"| {fmt(number(e, 'd_loss'), 4)} | {fmt(number(e, 'g_loss'), 4)} "
                         f"| {fmt(number(e, 'd_real'), 3)} | {fmt(number(e, 'd_fake'), 3)} "
                         f"| {fmt(number(e, 'score'))} | {fmt(number(e, 'spread'), 2)} |")
        lines.append("")

    if errors:
        lines.append("## Errors and skipped cases")
        by_msg = defaultdict(list)
        for name, msg in errors.items():
            by_msg[msg].append(name)
        for msg, names in sorted(by_msg.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"- {len(names)} case(s): {msg} (first: {names[0]})")
        lines.append("")
    return "\n".join(lines) + "\n"


def plots(records, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ["matplotlib not available: plots skipped"]
    table, gemm = layer_table(records)
    written = []
    for p in ("forward", "backward"):
        layers = sorted({k[1] for k in table if k[0] == p and k[1] != "S"})
        if not layers:
            continue
        fig, axes = plt.subplots(2, 4, figsize=(16, 8), squeeze=False)
        for ax, layer in zip(axes.flat, layers):
            keys = sorted(k for k in table if k[0] == p and k[1] == layer and k[5] == PLOT_ACT)
            series = defaultdict(list)
            for key in keys:
                i = dict(table[key])
                lt = best_lt(i)
                if lt is not None:
                    i["cublaslt best"] = lt
                g = gemm.get(key[:5])
                if g is not None:
                    i["gemm only"] = g
                for impl in ("linact", "cublas", "cublaslt best", "gemm only", "torch_eager"):
                    if impl in i:
                        series[impl].append((key[2], i[impl]))
            for impl, pts in series.items():
                ax.plot(*zip(*sorted(pts)), marker="o", label=impl)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_title(f"{layer} ({PLOT_ACT}, {p})")
            ax.set_xlabel("batch")
            ax.set_ylabel("median us")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
        fig.tight_layout()
        path = os.path.join(out_dir, f"time_vs_batch_{p}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

        fig, axes = plt.subplots(1, len(COMPARATORS), figsize=(5 * len(COMPARATORS), 4),
                                 squeeze=False)
        for ax, (label, pick) in zip(axes.flat, COMPARATORS):
            for layer in layers:
                pts = []
                for batch in sorted({k[2] for k in table if k[0] == p and k[1] == layer}):
                    ratios = [pick(i) / i["linact"] for k, i in table.items()
                              if k[0] == p and k[1] == layer and k[2] == batch and "linact" in i
                              and pick(i)]
                    if ratios:
                        pts.append((batch, geomean(ratios)))
                if pts:
                    ax.plot(*zip(*pts), marker="o", label=layer)
            ax.axhline(1.0, color="gray", lw=0.8)
            if label.startswith("cuBLAS +"):
                ax.axhline(TARGET_VS_CUBLAS, color="red", lw=0.8, ls="--")
            ax.set_xscale("log", base=2)
            ax.set_title(f"vs {label} ({p})")
            ax.set_xlabel("batch")
            ax.set_ylabel("speedup of linact")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
        fig.tight_layout()
        path = os.path.join(out_dir, f"speedup_{p}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check-dir", required=True, help="results folder of a GPU check")
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--no-plots", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    records, errors, context = load_all(args.check_dir)
    md = summary_md(records, errors, context, args.check_dir)
    notes = [] if args.no_plots else plots(records, args.out_dir)
    with open(os.path.join(args.out_dir, "summary.md"), "w") as f:
        f.write(md)
        for n in notes:
            f.write(f"\n{'Plot: ' if n.endswith('.png') else ''}{os.path.basename(n)}\n")
    print(f"{len(records)} results, {len(errors)} errors -> {args.out_dir}/summary.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
