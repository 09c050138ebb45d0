#!/usr/bin/env bash
# The main job: builds linact-gan and trains the default MLP GAN on Fashion-MNIST for 10 epochs,
# writing sample grids, metrics and checkpoints to out/gan and printing the score per epoch.
# Extra arguments go to `linact-gan train` (for example --backend cpu or --epochs 3).
set -euo pipefail
cd "$(dirname "$0")/.."

# Without the CUDA toolkit the runner builds with its CPU backend only (preset runner-cpu).
scripts/install-deps.sh --cuda-optional
preset=runner
if [[ ! -x /usr/local/cuda/bin/nvcc ]]; then preset=runner-cpu; fi

cmake --preset "$preset"
cmake --build --preset "$preset" -j "$(nproc)" --target linact-gan

# Idle OpenMP threads sleep after a short spin instead of a long one: on shared cores a long spin
# made a batch-64 step 27x slower (host/README.md, "Threads").
export GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-10000}"
exec "build/$preset/host/linact-gan" train --epochs 10 --out out/gan "$@"
