#!/usr/bin/env bash
# Fails when a tracked C/C++/CUDA source differs from what .clang-format asks for, and lists the
# files. Fix with: clang-format -i <file>...
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.hpp' '*.cpp' '*.cu' '*.cuh' 2>/dev/null)
if ((${#files[@]} == 0)); then
  echo "check-format: no tracked sources found (not a git checkout?)" >&2
  exit 1
fi
bad=()
for f in "${files[@]}"; do
  [[ -f "$f" ]] || continue
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if ((${#bad[@]} > 0)); then
  echo "check-format: ${#bad[@]} file(s) differ from .clang-format; run clang-format -i on:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files follow .clang-format"
