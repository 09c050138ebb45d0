#!/usr/bin/env bash
# The whole GPU check, in one run on a GPU machine (prepared here by bench/gpu_prepare.sh):
#   info       GPU name, driver, clocks (nvidia-smi queries, read only), commit
#   unpack     .gpu-carry/linact-gpu.tar.xz: the binaries built for sm_90
#   binaries   do they load here? If not, `build` rebuilds them from the carried tree
#   ceilings   device-to-device copy bandwidth, cuBLAS fp32 / TF32 / bf16 GEMM rates
#   tests      every *_gpu test executable
#   memcheck   compute-sanitizer memcheck on a subset of the tests and of the layer benchmark
#   racecheck  compute-sanitizer racecheck on the same test subset
#   verify     linact, cuBLAS and cuBLASLt layers on the same inputs agree (--verify)
#   bench_layer, bench_step   the Google Benchmark suites (JSON)
#   torch      bench/torch_compare.py: the same layer ops and GAN step in PyTorch
#   main_job   linact-gan train on the CUDA backend and the carried Fashion-MNIST
#   after      clocks after the load
# Each step has its own time limit and fails soft: a failure is recorded and the check goes on.
# The summary table, printed last, says which step failed. Everything lands under $OUT as three
# files named gpu-check-<date>-<gpu>-<commit>: .summary.md, .log and .tar.gz (JSON, logs, plots).
#
# Never changes the card's settings: nvidia-smi is only queried.
#
# Environment: OUT (default out/gpu-check), LINACT_CHECK_BUDGET_S (total, default 465),
# LINACT_SANITIZER_FILTER (gtest filter of the sanitizer subset), LINACT_CHECK_REBUILD=1 (build
# from the carried tree even when the carried binaries load), LINACT_CHECK_BUILD_LIMIT_S (that
# build's limit, default 240), LINACT_CHECK_WORK (the working folder, emptied first; default
# /tmp/linact-gpu-check).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$PWD

start=$(date +%s)
budget=${LINACT_CHECK_BUDGET_S:-465}
reserve=20 # kept for the summary and the packing
out=${OUT:-$root/out/gpu-check}
work=${LINACT_CHECK_WORK:-/tmp/linact-gpu-check}
default_filter='*OffsetPointers*:*BiasGradientIsExact*:*EmptyBatch*'
default_filter+=':*AdamMomentsAfterOneStep*' # the runner's CUDA backend, small model
sanitizer_filter=${LINACT_SANITIZER_FILTER:-$default_filter}
export root work sanitizer_filter
have_gpu=0
for d in /usr/local/cuda/bin /usr/local/cuda/compute-sanitizer; do
  [[ -d $d ]] && PATH=$PATH:$d
done
export PATH
rm -rf "$work"
mkdir -p "$out" "$work/logs" "$work/results" "$work/carry"
steps=$work/results/steps.tsv
printf 'step\tstatus\tseconds\tnote\n' >"$steps"
exec > >(tee "$work/log.txt") 2>&1

elapsed() { echo $(($(date +%s) - start)); }
remaining() { echo $((budget - reserve - $(elapsed))); }

record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$steps"; }

# step <name> <limit_s> <command...>: runs the command under `timeout` with at most <limit_s>
# seconds (less when the total budget runs short), logs to logs/<name>.log, records the outcome.
step() {
  local name=$1 limit=$2
  shift 2
  local left
  left=$(remaining)
  if ((left < 5)); then
    echo "== $name: SKIPPED (total budget spent)"
    record "$name" "SKIPPED" 0 "total budget spent"
    return 1
  fi
  ((limit > left)) && limit=$left
  echo "== $name (limit ${limit} s, $(elapsed) s elapsed)"
  local t0 rc
  t0=$(date +%s)
  # Through bash -c, so the exported functions below run under timeout like programs.
  timeout --kill-after=5 "$limit" bash -c '"$@"' "$name" "$@" >"$work/logs/$name.log" 2>&1
  rc=$?
  local took=$(($(date +%s) - t0))
  tail -n 15 "$work/logs/$name.log" | sed 's/^/   /'
  if ((rc == 0)); then
    record "$name" "ok" "$took" ""
  elif ((rc == 124 || rc == 137)); then
    record "$name" "TIMEOUT" "$took" "stopped after ${limit} s"
  elif ((have_gpu)); then
    record "$name" "FAILED" "$took" "exit $rc; see logs/$name.log"
  else
    record "$name" "FAILED" "$took" "no GPU; exit $rc; see logs/$name.log"
  fi
  echo "   -> exit $rc in ${took} s"
  return $rc
}

