#!/usr/bin/env bash
# Builds linact and runs every test: the full suite on the emulator under both scheduling
# policies, the installed-package consumer, the ASan + UBSan build of the emulated tests, then a
# short libFuzzer run of the file readers, then the main job's command for one short epoch.
# Usage: scripts/test.sh    (build folders: build/release, build/asan, build/fuzz, build/runner)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

jobs=$(nproc)

echo "== release build (nvcc flavour + emulated flavour + tests + benchmarks)"
cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

echo "== sm_90 resource report of the kernels (the ptxas_spills test above fails on any spill)"
scripts/ptxas-report.sh build/release

echo "== ASan + UBSan build of the emulated tests"
cmake --preset asan
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

echo "== fuzzing the IDX and checkpoint readers briefly (libFuzzer)"
scripts/fuzz.sh 10

echo "== the main job's command, one short epoch (scripts/train.sh, build/runner)"
scripts/train.sh --epochs 1 --limit 2048 --score-samples 0 --out build/train-smoke --overwrite
test -s build/train-smoke/samples_epoch_001.png
test -s build/train-smoke/epoch_001.ckpt

echo "== all tests passed"
