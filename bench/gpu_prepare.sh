#!/usr/bin/env bash
# Builds here, for sm_90, everything bench/gpu_check.sh runs on a GPU machine, and packs it into
# .gpu-carry/linact-gpu.tar.xz (the folder is ignored by git through .git/info/exclude), to be
# carried along with the working tree. Every executable embeds the library's device code, so
# the executables are large but nearly identical, and xz at its largest window packs them small.
# The GPU machine has nvcc, CMake and ninja but no Debian packages and no network, so the archive
# holds:
#   bin/     the GPU benchmarks, the ceilings program and linact-gan (with its CUDA backend)
#   tests/   every *_gpu test executable (the kernel tests and the runner's CUDA backend test,
#            built against the nvcc flavour)
#   lib/     the shared libraries of those programs that are neither glibc's, the C++ runtime's
#            nor the CUDA toolkit's: libbenchmark, OpenBLAS and its runtimes, libpng and zlib
#            (GoogleTest is linked statically)
#   deps/    GoogleTest and Google Benchmark headers, libraries and CMake files (a prefix for
#            CMAKE_PREFIX_PATH), so the check can rebuild from source there if the binaries built
#            here do not run
#   MANIFEST the commit, the build settings, each file's size and each program's ldd output
#            (also beside the archive)
# and Fashion-MNIST's four files go beside the archive in .gpu-carry/fashion-mnist/.
#
# Usage: bench/gpu_prepare.sh      (LINACT_GPU_ARCH=90 by default; build folder build/gpu-sm90)
# Then, from the same checkout, one device run:
#   command: bash bench/gpu_check.sh     carry: [".gpu-carry"]     timeout_s: 540
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${LINACT_GPU_ARCH:-90}
build=build/gpu-sm${arch}
carry=.gpu-carry
limit_mib=60 # the working tree and the carried folder travel together within 64 MiB
start=$(date +%s)
mkdir -p build

exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qxF "/$carry/" "$exclude" 2>/dev/null || echo "/$carry/" >>"$exclude"

echo "== configure $build (nvcc flavour only, sm_$arch, Release)"
# The emulated flavour needs Boost.Context, which the GPU machine lacks; building without it
# here proves the fallback build there configures too. The runner is configured for its CUDA
# backend, which host_cuda_cuda_backend_test_gpu and the gan_step/runner cases run.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$arch" \
  -DLINACT_BUILD_EMU=OFF -DLINACT_BUILD_CUDA=ON -DLINACT_BUILD_TESTS=ON -DLINACT_BUILD_BENCH=ON \
  -DLINACT_BUILD_RUNNER=ON -DLINACT_GPU_TESTS=ON -DLINACT_PTXAS_REPORT=OFF \
  >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
grep -E "not built" "$build.configure.log" || true

# Targets that run on the GPU: the *_gpu tests, the bench/gpu executables and linact-gan.
mapfile -t targets < <(cmake --build "$build" --target help |
  sed -n 's/^\([A-Za-z0-9_-]*\): .*/\1/p' |
  grep -E '(_gpu|^linact_gpu_ceilings|^linact-gan)$' | sort -u)