skip() {
  echo "== $1: SKIPPED ($2)"
  record "$1" "SKIPPED" 0 "$2"
}

# --- info ------------------------------------------------------------------------------------
query=name,driver_version,pci.bus_id,memory.total,clocks.sm,clocks.mem,clocks.max.sm
query+=,clocks.max.mem,power.draw,power.limit,temperature.gpu,compute_mode
export query
gpu_info() {
  nvidia-smi --query-gpu="$query" --format=csv >"$work/results/gpu_$1.csv" &&
    cat "$work/results/gpu_$1.csv" && nvidia-smi -q -d CLOCK >"$work/results/gpu_clocks_$1.txt"
}
export -f gpu_info
if command -v nvidia-smi >/dev/null && nvidia-smi -L >"$work/results/gpu_list.txt" 2>&1 &&
  grep -q '^GPU ' "$work/results/gpu_list.txt"; then
  have_gpu=1
  step info 15 gpu_info before
else
  echo "== no GPU: nvidia-smi is missing or lists no device; the GPU steps below will fail"
  record info "FAILED" 0 "no GPU: nvidia-smi is missing or lists no device"
fi
{
  echo "check_started $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host $(uname -n) $(uname -r)"
  echo "repo_commit $(git rev-parse HEAD 2>/dev/null || echo unknown)"
  command -v nvcc >/dev/null && echo "nvcc $(nvcc --version | tail -n 1)"
  head -n 5 .gpu-carry/MANIFEST 2>/dev/null | sed 's/^/carried_/'
} >"$work/results/context.txt"
cat "$work/results/context.txt"

# --- binaries ----------------------------------------------------------------------------------
export carry=$work/carry
unpack() {
  if command -v xz >/dev/null; then
    tar -xJf .gpu-carry/linact-gpu.tar.xz -C "$carry"
  else
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
      .gpu-carry/linact-gpu.tar.xz "$carry"
  fi
}
export -f unpack
if [[ -f .gpu-carry/linact-gpu.tar.xz ]]; then
  step unpack 30 unpack
else
  skip unpack "no .gpu-carry/linact-gpu.tar.xz: run bench/gpu_prepare.sh and carry .gpu-carry"
fi

# The carried programs find the carried libraries first, then the machine's CUDA libraries: its
# toolkit, or the wheels PyTorch brought. Everything else (python3, cmake, nvcc) keeps the
# machine's own search path, so PyTorch never meets the carried OpenBLAS or libgomp.
libs=$carry/lib
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  [[ -d $d ]] && libs=$libs:$d
done
pylibs=$(python3 -c 'import glob, site
dirs = [d for s in site.getsitepackages() for d in sorted(glob.glob(s + "/nvidia/*/lib"))]
print(":".join(dirs))' \
  2>/dev/null)
[[ -n "$pylibs" ]] && libs=$libs:$pylibs
export carried_ld_path=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
carried() { LD_LIBRARY_PATH=$carried_ld_path "$@"; }
export -f carried

binaries_load() {
  local missing=0 f unresolved
  for f in "$carry"/bin/* "$carry"/tests/*; do
    [[ -x $f ]] || continue
    unresolved=$(carried ldd "$f" | grep 'not found')
    if [[ -n $unresolved ]]; then
      echo "$f: $(tr -s ' \t' ' ' <<<"$unresolved")"
      missing=1
    fi
  done
  ls "$carry"/bin/linact_gpu_ceilings >/dev/null || return 1
  return $missing
}
export -f binaries_load

# The machine has no OpenBLAS, so a rebuild there leaves the runner out (LINACT_BUILD_RUNNER=OFF),
# and with it host_cuda_cuda_backend_test_gpu and the gan_step/runner cases. /usr is ignored by
# find_package, so a rehearsal on the machine that prepared the carry finds only the carried
# GoogleTest and Google Benchmark, as the GPU machine does.
rebuild() {
  local b=$work/build
  cmake -S "$root" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DLINACT_BUILD_EMU=OFF -DLINACT_BUILD_RUNNER=OFF -DLINACT_GPU_TESTS=ON \
    -DLINACT_PTXAS_REPORT=OFF -DCMAKE_PREFIX_PATH="$carry/deps" -DCMAKE_IGNORE_PREFIX_PATH=/usr \
    || return 1
  local targets
  targets=$(cmake --build "$b" --target help | sed -n 's/^\([A-Za-z0-9_]*\): .*/\1/p' |
    grep -E '(_gpu|^linact_gpu_ceilings)$' | sort -u)
  cmake --build "$b" --target $targets -j "$(nproc)" || return 1
  # The carried programs did not load, and the runner's test is not rebuilt: none of them stays.
  rm -rf "${carry:?}/bin" "${carry:?}/tests"
  mkdir -p "$carry/bin" "$carry/tests"
  find "$b/bench" -type f -perm -u+x -name 'linact_*' -exec cp {} "$carry/bin/" \;
  find "$b/tests" -type f -perm -u+x -name '*_gpu' -exec cp {} "$carry/tests/" \;
}
export -f rebuild

