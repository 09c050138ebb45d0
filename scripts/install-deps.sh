#!/usr/bin/env bash
# Installs what linact needs to build, test and train, from Debian's packages. Idempotent: when
# everything is present it changes nothing and touches no network. Needs root (or sudo).
# The CUDA 13 toolkit is expected in its standard place, /usr/local/cuda.
# Usage: scripts/install-deps.sh [--cuda-optional]
#   --cuda-optional  a missing toolkit is a note, not an error (the CPU-only runner build)
set -euo pipefail

cuda_optional=0
case "${1:-}" in
  "") ;;
  --cuda-optional) cuda_optional=1 ;;
  *)
    echo "install-deps: unknown argument '$1': give no argument, or --cuda-optional" >&2
    exit 2
    ;;
esac

packages=(
  build-essential cmake ninja-build pkg-config python3
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-context-dev
  python3-matplotlib
  libopenblas-dev libopenblas-openmp-dev
  libcli11-dev nlohmann-json3-dev zlib1g-dev libpng-dev libeigen3-dev
  dataset-fashion-mnist
  clang clang-format libclang-rt-14-dev git
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
fi

if [[ ! -x /usr/local/cuda/bin/nvcc ]]; then
  if ((cuda_optional)); then
    echo "install-deps: /usr/local/cuda/bin/nvcc not found: building without the CUDA backend"
    exit 0
  fi
  echo "install-deps: /usr/local/cuda/bin/nvcc not found. Install the CUDA 13 toolkit in" \
       "/usr/local/cuda, or build the emulated flavour only with -DLINACT_BUILD_CUDA=OFF." >&2
  exit 1
fi