if ((${#targets[@]} == 0)); then
  echo "gpu_prepare: no GPU targets configured" >&2
  exit 1
fi
echo "== build ${targets[*]}"
cmake --build "$build" --target "${targets[@]}" -j "${LINACT_BUILD_JOBS:-2}"

stage=$build/carry-stage
echo "== collect into $stage/"
rm -rf "$stage" "$carry"
mkdir -p "$stage/bin" "$stage/tests" "$stage/lib" "$carry"
for t in "${targets[@]}"; do
  exe=$(find "$build" -type f -name "$t" -perm -u+x | head -n 1)
  [[ -n "$exe" ]] || { echo "gpu_prepare: $t was not built" >&2; exit 1; }
  case "$exe" in
    "$build"/bench/* | "$build"/host/*) cp "$exe" "$stage/bin/" ;;
    *) cp "$exe" "$stage/tests/" ;;
  esac
done
strip --strip-debug "$stage"/bin/* "$stage"/tests/* 2>/dev/null || true

# The shared libraries the programs resolve here that the GPU machine lacks, under their sonames:
# libbenchmark, and OpenBLAS (the OpenMP build, as linked here) with libgomp and its Fortran
# runtime for the CPU backend side of host_cuda_cuda_backend_test_gpu and for linact-gan, which
# also needs libpng and zlib for its sample grids. glibc's, the C++ runtime's (the machine's own
# are newer) and the CUDA toolkit's (the machine's toolkit matches its driver) come from the
# machine. Any other library stops the script, so a new dependency is decided on rather than
# carried unseen. gpu_check.sh puts these first on the library path of the carried programs and
# of compute-sanitizer running them, nothing else.
declare -A carried=()
while read -r soname arrow path rest; do
  [[ $arrow == "=>" ]] || continue
  case $soname in
    libc.so.* | libm.so.* | libmvec.so.* | libdl.so.* | libpthread.so.* | librt.so.*) continue ;;
    ld-linux* | libstdc++.so.* | libgcc_s.so.*) continue ;;
  esac
  case $path in
    /usr/local/cuda*) continue ;;
    /*) ;;
    *) echo "gpu_prepare: $soname is not found here (ldd: $path $rest)" >&2; exit 1 ;;
  esac
  case $soname in
    libbenchmark.so.* | libopenblas.so.* | libgomp.so.* | libgfortran.so.* | libquadmath.so.*) ;;
    libpng16.so.* | libz.so.*) ;;
    *)
      echo "gpu_prepare: the GPU programs need $soname ($path), which is neither carried nor" \
        "known to be on the GPU machine: add it to one of the lists above" >&2
      exit 1
      ;;
  esac
  if [[ -n ${carried[$soname]:-} && ${carried[$soname]} != "$path" ]]; then
    echo "gpu_prepare: $soname resolves to ${carried[$soname]} and to $path" >&2
    exit 1
  fi
  carried[$soname]=$path
done < <(ldd "$stage"/bin/* "$stage"/tests/* | grep -v ':$')
for soname in "${!carried[@]}"; do
  cp -L "${carried[$soname]}" "$stage/lib/$soname"
done

# A prefix laid out as Debian's, so the packages' own CMake files find everything under it.
deps_lib=$stage/deps/lib/x86_64-linux-gnu
mkdir -p "$stage/deps/include" "$deps_lib/cmake"
cp -r /usr/include/gtest /usr/include/gmock /usr/include/benchmark "$stage/deps/include/"
cp -P /usr/lib/x86_64-linux-gnu/{libgtest,libgtest_main,libgmock,libgmock_main}.a \
  /usr/lib/x86_64-linux-gnu/libbenchmark{.so,.so.1debian,.so.1.7.1,_main.a} "$deps_lib/"
cp -r /usr/lib/x86_64-linux-gnu/cmake/GTest /usr/lib/x86_64-linux-gnu/cmake/benchmark \
  "$deps_lib/cmake/"

{
  echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!.gpu-carry' || echo '-dirty')"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
  echo "arch sm_$arch"
  echo "nvcc $(/usr/local/cuda/bin/nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
  echo "glibc $(ldd --version | head -n 1 | awk '{print $NF}')"
  echo "== files"
  (cd "$stage" && find . -type f ! -path ./MANIFEST -printf '%s %p\n' | sort -k2)
  echo "== ldd"
  for f in "$stage"/bin/* "$stage"/tests/*; do
    echo "-- $f"
    ldd "$f" | sed 's/ (0x[0-9a-f]*)//'
  done
} >"$stage/MANIFEST"

echo "== pack $carry/linact-gpu.tar.xz"
tar -C "$stage" -cf - . | xz -9 -T "${LINACT_BUILD_JOBS:-2}" >"$carry/linact-gpu.tar.xz"
cp "$stage/MANIFEST" "$carry/MANIFEST"

# Fashion-MNIST for the check's main-job step, beside the archive (its files are compressed),
# and the score's classifier from this machine's cache when there is one, so the main job there
# scores with the classifier the runs here used instead of training its own.
data=${LINACT_DATA:-/usr/share/datasets/fashion-mnist}
mnist=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz
  t10k-labels-idx1-ubyte.gz)
if (cd "$data" 2>/dev/null && ls "${mnist[@]}" >/dev/null 2>&1); then
  mkdir -p "$carry/fashion-mnist"
  for f in "${mnist[@]}"; do cp "$data/$f" "$carry/fashion-mnist/"; done
  echo "== $carry/fashion-mnist/ from $data"
else
  echo "gpu_prepare: no Fashion-MNIST in $data (install dataset-fashion-mnist or set" \
    "LINACT_DATA): the check's main-job step will be skipped"
fi
classifier=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/linact/fashion-classifier-2.ckpt
if [[ -f $classifier ]]; then
  cp "$classifier" "$carry/"
  echo "== $carry/$(basename "$classifier") from $classifier"
else
  echo "== no cached classifier at $classifier: the main job there trains its own"
fi

size_kib=$(du -sk "$carry" | cut -f1)
tree_kib=$(git ls-files -z --cached --others --exclude-standard |
  du -ck --files0-from=- 2>/dev/null | tail -n 1 | cut -f1)
echo "== $carry: ${size_kib} KiB; working tree: ${tree_kib} KiB; limit $limit_mib MiB together"
if ((size_kib + tree_kib > limit_mib * 1024)); then
  echo "gpu_prepare: too large to carry" >&2
  exit 1
fi
echo "== done in $(($(date +%s) - start)) s. Device run from this checkout:"
echo "   command: bash bench/gpu_check.sh   carry: [\".gpu-carry\"]   timeout_s: 540"
