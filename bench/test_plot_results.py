#!/usr/bin/env python3
"""Checks bench/plot_results.py on the fixture in bench/fixtures/gpu_check_fixture (made-up
numbers): medians are picked over means, ratios are comparator / linact, errors are listed, the
fixture banner is shown, and the plots are written when matplotlib is present."""

import importlib.util
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    fixture = os.path.join(HERE, "fixtures", "gpu_check_fixture")
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, os.path.join(HERE, "plot_results.py"), "--check-dir",
                        fixture, "--out-dir", out], check=True)
        with open(os.path.join(out, "summary.md")) as f:
            md = f.read()
        expect = {
            "fixture banner": "FIXTURE DATA",
            "step vs torch eager, 400 / 100 us": "| 4.00x |",
            "step vs cublas graph, 150 / 100 us": "| 1.50x |",
            "runner step column, after the compiled ones": "| 130.0 | 4.00x |",
            "main job line: 2 whole epochs, 3 s, median of 30000 and 60000 images/s":
            "epochs finished: 2, 3.00 s of training, median 45000 images/s; score after epoch 2: "
            "100.0 (spread 0.40)",
            "main job epoch row": "| 2 | 1.00 | 60000 | 1.1000 | 0.9000 | 0.700 | 0.400 | 100.0 "
            "| 0.40 |",
            "G1 batch 64 relu forward row, medians not means": "| forward | G1 | 64 | 128 | 100 | "
            "relu | 10.0 | 20.0 | 8.0 | 12.0 | 25.0 | - | 2.00x | 1.20x |",
            "slower case counted at batch 256 (16 vs 12 us)": "0.75x (1/1 slower)",
            "skipped cuBLASLt case listed": "cuBLASLt offers no algorithm",
            "torch error listed": "layers compiled: not run",
            "steps table": "| tests | FAILED | 3 |",
            "verify result and its bad line": "1 of 2 comparisons beyond tolerance",
            "verify bad line": "BAD  backward tanh",
        }
        failed = [f"{what}: {text!r} not in summary.md" for what, text in expect.items()
                  if text not in md]
        if importlib.util.find_spec("matplotlib") is not None:
            for png in ("time_vs_batch_forward.png", "speedup_forward.png",
                        "time_vs_batch_backward.png", "speedup_backward.png"):
                if not os.path.getsize(os.path.join(out, png)) > 0:
                    failed.append(f"{png} not written")
        else:
            print("matplotlib not installed: plots not checked")
        if failed:
            print(md)
            print("\n".join(failed))
            return 1
    print("plot_results.py reads the fixture as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