# LINACT_CHECK_REBUILD=1 rebuilds even when the carried binaries load (to rehearse the build).
if [[ ${LINACT_CHECK_REBUILD:-0} == 1 ]] || ! step binaries 10 binaries_load; then
  step build "${LINACT_CHECK_BUILD_LIMIT_S:-240}" rebuild || true
fi

# --- ceilings, tests, sanitizers ----------------------------------------------------------------
export R=$work/results
if [[ -x $carry/bin/linact_gpu_ceilings ]]; then
  step ceilings 45 carried "$carry/bin/linact_gpu_ceilings" "$R/ceilings.json"
else
  skip ceilings "linact_gpu_ceilings not available"
fi

run_tests() {
  local f rc=0 n=0
  for f in "$carry"/tests/*_gpu; do
    [[ -x $f ]] || continue
    n=$((n + 1))
    echo "-- $(basename "$f")"
    carried "$f" --gtest_output="json:$R/tests_$(basename "$f").json" --gtest_brief=1 || rc=1
  done
  ((n > 0)) || { echo "no *_gpu test executables"; return 1; }
  return $rc
}
export -f run_tests
step tests 75 run_tests

sanitize() {
  local tool=$1 f rc=0 n=0
  command -v compute-sanitizer >/dev/null || { echo "compute-sanitizer not found"; return 1; }
  for f in "$carry"/tests/*_gpu; do
    [[ -x $f ]] || continue
    n=$((n + 1))
    echo "-- $tool $(basename "$f") --gtest_filter=$sanitizer_filter"
    carried compute-sanitizer --tool "$tool" --error-exitcode 99 "$f" \
      --gtest_filter="$sanitizer_filter" --gtest_brief=1 || rc=1
  done
  # The benchmarks' own kernels and calls, on one small layer: each implementation once.
  if [[ $tool == memcheck && -x $carry/bin/linact_bench_layer_gpu ]]; then
    echo "-- memcheck linact_bench_layer_gpu (G1, batch 64, relu)"
    carried compute-sanitizer --tool memcheck --error-exitcode 99 \
      "$carry/bin/linact_bench_layer_gpu" \
      --benchmark_filter='^layer/.*/(relu|none)/G1/m:64/' --benchmark_repetitions=1 || rc=1
  fi
  ((n > 0)) || { echo "no *_gpu test executables"; return 1; }
  return $rc
}
export -f sanitize
step memcheck 50 sanitize memcheck
step racecheck 40 sanitize racecheck

# Every implementation once on the same inputs: the benchmarks compare equals only if this holds.
if [[ -x $carry/bin/linact_bench_layer_gpu ]]; then
  step verify 40 carried "$carry/bin/linact_bench_layer_gpu" --verify
  cp "$work/logs/verify.log" "$R/verify.txt"
else
  skip verify "linact_bench_layer_gpu not available"
fi

# --- benchmarks ------------------------------------------------------------------------------
bench() {
  local exe=$carry/bin/$1 json=$2 limit=$3
  if [[ ! -x $exe ]]; then
    echo "$1 was not built (see MANIFEST: the library may lack its entry points)"
    return 1
  fi
  # The executable stops starting new cases before the step's limit, so its JSON is written.
  LINACT_BENCH_BUDGET_S=$((limit > 30 ? limit - 25 : 5)) carried "$exe" \
    --benchmark_out="$json" --benchmark_out_format=json
}
export -f bench
layer_limit=150
((layer_limit > $(remaining))) && layer_limit=$(remaining)
step bench_layer "$layer_limit" bench linact_bench_layer_gpu "$R/bench_layer.json" "$layer_limit"
step_limit=45
((step_limit > $(remaining))) && step_limit=$(remaining)
step bench_step "$step_limit" bench linact_bench_gan_step_gpu "$R/bench_step.json" "$step_limit"

