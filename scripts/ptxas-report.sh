#!/usr/bin/env bash
# Prints nvcc's sm_90 resource report of every kernel, one line each (registers, spill bytes,
# kernel), from the ptxas_spills test of a configured build; that test fails on any spill.
# Usage: scripts/ptxas-report.sh [build dir, default build/release]
set -euo pipefail
build=${1:-build/release}
ctest --test-dir "$build" -R '^ptxas_spills$' -V 2>&1 |
  sed -E 's/^[0-9]+: //' |
  awk -v q="'" '
    /Compiling entry function/ { split($0, parts, q); name = parts[2] }
    /bytes spill stores/ { gsub(/^ +/, ""); spill = $0 }
    /Used [0-9]+ registers/ {
      match($0, /Used [0-9]+ registers/)
      printf "%4s regs  %-60s %s\n", substr($0, RSTART + 5, RLENGTH - 15), spill, name
    }
    /Passed|Failed|register spills|no kernel spills/ { print }' |
  c++filt |
  sed -E 's/(void )?linact::kernels::\(anonymous namespace\):: ?//; s/linact::(kernels::)?//g' |
  cut -c1-200
