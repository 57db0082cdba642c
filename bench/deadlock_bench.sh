#!/usr/bin/env bash
# Deadlock and heap-check benchmarks (the detectors issue):
#  1. time from a deadlock to its diagnosis: a replayed self-deadlock
#     (corpus/mutex_in_handler) is stopped after --stall of no progress,
#     every thread is unwound and the cycle named; the figure is the replay's
#     wall time minus the stall time, next to the same replay of a case that
#     does not deadlock (the baseline: start, trace, run, report);
#  2. the slowdown of --sanitizer glibc and glibc-debug on each model's fixed twin (clean
#     runs, no injection), against the same runs under the runtime alone;
#  3. what each heap oracle catches on the models: the runtime alone, glibc
#     mode, glibc mode with --heap-check (runs ending in heap-corruption, in
#     another crash, and those the heap check caught right after a handler).
# Medians; needs a built tree (ci/build).
#   bench/deadlock_bench.sh [--quick]        BUILD=build by default
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SS="$BUILD/bin/sigstorm"
case "${1:-}" in
--quick) reps=5 ;;
"") reps=15 ;;
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

. bench/lib.sh # cwd: the repository

echo "sigstorm deadlock/heap-check benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "1. deadlock to diagnosis (replay of corpus/mutex_in_handler, medians of $reps)"
dl=corpus/mutex_in_handler/deadlock-log-lock.case
ok=corpus/stdio_in_handler/reentrancy-fwrite.case
printf "   %-44s %10s %14s\n" "" "wall ms" "minus stall"
for stall in 50 200; do
  for _ in $(seq 1 "$reps"); do ms "$SS" replay --stall "${stall}ms" "$dl"; done | median >"$T/d$stall"
  printf "   %-44s %10.0f %14.0f\n" "deadlock, --stall ${stall}ms" "$(cat "$T/d$stall")" \
    "$(awk -v a="$(cat "$T/d$stall")" -v s=$stall 'BEGIN {print a - s}')"
done
for _ in $(seq 1 "$reps"); do ms "$SS" replay "$ok"; done | median >"$T/base"
printf "   %-44s %10.0f\n" "baseline: a replay that does not deadlock" "$(cat "$T/base")"
printf "   diagnosis (attach, unwind every thread, name the cycle, kill): about %.0f ms\n" \
  "$(awk -v a="$(cat "$T/d50")" -v b="$(cat "$T/base")" 'BEGIN {d = a - 50 - b; print d < 0 ? 0 : d}')"
"$SS" replay --report "$T/r" "$dl" >/dev/null 2>&1 || true
cyc=$(jq -r '[.findings[] | select(.kind == "deadlock") | .cycle][0] // empty' "$T/r/report.json" 2>/dev/null || true)
[ -n "$cyc" ] && echo "   cycle: $cyc"
echo

echo "2. --sanitizer glibc and glibc-debug: slowdown on the fixed twins (run --no-inject, medians of $reps)"
printf "   %-28s %10s %10s %8s %10s %8s\n" model "runtime ms" "glibc ms" ratio "debug ms" ratio
for m in regresshion malloc_in_handler stdio_in_handler mutex_in_handler malloc_lock_deadlock heap_corruption; do
  p="$BUILD/targets/${m}_fixed"
  for _ in $(seq 1 "$reps"); do ms "$SS" run --no-inject --no-cases -- "$p"; done | median >"$T/a"
  for _ in $(seq 1 "$reps"); do ms "$SS" run --no-inject --no-cases --sanitizer glibc -- "$p"; done | median >"$T/b"
  for _ in $(seq 1 "$reps"); do ms "$SS" run --no-inject --no-cases --sanitizer glibc-debug -- "$p"; done | median >"$T/c"
  printf "   %-28s %10.0f %10.0f %7.2fx %10.0f %7.2fx\n" "$m" "$(cat "$T/a")" "$(cat "$T/b")" \
    "$(awk -v a="$(cat "$T/a")" -v b="$(cat "$T/b")" 'BEGIN {print b / a}')" "$(cat "$T/c")" \
    "$(awk -v a="$(cat "$T/a")" -v b="$(cat "$T/c")" 'BEGIN {print b / a}')"
done
echo

runs=$((reps * 20))
echo "3. what each heap oracle catches (stress --runs $runs --jobs 2 --seed 1, random schedules)"
printf "   %-20s %-22s %6s %6s %10s %8s\n" model mode heap crash "by check" seconds
for m in heap_corruption regresshion; do
  for mode in "runtime" "glibc" "glibc+heap-check"; do
    case $mode in
    runtime) extra=() ;;
    glibc) extra=(--sanitizer glibc) ;;
    *) extra=(--sanitizer glibc --heap-check) ;;
    esac
    "$SS" stress --runs "$runs" --jobs 2 --seed 1 --no-cases "${extra[@]}" --report "$T/h" \
      -- "$BUILD/targets/$m" >/dev/null 2>&1 || true
    r="$T/h/report.json"
    printf "   %-20s %-22s %6s %6s %10s %8.1f\n" "$m" "$mode" \
      "$(jq '[.findings[] | select(.kind == "heap-corruption") | .runs] | add // 0' "$r")" \
      "$(jq '[.findings[] | select(.kind == "crash") | .runs] | add // 0' "$r")" \
      "$(jq '[.findings[] | select(.detectors | index("heapcheck") != null) | .runs] | add // 0' "$r")" \
      "$(jq '.elapsed_s' "$r")"
  done
done
echo "   (heap/crash: runs ending in a heap-corruption finding / another crash;"
echo "    by check: of those, caught by --heap-check right after the handler)"
