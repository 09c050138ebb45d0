#!/usr/bin/env bash
# Fuzzes the runner's file readers (IDX, and checkpoint with the training run's loader behind it)
# with libFuzzer for a while each.
#   scripts/fuzz.sh [seconds per target, default 20]
# Builds a separate clang tree, build/fuzz, with the readers and that loader only (no library
# flavour, no backend, no tests), starts from small seed files made here, and keeps what the
# fuzzer finds in build/fuzz/corpus so later runs continue from it. Exits non-zero on the first
# crash, leak or failed check.
set -euo pipefail
seconds=${1:-20}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: seconds must be a positive integer, got '$seconds'" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/fuzz

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DLINACT_FUZZ=ON \
  -DLINACT_BUILD_CUDA=OFF -DLINACT_BUILD_EMU=OFF -DLINACT_BUILD_RUNNER=ON \
  -DLINACT_BUILD_TESTS=OFF -DLINACT_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j2 --target idx_reader_fuzz checkpoint_reader_fuzz

# Seeds: one valid file of each kind, so the fuzzers start past the magic numbers and sizes.
python3 - "$build/seeds" <<'PY'
import os, struct, sys, zlib
out = sys.argv[1]
for d in ("idx_reader", "checkpoint_reader"):
    os.makedirs(os.path.join(out, d), exist_ok=True)

def write(path, data):
    with open(os.path.join(out, path), "wb") as f:
        f.write(data)

write("idx_reader/images", struct.pack(">IIII", 2051, 2, 3, 3) + bytes(range(18)))
write("idx_reader/labels", struct.pack(">II", 2049, 4) + bytes([0, 9, 3, 7]))

def name(s):
    return struct.pack("<I", len(s)) + s

payload = (b"TENS" + struct.pack("<I", 2)
           + name(b"G.0.bias") + struct.pack("<Q", 2) + struct.pack("<2f", 0.5, -1.0)
           + name(b"G.0.weight") + struct.pack("<Q", 1) + struct.pack("<f", 3.0)
           + b"SCAL" + struct.pack("<I", 1) + name(b"step") + struct.pack("<q", 7)
           + b"TEXT" + struct.pack("<I", 1) + name(b"config") + struct.pack("<Q", 2) + b"{}")
header = b"LINACTCK" + struct.pack("<IIQI", 1, 0, len(payload), zlib.crc32(payload))
write("checkpoint_reader/file", header + payload)
write("checkpoint_reader/payload", payload)

# A whole training run of the smallest GAN (G 1 -> 784, D 784 -> 1), so the fuzzer starts inside
# the run's loader rather than at its first missing entry.
def section(tag, entries, value):
    out = tag + struct.pack("<I", len(entries))
    for key in sorted(entries):
        out += name(key) + value(entries[key])
    return out

def floats(n):
    return struct.pack("<Q", n) + struct.pack("<%df" % n, *[(i % 7) * 0.125 for i in range(n)])

def text(b):
    return struct.pack("<Q", len(b)) + b

tensors = {}
for net, inputs, outputs in ((b"G", 1, 784), (b"D", 784, 1)):
    for part, n in ((b"weight", inputs * outputs), (b"bias", outputs)):
        for suffix in (b"", b".adam_m", b".adam_v"):
            tensors[net + b".0." + part + suffix] = n
config = (b'{"generator": {"widths": [1, 784], "activations": ["tanh"]}, '
          b'"discriminator": {"widths": [784, 1], "activations": ["sigmoid"]}}')
# std::mt19937_64's text form: its 312 state words, then the position in them.
rng = " ".join(str(i * 2654435761) for i in range(1, 313)).encode() + b" 312"
run = (section(b"TENS", tensors, floats)
       + section(b"SCAL", {b"D.step": 3, b"G.step": 3, b"epochs_done": 1, b"limit": 0},
                 lambda v: struct.pack("<q", v))
       + section(b"TEXT", {b"config": config, b"kind": b"linact-gan", b"rng": rng}, text))
write("checkpoint_reader/run-payload", run)
write("checkpoint_reader/run-file",
      b"LINACTCK" + struct.pack("<IIQI", 1, 0, len(run), zlib.crc32(run)) + run)
PY

for target in idx_reader checkpoint_reader; do
  corpus=$build/corpus/$target
  mkdir -p "$corpus"
  echo "fuzz.sh: $target for ${seconds}s"
  log=$build/$target.log
  status=0
  # A training run of the smallest GAN takes 30 kB; the IDX readers need no more than 4 kB.
  max_len=4096
  [[ $target == checkpoint_reader ]] && max_len=65536
  "$build/host/io/fuzz/${target}_fuzz" -max_total_time="$seconds" -max_len=$max_len -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/" \
    "$corpus" "$build/seeds/$target" >"$log" 2>&1 || status=$?
  if [[ $status -ne 0 ]]; then
    tail -n 40 "$log" >&2
    echo "fuzz.sh: $target found a fault (exit $status); the input is in $build/ (crash-*," \
         "leak-*, timeout-*), the full log in $log" >&2
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|DONE" "$log"
done
echo "fuzz.sh: no faults found"