# --- PyTorch -----------------------------------------------------------------------------------
torch_limit=85
((torch_limit > $(remaining))) && torch_limit=$(remaining)
PYTHONUNBUFFERED=1 step torch "$torch_limit" python3 bench/torch_compare.py \
  --out "$R/torch.json" --budget-s $((torch_limit - 10))

# --- the main job ----------------------------------------------------------------------------
# linact-gan's default run (10 epochs, quality score after each) on its CUDA backend and the
# carried Fashion-MNIST: the runner end to end on real data, with whatever time is left. It
# appends to metrics.jsonl after every epoch, so a run stopped by its limit still reports the
# epochs it finished; the checkpoints stay behind.
main_job() {
  mkdir -p "$work/cache/linact"
  # The classifier gpu_prepare.sh found in its machine's cache, if any; else the runner trains one.
  cp .gpu-carry/fashion-classifier-2.ckpt "$work/cache/linact/" 2>/dev/null
  XDG_CACHE_HOME=$work/cache carried "$carry/bin/linact-gan" train --backend cuda \
    --data "$root/.gpu-carry/fashion-mnist" --out "$work/main-job"
}
export -f main_job
train_limit=90
((train_limit > $(remaining))) && train_limit=$(remaining)
if ((train_limit < 30)); then
  skip main_job "only ${train_limit} s of the budget left; it needs about 30"
elif [[ ! -x $carry/bin/linact-gan ]]; then
  skip main_job "linact-gan not available (a rebuild here leaves the runner out)"
elif [[ ! -d .gpu-carry/fashion-mnist ]]; then
  skip main_job "no .gpu-carry/fashion-mnist: bench/gpu_prepare.sh found no Fashion-MNIST"
else
  step main_job "$train_limit" main_job
  cp "$work/main-job/metrics.jsonl" "$R/main_job_metrics.jsonl" 2>/dev/null
  for png in "$work"/main-job/samples_epoch_{001,005,010}.png; do
    [[ -f $png ]] && cp "$png" "$R/main_job_$(basename "$png")"
  done
fi

if ((have_gpu)); then
  gpu_info after >"$work/logs/after.log" 2>&1 && record after ok 0 "" ||
    record after FAILED 0 "nvidia-smi query failed"
fi

# --- summary and packing ------------------------------------------------------------------------
gpu_slug=$(head -n 2 "$R/gpu_before.csv" 2>/dev/null | tail -n 1 | cut -d, -f1 |
  tr -c 'A-Za-z0-9\n' '-' | tr -s '-' | sed 's/^-//; s/-$//')
commit=$(sed -n 's/^commit \([0-9a-f]\{12\}\).*/\1/p' .gpu-carry/MANIFEST 2>/dev/null)
[[ -n $commit ]] || commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
name=gpu-check-$(date -u +%Y%m%d-%H%M)-${gpu_slug:-no-gpu}-$commit
echo "$name" >"$R/name.txt"

mkdir -p "$work/report"
python3 bench/plot_results.py --check-dir "$R" --out-dir "$work/report" \
  >"$work/logs/report.log" 2>&1 || echo "plot_results failed: see logs/report.log"
cp "$work/report/summary.md" "$out/$name.summary.md" 2>/dev/null

echo "== total $(elapsed) s of ${budget} s"
# The headline tables, then the steps: the last lines of the output are what a short tail shows.
if [[ -f $work/report/summary.md ]]; then
  echo
  awk '/^## Headline/ {on = 1} /^## / && !/^## Headline/ {on = 0} on' "$work/report/summary.md"
fi
echo "== summary ($name)"
column -t -s $'\t' "$steps" 2>/dev/null || cat "$steps"
failed=$(awk -F'\t' 'NR > 1 && $2 != "ok" {print $1}' "$steps" | tr '\n' ' ')
echo "steps not ok: ${failed:-none}"
sleep 1 # let tee write the last lines before the log is copied

cp "$work/log.txt" "$out/$name.log"
tar -C "$work" -czf "$out/$name.tar.gz" results logs report log.txt
exit 0
