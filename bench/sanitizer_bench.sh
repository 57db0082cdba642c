#!/usr/bin/env bash
# Slowdown of each --sanitizer mode on the models' fixed twins: `sigstorm
# run --no-inject` (clean runs, no signals: the detectors' own cost) under
# none, glibc, asan, ubsan and tsan, interleaved repetition by repetition;
# the median wall time of each, and its ratio against none measured in the
# same run. Needs a built tree with the sanitized models (ci/build).
#   bench/sanitizer_bench.sh [--quick]        BUILD=build by default
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SS="$BUILD/bin/sigstorm"
case "${1:-}" in
--quick) reps=3 ;;
"") reps=7 ;;
*)
  echo "usage: $0 [--quick]" >&2
  exit 2
  ;;
esac
[ -x "$SS" ] || {
  echo "missing $SS: build first (ci/build), or set BUILD" >&2
  exit 2
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
modes=(none glibc asan ubsan tsan)
models=(regresshion malloc_in_handler stdio_in_handler mutex_in_handler malloc_lock_deadlock nonatomic_flag heap_corruption)

. bench/lib.sh # cwd: the repository

echo "sigstorm --sanitizer slowdown, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) CPUs, $(uname -sr); fixed twins, sigstorm run --no-inject, medians of $reps (ms), ratio to none"
printf "   %-24s" model
for m in "${modes[@]}"; do printf " %13s" "$m"; done
echo
for model in "${models[@]}"; do
  p="$BUILD/targets/${model}_fixed"
  for r in $(seq 1 "$reps"); do
    for m in "${modes[@]}"; do
      if [ "$m" != none ] && [ "$m" != glibc ] && [ ! -x "$p.$m" ]; then
        continue
      fi
      ms "$SS" run --no-inject --no-cases --sanitizer "$m" -- "$p" >>"$T/$model.$m"
    done
    : "$r"
  done
  base=$(median <"$T/$model.none")
  printf "   %-24s" "$model"
  for m in "${modes[@]}"; do
    if [ -s "$T/$model.$m" ]; then
      v=$(median <"$T/$model.$m")
      printf " %6.0f %5.2fx" "$v" "$(awk -v a="$v" -v b="$base" 'BEGIN {print a / b}')"
    else
      printf " %13s" "-"
    fi
  done
  echo
done
